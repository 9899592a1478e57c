// The cost of a whole dispute on an OP Stack chain (PROTOCOL.md §7): L2 execution (the measured
// gas of DisputeGame.Gas.t.sol) plus the L1 data fee of every move transaction, computed by the
// real GasPriceOracle (Fjord formula: FastLZ size of the unsigned transaction) on an
// `anvil --network optimism` whose L1Block holds the stated L1 prices and OP Mainnet's scalars.
// The moves' calldata are the gas table's move scripts (rollup-contracts/test/fixtures/*.abi).
//   node --import tsx scripts/op-dispute-cost.ts      prints the markdown table rows
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbiCoder, Interface, Transaction, formatEther, parseUnits, ZeroHash } from 'ethers';
import { REPO_ROOT } from '../chain/artifacts.ts';
import { makeProvider } from '../chain/client.ts';
import { installFeePredeploys, OP_MAINNET_SCALARS, setL1BlockValues } from '../chain/op-stack.ts';
import { l1FeeOfBytes } from '../chain/op-bridge.ts';
import { startAnvil, stopPid } from '../chain/processes.ts';

const MOVE_SCRIPT_TYPE =
  'tuple(string name, tuple(bytes32 specHash, bytes32 programRoot, uint64 seed, uint64 numSteps, uint32 hashInterval) job, tuple(bytes32 stepsRoot, bytes32 finalStateHash, bytes32 finalModelHash, uint64 numSteps) commitment, uint32 programLength, uint64 tensorElements, uint32 foldLen, bool withheld, tuple(uint8 actor, string name, bytes data)[] moves)';

/** Whole-dispute gas incl. the challenge, as measured and tabled in PROTOCOL.md §7. */
const JOBS = [
  { file: 'mnist-mlp.abi', label: 'mnist-mlp', gas: 2_293_837n },
  { file: 'mnist-cnn.abi', label: 'mnist-cnn', gas: 2_317_351n },
  { file: 'scale.abi', label: '10^4 × 10^3 × 10^6', gas: 2_642_390n },
  { file: 'scale-withheld.abi', label: '10^4 × 10^3 × 10^6, nothing published', gas: 5_718_838n },
];

/** The stated prices: L2 gas 0.001 gwei; L1 base fee 10 gwei; blob base fee 1 wei or 10 gwei. */
export const PRICES = { l2GasPrice: parseUnits('0.001', 'gwei'), l1BaseFee: parseUnits('10', 'gwei'), blobBaseFees: [1n, parseUnits('10', 'gwei')] };

/** A move as an OP Mainnet (chain id 10) EIP-1559 transaction: the bytes the L1 data fee is charged on. */
function moveTx(data: string, value = 0n): string {
  return Transaction.from({ type: 2, chainId: 10, nonce: 1000, to: '0x' + '5a'.repeat(20), value, data, gasLimit: 1_000_000, maxFeePerGas: 2n * PRICES.l2GasPrice, maxPriorityFeePerGas: PRICES.l2GasPrice }).unsignedSerialized;
}

export async function disputeCosts(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'optrain-opcost-'));
  const anvil = await startAnvil({ dir, network: 'optimism', chainId: 10, blockTime: 0 });
  const l2 = makeProvider(anvil.rpcUrl, 100);
  try {
    await installFeePredeploys(l2);
    const challengeData = new Interface(['function challenge(uint256 jobId)']).encodeFunctionData('challenge', [1]);
    const rows: string[] = [];
    for (const job of JOBS) {
      const bytes = readFileSync(join(REPO_ROOT, 'rollup-contracts/test/fixtures', job.file));
      const script = AbiCoder.defaultAbiCoder().decode([MOVE_SCRIPT_TYPE], bytes)[0] as { moves: { data: string }[] };
      const txs = [moveTx(challengeData, parseUnits('0.01', 'ether')), ...script.moves.map((m) => moveTx(m.data))];
      const calldata = txs.reduce((n, t) => n + (Transaction.from(t).data.length - 2) / 2, 0);
      const execFee = job.gas * PRICES.l2GasPrice;
      const l1Fees: bigint[] = [];
      for (const blobBaseFee of PRICES.blobBaseFees) {
        await setL1BlockValues(l2, { number: 1n, timestamp: 1n, baseFee: PRICES.l1BaseFee, blobBaseFee, hash: ZeroHash }, OP_MAINNET_SCALARS);
        let fee = 0n;
        for (const t of txs) fee += await l1FeeOfBytes(l2, t, undefined, anvil.accounts[0].address);
        l1Fees.push(fee);
      }
      const eth = (x: bigint) => Number(formatEther(x)).toPrecision(3);
      rows.push(`| ${job.label} | ${txs.length} | ${calldata.toLocaleString('en')} | ${job.gas.toLocaleString('en')} | ${eth(execFee)} | ${l1Fees.map(eth).join(' / ')} | ${l1Fees.map((f) => eth(f + execFee)).join(' / ')} |`);
    }
    return rows;
  } finally {
    l2.destroy();
    await stopPid(anvil.pid);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await disputeCosts()) console.log(row);
}

// DEVNET STAND-INS for the two OP Stack services a local anvil pair lacks. They are not
// op-node/op-proposer and derive nothing from batches; they only make the bridge contracts'
// two cross-layer paths live on a devnet:
//   deposit relayer: every OptimismPortal TransactionDeposited event on L1 becomes an L2
//     deposit transaction (type 0x7e, anvil --network optimism) with the event's from (already
//     aliased by the portal for contract senders), to, mint, value, gas limit and data, and the
//     spec's source hash keccak256(0, keccak256(l1BlockHash, logIndex)). Before each batch the
//     L1 attributes (L1Block) are refreshed from the L1 head, as op-node does every L2 block.
//   output proposer: whenever the L2 head reaches L2OutputOracle.nextBlockNumber(), proposes
//     that block's output root (version 0, state root, L2ToL1MessagePasser storage root, block
//     hash) from the proposer account.
import { AbiCoder, Contract, JsonRpcProvider, Wallet, dataSlice, getBigInt, keccak256, toBeHex, toNumber, zeroPadValue } from 'ethers';
import { bedrockInterface, outputRootAt, updateL1BlockValues, type OpL1Contracts, type OpStackConfig } from './op-stack.ts';

export interface StandinOptions {
  l1: JsonRpcProvider;
  l2: JsonRpcProvider;
  contracts: OpL1Contracts;
  proposerKey: string;
  fees: Pick<OpStackConfig, 'baseFeeScalar' | 'blobBaseFeeScalar'>;
  /** L1 block to start scanning deposits from. */
  fromBlock: number;
  log?: (line: string) => void;
}

export interface DepositEvent {
  from: string;
  to: string;
  mint: bigint;
  value: bigint;
  gasLimit: bigint;
  isCreation: boolean;
  data: string;
  sourceHash: string;
  l1TxHash: string;
}

const portalIface = bedrockInterface('OptimismPortal');
const DEPOSITED_TOPIC = portalIface.getEvent('TransactionDeposited')!.topicHash;

/** Decode one TransactionDeposited log (opaqueData = packed mint, value, gasLimit, isCreation, data). */
export function decodeDeposit(log: { topics: readonly string[]; data: string; blockHash: string; index: number; transactionHash: string }): DepositEvent {
  const parsed = portalIface.parseLog({ topics: [...log.topics], data: log.data })!;
  const opaque = parsed.args.opaqueData as string;
  const from = AbiCoder.defaultAbiCoder().decode(['address'], log.topics[1])[0] as string;
  const to = AbiCoder.defaultAbiCoder().decode(['address'], log.topics[2])[0] as string;
  const sourceHash = keccak256(AbiCoder.defaultAbiCoder().encode(['uint256', 'bytes32'], [0, keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256'], [log.blockHash, log.index]))]));
  return {
    from, to,
    mint: getBigInt(dataSlice(opaque, 0, 32)),
    value: getBigInt(dataSlice(opaque, 32, 64)),
    gasLimit: getBigInt(dataSlice(opaque, 64, 72)),
    isCreation: toNumber(dataSlice(opaque, 72, 73)) !== 0,
    data: dataSlice(opaque, 73),
    sourceHash,
    l1TxHash: log.transactionHash,
  };
}

/**
 * Relay the deposits of L1 blocks [from, to] to L2; returns how many. `relayed` holds the source
 * hashes already sent: a batch retried after an error sends none of them twice.
 */
export async function relayDeposits(o: StandinOptions, from: number, to: number, relayed = new Set<string>()): Promise<number> {
  const logs = await o.l1.getLogs({ address: o.contracts.optimismPortal, topics: [DEPOSITED_TOPIC], fromBlock: from, toBlock: to });
  if (logs.length === 0) return 0;
  await updateL1BlockValues(o.l2, o.l1, o.fees);
  for (const log of logs) {
    const d = decodeDeposit(log);
    if (relayed.has(d.sourceHash)) continue;
    const hash = (await o.l2.send('eth_sendTransaction', [{
      type: '0x7e', from: d.from, ...(d.isCreation ? {} : { to: d.to }), mint: toBeHex(d.mint), value: toBeHex(d.value),
      gas: toBeHex(d.gasLimit), data: d.data, sourceHash: d.sourceHash, isSystemTx: false,
    }])) as string;
    relayed.add(d.sourceHash); // accepted by the L2: never send it again
    const r = await o.l2.waitForTransaction(hash);
    o.log?.(`deposit relayer: L1 tx ${d.l1TxHash} -> L2 deposit ${hash} (${r?.status === 1 ? 'ok' : 'reverted'}, mint ${d.mint} wei)`);
  }
  return logs.length;
}

/** Propose every output that is due; returns the L2 block numbers proposed. */
export async function proposeDueOutputs(o: StandinOptions): Promise<number[]> {
  const proposer = new Wallet(o.proposerKey, o.l1);
  const oracle = new Contract(o.contracts.l2OutputOracle, bedrockInterface('L2OutputOracle'), proposer);
  const done: number[] = [];
  const head = await o.l2.getBlockNumber();
  for (;;) {
    const next = Number(await oracle.getFunction('nextBlockNumber')());
    if (next > head) return done;
    const { root } = await outputRootAt(o.l2, next);
    await (await oracle.getFunction('proposeL2Output')(root, next, zeroPadValue('0x', 32), 0)).wait();
    o.log?.(`output proposer: L2 block ${next} output ${root}`);
    done.push(next);
  }
}

/** Run both stand-ins until `signal` aborts, polling every `intervalMs`. */
export async function runStandins(o: StandinOptions, signal: AbortSignal, intervalMs = 500): Promise<void> {
  let cursor = o.fromBlock;
  const relayed = new Set<string>();
  while (!signal.aborted) {
    try {
      const head = await o.l1.getBlockNumber();
      if (head >= cursor) {
        await relayDeposits(o, cursor, head, relayed);
        cursor = head + 1;
      }
      await proposeDueOutputs(o);
    } catch (e) {
      o.log?.(`stand-ins: ${(e as Error).message.split('\n')[0]} (retrying)`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

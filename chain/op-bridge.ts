// ETH between an OP Stack L2 and its L1 for one account: deposit (L1 → L2) and withdrawal
// (initiate on L2, prove and finalize on L1), through packages/op-bridge (the sdk, ethers v5).
// Withdrawals take an output proposal and a finalization window, so they are resumable: each is
// recorded in a state file when initiated and after every step, and running withdraw again
// continues the account's pending one. Every L2 transaction's cost is reported with the L1 data
// fee an OP Stack chain charges on top of execution: Fjord's cost of the signed transaction's
// FastLZ size with the L1Block values of its block (l1DataFee). anvil --network optimism charges
// exactly that (op-revm), so the devnet's balances include it to the wei.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Contract, JsonRpcProvider, Network, Wallet, formatEther, getBytes } from 'ethers';
import { openBridge, type Bridge, type MinedTx, type WithdrawalStatus } from '@optrain/op-bridge';
import { ChainError } from './errors.ts';
import { flzCompressLen } from './fastlz.ts';
import { bedrockInterface, PREDEPLOYS } from './op-stack.ts';
import type { L1Profile } from './networks.ts';

/** What the bridge needs of a network: an L2 and its L1 (a profile's `l1`, or a devnet file from `devnet up --l2`). */
export interface L2Network {
  rpcUrl: string;
  chainId: number;
  l1?: L1Profile;
}

export interface WithdrawalRecord {
  l2ChainId: number;
  account: string;
  amountWei: string;
  initiate: TxCost;
  prove?: TxCost;
  finalize?: TxCost;
  status: WithdrawalStatus;
  updatedAt: string;
}

export interface TxCost {
  layer: 'L1' | 'L2';
  hash: string;
  gasUsed: string;
  gasPriceWei: string;
  /** gasUsed × price on that layer. */
  executionFeeWei: string;
  /** L2 only: the L1 data fee (GasPriceOracle.getL1Fee) an OP Stack chain charges on top. */
  l1DataFeeWei?: string;
}

export interface BridgeSession {
  bridge: Bridge;
  l1: JsonRpcProvider;
  l2: JsonRpcProvider;
  address: string;
  net: Required<L2Network>;
  close(): void;
}

export function openSession(net: L2Network, privateKey: string, source: string): BridgeSession {
  const l1 = net.l1;
  if (!l1) throw new ChainError(`${source}: the network has no L1 (no 'l1' field); start an OP Stack devnet with 'optrain devnet up --l2'`);
  const need = (k: 'optimismPortal' | 'l1StandardBridge' | 'l1CrossDomainMessenger'): string => {
    if (typeof l1[k] !== 'string') throw new ChainError(`${source}: l1.${k} is missing (the OP Stack L1 contract address)`);
    return l1[k] as string;
  };
  if (!l1.l2OutputOracle && !l1.disputeGameFactory) throw new ChainError(`${source}: l1 needs l2OutputOracle or disputeGameFactory (where withdrawals are proven)`);
  const bridge = openBridge({
    l1RpcUrl: l1.rpcUrl, l1ChainId: l1.chainId, l2RpcUrl: net.rpcUrl, l2ChainId: net.chainId, privateKey,
    contracts: { optimismPortal: need('optimismPortal'), l1StandardBridge: need('l1StandardBridge'), l1CrossDomainMessenger: need('l1CrossDomainMessenger'), l2OutputOracle: l1.l2OutputOracle, disputeGameFactory: l1.disputeGameFactory },
  });
  const l1p = fixedProvider(l1.rpcUrl, l1.chainId), l2 = fixedProvider(net.rpcUrl, net.chainId);
  return {
    bridge, l1: l1p, l2, address: new Wallet(privateKey).address, net: net as Required<L2Network>,
    close() {
      bridge.close();
      l1p.destroy();
      l2.destroy();
    },
  };
}

/**
 * A provider that never probes the network on its own: ethers' network detection retries a
 * dead RPC every second (and logs it), where a single failing request is the one-line error.
 * checkChains compares the RPC's real chain id before anything is signed.
 */
function fixedProvider(url: string, chainId: number): JsonRpcProvider {
  const n = Network.from(chainId);
  return new JsonRpcProvider(url, n, { staticNetwork: n, cacheTimeout: -1, pollingInterval: 250 });
}

/** Both RPCs answer with the chain ids the network names (nothing is signed before this). */
export async function checkChains(s: BridgeSession): Promise<void> {
  const check = async (p: JsonRpcProvider, want: number, layer: string, url: string) => {
    let got: bigint;
    try {
      got = BigInt((await p.send('eth_chainId', [])) as string);
    } catch (e) {
      throw new ChainError(`${layer} RPC ${url} is not answering (${(e as Error).message.split('\n')[0].slice(0, 120)}); nothing sent`);
    }
    if (got !== BigInt(want)) throw new ChainError(`${layer} RPC ${url} has chain id ${got}, expected ${want}; nothing sent`);
  };
  await check(s.l1, s.net.l1.chainId, 'L1', s.net.l1.rpcUrl);
  await check(s.l2, s.net.chainId, 'L2', s.net.rpcUrl);
}

/**
 * The L1 data fee an OP Stack chain charged a mined L2 transaction, to the wei: Fjord's cost of
 * the FastLZ size of the signed transaction as mined (op-geth's receipt l1Fee, op-revm's charge),
 * with the L1 attributes of its own block (the stand-in relayer refreshes them with every
 * deposit). GasPriceOracle.getL1Fee prices the unsigned bytes plus 68 for a signature: the
 * same for small transactions, a few bytes off for a dispute move's large calldata.
 */
export async function l1DataFee(l2: JsonRpcProvider, hash: string): Promise<bigint> {
  const [raw, tx] = await Promise.all([l2.send('eth_getRawTransactionByHash', [hash]) as Promise<string | null>, l2.getTransaction(hash)]);
  if (!raw || !tx) throw new ChainError(`L2 transaction ${hash} not found`);
  const oracle = new Contract(PREDEPLOYS.GasPriceOracle, bedrockInterface('GasPriceOracle'), l2);
  const at = { blockTag: tx.blockNumber ?? undefined };
  const read = async (f: string) => BigInt(await oracle.getFunction(f)(at));
  const [baseFee, blobBaseFee, baseFeeScalar, blobBaseFeeScalar] = await Promise.all(['l1BaseFee', 'blobBaseFee', 'baseFeeScalar', 'blobBaseFeeScalar'].map(read));
  return fjordL1Cost(flzCompressLen(getBytes(raw)), { baseFee, blobBaseFee, baseFeeScalar, blobBaseFeeScalar });
}

/** GasPriceOracle._fjordL1Cost: the linear size estimate (at least 100 bytes) × the scaled L1 prices. */
export function fjordL1Cost(fastLzSize: number, p: { baseFee: bigint; blobBaseFee: bigint; baseFeeScalar: bigint; blobBaseFeeScalar: bigint }): bigint {
  const linear = -42_585_600n + 836_500n * BigInt(fastLzSize);
  const estimatedSize = linear < 100_000_000n ? 100_000_000n : linear;
  return (estimatedSize * (p.baseFeeScalar * 16n * p.baseFee + p.blobBaseFeeScalar * p.blobBaseFee)) / 10n ** 12n;
}

/** GasPriceOracle.getL1Fee(data) on the L2 (data: an unsigned serialized transaction). */
export async function l1FeeOfBytes(l2: JsonRpcProvider, data: string, blockTag?: number, from?: string): Promise<bigint> {
  const oracle = new Contract(PREDEPLOYS.GasPriceOracle, bedrockInterface('GasPriceOracle'), l2);
  // `from`: anvil charges even an eth_call's own L1 data fee, which an empty sender cannot pay.
  return (await oracle.getFunction('getL1Fee')(data, { blockTag, ...(from ? { from } : {}) })) as bigint;
}

export async function costOf(s: BridgeSession, layer: 'L1' | 'L2', tx: MinedTx): Promise<TxCost> {
  const base: TxCost = { layer, hash: tx.hash, gasUsed: tx.gasUsed.toString(), gasPriceWei: tx.effectiveGasPrice.toString(), executionFeeWei: tx.executionFee.toString() };
  return layer === 'L2' ? { ...base, l1DataFeeWei: (await l1DataFee(s.l2, tx.hash)).toString() } : base;
}

export function describeCost(c: TxCost): string {
  const exec = `${c.gasUsed} gas × ${Number(c.gasPriceWei) / 1e9} gwei = ${formatEther(c.executionFeeWei)} ETH`;
  if (c.layer === 'L1') return `${exec} (L1)`;
  const total = BigInt(c.executionFeeWei) + BigInt(c.l1DataFeeWei ?? 0);
  return `${exec} L2 execution + ${formatEther(c.l1DataFeeWei ?? '0')} ETH L1 data fee = ${formatEther(total)} ETH`;
}

export type Progress = (line: string) => void;

export interface DepositResult {
  account: string;
  amountWei: bigint;
  l1: TxCost;
  l2RelayTx: string;
  l1BalanceWei: bigint;
  l2BalanceWei: bigint;
}

/** Deposit `amountWei` from L1 and wait until the L2 balance shows it. */
export async function deposit(s: BridgeSession, amountWei: bigint, progress: Progress, timeoutMs = 120_000): Promise<DepositResult> {
  await checkChains(s);
  const l1Before = await s.l1.getBalance(s.address);
  if (amountWei >= l1Before) throw new ChainError(`deposit of ${formatEther(amountWei)} ETH is above the L1 balance ${formatEther(l1Before)} ETH of ${s.address} (gas comes on top); nothing sent`);
  const l2Before = await s.l2.getBalance(s.address);
  const tx = await s.bridge.depositETH(amountWei);
  const l1 = await costOf(s, 'L1', tx);
  progress(`L1 deposit ${tx.hash} mined in block ${tx.blockNumber}: ${describeCost(l1)}`);
  progress('waiting for the deposit on L2');
  const relayed = await s.bridge.waitForDeposit(tx.hash, timeoutMs);
  if (relayed.status !== 'RELAYED') throw new ChainError(`deposit ${tx.hash}: the L2 relay ${relayed.l2TxHash} failed (${relayed.status}); the ETH can be recovered by replaying the message on L2`);
  const l2After = await s.l2.getBalance(s.address);
  if (l2After - l2Before < amountWei) throw new ChainError(`deposit ${tx.hash} relayed by ${relayed.l2TxHash}, but the L2 balance of ${s.address} rose by ${formatEther(l2After - l2Before)} ETH, expected ${formatEther(amountWei)}`);
  progress(`L2 deposit ${relayed.l2TxHash}: +${formatEther(amountWei)} ETH on L2`);
  return { account: s.address, amountWei, l1, l2RelayTx: relayed.l2TxHash, l1BalanceWei: await s.l1.getBalance(s.address), l2BalanceWei: l2After };
}

// ---- withdrawal state file -------------------------------------------------------------------

export function readWithdrawals(file: string): WithdrawalRecord[] {
  if (!existsSync(file)) return [];
  try {
    const x = JSON.parse(readFileSync(file, 'utf8')) as { withdrawals?: WithdrawalRecord[] };
    if (!Array.isArray(x.withdrawals)) throw new Error("missing array 'withdrawals'");
    return x.withdrawals;
  } catch (e) {
    throw new ChainError(`${file}: not a withdrawal state file (${(e as Error).message})`);
  }
}

/** Write atomically (rename), so an interrupted run never leaves half a file. */
export function writeWithdrawals(file: string, list: WithdrawalRecord[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify({ withdrawals: list }, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

export function pendingWithdrawal(list: WithdrawalRecord[], chainId: number, account: string): WithdrawalRecord | undefined {
  return list.find((w) => w.l2ChainId === chainId && w.account.toLowerCase() === account.toLowerCase() && w.status !== 'RELAYED');
}

// A withdrawal from an OP Stack L2 to L1, step by step and resumable (chain/op-bridge.ts keeps
// the state file): initiate on L2 → wait for an output proposal covering it → prove on L1 →
// wait out the finalization window → finalize on L1. Each step is recorded as soon as it is
// mined, so a re-run (after Ctrl-C, a crash or a timeout) picks up at the next step.
import { formatEther } from 'ethers';
import type { WithdrawalStatus } from '@optrain/op-bridge';
import { ChainError } from './errors.ts';
import { checkChains, costOf, describeCost, pendingWithdrawal, readWithdrawals, writeWithdrawals, type BridgeSession, type Progress, type WithdrawalRecord } from './op-bridge.ts';

export interface WithdrawOptions {
  /** Amount for a new withdrawal; omitted: continue the pending one. */
  amountWei?: bigint;
  stateFile: string;
  /** Give up waiting after this long (the withdrawal stays resumable). */
  timeoutMs: number;
  pollMs?: number;
}

export interface WithdrawResult {
  withdrawal: WithdrawalRecord;
  /** true: finalized on L1 now; false: stopped waiting (re-run to continue). */
  done: boolean;
  resumed: boolean;
  l1BalanceWei: bigint;
  l2BalanceWei: bigint;
}

const WAITING: Partial<Record<WithdrawalStatus, string>> = {
  STATE_ROOT_NOT_PUBLISHED: 'waiting for an output proposal covering the withdrawal',
  IN_CHALLENGE_PERIOD: 'proven; waiting for the finalization window to pass',
};

export async function withdraw(s: BridgeSession, o: WithdrawOptions, progress: Progress): Promise<WithdrawResult> {
  await checkChains(s);
  const list = readWithdrawals(o.stateFile);
  let w = pendingWithdrawal(list, s.net.chainId, s.address);
  const resumed = !!w;
  if (w && o.amountWei !== undefined && BigInt(w.amountWei) !== o.amountWei)
    throw new ChainError(`a withdrawal of ${formatEther(w.amountWei)} ETH by ${s.address} is pending (L2 tx ${w.initiate.hash}, ${w.status}); run 'optrain bridge withdraw' without --amount (or with --amount ${formatEther(w.amountWei)}) to finish it first; nothing sent`);
  if (!w) {
    if (o.amountWei === undefined) throw new ChainError(`no pending withdrawal of ${s.address} in ${o.stateFile}: give --amount to start one`);
    w = await initiate(s, o.amountWei, list, o.stateFile, progress);
  } else progress(`continuing the withdrawal of ${formatEther(w.amountWei)} ETH (L2 tx ${w.initiate.hash}, ${w.status})`);
  const done = await advance(s, w, list, o, progress);
  return { withdrawal: w, done, resumed, l1BalanceWei: await s.l1.getBalance(s.address), l2BalanceWei: await s.l2.getBalance(s.address) };
}

async function initiate(s: BridgeSession, amountWei: bigint, list: WithdrawalRecord[], file: string, progress: Progress): Promise<WithdrawalRecord> {
  const balance = await s.l2.getBalance(s.address);
  if (amountWei >= balance) throw new ChainError(`withdrawal of ${formatEther(amountWei)} ETH is above the L2 balance ${formatEther(balance)} ETH of ${s.address} (gas comes on top); nothing sent`);
  const tx = await s.bridge.withdrawETH(amountWei);
  const w: WithdrawalRecord = { l2ChainId: s.net.chainId, account: s.address, amountWei: amountWei.toString(), initiate: await costOf(s, 'L2', tx), status: 'STATE_ROOT_NOT_PUBLISHED', updatedAt: new Date().toISOString() };
  list.push(w);
  writeWithdrawals(file, list);
  progress(`L2 withdrawal ${tx.hash} mined in block ${tx.blockNumber}: ${describeCost(w.initiate)}`);
  return w;
}

/** Drive the withdrawal forward until finalized or the timeout; true when finalized. */
async function advance(s: BridgeSession, w: WithdrawalRecord, list: WithdrawalRecord[], o: WithdrawOptions, progress: Progress): Promise<boolean> {
  const deadline = Date.now() + o.timeoutMs;
  let said = '';
  for (;;) {
    const status = await s.bridge.withdrawalStatus(w.initiate.hash);
    if (status !== w.status) save(w, status, list, o.stateFile);
    if (status === 'RELAYED') return true;
    if (status === 'READY_TO_PROVE') {
      const tx = await s.bridge.prove(w.initiate.hash);
      w.prove = await costOf(s, 'L1', tx);
      save(w, 'IN_CHALLENGE_PERIOD', list, o.stateFile);
      progress(`L1 prove ${tx.hash} mined in block ${tx.blockNumber}: ${describeCost(w.prove)}`);
      continue;
    }
    if (status === 'READY_FOR_RELAY') {
      const tx = await s.bridge.finalize(w.initiate.hash).catch((e: Error) => {
        // The sdk calls the window passed when the latest block's time reaches its end; the
        // portal wants a later block (strictly greater). Nothing was sent: wait a block.
        if (/finalization period has not elapsed/.test(e.message)) return undefined;
        throw e;
      });
      if (!tx) {
        await new Promise((r) => setTimeout(r, o.pollMs ?? 1_000));
        continue;
      }
      w.finalize = await costOf(s, 'L1', tx);
      save(w, 'RELAYED', list, o.stateFile);
      progress(`L1 finalize ${tx.hash} mined in block ${tx.blockNumber}: ${describeCost(w.finalize)}; +${formatEther(w.amountWei)} ETH on L1`);
      return true;
    }
    const line = WAITING[status] ?? status;
    if (line !== said) progress((said = line));
    if (Date.now() >= deadline) {
      progress(`stopped waiting (${status}); run 'optrain bridge withdraw' again to continue`);
      return false;
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1_000));
  }
}

function save(w: WithdrawalRecord, status: WithdrawalStatus, list: WithdrawalRecord[], file: string): void {
  w.status = status;
  w.updatedAt = new Date().toISOString();
  writeWithdrawals(file, list);
}

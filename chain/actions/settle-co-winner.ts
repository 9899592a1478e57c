// JobMarket.settleCoWinner: pay a dispute that was open over a commitment another dispute proved
// wrong (its bond back and an equal share of the slash), without waiting for its own game.
import { callView, sendTx, type ChainClient, type TxResult } from '../client.ts';
import type { DisputeRecord } from '../types.ts';

/** True if `d` is still Active over a commitment that has been slashed: it is owed its share. */
export async function isCoWinner(c: ChainClient, d: DisputeRecord): Promise<boolean> {
  if (d.status !== 'Active') return false;
  const r = await callView<{ unpaid: bigint }>(c, c.market, 'slashOf', [d.jobId, d.round]);
  return BigInt(r.unpaid) > 0n;
}

export async function settleCoWinner(c: ChainClient, disputeId: bigint): Promise<TxResult> {
  return sendTx(c, c.market, 'settleCoWinner', [disputeId]);
}

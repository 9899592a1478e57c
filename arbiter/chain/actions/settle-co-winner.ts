// JobMarket.settleCoWinner: a dispute still open over a commitment that another dispute already
// proved wrong is a co-winner, owed its share of the slashed stake and its bond back. Its own
// game may never end (the slashed solver stops playing; a griefer that would lose its one-step
// stays silent), so the challenger settles it directly.
import { sendTx, type ChainClient, type TxResult } from '../client.ts';
import { getDispute, getJob } from './get-job.ts';

/** Settle `disputeId` if it is active over a commitment that is no longer the job's current one; null otherwise. */
export async function settleCoWinnerIfSlashed(c: ChainClient, disputeId: bigint): Promise<TxResult | null> {
  const d = await getDispute(c, disputeId);
  if (d.status !== 'Active') return null;
  const job = await getJob(c, d.jobId);
  // a commitment leaves only by a slash (a job with open disputes cannot finalize)
  const current = job.round === d.round && (job.status === 'Committed' || job.status === 'Challenged');
  return current ? null : sendTx(c, c.market, 'settleCoWinner', [disputeId]);
}

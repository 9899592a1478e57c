// Views: a job's full record, a dispute's record, market-wide counters.
import { ChainError } from '../errors.ts';
import { callView, type ChainClient } from '../client.ts';
import { toDisputeRecord, toJobRecord, type DisputeRecord, type JobRecord } from '../types.ts';

/** The job's record; throws a clear error for an id that was never posted. */
export async function getJob(c: ChainClient, jobId: bigint): Promise<JobRecord> {
  const raw = await callView<Record<string, unknown>>(c, c.market, 'getJob', [jobId]);
  const job = toJobRecord(jobId, raw as never);
  if (job.status === 'None') {
    const count = await callView<bigint>(c, c.market, 'jobCount');
    throw new ChainError(`job ${jobId} does not exist on JobMarket ${c.addresses.jobMarket} (jobs are 1..${count})`);
  }
  return job;
}

export async function getDispute(c: ChainClient, disputeId: bigint): Promise<DisputeRecord> {
  const raw = await callView<Record<string, unknown>>(c, c.market, 'getDispute', [disputeId]);
  return toDisputeRecord(disputeId, raw as never);
}

export interface MarketTotals {
  jobCount: bigint;
  jackpot: bigint;
  totalEscrow: bigint;
  totalStakes: bigint;
  totalBonds: bigint;
  totalClaimable: bigint;
}

export async function getMarketTotals(c: ChainClient): Promise<MarketTotals> {
  const names = ['jobCount', 'jackpot', 'totalEscrow', 'totalStakes', 'totalBonds', 'totalClaimable'] as const;
  const vals = await Promise.all(names.map((n) => callView<bigint>(c, c.market, n)));
  return Object.fromEntries(names.map((n, i) => [n, vals[i]])) as unknown as MarketTotals;
}

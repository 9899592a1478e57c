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
  coWinnerPool: bigint; // held for co-winning disputes of slashed commitments
  burned: bigint; // half of every dispute-slashed stake, never paid out
  forcedPool: bigint; // held for the finders of revealed forced errors (docs/PROTOCOL.md §12)
}

export async function getMarketTotals(c: ChainClient): Promise<MarketTotals> {
  const names = ['jobCount', 'jackpot', 'totalEscrow', 'totalStakes', 'totalBonds', 'totalClaimable', 'coWinnerPool', 'burned', 'forcedPool'] as const;
  const vals = await Promise.all(names.map((n) => callView<bigint>(c, c.market, n)));
  return Object.fromEntries(names.map((n, i) => [n, vals[i]])) as unknown as MarketTotals;
}

/**
 * Ids of every dispute ever opened over `jobId`, oldest first (from ChallengeOpened logs). Unlike
 * polling the job, this does not miss a dispute that was opened and resolved between two polls.
 */
export async function disputesOfJob(c: ChainClient, jobId: bigint): Promise<bigint[]> {
  const iface = c.marketIface;
  const ev = iface.getEvent('ChallengeOpened');
  if (!ev) throw new ChainError('JobMarket ABI has no ChallengeOpened event');
  const logs = await c.provider.getLogs({ address: c.addresses.jobMarket, fromBlock: 0, toBlock: 'latest', topics: iface.encodeFilterTopics(ev, [null, jobId]) });
  return logs.map((l) => iface.parseLog({ topics: [...l.topics], data: l.data })!.args.disputeId as bigint);
}

/** The disputes over the job's current commitment that are still running (several may run at once). */
export async function activeDisputesOf(c: ChainClient, job: JobRecord): Promise<DisputeRecord[]> {
  if (job.openDisputes === 0) return [];
  const ids = await disputesOfJob(c, job.jobId);
  const all = await Promise.all(ids.map((id) => getDispute(c, id)));
  return all.filter((d) => d.status === 'Active' && d.round === job.round);
}

/** The market's deployment floors: smallest bond, and the smallest stake for a reward. */
export async function marketFloors(c: ChainClient, reward: bigint): Promise<{ minBond: bigint; minStake: bigint; minSampleRateBps: bigint }> {
  const [minBond, minStake, minSampleRateBps] = await Promise.all([
    callView<bigint>(c, c.market, 'MIN_BOND'), callView<bigint>(c, c.market, 'minStakeFor', [reward]), callView<bigint>(c, c.market, 'MIN_SAMPLE_RATE_BPS'),
  ]);
  return { minBond, minStake, minSampleRateBps };
}

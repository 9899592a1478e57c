// The JobPosted event of a job: the only place its specURI is recorded (getJob does not
// return it). Looked up by the indexed jobId topic.
import { ChainError } from '../errors.ts';
import type { ChainClient } from '../client.ts';
import { toJobParams, toJobTerms, type JobParams, type JobTerms } from '../types.ts';

export interface JobPosting {
  jobId: bigint;
  submitter: string;
  specURI: string;
  reward: bigint;
  params: JobParams;
  terms: JobTerms;
  blockNumber: number;
}

export async function getJobPosting(c: ChainClient, jobId: bigint, fromBlock = 0): Promise<JobPosting> {
  const ev = c.marketIface.getEvent('JobPosted');
  if (!ev) throw new ChainError('JobMarket ABI has no JobPosted event');
  const topics = c.marketIface.encodeFilterTopics(ev, [jobId]);
  const logs = await c.provider.getLogs({ address: c.addresses.jobMarket, topics, fromBlock, toBlock: 'latest' });
  if (!logs.length) throw new ChainError(`no JobPosted event for job ${jobId} on JobMarket ${c.addresses.jobMarket} (from block ${fromBlock})`);
  const parsed = c.marketIface.parseLog({ topics: [...logs[0].topics], data: logs[0].data })!;
  const a = parsed.args.toObject(true);
  return {
    jobId,
    submitter: String(a.submitter),
    specURI: String(a.specURI),
    reward: BigInt(a.reward),
    params: toJobParams(a.params),
    terms: toJobTerms(a.terms),
    blockNumber: logs[0].blockNumber,
  };
}

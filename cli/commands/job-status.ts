// `optrain job status <jobId>`: the on-chain record plus training progress from Redis.
import { formatEther } from 'ethers';
import { createClient } from '../../chain/client.ts';
import { disputesOfJob, getDispute, getJob } from '../../chain/actions/get-job.ts';
import type { DevnetInfo } from '../../chain/devnet.ts';
import type { JobRecord } from '../../chain/types.ts';
import { UserError } from '../../jobs/errors.ts';
import { redisClient } from '../../jobs/queue.ts';
import { redisKeys } from '../../jobs/redis-keys.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { parseJobId } from './job-fetch-model.ts';
import { READ_NETWORK_HELP, READ_NETWORK_OPTIONS, resolvedNetworkFromFlags, toJson } from './job-network.ts';

export interface JobStatusReport {
  job: JobRecord;
  /** Training progress as the solver reports it; `failed` once it gave up on the job. */
  progress: { step?: number; total?: number; loss?: number; failed?: { attempts: number; reason: string; solver: string } } | null;
  /** Every dispute opened over the job (a job may have several at once). */
  disputes: { disputeId: bigint; challenger: string; status: string }[];
}

export async function jobStatus(net: Pick<DevnetInfo, 'rpcUrl' | 'redisUrl' | 'chainId' | 'contracts' | 'gameKind'>, jobId: bigint): Promise<JobStatusReport> {
  const client = createClient({ rpcUrl: net.rpcUrl, contracts: net.contracts, gameArtifact: net.gameKind });
  const redis = redisClient(net.redisUrl); // a Redis that is down fails the get below, in one line
  try {
    const job = await getJob(client, jobId);
    const ids = await disputesOfJob(client, jobId);
    const disputes = await Promise.all(ids.map(async (disputeId) => {
      const d = await getDispute(client, disputeId);
      return { disputeId, challenger: d.challenger, status: d.status };
    }));
    const raw = await redis.get(redisKeys.jobProgress({ chainId: net.chainId, jobMarket: net.contracts.jobMarket }, jobId));
    return { job, progress: raw ? JSON.parse(raw) : null, disputes };
  } finally {
    redis.disconnect();
    client.provider.destroy();
  }
}

const time = (t: bigint) => (t === 0n ? '-' : new Date(Number(t) * 1000).toISOString());

function human(r: JobStatusReport): string {
  const j = r.job;
  const rows: [string, string][] = [
    ['job', `${j.jobId} ${j.status}`],
    ['submitter', j.submitter],
    ['reward', `${formatEther(j.reward)} ETH (stake ${formatEther(j.terms.requiredStake)}, bond ${formatEther(j.terms.challengerBond)})`],
    ['spec hash', j.params.specHash],
    ['steps', `${j.params.numSteps}${r.progress?.step !== undefined ? ` (trained ${r.progress.step}/${r.progress.total}, loss ${typeof r.progress.loss === 'number' ? r.progress.loss.toFixed(4) : '-'})` : ''}`],
    ['hash interval', `${j.params.hashInterval} (state hashes committed every ${j.params.hashInterval === 1 ? 'step' : `${j.params.hashInterval} steps`})`],
    ['claim deadline', time(j.claimDeadline)],
  ];
  if (j.status !== 'Open') rows.push(['solver', j.solver]);
  const failed = r.progress?.failed;
  if (failed && j.status === 'Claimed' && failed.solver.toLowerCase() === j.solver.toLowerCase())
    rows.push(['training', `FAILED after ${failed.attempts} attempt(s): ${failed.reason}; the solver will not commit: after the commit deadline anyone may call slashLate and the job reopens`]);
  if (['Claimed', 'Committed', 'Challenged'].includes(j.status)) rows.push([j.status === 'Claimed' ? 'commit deadline' : 'challenge deadline', time(j.deadline)]);
  if (['Committed', 'Challenged', 'Finalized'].includes(j.status))
    rows.push(['steps root', j.commitment.stepsRoot], ['final state', j.commitment.finalStateHash], ['model hash', j.commitment.finalModelHash]);
  for (const d of r.disputes) rows.push([`dispute ${d.disputeId}`, `${d.status} (challenger ${d.challenger})`]);
  return table(rows);
}

export const jobStatusCommand: Command = {
  name: 'job status',
  summary: "a job's on-chain status, commitment and training progress",
  usage: `Usage: optrain job status <jobId> [options]

Options:
${READ_NETWORK_HELP}
  -h, --help          show this help
`,
  options: READ_NETWORK_OPTIONS,
  async run(args, io) {
    const cmd = 'job status';
    const [id] = expectPositionals(args, ['<jobId>'], cmd);
    const jobId = parseJobId(id, cmd);
    const info = await resolvedNetworkFromFlags(args);
    const r = await jobStatus(info, jobId).catch((e) => {
      throw e instanceof UserError ? e : new UserError((e as Error).message);
    });
    io.stdout.write(args.values.json ? toJson(r) + '\n' : human(r));
    return 0;
  },
};

// The one place that builds Redis keys and BullMQ queue names. Everything is namespaced by
// chain id and JobMarket address, so several devnets (or test files) can share one Redis
// without seeing each other's state.

export interface KeySpace {
  chainId: number | bigint;
  jobMarket: string;
}

const ROOT = 'optrain';

/** BullMQ's own key prefix (BullMQ adds `<prefix>:<queue name>:...`). */
export const BULL_PREFIX = `${ROOT}:bull`;

function ns(k: KeySpace): string {
  return `${ROOT}:${k.chainId}:${k.jobMarket.toLowerCase()}`;
}

export const redisKeys = {
  /** Event-watcher cursor (next block to scan) of one consumer, e.g. `solver:0xabc…`. */
  eventCursor: (k: KeySpace, consumer: string) => `${ns(k)}:cursor:${consumer.toLowerCase()}`,
  /** Redis hash jobId -> runId of the jobs this solver has claimed and still has to see through. */
  solverJobs: (k: KeySpace, solver: string) => `${ns(k)}:solver:${solver.toLowerCase()}:jobs`,
  /**
   * Set by a solver once it has re-adopted its claims from the chain: its absence means Redis
   * was emptied (restarted without persistence, flushed) and the claims must be rebuilt.
   */
  solverRecovered: (k: KeySpace, solver: string) => `${ns(k)}:solver:${solver.toLowerCase()}:recovered`,
  /** Set of job ids this solver lost (reopened or taken from it): it does not claim them again. */
  solverLost: (k: KeySpace, solver: string) => `${ns(k)}:solver:${solver.toLowerCase()}:lost`,
  /** Hash of the newest run manifest of one training run (written by workers). */
  checkpointHead: (k: KeySpace, runId: string) => `${ns(k)}:run:${runId}:head`,
  /** Hash of the result manifest (all state hashes, checkpoints, final model) of a job. */
  resultManifest: (k: KeySpace, jobId: bigint | string) => `${ns(k)}:job:${jobId}:result`,
  /** Base URL of the blob server that serves a job's checkpoints. */
  jobBlobServer: (k: KeySpace, jobId: bigint | string) => `${ns(k)}:job:${jobId}:blobs`,
  /**
   * Redis hash verifier address -> JSON {leaves, replayedSteps, challenge, at} of the leaves each
   * verifier says it replayed for the job's current commitment (self-reported; the explorer shows it).
   */
  verifierReplays: (k: KeySpace, jobId: bigint | string) => `${ns(k)}:job:${jobId}:replayed`,
  /** Per-job status notes for `job status` (training progress etc.). */
  jobProgress: (k: KeySpace, jobId: bigint | string) => `${ns(k)}:job:${jobId}:progress`,
};

/**
 * The training queue of one solver account. A queue shared by several solvers would let one
 * solver's worker train a job another solver claimed (its checkpoints then land in the wrong
 * blob store and the claimer cannot serve them), so the queue, and with it all of BullMQ's
 * Redis state, belongs to the claiming account. BullMQ queue names may not contain ':';
 * `suffix` makes them unique per test.
 */
export function trainQueueName(k: KeySpace, solver: string, suffix = ''): string {
  const market = k.jobMarket.toLowerCase().slice(2, 10);
  return `train-${k.chainId}-${market}-${solver.toLowerCase().slice(2)}${suffix ? `-${suffix}` : ''}`;
}

/** Id of one training run: a market job as claimed in one block (a re-claim is a new run). */
export function runIdOf(jobId: bigint | string, claimBlock: number): string {
  return `job${jobId}-b${claimBlock}`;
}

/** BullMQ job id of a training run (deduplicates re-enqueues of the same run). */
export function trainJobId(runId: string): string {
  return `train-${runId}`;
}

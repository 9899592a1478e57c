// BullMQ on Redis: the training queue that one solver account's processes (on one or many
// machines) share; every solver account has its own (redis-keys.ts trainQueueName).
// A worker that dies mid-job stops renewing its lock; BullMQ's stalled-job check then moves the
// job back to waiting and another worker picks it up (and resumes from the last checkpoint).
import { Queue, Worker, type Job, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import { DependencyHealth, reconnectBackoff } from './connectivity.ts';
import { BULL_PREFIX } from './redis-keys.ts';

export interface RedisEndpoint {
  host: string;
  port: number;
  db?: number;
}

export function parseRedisUrl(url: string): RedisEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid Redis URL '${url}': expected redis://HOST:PORT[/DB]`);
  }
  if (u.protocol !== 'redis:') throw new Error(`invalid Redis URL '${url}': expected the redis:// scheme, got ${u.protocol}`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return { host: u.hostname, port: Number(u.port || 6379), ...(db !== undefined ? { db } : {}) };
}

/** BullMQ connection options: workers block on Redis, so requests must never give up. */
export function bullConnection(redisUrl: string) {
  return { ...parseRedisUrl(redisUrl), maxRetriesPerRequest: null, retryStrategy: reconnectBackoff };
}

/** How a Redis endpoint is named in messages: "redis at 127.0.0.1:6379". */
export function redisName(redisUrl: string): string {
  const e = parseRedisUrl(redisUrl);
  return `redis at ${e.host}:${e.port}`;
}

/**
 * A plain ioredis client for our own keys (checkpoint heads, cursors...). With `health`, an
 * outage is reported there once; without, errors surface only through the failing commands
 * (never as ioredis' "Unhandled error event" stack per reconnect attempt).
 */
export function redisClient(redisUrl: string, health?: DependencyHealth): Redis {
  const e = parseRedisUrl(redisUrl);
  const r = new Redis({ ...e, maxRetriesPerRequest: 3, lazyConnect: false, retryStrategy: reconnectBackoff });
  if (health) {
    health.watch(r);
    r.on('ready', () => health.ok());
  } else r.on('error', () => undefined);
  return r;
}

/** What a training job carries through the queue (JSON: no bigint). */
export interface TrainJobData {
  chainId: number;
  jobMarket: string;
  solver: string; // the account that claimed the job: only its workers may train it
  jobId: string; // decimal market job id
  runId: string; // unique per claim (a reopened job's next claim trains afresh)
  specURI: string;
  specHash: string; // 0x-hex
  programRoot: string;
  numSteps: number;
  hashInterval: number; // K as posted on chain (checked against the spec's)
  seed: string;
  tamper?: string; // solver tamper spec (docs/TAMPER.md), applied deterministically
}

/** What a finished training job returns: the commitment and where its data lives. */
export interface TrainJobResult {
  stepsRoot: string;
  finalStateHash: string;
  finalModelHash: string;
  numSteps: number;
  manifestHash: string;
  resumedFromStep: number; // 0 = trained from scratch
}

export interface QueueTimings {
  /** How long a worker's lock lasts without renewal; a crashed worker's job is retried after it. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs?: number;
}

export const DEFAULT_TIMINGS: Required<QueueTimings> = { lockDurationMs: 30_000, stalledIntervalMs: 15_000 };

export function trainQueue(redisUrl: string, name: string, health?: DependencyHealth): Queue<TrainJobData, TrainJobResult> {
  const q = new Queue<TrainJobData, TrainJobResult>(name, {
    connection: bullConnection(redisUrl),
    prefix: BULL_PREFIX,
    defaultJobOptions: { attempts: 3, backoff: { type: 'fixed', delay: 1_000 }, removeOnComplete: false, removeOnFail: false },
  });
  if (health) health.watch(q);
  else q.on('error', () => undefined); // callers see failures through their awaited calls
  return q;
}

/** Enqueue (idempotent: the BullMQ job id is fixed per market job). */
export async function enqueueTraining(q: Queue<TrainJobData, TrainJobResult>, bullJobId: string, data: TrainJobData): Promise<Job<TrainJobData, TrainJobResult>> {
  return q.add('train', data, { jobId: bullJobId });
}

/** Where a training run stands, read so that a completed run always comes with its result. */
export type TrainingOutcome =
  | { state: 'missing' }
  | { state: 'pending' }
  | { state: 'failed'; attempts: number; reason: string }
  | { state: 'completed'; result: TrainJobResult };

export async function trainingOutcome(q: Queue<TrainJobData, TrainJobResult>, bullJobId: string): Promise<TrainingOutcome> {
  // State first, record second: a record fetched before its job completed carries no return
  // value even when the state read right after says 'completed' (BullMQ writes both at once).
  const state = await q.getJobState(bullJobId);
  if (state === 'unknown') return { state: 'missing' };
  if (state !== 'completed' && state !== 'failed') return { state: 'pending' };
  const job = await q.getJob(bullJobId);
  if (!job) return { state: 'missing' };
  if (state === 'failed') return { state: 'failed', attempts: job.attemptsMade, reason: job.failedReason };
  // A job retried after completion (never done here) would be back to pending: look again next time.
  return job.returnvalue ? { state: 'completed', result: job.returnvalue } : { state: 'pending' };
}

export function trainWorker(
  redisUrl: string,
  name: string,
  processor: Processor<TrainJobData, TrainJobResult>,
  timings: QueueTimings = {},
): Worker<TrainJobData, TrainJobResult> {
  const t = { ...DEFAULT_TIMINGS, ...timings };
  return new Worker<TrainJobData, TrainJobResult>(name, processor, {
    connection: bullConnection(redisUrl),
    prefix: BULL_PREFIX,
    concurrency: 1, // training is CPU-bound; run more processes to use more cores
    lockDuration: t.lockDurationMs,
    stalledInterval: t.stalledIntervalMs,
    // A job may stall a few times (crashed workers) before BullMQ gives up on it.
    maxStalledCount: 5,
  });
}

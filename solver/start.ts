// Assemble a solver process: chain client, Redis, training queue, blob store + HTTP server,
// the watcher service and/or a training worker. Used by `optrain solver start` and by tests.
import { join, resolve } from 'node:path';
import type { Worker } from 'bullmq';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { rulesOf } from '../chain/networks.ts';
import { createClient } from '../chain/client.ts';
import type { ContractAddresses } from '../chain/client.ts';
import { warnIfUnfunded } from '../chain/actions/funds.ts';
import { BlobStore, RemoteBlobStore, serveBlobs, withFetchOptions, type BlobServer } from '../jobs/blobstore.ts';
import { DependencyHealth, settlesWithin } from '../jobs/connectivity.ts';
import { redisClient, redisName, trainQueue, type QueueTimings } from '../jobs/queue.ts';
import { trainQueueName } from '../jobs/redis-keys.ts';
import type { DisputeDefender } from '../arbiter/dispute-hook.ts';
import { arbiterDefender } from '../arbiter/defender.ts';
import { disputeIndex } from '../arbiter/dispute-data.ts';
import { SolverService, type Log } from './service.ts';
import { parseSolverTamper } from '../commitments/tamper.ts';
import { startTrainWorker } from './worker.ts';
import { solverMetrics } from './metrics.ts';
import { serveMetrics, type MetricsServer } from '../chain/metrics.ts';

export type SolverRole = 'all' | 'watch' | 'train';

/** Longest wait for one part of a stopping solver (its loop, worker, queue, blob server). */
const STOP_STEP_MS = 1_500;
/** How long to wait for something that is most likely stuck on an unreachable Redis. */
const ABANDON_MS = 300;

export interface SolverNetwork {
  rpcUrl: string;
  redisUrl: string;
  chainId: number;
  contracts: ContractAddresses;
  gameKind?: string;
  startBlock?: number;
  /** Profile name, confirmations and fee cap (chain/networks.ts); devnets need none. */
  name?: string;
  confirmations?: number;
  gas?: { maxFeeGwei?: number }; // no market events before it
}

export interface StartSolverOptions {
  net: SolverNetwork;
  privateKey: string; // the solver's account (stakes, commits, receives payouts)
  role?: SolverRole;
  dataDir: string; // blobs/ (checkpoints, served) and cache/ (datasets)
  backend: Backend;
  tamper?: string;
  queueSuffix?: string; // unique queue per test
  timings?: QueueTimings;
  pollMs?: number;
  maxJobs?: number; // at most this many claimed jobs in training at once
  blobPort?: number;
  /** role=train on another machine: upload checkpoints to the solver's blob server instead of dataDir. */
  blobUrl?: string;
  /** The URL verifiers reach this solver's blob server at, announced on chain (behind a proxy or NAT; default its own URL). */
  publicUrl?: string;
  defender?: DisputeDefender;
  log: Log;
  /** Serve Prometheus metrics at http://127.0.0.1:P/metrics (0: any free port). */
  metricsPort?: number;
}

export interface RunningSolver {
  service?: SolverService;
  worker?: Worker;
  blobServer?: BlobServer;
  /** http://127.0.0.1:P/metrics when started with metricsPort. */
  metricsUrl?: string;
  address: string;
  queueName: string;
  stop(): Promise<void>;
}

export async function startSolver(o: StartSolverOptions): Promise<RunningSolver> {
  const role = o.role ?? 'all';
  const tamper = o.tamper ? parseSolverTamper(o.tamper) : undefined;
  const client = createClient({ rpcUrl: o.net.rpcUrl, contracts: o.net.contracts, privateKey: o.privateKey, gameArtifact: o.net.gameKind, rules: rulesOf(o.net) });
  const address = client.signer!.address;
  const metrics = o.metricsPort !== undefined ? solverMetrics(client, address) : undefined;
  if (metrics) client.onTx = metrics.onTx;
  const log: Log = metrics ? metrics.log(o.log) : o.log;
  const ks = { chainId: o.net.chainId, jobMarket: o.net.contracts.jobMarket };
  const queueName = trainQueueName(ks, address, o.queueSuffix);
  const health = new DependencyHealth(redisName(o.net.redisUrl), (event, message) => log(event, { message }));
  const redis = redisClient(o.net.redisUrl, health);
  const blobs = new BlobStore(join(resolve(o.dataDir), 'blobs'));
  const cache = new BlobStore(join(resolve(o.dataDir), 'cache'));
  const abort = new AbortController();
  const running: RunningSolver = { address, queueName, stop: async () => undefined };
  const queue = trainQueue(o.net.redisUrl, queueName, health);
  let loop: Promise<void> | undefined;
  let metricsServer: MetricsServer | undefined;
  if (role !== 'train') {
    let service: SolverService | undefined;
    // PUT is safe to accept: a blob is stored only under the hash of its own bytes.
    running.blobServer = await serveBlobs(blobs, { port: o.blobPort, allowPut: true, withhold: (h) => service?.withheld.has(h) ?? false, disputeIndex: (id) => disputeIndex(redis, ks, id) });
    service = new SolverService({ client, chainId: o.net.chainId, redis, queue, blobs, blobUrl: running.blobServer.url, publicUrl: o.publicUrl, cache, backend: o.backend, tamper, defender: o.defender ?? arbiterDefender({ stateDir: join(resolve(o.dataDir), 'disputes'), redis, keySpace: ks, blobUrl: running.blobServer.url }), fromBlock: o.net.startBlock, maxJobs: o.maxJobs, health, rpcUrl: o.net.rpcUrl, log });
    running.service = service;
    // stop() also ends the service's reads from other servers (job specs, datasets) at once
    loop = withFetchOptions({ signal: abort.signal }, () => service!.run(abort.signal, o.pollMs ?? 500));
  }
  const checkpointStore = o.blobUrl ? new RemoteBlobStore(o.blobUrl) : blobs;
  if (role !== 'watch') running.worker = startTrainWorker({ redisUrl: o.net.redisUrl, queueName, solver: address, redis, blobs: checkpointStore, cache, backend: o.backend, timings: o.timings, health, log: log, onTrainStep: metrics && ((n, sec) => metrics.step(n, sec)) });
  if (metrics) {
    metrics.watchQueue(queue, running.worker);
    const server = await serveMetrics(metrics.registry, o.metricsPort!);
    running.metricsUrl = server.url;
    metricsServer = server;
  }
  log('solver-started', { address, role, queue: queueName, blobUrl: running.blobServer?.url, tamper: o.tamper });
  if (role !== 'train') await warnIfUnfunded(client, address, 'claiming a job locks its stake, and every transaction costs gas', log);
  // Every step is bounded: with Redis down, BullMQ's close() waits for a connection that never
  // comes, and a stopping service must be gone within seconds. With Redis known to be down
  // there is nothing to close gracefully: connections are dropped and their pending commands
  // abandoned (a disconnected ioredis client may never settle them; they hold no handles).
  const shutdown = async () => {
    abort.abort();
    const down = health.isDown;
    const wait = down ? ABANDON_MS : STOP_STEP_MS;
    if (loop && !(await settlesWithin(loop, wait))) {
      redis.disconnect(); // fails a stuck tick's commands when Redis is reachable
      await settlesWithin(loop, ABANDON_MS);
    }
    redis.disconnect();
    const closeOne = async (c: { close(): Promise<void>; disconnect(): Promise<void> }) => {
      if (down || !(await settlesWithin(c.close(), STOP_STEP_MS))) await settlesWithin(c.disconnect(), ABANDON_MS);
    };
    await Promise.all([running.worker && closeOne(running.worker), closeOne(queue), running.blobServer && settlesWithin(running.blobServer.close(), STOP_STEP_MS)]);
    await metricsServer?.close();
    client.provider.destroy();
  };
  let stopping: Promise<void> | undefined;
  running.stop = () => (stopping ??= shutdown()); // idempotent
  return running;
}

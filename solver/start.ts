// Assemble a solver process: chain client, Redis, training queue, blob store + HTTP server,
// the watcher service and/or a training worker. Used by `optrain solver start` and by tests.
import { join, resolve } from 'node:path';
import type { Worker } from 'bullmq';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { createClient } from '../arbiter/chain/client.ts';
import type { ContractAddresses } from '../arbiter/chain/client.ts';
import { BlobStore, RemoteBlobStore, serveBlobs, type BlobServer } from '../jobs/blobstore.ts';
import { redisClient, trainQueue, type QueueTimings } from '../jobs/queue.ts';
import { trainQueueName } from '../jobs/redis-keys.ts';
import type { DisputeDefender } from './dispute-hook.ts';
import { arbiterDefender } from '../arbiter/defender.ts';
import { SolverService, type Log } from './service.ts';
import { parseSolverTamper } from './tamper.ts';
import { startTrainWorker } from './worker.ts';

export type SolverRole = 'all' | 'watch' | 'train';

export interface SolverNetwork {
  rpcUrl: string;
  redisUrl: string;
  chainId: number;
  contracts: ContractAddresses;
  gameKind?: string;
  startBlock?: number; // no market events before it
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
  blobPort?: number;
  /** role=train on another machine: upload checkpoints to the solver's blob server instead of dataDir. */
  blobUrl?: string;
  defender?: DisputeDefender;
  log: Log;
}

export interface RunningSolver {
  service?: SolverService;
  worker?: Worker;
  blobServer?: BlobServer;
  address: string;
  queueName: string;
  stop(): Promise<void>;
}

export async function startSolver(o: StartSolverOptions): Promise<RunningSolver> {
  const role = o.role ?? 'all';
  const tamper = o.tamper ? parseSolverTamper(o.tamper) : undefined;
  const client = createClient({ rpcUrl: o.net.rpcUrl, contracts: o.net.contracts, privateKey: o.privateKey, gameArtifact: o.net.gameKind });
  const address = client.signer!.address;
  const ks = { chainId: o.net.chainId, jobMarket: o.net.contracts.jobMarket };
  const queueName = trainQueueName(ks, address, o.queueSuffix);
  const redis = redisClient(o.net.redisUrl);
  const blobs = new BlobStore(join(resolve(o.dataDir), 'blobs'));
  const cache = new BlobStore(join(resolve(o.dataDir), 'cache'));
  const abort = new AbortController();
  const running: RunningSolver = { address, queueName, stop: async () => undefined };
  const queue = trainQueue(o.net.redisUrl, queueName);
  let loop: Promise<void> | undefined;
  if (role !== 'train') {
    let service: SolverService | undefined;
    // PUT is safe to accept: a blob is stored only under the hash of its own bytes.
    running.blobServer = await serveBlobs(blobs, { port: o.blobPort, allowPut: true, withhold: (h) => service?.withheld.has(h) ?? false });
    service = new SolverService({ client, chainId: o.net.chainId, redis, queue, blobs, blobUrl: running.blobServer.url, cache, backend: o.backend, tamper, defender: o.defender ?? arbiterDefender({ stateDir: join(resolve(o.dataDir), 'disputes'), redis, keySpace: ks, blobUrl: running.blobServer.url }), fromBlock: o.net.startBlock, log: o.log });
    running.service = service;
    loop = service.run(abort.signal, o.pollMs ?? 500);
  }
  const checkpointStore = o.blobUrl ? new RemoteBlobStore(o.blobUrl) : blobs;
  if (role !== 'watch') running.worker = startTrainWorker({ redisUrl: o.net.redisUrl, queueName, solver: address, redis, blobs: checkpointStore, cache, backend: o.backend, timings: o.timings, log: o.log });
  o.log('solver-started', { address, role, queue: queueName, blobUrl: running.blobServer?.url, tamper: o.tamper });
  const shutdown = async () => {
    abort.abort();
    await loop;
    await running.worker?.close();
    await queue.close();
    await running.blobServer?.close();
    redis.disconnect();
    client.provider.destroy();
  };
  let stopping: Promise<void> | undefined;
  running.stop = () => (stopping ??= shutdown()); // idempotent
  return running;
}

// Two solver services (different accounts) on one Redis and one devnet, with the same queue
// suffix: each job must be trained by a worker of the account that claimed it, and its result
// manifest and checkpoints must be served by that claimer's blob server. (A shared queue let
// the other solver's worker train it: the claimer then answered 404 and a cheater was paid.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { getJob } from '../chain/actions/get-job.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { UnrecoverableError, type Job } from 'bullmq';
import { BlobStore, fetchBlob } from '../jobs/blobstore.ts';
import { redisClient, type TrainJobData, type TrainJobResult } from '../jobs/queue.ts';
import { processTrainJob } from '../solver/worker.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { startSolver, type RunningSolver } from '../solver/start.ts';
import type { RunManifest } from '../commitments/run-store.ts';
import { submitJob } from '../cli/commands/job-submit.ts';

const JOBS = 6;
let net: TestDevnet;
let dir: string;
const solvers: RunningSolver[] = [];
const trained: { jobId: string; by: string }[] = [];

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-shared-'));
  for (const account of [2, 4]) {
    const address = net.info.accounts[account].address.toLowerCase();
    solvers.push(await startSolver({
      net: net.info, privateKey: net.info.accounts[account].privateKey, dataDir: join(dir, `solver${account}`), backend: referenceBackend,
      queueSuffix: `shared${process.pid}`, pollMs: 100,
      log: (event, f) => void (event === 'trained' && trained.push({ jobId: String(f.jobId), by: address })),
    }));
  }
});

after(async () => {
  for (const s of solvers) await s.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('two solvers on one Redis: every job is trained by its claimer and served by its claimer', async () => {
  const jobFile = writeTinyJob(join(dir, 'job'), { steps: 4, checkpointInterval: 2, trainN: 256, name: 'shared' });
  const ids: bigint[] = [];
  for (let i = 0; i < JOBS; i++) {
    const sub = await submitJob({
      net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
      bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
    });
    ids.push(sub.jobId);
  }
  const chain = net.client('verifier');
  const jobs = await waitFor('every job to be committed', async () => {
    const all = await Promise.all(ids.map((id) => getJob(chain, id)));
    return all.every((j) => j.status === 'Committed') ? all : null;
  });
  const redis = redisClient(net.info.redisUrl);
  try {
    const ks = { chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket };
    for (const job of jobs) {
      const claimer = solvers.find((s) => s.address === job.solver);
      assert.ok(claimer, `job ${job.jobId} was claimed by one of the two solvers (${job.solver})`);
      const by = trained.filter((t) => t.jobId === String(job.jobId)).map((t) => t.by);
      assert.deepEqual(by, [job.solver.toLowerCase()], `job ${job.jobId}: trained by its claimer ${job.solver} only, got ${by.join(', ')}`);
      const url = await redis.get(redisKeys.jobBlobServer(ks, job.jobId));
      assert.equal(url, claimer.blobServer!.url, `job ${job.jobId}: advertised blob server is the claimer's`);
      const hash = (await redis.get(redisKeys.resultManifest(ks, job.jobId)))!;
      const manifest = JSON.parse((await fetchBlob(url!, hash)).toString()) as RunManifest;
      assert.equal(manifest.result?.stepsRoot, job.commitment.stepsRoot, `job ${job.jobId}: the served manifest is the committed run`);
      for (const c of manifest.checkpoints) await fetchBlob(url!, c.blob); // throws on 404
    }
  } finally {
    redis.disconnect();
  }
  assert.notEqual(solvers[0].queueName, solvers[1].queueName, 'each solver account has its own training queue');
});

test('a worker refuses a queued job that another account claimed', async () => {
  const redis = redisClient(net.info.redisUrl);
  try {
    const [mine, other] = [net.info.accounts[2].address, net.info.accounts[4].address];
    const deps = { redisUrl: net.info.redisUrl, queueName: 'unused', solver: mine, redis, blobs: new BlobStore(join(dir, 'refuse')), cache: new BlobStore(join(dir, 'refuse-cache')), backend: referenceBackend };
    const data: TrainJobData = {
      chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket, solver: other, jobId: '99', runId: 'job99-b1', specURI: 'http://127.0.0.1:1/blob/x',
      specHash: '0x00', programRoot: '0x00', numSteps: 1, hashInterval: 1, seed: '0',
    };
    await assert.rejects(processTrainJob(deps, { data, attemptsMade: 0 } as Job<TrainJobData, TrainJobResult>), (e: Error) =>
      e instanceof UnrecoverableError && e.message === `job 99 was claimed by ${other}, not by this worker's solver ${mine}`);
  } finally {
    redis.disconnect();
  }
});

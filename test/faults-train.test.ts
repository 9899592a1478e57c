// Faults under training, on real processes: `optrain solver start` as child processes (one
// watcher, training workers of the same account sharing its queue and data dir) on a real
// anvil + redis-server.
//  - kill -9 of the worker mid-training: BullMQ's stalled-job check hands the job to the other
//    worker of the same account, which resumes from the last checkpoint (not from step 0), and
//    the job is committed (the honest stepsRoot), finalized and paid to the wei.
//  - a checkpoint corrupted on disk under a killed worker: the next worker detects it by its
//    hash, falls back to the previous checkpoint, recomputes, commits the honest stepsRoot and
//    rewrites the corrupt file.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore, sha256Hex } from '../jobs/blobstore.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { loadManifest } from '../commitments/run-store.ts';
import { waitFor } from './helpers/chain.ts';
import type { CliProc } from './helpers/cli-procs.ts';
import { Faults, isJob, JOB } from './helpers/faults.ts';

const f = new Faults('faults-train');
before(() => f.start());
after(() => f.stop());
afterEach(() => f.procs.stopAll()); // a failed test leaves no role running into the next one

/** The worker training `jobId`, once its progress passed `step`; then SIGKILLed. Returns the step it had reached. */
async function killMidTraining(workers: CliProc[], jobId: bigint, step: number): Promise<{ victim: CliProc; reached: number }> {
  const victim = await waitFor('a worker to start training', async () => workers.find((w) => w.find('training', isJob(jobId))), 60_000, 20);
  const reached = await f.trainingPast(jobId, step);
  await victim.kill('SIGKILL');
  assert.equal(victim.find('trained', isJob(jobId)), undefined, `killed mid-training (at step ${reached}), not after it`);
  return { victim, reached };
}

test('kill -9 of a training worker: another worker of the same account resumes from the last checkpoint; the job is committed and paid', async () => {
  const account = 2;
  const [watcher, w1, w2] = [f.solver('watch-2', account, 'watch'), f.solver('train-2a', account, 'train'), f.solver('train-2b', account, 'train')];
  await Promise.all([watcher, w1, w2].map((p) => p.until('solver-started')));
  const before = await f.funds([account]);
  const jobId = await f.submit();
  const { victim, reached } = await killMidTraining([w1, w2], jobId, 600);
  const heir = victim === w1 ? w2 : w1;
  const t0 = Date.now();
  const trained = await heir.until('trained', isJob(jobId), 60_000);
  const lastCheckpoint = Math.floor(reached / JOB.checkpointInterval) * JOB.checkpointInterval;
  assert.ok(Number(trained.resumedFromStep) >= lastCheckpoint && Number(trained.resumedFromStep) < JOB.steps,
    `resumed from step ${trained.resumedFromStep}, the victim had checkpointed step ${lastCheckpoint} (reached ${reached})`);
  console.log(`# killed at step ${reached}; the other worker finished ${Date.now() - t0} ms later, resumed from step ${trained.resumedFromStep}`);
  const committed = await f.settles(watcher, account, jobId, before);
  assert.equal(committed.resumedFromStep, trained.resumedFromStep, 'the committed result says it resumed');
  assert.equal(heir.other, '', 'no stack traces');
  await Promise.all([watcher, heir].map((p) => p.kill('SIGTERM')));
});

test('a checkpoint corrupted on disk under a killed worker: detected by its hash, recomputed from the one before, never committed', async () => {
  const account = 3;
  const [watcher, w1] = [f.solver('watch-3', account, 'watch'), f.solver('train-3a', account, 'train')];
  await Promise.all([watcher, w1].map((p) => p.until('solver-started')));
  const before = await f.funds([account]);
  const jobId = await f.submit();
  await killMidTraining([w1], jobId, 800);
  const { runId } = await watcher.until('claimed', isJob(jobId));
  // flip a byte of the newest checkpoint's state blob on disk
  const blobs = new BlobStore(join(f.dir, `solver-${account}`, 'blobs'));
  const m = await loadManifest(blobs, (await f.redis.get(redisKeys.checkpointHead(f.ks, String(runId))))!);
  const newest = m.checkpoints.find((c) => c.step === m.step)!;
  assert.ok(m.step >= 500, `a checkpoint with one before it to fall back to (newest: ${m.step})`);
  const file = blobs.path(newest.blob);
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0x40;
  writeFileSync(file, bytes);

  const w2 = f.solver('train-3b', account, 'train');
  const rejected = await w2.until('checkpoint-rejected', isJob(jobId), 60_000);
  assert.match(String(rejected.problem), new RegExp(`${newest.blob}: content hash mismatch.*trying an earlier checkpoint`));
  const trained = await w2.until('trained', isJob(jobId), 60_000);
  assert.equal(trained.resumedFromStep, m.step - JOB.checkpointInterval, 'resumed from the checkpoint before the corrupt one');
  assert.equal(w2.count('checkpoint-rejected'), 1);
  await f.settles(watcher, account, jobId, before);
  assert.equal(sha256Hex(readFileSync(file)), newest.blob, 'the corrupt file was rewritten by the recomputation');
  await Promise.all([watcher, w2].map((p) => p.kill('SIGTERM')));
});

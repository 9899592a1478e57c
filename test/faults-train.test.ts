// Faults under training, on real processes: `optrain solver start` as child processes (one
// watcher, training workers of the same account sharing its queue and data dir) on a real
// anvil + redis-server.
//  - kill -9 of the worker mid-training: BullMQ's stalled-job check hands the job to the other
//    worker of the same account, which resumes from the last checkpoint (not from step 0), and
//    the job is committed (the honest stepsRoot), finalized and paid to the wei.
//  - a checkpoint corrupted on disk under a killed worker: the next worker detects it by its
//    hash, falls back to the previous checkpoint, recomputes, commits the honest stepsRoot and
//    rewrites the corrupt file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { getJob } from '../arbiter/chain/actions/get-job.ts';
import { increaseTime, writeDevnet } from '../arbiter/chain/devnet.ts';
import { BlobStore, sha256Hex } from '../jobs/blobstore.ts';
import { loadJob } from '../jobs/job.ts';
import { redisClient } from '../jobs/queue.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { loadManifest } from '../solver/run-store.ts';
import { runTraining } from '../solver/train-run.ts';
import { TamperPlan } from '../solver/tamper-hooks.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { CliProcs, type CliEvent, type CliProc } from './helpers/cli-procs.ts';
import { assertSolvent, BOND, netChange, REWARD, snapshotFunds, STAKE } from './dispute-helpers.ts';

// Long enough (~2 s of training) to be killed in the middle, checkpointed every CKPT steps.
const JOB = { steps: 2000, checkpointInterval: 250, hashInterval: 50, trainN: 256, name: 'fault-train' };
const WINDOW = 600n;
const LOCK_MS = 2000; // a dead worker's job is handed on after this (stalled check every 1 s)
let net: TestDevnet;
let dir: string;
let devnetFile: string;
let redis: Redis;
let honestRoot: string;
const procs = new CliProcs();

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-faults-train-'));
  devnetFile = writeDevnet(net.info, join(dir, 'devnet.json'));
  redis = redisClient(net.info.redisUrl);
  // the honest commitment, trained here from scratch without interruption
  const engine = new Engine(loadJob(writeTinyJob(join(dir, 'reference'), JOB)).setup, referenceBackend);
  let head: string | null = null;
  const out = await runTraining({ engine, plan: new TamperPlan(engine, undefined), numSteps: JOB.steps, checkpointInterval: JOB.checkpointInterval, hashInterval: JOB.hashInterval,
    blobs: new BlobStore(join(dir, 'reference-blobs')), head: { load: async () => head, save: async (h) => void (head = h) } });
  honestRoot = out.result.stepsRoot;
});

after(async () => {
  await procs.stopAll();
  redis?.disconnect();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `optrain solver start --role R` for `account`, sharing a data dir and queue with its other roles. */
function solverProc(name: string, account: number, role: 'watch' | 'train'): CliProc {
  return procs.start(name, ['solver', 'start', '--devnet', devnetFile, '--account', String(account), '--role', role, '--data-dir', join(dir, `solver-${account}`),
    '--queue-suffix', `faults${process.pid}`, '--lock-ms', String(LOCK_MS), '--poll-ms', '100', '--backend', 'reference']);
}

async function submit(): Promise<bigint> {
  const jobFile = writeTinyJob(join(dir, `job-${Math.random().toString(36).slice(2)}`), JOB); // same spec every time: same honest root
  const sub = await submitJob({ net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: REWARD, stake: STAKE, bond: BOND, claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW });
  return sub.jobId;
}

const ks = () => ({ chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket });
const isJob = (jobId: bigint) => (e: CliEvent) => String(e.jobId) === String(jobId);

/** The worker training `jobId`, once its progress passed `step`; then SIGKILLed. Returns the step it had reached. */
async function killMidTraining(workers: CliProc[], jobId: bigint, step: number): Promise<{ victim: CliProc; reached: number }> {
  const victim = await waitFor('a worker to start training', async () => workers.find((w) => w.find('training', isJob(jobId))), 60_000, 20);
  const reached = await waitFor(`training of job ${jobId} past step ${step}`, async () => {
    const p = await redis.get(redisKeys.jobProgress(ks(), jobId));
    const s = p ? (JSON.parse(p) as { step: number }).step : 0;
    return s >= step ? s : null;
  }, 60_000, 10);
  await victim.kill('SIGKILL');
  assert.equal(victim.find('trained', isJob(jobId)), undefined, `killed mid-training (at step ${reached}), not after it`);
  return { victim, reached };
}

/** Commit, window, finalize, withdraw: the solver is paid reward - 2% fee, its stake back; every wei. */
async function settles(watcher: CliProc, account: number, jobId: bigint, before: Awaited<ReturnType<typeof snapshotFunds>>): Promise<void> {
  const chain = net.client('submitter');
  const committed = await watcher.until('committed', isJob(jobId), 60_000);
  assert.equal(committed.stepsRoot, honestRoot, 'the honest commitment');
  await increaseTime(chain.provider, Number(WINDOW) + 1);
  await watcher.until('withdrew', isJob(jobId), 60_000);
  assert.equal((await getJob(chain, jobId)).status, 'Finalized');
  const fee = (REWARD * 200n) / 10_000n;
  assert.equal(await netChange(chain, before, net.info.accounts[account].address), REWARD - fee, 'solver: reward - fee, stake back');
  assert.equal(await netChange(chain, before, net.info.accounts[1].address), -REWARD, 'submitter: pays the reward');
  const t = await assertSolvent(chain);
  assert.equal(t.jackpot, before.totals.jackpot + fee);
  for (const k of ['totalEscrow', 'totalStakes', 'totalBonds', 'totalClaimable', 'burned'] as const) assert.equal(t[k], before.totals[k], k);
}

test('kill -9 of a training worker: another worker of the same account resumes from the last checkpoint; the job is committed and paid', async () => {
  const account = 2;
  const [watcher, w1, w2] = [solverProc('watch-2', account, 'watch'), solverProc('train-2a', account, 'train'), solverProc('train-2b', account, 'train')];
  await Promise.all([watcher, w1, w2].map((p) => p.until('solver-started')));
  const before = await snapshotFunds(net.client('submitter'), [net.info.accounts[1].address, net.info.accounts[account].address]);
  const jobId = await submit();
  const { victim, reached } = await killMidTraining([w1, w2], jobId, 600);
  const heir = victim === w1 ? w2 : w1;
  const t0 = Date.now();
  const trained = await heir.until('trained', isJob(jobId), 60_000);
  const lastCheckpoint = Math.floor(reached / JOB.checkpointInterval) * JOB.checkpointInterval;
  assert.ok(Number(trained.resumedFromStep) >= lastCheckpoint && Number(trained.resumedFromStep) < JOB.steps,
    `resumed from step ${trained.resumedFromStep}, the victim had checkpointed step ${lastCheckpoint} (reached ${reached})`);
  console.log(`# killed at step ${reached}; the other worker finished ${Date.now() - t0} ms later, resumed from step ${trained.resumedFromStep}`);
  const committed = await watcher.until('committed', isJob(jobId), 60_000);
  assert.equal(committed.resumedFromStep, trained.resumedFromStep, 'the committed result says it resumed');
  await settles(watcher, account, jobId, before);
  assert.equal(heir.other, '', 'no stack traces');
  await Promise.all([watcher, heir].map((p) => p.kill('SIGTERM')));
});

test('a checkpoint corrupted on disk under a killed worker: detected by its hash, recomputed from the one before, never committed', async () => {
  const account = 3;
  const [watcher, w1] = [solverProc('watch-3', account, 'watch'), solverProc('train-3a', account, 'train')];
  await Promise.all([watcher, w1].map((p) => p.until('solver-started')));
  const before = await snapshotFunds(net.client('submitter'), [net.info.accounts[1].address, net.info.accounts[account].address]);
  const jobId = await submit();
  await killMidTraining([w1], jobId, 800);
  const { runId } = await watcher.until('claimed', isJob(jobId));
  // flip a byte of the newest checkpoint's state blob on disk
  const blobs = new BlobStore(join(dir, `solver-${account}`, 'blobs'));
  const m = await loadManifest(blobs, (await redis.get(redisKeys.checkpointHead(ks(), String(runId))))!);
  const newest = m.checkpoints.find((c) => c.step === m.step)!;
  assert.ok(m.step >= 500, `a checkpoint with one before it to fall back to (newest: ${m.step})`);
  const file = blobs.path(newest.blob);
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0x40;
  writeFileSync(file, bytes);

  const w2 = solverProc('train-3b', account, 'train');
  const rejected = await w2.until('checkpoint-rejected', isJob(jobId), 60_000);
  assert.match(String(rejected.problem), new RegExp(`${newest.blob}: content hash mismatch.*trying an earlier checkpoint`));
  const trained = await w2.until('trained', isJob(jobId), 60_000);
  assert.equal(trained.resumedFromStep, m.step - JOB.checkpointInterval, 'resumed from the checkpoint before the corrupt one');
  assert.equal(w2.count('checkpoint-rejected'), 1);
  await settles(watcher, account, jobId, before);
  assert.equal(sha256Hex(readFileSync(file)), newest.blob, 'the corrupt file was rewritten by the recomputation');
  await Promise.all([watcher, w2].map((p) => p.kill('SIGTERM')));
});

// Crash/resume on a real anvil + redis-server: a training worker process is SIGKILLed in the
// middle of a job; BullMQ hands the stalled job to another worker, which resumes from the
// newest checkpoint in the blob store. The committed stepsRoot equals an uninterrupted run's.
// The replacement worker runs as if on another machine (checkpoints over HTTP), and the
// chain-side solver is restarted too (a new instance) and carries on from Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { Redis } from 'ioredis';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { getJob } from '../chain/actions/get-job.ts';
import { writeDevnet } from '../chain/devnet.ts';
import { REPO_ROOT } from '../chain/artifacts.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { loadJob } from '../jobs/job.ts';
import { createEngine, train } from '../jobs/train.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { startSolver, type RunningSolver, type StartSolverOptions } from '../solver/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';

let net: TestDevnet;
let dir: string;
let child: ChildProcess | undefined;
const running: RunningSolver[] = [];
const events: { event: string; fields: Record<string, unknown> }[] = [];

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-resume-'));
});

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  for (const s of running) await s.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a SIGKILLed training worker is replaced and the run resumes from its last checkpoint with the same stepsRoot', async (t) => {
  const suffix = `resume${process.pid}`;
  const base: Omit<StartSolverOptions, 'role'> = {
    net: net.info, privateKey: net.info.accounts[2].privateKey, dataDir: join(dir, 'solver'), backend: referenceBackend,
    queueSuffix: suffix, pollMs: 100, timings: { lockDurationMs: 1500, stalledIntervalMs: 300 },
    log: (event, fields) => events.push({ event, fields }),
  };
  const watcher1 = await startSolver({ ...base, role: 'watch' });
  running.push(watcher1);
  const jobFile = writeTinyJob(join(dir, 'job'), { steps: 200, checkpointInterval: 10, name: 'resume' });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
    bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
  });
  const chain = net.client('submitter');
  await waitFor('the claim', async () => (await getJob(chain, sub.jobId)).status === 'Claimed');
  // Restart the chain side: a fresh solver instance must carry on from what Redis remembers.
  await watcher1.stop();
  running.splice(running.indexOf(watcher1), 1);
  const watcher2 = await startSolver({ ...base, role: 'watch' });
  running.push(watcher2);
  assert.notEqual(watcher2.blobServer!.url, watcher1.blobServer!.url, 'the restarted solver serves on a new address');
  const advertised = new Redis(net.info.redisUrl);
  try {
    const ks0 = { chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket };
    await waitFor('the restarted solver to advertise its new blob server', async () =>
      (await advertised.get(redisKeys.jobBlobServer(ks0, sub.jobId))) === watcher2.blobServer!.url, 60_000);
  } finally {
    advertised.disconnect();
  }

  // A separate worker process (the CLI) starts training; kill -9 it mid-run.
  const devnetFile = writeDevnet(net.info, join(dir, 'devnet.json'));
  child = spawn(process.execPath, [join(REPO_ROOT, 'bin/optrain.mjs'), 'solver', 'start', '--role', 'train', '--devnet', devnetFile,
    '--data-dir', join(dir, 'solver'), '--queue-suffix', suffix, '--lock-ms', '1500', '--backend', 'reference', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let childOut = '';
  let killedAt = 0;
  child.stdout!.on('data', (d) => (childOut += d));
  child.stderr!.on('data', (d) => (childOut += d));
  const redis = new Redis(net.info.redisUrl);
  const ks = { chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket };
  try {
    killedAt = await waitFor('the child worker to pass step 25', async () => {
      const p = JSON.parse((await redis.get(redisKeys.jobProgress(ks, sub.jobId))) ?? 'null') as { step: number } | null;
      return p && p.step >= 25 ? p.step : null;
    }, 180_000, 10);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    assert.ok(killedAt < 200, `killed mid-run (at step ${killedAt}); child output:\n${childOut}`);
  } finally {
    redis.disconnect();
  }
  assert.equal((await getJob(chain, sub.jobId)).status, 'Claimed', 'nothing committed by the killed worker');

  // The replacement worker stands for another machine: its own data dir, checkpoints read from
  // and uploaded to the solver's blob server over HTTP, datasets fetched from the devnet's.
  running.push(await startSolver({ ...base, role: 'train', dataDir: join(dir, 'machine2'), blobUrl: watcher2.blobServer!.url }));
  const committed = await waitFor('the resumed run to be committed', async () => {
    const j = await getJob(chain, sub.jobId);
    return j.status === 'Committed' ? j : null;
  }, 180_000);
  const trained = events.find((e) => e.event === 'trained');
  assert.ok(trained, 'the in-process worker finished the run');
  const resumedFrom = Number(trained.fields.resumedFromStep);
  assert.ok(resumedFrom >= 20 && resumedFrom % 10 === 0, `resumed from a checkpoint (step ${resumedFrom}), not from scratch`);
  t.diagnostic(`worker killed at step ${killedAt}, resumed from checkpoint ${resumedFrom}`);

  const job = loadJob(jobFile);
  const uninterrupted = train(job, createEngine(job, referenceBackend));
  assert.equal(committed.commitment.stepsRoot, uninterrupted.stateRoot);
  assert.equal(committed.commitment.finalStateHash, uninterrupted.finalStateHash);
  assert.equal(committed.commitment.finalModelHash, uninterrupted.finalModelHash);
});

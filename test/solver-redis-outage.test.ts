// Redis goes away under a running solver and comes back: the outage is reported once (not per
// reconnect attempt or tick), the return once, and the solver goes on claiming, training and
// committing. Real anvil, a real redis-server we stop and restart on the same port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { getJob } from '../chain/actions/get-job.ts';
import { freePort } from '../chain/processes.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startSolver, type RunningSolver } from '../solver/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';

let net: TestDevnet;
let dir: string;
let port: number;
let redis: ChildProcess | undefined;
let solver: RunningSolver | undefined;
const events: { event: string; message?: string }[] = [];

async function startRedisOn(p: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await waitFor(`redis-server on port ${p}`, async () => /Ready to accept connections/.test(out), 10_000, 20);
  return child;
}

async function stopRedis(): Promise<void> {
  if (!redis || redis.exitCode !== null) return;
  const exited = new Promise((r) => redis!.once('exit', r));
  redis.kill('SIGTERM');
  await exited;
}

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-outage-'));
  port = await freePort();
  redis = await startRedisOn(port);
  solver = await startSolver({
    net: { ...net.info, redisUrl: `redis://127.0.0.1:${port}` }, privateKey: net.info.accounts[2].privateKey, dataDir: join(dir, 'solver'),
    backend: referenceBackend, pollMs: 100, log: (event, f) => void events.push({ event, message: f.message as string | undefined }),
  });
});

after(async () => {
  await solver?.stop();
  await stopRedis();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function submitAndCommit(name: string): Promise<void> {
  const jobFile = writeTinyJob(join(dir, name), { steps: 2, checkpointInterval: 1, trainN: 64, name });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
    bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
  });
  await waitFor(`job ${sub.jobId} to be committed`, async () => (await getJob(net.client('verifier'), sub.jobId)).status === 'Committed', 60_000);
}

test('Redis down and back: reported once each way, and the solver keeps working', async () => {
  await submitAndCommit('before');
  await stopRedis();
  await waitFor('the outage to be reported', async () => events.some((e) => e.event === 'dependency-down'), 10_000);
  await new Promise((r) => setTimeout(r, 3_000)); // reconnect attempts and ticks go on meanwhile
  const down = events.filter((e) => e.event === 'dependency-down');
  assert.deepEqual(down.map((e) => e.message), [`redis at 127.0.0.1:${port} is not reachable (ECONNREFUSED); retrying with backoff`]);
  assert.deepEqual(events.filter((e) => e.event === 'error' || e.event === 'worker-error' || e.event === 'dependency-error'), [], 'no error line per retry');
  redis = await startRedisOn(port);
  await waitFor('the return to be reported', async () => events.some((e) => e.event === 'dependency-up'), 20_000);
  assert.match(events.find((e) => e.event === 'dependency-up')!.message!, new RegExp(`^redis at 127\\.0\\.0\\.1:${port} is reachable again \\(after \\d+ s\\)$`));
  await submitAndCommit('after');
  assert.equal(events.filter((e) => e.event === 'dependency-down').length, 1);
});

// An idle devnet must let time pass: a committed job with a short challenge window is
// finalized by its solver with no other traffic and no evm_increaseTime (a job once stayed
// Committed 40 s past its deadline until an unrelated transaction mined a block).
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
import { startSolver, type RunningSolver } from '../solver/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';

const WINDOW = 2n;
let net: TestDevnet;
let solver: RunningSolver;
let dir: string;

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-idle-'));
  solver = await startSolver({
    net: net.info, privateKey: net.info.accounts[2].privateKey, dataDir: join(dir, 'solver'), backend: referenceBackend,
    queueSuffix: `idle${process.pid}`, pollMs: 100, log: () => undefined,
  });
});

after(async () => {
  await solver?.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a committed job with a 2 s window finalizes on an idle devnet', async () => {
  const jobFile = writeTinyJob(join(dir, 'job'), { steps: 2, checkpointInterval: 1, trainN: 64, name: 'idle' });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
    bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW,
  });
  const chain = net.client('verifier');
  const committed = await waitFor('the commit', async () => {
    const j = await getJob(chain, sub.jobId);
    return j.status === 'Committed' ? j : null;
  });
  const t0 = Date.now();
  // Only reads from here on: the solver's finalize is the first transaction after the deadline.
  await waitFor('finalization without other traffic', async () => (await getJob(chain, sub.jobId)).status === 'Finalized', 15_000);
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(seconds < Number(WINDOW) + 6, `finalized ${seconds} s after the commit (window ${WINDOW} s, deadline ${committed.deadline})`);
});

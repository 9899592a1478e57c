// One signer, many concurrent transactions: job submits from one key in one process (each
// with its own client) and from two processes at once must all land. (38 of 50
// parallel submits failed with NONCE_EXPIRED before transactions were serialised per signer
// within a process and retried on nonce errors across processes.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { getJob } from '../chain/actions/get-job.ts';
import { writeDevnet } from '../chain/devnet.ts';
import { submitJob } from '../cli/commands/job-submit.ts';

const SUBMIT_MANY = join(import.meta.dirname, 'helpers/submit-many.ts');
let net: TestDevnet;

before(async () => {
  net = await startTestDevnet();
});

after(async () => {
  await net?.stop();
});

test('12 concurrent job submits from one key in one process all land', async () => {
  const jobFile = writeTinyJob(join(net.dir, 'job-a'), { steps: 2, checkpointInterval: 1, trainN: 64, name: 'nonce-a' });
  const subs = await Promise.allSettled(Array.from({ length: 12 }, () => submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
    bond: parseEther('0.01'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
  })));
  const failed = subs.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
  assert.deepEqual(failed, [], `${failed.length} of 12 submits failed`);
  const ids = subs.map((s) => (s as PromiseFulfilledResult<{ jobId: bigint }>).value.jobId);
  assert.equal(new Set(ids).size, 12, 'twelve distinct jobs');
  for (const id of ids) assert.equal((await getJob(net.client(0), id)).status, 'Open');
});

test('two processes posting 5 jobs each at once from one key all land', async () => {
  const file = writeDevnet(net.info, join(net.dir, 'devnet.json'));
  const jobFile = writeTinyJob(join(net.dir, 'job-b'), { steps: 2, checkpointInterval: 1, trainN: 64, name: 'nonce-b' });
  const runs = await Promise.all([0, 1].map(() => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SUBMIT_MANY, file, jobFile, '5', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  })));
  for (const r of runs) assert.equal(r.code, 0, `a submitting process failed: ${r.err.trim().slice(-600)}`);
  const ids = runs.flatMap((r) => JSON.parse(r.out) as string[]);
  assert.equal(new Set(ids).size, 10, `ten distinct jobs: ${ids.join(', ')}`);
});

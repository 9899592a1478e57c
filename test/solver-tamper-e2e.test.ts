// Tampering solvers on a real anvil + redis-server: the --tamper spec travels from the solver
// through the queue into the training worker and shows up exactly where docs/TAMPER.md says.
// (Catching them is the verifier's job; here we check what the cheaters publish.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { Redis } from 'ioredis';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { getJob } from '../chain/actions/get-job.ts';
import { increaseTime } from '../chain/devnet.ts';
import type { JobRecord } from '../chain/types.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import { fetchBlob } from '../jobs/blobstore.ts';
import { loadJob } from '../jobs/job.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { createEngine, train } from '../jobs/train.ts';
import type { RunManifest } from '../commitments/run-store.ts';
import { startSolver } from '../solver/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { fetchModel } from '../cli/commands/job-fetch-model.ts';

let net: TestDevnet;
let dir: string;
let redis: Redis;
const WINDOW = 600n;

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-tamper-e2e-'));
  redis = new Redis(net.info.redisUrl);
});
after(async () => {
  redis?.disconnect();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run one tampering solver (its own account) on one fresh job until it commits. */
async function cheat(account: number, tamper: string, name: string): Promise<{ job: JobRecord; jobFile: string; manifest: RunManifest; blobUrl: string; stop: () => Promise<void> }> {
  const solver = await startSolver({
    net: net.info, privateKey: net.info.accounts[account].privateKey, dataDir: join(dir, `solver${account}`), backend: referenceBackend,
    tamper, queueSuffix: `${name}${process.pid}`, pollMs: 100, log: () => undefined,
  });
  const jobFile = writeTinyJob(join(dir, name), { steps: 10, checkpointInterval: 3, name });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
    bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW,
  });
  const chain = net.client('submitter');
  const job = await waitFor(`the ${name} solver to commit`, async () => {
    const j = await getJob(chain, sub.jobId);
    return j.status === 'Committed' ? j : null;
  });
  const ks = { chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket };
  const blobUrl = (await redis.get(redisKeys.jobBlobServer(ks, sub.jobId)))!;
  const manifest = JSON.parse((await fetchBlob(blobUrl, (await redis.get(redisKeys.resultManifest(ks, sub.jobId)))!)).toString()) as RunManifest;
  return { job, jobFile, manifest, blobUrl, stop: () => solver.stop() };
}

function honestRun(jobFile: string) {
  const job = loadJob(jobFile);
  const engine = new Engine(job.setup, referenceBackend);
  const hashes = [engine.init()];
  while (hashes.length <= job.steps) hashes.push(engine.step(hashes.at(-1)!).state);
  return { result: train(job, createEngine(job, referenceBackend)), stateHashes: hashes.map((s) => `0x${engine.stateHash(s).toString('hex')}`) };
}

test('kind=flip: the committed run is honest up to H[S] and differs from H[S+1] on', async () => {
  const S = 4;
  const g = new Engine(loadJob(writeTinyJob(join(dir, 'probe'))).setup).stepProgram;
  const op = g.nodes.findIndex((n) => n.op === 'matmul');
  const c = await cheat(4, `kind=flip,step=${S},op=${op},elem=0,bit=31`, 'flip');
  try {
    const honest = honestRun(c.jobFile);
    assert.deepEqual(c.manifest.stateHashes.slice(0, S + 1), honest.stateHashes.slice(0, S + 1));
    assert.ok(c.manifest.stateHashes.slice(S + 1).every((h, i) => h !== honest.stateHashes[S + 1 + i]), 'every later state differs');
    assert.notEqual(c.job.commitment.stepsRoot, honest.result.stateRoot);
    assert.equal(c.job.commitment.stepsRoot, c.manifest.result!.stepsRoot, 'the committed root is the manifest\'s');
  } finally {
    await c.stop();
  }
});

test('kind=withhold: honest commitment, but the checkpoint needed to replay step S is refused (403)', async () => {
  const c = await cheat(5, 'kind=withhold,step=7', 'withhold');
  try {
    assert.equal(c.job.commitment.stepsRoot, honestRun(c.jobFile).result.stateRoot);
    const statuses = await Promise.all(c.manifest.checkpoints.map(async (cp) => [cp.step, (await fetch(`${c.blobUrl}/blob/${cp.blob}`)).status]));
    assert.deepEqual(statuses, [[0, 200], [3, 200], [6, 403], [9, 200], [10, 200]]);
  } finally {
    await c.stop();
  }
});

test('kind=final: states honest, model hash a lie; fetch-model refuses the finalized model', async () => {
  const c = await cheat(6, 'kind=final', 'final');
  try {
    const honest = honestRun(c.jobFile).result;
    assert.equal(c.job.commitment.stepsRoot, honest.stateRoot);
    assert.equal(c.job.commitment.finalStateHash, honest.finalStateHash);
    assert.notEqual(c.job.commitment.finalModelHash, honest.finalModelHash);
    await increaseTime(net.client('submitter').provider, Number(WINDOW) + 1);
    await waitFor('finalization', async () => (await getJob(net.client('submitter'), c.job.jobId)).status === 'Finalized');
    await assert.rejects(fetchModel(net.info, c.job.jobId, join(dir, 'final-model')),
      new RegExp(`job ${c.job.jobId}: the downloaded model hashes to ${honest.finalModelHash}, the chain's finalModelHash is ${c.job.commitment.finalModelHash}`));
  } finally {
    await c.stop();
  }
});

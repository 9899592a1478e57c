// End to end on a real anvil + redis-server: an honest job is submitted, claimed by the
// solver, trained through the BullMQ queue, committed, left unchallenged past its window,
// finalized and paid; balances move exactly as JobMarket's rules say, and the submitter's
// fetched model loads in @tensorflow/tfjs with the committed hash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import * as tf from '@tensorflow/tfjs';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { gasSpent, waitFor } from './helpers/chain.ts';
import { getJob, getMarketTotals } from '../chain/actions/get-job.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { claimJob } from '../chain/actions/claim-job.ts';
import { challenge } from '../chain/actions/challenge.ts';
import type { DisputeContext } from '../arbiter/dispute-hook.ts';
import { loadManifest } from '../commitments/run-store.ts';
import { increaseTime } from '../chain/devnet.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { asClassifier, loadJob } from '../jobs/job.ts';
import { createEngine, train } from '../jobs/train.ts';
import { readTfjsModel } from '../jobs/tfjs-model.ts';
import { startSolver, type RunningSolver } from '../solver/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { fetchModel } from '../cli/commands/job-fetch-model.ts';
import { jobStatus } from '../cli/commands/job-status.ts';

let net: TestDevnet;
let solver: RunningSolver;
let dir: string;
const events: { event: string; fields: Record<string, unknown> }[] = [];

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-honest-'));
  solver = await startSolver({
    net: net.info,
    privateKey: net.info.accounts[2].privateKey,
    dataDir: join(dir, 'solver'),
    backend: referenceBackend,
    queueSuffix: `honest${process.pid}`,
    pollMs: 100,
    log: (event, fields) => events.push({ event, fields }),
  });
});

after(async () => {
  await solver?.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('honest job: submitted, claimed, trained, committed, finalized, paid; model fetched and loaded in tfjs', async () => {
  const chain = net.client('submitter');
  const submitterAddr = chain.signer!.address, solverAddr = solver.address;
  const startBlock = (await chain.provider.getBlockNumber()) + 1;
  const [subBefore, solBefore, totalsBefore] = await Promise.all([
    chain.provider.getBalance(submitterAddr), chain.provider.getBalance(solverAddr), getMarketTotals(chain),
  ]);
  const jobFile = writeTinyJob(join(dir, 'job'), { steps: 20, checkpointInterval: 5 });
  const reward = parseEther('0.01'), stake = parseEther('0.1'), window = 600n;
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward, stake, bond: parseEther('0.05'),
    claimWindow: 3600n, solveTime: 3600n, challengeWindow: window,
  });
  assert.match(sub.specURI, /^http:\/\/127\.0\.0\.1:\d+\/blob\/[0-9a-f]{64}$/);

  const committed = await waitFor('the solver to commit', async () => {
    const j = await getJob(chain, sub.jobId);
    return j.status === 'Committed' ? j : null;
  });
  // An independent local run of the same job file must give exactly the committed hashes.
  const local = train(loadJob(jobFile), createEngine(loadJob(jobFile), referenceBackend));
  assert.equal(committed.commitment.stepsRoot, local.stateRoot);
  assert.equal(committed.commitment.finalStateHash, local.finalStateHash);
  assert.equal(committed.commitment.finalModelHash, local.finalModelHash);
  assert.equal(committed.solver, solverAddr);

  await increaseTime(chain.provider, Number(window) + 1);
  await waitFor('finalization and withdrawal', async () => (await getJob(chain, sub.jobId)).status === 'Finalized' && events.some((e) => e.event === 'withdrew'));
  assert.equal(await claimableOf(chain, solverAddr), 0n);

  // Balances to the wei: the solver nets reward - 2% fee (its stake came back), minus gas;
  // the submitter paid the reward plus gas; the fee went to the jackpot; nothing else moved.
  const fee = (reward * 200n) / 10_000n;
  const [subGas, solGas] = await Promise.all([gasSpent(chain.provider, submitterAddr, startBlock), gasSpent(chain.provider, solverAddr, startBlock)]);
  assert.equal(await chain.provider.getBalance(submitterAddr), subBefore - reward - subGas);
  assert.equal(await chain.provider.getBalance(solverAddr), solBefore + reward - fee - solGas);
  const totals = await getMarketTotals(chain);
  assert.equal(totals.jackpot, totalsBefore.jackpot + fee);
  assert.equal(totals.totalEscrow, totalsBefore.totalEscrow);
  assert.equal(totals.totalStakes, totalsBefore.totalStakes);
  assert.equal(totals.totalClaimable, totalsBefore.totalClaimable);
  assert.equal(await chain.provider.getBalance(net.info.contracts.jobMarket), totals.totalEscrow + totals.totalStakes + totals.totalBonds + totals.jackpot + totals.totalClaimable);

  const out = join(dir, 'model');
  const fetched = await fetchModel(net.info, sub.jobId, out);
  assert.equal(fetched.finalModelHash, committed.commitment.finalModelHash);
  const model = await tf.loadLayersModel({ load: async () => readTfjsModel(out) });
  try {
    assert.deepEqual(model.inputs[0].shape, [null, 64]);
    const x = tf.tensor2d(asClassifier(loadJob(jobFile)).test.x.data, [128, 64]);
    const pred = Array.from((model.predict(x) as tf.Tensor).argMax(1).dataSync());
    const labels = asClassifier(loadJob(jobFile)).test.labels;
    const correct = pred.filter((p, i) => p === labels[i]).length;
    assert.ok(correct / labels.length > 0.9, `the fetched model classifies the test set (${correct}/${labels.length})`);
  } finally {
    model.dispose();
  }
});

test('a solver that crashed right after its claim transaction re-adopts the job on restart and commits it', async () => {
  await solver.stop(); // only the crashed solver's successor may act on the next job
  const submitter = net.client('submitter'), crashed = net.client(4);
  const jobFile = writeTinyJob(join(dir, 'job-recover'), { steps: 6, checkpointInterval: 3, name: 'recover' });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
    bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
  });
  // The claim lands on chain, but the solver "dies" before recording it in Redis.
  await claimJob(crashed, sub.jobId, parseEther('0.1'));
  const restarted = await startSolver({
    net: net.info, privateKey: net.info.accounts[4].privateKey, dataDir: join(dir, 'solver4'), backend: referenceBackend,
    queueSuffix: `recover${process.pid}`, pollMs: 100, log: (event, fields) => events.push({ event, fields: { ...fields, solver: 4 } }),
  });
  try {
    const j = await waitFor('the recovered job to be committed', async () => {
      const job = await getJob(submitter, sub.jobId);
      return job.status === 'Committed' ? job : null;
    });
    assert.equal(j.solver, crashed.signer!.address);
    assert.ok(events.some((e) => e.event === 'recovered-claim' && e.fields.jobId === sub.jobId));
    const local = train(loadJob(jobFile), createEngine(loadJob(jobFile), referenceBackend));
    assert.equal(j.commitment.stepsRoot, local.stateRoot);
  } finally {
    await restarted.stop();
  }
});

test('a challenged job is handed to the dispute defender with everything it needs', async () => {
  await solver.stop();
  const calls: DisputeContext[] = [];
  const defended = await startSolver({
    net: net.info, privateKey: net.info.accounts[5].privateKey, dataDir: join(dir, 'solver5'), backend: referenceBackend,
    queueSuffix: `defend${process.pid}`, pollMs: 100, log: () => undefined,
    defender: { onDispute: async (ctx) => void calls.push(ctx) },
  });
  try {
    const jobFile = writeTinyJob(join(dir, 'job-defend'), { steps: 4, checkpointInterval: 2, name: 'defend' });
    const sub = await submitJob({
      net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
      bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
    });
    const verifier = net.client('verifier');
    await waitFor('the commit', async () => (await getJob(verifier, sub.jobId)).status === 'Committed');
    const { disputeId } = await challenge(verifier, sub.jobId, parseEther('0.05'));
    const ctx = await waitFor('the defender to be called', async () => calls.find((c) => c.disputeId === disputeId));
    assert.equal(ctx.job.jobId, sub.jobId);
    assert.equal(ctx.job.status, 'Challenged');
    const engine = await ctx.engine();
    assert.equal(`0x${engine.programRoot().toString('hex')}`, ctx.job.params.programRoot);
    assert.ok(ctx.manifestHash, 'the run manifest is known');
    const m = await loadManifest(ctx.blobs, ctx.manifestHash!);
    assert.equal(m.result?.stepsRoot, ctx.job.commitment.stepsRoot);
    // `job status` lists the job's disputes (not one "active dispute": a job may have several).
    const status = await jobStatus(net.info, sub.jobId);
    assert.deepEqual(status.disputes, [{ disputeId, challenger: verifier.signer!.address, status: 'Active' }]);
  } finally {
    await defended.stop();
  }
});

// Devnet + chain client against a real anvil and redis-server: processes come up on free
// ports, contracts are deployed, the typed actions move a job through its whole lifecycle,
// reverts decode to named custom errors, and the event watcher resumes from its cursor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { parseEther, hexlify, randomBytes } from 'ethers';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { postJob } from '../arbiter/chain/actions/post-job.ts';
import { claimJob } from '../arbiter/chain/actions/claim-job.ts';
import { commitResult } from '../arbiter/chain/actions/commit-result.ts';
import { finalize } from '../arbiter/chain/actions/finalize.ts';
import { withdraw, claimableOf } from '../arbiter/chain/actions/withdraw.ts';
import { getJob, getMarketTotals } from '../arbiter/chain/actions/get-job.ts';
import { EventWatcher, memoryCursor } from '../arbiter/chain/events.ts';
import { increaseTime } from '../arbiter/chain/devnet.ts';
import { isAlive } from '../arbiter/chain/processes.ts';
import { ChainError } from '../arbiter/chain/errors.ts';

let net: TestDevnet;
before(async () => {
  net = await startTestDevnet();
});
after(async () => {
  await net?.stop();
});

const hash = () => hexlify(randomBytes(32));
const params = () => ({ specHash: hash(), programRoot: hash(), seed: 7n, numSteps: 20n });
const terms = { requiredStake: parseEther('1'), challengerBond: parseEther('0.5'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n };

test('anvil and redis answer on the recorded loopback endpoints', async () => {
  assert.match(net.info.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(net.info.redisUrl, /^redis:\/\/127\.0\.0\.1:\d+$/);
  const c = net.client('deployer');
  assert.equal(Number((await c.provider.getNetwork()).chainId), net.info.chainId);
  assert.ok((await c.provider.getCode(net.info.contracts.jobMarket)).length > 2, 'JobMarket has code');
  const redis = new Redis(net.info.redisUrl);
  try {
    assert.equal(await redis.ping(), 'PONG');
  } finally {
    redis.disconnect();
  }
});

test('a job goes Open -> Claimed -> Committed -> Finalized and pays exactly reward - 2% fee + stake', async () => {
  const submitter = net.client('submitter'), solver = net.client('solver');
  const reward = parseEther('2');
  const { jobId } = await postJob(submitter, { params: params(), specURI: 'file:///spec.json', reward, ...terms });
  assert.equal((await getJob(submitter, jobId)).status, 'Open');
  await claimJob(solver, jobId, terms.requiredStake);
  const claimed = await getJob(solver, jobId);
  assert.equal(claimed.status, 'Claimed');
  assert.equal(claimed.solver.toLowerCase(), solver.signer!.address.toLowerCase());
  const commitment = { stepsRoot: hash(), finalStateHash: hash(), finalModelHash: hash(), numSteps: 20n };
  await commitResult(solver, jobId, commitment);
  const committed = await getJob(solver, jobId);
  assert.equal(committed.status, 'Committed');
  assert.deepEqual(committed.commitment, commitment);
  await assert.rejects(finalize(submitter, jobId), /ChallengeWindowOpen\(jobId=\d+, deadline=\d+\)/);
  await increaseTime(solver.provider, 601);
  const before = await claimableOf(solver, solver.signer!.address);
  await finalize(submitter, jobId);
  assert.equal((await getJob(solver, jobId)).status, 'Finalized');
  const fee = (reward * 200n) / 10_000n;
  assert.equal((await claimableOf(solver, solver.signer!.address)) - before, reward - fee + terms.requiredStake);
  const balBefore = await solver.provider.getBalance(solver.signer!.address);
  const { amount, tx } = await withdraw(solver);
  const gasCost = tx.gasUsed * (tx.receipt.gasPrice ?? 0n);
  assert.equal(await solver.provider.getBalance(solver.signer!.address), balBefore + amount - gasCost);
  assert.equal(await claimableOf(solver, solver.signer!.address), 0n);
});

test('reverts name the custom error and its arguments', async () => {
  const submitter = net.client('submitter'), solver = net.client('solver');
  const { jobId } = await postJob(submitter, { params: params(), specURI: 'file:///x', reward: parseEther('1'), ...terms });
  await assert.rejects(claimJob(solver, jobId, 1n), (e: unknown) => {
    assert.ok(e instanceof ChainError);
    assert.equal(e.errorName, 'WrongStake');
    assert.equal(e.message, `JobMarket.claimJob(${jobId}) reverted: WrongStake(expected=${terms.requiredStake}, sent=1)`);
    return true;
  });
  await assert.rejects(getJob(solver, 999n), /job 999 does not exist on JobMarket 0x[0-9a-fA-F]{40} \(jobs are 1\.\.\d+\)/);
  await assert.rejects(postJob(submitter, { params: { ...params(), numSteps: 0n }, specURI: '', reward: 1n, ...terms }), /reverted: ZeroSteps\(\)/);
});

test('the event watcher delivers each event once per cursor and resumes from a saved cursor', async () => {
  const submitter = net.client('submitter');
  const cursor = memoryCursor(await submitter.provider.getBlockNumber() + 1);
  const w = new EventWatcher(submitter, { cursor, names: ['JobPosted'] });
  const p = params();
  const { jobId } = await postJob(submitter, { params: p, specURI: 'http://127.0.0.1:1/blob/x', reward: parseEther('1'), ...terms });
  const first = await w.next();
  assert.equal(first.events.length, 1);
  const ev = first.events[0];
  assert.equal(ev.name, 'JobPosted');
  assert.equal(ev.args.jobId, jobId);
  assert.equal(ev.args.specURI, 'http://127.0.0.1:1/blob/x');
  assert.equal((ev.args.params as { specHash: string }).specHash, p.specHash);
  // Not committed yet: a watcher restarted on the same cursor sees the event again.
  assert.equal((await new EventWatcher(submitter, { cursor, names: ['JobPosted'] }).next()).events.length, 1);
  await w.commit(first);
  assert.equal((await w.next()).events.length, 0);
  assert.equal((await getMarketTotals(submitter)).jobCount >= jobId, true);
});

test('stop() kills anvil and redis', async () => {
  const other = await startTestDevnet();
  const { anvil, redis } = other.info.pids;
  assert.ok(isAlive(anvil) && isAlive(redis));
  await other.stop();
  assert.ok(!isAlive(anvil), 'anvil stopped');
  assert.ok(!isAlive(redis), 'redis stopped');
});

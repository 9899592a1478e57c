// Devnet + chain client against a real anvil and redis-server: processes come up on free
// ports, contracts are deployed, the typed actions move a job through its whole lifecycle,
// reverts decode to named custom errors, and the event watcher resumes from its cursor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { parseEther, hexlify, randomBytes } from 'ethers';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { postJob } from '../chain/actions/post-job.ts';
import { claimJob } from '../chain/actions/claim-job.ts';
import { commitResult } from '../chain/actions/commit-result.ts';
import { finalize } from '../chain/actions/finalize.ts';
import { withdraw, claimableOf } from '../chain/actions/withdraw.ts';
import { activeDisputesOf, getJob, getMarketTotals, marketFloors } from '../chain/actions/get-job.ts';
import { EventWatcher, memoryCursor } from '../chain/events.ts';
import { increaseTime } from '../chain/devnet.ts';
import { isAlive } from '../chain/processes.ts';
import { ChainError } from '../chain/errors.ts';
import { challenge } from '../chain/actions/challenge.ts';
import { createClient, sendTx } from '../chain/client.ts';
import { getDispute } from '../chain/actions/get-job.ts';
import { readDevnet, type DevnetInfo } from '../chain/devnet.ts';
import { REPO_ROOT } from '../chain/artifacts.ts';
import { killPid } from '../chain/processes.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyJob } from './helpers/tiny-job.ts';

let net: TestDevnet;
let cliDevnet: DevnetInfo | undefined; // started by the CLI test; killed here if the test failed midway
before(async () => {
  net = await startTestDevnet();
});
after(async () => {
  await net?.stop();
  for (const pid of Object.values(cliDevnet?.pids ?? {})) killPid(pid);
});

const hash = () => hexlify(randomBytes(32));
const params = () => ({ specHash: hash(), programRoot: hash(), seed: 7n, numSteps: 20n, hashInterval: 1 });
const terms = { requiredStake: parseEther('1'), challengerBond: parseEther('0.5'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n };

test('anvil and redis answer on the recorded loopback endpoints', async () => {
  assert.match(net.info.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(net.info.redisUrl, /^redis:\/\/127\.0\.0\.1:\d+$/);
  const c = net.client('deployer');
  assert.equal(Number((await c.provider.getNetwork()).chainId), net.info.chainId);
  assert.ok((await c.provider.getCode(net.info.contracts.jobMarket)).length > 2, 'JobMarket has code');
  assert.equal(await c.market.getFunction('disputeGame')(), net.info.contracts.disputeGame, 'market wired to the game');
  const redis = new Redis(net.info.redisUrl);
  try {
    assert.equal(await redis.ping(), 'PONG');
  } finally {
    redis.disconnect();
  }
});

test('a job goes Open -> Claimed -> Committed -> Finalized and pays exactly reward - 2% fee + stake', async () => {
  const submitter = net.client('submitter'), solver = net.client('solver');
  const reward = parseEther('0.1'); // stake 1 >= minStakeFor(0.1) = 0.6
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
  const { jobId } = await postJob(submitter, { params: params(), specURI: 'file:///x', reward: parseEther('0.1'), ...terms });
  await assert.rejects(claimJob(solver, jobId, 1n), (e: unknown) => {
    assert.ok(e instanceof ChainError);
    assert.equal(e.errorName, 'WrongStake');
    assert.equal(e.message, `JobMarket.claimJob(${jobId}) reverted: WrongStake(expected=${terms.requiredStake}, sent=1)`);
    return true;
  });
  await assert.rejects(getJob(solver, 999n), /job 999 does not exist on JobMarket 0x[0-9a-fA-F]{40} \(jobs are 1\.\.\d+\)/);
  await assert.rejects(postJob(submitter, { params: { ...params(), numSteps: 0n }, specURI: '', reward: 1n, ...terms }), /reverted: ZeroSteps\(\)/);
});

test('hashInterval: the job record returns it; outside 1..4096 the client refuses and the market reverts BadHashInterval', async () => {
  const submitter = net.client('submitter');
  const { jobId } = await postJob(submitter, { params: { ...params(), hashInterval: 4096 }, specURI: 'file:///k', reward: 1n, ...terms });
  assert.equal((await getJob(submitter, jobId)).params.hashInterval, 4096);
  await assert.rejects(postJob(submitter, { params: { ...params(), hashInterval: 0 }, specURI: '', reward: 1n, ...terms }), /postJob: params\.hashInterval: expected an integer in \[1, 4096\], got 0/);
  // past the client's check, straight to the contract
  const raw = (k: number) => sendTx(submitter, submitter.market, 'postJob', [{ ...params(), hashInterval: k }, '', terms.requiredStake, terms.challengerBond, terms.claimWindow, terms.solveTime, terms.challengeWindow], 1n);
  await assert.rejects(raw(0), /reverted: BadHashInterval\(given=0, max=4096\)/);
  await assert.rejects(raw(4097), /reverted: BadHashInterval\(given=4097, max=4096\)/);
});

test('the event watcher delivers each event once per cursor and resumes from a saved cursor', async () => {
  const submitter = net.client('submitter');
  const cursor = memoryCursor(await submitter.provider.getBlockNumber() + 1);
  const w = new EventWatcher(submitter, { cursor, names: ['JobPosted'] });
  const p = params();
  const { jobId } = await postJob(submitter, { params: p, specURI: 'http://127.0.0.1:1/blob/x', reward: parseEther('0.1'), ...terms });
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

test('challenge locks exactly the bond and opens a dispute', async () => {
  const submitter = net.client('submitter'), solver = net.client('solver'), verifier = net.client('verifier');
  const { jobId } = await postJob(submitter, { params: params(), specURI: 'file:///x', reward: parseEther('0.1'), ...terms });
  await claimJob(solver, jobId, terms.requiredStake);
  await commitResult(solver, jobId, { stepsRoot: hash(), finalStateHash: hash(), finalModelHash: hash(), numSteps: 20n });
  await assert.rejects(challenge(verifier, jobId, 1n), new RegExp(`JobMarket\\.challenge\\(${jobId}\\) reverted: WrongBond\\(expected=${terms.challengerBond}, sent=1\\)`));
  const watcher = new EventWatcher(verifier, { cursor: memoryCursor((await verifier.provider.getBlockNumber()) + 1) });
  const { disputeId } = await challenge(verifier, jobId, terms.challengerBond);
  const seen = (await watcher.next()).events.map((e) => `${e.contract}.${e.name}`);
  assert.ok(seen.includes('JobMarket.ChallengeOpened') && seen.includes('DisputeGame.GameOpened'), `market and game events decoded: ${seen}`);
  const d = await getDispute(verifier, disputeId);
  assert.equal(d.status, 'Active');
  assert.equal(d.jobId, jobId);
  assert.equal(d.challenger, verifier.signer!.address);
  assert.equal(d.bond, terms.challengerBond);
  const job = await getJob(verifier, jobId);
  assert.equal(job.status, 'Challenged');
  assert.equal(job.openDisputes, 1);
  assert.equal(d.round, job.round);
  // a second challenger is not shut out: disputes run concurrently
  const { disputeId: second } = await challenge(net.client(5), jobId, terms.challengerBond);
  assert.equal((await getJob(verifier, jobId)).openDisputes, 2);
  assert.deepEqual((await activeDisputesOf(verifier, await getJob(verifier, jobId))).map((x) => x.disputeId), [disputeId, second]);
});

test('postJob refuses a stake that makes cheating pay, a dust bond, and steps or seeds >= 2^32', async () => {
  const submitter = net.client('submitter');
  const floors = await marketFloors(submitter, parseEther('1'));
  assert.equal(floors.minStake, parseEther('6'));
  assert.equal(floors.minBond, parseEther('0.01'));
  const oneEth = parseEther('1');
  const post = (p: object, t: object) => postJob(submitter, { params: { ...params(), ...p }, specURI: 'file:///x', reward: oneEth, ...terms, ...t });
  await assert.rejects(post({}, {}), /reverted: StakeBelowMinimum\(given=1000000000000000000, minimum=6000000000000000000\)/);
  await assert.rejects(post({}, { requiredStake: parseEther('6'), challengerBond: 216n }), /reverted: BondBelowFloor\(given=216, floor=10000000000000000\)/);
  await assert.rejects(post({ numSteps: 2n ** 32n + 1n }, { requiredStake: parseEther('6') }), /reverted: NumStepsTooLarge\(given=4294967297, max=4294967295\)/);
  await assert.rejects(post({ seed: 2n ** 32n }, { requiredStake: parseEther('6') }), /reverted: SeedTooLarge\(given=4294967296, max=4294967295\)/);
});

test('CLI: devnet up writes the devnet file, commands read it, devnet down stops everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'optrain-cli-devnet-'));
  const file = join(dir, 'devnet.json');
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/optrain.mjs'), ...args, '--devnet', file], { encoding: 'utf8' });
  try {
    const up = cli('devnet', 'up', '--forced-error-rate', '1/64', '--forced-finders', '3', '--json');
    assert.equal(up.status, 0, up.stderr);
    const printed = JSON.parse(up.stdout);
    cliDevnet = readDevnet(file);
    assert.equal(printed.rpcUrl, cliDevnet.rpcUrl);
    assert.deepEqual([printed.forcedErrorRate, cliDevnet.forcedFinders], [1024, 3], 'p = 1/64 is 1024 of 2^16');
    for (const [name, pid] of Object.entries(cliDevnet.pids)) assert.ok(isAlive(pid), `${name} running`);
    // Deployed by rollup-contracts/script/Deploy.s.sol: same wiring as the tests' ethers path.
    const cc = createClient({ rpcUrl: cliDevnet.rpcUrl, contracts: cliDevnet.contracts });
    try {
      assert.equal(await cc.market.getFunction('disputeGame')(), cliDevnet.contracts.disputeGame);
      assert.equal(cliDevnet.timeBank, 86_400);
      assert.equal(await cc.market.getFunction('FORCED_ERROR_RATE')(), 1024n, 'the forge script deployed the flag\'s rate');
      assert.equal(await cc.market.getFunction('FORCED_FINDERS')(), 3n);
      assert.deepEqual(cliDevnet.contracts, { ...net.info.contracts, oneStepProver: cliDevnet.contracts.oneStepProver }, 'same addresses as the ethers deployment (same deployer nonces)');
    } finally {
      cc.provider.destroy();
    }
    assert.ok((await fetch(`${cliDevnet.blobUrl}/health`)).ok, 'blob server answers');

    const badRate = cli('devnet', 'up', '--forced-error-rate', '1.5');
    assert.equal(badRate.status, 2, badRate.stderr);
    assert.equal(badRate.stderr, "optrain devnet up: --forced-error-rate: expected a fraction in [0, 1] (1/64, 0.5%, 0.015625) or a count of 2^16 in 2..65536 (1024), got '1.5' (a fraction above 1)\n");
    const again = cli('devnet', 'up');
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^optrain: error: a devnet is already running \(.*devnet\.json, anvil pid \d+\); run 'optrain devnet down' first\n$/);
    const status = cli('job', 'status', '7');
    assert.equal(status.status, 1);
    assert.match(status.stderr, /^optrain: error: job 7 does not exist on JobMarket 0x[0-9a-fA-F]{40} \(jobs are 1\.\.0\)\n$/);
    const submit = cli('job', 'submit', 'job.json');
    assert.equal(submit.status, 2);
    assert.match(submit.stderr, /^optrain job submit: --reward is required \(an amount in ETH, e\.g\. --reward 1\.5\)\n$/);
    const tiny = writeTinyJob(join(dir, 'tiny'), { steps: 2, name: 'tiny-terms' });
    const cheap = cli('job', 'submit', tiny, '--reward', '1');
    assert.equal(cheap.status, 1, cheap.stderr);
    assert.match(cheap.stderr, /^optrain: error: --stake 0\.1 ETH is below the market's minimum 6\.0 ETH for a reward of 1\.0 ETH: at its declared minimum sample rate of 25% .*raise --stake or lower --reward\n$/);
    const dust = cli('job', 'submit', tiny, '--reward', '0.01', '--bond', '0.000000000000000216');
    assert.equal(dust.status, 1, dust.stderr);
    assert.match(dust.stderr, /^optrain: error: --bond 0\.000000000000000216 ETH is below the market's floor 0\.01 ETH .*; raise --bond\n$/);
    const badTamper = cli('solver', 'start', '--tamper', 'kind=flip,step=1');
    assert.equal(badTamper.status, 2, 'a bad --tamper is a bad command line');
    assert.match(badTamper.stderr, /kind=flip needs op=\.\.\.; usage: kind=flip,step=S,op=O,elem=E,bit=B/);

    const down = cli('devnet', 'down', '--json');
    assert.equal(down.status, 0, down.stderr);
    assert.deepEqual(JSON.parse(down.stdout).stopped.sort(), ['anvil', 'blobServer', 'redis']);
    for (const [name, pid] of Object.entries(cliDevnet.pids)) assert.ok(!isAlive(pid), `${name} stopped`);
    assert.ok(!existsSync(file), 'devnet file removed');
    const gone = cli('job', 'status', '1');
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /devnet file not found: .*devnet\.json \(start one with `optrain devnet up`, or pass --devnet FILE\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Parties share nothing but the chain: `optrain solver start` and `optrain verifier start` run
// on two separate redis-servers. The solver announces where it serves a job's data on chain
// (DataAnnouncer; here behind a TCP proxy given as --public-url), the verifier finds it there,
// accepts only the job's solver's announcements and checks every byte against the commitment.
//  1. an honest job: checked by the verifier, finalized, paid to the wei;
//  2. a cheating solver: caught, the dispute (its data fetched from the solver's blob server
//     through /dispute/<id>) won on a one-step proof, the stake slashed, every wei accounted for.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { announcedData } from '../chain/actions/announce.ts';
import { disputesOfJob, getDispute } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { disputeSummary } from '../arbiter/dispute-summary.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { sendTx } from '../chain/client.ts';
import { writeDevnet } from '../chain/devnet.ts';
import { freePort } from '../chain/processes.ts';
import { redisClient } from '../jobs/queue.ts';
import { Faults, isJob, startRedisOn, stopProcess } from './helpers/faults.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';
import { assertSolvent, challengerWinSplit, logitsMatmul, REWARD, STAKE, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 120;
const DISPUTE_JOB = { steps: 8, checkpointInterval: 3, trainN: 256, name: 'separate-redis-dispute' };
const f = new Faults('separate-redis', TIME_BANK);
let verifierRedis: ChildProcess | undefined;
let verifierRedisUrl: string;
let verifierFile: string;
const proxies: TcpProxy[] = [];

before(async () => {
  const port = await freePort();
  verifierRedis = await startRedisOn(port, tmpdir());
  verifierRedisUrl = `redis://127.0.0.1:${port}`;
  await f.start();
  verifierFile = writeDevnet({ ...f.net.info, redisUrl: verifierRedisUrl }, join(f.dir, 'verifier-devnet.json'));
});
afterEach(() => f.procs.stopAll());
after(async () => {
  await f.procs.stopAll();
  for (const p of proxies) await p.down();
  await stopProcess(verifierRedis);
  await f.stop();
});

/** A solver whose blob server is reached through a proxy, the proxy's URL announced as --public-url. */
async function solverBehindProxy(name: string, account: number, extra: string[] = []) {
  const blobPort = await freePort();
  const proxy = await TcpProxy.start(blobPort);
  proxies.push(proxy);
  return { proxy, proc: f.solver(name, account, 'all', ['--blob-port', String(blobPort), '--public-url', proxy.url, ...extra]) };
}

function verifier(name: string, account: number) {
  return f.procs.start(name, ['verifier', 'start', '--devnet', verifierFile, '--account', String(account), '--data-dir', join(f.dir, `verifier-${account}`),
    '--poll-ms', '100', '--backend', 'reference', '--sample-rate', '1']);
}

/** Nothing of the solver's is in the verifier's Redis: keys it wrote name only the verifier's own things. */
async function verifierRedisHasNoSolverKeys(): Promise<void> {
  const r = redisClient(verifierRedisUrl);
  try {
    // job:N:replayed is the verifier's own record of what it replayed (a hash keyed by its address)
    const keys = (await r.keys('*')).filter((k) => !/:job:\d+:replayed$/.test(k));
    assert.deepEqual(keys.filter((k) => /:job:|:solver:|:run:|:dispute:|bull/.test(k)), [], 'the verifier\'s Redis holds no solver state');
  } finally {
    r.disconnect();
  }
}

test('honest job, solver and verifier on separate Redis servers: announced on chain, checked, finalized, paid to the wei', async () => {
  const [s, v] = [2, 3];
  const { proxy, proc: solver } = await solverBehindProxy('solver', s);
  const ver = verifier('verifier', v);
  await Promise.all([solver.until('solver-started'), ver.until('verifier-started')]);
  const before = await f.funds([s]);
  const jobId = await f.submit();
  await f.settles(solver, s, jobId, before, async () => {
    const checked = await ver.until('checked', isJob(jobId), 60_000);
    // 'checked' is logged only after the solver's published data was found and verified
    assert.ok(!checked.challenge && Number(checked.sampled) > 0 && Number(checked.replayedSteps) > 0, `checked from the solver's data, no fault: ${JSON.stringify(checked)}`);
    assert.ok(!ver.find('data-unavailable', isJob(jobId)), `the verifier found the data through the chain:\n${ver.tail()}`);
  });
  const a = await announcedData(f.net.client('submitter'), jobId, f.net.info.accounts[s].address);
  assert.equal(a?.uri, proxy.url, 'the public URL is what the solver announced');
  assert.match(a?.manifestHash ?? '', /^[0-9a-f]{64}$/);
  const other = await announcedData(f.net.client('submitter'), jobId, f.net.info.accounts[v].address);
  assert.equal(other, null, 'nobody else announced');
  await verifierRedisHasNoSolverKeys();
});

test('a cheating solver on its own Redis is caught by a verifier on another: bisected, one-step proof, slashed, every wei', async () => {
  const chain = f.net.client('submitter');
  const [s, v] = [4, 5];
  const tamper = `kind=flip,step=4,op=${logitsMatmul(tinyEngine(f.dir))},elem=10,bit=22`;
  const { proc: solver } = await solverBehindProxy('cheat', s, ['--tamper', tamper]);
  const ver = verifier('verifier-2', v);
  await Promise.all([solver.until('solver-started'), ver.until('verifier-started')]);
  const before = await f.funds([s, v]);
  const jobId = await f.submit(DISPUTE_JOB);
  const disputeId = await f.until(`a dispute over job ${jobId}`, async () => (await disputesOfJob(chain, jobId))[0] ?? null, 120_000);
  const d = await f.until(`dispute ${disputeId} to resolve`, async () => {
    const x = await getDispute(chain, disputeId);
    return x.status === 'Active' ? null : x;
  }, 180_000);
  assert.equal(d.status, 'ChallengerWon', f.procs.dump());
  assert.equal((await getGame(chain, disputeId)).reason, 'OneStep', 'won on the merits');
  const moves = (await disputeSummary(chain, disputeId)).moves.map((m) => m.move);
  assert.ok(moves.includes('pickElement') && moves.includes('pickAcc'), `the game went down to an element and an accumulation step: ${moves.join(', ')}`);
  assert.deepEqual(moves.filter((m) => /^(request|revealChildren|chooseChild|revealChunk)/.test(m)), [], 'no data sub-game: the dispute data came from the announced blob server');
  await f.until('the verifier to withdraw its winnings', async () => (await claimableOf(chain, f.net.info.accounts[v].address)) === 0n && ver.find('withdrew'));
  await sendTx(chain, chain.market, 'cancelJob', [jobId]);
  const split = challengerWinSplit(STAKE, before.totals.jackpot);
  assert.equal(await f.netChange(before, v), split.toChallenger + split.payout, 'verifier: 40% of the stake + jackpot payout (bond back)');
  assert.equal(await f.netChange(before, s), -STAKE, 'solver: loses its stake');
  assert.equal(await f.netChange(before, 1), -REWARD, 'submitter: reward escrowed, refunded on cancel (claimable)');
  const t = await assertSolvent(chain);
  assert.equal(t.jackpot, before.totals.jackpot + split.toJackpot - split.payout);
  assert.equal(t.burned, before.totals.burned + split.toBurn, 'half the stake burned');
  await verifierRedisHasNoSolverKeys();
});

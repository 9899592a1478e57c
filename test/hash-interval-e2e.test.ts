// The whole protocol with hashInterval K = 4 on a real anvil + redis-server: the solver service
// commits only every 4th state hash (10 steps: leaves H[0], H[4], H[8], H[10]; checkpoints every
// 3 steps, so most are inside an interval); the verifier bot samples leaves, replays intervals
// from those checkpoints, and plays the interval round of the game (pickStep(leaf) -> postMids ->
// pickMid) before the usual descent to one op. A lie inside an interval is slashed with every wei
// accounted for; a griefing verifier loses its bond to an honest solver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disputesOfJob, getDispute, getJob } from '../arbiter/chain/actions/get-job.ts';
import { getGame } from '../arbiter/chain/actions/dispute-game.ts';
import { claimableOf } from '../arbiter/chain/actions/withdraw.ts';
import { sendTx } from '../arbiter/chain/client.ts';
import { increaseTime } from '../arbiter/chain/devnet.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startSolver, type RunningSolver } from '../solver/start.ts';
import { startVerifier, type RunningVerifier } from '../verifier/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { assertSolvent, BOND, challengerWinSplit, logitsMatmul, netChange, REWARD, snapshotFunds, STAKE, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 120;
const WINDOW = 3600n;
let net: TestDevnet;
let dir: string;
let verifier: RunningVerifier;
const events: { event: string; fields: Record<string, unknown> }[] = [];
const log = (who: string) => (event: string, fields: Record<string, unknown>) => void events.push({ event, fields: { ...fields, who } });

before(async () => {
  net = await startTestDevnet({ timeBank: TIME_BANK });
  dir = mkdtempSync(join(tmpdir(), 'optrain-hash-interval-e2e-'));
  verifier = await startVerifier({
    net: net.info, privateKey: net.info.accounts[3].privateKey, dataDir: join(dir, 'verifier'), backend: referenceBackend,
    sampleRate: 1, pollMs: 100, nudgeMs: 200, dataGraceMs: 3000, log: log('verifier'),
  });
});
after(async () => {
  await verifier?.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function solverFor(account: number, name: string, tamper?: string): Promise<RunningSolver> {
  return startSolver({
    net: net.info, privateKey: net.info.accounts[account].privateKey, dataDir: join(dir, `solver-${name}`), backend: referenceBackend,
    tamper, queueSuffix: `${name}${process.pid}`, pollMs: 100, log: log(`solver-${name}`),
  });
}

const K = 4;
const STEPS = 10;

async function submit(name: string): Promise<bigint> {
  const jobFile = writeTinyJob(join(dir, `job-${name}`), { steps: STEPS, checkpointInterval: 3, hashInterval: K, name, trainN: 256 });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: REWARD, stake: STAKE, bond: BOND,
    claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW,
  });
  return sub.jobId;
}

/** waitFor, with the bots' latest events in the failure message. */
async function until<T>(what: string, f: () => Promise<T>, timeoutMs = 120_000): Promise<NonNullable<T>> {
  try {
    return await waitFor(what, f, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${recent()}`);
  }
}

const recent = () => events.slice(-12).map((e) => `${e.fields.who} ${e.event} ${JSON.stringify(e.fields, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`).join('\n');

/**
 * A solver with `tamper` takes a fresh job; the verifier must catch it, win, and withdraw. Checks
 * the dispute's outcome and every party's balance to the wei; `duringDispute` runs once the
 * dispute is open (e.g. to let a silent solver's clock run out).
 */
async function caught(account: number, name: string, tamper: string, reason: string, duringDispute?: (disputeId: bigint) => Promise<void>): Promise<bigint> {
  const chain = net.client('submitter');
  const [submitter, solverAddr, verifierAddr] = [net.info.accounts[1].address, net.info.accounts[account].address, verifier.address];
  const before = await snapshotFunds(chain, [submitter, solverAddr, verifierAddr]);
  const solver = await solverFor(account, name, tamper);
  try {
    const jobId = await submit(name);
    const disputeId = await until(`the verifier to challenge job ${jobId}`, async () => (await disputesOfJob(chain, jobId))[0] ?? null, 120_000);
    if (duringDispute) await duringDispute(disputeId);
    const d = await until(`dispute ${disputeId} to resolve`, async () => {
      const r = await getDispute(chain, disputeId);
      return r.status === 'Active' ? null : r;
    }, 120_000);
    assert.equal(d.status, 'ChallengerWon', recent());
    assert.equal((await getGame(chain, disputeId)).reason, reason);
    await until('the verifier to withdraw its winnings', async () => (await claimableOf(chain, verifierAddr)) === 0n && events.some((e) => e.event === 'withdrew' && e.fields.who === 'verifier'));
    await sendTx(chain, chain.market, 'cancelJob', [jobId]); // the reopened job must not tempt the next test's solver
    // every wei: the stake is split between the verifier and the jackpot, which pays out a share
    const split = challengerWinSplit(STAKE, before.totals.jackpot);
    assert.equal(await netChange(chain, before, verifierAddr), split.toChallenger + split.payout, 'verifier: 90% of the stake + jackpot payout (bond back)');
    assert.equal(await netChange(chain, before, solverAddr), -STAKE, 'solver: loses its stake');
    assert.equal(await netChange(chain, before, submitter), -REWARD, 'submitter: reward escrowed, refunded on cancel (claimable)');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + split.toJackpot - split.payout);
    assert.equal(t.totalClaimable, before.totals.totalClaimable + REWARD);
    assert.equal(t.totalEscrow, before.totals.totalEscrow);
    assert.equal(t.totalStakes, before.totals.totalStakes);
    assert.equal(t.totalBonds, before.totals.totalBonds);
    return disputeId;
  } finally {
    await solver.stop();
  }
}

test('kind=flip inside an interval: pickStep(leaf 2) -> postMids -> pickMid(transition 6) -> ... -> one-step, the solver is slashed', async () => {
  const disputeId = await caught(4, 'flip', `kind=flip,step=5,op=${logitsMatmul(tinyEngine(dir))},elem=10,bit=22`, 'OneStep');
  const chain = net.client('submitter');
  const job = await getJob(chain, (await getDispute(chain, disputeId)).jobId);
  assert.equal(job.params.hashInterval, K, 'the job was posted with the spec\'s hashInterval');
  const file = verifier.bot.disputes.load(disputeId)!;
  assert.equal(file.extra.disputed, 2, 'leaf 2 = H[8], interval (4, 8]');
  const moves = file.moves.map((m) => m.move);
  assert.deepEqual(moves.slice(0, 2), ['pickStep', 'pickMid']);
  assert.deepEqual(moves.slice(-3), ['pickElement', 'pickAcc', 'oneStep']);
  assert.equal(file.moves[1].note?.step, 6, 'the flipped transition');
  assert.equal((await getGame(chain, disputeId)).step, 6);
  const posted = events.find((e) => e.event === 'dispute-move' && e.fields.who === 'solver-flip' && e.fields.move === 'postMids');
  assert.equal(posted?.fields.mids, 3, 'the solver posted H[5], H[6], H[7]');
  const checked = verifier.bot.state.commits.find(([, e]) => e.disputeId === String(disputeId))![1];
  assert.deepEqual(checked.sampled, [0, 1, 2, 3], 'rate 1 samples every leaf');
});

test('kind=withhold with K = 4: refused checkpoint 3 -> the leaf of transition 4 is challenged; the solver cannot post its mids and loses on its clock', async () => {
  const disputeId = await caught(5, 'withhold', 'kind=withhold,step=5', 'Timeout', async (id) => {
    const chain = net.client('submitter');
    await until(`the game to wait for the withholding solver's mids`, async () => (await getGame(chain, id)).phase === 'AwaitMids', 60_000);
    await until('the solver to go silent', async () => events.some((e) => e.event === 'dispute-silent' && e.fields.who === 'solver-withhold'), 30_000);
    await increaseTime(chain.provider, TIME_BANK + 1);
  });
  const file = verifier.bot.disputes.load(disputeId)!;
  assert.deepEqual(file.moves.map((m) => m.move), ['pickStep', 'claimTimeout']);
  assert.equal(file.extra.disputed, 1, 'leaf 1 = (0, 4], which holds the transition after the withheld checkpoint 3');
});

test('kind=grief with K = 4: a griefing verifier disputes leaf 1, picks a mid it wrongly disagrees with, and loses its bond', async () => {
  const chain = net.client('submitter');
  const [solverAddr, griefAddr] = [net.info.accounts[2].address, net.info.accounts[0].address];
  const before = await snapshotFunds(chain, [solverAddr, griefAddr]);
  const solver = await solverFor(2, 'honest');
  const griefer = await startVerifier({
    net: net.info, privateKey: net.info.accounts[0].privateKey, dataDir: join(dir, 'griefer'), backend: referenceBackend,
    tamper: 'kind=grief', pollMs: 100, nudgeMs: 200, log: log('griefer'),
  });
  try {
    const jobId = await submit('grief');
    const disputeId = await until('the griefer to challenge', async () => (await disputesOfJob(chain, jobId))[0] ?? null, 120_000);
    const d = await until(`dispute ${disputeId} to resolve`, async () => {
      const r = await getDispute(chain, disputeId);
      return r.status === 'Active' ? null : r;
    }, 120_000);
    assert.equal(d.status, 'SolverWon', recent());
    const g = await getGame(chain, disputeId);
    assert.equal(g.reason, 'OneStep');
    assert.equal(g.step, 1, 'pickMid named the first transition of leaf 1\'s interval (0, 4]');
    const moves = griefer.bot.disputes.load(disputeId)!.moves.map((m) => m.move);
    assert.deepEqual(moves.slice(0, 2), ['pickStep', 'pickMid']);
    await until('the honest verifier to check the job', async () => verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))?.[1].status === 'verified');
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await until('finalization and the solver\'s withdrawal', async () => (await getJob(chain, jobId)).status === 'Finalized' && (await claimableOf(chain, solverAddr)) === 0n);
    const fee = (REWARD * 200n) / 10_000n, bondToJackpot = (BOND * 1_000n) / 10_000n;
    assert.equal(await netChange(chain, before, griefAddr), -BOND, 'griefer: loses its bond');
    assert.equal(await netChange(chain, before, solverAddr), REWARD - fee + BOND - bondToJackpot, 'solver: reward - fee + 90% of the bond');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + fee + bondToJackpot);
    assert.equal(griefer.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1].status, 'lost');
    const honest = verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1];
    assert.equal(honest.replayedSteps, STEPS, 'the honest verifier replayed every transition once');
  } finally {
    await griefer.stop();
    await solver.stop();
  }
});

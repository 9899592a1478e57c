// The whole protocol with hashInterval K = 4 on a real anvil + redis-server: the solver service
// commits only every 4th state hash (10 steps: leaves H[0], H[4], H[8], H[10]; checkpoints every
// 3 steps, so most are inside an interval); the verifier bot samples leaves, replays intervals
// from those checkpoints, and plays the interval round of the game (pickStep(leaf) -> postMids ->
// pickMid) before the usual descent to one op. A lie inside an interval is slashed with every wei
// accounted for (also when the solver publishes nothing: the verifier replays the job and descends
// the steps tree); a griefing verifier loses its bond to an honest solver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getDispute, getJob } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { increaseTime } from '../chain/devnet.ts';
import { BotsE2E, WINDOW } from './helpers/bots-e2e.ts';
import { assertSolvent, BOND, logitsMatmul, netChange, REWARD, snapshotFunds, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 120;
const K = 4;
const STEPS = 10;
const h = new BotsE2E({ name: 'hash-interval-e2e', timeBank: TIME_BANK, job: { steps: STEPS, checkpointInterval: 3, hashInterval: K } });
before(() => h.start());
after(() => h.stop());

test('kind=flip inside an interval: pickStep(leaf 2) -> postMids -> pickMid(transition 6) -> ... -> one-step, the solver is slashed', async () => {
  const disputeId = await h.caught(4, 'flip', `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`, 'OneStep');
  const chain = h.net.client('submitter');
  const job = await getJob(chain, (await getDispute(chain, disputeId)).jobId);
  assert.equal(job.params.hashInterval, K, 'the job was posted with the spec\'s hashInterval');
  const file = h.verifier.bot.disputes.load(disputeId)!;
  assert.equal(file.extra.disputed, 2, 'leaf 2 = H[8], interval (4, 8]');
  const moves = file.moves.map((m) => m.move);
  assert.deepEqual(moves.slice(0, 2), ['pickStep', 'pickMid']);
  assert.deepEqual(moves.slice(-3), ['pickElement', 'pickAcc', 'oneStep']);
  assert.equal(file.moves[1].note?.step, 6, 'the flipped transition');
  assert.equal((await getGame(chain, disputeId)).step, 6);
  const posted = h.events.find((e) => e.event === 'dispute-move' && e.fields.who === 'solver-flip' && e.fields.move === 'postMids');
  assert.equal(posted?.fields.mids, 3, 'the solver posted H[5], H[6], H[7]');
  const checked = h.verifier.bot.state.commits.find(([, e]) => e.disputeId === String(disputeId))![1];
  assert.deepEqual(checked.sampled, [0, 1, 2, 3], 'rate 1 samples every leaf');
});

test('kind=flip,publish=none with K = 4: own replay, steps-tree descent to leaf 2, then postMids / pickMid from the verifier\'s own states; the solver is slashed', async () => {
  const disputeId = await h.caught(6, 'flipnone', `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22,publish=none`, 'OneStep');
  const file = h.verifier.bot.disputes.load(disputeId)!;
  assert.equal(file.extra.mode, 'replay');
  const moves = file.moves.map((m) => m.move);
  assert.deepEqual(moves.slice(0, 5), ['requestStepsTree', 'chooseChild', 'chooseChild', 'pickStep', 'pickMid'], moves.join(','));
  assert.equal(file.moves[3].note?.leaf, 2, 'leaf 2 = H[8], interval (4, 8]');
  assert.equal(file.moves[4].note?.step, 6, 'the flipped transition');
  assert.equal(moves.at(-1), 'oneStep');
  const entry = h.verifier.bot.state.commits.find(([, e]) => e.disputeId === String(disputeId))![1];
  assert.equal(entry.replayedSteps, STEPS, 'the verifier replayed the whole job');
});

test('kind=withhold with K = 4: refused checkpoint 3 -> the leaf of transition 4 is challenged; the solver cannot post its mids and loses on its clock', async () => {
  const disputeId = await h.caught(5, 'withhold', 'kind=withhold,step=5', 'Timeout', async (id) => {
    const chain = h.net.client('submitter');
    await h.until(`the game to wait for the withholding solver's mids`, async () => (await getGame(chain, id)).phase === 'AwaitMids', 60_000);
    await h.until('the solver to go silent', async () => h.events.some((e) => e.event === 'dispute-silent' && e.fields.who === 'solver-withhold'), 30_000);
    await increaseTime(chain.provider, TIME_BANK + 1);
  });
  const file = h.verifier.bot.disputes.load(disputeId)!;
  assert.deepEqual(file.moves.map((m) => m.move), ['pickStep', 'claimTimeout']);
  assert.equal(file.extra.disputed, 1, 'leaf 1 = (0, 4], which holds the transition after the withheld checkpoint 3');
});

test('kind=grief with K = 4: a griefing verifier disputes leaf 1, picks a mid it wrongly disagrees with, and loses its bond', async () => {
  const chain = h.net.client('submitter');
  const [solverAddr, griefAddr] = [h.net.info.accounts[2].address, h.net.info.accounts[0].address];
  const before = await snapshotFunds(chain, [solverAddr, griefAddr]);
  const solver = await h.solverFor(2, 'honest');
  const griefer = await h.startGriefer(0);
  try {
    const jobId = await h.submit('grief');
    const disputeId = await h.disputeOf(jobId, 'the griefer');
    const d = await h.resolved(disputeId);
    assert.equal(d.status, 'SolverWon', h.recent());
    const g = await getGame(chain, disputeId);
    assert.equal(g.reason, 'OneStep');
    assert.equal(g.step, 1, 'pickMid named the first transition of leaf 1\'s interval (0, 4]');
    const moves = griefer.bot.disputes.load(disputeId)!.moves.map((m) => m.move);
    assert.deepEqual(moves.slice(0, 2), ['pickStep', 'pickMid']);
    await h.until('the honest verifier to check the job', async () => h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))?.[1].status === 'verified');
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await h.until('finalization and the solver\'s withdrawal', async () => (await getJob(chain, jobId)).status === 'Finalized' && (await claimableOf(chain, solverAddr)) === 0n);
    const fee = (REWARD * 200n) / 10_000n, bondToJackpot = (BOND * 1_000n) / 10_000n;
    assert.equal(await netChange(chain, before, griefAddr), -BOND, 'griefer: loses its bond');
    assert.equal(await netChange(chain, before, solverAddr), REWARD - fee + BOND - bondToJackpot, 'solver: reward - fee + 90% of the bond');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + fee + bondToJackpot);
    assert.equal(griefer.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1].status, 'lost');
    const honest = h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1];
    assert.equal(honest.replayedSteps, STEPS, 'the honest verifier replayed every transition once');
  } finally {
    await griefer.stop();
    await solver.stop();
  }
});

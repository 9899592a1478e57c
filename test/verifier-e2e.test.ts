// The whole protocol on a real anvil + redis-server: a tampering solver (solver service, BullMQ
// worker, blob server, arbiter defender) against the verifier bot (sampling, replay from the
// solver's checkpoints, challenge, arbiter challenger, withdrawal). Every solver tamper kind is
// caught, the dispute is won on chain, the solver's stake is slashed and every wei is accounted
// for; a griefing verifier loses its bond to an honest solver. One devnet, one kind at a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getJob } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { increaseTime } from '../chain/devnet.ts';
import { BotsE2E, WINDOW } from './helpers/bots-e2e.ts';
import { assertSolvent, BOND, logitsMatmul, netChange, REWARD, snapshotFunds, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 120;
const h = new BotsE2E({ name: 'verifier-e2e', timeBank: TIME_BANK, job: { steps: 8, checkpointInterval: 3 } });
before(() => h.start());
after(() => h.stop());

test('kind=flip: a flipped matmul element is bisected down to one multiply-add and slashed', async () => {
  const file = h.verifier.bot.disputes.load(await h.caught(4, 'flip', `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`, 'OneStep'))!;
  assert.deepEqual(file.moves.map((m) => m.move).slice(-3), ['pickElement', 'pickAcc', 'oneStep']);
  assert.equal(file.extra.disputed, 6);
});

test('kind=skip: the state after step S is the state before it; a copy node is caught', async () => {
  const disputeId = await h.caught(5, 'skip', 'kind=skip,step=2', 'OneStep');
  assert.equal(h.verifier.bot.disputes.load(disputeId)!.extra.disputed, 3);
});

test('kind=lr: a scaled learning rate is caught at the scale node', async () => {
  const disputeId = await h.caught(6, 'lr', 'kind=lr,scale=1.5,from=6', 'OneStep');
  assert.equal(h.verifier.bot.disputes.load(disputeId)!.extra.disputed, 7);
});

test('kind=batch: training on another batch is caught at the batch op', async () => {
  const disputeId = await h.caught(7, 'batch', 'kind=batch,step=0', 'OneStep');
  assert.equal(h.verifier.bot.disputes.load(disputeId)!.extra.disputed, 1);
});

test('kind=final: a committed model hash that is not the last state loses at revealFinal', async () => {
  const disputeId = await h.caught(8, 'final', 'kind=final', 'FinalModelMismatch');
  const file = h.verifier.bot.disputes.load(disputeId)!;
  assert.deepEqual(file.moves.map((m) => m.move), [], 'the solver\'s first move lost the game');
  assert.deepEqual(file.outcome, { challengerWon: true, reason: 'FinalModelMismatch', won: true });
});

test('kind=withhold: refused checkpoint -> data availability challenge; the silent solver loses on its clock', async () => {
  const disputeId = await h.caught(9, 'withhold', 'kind=withhold,step=7', 'Timeout', async (id) => {
    const chain = h.net.client('submitter');
    await h.until(`the game to wait for the withholding solver's trace`, async () => (await getGame(chain, id)).phase === 'AwaitTrace', 60_000);
    await h.until('the solver to go silent', async () => h.events.some((e) => e.event === 'dispute-silent' && e.fields.who === 'solver-withhold'), 30_000);
    await increaseTime(chain.provider, TIME_BANK + 1);
  });
  const file = h.verifier.bot.disputes.load(disputeId)!;
  assert.deepEqual(file.moves.map((m) => m.move), ['pickStep', 'claimTimeout']);
  assert.equal(file.extra.disputed, 7, 'the first transition after the withheld checkpoint 6');
});

test('kind=grief: a griefing verifier challenges an honest result with false claims; the solver wins its bond', async () => {
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
    assert.equal((await getGame(chain, disputeId)).reason, 'OneStep');
    assert.equal(d.challenger.toLowerCase(), griefAddr.toLowerCase());
    // the honest verifier (waiting while someone else's dispute ran) replays it too and finds nothing
    await h.until('the honest verifier to check the job', async () => h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))?.[1].status === 'verified');
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await h.until('finalization and the solver\'s withdrawal', async () => (await getJob(chain, jobId)).status === 'Finalized' && (await claimableOf(chain, solverAddr)) === 0n);
    const fee = (REWARD * 200n) / 10_000n, bondToJackpot = (BOND * 1_000n) / 10_000n;
    assert.equal(await netChange(chain, before, griefAddr), -BOND, 'griefer: loses its bond');
    assert.equal(await netChange(chain, before, solverAddr), REWARD - fee + BOND - bondToJackpot, 'solver: reward - fee + 90% of the bond');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + fee + bondToJackpot);
    const entry = griefer.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1];
    assert.equal(entry.status, 'lost');
    const honest = h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1];
    assert.equal(honest.replayedSteps, 8, 'the honest verifier replayed every transition');
  } finally {
    await griefer.stop();
    await solver.stop();
  }
});

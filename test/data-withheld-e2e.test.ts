// Issue 9, defect 1: a solver that hides its result data must not go unchallenged. On a real
// anvil + redis-server, a solver flips one bit and then publishes nothing (no blob server, no
// result manifest, no dispute data), or a manifest whose hashes do not rebuild the committed
// stepsRoot. The verifier replays the whole job itself, finds its own stepsRoot differs,
// challenges, makes the solver reveal stepsRoot on chain down to the first wrong leaf
// (requestStepsTree / revealChildren / chooseChild), picks it with proofs made of the revealed
// siblings and its own hashes, and wins at the one-step: slashed, every wei accounted for. An
// honest solver that publishes nothing is replayed, found right, and paid (no bond is risked). A
// verifier that sees the commitment late in the window challenges before its replay is done.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { disputesOfJob, getJob } from '../chain/actions/get-job.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { increaseTime } from '../chain/devnet.ts';
import { BotsE2E, WINDOW } from './helpers/bots-e2e.ts';
import { join } from 'node:path';
import { sendTx } from '../chain/client.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startVerifier, type RunningVerifier } from '../verifier/start.ts';
import { assertSolvent, challengerWinSplit, logitsMatmul, netChange, REWARD, snapshotFunds, STAKE, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 120;
const STEPS = 8; // leaves H[0..8]: a steps tree of depth 4
const h = new BotsE2E({ name: 'data-withheld-e2e', timeBank: TIME_BANK, job: { steps: STEPS, checkpointInterval: 3 } });
before(() => h.start());
after(() => h.stop());

const flip = () => `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`;

/** The verifier's replay-mode dispute: the descent, the leaf it reached, and the gas it cost both sides. */
function checkDescent(disputeId: bigint, solverName: string): void {
  const file = h.verifier.bot.disputes.load(disputeId)!;
  const moves = file.moves.map((m) => m.move);
  assert.equal(file.extra.mode, 'replay');
  assert.deepEqual(moves.slice(0, 6), ['requestStepsTree', 'chooseChild', 'chooseChild', 'chooseChild', 'chooseChild', 'pickStep'], moves.join(','));
  assert.equal(file.moves[5].note?.leaf, 6, 'the first wrong leaf: H[6], after the flipped step 5');
  assert.equal(moves.at(-1), 'oneStep');
  const reveals = h.events.filter((e) => e.event === 'dispute-move' && e.fields.who === `solver-${solverName}` && e.fields.move === 'revealChildren' && e.fields.target === 4);
  assert.equal(reveals.length, 4, 'the solver revealed one node per level of the steps tree');
  const gas = (xs: (string | bigint | unknown)[]) => xs.reduce<bigint>((a, x) => a + BigInt(x as bigint), 0n);
  const challengerGas = gas(file.moves.slice(0, 5).map((m) => m.gasUsed));
  const solverGas = gas(reveals.map((e) => e.fields.gasUsed));
  console.log(`# steps-tree descent over ${STEPS + 1} leaves: challenger ${challengerGas} gas (request + 4 chooseChild), solver ${solverGas} gas (4 revealChildren), pickStep ${file.moves[5].gasUsed}`);
}

test('kind=flip,publish=none: no blob server, no manifest, no dispute data -> own replay, steps-tree descent, the solver is slashed', async () => {
  const disputeId = await h.caught(4, 'flipnone', `${flip()},publish=none`, 'OneStep');
  checkDescent(disputeId, 'flipnone');
  const entry = h.verifier.bot.state.commits.find(([, e]) => e.disputeId === String(disputeId))![1];
  assert.match(entry.dataError ?? '', /published no blob server/);
  assert.equal(entry.replayedSteps, STEPS, 'the verifier replayed the whole job');
  console.log(`# own replay of the tiny job (${STEPS} steps): ${entry.replayMs} ms`);
});

test('kind=flip,publish=wrong: a manifest that does not rebuild stepsRoot -> own replay, steps-tree descent, the solver is slashed', async () => {
  const disputeId = await h.caught(5, 'flipwrong', `${flip()},publish=wrong`, 'OneStep');
  checkDescent(disputeId, 'flipwrong');
  const entry = h.verifier.bot.state.commits.find(([, e]) => e.disputeId === String(disputeId))![1];
  assert.match(entry.dataError ?? '', /state hashes rebuild stepsRoot 0x[0-9a-f]{64}, the chain has/);
});

test('kind=honest,publish=none: an honest solver that publishes nothing is replayed, not challenged, and paid', async () => {
  const chain = h.net.client('submitter');
  const [solverAddr, verifierAddr] = [h.net.info.accounts[6].address, h.verifier.address];
  const before = await snapshotFunds(chain, [solverAddr, verifierAddr]);
  const solver = await h.solverFor(6, 'silent', 'kind=honest,publish=none');
  try {
    const jobId = await h.submit('silent');
    const entry = await h.until('the verifier to verify the silent solver by replay', async () => {
      const e = h.verifier.bot.state.commits.find(([, c]) => c.jobId === String(jobId))?.[1];
      assert.notEqual(e?.status, 'challenged', h.recent());
      assert.notEqual(e?.status, 'skipped', h.recent());
      return e?.status === 'verified' ? e : null;
    });
    assert.match(entry.reason ?? '', /published no blob server.*own replay of all 8 steps .* rebuilds stepsRoot and finalModelHash/);
    assert.equal(entry.replayedSteps, STEPS);
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await h.until('finalization and the solver\'s withdrawal', async () => (await getJob(chain, jobId)).status === 'Finalized' && (await claimableOf(chain, solverAddr)) === 0n);
    assert.deepEqual(await disputesOfJob(chain, jobId), [], 'nobody challenged');
    const fee = (REWARD * 200n) / 10_000n;
    assert.equal(await netChange(chain, before, solverAddr), REWARD - fee, 'solver: the reward minus the fee (stake back)');
    assert.equal(await netChange(chain, before, verifierAddr), 0n, 'verifier: no bond risked');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + fee);
    assert.equal(t.totalBonds, before.totals.totalBonds);
  } finally {
    await solver.stop();
  }
});

test('deadline: a verifier that first sees the commitment with < max(30 s, 20% of the window) left challenges before its replay has finished, finishes it in the dispute and wins', async () => {
  await h.verifier.stop(); // the last test: the harness's verifier would catch this one early in the window
  const chain = h.net.client('submitter');
  const [submitter, solverAddr, lateAddr] = [h.net.info.accounts[1].address, h.net.info.accounts[7].address, h.net.info.accounts[8].address];
  const before = await snapshotFunds(chain, [submitter, solverAddr, lateAddr]);
  const solver = await h.solverFor(7, 'late', `${flip()},publish=none`);
  let late: RunningVerifier | undefined;
  try {
    const jobId = await h.submit('late');
    await h.until('the solver to commit', async () => (await getJob(chain, jobId)).status === 'Committed');
    await increaseTime(chain.provider, Number(WINDOW) - 300);
    late = await startVerifier({
      net: h.net.info, privateKey: h.net.info.accounts[8].privateKey, dataDir: join(h.dir, 'late-verifier'), backend: referenceBackend,
      sampleRate: 1, pollMs: 100, nudgeMs: 200, dataGraceMs: 3000, log: h.log('late'),
    });
    const disputeId = await h.disputeOf(jobId, 'the late verifier');
    const d = await h.resolved(disputeId);
    assert.equal(d.status, 'ChallengerWon', h.recent());
    assert.equal(d.challenger.toLowerCase(), lateAddr.toLowerCase());
    const challenged = h.events.find((e) => e.event === 'challenged' && e.fields.who === 'late');
    assert.match(String(challenged?.fields.reason), /own replay unfinished \(\d+\/8 steps\) with \d+ s of the window left/);
    assert.ok(h.events.some((e) => e.event === 'replayed' && e.fields.who === 'late' && e.fields.disputeId === String(disputeId) && e.fields.agrees === false), 'the replay finished during the dispute');
    assert.deepEqual(late.bot.disputes.load(disputeId)!.moves.map((m) => m.move).slice(0, 6), ['requestStepsTree', 'chooseChild', 'chooseChild', 'chooseChild', 'chooseChild', 'pickStep']);
    await h.until('the late verifier to withdraw', async () => (await claimableOf(chain, lateAddr)) === 0n && h.events.some((e) => e.event === 'withdrew' && e.fields.who === 'late'));
    await sendTx(chain, chain.market, 'cancelJob', [jobId]);
    const split = challengerWinSplit(STAKE, before.totals.jackpot);
    assert.equal(await netChange(chain, before, lateAddr), split.toChallenger + split.payout, 'late verifier: 40% of the stake + jackpot payout (bond back)');
    assert.equal(await netChange(chain, before, solverAddr), -STAKE, 'solver: loses its stake');
    assert.equal(await netChange(chain, before, submitter), -REWARD, 'submitter: reward escrowed, refunded on cancel (claimable)');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + split.toJackpot - split.payout);
    assert.equal(t.totalClaimable, before.totals.totalClaimable + REWARD);
    assert.equal(t.totalStakes, before.totals.totalStakes);
    assert.equal(t.totalBonds, before.totals.totalBonds);
  } finally {
    await late?.stop();
    await solver.stop();
  }
});

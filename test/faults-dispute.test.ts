// kill -9 in the middle of a dispute, on real processes (`optrain solver start` / `optrain
// verifier start` as child processes, a real anvil + redis-server, time banks of 120 s that keep
// running while a side is down): the SIGKILLed side is restarted on the same data dir, picks the
// game up from chain state plus its dispute file, and wins on the merits (a one-step proof, not
// a timeout) before its clock runs out; every wei is checked.
//  - the verifier, against a cheating solver (one flipped float in step 4);
//  - an honest solver, against a griefing verifier (false claims about its honest result).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { disputesOfJob, getDispute, getJob } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { sendTx } from '../chain/client.ts';
import { increaseTime } from '../chain/devnet.ts';
import { disputeSummary } from '../arbiter/dispute-summary.ts';
import { moverOf, type GameState } from '../chain/game-state.ts';
import type { CliProc } from './helpers/cli-procs.ts';
import { Faults, WINDOW } from './helpers/faults.ts';
import { assertSolvent, challengerWinSplit, logitsMatmul, REWARD, STAKE, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 120;
const DISPUTE_JOB = { steps: 8, checkpointInterval: 3, trainN: 256, name: 'fault-dispute' };
const f = new Faults('faults-dispute', TIME_BANK);
before(() => f.start());
after(() => f.stop());
afterEach(() => f.procs.stopAll()); // a failed test leaves no role running into the next one

/**
 * SIGKILL `victim` mid-game (a few moves made), then let the other side move until it is the
 * victim's turn: the game must then stand still (its clock running) until the victim is back.
 */
async function killMidGame(jobId: bigint, side: 'solver' | 'challenger', victim: CliProc): Promise<{ disputeId: bigint; frozen: GameState }> {
  const chain = f.net.client('submitter');
  const disputeId = await f.until(`a dispute over job ${jobId}`, async () => (await disputesOfJob(chain, jobId))[0] ?? null, 120_000);
  await f.until('the game under way', async () => (await disputeSummary(chain, disputeId)).moves.length >= 3, 90_000);
  await victim.kill('SIGKILL');
  const frozen = await f.until(`the ${side}'s turn`, async () => {
    const g = await getGame(chain, disputeId);
    assert.notEqual(g.phase, 'Resolved', 'killed mid-game');
    return moverOf(g.phase) === side ? g : null;
  }, 30_000);
  await new Promise((r) => setTimeout(r, 2_000)); // two blocks
  const still = await getGame(chain, disputeId);
  assert.deepEqual([still.phase, still.turnStartedAt], [frozen.phase, frozen.turnStartedAt], 'nobody moves while the side to move is down');
  return { disputeId, frozen };
}

async function resolved(disputeId: bigint) {
  return f.until(`dispute ${disputeId} to resolve`, async () => {
    const d = await getDispute(f.net.client('submitter'), disputeId);
    return d.status === 'Active' ? null : d;
  }, 120_000);
}

test('verifier kill -9 mid-dispute, restarted on its data dir: it resumes and wins before its clock runs out', async () => {
  const chain = f.net.client('submitter');
  const [s, v] = [4, 5];
  const tamper = `kind=flip,step=4,op=${logitsMatmul(tinyEngine(f.dir))},elem=10,bit=22`;
  const solver = f.solver('cheat', s, 'all', ['--tamper', tamper]);
  let verifier = f.verifier('verifier', v, ['--sample-rate', '1']);
  await Promise.all([solver.until('solver-started'), verifier.until('verifier-started')]);
  const before = await f.funds([s, v]);
  const jobId = await f.submit(DISPUTE_JOB);
  const { disputeId, frozen } = await killMidGame(jobId, 'challenger', verifier);
  verifier = f.verifier('verifier-again', v, ['--sample-rate', '1']);
  const d = await resolved(disputeId);
  const game = await getGame(chain, disputeId);
  assert.equal(d.status, 'ChallengerWon', f.procs.dump());
  assert.equal(game.reason, 'OneStep', 'won on the merits, not on time');
  console.log(`# verifier killed in ${frozen.phase} with ${frozen.challengerBank} s on its clock; won with ${game.challengerBank} s left`);
  await f.until('the verifier to withdraw its winnings', async () => (await claimableOf(chain, f.net.info.accounts[v].address)) === 0n && verifier.find('withdrew'));
  await sendTx(chain, chain.market, 'cancelJob', [jobId]); // the reopened job goes back to the submitter
  const split = challengerWinSplit(STAKE, before.totals.jackpot);
  assert.equal(await f.netChange(before, v), split.toChallenger + split.payout, 'verifier: 40% of the stake + jackpot payout (bond back)');
  assert.equal(await f.netChange(before, s), -STAKE, 'solver: loses its stake');
  assert.equal(await f.netChange(before, 1), -REWARD, 'submitter: reward escrowed, refunded on cancel (claimable)');
  const t = await assertSolvent(chain);
  assert.equal(t.jackpot, before.totals.jackpot + split.toJackpot - split.payout);
  assert.equal(t.burned, before.totals.burned + split.toBurn, 'half the stake burned');
  assert.equal(t.totalClaimable, before.totals.totalClaimable + REWARD);
  for (const k of ['totalEscrow', 'totalStakes', 'totalBonds'] as const) assert.equal(t[k], before.totals[k], k);
  assert.equal(verifier.other, '', 'no stack traces');
  await Promise.all([solver.kill('SIGTERM'), verifier.kill('SIGTERM')]);
});

test('solver kill -9 mid-dispute, restarted on its data dir: it resumes and defends its honest result before its clock runs out', async () => {
  const chain = f.net.client('submitter');
  const [s, g] = [6, 7];
  let solver = f.solver('honest', s, 'all');
  const griefer = f.verifier('griefer', g, ['--tamper', 'kind=grief']);
  await Promise.all([solver.until('solver-started'), griefer.until('verifier-started')]);
  const before = await f.funds([s, g]);
  const jobId = await f.submit(DISPUTE_JOB);
  const { disputeId, frozen } = await killMidGame(jobId, 'solver', solver);
  solver = f.solver('honest-again', s, 'all');
  const d = await resolved(disputeId);
  const game = await getGame(chain, disputeId);
  assert.equal(d.status, 'SolverWon', f.procs.dump());
  assert.equal(game.reason, 'OneStep', 'won on the merits, not on time');
  console.log(`# solver killed in ${frozen.phase} with ${frozen.solverBank} s on its clock; won with ${game.solverBank} s left`);
  await increaseTime(chain.provider, Number(WINDOW) + 1);
  await f.until('finalization and the solver\'s withdrawal', async () => (await getJob(chain, jobId)).status === 'Finalized' && (await claimableOf(chain, f.net.info.accounts[s].address)) === 0n);
  const disputes = await disputesOfJob(chain, jobId);
  assert.equal(disputes.length, 1, `one dispute, not ${disputes.join(', ')}:\n${f.procs.dump()}`);
  await f.grieferPaidTheSolver(before, g, s);
  assert.equal(solver.other, '', 'no stack traces');
  await Promise.all([solver.kill('SIGTERM'), griefer.kill('SIGTERM')]);
});

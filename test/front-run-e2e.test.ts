// Issue 9, defect 3 end to end: a cheating solver's accomplice challenges its wrong result first
// (before, the honest verifier's `challenge` then reverted and the verifier that did the work got
// nothing). Now both disputes run; the accomplice's game is won first (the solver stays silent,
// so it times out), and the honest verifier bot's dispute is a co-winner: it is paid its bond and
// an equal share, and the solver still loses its whole stake, half of it burned. Every wei checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { challenge } from '../chain/actions/challenge.ts';
import { disputesOfJob, getDispute, getJob } from '../chain/actions/get-job.ts';
import { join } from 'node:path';
import { increaseTime } from '../chain/devnet.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startVerifier } from '../verifier/start.ts';
import { startSolver } from '../solver/start.ts';
import { Wallet } from 'ethers';
import { getGame, sendMove } from '../chain/actions/dispute-game.ts';
import { findEvent } from '../chain/actions/receipt-events.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { BotsE2E } from './helpers/bots-e2e.ts';
import { assertSolvent, BOND, challengerWinSplit, logitsMatmul, netChange, snapshotFunds, STAKE, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 600;
const h = new BotsE2E({ name: 'front-run-e2e', timeBank: TIME_BANK, job: { steps: 8, checkpointInterval: 3 } });
before(() => h.start());
after(() => h.stop());

test("an accomplice's earlier challenge does not leave the honest verifier unpaid", { timeout: 240_000 }, async () => {
  const chain = h.net.client('submitter');
  const accomplice = h.net.client(5);
  const [solverAddr, accompliceAddr, verifierAddr] = [h.net.info.accounts[4].address, h.net.info.accounts[5].address, h.verifier.address];
  // the honest verifier is off until the accomplice has challenged (it front-runs it): then it
  // starts, 30 s of chain time later, checks the commitment and challenges too
  await h.verifier.stop();
  const before = await snapshotFunds(chain, [solverAddr, accompliceAddr, verifierAddr]);
  const solver = await h.solverFor(4, 'fr', `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`);
  const jobId = await h.submit('fr');
  // the solver commits its wrong result, then stays silent: it will lose whichever game ends first
  await h.until('the cheating solver to commit', async () => ['Committed', 'Challenged'].includes((await getJob(chain, jobId)).status) || null);
  await solver.stop();
  const { disputeId: rigged } = await challenge(accomplice, jobId, BOND);
  await increaseTime(chain.provider, 30);
  h.verifier = await startVerifier({
    net: h.net.info, privateKey: h.net.info.accounts[3].privateKey, dataDir: join(h.dir, 'verifier-late'), backend: referenceBackend,
    sampleRate: 1, pollMs: 100, nudgeMs: 200, log: h.log('verifier'),
  });
  const ids = await h.until('the honest verifier to challenge too', async () => {
    const all = await disputesOfJob(chain, jobId);
    return all.length >= 2 ? all : null;
  });
  const honest = ids.find((id) => id !== rigged)!;
  assert.equal((await getDispute(chain, honest)).challenger, verifierAddr, 'the second dispute is the verifier bot\'s');
  assert.equal((await getJob(chain, jobId)).openDisputes, 2, 'both disputes run side by side');

  // the solver's clock runs out in the accomplice's game first (it opened first): its accomplice
  // claims that timeout in the first block past the deadline, before the verifier's game can end
  const deadline = async (id: bigint) => { const g = await getGame(chain, id); return g.turnStartedAt + g.solverBank; };
  const [d1, d2] = [await deadline(rigged), await deadline(honest)];
  assert.ok(d1 + 30 <= d2, `the accomplice's game times out first (${d1} + 30 <= ${d2})`);
  await chain.provider.send('evm_setNextBlockTimestamp', [d1 + 1]);
  const won = await sendMove(accomplice, 'claimTimeout', rigged, []);
  const slashed = findEvent(chain, won, 'SolverSlashed');
  assert.ok(slashed, 'the accomplice\'s win slashed the solver');
  assert.equal(slashed.args.winners, 2n, 'the verifier\'s open dispute is counted as a co-winner');
  await h.until('the verifier to be paid as a co-winner and withdraw', async () =>
    (await getDispute(chain, honest)).status === 'ChallengerWon' && (await claimableOf(chain, verifierAddr)) === 0n && h.events.some((e) => e.event === 'withdrew' && e.fields.who === 'verifier'));
  assert.equal((await getDispute(chain, rigged)).status, 'ChallengerWon');

  // every wei: two winners share 40% of the stake and the jackpot payout equally
  const split = challengerWinSplit(STAKE, before.totals.jackpot);
  const share = (split.toChallenger + split.payout) / 2n;
  assert.equal(await netChange(chain, before, verifierAddr), share, 'verifier: an equal share, bond back');
  assert.equal(await claimableOf(chain, accompliceAddr), share + BOND, 'accomplice: the same share, bond back');
  assert.equal(await netChange(chain, before, accompliceAddr), -BOND);
  assert.equal(await netChange(chain, before, solverAddr), -STAKE, 'solver: loses its whole stake');
  const t = await assertSolvent(chain);
  assert.equal(t.burned, before.totals.burned + split.toBurn, 'half the stake burned: the ring lost at least half');
  assert.equal(t.coWinnerPool, 0n);
  assert.equal(t.totalBonds, before.totals.totalBonds + 0n);
  const dust = split.toChallenger + split.payout - 2n * share;
  assert.equal(t.jackpot, before.totals.jackpot + split.toJackpot - split.payout + dust);
  // the bot collected its share itself with settleCoWinner, not by waiting for its own game
  assert.ok(h.events.some((e) => e.fields.who === 'verifier' && e.event === 'co-winner-settled'), h.recent());
});

test('a verifier sampling less than the market declares is warned at start (stakes are sized for that rate)', async () => {
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const low = await startVerifier({
    net: h.net.info, privateKey: h.net.info.accounts[6].privateKey, dataDir: join(h.dir, 'verifier-low'), backend: referenceBackend,
    sampleRate: 0.1, pollMs: 100, log: (event, fields) => void events.push({ event, fields }),
  });
  await low.stop();
  const warning = events.find((e) => e.event === 'warning');
  assert.match(String(warning?.fields.message), /^--sample-rate 0\.1 is below the market's declared minimum sample rate 0\.25: /);
});

test('a solver or verifier started with an unfunded key says so once, with its address and never its key', async () => {
  const wallet = Wallet.createRandom();
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const log = (event: string, fields: Record<string, unknown>) => void events.push({ event, fields });
  const v = await startVerifier({ net: h.net.info, privateKey: wallet.privateKey, dataDir: join(h.dir, 'verifier-broke'), backend: referenceBackend, sampleRate: 1, pollMs: 100, log });
  await v.stop();
  const s = await startSolver({ net: h.net.info, privateKey: wallet.privateKey, dataDir: join(h.dir, 'solver-broke'), backend: referenceBackend, role: 'watch', queueSuffix: `broke${process.pid}`, pollMs: 100, log });
  await s.stop();
  const warnings = events.filter((e) => e.event === 'warning').map((e) => String(e.fields.message));
  assert.deepEqual(warnings.map((m) => m.replace(/;.*/, '')), [`account ${wallet.address} has 0.0 ETH`, `account ${wallet.address} has 0.0 ETH`], warnings.join('\n'));
  assert.match(warnings[0], /a challenge locks the job's bond/);
  assert.match(warnings[1], /claiming a job locks its stake/);
  const logged = JSON.stringify(events, (_k, x) => (typeof x === 'bigint' ? String(x) : x)).toLowerCase();
  assert.ok(!logged.includes(wallet.privateKey.slice(2).toLowerCase()), 'the key is never logged');
});

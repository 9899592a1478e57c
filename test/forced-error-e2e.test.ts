// Forced errors end to end (docs/PROTOCOL.md §12) on a real anvil + redis-server, in a market with
// p = 1 (FORCED_ERROR_RATE = 2^16): every job's commitment carries a masked leaf. The honest
// solver service masks, commits and reveals; the verifier bot (sample rate 1) finds the masked
// leaf by replaying, commits a find, reveals it after the solver, and collects the prize once the
// job has finalized with the true result. A second account that copies the verifier's find from
// the chain is refused. A solver that really cheats in a forced job is still disputed over the
// true root and slashed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseEther, type EventLog } from 'ethers';
import { getJob } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { commitFind, revealFind, collectForcedPrize, sealedOf } from '../chain/actions/forced.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { sendTx } from '../chain/client.ts';
import { increaseTime } from '../chain/devnet.ts';
import { BotsE2E, WINDOW } from './helpers/bots-e2e.ts';
import { assertSolvent, logitsMatmul, netChange, REWARD, snapshotFunds, STAKE, tinyEngine } from './dispute-helpers.ts';

const h = new BotsE2E({ name: 'forced-error-e2e', timeBank: 120, forcedErrorRate: 1n << 16n, job: { steps: 8, checkpointInterval: 3 } });
const JACKPOT = parseEther('1');
before(async () => {
  await h.start();
  const donor = h.net.client('submitter');
  await sendTx(donor, donor.market, 'fundJackpot', [], JACKPOT);
});
after(() => h.stop());

const fee = (REWARD * 200n) / 10_000n;
const seen = (event: string, jobId: bigint) => h.events.some((e) => e.event === event && String(e.fields.jobId) === String(jobId));

test('p = 1: the bot finds the forced error, a copied find is refused, the job finalizes with the true result, the bot collects', async () => {
  const chain = h.net.client('submitter');
  const copier = h.net.client(4);
  const [solverAddr, verifierAddr, copierAddr] = [h.net.info.accounts[2].address, h.verifier.address, h.net.info.accounts[4].address];
  const before = await snapshotFunds(chain, [solverAddr, verifierAddr, copierAddr]);
  const solver = await h.solverFor(2, 'honest');
  try {
    const jobId = await h.submit('forced');
    const committed = await h.until('the sealed commitment', async () => ((await getJob(chain, jobId)).status === 'Committed' ? getJob(chain, jobId) : null));
    const masked = committed.commitment.stepsRoot;
    await h.until('the verifier to commit a find', async () => seen('find-committed', jobId));
    // the copier sends the verifier's find hash as its own (a mempool copy)
    const findLog = (await chain.provider.getLogs({ address: chain.addresses.jobMarket, topics: [chain.marketIface.getEvent('FindCommitted')!.topicHash], fromBlock: before.block }))[0];
    const copied = chain.marketIface.parseLog({ topics: [...findLog.topics], data: findLog.data })!.args.findHash as string;
    await commitFind(copier, jobId, copied);
    assert.equal((await sealedOf(chain, jobId)).revealed, false, 'nothing is revealed inside the find window');
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await h.until('the solver to reveal and the verifier to reveal its find', async () => seen('forced-error-found', jobId));
    const s = await sealedOf(chain, jobId);
    assert.ok(s.forced && s.pos >= 1 && s.pos < 8, `forced at an inner leaf (pos ${s.pos})`);
    const revealed = await getJob(chain, jobId);
    assert.notEqual(revealed.commitment.stepsRoot, masked, 'the commitment now holds the true root');
    const found = h.events.find((e) => e.event === 'forced-error-found' && String(e.fields.jobId) === String(jobId))!;
    assert.equal(found.fields.leaf, s.pos);
    // the copied reveal: the verifier's own arguments, from another account
    const entry = h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1];
    await assert.rejects(revealFind(copier, jobId, entry.find!.leaf, entry.find!.trueLeaf, entry.find!.salt), /FindNotCommitted/);
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await h.until('finalization', async () => (await getJob(chain, jobId)).status === 'Finalized');
    await h.until('the verifier to collect and withdraw its prize', async () => h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1].forcedFind === 'collected' && (await claimableOf(chain, verifierAddr)) === 0n);
    await assert.rejects(collectForcedPrize(copier, jobId), /NoForcedPrize/);
    const prize = s.prize;
    assert.ok(prize > 0n);
    assert.equal(await netChange(chain, before, verifierAddr), prize, 'verifier: the whole prize (the only finder)');
    assert.equal(await netChange(chain, before, copierAddr), 0n, 'copier: nothing but gas');
    await h.until('the solver to withdraw', async () => (await claimableOf(chain, solverAddr)) === 0n);
    assert.equal(await netChange(chain, before, solverAddr), REWARD - fee, 'solver: reward - fee, never slashed for its forced error');
    const t = await assertSolvent(chain);
    assert.equal(t.forcedPool, 0n);
    assert.equal(t.jackpot, before.totals.jackpot - prize + fee);
  } finally {
    await solver.stop();
  }
});

// The cheat is in the last step (leaf 8): the forced leaf (1..7) always comes first, so the
// verifier's first mismatch is the forced error, and it must still check the rest after the reveal.
test('a real cheat behind the forced leaf is still disputed over the true root and slashed', async () => {
  const chain = h.net.client('submitter');
  const solverAddr = h.net.info.accounts[5].address;
  const before = await snapshotFunds(chain, [solverAddr]);
  const solver = await h.solverFor(5, 'flip', `kind=flip,step=7,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`);
  try {
    const jobId = await h.submit('forced-cheat');
    await h.until('the sealed commitment', async () => (await getJob(chain, jobId)).status === 'Committed');
    await h.until('the verifier to act in the find window', async () => seen('find-committed', jobId) || seen('check-deferred', jobId));
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    const disputeId = await h.disputeOf(jobId, 'the verifier, after the reveal');
    const d = await h.resolved(disputeId);
    assert.equal(d.status, 'ChallengerWon', h.recent());
    assert.equal((await getGame(chain, disputeId)).reason, 'OneStep');
    assert.equal(await netChange(chain, before, solverAddr), -STAKE, 'the cheater loses its stake');
    // reopened, or expired (the test moved time past its claim window): then the reward is back
    if ((await getJob(chain, jobId)).status === 'Open') await sendTx(chain, chain.market, 'cancelJob', [jobId]);
    await h.until('the verifier to withdraw its winnings', async () => (await claimableOf(chain, h.verifier.address)) === 0n);
    const t = await assertSolvent(chain);
    assert.equal(t.forcedPool, 0n, 'the prize went back to the jackpot');
  } finally {
    await solver.stop();
  }
});

test('hash interval K = 4, one seat (FORCED_FINDERS = 1): the masked leaf is an interval leaf; found, revealed and finalized the same way', async () => {
  const k4 = new BotsE2E({ name: 'forced-error-k4', timeBank: 120, forcedErrorRate: 1n << 16n, forcedFinders: 1n, job: { steps: 8, checkpointInterval: 3, hashInterval: 4 } });
  await k4.start();
  const solver = await k4.solverFor(2, 'honest-k4');
  try {
    const chain = k4.net.client('submitter');
    assert.equal(await chain.market.getFunction('FORCED_FINDERS')(), 1n, 'one verifier, one seat: it is paid as without a limit');
    await sendTx(chain, chain.market, 'fundJackpot', [], JACKPOT);
    const jobId = await k4.submit('forced-k4');
    await k4.until('the verifier to commit a find', async () => k4.events.some((e) => e.event === 'find-committed' && String(e.fields.jobId) === String(jobId)));
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await k4.until('the verifier to reveal its find', async () => k4.events.some((e) => e.event === 'forced-error-found' && String(e.fields.jobId) === String(jobId)));
    const s = await sealedOf(chain, jobId);
    assert.deepEqual([s.forced, s.pos, s.finds, s.prize], [true, 1, 1, JACKPOT / 2n], '3 leaves (steps 0, 4, 8): only leaf 1 can be forced');
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await k4.until('finalization and collection', async () => (await getJob(chain, jobId)).status === 'Finalized' && k4.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))?.[1].forcedFind === 'collected');
    // both bots withdraw on their own schedule: read the ledgers once nothing is moving
    const [solverAddr, verifierAddr] = [k4.net.info.accounts[2].address, k4.verifier.address];
    await k4.until('both bots to withdraw', async () => (await claimableOf(chain, solverAddr)) === 0n && (await claimableOf(chain, verifierAddr)) === 0n);
    const [settled] = await chain.market.queryFilter(chain.market.filters.ForcedErrorSettled(jobId));
    assert.deepEqual([(settled as EventLog).args.finders, (settled as EventLog).args.share], [1n, JACKPOT / 2n], 'the one finder fits the seat: the whole prize');
    const t = await assertSolvent(chain);
    assert.equal(t.forcedPool, 0n);
  } finally {
    await solver.stop();
    await k4.stop();
  }
});

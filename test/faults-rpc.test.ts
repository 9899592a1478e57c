// An RPC outage of ~30 s: `optrain solver start` and `optrain verifier start` reach anvil
// through a TCP proxy of our own, which is closed while a job is being trained (its commit
// falls in the outage) and a second job is posted; then reopened. Both roles say so once when
// the node goes away and once when it is back (no line per retry, no stack traces, no crash),
// catch up on the events they missed, and both jobs are committed, verified, finalized and
// paid to the wei.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { getJob } from '../chain/actions/get-job.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { increaseTime } from '../chain/devnet.ts';
import { waitFor } from './helpers/chain.ts';
import { Faults, isJob, WINDOW } from './helpers/faults.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';
import { assertSolvent, REWARD } from './dispute-helpers.ts';

const OUTAGE_MS = 30_000;
const f = new Faults('faults-rpc');
let proxy: TcpProxy;

before(async () => {
  await f.start(async (net) => {
    proxy = await TcpProxy.start(Number(new URL(net.rpcUrl).port));
    return { ...net, rpcUrl: proxy.url };
  });
});
afterEach(() => f.procs.stopAll()); // a failed test leaves no role running into the next one
after(async () => {
  await proxy?.down();
  await f.stop();
});

test('RPC unreachable for 30 s mid-job: every role reconnects and catches up, both jobs settle to the wei, one line each way', async () => {
  const chain = f.net.client('submitter');
  const [solver, verifier] = [f.solver('solver', 2, 'all'), f.verifier('verifier', 3, ['--sample-rate', '1'])];
  await Promise.all([solver.until('solver-started'), verifier.until('verifier-started')]);
  const before = await f.funds([2]);
  const first = await f.submit();
  const reached = await f.trainingPast(first, 300);
  await proxy.down();
  const t0 = Date.now();
  const second = await f.submit(); // posted while the roles cannot see the chain
  await f.trainingPast(first, 2000); // the first job's commit falls in the outage
  await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - t0)));
  await proxy.up();
  console.log(`# RPC down from training step ${reached} for ${Date.now() - t0} ms`);
  for (const jobId of [first, second]) {
    const committed = await solver.until('committed', isJob(jobId), 90_000);
    assert.equal(committed.stepsRoot, f.honestRoot, `job ${jobId}: the honest commitment`);
    const checked = await verifier.until('checked', isJob(jobId), 90_000);
    assert.equal(checked.challenge, false, `job ${jobId}: verified`);
  }
  await increaseTime(chain.provider, Number(WINDOW) + 1);
  await f.until('both jobs finalized and the solver paid', async () =>
    (await getJob(chain, first)).status === 'Finalized' && (await getJob(chain, second)).status === 'Finalized' && (await claimableOf(chain, f.net.info.accounts[2].address)) === 0n);
  const fee = (REWARD * 200n) / 10_000n;
  assert.equal(await f.netChange(before, 2), 2n * (REWARD - fee), 'solver: two rewards - fees, stakes back');
  assert.equal(await f.netChange(before, 1), -2n * REWARD, 'submitter: two rewards');
  const t = await assertSolvent(chain);
  assert.equal(t.jackpot, before.totals.jackpot + 2n * fee);
  for (const k of ['totalEscrow', 'totalStakes', 'totalBonds', 'totalClaimable', 'burned'] as const) assert.equal(t[k], before.totals[k], k);
  for (const p of [solver, verifier]) {
    const lines = p.events.filter((e) => /^dependency-|^error$|-error$|retry/.test(e.event)).map((e) => `${e.event} ${e.message ?? e.error ?? ''}`);
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['dependency-down', 'dependency-up'], `${p.name}: one line while down, one when back:\n${lines.join('\n')}`);
    assert.equal(p.other, '', `${p.name}: no stack traces`);
    assert.ok(p.alive, `${p.name} still running`);
  }
});

// The load run of `npm run load` (bench/load/), small: 6 tiny MLP/CNN jobs from 3 submitters,
// 3 solver processes (honest, cheating at a random step, withholding its data), 2 verifier
// processes and a griefer, all real CLI processes on one devnet; every property checked from
// the chain. Plus the memory-leak criterion on made-up samples.
import assert from 'node:assert/strict';
import test from 'node:test';
import { runLoad } from '../bench/load/run.ts';
import { looksLeaky, rssStats } from '../bench/load/procs.ts';

test('load (small): every job settles correctly, every cheat is slashed, every wei is accounted for, no nonce stuck, no leak', { timeout: 300_000 }, async () => {
  const r = await runLoad({ jobs: 6, steps: 6, challengeWindow: 30, timeBank: 60, claimWindow: 600, seed: 7, timeoutMs: 240_000 });
  const failed = r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  assert.deepEqual(failed, [], failed.join('\n'));
  assert.equal(r.checks.length, 8);
  assert.ok(r.ok, r.verdict);
  assert.equal(r.jobs, 6);
  assert.ok(r.slashSeconds.n >= 1, 'the cheater was slashed at least once');
  assert.ok(r.disputes.byGriefer >= 1, 'the griefer challenged');
  assert.equal((r.outcomes.Finalized ?? 0) + (r.outcomes.Cancelled ?? 0) + (r.outcomes.Expired ?? 0), 6);
  assert.ok(r.gasPerJob.mean > 0 && r.settleSeconds.n >= 1);
  assert.equal(r.roles.length, 6);
  for (const role of r.roles) assert.ok(role.rss.samples > 10 && role.rss.maxMiB > 0, `${role.name}: RSS sampled`);
});

test('memory: steady or shrinking RSS is not a leak; steady growth well past the warm level is', () => {
  const flat = Array.from({ length: 40 }, (_, i) => 150_000 + (i % 3) * 1000);
  assert.equal(looksLeaky(rssStats(flat)), false);
  const growing = Array.from({ length: 40 }, (_, i) => 150_000 + i * 8_000); // +8 MB a sample
  const s = rssStats(growing);
  assert.ok(s.growthMiB > 150, JSON.stringify(s));
  assert.equal(looksLeaky(s), true);
  assert.equal(looksLeaky(rssStats(growing.slice(0, 4))), false, 'too few samples to tell');
});

// `optrain demo --json` as a user runs it: a fresh devnet of its own (anvil + redis-server), an
// honest job finalized and paid, a cheating solver caught, bisected, slashed, the verifier paid;
// readable progress on stderr, a JSON summary on stdout, nothing left running afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../bin/optrain.mjs');

interface Summary {
  jobs: { jobId: string; status: string; seconds: number; tamper: string | null; dispute: { moves: number; totalGas: string; moveNames: string[]; winner: string; reason: string } | null }[];
  verifier: { withdrawn: string };
  jackpot: string;
  seconds: number;
}

test('optrain demo --json: honest job finalized, cheater slashed, summary with moves, gas and seconds', () => {
  const r = spawnSync(process.execPath, [BIN, 'demo', '--json'], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr.slice(-3000)}`);
  const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Summary;
  assert.equal(s.jobs.length, 2);
  const [honest, cheat] = s.jobs;
  assert.deepEqual([honest.jobId, honest.status, honest.dispute], ['1', 'finalized', null]);
  assert.deepEqual([cheat.jobId, cheat.status, cheat.dispute?.winner, cheat.dispute?.reason], ['2', 'slashed', 'challenger', 'OneStep']);
  const d = cheat.dispute!;
  assert.equal(d.moves, d.moveNames.length);
  assert.deepEqual([d.moveNames[0], d.moveNames.at(-1)], ['revealFinal', 'oneStep']);
  assert.ok(BigInt(d.totalGas) > 1_000_000n && BigInt(d.totalGas) < 10_000_000n, `total gas ${d.totalGas}`);
  for (const j of s.jobs) assert.ok(j.seconds > 0 && j.seconds < s.seconds, `job ${j.jobId}: ${j.seconds} s of ${s.seconds} s`);
  // the verifier withdraws 40% of the 0.1 ETH stake (50% is burned, 10% feeds the jackpot), its
  // 0.05 bond back and the jackpot payout min(50% of (0.0002 honest-job fee + 0.01 slash share),
  // 10% of the stake) = 0.0051; the jackpot keeps 0.0051
  assert.equal(s.verifier.withdrawn, '0.0951');
  assert.equal(s.jackpot, '0.0051');
  for (const line of ['honest solver: finalized job 1', 'verifier: challenged job 2', 'cheating solver: revealFinal', 'verifier: oneStep', 'verifier: withdrew'])
    assert.ok(r.stderr.includes(line), `progress mentions '${line}'`);
});

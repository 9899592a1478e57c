// The formulas of econ/model.ts on hand-computed cases, the parameter parser, and the
// Monte-Carlo check: it agrees with the formulas at a small size, and it would notice a
// wrong formula (it has the power to disagree).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError, UserError } from '../jobs/errors.ts';
import { analyse, checkingForcedRate, cheatProfit, deterringStake, deterringRate, detection, equilibrium, recommend, shareFactor, slashPot, verifierEconomics, verifierEquilibriumRate } from './model.ts';
import { readParamsFile, resolveParams, type Params } from './params.ts';
import { bestResponse, seededRng, simulate, sweep, sweepCsv, Z_CHECK } from './simulate.ts';

const defaults = (flags: Record<string, string> = {}): Params => resolveParams({}, flags);
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

describe('formulas', () => {
  it('the slash pot matches PROTOCOL §2\'s worked example and the default market', () => {
    // jackpot 3, stake 2: 1 burned, 0.2 to the jackpot, payout min(3.2/2, 0.2) = 0.2 -> 0.8 + 0.2
    close(slashPot(defaults({ stake: '2', jackpot: '3', reward: '0.3', declaredRate: '0.25' })), 1.0);
    close(slashPot(defaults()), 6 - 3 - 0.6 + 0.6); // stake 6 = minStakeFor(1) at q = 25%
    close(slashPot(defaults({ jackpot: '0' })), 2.4 + 0.3); // payout limited by half the jackpot (0 + 0.6)
  });

  it('detection and the prize share', () => {
    close(detection(0.25, 1, 3), 1 - 0.75 ** 3);
    close(detection(0.25, 2, 1), 1 - 0.5625);
    close(shareFactor(1, 3), 1 / 3);
    close(shareFactor(0, 5), 1);
    close(shareFactor(0.5, 2), 0.75); // the other finds it half the time: (1 + 1/2) / 2
  });

  it('cheater profit by hand: stake 6, reward 1, 3 verifiers at 25%', () => {
    const p = defaults();
    close(p.stake, 6);
    const D = 0.578125; // 1 - 0.75^3
    close(cheatProfit(p, 1), (1 - D) * 0.98 - D * 6 - 0.1 * 0.99); // -3.1543125
    close(cheatProfit(p, 1), -3.1543125);
    close(cheatProfit(p, 100), (0.75 ** 300) * 0.98 - (1 - 0.75 ** 300) * 6);
    assert.equal(analyse(p).solver.cheatingPays, false);
    assert.equal(analyse(defaults({ sampleRate: '0.00001' })).solver.cheatingPays, true);
  });

  it('verifier earnings per job and per hour', () => {
    const v = verifierEconomics(defaults({ forcedErrorRate: '0.1' }));
    close(v.forcedIncome, (0.1 * 0.5 * 0.578125) / 3);
    close(v.cheatIncome, 0);
    close(v.replayCost, 0.025); // 25 intervals of 0.001
    close(v.hoursPerJob, 0.25); // 25 x 36 s
    close(v.costPerHour, 0.1);
    close(v.netPerHour, (v.forcedIncome - 0.025) * 4);
    const c = verifierEconomics(defaults({ cheatProb: '0.5' }));
    close(c.cheatIncome, (0.5 * 3.0 * 0.578125) / 3);
  });

  it('the deterring rate makes the best cheat exactly break even', () => {
    const p = defaults({ cheatGain: '1' });
    const a1 = (1 + 0.001) / (1 + 0.98 + 6);
    close(deterringRate(p), 1 - (1 - a1) ** (1 / 3));
    close(cheatProfit(p, 1, deterringRate(p)), 0.88, 1e-9); // = honest profit
    assert.equal(deterringRate(defaults({ cheatGain: '1e9', stake: '6' })) < 1, true);
  });

  it('the stake and the forced-error rate at the given sample rate', () => {
    const p = defaults({ cheatGain: '5' }); // r = 0.25: D_1 = 0.578125
    const D1 = 0.578125, Dn = 1 - 0.75 ** 300;
    close(deterringStake(p), Math.max(5.001 / D1, 5.1 / Dn) - 5 - 0.98); // 2.67 ETH
    assert.equal(deterringStake(defaults()), 0); // G = 0: any stake deters at 25% (never negative)
    close(cheatProfit({ ...p, stake: deterringStake(p) }, 1), 0.88, 1e-9); // break-even there
    close(checkingForcedRate(defaults()), 0.1 / (0.5 * shareFactor(0.25, 3)));
    const at = { ...defaults(), forcedErrorRate: checkingForcedRate(defaults()) };
    close(verifierEconomics(at).net, 0, 1e-12); // exactly pays for the replay
  });

  it("verifiers' own rate: none, all, or where the marginal prize equals the marginal cost", () => {
    assert.equal(verifierEquilibriumRate(defaults({ forcedErrorRate: '0.1' })), 0); // pF = 0.05 < nc = 0.1
    assert.equal(verifierEquilibriumRate(defaults({ forcedErrorRate: '1' })), 1); // pF/V = 0.167 > 0.1
    const p = defaults({ forcedErrorRate: '0.5' }); // pF = 0.25: g(r) = 0.4
    const r = verifierEquilibriumRate(p);
    close(0.25 * shareFactor(r, 3), 0.1, 1e-9);
    close(verifierEconomics(p, r).net, 0, 1e-9); // indifferent: zero profit at an interior rate
  });

  it('p = 0: no honest equilibrium (the verifier\'s dilemma); the mixed one by hand', () => {
    const e = equilibrium(defaults());
    assert.equal(e.honest, false);
    assert.equal(e.verifierRate, 0);
    assert.ok(e.mixed);
    // r_s: the no-work cheat binds (a_n = 0.1 / 6.98 needs more checking than a_1 = 0.001 / 6.98)
    assert.equal(e.mixed.k, 100);
    close(e.mixed.rate, 1 - (1 - 0.1 / 6.98) ** (1 / 300));
    const d = 1 - (1 - e.mixed.rate) ** 100; // one verifier's detection of a no-work cheat
    close(e.mixed.cheatProb, 0.1 / (3.0 * 100 * (1 - e.mixed.rate) ** 99 * shareFactor(d, 3)));
    close(e.mixed.wrongFinalized, e.mixed.cheatProb * (1 - d) ** 3);
    // at r_s the binding cheat is exactly as good as honest work
    close(cheatProfit(defaults(), 100, e.mixed.rate), 0.88, 1e-9);
    // with a valuable wrong result the one-interval cheat binds; its marginal income is pot * g(r)
    const g = equilibrium(defaults({ cheatGain: '1' }));
    assert.equal(g.mixed!.k, 1);
    close(g.mixed!.cheatProb, 0.1 / (3.0 * shareFactor(g.mixed!.rate, 3)));
    assert.equal(equilibrium(defaults({ forcedErrorRate: '1' })).honest, true);
  });

  it('the recommendation: every verifier checks everything for its cost plus the margin', () => {
    const r = recommend(defaults());
    close(r.forcedErrorRate, (3 * 1.2 * 0.1) / 0.5); // 0.72
    close(r.feeNeeded, 0.36);
    close(r.maxReplayAtContractFee, 0.02 / 3.6); // 2% of R over V(1 + m)
    assert.equal(r.feeSufficient, false);
    const small = recommend(defaults({ jackpot: '0.2' }));
    assert.equal(small.forcedErrorRate, 1);
    close(small.jackpotNeeded, 0.72);
    const cheap = recommend(defaults({ replayCost: '1e-6', jackpot: '10' }));
    assert.equal(cheap.feeSufficient, true);
    const at = { ...defaults(), sampleRate: 1, forcedErrorRate: r.forcedErrorRate };
    close(verifierEconomics(at).net, 1.2 * 0.1 - 0.1); // margin 20% of the 0.1 replay
  });
});

describe('parameters', () => {
  it('mathjs expressions with units', () => {
    const p = defaults({ reward: '0.5 ETH', bond: '5e7 gwei', fee: '2%', forcedErrorRate: '1/64', replaySeconds: '2 minute', replayCost: '1000000 gwei' });
    close(p.reward, 0.5);
    close(p.bond, 0.05, 1e-15);
    close(p.fee, 0.02);
    close(p.forcedErrorRate, 1 / 64);
    close(p.replaySeconds, 120);
    close(p.replayCost, 0.001, 1e-15);
    close(p.stake, 3); // minStakeFor(0.5)
  });

  it('bad values are one clear error naming the flag', () => {
    assert.throws(() => defaults({ reward: '3 kg' }), (e: Error) => e instanceof UsageError && /^--reward: '3 kg' is not an amount in ETH/.test(e.message));
    assert.throws(() => defaults({ sampleRate: '1.5' }), /--sample-rate: expected a fraction in \[0, 1\]/);
    assert.throws(() => defaults({ verifiers: '2.5' }), /--verifiers: expected an integer/);
    assert.throws(() => defaults({ reward: '1 +' }), /--reward: cannot evaluate '1 \+'/);
    assert.throws(() => defaults({ stake: '5' }), /--stake: 5 ETH is below minStakeFor\(1\) = 6 ETH/);
    assert.throws(() => defaults({ bond: '0.001' }), /--bond: 0.001 ETH is below the bond floor/);
  });

  it('a JSON file, overridden by flags; unknown names and bad JSON refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'econ-params-'));
    try {
      const f = join(dir, 'p.json');
      writeFileSync(f, JSON.stringify({ reward: '2 ETH', verifiers: 5, forcedErrorRate: '1/64' }));
      const p = resolveParams(readParamsFile(f), { verifiers: '4' });
      assert.deepEqual([p.reward, p.verifiers, p.forcedErrorRate, p.stake], [2, 4, 1 / 64, 12]);
      writeFileSync(f, JSON.stringify({ rewrd: 1 }));
      assert.throws(() => readParamsFile(f), (e: Error) => e instanceof UserError && /unknown parameter 'rewrd'/.test(e.message));
      writeFileSync(f, '{');
      assert.throws(() => readParamsFile(f), /not JSON/);
      assert.throws(() => resolveParams({ reward: true }, {}, 'p.json'), /p.json: reward: expected an amount in ETH/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('simulation', () => {
  it('is deterministic per seed', () => {
    const a = seededRng(7), b = seededRng(7), c = seededRng(8);
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
    assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c()));
    const p = defaults({ forcedErrorRate: '0.2', cheatProb: '0.3' });
    assert.deepEqual(simulate(p, 300, 3), simulate(p, 300, 3));
  });

  for (const [name, flags] of [
    ['today\'s market, honest solvers', {}],
    ['forced errors and cheats', { forcedErrorRate: '0.2', cheatProb: '0.4', sampleRate: '0.1' }],
    ['a valuable wrong result, many verifiers', { cheatGain: '2', verifiers: '6', sampleRate: '0.02', cheatProb: '0.5', forcedErrorRate: '0.5', intervals: '20' }],
  ] as const) {
    it(`agrees with every formula within its confidence interval: ${name}`, () => {
      const est = simulate(defaults(flags), 3000, 11);
      for (const e of est) assert.ok(e.agrees, `${e.name}: sim ${e.sim} ± ${Z_CHECK * e.se}, formula ${e.formula}`);
    });
  }

  it('a best-responding solver works honestly at 25% and does no work at all at 0.001%', () => {
    assert.deepEqual(bestResponse(defaults(), simulate(defaults(), 2000, 2)), { simulated: 'honest', formula: 'honest' });
    const low = defaults({ sampleRate: '0.00001' });
    assert.deepEqual(bestResponse(low, simulate(low, 2000, 2)), { simulated: 'cheat: no work', formula: 'cheat: no work' });
  });

  it('has the power to disagree: the estimate at r = 0.25 rejects the formula at r = 0.2', () => {
    const p = defaults();
    const [one] = simulate(p, 3000, 11);
    const wrong = cheatProfit(p, 1, 0.2);
    assert.ok(Math.abs(one.sim - wrong) > Z_CHECK * one.se, `${one.sim} vs ${wrong} ± ${Z_CHECK * one.se}`);
  });

  it('the sweep: cheating pays at tiny sample rates and not at the declared one; CSV has a row per rate', () => {
    const rows = sweep(defaults(), 2400, 5);
    assert.ok(rows.every((r) => r.estimates.every((e) => e.agrees)));
    assert.ok(rows[0].estimates[0].sim > 0.8, 'at r = 0.001 a one-interval cheat earns about the reward');
    assert.ok(rows.find((r) => r.rate === 0.2)!.estimates[0].sim < -2);
    const csv = sweepCsv(rows).trimEnd().split('\n');
    assert.equal(csv.length, rows.length + 1);
    assert.match(csv[0], /^sample_rate,jobs,cheater_profit_one_wrong_interval_sim,/);
  });
});

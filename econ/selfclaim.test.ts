// A solver that claims its own forced errors through other accounts (docs/PROTOCOL.md §12.4):
// the closed forms at r = 1, the best number of accounts, what it does to verifiers and to the
// jackpot, and the simulation's self-claiming solvers against the formulas.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyRecommendation, binomialMean, detection, forcedShareOfOne, missedForced, recommend, verifierEconomics } from './model.ts';
import { resolveParams, type Params } from './params.ts';
import { adaptiveSelfClaimGain, bestSelfClaim, forcedDrain, robustPrize, selfClaimGain, selfClaimReport, selfClaimShare, selfClaimTake, verifierForcedNet } from './selfclaim.ts';
import { simulate, Z_CHECK } from './simulate.ts';

const defaults = (flags: Record<string, string> = {}): Params => resolveParams({}, flags);
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
/** What `econ simulate --recommended` plays: r = 1, p = 0.72, fee 36%, FORCED_FINDERS = 3. */
const recommended = (flags: Record<string, string> = {}) => applyRecommendation(defaults(flags));
/** The recommended market without its seat limit (FORCED_FINDERS = 0): today's contract default. */
const unseated = (flags: Record<string, string> = {}) => ({ ...recommended(flags), forcedFinders: 0 });

describe('self-claim formulas', () => {
  it('binomial expectations, and a verifier\'s share without self-claims is detection / V', () => {
    close(binomialMean(10, 0.3, (i) => i), 3);
    close(binomialMean(4, 0.5, (i) => i * i), 4 * 0.25 + 4); // Var + mean^2
    close(binomialMean(2_000_000, 0.5, () => 1), 1, 1e-6); // no underflow at a large N
    for (const r of [0.1, 0.5, 1]) close(forcedShareOfOne(r, 3, 0), detection(r, 1, 3) / 3);
    // with k self-claims a verifier shares with the others that replayed it and the k
    close(forcedShareOfOne(1, 3, 2), 1 / 5);
    close(forcedShareOfOne(0.5, 2, 1), 0.5 * (0.5 * (1 / 2) + 0.5 * (1 / 3)));
  });

  it('r = 1: the solver takes k / (V + k) of each prize; k* and its gain match the closed form', () => {
    const p = unseated();
    close(selfClaimShare(1, 3, 1), 1 / 4);
    close(selfClaimGain(p, 1), 0.72 * (0.5 / 4 - 0.000157));
    const F = 0.5, V = 3, g = 0.000157;
    const best = bestSelfClaim(p);
    assert.equal(best.k, Math.round(Math.sqrt((F * V) / g) - V)); // 95
    // the integer optimum is within a hair of the continuous one, (sqrt F - sqrt(V g))^2 per forced job
    const bound = 0.72 * (Math.sqrt(F) - Math.sqrt(V * g)) ** 2;
    assert.ok(best.gain <= bound + 1e-12 && best.gain > bound - 1e-6, `${best.gain} vs ${bound}`);
    assert.ok(selfClaimGain(p, best.k - 1) <= best.gain && selfClaimGain(p, best.k + 1) <= best.gain);
  });

  it('self-claiming pays from one account as soon as its share beats one find\'s gas (g < F/(V + 1) at r = 1)', () => {
    assert.deepEqual(bestSelfClaim(unseated({ findCost: '0.13' })), { k: 0, gain: 0 }); // F/4 = 0.125
    assert.equal(bestSelfClaim(unseated({ findCost: '0.12' })).k, 1);
    assert.deepEqual(bestSelfClaim(defaults()), { k: 0, gain: 0 }); // p = 0: nothing to claim
  });

  it('the recommended market: one self-claim account already makes checking a loss, k* takes almost every prize', () => {
    const p = unseated();
    close(verifierForcedNet(p, 0), 0.02); // (1 + 20%) x the 0.1 replay, as recommended
    close(verifierForcedNet(p, 1), 0.72 * 0.5 / 4 - 0.1); // -0.01: the 20% margin < 1/V
    close(verifierEconomics({ ...p, selfClaims: 1 }).net, -0.01);
    const r = selfClaimReport(p);
    assert.equal(r.best.k, 95);
    assert.ok(r.best.shareOfPrize > 0.96 && r.best.verifierNet < -0.09);
    // at r = 1 every forced error is found anyway: the drain is unchanged, the verifiers lose it
    close(r.best.drain, r.honest.drain);
    close(r.honest.drain, 0.36);
    close(robustPrize(p), (3 * 0.12 ** 2) / 0.000157); // 275 ETH per forced error
  });

  it('r < 1: self-claims also drain the prizes nobody found', () => {
    const p = defaults({ forcedErrorRate: '0.5', sampleRate: '0.2' });
    close(forcedDrain(p, 0), 0.5 * 0.5 * (1 - missedForced(0.2, 3)));
    close(forcedDrain(p, 1), 0.25);
    // when no verifier replayed the leaf (0.8^3) the solver's single account takes the whole prize
    assert.ok(selfClaimGain(p, 1) > 0.5 * (0.5 * 0.8 ** 3 - 0.000157));
  });
});

describe('a solver that waits to see the honest finds', () => {
  it('takes the integer optimum of k(F/(h + k) - a): one account when alone, none when crowded', () => {
    close(selfClaimTake(0.5, 0, 0.1), 0.4); // alone: one account, F - a
    close(selfClaimTake(0.5, 3, 0.2), 0); // F/4 < a: no account pays
    const h = 3, F = 0.5, a = 0.000157;
    const brute = Math.max(...Array.from({ length: 400 }, (_, k) => k * (F / (h + k) - a)));
    close(selfClaimTake(F, h, a), brute);
    close(selfClaimTake(F, 2, 0), F); // free accounts: the whole prize in the limit
  });

  it('gains exactly the fixed best at r = 1 and more when verifiers sample', () => {
    const p = unseated();
    close(adaptiveSelfClaimGain(p), bestSelfClaim(p).gain);
    const q = defaults({ forcedErrorRate: '0.5', sampleRate: '0.3' });
    assert.ok(adaptiveSelfClaimGain(q) > bestSelfClaim(q).gain);
  });
});

describe('FORCED_FINDERS = V seats (the recommendation)', () => {
  const seated = (flags: Record<string, string> = {}) => ({ ...recommended(flags), selfClaims: 0 });

  it('is recommended, and pays each verifier what it earns without self-claims', () => {
    const p = seated();
    assert.equal(p.forcedFinders, 3);
    close(verifierForcedNet(p, 0), 0.02);
    close(verifierEconomics(p).net, 0.02);
    close(forcedDrain(p, 0), 0.36);
  });

  it('at r = 1 no self-claim pays: one account more than the seats makes the prize pay nobody', () => {
    const p = seated();
    assert.deepEqual(bestSelfClaim(p), { k: 0, gain: 0 });
    close(adaptiveSelfClaimGain(p), 0);
    close(selfClaimGain(p, 1), -0.72 * 0.000157); // its gas, nothing else
    close(verifierForcedNet(p, 1), -0.1); // but it denies the verifiers their prize: griefing costs gas only
    close(forcedDrain(p, 1), 0); // the whole prize goes back to the jackpot
    const r = selfClaimReport({ ...defaults({ sampleRate: '1', forcedErrorRate: '0.72', fee: '36%' }) });
    assert.equal(r.withSeats.seats, 3);
    assert.equal(r.withSeats.best.k, 0);
  });

  it('when verifiers sample, the solver fills the seats of those that did not replay, at most', () => {
    const p = { ...defaults({ forcedErrorRate: '0.72', sampleRate: '0.5', fee: '36%' }), forcedFinders: 3 };
    close(selfClaimTake(0.5, 1, 0, 3), 2 * 0.5 / 3); // one honest finder: two accounts fill the seats
    close(selfClaimTake(0.5, 3, 0.001, 3), 0); // seats full
    const unseated = adaptiveSelfClaimGain({ ...p, forcedFinders: 0 });
    const withSeats = adaptiveSelfClaimGain(p);
    assert.ok(withSeats > 0 && withSeats < unseated, `${withSeats} vs ${unseated}`);
    // each honest finder still gets F/3 when the solver fills the seats
    const h1 = binomialMean(3, 0.5, (h) => (h === 0 ? 0 : h * 0.5 / 3));
    assert.ok(h1 > 0);
  });
});

describe('simulation with self-claiming solvers', () => {
  for (const [name, flags] of [
    ['recommended market, one account', { selfClaims: '1' }],
    ['sampling verifiers, three accounts', { selfClaims: '3', sampleRate: '0.2', forcedErrorRate: '0.5', intervals: '20' }],
    ['sampling verifiers, three seats, two accounts', { selfClaims: '2', sampleRate: '0.4', forcedErrorRate: '0.6', forcedFinders: '3', intervals: '10' }],
  ] as const) {
    it(`agrees with the formulas: ${name}`, () => {
      const p = name.startsWith('recommended') ? unseated(flags) : defaults(flags);
      const est = simulate(p, 3000, 17);
      assert.deepEqual(est.map((e) => e.name).slice(3, 6), ['solver self-claim gain per job', 'forced prizes paid per job', 'waiting self-claimer gain per job']);
      for (const e of est) assert.ok(e.agrees, `${e.name}: sim ${e.sim} ± ${Z_CHECK * e.se}, formula ${e.formula}`);
    });
  }

  it('has the power to disagree: self-claimed prizes are not the honest market\'s', () => {
    const p = defaults({ selfClaims: '2', sampleRate: '0.2', forcedErrorRate: '0.5', intervals: '20' });
    const est = simulate(p, 3000, 17);
    const drain = est.find((e) => e.name === 'forced prizes paid per job')!;
    assert.ok(Math.abs(drain.sim - forcedDrain(p, 0)) > Z_CHECK * drain.se, `${drain.sim} vs the honest ${forcedDrain(p, 0)}`);
    const net = est.find((e) => e.name === 'verifier net per job')!;
    assert.ok(Math.abs(net.sim - verifierForcedNet(p, 0)) > Z_CHECK * net.se, `${net.sim} vs the honest ${verifierForcedNet(p, 0)}`);
  });

  it('the recommended market keeps issue 12\'s acceptance: no cheat pays, verifiers paid, nothing missed', () => {
    const p = recommended();
    assert.deepEqual([p.selfClaims, p.forcedFinders], [0, 3]);
    const est = simulate(p, 3000, 5);
    assert.equal(est.length, 4, 'no self-claim estimates when k = 0');
    const by = Object.fromEntries(est.map((e) => [e.name, e]));
    assert.ok(by['cheater profit, one wrong interval'].sim < 0 && by['cheater profit, no work'].sim < 0);
    assert.ok(by['verifier net per job'].sim > 0);
    assert.ok(by['share of forced errors missed'].sim < 0.01);
  });

  it('the recommended market with a self-claiming solver: its accounts are paid nothing, the prize returns', () => {
    const est = simulate({ ...recommended(), selfClaims: 1 }, 2000, 5);
    for (const e of est) assert.ok(e.agrees, `${e.name}: sim ${e.sim}, formula ${e.formula}`);
    const by = Object.fromEntries(est.map((e) => [e.name, e]));
    assert.ok(by['solver self-claim gain per job'].sim < 0, 'only its gas');
    assert.equal(by['forced prizes paid per job'].sim, 0);
  });
});

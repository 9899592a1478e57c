// A solver knows where its own forced error is (it drew `pos`), so it can commit a find for it
// from accounts that look like any verifier's and take part of the prize without replaying
// anything (docs/PROTOCOL.md §12.4 derives every formula here). Model: V verifiers sample the
// forced leaf at rate r, h ~ Binomial(V, r) of them find it; the solver adds k accounts that
// always find it, each costing one find's gas g; the prize F is split equally among h + k, and
// each of them pays the find fee c·F to the jackpot (the mitigation proposed in §12.4; c = 0
// is the contract today).
import { binomialMean, forcedPrize, forcedShareOfOne, missedForced } from './model.ts';
import type { Params } from './params.ts';

/** E[k / (h + k)], h ~ Binomial(V, r): the solver's expected share of its own prize. */
export function selfClaimShare(r: number, V: number, k: number): number {
  if (k === 0) return 0;
  return binomialMean(V, r, (h) => k / (h + k));
}

/** The solver's expected gain per job from claiming its own forced errors through k accounts. */
export function selfClaimGain(p: Params, k = p.selfClaims, r = p.sampleRate): number {
  const F = forcedPrize(p);
  return p.forcedErrorRate * (F * selfClaimShare(r, p.verifiers, k) - k * (p.findCost + p.findFee * F));
}

/**
 * The k that maximises selfClaimGain. F·k/(h + k) is concave in k and the cost linear, so the
 * gain is unimodal: an integer ternary search over [0, F/g] (beyond F/g the gas alone exceeds
 * the prize). With r = 1 (h = V): k* ≈ sqrt(F·V/g) − V and the gain per forced job is
 * (sqrt(F) − sqrt(V·g))²; one account already pays when F/(V + 1) > g, i.e. always in a market
 * whose prizes pay for replays (a replay costs far more than a find's gas).
 */
export function bestSelfClaim(p: Params, r = p.sampleRate): { k: number; gain: number } {
  const F = forcedPrize(p);
  if (p.forcedErrorRate === 0 || F === 0) return { k: 0, gain: 0 };
  const gain = (k: number) => selfClaimGain(p, k, r);
  const perAccount = p.findCost + p.findFee * F;
  let lo = 0, hi = perAccount > 0 ? Math.min(1e6, Math.floor(F / perAccount)) : 1e6;
  while (hi - lo > 2) {
    const a = lo + Math.floor((hi - lo) / 3), b = hi - Math.floor((hi - lo) / 3);
    if (gain(a) < gain(b)) lo = a + 1;
    else hi = b - 1;
  }
  let best = { k: lo, gain: gain(lo) };
  for (let k = lo + 1; k <= hi; k++) if (gain(k) > best.gain) best = { k, gain: gain(k) };
  return best.gain > 0 ? best : { k: 0, gain: 0 };
}

/**
 * The best a solver can take from one forced error once it knows how many honest finders h
 * there are: max over k of k·(F/(h + k) − a), a = g + c·F what an account costs. FindCommitted
 * events show the finds committed on its job before the find window closes (and
 * ForcedErrorFound the revealed ones), so a solver can commit last, knowing h. Concave in k:
 * the continuous optimum sqrt(h·F/a) − h rounded either way (h = 0: one account, F − a).
 */
export function selfClaimTake(F: number, h: number, a: number): number {
  if (a <= 0) return F; // free accounts: the supremum, approached as k grows
  const at = (k: number) => (k <= 0 ? 0 : k * (F / (h + k) - a));
  if (h === 0) return Math.max(0, at(1));
  const kc = Math.sqrt((h * F) / a) - h;
  return Math.max(0, at(Math.floor(kc)), at(Math.ceil(kc)));
}

/** The expected gain per job of a solver that picks its accounts after seeing h (selfClaimTake). */
export function adaptiveSelfClaimGain(p: Params, r = p.sampleRate): number {
  const F = forcedPrize(p);
  if (p.forcedErrorRate === 0 || F === 0) return 0;
  const a = p.findCost + p.findFee * F;
  return p.forcedErrorRate * binomialMean(p.verifiers, r, (h) => selfClaimTake(F, h, a));
}

/**
 * Forced-error prizes leaving the jackpot per job, net of the find fees that come back: every
 * forced error is "found" once k ≥ 1; E[finders] = V·r + k.
 */
export function forcedDrain(p: Params, k = p.selfClaims, r = p.sampleRate): number {
  const found = k > 0 ? 1 : 1 - missedForced(r, p.verifiers);
  return p.forcedErrorRate * forcedPrize(p) * (found - p.findFee * (p.verifiers * r + k));
}

/** One verifier's forced-error income minus its replay cost, per job, against k self-claims. */
export function verifierForcedNet(p: Params, k = p.selfClaims, r = p.sampleRate): number {
  return p.forcedErrorRate * forcedPrize(p) * (forcedShareOfOne(r, p.verifiers, k) - p.findFee * r) - r * p.intervals * p.replayCost;
}

/**
 * The prize per forced error at which verifiers checking everything (r = 1) still earn
 * (1 + margin) times their replay cost against a best self-claiming solver, at p = 1 (the
 * cheapest case): each then gets F / (V + k*) = sqrt(F·g/V), so F ≥ V·((1 + m)·n·c)² / g.
 */
export function robustPrize(p: Params): number {
  const need = (1 + p.margin) * p.intervals * p.replayCost;
  return p.findCost > 0 ? (p.verifiers * need * need) / p.findCost : Infinity;
}

/**
 * The find fee of §12.4: c = 2/(2V + 1) of the prize lies strictly between 1/(V + 1) (an
 * account added to V finders loses c·F − F/(V + 1) = F/((V + 1)(2V + 1))) and 1/V (each of
 * V finders keeps F/V − c·F = F/(V(2V + 1))).
 */
export function proposedFindFee(V: number): number {
  return 2 / (2 * V + 1);
}

/**
 * The market with the proposed find fee and a jackpot grown so that, at r = 1, verifiers keep
 * what they keep today without self-claims: F(1/V − c) = F₀/V, i.e. F = (2V + 1)·F₀.
 */
export function withProposedFee(p: Params): Params {
  const c = proposedFindFee(p.verifiers);
  return { ...p, findFee: c, jackpot: p.jackpot / (1 - c * p.verifiers) };
}

export interface SelfClaimReport {
  honest: { drain: number; verifierNet: number };
  given: { k: number; gain: number; drain: number; verifierNet: number };
  best: { k: number; gain: number; shareOfPrize: number; drain: number; verifierNet: number };
  /** A solver that waits to see the honest finds (adaptiveSelfClaimGain); = best.gain at r = 1. */
  adaptiveGain: number;
  robustPrize: number;
  /** The same market with the proposed find fee (and the jackpot it needs). */
  withFee: { findFee: number; jackpot: number; best: { k: number; gain: number }; adaptiveGain: number; verifierNet: number; drain: number };
}

/** What `optrain econ` prints about self-claims at the parameters' r and p. */
export function selfClaimReport(p: Params): SelfClaimReport {
  const at = (k: number) => ({ k, gain: selfClaimGain(p, k), drain: forcedDrain(p, k), verifierNet: verifierForcedNet(p, k) });
  const best = bestSelfClaim(p);
  return {
    honest: { drain: forcedDrain(p, 0), verifierNet: verifierForcedNet(p, 0) },
    given: at(p.selfClaims),
    best: { ...at(best.k), shareOfPrize: selfClaimShare(p.sampleRate, p.verifiers, best.k) },
    adaptiveGain: adaptiveSelfClaimGain(p),
    robustPrize: robustPrize(p),
    withFee: feeCase(p),
  };
}

function feeCase(p: Params): SelfClaimReport['withFee'] {
  const q = withProposedFee(p);
  const best = bestSelfClaim(q);
  return { findFee: q.findFee, jackpot: q.jackpot, best, adaptiveGain: adaptiveSelfClaimGain(q), verifierNet: verifierForcedNet(q, best.k), drain: forcedDrain(q, best.k) };
}

// A solver knows where its own forced error is (it drew `pos`), so it can commit a find for it
// from accounts that look like any verifier's and take part of the prize without replaying
// anything (docs/PROTOCOL.md §12.4 derives every formula here). Model: V verifiers sample the
// forced leaf at rate r, h ~ Binomial(V, r) of them find it; the solver adds k accounts that
// always find it, each costing one find's gas g; the prize F is split equally among the h + k
// finders, unless the market's seats N (FORCED_FINDERS, 0: no limit) are fewer: then it pays
// none of them and goes back to the jackpot.
import { binomialMean, forcedPrize, forcedShareOfOne, paidShare } from './model.ts';
import type { Params } from './params.ts';

/** E[k·pay(h + k)], h ~ Binomial(V, r): the solver's expected share of its own prize. */
export function selfClaimShare(r: number, V: number, k: number, seats = 0): number {
  if (k === 0) return 0;
  return binomialMean(V, r, (h) => k * paidShare(h + k, seats));
}

/** The solver's expected gain per job from claiming its own forced errors through k accounts. */
export function selfClaimGain(p: Params, k = p.selfClaims, r = p.sampleRate): number {
  return p.forcedErrorRate * (forcedPrize(p) * selfClaimShare(r, p.verifiers, k, p.forcedFinders) - k * p.findCost);
}

/**
 * The k that maximises selfClaimGain. Without seats F·k/(h + k) is concave in k and the cost
 * linear, so the gain is unimodal: an integer ternary search over [0, F/g] (beyond F/g the gas
 * alone exceeds the prize). With r = 1 (h = V): k* ≈ sqrt(F·V/g) − V and the gain per forced
 * job is (sqrt(F) − sqrt(V·g))²; one account already pays when F/(V + 1) > g, i.e. always in a
 * market whose prizes pay for replays. With N seats no k > N is ever paid: every k ≤ N is tried.
 */
export function bestSelfClaim(p: Params, r = p.sampleRate): { k: number; gain: number } {
  const F = forcedPrize(p);
  if (p.forcedErrorRate === 0 || F === 0) return { k: 0, gain: 0 };
  const gain = (k: number) => selfClaimGain(p, k, r);
  let best = { k: 0, gain: 0 };
  if (p.forcedFinders > 0 && p.forcedFinders <= 10_000) {
    for (let k = 1; k <= p.forcedFinders; k++) if (gain(k) > best.gain) best = { k, gain: gain(k) };
    return best;
  }
  let lo = 0, hi = p.findCost > 0 ? Math.min(1e6, Math.floor(F / p.findCost)) : 1e6;
  while (hi - lo > 2) {
    const a = lo + Math.floor((hi - lo) / 3), b = hi - Math.floor((hi - lo) / 3);
    if (gain(a) < gain(b)) lo = a + 1;
    else hi = b - 1;
  }
  for (let k = lo; k <= hi; k++) if (gain(k) > best.gain) best = { k, gain: gain(k) };
  return best;
}

/**
 * The best a solver can take from one forced error once it knows how many honest finders h
 * there are: max over k of k·F·pay(h + k) − k·g. FindCommitted events show the finds committed
 * on its job before the find window closes (and ForcedErrorFound the revealed ones), so a
 * solver can commit last, knowing h. Without seats: concave in k, the continuous optimum
 * sqrt(h·F/g) − h rounded either way (h = 0: one account, F − g). With N seats: k ≤ N − h.
 */
export function selfClaimTake(F: number, h: number, g: number, seats = 0): number {
  const room = seats > 0 ? seats - h : Infinity; // accounts that can still be paid
  if (room <= 0) return 0;
  const at = (k: number) => (k <= 0 || k > room ? 0 : k * (F / (h + k) - g));
  if (h === 0) return Math.max(0, at(1));
  if (g <= 0) return room === Infinity ? F : at(room); // free accounts: fill every seat
  const kc = Math.sqrt((h * F) / g) - h;
  return Math.max(0, at(Math.min(room, Math.floor(kc))), at(Math.min(room, Math.ceil(kc))));
}

/** The expected gain per job of a solver that picks its accounts after seeing h (selfClaimTake). */
export function adaptiveSelfClaimGain(p: Params, r = p.sampleRate): number {
  const F = forcedPrize(p);
  if (p.forcedErrorRate === 0 || F === 0) return 0;
  return p.forcedErrorRate * binomialMean(p.verifiers, r, (h) => selfClaimTake(F, h, p.findCost, p.forcedFinders));
}

/**
 * Forced-error prizes leaving the jackpot per job: a forced error pays when it has between 1
 * and N finders (every forced error has one once k ≥ 1).
 */
export function forcedDrain(p: Params, k = p.selfClaims, r = p.sampleRate): number {
  const N = p.forcedFinders;
  const paid = binomialMean(p.verifiers, r, (h) => (h + k >= 1 && (N === 0 || h + k <= N) ? 1 : 0));
  return p.forcedErrorRate * forcedPrize(p) * paid;
}

/** One verifier's forced-error income minus its replay cost, per job, against k self-claims. */
export function verifierForcedNet(p: Params, k = p.selfClaims, r = p.sampleRate): number {
  return p.forcedErrorRate * forcedPrize(p) * forcedShareOfOne(r, p.verifiers, k, p.forcedFinders) - r * p.intervals * p.replayCost;
}

/**
 * Without seats: the prize per forced error at which verifiers checking everything (r = 1)
 * still earn (1 + margin) times their replay cost against a best self-claiming solver, at
 * p = 1 (the cheapest case): each then gets F / (V + k*) = sqrt(F·g/V), so F ≥ V·((1 + m)·n·c)² / g.
 */
export function robustPrize(p: Params): number {
  const need = (1 + p.margin) * p.intervals * p.replayCost;
  return p.findCost > 0 ? (p.verifiers * need * need) / p.findCost : Infinity;
}

interface AtK {
  k: number;
  gain: number;
  drain: number;
  verifierNet: number;
}

export interface SelfClaimReport {
  honest: { drain: number; verifierNet: number };
  given: AtK;
  best: AtK & { shareOfPrize: number };
  /** A solver that waits to see the honest finds (adaptiveSelfClaimGain); = best.gain at r = 1. */
  adaptiveGain: number;
  robustPrize: number;
  /** The same market with FORCED_FINDERS = V (what `optrain econ` recommends). */
  withSeats: { seats: number; best: AtK; adaptiveGain: number };
}

function atK(p: Params, k: number): AtK {
  return { k, gain: selfClaimGain(p, k), drain: forcedDrain(p, k), verifierNet: verifierForcedNet(p, k) };
}

/** What `optrain econ` prints about self-claims at the parameters' r and p. */
export function selfClaimReport(p: Params): SelfClaimReport {
  const best = bestSelfClaim(p);
  const q = { ...p, forcedFinders: p.verifiers };
  return {
    honest: { drain: forcedDrain(p, 0), verifierNet: verifierForcedNet(p, 0) },
    given: atK(p, p.selfClaims),
    best: { ...atK(p, best.k), shareOfPrize: selfClaimShare(p.sampleRate, p.verifiers, best.k, p.forcedFinders) },
    adaptiveGain: adaptiveSelfClaimGain(p),
    robustPrize: robustPrize(p),
    withSeats: { seats: q.forcedFinders, best: atK(q, bestSelfClaim(q).k), adaptiveGain: adaptiveSelfClaimGain(q) },
  };
}

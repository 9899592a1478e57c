// The closed-form economics of one job (docs/PROTOCOL.md §11 derives every formula here).
// Sampling model: each of V verifiers replays each of the job's n intervals independently
// with probability r (as verifier/sampling.ts does: a hash of seed and leaf below r * 2^32);
// a cheating solver commits k wrong intervals; a forced error is one wrong leaf.
import { CONTRACT, minStakeFor, type Params } from './params.ts';

/** Probability that at least one of V verifiers sampling at rate r sees one of k wrong leaves. */
export function detection(r: number, k: number, V: number): number {
  return 1 - (1 - r) ** (k * V);
}

/** E[1/(1+X)], X ~ Binomial(V-1, r): the expected share of a prize split among finders. */
export function shareFactor(r: number, V: number): number {
  if (r === 0) return 1;
  return (1 - (1 - r) ** V) / (V * r);
}

/** What the winners of a slash split: 40% of the stake plus the jackpot payout (JobMarket._slash). */
export function slashPot(p: Params): number {
  const S = p.stake;
  const toJackpot = S * CONTRACT.SLASH_JACKPOT;
  const payout = Math.min((p.jackpot + toJackpot) * CONTRACT.JACKPOT_PAYOUT, S * CONTRACT.JACKPOT_PAYOUT_CAP);
  return S - S * CONTRACT.SLASH_BURN - toJackpot + payout;
}

/** The solver's reward net of the protocol fee. */
export function netReward(p: Params): number {
  return p.reward * (1 - p.fee);
}

export function honestProfit(p: Params): number {
  return netReward(p) - p.solveCost;
}

/** Expected profit of a solver that commits k wrong intervals (saving k/n of its compute). */
export function cheatProfit(p: Params, k: number, r = p.sampleRate): number {
  const D = detection(r, k, p.verifiers);
  return (1 - D) * (netReward(p) + p.cheatGain) - D * p.stake - p.solveCost * (1 - k / p.intervals);
}

/**
 * The cheater's best number of wrong intervals. cheatProfit is convex in k (detection is
 * concave in k, the saving linear), so the best k is one of the two ends.
 */
export function bestCheat(p: Params, r = p.sampleRate): { k: number; profit: number } {
  const one = cheatProfit(p, 1, r);
  const all = cheatProfit(p, p.intervals, r);
  return one >= all ? { k: 1, profit: one } : { k: p.intervals, profit: all };
}

/**
 * E[f(X)], X ~ Binomial(N, r): the pmf is built in log space, so a large N with a tiny
 * (1 - r)^N does not underflow to a zero-weight sum.
 */
export function binomialMean(N: number, r: number, f: (i: number) => number): number {
  if (r <= 0) return f(0);
  if (r >= 1) return f(N);
  const lr = Math.log(r) - Math.log1p(-r);
  let logPmf = N * Math.log1p(-r), sum = 0;
  for (let i = 0; i <= N; i++) {
    sum += Math.exp(logPmf) * f(i);
    logPmf += Math.log((N - i) / (i + 1)) + lr;
  }
  return sum;
}

/** What each of f finders is paid, as a share of the prize: 1/f within the seats (0: no limit), else 0. */
export function paidShare(f: number, seats: number): number {
  return f > 0 && (seats === 0 || f <= seats) ? 1 / f : 0;
}

/**
 * One verifier's expected share of a forced error's prize when V verifiers sample at r and
 * the solver claims its own error through k accounts (which always find it): the verifier
 * replays the leaf with probability r and splits with the X ~ Binomial(V - 1, r) others and
 * the k, if they fit in the market's seats. With k = 0 and no seat limit it is
 * detection(r, 1, V) / V (by symmetry).
 */
export function forcedShareOfOne(r: number, V: number, k: number, seats = 0): number {
  if (k === 0 && (seats === 0 || seats >= V)) return detection(r, 1, V) / V;
  return r * binomialMean(V - 1, r, (x) => paidShare(1 + k + x, seats));
}

export function forcedPrize(p: Params): number {
  return p.forcedShare * p.jackpot;
}

export interface VerifierEconomics {
  forcedIncome: number; // per job, expected
  cheatIncome: number; // per job, expected
  replayCost: number; // per job
  net: number; // per job
  hoursPerJob: number; // replay time per job
  incomePerHour: number; // gross, per hour of checking
  costPerHour: number;
  netPerHour: number;
}

/**
 * One verifier's expectation per job when all V check at rate r and the solver cheats w.p. x
 * with k, and claims its own forced errors through p.selfClaims accounts (econ/selfclaim.ts).
 */
export function verifierEconomics(p: Params, r = p.sampleRate, x = p.cheatProb, k = bestCheat(p, r).k): VerifierEconomics {
  const V = p.verifiers;
  const forcedIncome = p.forcedErrorRate * forcedPrize(p) * forcedShareOfOne(r, V, p.selfClaims, p.forcedFinders);
  const cheatIncome = x * slashPot(p) * detection(r, k, V) / V;
  const replayCost = r * p.intervals * p.replayCost;
  const hoursPerJob = (r * p.intervals * p.replaySeconds) / 3600;
  const income = forcedIncome + cheatIncome;
  const perHour = (v: number) => (hoursPerJob > 0 ? v / hoursPerJob : 0);
  return { forcedIncome, cheatIncome, replayCost, net: income - replayCost, hoursPerJob, incomePerHour: perHour(income), costPerHour: perHour(replayCost), netPerHour: perHour(income - replayCost) };
}

/** Share of forced errors that no verifier replays. */
export function missedForced(r: number, V: number): number {
  return (1 - r) ** V;
}

/**
 * The smallest sample rate at which neither cheat (k = 1 nor k = n) beats honest work:
 * cheatProfit(k) <= honestProfit  <=>  D_k >= a_k = (G + kC/n) / (G + R' + S).
 * Infinity when no rate suffices (a_k >= 1).
 */
export function deterringRate(p: Params): number {
  return bindingCheat(p).rate;
}

/** The deterring rate and the cheat (k) that needs it: the one a solver uses at the margin. */
export function bindingCheat(p: Params): { rate: number; k: number } {
  const R1 = netReward(p);
  let worst = { rate: 0, k: 1 };
  for (const k of new Set([1, p.intervals])) {
    const a = (p.cheatGain + (k * p.solveCost) / p.intervals) / (p.cheatGain + R1 + p.stake);
    const rate = a >= 1 ? Infinity : 1 - (1 - a) ** (1 / (k * p.verifiers));
    if (rate > worst.rate) worst = { rate, k };
  }
  return worst;
}

/**
 * The symmetric equilibrium sample rate of verifiers facing honest solvers: a verifier's
 * income is linear in its own rate with slope p*F*shareFactor(r), its cost slope is n*c.
 * Everyone checks everything if the slope at r = 1 covers the cost, nobody checks if the
 * slope at r = 0 does not, otherwise the rate where they are equal (shareFactor decreases).
 */
export function verifierEquilibriumRate(p: Params): number {
  const slope = p.forcedErrorRate * forcedPrize(p);
  const cost = p.intervals * p.replayCost;
  if (slope <= cost) return 0;
  if (slope * shareFactor(1, p.verifiers) >= cost) return 1;
  let lo = 0, hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (slope * shareFactor(mid, p.verifiers) > cost) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The smallest stake at which no cheat beats honest work at sample rate r:
 * D_k (G + R' + S) >= G + kC/n  <=>  S >= (G + kC/n)/D_k - G - R'  (for k = 1 and n).
 */
export function deterringStake(p: Params, r = p.sampleRate): number {
  let worst = 0;
  for (const k of new Set([1, p.intervals])) {
    const D = detection(r, k, p.verifiers);
    worst = Math.max(worst, D > 0 ? (p.cheatGain + (k * p.solveCost) / p.intervals) / D - p.cheatGain - netReward(p) : Infinity);
  }
  return worst;
}

/**
 * The smallest forced-error rate at which checking at rate r is a best response facing honest
 * solvers: the marginal prize p*F*g(r) covers the marginal replay cost n*c.
 */
export function checkingForcedRate(p: Params, r = p.sampleRate): number {
  const F = forcedPrize(p);
  return F > 0 ? (p.intervals * p.replayCost) / (F * shareFactor(r, p.verifiers)) : Infinity;
}

export interface Equilibrium {
  deterringStake: number; // S at which cheating does not pay at the given r
  checkingForcedRate: number; // p at which checking at the given r is a best response
  deterringRate: number; // r_s
  verifierRate: number; // r_v with honest solvers
  honest: boolean; // honest solving and checking at r_v are both best responses
  /** Without an honest equilibrium: the mixed one (solvers cheat with the binding k). */
  mixed: { rate: number; k: number; cheatProb: number; wrongFinalized: number } | null;
}

/**
 * A verifier's marginal slash income per unit of its own rate when the solver cheats (x = 1)
 * with k wrong intervals and the other V - 1 verifiers check at r: the derivative of
 * pot * d_i * E[1/(1+X)] with d_i = 1 - (1 - r_i)^k and X ~ Binomial(V - 1, d).
 */
export function marginalSlashIncome(p: Params, r: number, k: number): number {
  const d = 1 - (1 - r) ** k;
  return slashPot(p) * k * (1 - r) ** (k - 1) * shareFactor(d, p.verifiers);
}

export function equilibrium(p: Params): Equilibrium {
  const binding = bindingCheat(p);
  const rs = binding.rate;
  const rv = verifierEquilibriumRate(p);
  const at = { deterringStake: deterringStake(p), checkingForcedRate: checkingForcedRate(p) };
  if (rv > 0 && rv >= rs) return { ...at, deterringRate: rs, verifierRate: rv, honest: true, mixed: null };
  // Verifier's dilemma: solvers must cheat just often enough (x*) that checking at r_s pays
  // at the margin, and r_s makes the binding cheat exactly as good as honest work.
  const rate = Math.min(1, rs);
  const gap = p.intervals * p.replayCost - p.forcedErrorRate * forcedPrize(p) * shareFactor(rate, p.verifiers);
  const cheatProb = Math.min(1, Math.max(0, gap / marginalSlashIncome(p, rate, binding.k)));
  return { ...at, deterringRate: rs, verifierRate: rv, honest: false, mixed: { rate, k: binding.k, cheatProb, wrongFinalized: cheatProb * (1 - detection(rate, binding.k, p.verifiers)) } };
}

export interface Recommendation {
  sampleRate: number;
  forcedErrorRate: number;
  forcedFinders: number; // FORCED_FINDERS = V: an extra account makes a forced error pay nobody
  stake: number;
  jackpotNeeded: number; // at the recommended p (>= the given jackpot when p would exceed 1)
  feeNeeded: number; // the funding share of R that pays the forced-error prizes in steady state
  feeSufficient: boolean; // the contract's PROTOCOL_FEE covers it
  maxReplayAtContractFee: number; // the largest one-replay cost per job the 2% fee can pay for
}

/**
 * Parameters at which checking everything (r = 1) is every verifier's strict best response
 * with a margin: p*F/V = (1 + margin)*n*c, so each earns (1 + margin) times its replay cost
 * and no forced error is missed; the stake stays at minStakeFor (cheating then never pays:
 * detection is 1). F = forcedShare * jackpot; if p would exceed 1 the jackpot must grow.
 * FORCED_FINDERS = V seats: the V verifiers fill them, so an account the solver adds to claim
 * its own forced error makes the prize pay nobody (§12.4).
 */
export function recommend(p: Params): Recommendation {
  const V = p.verifiers;
  const needed = V * (1 + p.margin) * p.intervals * p.replayCost; // p * F
  const F = forcedPrize(p);
  const pRec = F > 0 ? needed / F : Infinity;
  const forcedErrorRate = Math.min(1, pRec);
  const jackpotNeeded = pRec > 1 ? needed / p.forcedShare : p.jackpot;
  const feeNeeded = needed / p.reward; // every forced error is found at r = 1
  const maxReplayAtContractFee = (CONTRACT.PROTOCOL_FEE * p.reward) / (V * (1 + p.margin));
  return { sampleRate: 1, forcedErrorRate, forcedFinders: V, stake: Math.max(p.stake, minStakeFor(p.reward, p.declaredRate)), jackpotNeeded, feeNeeded, feeSufficient: feeNeeded <= CONTRACT.PROTOCOL_FEE, maxReplayAtContractFee };
}

/** The parameters with a recommendation applied (what `econ simulate --recommended` runs). */
export function applyRecommendation(p: Params): Params {
  const rec = recommend(p);
  return { ...p, sampleRate: rec.sampleRate, forcedErrorRate: rec.forcedErrorRate, forcedFinders: rec.forcedFinders, stake: rec.stake, jackpot: Math.max(p.jackpot, rec.jackpotNeeded), fee: Math.max(p.fee, rec.feeNeeded) };
}

/** Everything `optrain econ` prints. */
export function analyse(p: Params) {
  const best = bestCheat(p);
  return {
    params: p,
    solver: { honestProfit: honestProfit(p), cheatOneInterval: cheatProfit(p, 1), cheatNoWork: cheatProfit(p, p.intervals), bestCheat: best, cheatingPays: best.profit > honestProfit(p), minStakeFor: minStakeFor(p.reward, p.declaredRate) },
    verifier: verifierEconomics(p),
    missedForced: missedForced(p.sampleRate, p.verifiers),
    slashPot: slashPot(p),
    forcedPrize: forcedPrize(p),
    equilibrium: equilibrium(p),
    recommended: recommend(p),
  };
}
export type Analysis = ReturnType<typeof analyse>;

// Monte-Carlo check of econ/model.ts: jobs are played leaf by leaf with a seeded RNG (the
// same seed gives the same numbers), and every estimate is compared with its formula within
// its confidence interval.
import { bestCheat, cheatProfit, forcedPrize, netReward, slashPot, verifierEconomics, missedForced } from './model.ts';
import type { Params } from './params.ts';
import { adaptiveSelfClaimGain, forcedDrain, selfClaimGain, selfClaimTake } from './selfclaim.ts';

/** sfc32 seeded through splitmix32: fast, small, and good enough for Monte-Carlo means. */
export function seededRng(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Running mean and variance (Welford). */
class Stat {
  n = 0;
  mean = 0;
  private m2 = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  /** Standard error of the mean. */
  get se(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1) / this.n) : 0;
  }
}

/** z for the two-sided 99.9% interval the agreement check uses. */
export const Z_CHECK = 3.29;

export interface Estimate {
  name: string;
  sim: number;
  se: number;
  formula: number;
  agrees: boolean; // |sim - formula| <= Z_CHECK * se + range * RARE / n
}

/**
 * -ln(0.001): with n draws that all came out the same, an outcome of probability up to
 * RARE/n is still plausible at 99.9% (the "rule of three" at 95%). Without this term an
 * estimate whose rare outcome never happened has se = 0 and could never agree with a
 * formula that gives the rare outcome its tiny weight.
 */
const RARE = 6.91;

/** `range`: the largest difference between two outcomes of one draw. */
function estimate(name: string, s: Stat, formula: number, range: number): Estimate {
  const tol = Z_CHECK * s.se + (range * RARE) / Math.max(1, s.n) + 1e-12 * Math.max(1, Math.abs(formula));
  return { name, sim: s.mean, se: s.se, formula, agrees: Math.abs(s.mean - formula) <= tol };
}

/**
 * Play `jobs` jobs at the parameters' sample rate. Each job: every verifier samples each leaf
 * with probability r; a forced error (probability p) sits at a uniform leaf and its prize is
 * split among the verifiers that replayed it and the solver's own p.selfClaims accounts (which
 * always find it: PROTOCOL §12.4); the solver cheats with probability x using the
 * formula's best k, and the slash pot is split among the verifiers that saw a wrong leaf.
 * The profits of a one-interval and a no-work cheat are also scored against the same
 * samples (verifiers sample blindly, so a counterfactual cheat sees the same checks).
 */
export function simulate(p: Params, jobs: number, seed: number, r = p.sampleRate): Estimate[] {
  const rng = seededRng(seed);
  const V = p.verifiers, n = p.intervals;
  const k = bestCheat(p, r).k;
  const F = forcedPrize(p), pot = slashPot(p), R1 = netReward(p);
  const hits = new Uint8Array(n); // how many verifiers replayed each leaf
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const sampledBy = new Int32Array(V);
  const verifierNet = new Stat(), cheatOne = new Stat(), cheatAll = new Stat(), missed = new Stat();
  const sc = p.selfClaims, selfGain = new Stat(), drain = new Stat(), adaptive = new Stat(); // self-claiming solvers only
  let gained = 0, paid = 0, waited = 0;
  for (let j = 0; j < jobs; j++) {
    hits.fill(0);
    for (let v = 0; v < V; v++) {
      let m = 0;
      for (let l = 0; l < n; l++) if (rng() < r) { hits[l]++; m++; }
      sampledBy[v] = m;
    }
    let income = 0; // summed over all verifiers, then averaged
    gained = paid = waited = 0;
    if (rng() < p.forcedErrorRate) {
      const finders = hits[Math.floor(rng() * n)];
      const N = p.forcedFinders, each = finders + sc > 0 && (N === 0 || finders + sc <= N) ? F / (finders + sc) : 0;
      income += finders * each; // split equally among all finders, if they fit in the seats
      missed.add(finders === 0 ? 1 : 0);
      if (sc > 0) {
        gained = sc * (each - p.findCost); // the solver's accounts' share, less their gas
        paid = each > 0 ? F : 0; // its own accounts always find it: the prize leaves unless crowded
        waited = selfClaimTake(F, finders, p.findCost, N); // scored against the same finders
      }
    }
    if (sc > 0) {
      selfGain.add(gained);
      drain.add(paid);
      adaptive.add(waited);
    }
    if (rng() < p.cheatProb && caughtWith(k, hits, order, rng)) income += pot;
    let cost = 0;
    for (let v = 0; v < V; v++) cost += sampledBy[v] * p.replayCost;
    verifierNet.add((income - cost) / V);
    const one = hits[Math.floor(rng() * n)] > 0;
    cheatOne.add(one ? -p.stake - p.solveCost * (1 - 1 / n) : R1 + p.cheatGain - p.solveCost * (1 - 1 / n));
    const any = hits.some((h) => h > 0);
    cheatAll.add(any ? -p.stake : R1 + p.cheatGain);
  }
  const at = { ...p, sampleRate: r };
  const caughtSwing = R1 + p.cheatGain + p.stake;
  const out = [
    estimate('cheater profit, one wrong interval', cheatOne, cheatProfit(at, 1, r), caughtSwing),
    estimate('cheater profit, no work', cheatAll, cheatProfit(at, n, r), caughtSwing),
    estimate('verifier net per job', verifierNet, verifierEconomics(at, r, p.cheatProb, k).net, (F + pot) / V + n * p.replayCost),
  ];
  if (sc > 0) {
    out.push(estimate('solver self-claim gain per job', selfGain, selfClaimGain(at, sc, r), F + sc * p.findCost));
    out.push(estimate('forced prizes paid per job', drain, forcedDrain(at, sc, r), F));
    out.push(estimate('waiting self-claimer gain per job', adaptive, adaptiveSelfClaimGain(at, r), F));
  }
  // Only markets with forced errors have a miss rate; a run that drew none cannot confirm it.
  if (p.forcedErrorRate > 0) out.push(missed.n > 0 ? estimate('share of forced errors missed', missed, missedForced(r, V), 1) : { name: 'share of forced errors missed', sim: NaN, se: NaN, formula: missedForced(r, V), agrees: false });
  return out;
}

/** Whether a cheat with k wrong leaves (a uniform k-subset) was replayed by any verifier. */
function caughtWith(k: number, hits: Uint8Array, order: Int32Array, rng: () => number): boolean {
  const n = hits.length;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i)); // partial Fisher-Yates: the first k of a shuffle
    const t = order[i]; order[i] = order[j]; order[j] = t;
    if (hits[order[i]] > 0) return true;
  }
  return false;
}

/**
 * A best-responding solver's choice from the simulated profits (honest work's profit is
 * certain: R' - C), next to the formula's choice.
 */
export function bestResponse(p: Params, est: Estimate[]): { simulated: string; formula: string } {
  const options = [{ name: 'honest', sim: netReward(p) - p.solveCost, formula: netReward(p) - p.solveCost }, ...est.filter((e) => e.name.startsWith('cheater profit'))];
  const pick = (key: 'sim' | 'formula') => options.reduce((a, b) => (b[key] > a[key] ? b : a)).name.replace('cheater profit, ', 'cheat: ');
  return { simulated: pick('sim'), formula: pick('formula') };
}

/** The sample rates the sweep plots (log-spaced, up to 1). */
export const SWEEP_RATES = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1];

export interface SweepRow {
  rate: number;
  jobs: number;
  estimates: Estimate[];
}

/** Cheater profit (and the rest) versus sample rate, jobs split evenly over SWEEP_RATES. */
export function sweep(p: Params, jobs: number, seed: number): SweepRow[] {
  const per = Math.max(1, Math.ceil(jobs / SWEEP_RATES.length));
  return SWEEP_RATES.map((rate, i) => ({ rate, jobs: per, estimates: simulate(p, per, seed + 1 + i, rate) }));
}

export function sweepCsv(rows: SweepRow[]): string {
  const names = rows[0].estimates.map((e) => e.name);
  const slug = (s: string) => s.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '');
  const head = ['sample_rate', 'jobs', ...names.flatMap((n) => [`${slug(n)}_sim`, `${slug(n)}_se`, `${slug(n)}_formula`, `${slug(n)}_agrees`])];
  const lines = rows.map((r) => [r.rate, r.jobs, ...r.estimates.flatMap((e) => [e.sim, e.se, e.formula, e.agrees])].join(','));
  return [head.join(','), ...lines].join('\n') + '\n';
}

// Rates measured interleaved with the machine's no-FMA ceiling (bench only). On a shared
// machine the cores a process gets change from second to second, so a kernel's GFLOP/s and
// the ceiling are measured in alternating short rounds and each round's ratio uses the
// ceiling measured right before it; the median over rounds and the spread of the per-round
// values are reported (three plain runs here gave one matmul at 67%, 82% and 70%).
import { peakGflops, type Exec } from '../reproducible-ops/backend/peak.ts';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spreadOf(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

/** "+a/-b%" of a spread around its median. */
export function pctSpread(s: Spread): string {
  if (!(s.median > 0)) return '-';
  return `+${(((s.max - s.median) / s.median) * 100).toFixed(1)}/-${(((s.median - s.min) / s.median) * 100).toFixed(1)}%`;
}

export interface FastExec {
  kernelExec: Exec;
  lanes: number;
  threads: number;
}

export interface InterleavedResult {
  gflops: Spread; // the workload's GFLOP/s per round
  ceiling: Spread; // the ceiling per round
  share: Spread; // per-round gflops / ceiling of the same round
  rounds: number;
}

/**
 * `rounds` rounds of: the ceiling (about `ceilingSeconds`), then `work` (returns the flops it
 * did and the seconds it took). Returns medians and spreads.
 */
export function interleaved(b: FastExec, rounds: number, ceilingSeconds: number, work: () => { flops: number; seconds: number }): InterleavedResult {
  const g: number[] = [], c: number[] = [], s: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const peak = peakGflops(b.kernelExec, b.lanes, b.threads, ceilingSeconds, 1).gflops;
    const w = work();
    const gf = w.flops / w.seconds / 1e9;
    g.push(gf);
    c.push(peak);
    s.push(gf / peak);
  }
  return { gflops: spreadOf(g), ceiling: spreadOf(c), share: spreadOf(s), rounds };
}

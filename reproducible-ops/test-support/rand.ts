// Seeded random source of the op-case generators (tests only).
import { hash32 } from '../rng.ts';

/** Seeded generator: every failure is reproducible from the case's printed seed. */
export class Rand {
  private i = 0;
  constructor(private readonly seed: number) {}
  u32(): number {
    return hash32((hash32(this.seed) + this.i++) >>> 0);
  }
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.u32() % xs.length];
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
}

export type Mix = 'clean' | 'special';

// Fast `batch` kernel: the rows rng.ts sampleIndex picks, with the shuffle keys of an
// epoch derived once per call instead of once per row (permuteIndex recomputes its 8
// keys on every call, which dominated the kernel). Same bijection, same rows: the
// cross-backend tests compare it with the reference kernel.
import { draw, rngKey, STREAM_SHUFFLE } from '../rng.ts';
import { numel } from '../tensor.ts';
import type { KernelArgs } from './reference.ts';

/** permuteIndex(seed, epoch, ·, n) as a closure over the epoch's keys. */
export function epochPermutation(seed: number, epoch: number, n: number): (i: number) => number {
  if (n <= 1) return () => 0;
  const bits = 32 - Math.clz32(n - 1);
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  const shift = (bits + 1) >>> 1;
  const key = rngKey(seed, STREAM_SHUFFLE, epoch);
  const k = Array.from({ length: 8 }, (_, i) => draw(key, i));
  return (i: number) => {
    let x = i >>> 0;
    do {
      for (let r = 0; r < 4; r++) {
        x = ((x ^ k[2 * r]) & mask) >>> 0;
        x = (Math.imul(x, k[2 * r + 1] | 1) & mask) >>> 0;
        x = (x ^ (x >>> shift)) >>> 0;
      }
    } while (x >= n);
    return x;
  };
}

export function batchKernel(alloc: (n: number) => Float32Array) {
  return ({ inputs: [ds], inShapes, attrs, seed, step }: KernelArgs): Float32Array => {
    const B = attrs[0], n = inShapes[0][0], row = numel(inShapes[0].slice(1));
    const o = alloc(B * row);
    let epoch = -1, perm: (i: number) => number = () => 0;
    for (let b = 0; b < B; b++) {
      const g = step * B + b;
      const e = Math.floor(g / n);
      if (e !== epoch) perm = epochPermutation(seed, (epoch = e), n);
      const r = perm(g - e * n);
      o.set(ds.subarray(r * row, (r + 1) * row), b * row);
    }
    return o;
  };
}

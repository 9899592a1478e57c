// The no-FMA multiply-add ceiling of a fast backend (bench only): the OP_PEAK kernel runs
// independent chains of a rounded multiply then a rounded add, the same two instructions a
// REPOPS matmul spends per multiply-add, at the backend's vector width and thread count. A
// matmul's GFLOP/s divided by this is how close it is to what the ops' rules allow on this
// machine (an FMA-based framework kernel may go up to 2x above it).
import type { Descriptor } from './descriptors.ts';

export const OP_PEAK = 14;
const PEAK_CHAINS = 12; // native/src/repops.h

/** Vector lanes of each instruction set's kernels. */
export const LANES: Record<string, number> = { avx512: 16, avx2: 8, sse2: 4, neon: 4, wasm: 4, generic: 1 };

export type Exec = (d: Descriptor, out: Float32Array) => void;

/**
 * Best-of-rounds GFLOP/s of the OP_PEAK kernel per wall second and per CPU second of the
 * process (all its threads); each round is about `roundSeconds`.
 */
export function peakGflops(exec: Exec, lanes: number, threads: number, roundSeconds = 0.1, rounds = 5): { gflops: number; cpuGflops: number } {
  const out = new Float32Array(16 * Math.max(threads, 1));
  // m * a + b with m < 1 converges to b / (1 - m): values stay normal, no overflow or subnormals
  const call = (iters: number) => exec({ op: OP_PEAK, words: [iters], consts: [0.999, 0.001], inputs: [] }, out);
  let iters = 1 << 14;
  for (;;) {
    const t0 = performance.now();
    call(iters);
    if (performance.now() - t0 > roundSeconds * 1000 || iters >= 1 << 30) break;
    iters *= 2;
  }
  const flops = 2 * PEAK_CHAINS * lanes * iters * threads;
  let gflops = 0, cpuGflops = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    call(iters);
    const s = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
    gflops = Math.max(gflops, flops / s / 1e9);
    cpuGflops = Math.max(cpuGflops, flops / ((c.user + c.system) / 1e6) / 1e9);
  }
  if (!Number.isFinite(out[0])) throw new Error('peak kernel: non-finite result');
  return { gflops, cpuGflops };
}

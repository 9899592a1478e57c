// Matmul GFLOP/s (2*M*K*N flops per call) of the engine's backends and of tfjs, on the
// MLP's layer shape, cubes, and the transposed variants the backward pass uses.
import { runKernel, type Backend } from '../reproducible-ops/backend/reference.ts';
import { prng, randomData } from '../reproducible-ops/backend/op-cases.ts';
import { interleaved, type FastExec, type Spread } from './interleave.ts';
import { bestTime } from './timing.ts';
import { tfMatmul, type TfBackend } from './tfjs.ts';

export interface MatmulRow {
  impl: string;
  shape: string; // "MxKxN" plus the transposes, e.g. "1024x1024x1024 tA"
  threads: number;
  gflops: number; // flops per wall second
  cpuGflops: number; // flops per CPU second of the process (all its threads): robust to other load
}

export interface MatmulCase {
  M: number;
  K: number;
  N: number;
  ta: boolean;
  tb: boolean;
}

export const shapeLabel = (c: MatmulCase) => `${c.M}x${c.K}x${c.N}${c.ta ? ' tA' : ''}${c.tb ? ' tB' : ''}`;

export function matmulCases(quick: boolean): MatmulCase[] {
  const cubes = quick ? [256, 512] : [256, 512, 1024];
  const cases: MatmulCase[] = [{ M: 64, K: 784, N: 128, ta: false, tb: false }];
  for (const s of cubes) cases.push({ M: s, K: s, N: s, ta: false, tb: false });
  const big = cubes.at(-1)!;
  for (const [ta, tb] of [[true, false], [false, true], [true, true]] as const) {
    cases.push({ M: 64, K: 784, N: 128, ta, tb }, { M: big, K: big, N: big, ta, tb });
  }
  return cases;
}

const flops = (c: MatmulCase) => 2 * c.M * c.K * c.N;

export async function engineMatmul(impl: string, backend: Backend, threads: number, c: MatmulCase, roundSeconds: number): Promise<MatmulRow> {
  const r = prng(c.M * 31 + c.N);
  const args = {
    inputs: [randomData(r, c.M * c.K, 'plain'), randomData(r, c.K * c.N, 'plain')],
    inShapes: [c.ta ? [c.K, c.M] : [c.M, c.K], c.tb ? [c.N, c.K] : [c.K, c.N]],
    outShape: [c.M, c.N],
    attrs: [c.ta ? 1 : 0, c.tb ? 1 : 0],
    seed: 0,
    step: 0,
  };
  const call = () => {
    const o = runKernel(backend, 'matmul', args); // then released (`release?.(runKernel(..))` would skip the call where release is absent)
    backend.release?.(o);
  };
  const t = await bestTime(call, { roundSeconds, rounds: 3 });
  return { impl, shape: shapeLabel(c), threads, gflops: flops(c) / t.seconds / 1e9, cpuGflops: flops(c) / t.cpuSeconds / 1e9 };
}

export async function tfjsMatmul(name: TfBackend, c: MatmulCase, roundSeconds: number): Promise<MatmulRow> {
  const mm = await tfMatmul(name, c.M, c.K, c.N, c.ta, c.tb);
  try {
    const t = await bestTime(mm.run, { roundSeconds, rounds: 3 });
    return { impl: `tfjs-${name}`, shape: shapeLabel(c), threads: 1, gflops: flops(c) / t.seconds / 1e9, cpuGflops: flops(c) / t.cpuSeconds / 1e9 };
  } finally {
    mm.dispose();
  }
}

export interface MatmulShareRow {
  impl: string;
  shape: string;
  threads: number;
  gflops: Spread;
  ceiling: Spread;
  share: Spread;
  rounds: number;
}

/** A cube's GFLOP/s as a share of the ceiling, in rounds interleaved with it (bench/interleave.ts). */
export function engineMatmulShare(impl: string, backend: Backend & FastExec, size: number, rounds: number, ceilingSeconds: number): MatmulShareRow {
  const c: MatmulCase = { M: size, K: size, N: size, ta: false, tb: false };
  const r = prng(size * 7 + 1);
  // The operands sit in the backend's own memory, as a training step's activations do.
  const own = (x: Float32Array) => {
    const b = backend.alloc?.(x.length);
    return b ? (b.set(x), b) : x;
  };
  const args = { inputs: [own(randomData(r, size * size, 'plain')), own(randomData(r, size * size, 'plain'))], inShapes: [[size, size], [size, size]], outShape: [size, size], attrs: [0, 0], seed: 0, step: 0 };
  const call = () => {
    const o = runKernel(backend, 'matmul', args);
    backend.release?.(o);
  };
  call();
  const t0 = performance.now();
  call();
  const calls = Math.max(2, Math.round(ceilingSeconds / ((performance.now() - t0) / 1000)));
  const res = interleaved(backend, rounds, ceilingSeconds, () => {
    const s = performance.now();
    for (let i = 0; i < calls; i++) call();
    return { flops: flops(c) * calls, seconds: (performance.now() - s) / 1000 };
  });
  return { impl, shape: shapeLabel(c), threads: backend.threads, gflops: res.gflops, ceiling: res.ceiling, share: res.share, rounds };
}

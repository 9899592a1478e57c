// Random cases of the repops-3 ops (tests only), on the shapes a small GPT has and that break
// vector tails: T not a multiple of 8, vocab 65, head size 24, batch 1 and 13. Ids mix valid
// rows (with repeats) with -0, NaN, +-Inf, non-integers and out-of-range values.
import { fromBits, toBits } from '../f32.ts';
import { encodeDims } from '../ops/table.ts';
import { numel, type Shape } from '../tensor.ts';
import type { Mix, Rand } from './rand.ts';

type Gen = (r: Rand, mix: Mix) => { inShapes: Shape[]; inputs: Float32Array[]; attrs: number[] };
type Helpers = { randomTensor: (r: Rand, s: Shape, mix: Mix) => Float32Array; randomValue: (r: Rand, mix: Mix) => number };

export const T_SIZES = [1, 3, 7, 9, 13, 17] as const; // never a multiple of 8 above 1
export const BATCHES = [1, 2, 13] as const;
export const HEAD_SIZES = [1, 5, 24] as const;
export const VOCABS = [1, 7, 65] as const;
const BAD_IDS = [-0, NaN, Infinity, -Infinity, 0.5, -1, 1e9, fromBits(1)];

/** Ids in [0, V) with repeats; with 'special', ~20% ids that match no row (and -0 = row 0). */
export function randomIds(r: Rand, n: number, V: number, mix: Mix): Float32Array {
  const hot = Math.min(V, 3); // a few hot rows, so repeated ids are common
  return Float32Array.from({ length: n }, () => {
    if (mix === 'special' && r.chance(0.2)) return r.pick(BAD_IDS);
    return r.chance(0.4) ? r.int(0, hot - 1) : r.int(0, V - 1);
  });
}

function idsShape(r: Rand): number[] {
  return r.pick([[r.pick(BATCHES), r.pick(T_SIZES)], [r.pick(T_SIZES)], [r.pick(BATCHES), 1, r.pick(T_SIZES)]]);
}

export function transformerGenerators(h: Helpers): Record<string, Gen> {
  const { randomTensor, randomValue } = h;
  return {
    rng_normal: (r, mix) => ({ inShapes: [], inputs: [], attrs: [r.u32(), toBits(randomValue(r, mix)), toBits(randomValue(r, mix)), ...encodeDims([r.pick(BATCHES), r.pick(T_SIZES)])] }),
    lr_cosine: (r, mix) => {
      const warmup = r.int(0, 30), total = warmup + r.int(1, 60);
      return { inShapes: [], inputs: [], attrs: [warmup, total, toBits(randomValue(r, mix)), toBits(randomValue(r, mix))] };
    },
    token_windows: (r, mix) => {
      const T = r.pick(T_SIZES), N = T + r.int(1, 40);
      return { inShapes: [[N]], inputs: [randomTensor(r, [N], mix)], attrs: [r.u32(), r.pick(BATCHES), T, r.int(0, 1)] };
    },
    erf: (r, mix) => {
      const s = [r.pick(BATCHES), r.pick(T_SIZES)];
      const x = randomTensor(r, s, mix);
      for (let i = 0; i < x.length; i++) if (r.chance(0.3)) x[i] = (r.u32() / 2 ** 32 - 0.5) * 10; // every erf range
      return { inShapes: [s], inputs: [x], attrs: [] };
    },
    causal_fill: (r, mix) => {
      const T = r.pick(T_SIZES), s = r.chance(0.5) ? [T, T] : [r.pick(BATCHES), r.int(1, 3), T, T];
      return { inShapes: [s], inputs: [randomTensor(r, s, mix)], attrs: [r.pick([0xff800000, 0x00000000, toBits(randomValue(r, mix))])] };
    },
    onehot: (r, mix) => {
      const s = idsShape(r), V = r.pick(VOCABS);
      return { inShapes: [s], inputs: [randomIds(r, numel(s), V + (r.chance(0.3) ? 2 : 0), mix)], attrs: [V] };
    },
    bmm: (r, mix) => {
      const batch = r.chance(0.5) ? [r.pick(BATCHES)] : [r.pick(BATCHES), r.int(1, 3)];
      const [M, K, N] = [r.pick(T_SIZES), r.pick([...HEAD_SIZES, ...T_SIZES]), r.pick([...T_SIZES, 24])];
      const ta = r.int(0, 1), tb = r.int(0, 1);
      const sa = [...batch, ...(ta ? [K, M] : [M, K])], sb = [...batch, ...(tb ? [N, K] : [K, N])];
      return { inShapes: [sa, sb], inputs: [randomTensor(r, sa, mix), randomTensor(r, sb, mix)], attrs: [ta, tb] };
    },
    gather_rows: (r, mix) => {
      const V = r.pick(VOCABS), D = r.pick(HEAD_SIZES), s = idsShape(r);
      return { inShapes: [[V, D], s], inputs: [randomTensor(r, [V, D], mix), randomIds(r, numel(s), V, mix)], attrs: [] };
    },
    scatter_rows: (r, mix) => {
      const V = r.pick(VOCABS), D = r.pick(HEAD_SIZES), s = idsShape(r);
      return { inShapes: [[...s, D], s], inputs: [randomTensor(r, [...s, D], mix), randomIds(r, numel(s), V, mix)], attrs: [V] };
    },
    permute: (r, mix) => {
      const s = [r.pick(BATCHES), r.pick(T_SIZES), r.int(1, 4), r.pick(HEAD_SIZES)].slice(0, r.int(1, 4));
      const perm = s.map((_, i) => i);
      for (let i = perm.length - 1; i > 0; i--) { // Fisher-Yates
        const j = r.int(0, i);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      return { inShapes: [s], inputs: [randomTensor(r, s, mix)], attrs: encodeDims(perm) };
    },
  };
}

// Random case builders for the op-semantics vectors: for each op of ops/table.ts, a node (input
// shapes, attrs, seed, step) drawn to hit odd/prime sizes, size-1 broadcast dims, rank 0, padding,
// cropped pooling borders, transposes, init step (-1) and large datasets, plus how its input
// values are drawn. Values are produced lazily per element, so huge inputs (a 60000-row dataset)
// cost nothing until an element is read.
import { encodeDims, OPS, type OpDef } from '../../../reproducible-ops/ops/table.ts';
import { numel, type Shape } from '../../../reproducible-ops/tensor.ts';
import { int, pick, chance, type Rand, type ValueMode, valueBits } from './vec-writer.ts';

export interface OpCase {
  def: OpDef;
  inShapes: Shape[];
  attrs: number[];
  seed: number;
  step: number; // -1 = init, as in ElemCtx
  modes: ValueMode[]; // how each input's values are drawn
  derivedY?: boolean; // maxpool2d_grad: input 1 is mostly maxpool2d(input 0)
}

const DIMS = [1, 1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17] as const;
const ANY_STEP = (r: Rand): number => pick(r, [-1, 0, 1, 2, int(r, 3, 1000), int(r, 0, 1 << 20), 0xfffffffe]);

export function randShape(r: Rand, minRank = 0, maxRank = 4, maxNumel = 4096): number[] {
  for (;;) {
    const s = Array.from({ length: int(r, minRank, maxRank) }, () => pick(r, DIMS));
    if (numel(s) <= maxNumel) return s;
  }
}

/** A shape that broadcasts to `out`: a trailing slice with some dims replaced by 1. */
function partner(r: Rand, out: Shape): number[] {
  const rank = int(r, 0, out.length);
  return out.slice(out.length - rank).map((d) => (chance(r, 0.3) ? 1 : d));
}

/** A random regrouping of numel(s) into 0..4 dims (with stray 1s): a valid reshape target. */
function regroup(r: Rand, s: Shape): number[] {
  const primes: number[] = [];
  for (let n = numel(s), p = 2; n > 1; ) {
    if (n % p === 0) {
      primes.push(p);
      n /= p;
    } else p++;
  }
  const rank = int(r, primes.length ? 1 : 0, 4);
  const out = new Array<number>(rank).fill(1);
  for (const p of primes) out[r() % rank] *= p;
  return out;
}

function constBits(r: Rand): number {
  return chance(r, 0.8) ? valueBits(r, 'moderate') : valueBits(r, 'mixed');
}

function nhwc(r: Rand, maxHW = 10): number[] {
  return [int(r, 1, 3), int(r, 1, maxHW), int(r, 1, maxHW), pick(r, [1, 2, 3, 5])];
}

/** im2col / col2im geometry: x NHWC, k, stride, pad with the kernel fitting the padded input. */
function convGeometry(r: Rand): { x: number[]; k: number; stride: number; pad: number } {
  for (;;) {
    const x = [int(r, 1, 2), int(r, 1, 9), int(r, 1, 9), int(r, 1, 4)];
    const k = int(r, 1, 5), stride = int(r, 1, 3), pad = int(r, 0, 2);
    if (x[1] + 2 * pad >= k && x[2] + 2 * pad >= k) return { x, k, stride, pad };
  }
}

function base(def: OpDef, r: Rand, inShapes: Shape[], attrs: number[], modes: ValueMode[] = []): OpCase {
  return { def, inShapes, attrs, seed: r(), step: ANY_STEP(r), modes: inShapes.map((_, i) => modes[i] ?? 'mixed') };
}

type Builder = (def: OpDef, r: Rand) => OpCase;

const unaryMode: Record<string, ValueMode> = { exp: 'exp', log: 'log' };

const binary: Builder = (def, r) => {
  const out = randShape(r);
  const a = chance(r, 0.5) ? out : partner(r, out), b = partner(r, out);
  return base(def, r, chance(r, 0.5) ? [a, b] : [b, a], []);
};

const BUILDERS: Record<string, Builder> = {
  state: (def, r) => base(def, r, [], [int(r, 0, 1), int(r, 0, 40), ...encodeDims(randShape(r))]),
  dataset: (def, r) => base(def, r, [], [int(r, 0, 3), ...Array.from({ length: 8 }, () => r()), ...encodeDims(randShape(r, 1))]),
  batch: (def, r) => {
    const n = pick(r, [1, 2, 3, 5, 16, 17, 255, 256, 257, 1000, 60000, 60000]);
    const row = pick(r, [[], [1], [3], [784], [28, 28, 1], [2, 5]]);
    const bs = pick(r, [1, 2, 3, 7, 32, 64, 100, 128, int(r, 1, 3000)]);
    return base(def, r, [[n, ...row]], [bs]);
  },
  rng_uniform: (def, r) => base(def, r, [], [pick(r, [r(), int(r, 0, 20), 0x10000 + int(r, 0, 99)]), constBits(r), constBits(r), ...encodeDims(randShape(r))]),
  fill: (def, r) => base(def, r, [], [valueBits(r, 'mixed'), ...encodeDims(randShape(r))]),
  dropout_mask: (def, r) => {
    const threshold = pick(r, [0, 1, 1 << 23, (1 << 24) - 1, 1 << 24, 0xffffffff, int(r, 0, (1 << 24) - 1), int(r, 0, (1 << 24) - 1)]);
    return base(def, r, [], [r(), threshold, constBits(r), ...encodeDims(randShape(r))]);
  },
  add: binary, sub: binary, mul: binary, div: binary, max: binary,
  relu_grad: (def, r) => {
    const s = randShape(r);
    return base(def, r, [s, s], [], ['ties', 'mixed']);
  },
  scale: (def, r) => base(def, r, [randShape(r)], [constBits(r)]),
  addc: (def, r) => base(def, r, [randShape(r)], [constBits(r)]),
  matmul: (def, r) => {
    const sizes = [1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 64, 100];
    const m = pick(r, sizes), n = pick(r, sizes);
    const k = chance(r, 0.03) ? 0 : pick(r, sizes); // k = 0: empty fold, out = +0
    const ta = pick(r, [0, 1, 0, 1, 2, 0xffffffff]), tb = pick(r, [0, 1, 0, 1, 7, 0x80000000]);
    return base(def, r, [ta ? [k, m] : [m, k], tb ? [n, k] : [k, n]], [ta, tb], ['fold', 'fold']);
  },
  sum: (def, r) => reduceCase(def, r, 'fold'),
  rowmax: (def, r) => reduceCase(def, r, 'ties'),
  maxpool2d: (def, r) => {
    const x = nhwc(r);
    return base(def, r, [x], [int(r, 1, Math.min(x[1], x[2]))], ['ties']);
  },
  col2im: (def, r) => {
    const { x, k, stride, pad } = convGeometry(r);
    const cols = OPS.im2col.shape([x], [k, stride, pad]);
    return base(def, r, [cols], [...x, k, stride, pad], ['fold']);
  },
  reshape: (def, r) => {
    const s = randShape(r);
    return base(def, r, [s], encodeDims(regroup(r, s)));
  },
  im2col: (def, r) => {
    const { x, k, stride, pad } = convGeometry(r);
    return base(def, r, [x], [k, stride, pad]);
  },
  maxpool2d_grad: (def, r) => {
    const x = nhwc(r, 9);
    const k = int(r, 1, Math.min(x[1], x[2], 5));
    const pooled = OPS.maxpool2d.shape([x], [k]);
    return { ...base(def, r, [x, pooled, pooled], [k], ['ties', 'ties', 'mixed']), derivedY: true };
  },
  expand: (def, r) => {
    const d = randShape(r);
    return base(def, r, [partner(r, d)], encodeDims(d));
  },
  copy: (def, r) => base(def, r, [randShape(r)], [int(r, 0, 1), int(r, 0, 40)]),
};
// --- repops-3 (REPOPS §15): transformer-like odd sizes (T 1..17, vocab 65, head size 24, batch 1 and 13)
const T_SIZES = [1, 2, 3, 7, 9, 13, 17, 64] as const;
const VOCABS = [1, 2, 3, 5, 16, 17, 65] as const;

/** A random permutation of 0..n-1 (Fisher-Yates). */
function permutation(r: Rand, n: number): number[] {
  const p = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = r() % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

const TRANSFORMER_BUILDERS: Record<string, Builder> = {
  rng_normal: (def, r) => {
    const stream = pick(r, [r(), int(r, 0, 20), 0x10000 + int(r, 0, 99)]);
    const mean = pick(r, [0, 0x80000000, constBits(r)]), std = pick(r, [0x3ca3d70a, 0x3f800000, constBits(r)]); // 0.02, 1
    return base(def, r, [], [stream, mean, std, ...encodeDims(randShape(r))]);
  },
  lr_cosine: (def, r) => {
    const warmup = pick(r, [0, 1, 2, 100, int(r, 0, 2000)]);
    const total = warmup + pick(r, [1, 2, 3, 1900, int(r, 1, 5000), (1 << 24) - 1 - warmup]);
    const step = pick(r, [-1, 0, warmup - 1, warmup, warmup + 1, total - 1, total, total + 1, int(r, 0, total), int(r, 0, total), 0xfffffffe]);
    const lrMax = pick(r, [0x3a83126f, constBits(r), constBits(r)]), lrMin = pick(r, [0x38d1b717, 0, constBits(r)]); // 1e-3, 1e-4
    return { ...base(def, r, [], [warmup, total, lrMax, lrMin]), step };
  },
  token_windows: (def, r) => {
    const T = pick(r, T_SIZES), n = T + pick(r, [1, 2, 3, 100, int(r, 1, 5000), 1_000_000]);
    return base(def, r, [[n]], [pick(r, [r(), int(r, 0, 9)]), pick(r, [1, 2, 12, 13]), T, int(r, 0, 1)]);
  },
  erf: (def, r) => base(def, r, [randShape(r)], [], ['erf']),
  causal_fill: (def, r) => {
    const T = pick(r, T_SIZES.slice(0, 7));
    const fill = pick(r, [0xff800000, 0, 0x80000000, valueBits(r, 'mixed')]);
    return base(def, r, [[...randShape(r, 0, 2, 64), T, T]], [fill], ['mixed']);
  },
  onehot: (def, r) => base(def, r, [randShape(r, 0, 3, 512)], [pick(r, VOCABS)], ['ids']),
  bmm: (def, r) => {
    const sizes = [1, 2, 3, 5, 7, 13, 24, 64];
    const batch = randShape(r, 1, 2, 64).map((d) => (chance(r, 0.3) ? pick(r, [1, 13]) : d));
    const m = pick(r, sizes), n = pick(r, sizes), k = chance(r, 0.03) ? 0 : pick(r, sizes);
    const ta = pick(r, [0, 1, 0, 1, 2, 0xffffffff]), tb = pick(r, [0, 1, 0, 1, 7, 0x80000000]);
    return base(def, r, [[...batch, ...(ta ? [k, m] : [m, k])], [...batch, ...(tb ? [n, k] : [k, n])]], [ta, tb], ['fold', 'fold']);
  },
  gather_rows: (def, r) => {
    const V = chance(r, 0.03) ? 0 : pick(r, VOCABS), D = pick(r, [1, 3, 24, 32]);
    return base(def, r, [[V, D], randShape(r, 0, 2, 256)], [], ['mixed', 'ids']);
  },
  scatter_rows: (def, r) => {
    const ids = chance(r, 0.03) ? [0] : randShape(r, 0, 3, 512), D = pick(r, [1, 3, 24]);
    return base(def, r, [[...ids, D], ids], [pick(r, VOCABS)], ['fold', 'ids']);
  },
  permute: (def, r) => {
    const x = randShape(r, 0, 4);
    return base(def, r, [x], encodeDims(permutation(r, x.length)));
  },
};
Object.assign(BUILDERS, TRANSFORMER_BUILDERS);

for (const name of ['neg', 'exp', 'log', 'sqrt', 'relu'])
  BUILDERS[name] = (def, r) => base(def, r, [randShape(r)], [], [unaryMode[name] ?? 'mixed']);

function reduceCase(def: OpDef, r: Rand, mode: ValueMode): OpCase {
  const s = randShape(r, 1, 4, 2048);
  const axis = int(r, 0, s.length - 1);
  if (chance(r, 0.3)) s[axis] = pick(r, [64, 100, 257, 300]); // long folds
  else if (chance(r, 0.04)) s[axis] = 0; // empty folds: out = init
  return base(def, r, [s], [axis], [mode]);
}

export function buildCase(def: OpDef, r: Rand): OpCase {
  const b = BUILDERS[def.name];
  if (!b) throw new Error(`op-cases: no case builder for op '${def.name}' (id ${def.id})`);
  return b(def, r);
}

/**
 * A malformed variant of a case for the shape-rule vectors: one attr word added, dropped or
 * changed, one input dim changed, or an input added/dropped. Small values only, so a variant the
 * TS rule accepts never has dimensions beyond u32.
 */
export function mutate(c: OpCase, r: Rand): OpCase {
  const attrs = [...c.attrs];
  const inShapes = c.inShapes.map((s) => [...s]);
  switch (int(r, 0, 4)) {
    case 0:
      attrs.splice(int(r, 0, attrs.length), 0, int(r, 0, 9));
      break;
    case 1:
      if (attrs.length) attrs.splice(int(r, 0, attrs.length - 1), 1);
      else attrs.push(1);
      break;
    case 2:
      if (attrs.length) attrs[int(r, 0, attrs.length - 1)] = int(r, 0, 40);
      else inShapes.push([2]);
      break;
    case 3: {
      const withDims = inShapes.filter((s) => s.length > 0);
      if (withDims.length) {
        const s = pick(r, withDims);
        s[int(r, 0, s.length - 1)] = int(r, 0, 20);
      } else inShapes.push([int(r, 1, 5)]);
      break;
    }
    default:
      if (inShapes.length && chance(r, 0.5)) inShapes.pop();
      else inShapes.push(randShape(r, 0, 2));
  }
  return { ...c, attrs, inShapes, modes: inShapes.map(() => 'mixed'), derivedY: false };
}

// Random test cases for every op of the table (tests only): shapes with odd and prime sizes,
// inputs mixing normal values with subnormals, signed zeros, infinities and NaN.
import { fromBits, toBits } from '../f32.ts';
import { convOut, encodeDims, opDef } from '../ops/table.ts';
import { numel, type Shape } from '../tensor.ts';
import { transformerGenerators } from './op-cases-transformer.ts';

export interface OpCase {
  op: string;
  inShapes: Shape[];
  inputs: Float32Array[];
  attrs: number[];
  seed: number;
  step: number;
}

export { Rand, type Mix } from './rand.ts';
import { Rand, type Mix } from './rand.ts';

export const DIMS = [1, 2, 3, 4, 5, 7, 11, 13] as const;
const SPECIAL_BITS = [0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00400000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f7fffff, 0x00800000];

/** A binary32 value: mostly moderate normals; with 'special', ~30% edge classes. */
export function randomValue(r: Rand, mix: Mix): number {
  if (mix === 'special' && r.chance(0.3)) return fromBits(r.pick(SPECIAL_BITS));
  if (mix === 'special' && r.chance(0.1)) return fromBits(r.u32() & 0x807fffff); // random subnormal
  const mant = r.u32() & 0x7fffff;
  const exp = 127 + r.int(-6, 2); // magnitudes in [2^-6, 8)
  return fromBits(((r.chance(0.5) ? 0x80000000 : 0) | (exp << 23) | mant) >>> 0);
}

export function randomTensor(r: Rand, shape: Shape, mix: Mix): Float32Array {
  const t = new Float32Array(numel(shape));
  for (let i = 0; i < t.length; i++) t[i] = randomValue(r, mix);
  return t;
}

export function randomShape(r: Rand, minRank = 1, maxRank = 4): number[] {
  const rank = r.int(minRank, maxRank);
  return Array.from({ length: rank }, () => r.pick(DIMS));
}

/** A shape that broadcasts to `out`: some leading dims dropped, some dims set to 1. */
function broadcastable(r: Rand, out: Shape): number[] {
  const drop = r.int(0, out.length);
  return out.slice(drop).map((d) => (r.chance(0.3) ? 1 : d));
}

type Gen = (r: Rand, mix: Mix) => Omit<OpCase, 'op' | 'seed' | 'step'>;

const unaryGen: Gen = (r, mix) => {
  const s = randomShape(r);
  return { inShapes: [s], inputs: [randomTensor(r, s, mix)], attrs: [] };
};

const binaryGen: Gen = (r, mix) => {
  const out = randomShape(r);
  const layouts: Shape[][] = [[out, out], [out, [1]], [out, out.slice(r.int(0, out.length - 1))], [broadcastable(r, out), out], [out, broadcastable(r, out)], [broadcastable(r, out), broadcastable(r, out)]];
  const [sa, sb] = r.pick(layouts);
  return { inShapes: [sa, sb], inputs: [randomTensor(r, sa, mix), randomTensor(r, sb, mix)], attrs: [] };
};

const constGen: Gen = (r, mix) => {
  const c = unaryGen(r, mix);
  return { ...c, attrs: [toBits(randomValue(r, mix))] };
};

const sourceDims = (r: Rand) => encodeDims(randomShape(r, 1, 3));

function nhwc(r: Rand, minHW = 1): number[] {
  return [r.int(1, 2), r.int(minHW, 7), r.int(minHW, 7), r.pick([1, 2, 3])];
}

/** Values drawn from a tiny set, so pooling windows contain ties, -0/+0 pairs and NaN. */
function tieTensor(r: Rand, shape: Shape, mix: Mix): Float32Array {
  const vals = mix === 'special' ? [0, -0, 1, 2, -1, NaN, Infinity, -Infinity] : [0, -0, 1, 2, -1, 0.5];
  return Float32Array.from({ length: numel(shape) }, () => r.pick(vals));
}

export const GENERATORS: Record<string, Gen> = {
  batch: (r, mix) => {
    const ds = [r.pick([1, 2, 5, 7, 13]), ...randomShape(r, 0, 2)];
    return { inShapes: [ds], inputs: [randomTensor(r, ds, mix)], attrs: [r.pick([1, 2, 3, 7, 16])] };
  },
  rng_uniform: (r, mix) => ({ inShapes: [], inputs: [], attrs: [r.u32(), toBits(randomValue(r, mix)), toBits(randomValue(r, mix)), ...sourceDims(r)] }),
  fill: (r, mix) => ({ inShapes: [], inputs: [], attrs: [toBits(randomValue(r, mix)), ...sourceDims(r)] }),
  dropout_mask: (r, mix) => ({ inShapes: [], inputs: [], attrs: [r.u32(), r.int(0, 1 << 24), toBits(randomValue(r, mix)), ...sourceDims(r)] }),
  add: binaryGen, sub: binaryGen, mul: binaryGen, div: binaryGen, max: binaryGen,
  neg: unaryGen, exp: unaryGen, log: unaryGen, sqrt: unaryGen, relu: unaryGen,
  relu_grad: (r, mix) => {
    const s = randomShape(r);
    return { inShapes: [s, s], inputs: [randomTensor(r, s, mix), randomTensor(r, s, mix)], attrs: [] };
  },
  scale: constGen, addc: constGen,
  matmul: (r, mix) => {
    const [M, K, N] = [r.pick(DIMS), r.pick([...DIMS, 17, 31]), r.pick(DIMS)];
    const ta = r.int(0, 1), tb = r.int(0, 1);
    const sa = ta ? [K, M] : [M, K], sb = tb ? [N, K] : [K, N];
    return { inShapes: [sa, sb], inputs: [randomTensor(r, sa, mix), randomTensor(r, sb, mix)], attrs: [ta, tb] };
  },
  sum: (r, mix) => {
    const s = randomShape(r);
    return { inShapes: [s], inputs: [randomTensor(r, s, mix)], attrs: [r.int(0, s.length - 1)] };
  },
  rowmax: (r, mix) => {
    const s = randomShape(r);
    return { inShapes: [s], inputs: [r.chance(0.5) ? tieTensor(r, s, mix) : randomTensor(r, s, mix)], attrs: [r.int(0, s.length - 1)] };
  },
  maxpool2d: (r, mix) => {
    const k = r.int(1, 3);
    const s = nhwc(r, k);
    return { inShapes: [s], inputs: [r.chance(0.5) ? tieTensor(r, s, mix) : randomTensor(r, s, mix)], attrs: [k] };
  },
  col2im: (r, mix) => {
    const [B, H, W, C] = nhwc(r, 3);
    const k = r.int(1, 3), stride = r.int(1, 2), pad = r.int(0, Math.min(2, k - 1));
    const [oh, ow] = convOut(H, W, k, stride, pad);
    const cs = [B * oh * ow, k * k * C];
    return { inShapes: [cs], inputs: [randomTensor(r, cs, mix)], attrs: [B, H, W, C, k, stride, pad] };
  },
  reshape: (r, mix) => {
    const s = randomShape(r);
    const n = numel(s);
    const target = r.chance(0.5) ? [n] : [1, n, 1];
    return { inShapes: [s], inputs: [randomTensor(r, s, mix)], attrs: encodeDims(target) };
  },
  im2col: (r, mix) => {
    const s = nhwc(r, 3);
    const k = r.int(1, 3), stride = r.int(1, 2), pad = r.int(0, Math.min(2, k - 1));
    return { inShapes: [s], inputs: [randomTensor(r, s, mix)], attrs: [k, stride, pad] };
  },
  maxpool2d_grad: (r, mix) => {
    const k = r.int(1, 3);
    const xs = nhwc(r, k);
    const ys = opDef('maxpool2d').shape([xs], [k]);
    const x = tieTensor(r, xs, mix);
    // y is the true pooled max (the case autograd emits) or, sometimes, arbitrary values
    const y = r.chance(0.8) ? poolMax(x, xs, k) : tieTensor(r, ys, mix);
    return { inShapes: [xs, ys, ys], inputs: [x, y, randomTensor(r, ys, mix)], attrs: [k] };
  },
  expand: (r, mix) => {
    const out = randomShape(r);
    const s = broadcastable(r, out);
    return { inShapes: [s], inputs: [randomTensor(r, s, mix)], attrs: encodeDims(out) };
  },
  copy: (r, mix) => ({ ...unaryGen(r, mix), attrs: [r.int(0, 1), r.int(0, 9)] }),
  ...transformerGenerators({ randomTensor, randomValue }), // repops-3
};

function poolMax(x: Float32Array, [B, H, W, C]: Shape, k: number): Float32Array {
  const OH = Math.floor(H / k), OW = Math.floor(W / k);
  const y = new Float32Array(B * OH * OW * C).fill(-Infinity);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < C; c++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const w = ((b * OH + oy) * OW + ox) * C + c;
              const v = x[((b * H + oy * k + ky) * W + ox * k + kx) * C + c];
              y[w] = Number.isNaN(y[w]) || Number.isNaN(v) ? NaN : Math.max(y[w], v);
            }
  return y;
}

/** One random case of `op`; step is sometimes -1 (initialisation). */
export function randomCase(op: string, seed: number, mix: Mix): OpCase {
  const r = new Rand(seed);
  const gen = GENERATORS[op];
  if (!gen) throw new Error(`no test case generator for op '${op}'`);
  const c = gen(r, mix);
  return { op, ...c, seed: r.u32(), step: r.chance(0.2) ? -1 : r.int(0, 1000) };
}

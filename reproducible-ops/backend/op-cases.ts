// Random kernel calls for cross-backend tests: every op of the table on random shapes
// (odd and prime sizes, vector tails, broadcasts, K blocks, multi-chunk rows) with data
// that mixes ordinary values with NaN, infinities, signed zeros and subnormals.
import { fromBits, toBits } from '../f32.ts';
import { encodeDims, opDef } from '../ops/table.ts';
import { numel, type Shape } from '../tensor.ts';
import { referenceBackend, runKernel, type KernelArgs } from './reference.ts';

export interface OpCase {
  op: string;
  args: KernelArgs;
  label: string;
}

/** Small deterministic PRNG (mulberry32) so a failing case can be replayed by seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, fromBits(1), fromBits(0x80000001), fromBits(0x007fffff), 3.4028234663852886e38, -1e-30, 1e30];

export type Dist = 'mixed' | 'positive' | 'exp' | 'plain';

export function randomData(r: () => number, n: number, dist: Dist = 'mixed'): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (dist !== 'plain' && u < 0.06) a[i] = SPECIALS[Math.floor(r() * SPECIALS.length)];
    else if (dist === 'positive') a[i] = Math.exp((r() - 0.5) * 180); // 1e-39 .. 1e39 incl. subnormals
    else if (dist === 'exp') a[i] = (r() - 0.6) * 230; // around both ends of exp's range
    else if (u < 0.1) a[i] = Math.round((r() - 0.5) * 8); // ties for max and maxpool_grad
    else a[i] = (r() - 0.5) * 4;
  }
  return a;
}

const SIZES = [1, 2, 3, 5, 7, 11, 13, 16, 17, 31, 33];
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const randShape = (r: () => number, rank: number): number[] => Array.from({ length: rank }, () => pick(r, SIZES));

function call(op: string, inputs: Float32Array[], inShapes: Shape[], attrs: number[], seed = 7, step = 3): KernelArgs {
  const outShape = opDef(op).shape(inShapes, attrs);
  return { inputs, inShapes, outShape, attrs, seed, step };
}

function binaryShapes(r: () => number): [number[], number[]] {
  const out = randShape(r, 1 + Math.floor(r() * 4));
  const kind = r();
  if (kind < 0.3) return [out, [...out]];
  if (kind < 0.45) return [out, [1]];
  if (kind < 0.55) return [[1], out];
  const b = out.slice(Math.floor(r() * out.length)).map((d) => (r() < 0.3 ? 1 : d));
  return r() < 0.5 ? [out, b] : [b, out];
}

function elementwiseCases(r: () => number): OpCase[] {
  const cases: OpCase[] = [];
  for (const op of ['add', 'sub', 'mul', 'div', 'max']) {
    for (let i = 0; i < 6; i++) {
      const [sa, sb] = binaryShapes(r);
      cases.push({ op, label: `[${sa}] ${op} [${sb}]`, args: call(op, [randomData(r, numel(sa)), randomData(r, numel(sb))], [sa, sb], []) });
    }
    for (const [rows, len] of [[37, 8], [5, 3], [100, 63], [9, 1]]) { // short rows against a broadcast row
      const full = [rows, len], row = [len];
      const [sa, sb] = r() < 0.5 ? [full, row] : [row, full];
      cases.push({ op, label: `[${sa}] ${op} [${sb}]`, args: call(op, [randomData(r, numel(sa)), randomData(r, numel(sb))], [sa, sb], []) });
    }
    const long = [2, 8192 + 37]; // rows longer than one work chunk
    cases.push({ op, label: `[${long}] ${op} [${long[1]}]`, args: call(op, [randomData(r, numel(long)), randomData(r, long[1])], [long, [long[1]]], []) });
  }
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'relu', 'scale', 'addc']) {
    for (const n of [1, 3, 15, 16, 17, 1000 + Math.floor(r() * 100), 20011]) {
      const dist: Dist = op === 'log' || op === 'sqrt' ? 'positive' : op === 'exp' ? 'exp' : 'mixed';
      const data = randomData(r, n, r() < 0.3 ? 'mixed' : dist);
      const attrs = op === 'scale' || op === 'addc' ? [toBits(pick(r, [0.5, -3.25, 1e-20, 7e30]))] : [];
      cases.push({ op, label: `${op} n=${n}`, args: call(op, [data], [[n]], attrs) });
    }
  }
  for (const n of [1, 19, 4099]) cases.push({ op: 'relu_grad', label: `relu_grad n=${n}`, args: call('relu_grad', [randomData(r, n), randomData(r, n)], [[n], [n]], []) });
  return cases;
}

function matmulCases(r: () => number): OpCase[] {
  const cases: OpCase[] = [];
  const dims = [[1, 1, 1], [7, 13, 5], [64, 50, 33], [3, 0, 4], [17, 300, 9], [31, 7, 61]];
  for (let i = 0; i < 4; i++) dims.push([1 + Math.floor(r() * 70), 1 + Math.floor(r() * 70), 1 + Math.floor(r() * 70)]);
  dims.push([131, 263, 1037]); // more than one block of M (64) and N (1024)
  dims.push([70, 1030, 300]); // more than one block of M and K (1024), A packed (over 256 columns)
  dims.push([16, 1100, 40]); // full row tiles read A in place over two K blocks, next to an edge column panel
  dims.push([24, 200, 130]); // a weight-gradient shape: column bands when split (native/src/k_matmul.inc split_cost)
  dims.push([128, 768, 128], [33, 770, 65]); // weight gradients X^T dY: split, parts cut K and pipeline the row tiles (k_matmul.inc gemm_ksplit)
  dims.push([200, 30, 5], [97, 7, 15], [300, 1, 1]); // few columns: computed as the transposed product
  for (const [M, K, N] of dims)
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      if (M * K * N > 1e6 && (ta || tb) && r() < 0.5) continue; // keep the big case cheap
      const sa = ta ? [K, M] : [M, K], sb = tb ? [N, K] : [K, N];
      const dist: Dist = r() < 0.3 ? 'mixed' : 'plain';
      cases.push({ op: 'matmul', label: `matmul ${M}x${K}x${N} t=${ta}${tb}`, args: call('matmul', [randomData(r, M * K, dist), randomData(r, K * N, dist)], [sa, sb], [ta, tb]) });
    }
  return cases;
}

function spatialCases(r: () => number): OpCase[] {
  const cases: OpCase[] = [];
  for (const op of ['sum', 'rowmax'])
    for (let i = 0; i < 8; i++) {
      const s = randShape(r, 1 + Math.floor(r() * 4));
      const axis = Math.floor(r() * s.length);
      cases.push({ op, label: `${op} [${s}] axis ${axis}`, args: call(op, [randomData(r, numel(s))], [s], [axis]) });
    }
  // last-axis folds over whole 16/8/4-lane groups of rows: in-register transposed blocks, a k tail, a partial row group
  for (const op of ['sum', 'rowmax'])
    for (const s of [[37, 53], [2, 10, 64]])
      cases.push({ op, label: `${op} [${s}] last axis`, args: call(op, [randomData(r, numel(s), 'mixed')], [s], [s.length - 1]) });
  for (let i = 0; i < 6; i++) {
    const k = 1 + Math.floor(r() * 3);
    const s = [1 + Math.floor(r() * 3), k + Math.floor(r() * 7), k + Math.floor(r() * 7), pick(r, [1, 3, 16, 17])];
    const x = randomData(r, numel(s));
    cases.push({ op: 'maxpool2d', label: `maxpool2d [${s}] k=${k}`, args: call('maxpool2d', [x], [s], [k]) });
    const y = runKernel(referenceBackend, 'maxpool2d', call('maxpool2d', [x], [s], [k]));
    const ys = opDef('maxpool2d').shape([s], [k]);
    cases.push({ op: 'maxpool2d_grad', label: `maxpool2d_grad [${s}] k=${k}`, args: call('maxpool2d_grad', [x, y, randomData(r, y.length)], [s, ys, ys], [k]) });
  }
  for (let i = 0; i < 8; i++) {
    const k = 1 + Math.floor(r() * 3), stride = 1 + Math.floor(r() * 2), pad = Math.floor(r() * k);
    const s = [1 + Math.floor(r() * 3), k + Math.floor(r() * 6), k + Math.floor(r() * 6), pick(r, [1, 2, 5, 16, 19])];
    cases.push({ op: 'im2col', label: `im2col [${s}] k=${k} s=${stride} p=${pad}`, args: call('im2col', [randomData(r, numel(s))], [s], [k, stride, pad]) });
    const cs = opDef('im2col').shape([s], [k, stride, pad]);
    cases.push({ op: 'col2im', label: `col2im [${s}] k=${k} s=${stride} p=${pad}`, args: call('col2im', [randomData(r, numel(cs))], [cs], [...s, k, stride, pad]) });
  }
  return cases;
}

function otherCases(r: () => number): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 6; i++) {
    const out = randShape(r, 1 + Math.floor(r() * 4));
    const x = out.map((d) => (r() < 0.5 ? 1 : d));
    if (numel(x) === numel(out)) x[0] = 1; // a real broadcast (equal sizes alias the input)
    if (numel(x) === numel(out)) continue;
    cases.push({ op: 'expand', label: `expand [${x}] -> [${out}]`, args: call('expand', [randomData(r, numel(x))], [x], encodeDims(out)) });
  }
  for (const n of [1, 5, 16, 777, 20000]) {
    const lo = toBits(-0.0871), sc = toBits(0.1742);
    cases.push({ op: 'rng_uniform', label: `rng_uniform n=${n}`, args: call('rng_uniform', [], [], [0x10003, lo, sc, ...encodeDims([n])], 11, -1) });
    cases.push({ op: 'dropout_mask', label: `dropout_mask n=${n}`, args: call('dropout_mask', [], [], [0x20005, Math.round(0.3 * 2 ** 24), toBits(1 / 0.7), ...encodeDims([n])], 11, 4) });
  }
  return cases;
}

function batchCases(r: () => number): OpCase[] {
  const cases: OpCase[] = [];
  for (const [n, B, step] of [[1, 3, 0], [10, 4, 7], [97, 64, 5], [1000, 64, 15], [60000, 64, 936], [33, 40, 12345]]) {
    const row = pick(r, [1, 3, 10]);
    const ds = randomData(r, n * row);
    cases.push({ op: 'batch', label: `batch n=${n} B=${B} step=${step}`, args: call('batch', [ds], [[n, row]], [B], 1 + Math.floor(r() * 1000), step) });
  }
  return cases;
}

/** Every fast op, several random cases each; `seed` picks the cases. */
export function opCases(seed: number): OpCase[] {
  const r = prng(seed);
  return [...elementwiseCases(r), ...matmulCases(r), ...spatialCases(r), ...otherCases(r), ...batchCases(r)];
}

/** Index of the first element whose canonical bits differ (NaN payloads do not count), or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (toBits(a[i]) !== toBits(b[i])) return i;
  return -1;
}

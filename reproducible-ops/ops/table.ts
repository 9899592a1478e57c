// The op table: the single source of truth for every backend, the arbiter and the
// on-chain one-step verifier (docs/REPOPS.md §4). Each op has an id, an arity, a shape
// rule over its u32 attribute words, and ELEMENT SEMANTICS: how one output element is
// computed from input elements as an exact sequence of binary32 primitives.
//   map : out[e] = f(read values)                      (elementwise, movement, rng)
//   fold: acc_0 = init; acc_{k+1} = step(acc_k, reads(k)); out[e] = acc_len
// Kernels (backend/*) must produce exactly these bits; tests compare them element-wise.
import * as f from '../f32.ts';
import { draw, rngKey, sampleIndex, unit24 } from '../rng.ts';
import { TRANSFORMER_OPS } from './table-transformer.ts';
import { broadcastIndex, broadcastShapes, broadcastStrides, numel, stridesOf, type Shape } from '../tensor.ts';

export type { Read, ElemCtx, ElemSem, OpDef } from './op-def.ts';
import type { Read, ElemCtx, OpDef } from './op-def.ts';

const bits = f.fromBits;
/** attrs ending in [rank, d0, d1, ...] */
export function dimsAttr(a: number[], at: number): number[] {
  const rank = a[at];
  return a.slice(at + 1, at + 1 + rank);
}
export const encodeDims = (shape: Shape): number[] => [shape.length, ...shape];

function unravel(e: number, shape: Shape): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = e % shape[d];
    e = (e - c[d]) / shape[d];
  }
  return c;
}

// --- elementwise ------------------------------------------------------------------
function unary(id: number, name: string, fn: (x: number) => number): OpDef {
  return {
    id, name, arity: 1, attrs: [],
    shape: (s) => s[0],
    sem: { kind: 'map', reads: (e) => [[0, e]], f: (v) => fn(v[0]) },
  };
}

function binary(id: number, name: string, fn: (a: number, b: number) => number): OpDef {
  return {
    id, name, arity: 2, attrs: [],
    shape: (s) => {
      try {
        return broadcastShapes(s[0], s[1]);
      } catch {
        throw new Error(`${name}: cannot broadcast shapes [${s[0]}] and [${s[1]}] (numpy rules, aligned on the right)`);
      }
    },
    sem: {
      kind: 'map',
      reads: (e, c) => [
        [0, broadcastIndex(e, c.outShape, broadcastStrides(c.inShapes[0], c.outShape))],
        [1, broadcastIndex(e, c.outShape, broadcastStrides(c.inShapes[1], c.outShape))],
      ],
      f: (v) => fn(v[0], v[1]),
    },
  };
}

function withConst(id: number, name: string, fn: (x: number, k: number) => number): OpDef {
  return {
    id, name, arity: 1, attrs: ['constBits'],
    shape: (s) => s[0],
    sem: { kind: 'map', reads: (e) => [[0, e]], f: (v, _e, c) => fn(v[0], bits(c.attrs[0])) },
  };
}

// --- sources and random ops -------------------------------------------------------
const sourceShape = (at: number) => (_s: Shape[], a: number[]) => dimsAttr(a, at);

const OPS_LIST: OpDef[] = [
  // state(tree, index, ...dims): pre-state tensor `index` of the model (tree 0) or optimizer
  // (tree 1) list; its root is checked against the pre-state hash. Also used for inputs of
  // inference programs, which are never disputed.
  { id: 0, name: 'state', arity: 0, attrs: ['tree', 'index', '...dims'], shape: sourceShape(2), sem: { kind: 'source' } },
  // dataset(kind, root0..root7, ...dims): a dataset tensor whose root is in the attrs
  { id: 1, name: 'dataset', arity: 0, attrs: ['kind', 'root0', 'root1', 'root2', 'root3', 'root4', 'root5', 'root6', 'root7', '...dims'], shape: sourceShape(9), sem: { kind: 'source' } },
  // batch(dataset; batchSize): rows of the dataset chosen by the shuffle of (seed, step)
  {
    id: 2, name: 'batch', arity: 1, attrs: ['batchSize'],
    shape: (s, a) => {
      if (s[0].length < 1 || s[0][0] < 1) throw new Error(`batch: dataset shape [${s[0]}] must have at least one row`);
      if (a[0] < 1) throw new Error(`batch: batchSize must be >= 1, got ${a[0]}`);
      return [a[0], ...s[0].slice(1)];
    },
    sem: {
      kind: 'map',
      reads: (e, c) => {
        const row = numel(c.outShape.slice(1));
        const b = Math.floor(e / row);
        const n = c.inShapes[0][0];
        return [[0, sampleIndex(c.seed, c.step, c.attrs[0], b, n) * row + (e - b * row)]];
      },
      f: (v) => v[0],
    },
  },
  // rng_uniform(stream, loBits, scaleBits, ...dims): lo + unit24(draw) * scale
  {
    id: 3, name: 'rng_uniform', arity: 0, attrs: ['stream', 'loBits', 'scaleBits', '...dims'], shape: sourceShape(3),
    sem: {
      kind: 'map', reads: () => [],
      f: (_v, e, c) => f.add(bits(c.attrs[1]), f.mul(unit24(draw(rngKey(c.seed, c.attrs[0], c.step), e)), bits(c.attrs[2]))),
    },
  },
  // fill(valueBits, ...dims)
  { id: 4, name: 'fill', arity: 0, attrs: ['valueBits', '...dims'], shape: sourceShape(1), sem: { kind: 'map', reads: () => [], f: (_v, _e, c) => bits(c.attrs[0]) } },
  // dropout_mask(stream, threshold24, keepScaleBits, ...dims): keepScale if draw>>>8 >= threshold else 0
  {
    id: 5, name: 'dropout_mask', arity: 0, attrs: ['stream', 'threshold24', 'keepScaleBits', '...dims'], shape: sourceShape(3),
    sem: {
      kind: 'map', reads: () => [],
      f: (_v, e, c) => (draw(rngKey(c.seed, c.attrs[0], c.step), e) >>> 8 >= c.attrs[1] ? bits(c.attrs[2]) : 0),
    },
  },
  binary(10, 'add', f.add),
  binary(11, 'sub', f.sub),
  binary(12, 'mul', f.mul),
  binary(13, 'div', f.div),
  binary(14, 'max', f.max),
  unary(15, 'neg', f.neg),
  unary(16, 'exp', f.exp),
  unary(17, 'log', f.log),
  unary(18, 'sqrt', f.sqrt),
  unary(19, 'relu', f.relu),
  // relu_grad(x, g): g where x > 0, else +0 (shapes equal)
  { ...binary(21, 'relu_grad', (x, g) => (x > 0 ? g : 0)), shape: (s) => equalShapes('relu_grad', s[0], s[1]) },
  withConst(22, 'scale', f.mul),
  withConst(23, 'addc', f.add),
  // matmul(a, b; transA, transB): out[i,j] = fold over k ascending of acc + a[i,k]*b[k,j], acc_0 = +0
  {
    id: 30, name: 'matmul', arity: 2, attrs: ['transA', 'transB'],
    shape: (s, a) => {
      if (s[0].length !== 2 || s[1].length !== 2) throw new Error(`matmul: inputs must be rank 2, got [${s[0]}] and [${s[1]}]`);
      const [m, ka] = a[0] ? [s[0][1], s[0][0]] : [s[0][0], s[0][1]];
      const [kb, n] = a[1] ? [s[1][1], s[1][0]] : [s[1][0], s[1][1]];
      if (ka !== kb) throw new Error(`matmul: inner dimensions differ: [${s[0]}] x [${s[1]}] (transA=${a[0]}, transB=${a[1]})`);
      return [m, n];
    },
    sem: {
      kind: 'fold',
      len: (_e, c) => (c.attrs[0] ? c.inShapes[0][0] : c.inShapes[0][1]),
      init: () => 0,
      reads: (e, k, c) => {
        const n = c.outShape[1];
        const i = Math.floor(e / n), j = e - i * n;
        const M = c.outShape[0], K = c.attrs[0] ? c.inShapes[0][0] : c.inShapes[0][1];
        const ai = c.attrs[0] ? k * M + i : i * K + k;
        const bi = c.attrs[1] ? j * K + k : k * n + j;
        return [[0, ai], [1, bi]];
      },
      step: (acc, v) => f.add(acc, f.mul(v[0], v[1])),
    },
  },
  reduceAxis(31, 'sum', 0, f.add),
  reduceAxis(32, 'rowmax', -Infinity, f.max),
  // maxpool2d(x; k): NHWC, window k x k, stride k, no padding; fold over (ky, kx) row-major
  {
    id: 33, name: 'maxpool2d', arity: 1, attrs: ['k'],
    shape: (s, a) => pooledShape('maxpool2d', s[0], a[0]),
    sem: {
      kind: 'fold',
      len: (_e, c) => c.attrs[0] * c.attrs[0],
      init: () => -Infinity,
      reads: (e, k, c) => [[0, poolSource(e, k, c)]],
      step: (acc, v) => f.max(acc, v[0]),
    },
  },
  // col2im(cols; B, H, W, C, k, stride, pad): scatter-add of im2col's transpose; each output
  // element folds its terms in ascending cols index order (see col2imTerms)
  {
    id: 34, name: 'col2im', arity: 1, attrs: ['B', 'H', 'W', 'C', 'k', 'stride', 'pad'],
    shape: (s, a) => {
      const x = a.slice(0, 4);
      const expected = im2colShape('col2im', x, a[4], a[5], a[6]);
      if (!sameDims(s[0], expected))
        throw new Error(`col2im: cols shape [${s[0]}] does not match im2col of [${x}] with k=${a[4]}, stride=${a[5]}, pad=${a[6]}: expected [${expected}]`);
      return x;
    },
    sem: {
      kind: 'fold',
      len: (e, c) => col2imTerms(e, c).length,
      init: () => 0,
      reads: (e, k, c) => [[0, col2imTerms(e, c)[k]]],
      step: (acc, v) => f.add(acc, v[0]),
    },
  },
  // reshape(x; ...dims): same elements, new shape
  {
    id: 40, name: 'reshape', arity: 1, attrs: ['...dims'],
    shape: (s, a) => {
      const d = dimsAttr(a, 0);
      if (numel(d) !== numel(s[0])) throw new Error(`reshape: [${s[0]}] has ${numel(s[0])} elements, [${d}] needs ${numel(d)}`);
      return d;
    },
    sem: { kind: 'map', reads: (e) => [[0, e]], f: (v) => v[0] },
  },
  // im2col(x; k, stride, pad): x NHWC -> [B*OH*OW, k*k*C], column order (ky, kx, c); zero outside
  {
    id: 41, name: 'im2col', arity: 1, attrs: ['k', 'stride', 'pad'],
    shape: (s, a) => im2colShape('im2col', s[0], a[0], a[1], a[2]),
    sem: {
      kind: 'map',
      reads: (e, c) => {
        const src = im2colSource(e, c.inShapes[0], c.attrs[0], c.attrs[1], c.attrs[2]);
        return src < 0 ? [] : [[0, src]];
      },
      f: (v) => (v.length ? v[0] : 0),
    },
  },
  // maxpool2d_grad(x, y, g; k): g[w] at the first position (row-major) of window w where
  // x equals y[w], +0 elsewhere and outside every window
  {
    id: 42, name: 'maxpool2d_grad', arity: 3, attrs: ['k'],
    shape: (s, a) => {
      const pooled = pooledShape('maxpool2d_grad', s[0], a[0]);
      equalShapes('maxpool2d_grad (y vs pooled x)', s[1], pooled);
      equalShapes('maxpool2d_grad (g vs pooled x)', s[2], pooled);
      return s[0];
    },
    sem: {
      kind: 'map',
      reads: (e, c) => {
        const w = poolWindowOf(e, c);
        if (w < 0) return [];
        const kk = c.attrs[0] * c.attrs[0];
        const reads: Read[] = [];
        for (let k = 0; k < kk; k++) reads.push([0, poolSource(w, k, { ...c, outShape: c.inShapes[1] })]);
        reads.push([1, w], [2, w]);
        return reads;
      },
      f: (v, e, c) => {
        if (v.length === 0) return 0;
        const kk = c.attrs[0] * c.attrs[0];
        const y = v[kk], g = v[kk + 1];
        const selfK = poolOffsetInWindow(e, c);
        for (let k = 0; k < kk; k++) if (v[k] === y) return k === selfK ? g : 0;
        return 0;
      },
    },
  },
  // expand(x; ...dims): broadcast x to dims
  {
    id: 43, name: 'expand', arity: 1, attrs: ['...dims'],
    shape: (s, a) => {
      const d = dimsAttr(a, 0);
      // numpy broadcast of x alone: aligned on the right, every dim of x is 1 or equal
      const fits = d.length >= s[0].length && s[0].every((x, i) => x === 1 || x === d[d.length - s[0].length + i]);
      if (!fits) throw new Error(`expand: cannot expand [${s[0]}] to [${d}]`);
      return d;
    },
    sem: { kind: 'map', reads: (e, c) => [[0, broadcastIndex(e, c.outShape, broadcastStrides(c.inShapes[0], c.outShape))]], f: (v) => v[0] },
  },
  // copy(x; tree, index): post-state tensor `index` of tree 0 (model) / 1 (optimizer); the
  // last nodes of init and step programs, model tensors first, each list in index order
  { id: 44, name: 'copy', arity: 1, attrs: ['tree', 'index'], shape: (s) => s[0], sem: { kind: 'map', reads: (e) => [[0, e]], f: (v) => v[0] } },
  ...TRANSFORMER_OPS, // repops-3 (ops/table-transformer.ts)
];

// --- shape checks ---------------------------------------------------------------------
const sameDims = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

function equalShapes(what: string, a: Shape, b: Shape): Shape {
  if (!sameDims(a, b)) throw new Error(`${what}: shapes must be equal, got [${a}] and [${b}]`);
  return a;
}

function requireNHWC(op: string, x: Shape): void {
  if (x.length !== 4) throw new Error(`${op}: input must be NHWC (rank 4), got [${x}]`);
}

/** maxpool2d output shape: floor(H/k) x floor(W/k), at least one window. */
function pooledShape(op: string, x: Shape, k: number): Shape {
  requireNHWC(op, x);
  if (!(k >= 1) || k > x[1] || k > x[2]) throw new Error(`${op}: pool size k=${k} must be in [1, min(H, W)] for input [${x}]`);
  return [x[0], Math.floor(x[1] / k), Math.floor(x[2] / k), x[3]];
}

function im2colShape(op: string, x: Shape, k: number, stride: number, pad: number): Shape {
  requireNHWC(op, x);
  if (!(k >= 1) || !(stride >= 1)) throw new Error(`${op}: kernel k=${k} and stride=${stride} must be >= 1`);
  const [oh, ow] = convOut(x[1], x[2], k, stride, pad);
  if (oh < 1 || ow < 1) throw new Error(`${op}: kernel k=${k} with pad=${pad} does not fit input [${x}]`);
  return [x[0] * oh * ow, k * k * x[3]];
}

// sum / rowmax over one axis with keepdims
function reduceAxis(id: number, name: string, init: number, step: (a: number, b: number) => number): OpDef {
  return {
    id, name, arity: 1, attrs: ['axis'],
    shape: (s, a) => {
      if (a[0] >= s[0].length) throw new Error(`${name}: axis ${a[0]} out of range for [${s[0]}]`);
      return s[0].map((d, i) => (i === a[0] ? 1 : d));
    },
    sem: {
      kind: 'fold',
      len: (_e, c) => c.inShapes[0][c.attrs[0]],
      init: () => init,
      reads: (e, k, c) => {
        const st = stridesOf(c.inShapes[0]);
        const coords = unravel(e, c.outShape);
        coords[c.attrs[0]] = k;
        return [[0, coords.reduce((acc, x, i) => acc + x * st[i], 0)]];
      },
      step: (acc, v) => step(acc, v[0]),
    },
  };
}

export function convOut(H: number, W: number, k: number, stride: number, pad: number): [number, number] {
  return [Math.floor((H + 2 * pad - k) / stride) + 1, Math.floor((W + 2 * pad - k) / stride) + 1];
}

/** Flat index in x (NHWC) read by im2col element e, or -1 for padding. */
export function im2colSource(e: number, xs: Shape, k: number, stride: number, pad: number): number {
  const [, H, W, C] = xs;
  const [oh, ow] = convOut(H, W, k, stride, pad);
  const cols = k * k * C;
  const row = Math.floor(e / cols), col = e - row * cols;
  const b = Math.floor(row / (oh * ow)), r = row - b * oh * ow;
  const oy = Math.floor(r / ow), ox = r - oy * ow;
  const ky = Math.floor(col / (k * C)), rem = col - ky * k * C;
  const kx = Math.floor(rem / C), ch = rem - kx * C;
  const y = oy * stride + ky - pad, x = ox * stride + kx - pad;
  if (y < 0 || y >= H || x < 0 || x >= W) return -1;
  return ((b * H + y) * W + x) * C + ch;
}

/**
 * col2im terms of output element e: indices into cols in ASCENDING cols index order (each
 * cols row holds at most one term of e, so this is ascending row = ascending (oy, ox), i.e.
 * ky and kx descending). This is the order of a scatter-add over cols rows, the natural kernel.
 */
function col2imTerms(e: number, c: ElemCtx): number[] {
  const [, H, W, C, k, stride, pad] = c.attrs;
  const [oh, ow] = convOut(H, W, k, stride, pad);
  const ch = e % C, x = Math.floor(e / C) % W, y = Math.floor(e / (C * W)) % H, b = Math.floor(e / (C * W * H));
  const terms: number[] = [];
  for (let ky = k - 1; ky >= 0; ky--) {
    const ty = y + pad - ky;
    if (ty < 0 || ty % stride !== 0 || ty / stride >= oh) continue;
    for (let kx = k - 1; kx >= 0; kx--) {
      const tx = x + pad - kx;
      if (tx < 0 || tx % stride !== 0 || tx / stride >= ow) continue;
      const row = (b * oh + ty / stride) * ow + tx / stride;
      terms.push(row * k * k * C + (ky * k + kx) * C + ch);
    }
  }
  return terms;
}

/** Input index of the k-th element (row-major) of pooling window e (an output index). */
function poolSource(e: number, k: number, c: { inShapes: Shape[]; outShape: Shape; attrs: number[] }): number {
  const [, H, W, C] = c.inShapes[0];
  const [, OH, OW] = c.outShape;
  const p = c.attrs[0];
  const ch = e % C, ox = Math.floor(e / C) % OW, oy = Math.floor(e / (C * OW)) % OH, b = Math.floor(e / (C * OW * OH));
  const ky = Math.floor(k / p), kx = k - ky * p;
  return ((b * H + oy * p + ky) * W + ox * p + kx) * C + ch;
}

/** The pooling window (output index) containing input element e, or -1. */
function poolWindowOf(e: number, c: ElemCtx): number {
  const [, H, W, C] = c.inShapes[0];
  const p = c.attrs[0];
  const OH = Math.floor(H / p), OW = Math.floor(W / p);
  const ch = e % C, x = Math.floor(e / C) % W, y = Math.floor(e / (C * W)) % H, b = Math.floor(e / (C * W * H));
  const oy = Math.floor(y / p), ox = Math.floor(x / p);
  if (oy >= OH || ox >= OW) return -1;
  return ((b * OH + oy) * OW + ox) * C + ch;
}

function poolOffsetInWindow(e: number, c: ElemCtx): number {
  const [, , W, C] = c.inShapes[0];
  const p = c.attrs[0];
  const x = Math.floor(e / C) % W, y = Math.floor(e / (C * W)) % c.inShapes[0][1];
  return (y % p) * p + (x % p);
}

/** Attr words an op must have: its fixed words, plus rank + dims when it ends in `...dims`. */
function checkAttrCount(def: OpDef, a: number[]): void {
  const fixed = def.attrs.filter((x) => !x.startsWith('...')).length;
  const hasDims = def.attrs.some((x) => x.startsWith('...'));
  const expected = hasDims ? fixed + 1 + (a[fixed] ?? 0) : fixed;
  if (a.length !== expected || (hasDims && a.length <= fixed))
    throw new Error(`${def.name}: expects ${expected} attr words (${def.attrs.join(', ') || 'none'}), got ${a.length}`);
}

// Every shape rule first checks the attr word count, so a malformed node is rejected by name.
for (const def of OPS_LIST) {
  const rule = def.shape;
  def.shape = (s, a) => {
    checkAttrCount(def, a);
    return rule(s, a);
  };
}

export const OPS: Record<string, OpDef> = Object.fromEntries(OPS_LIST.map((o) => [o.name, o]));
export const OPS_BY_ID: Map<number, OpDef> = new Map(OPS_LIST.map((o) => [o.id, o]));
export type OpName = keyof typeof OPS & string;

export function opDef(name: string): OpDef {
  const d = OPS[name];
  if (!d) throw new Error(`unknown op '${name}'`);
  return d;
}

/** Compute one output element from the element semantics (slow, normative). */
export function evalElement(def: OpDef, e: number, c: ElemCtx, inputs: Float32Array[]): number {
  const sem = def.sem;
  if (sem.kind === 'source') throw new Error(`${def.name} is a source: its output is checked as a whole`);
  const val = (r: Read) => inputs[r[0]][r[1]];
  if (sem.kind === 'map') return sem.f(sem.reads(e, c).map(val), e, c);
  let acc = sem.init(e, c);
  const len = sem.len(e, c);
  for (let k = 0; k < len; k++) acc = sem.step(acc, sem.reads(e, k, c).map(val), c, e, k);
  return acc;
}

/** The accumulator sequence acc_0..acc_len of a fold element (what reduction disputes bisect). */
export function foldSequence(def: OpDef, e: number, c: ElemCtx, inputs: Float32Array[]): number[] {
  const sem = def.sem;
  if (sem.kind !== 'fold') throw new Error(`${def.name} is not a fold`);
  const seq = [sem.init(e, c)];
  const len = sem.len(e, c);
  for (let k = 0; k < len; k++) seq.push(sem.step(seq[k], sem.reads(e, k, c).map((r) => inputs[r[0]][r[1]]), c, e, k));
  return seq;
}

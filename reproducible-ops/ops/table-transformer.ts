// The ops that op set repops-3 adds for transformers (docs/REPOPS.md §15): batched matmul, permute,
// row gather / scatter-add for embeddings, causal fill, one-hot, erf, Gaussian init, the
// learning-rate schedule and token windows. Same contract as ops/table.ts: reads depend on the
// context only (shapes, attrs, seed, step), never on input values; element semantics are exact
// binary32 sequences. This module imports only types from table.ts (table.ts imports it).
import * as f from '../f32.ts';
import { draw, rngKey, unit24 } from '../rng.ts';
import { numel, sameShape, stridesOf, type Shape } from '../tensor.ts';
import type { ElemCtx, OpDef, Read } from './op-def.ts';

const bits = f.fromBits;
const dimsAt = (a: number[], at: number): number[] => a.slice(at + 1, at + 1 + a[at]);
const TWO_POW_24 = 16777216;

function unravel(e: number, shape: Shape): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = e % shape[d];
    e = (e - c[d]) / shape[d];
  }
  return c;
}

/** floor(a * b / 2^32) for u32 a, b, exactly (the product can exceed 2^53). */
export function mulhi32(a: number, b: number): number {
  const ah = Math.floor(a / 65536), al = a - ah * 65536;
  return Math.floor((ah * b + Math.floor((al * b) / 65536)) / 65536);
}

/** Box-Muller normal of element e: 2 draws, log, sqrt, cospi (REPOPS §15.3). */
export function normalAt(key: number, e: number, mean: number, std: number): number {
  const d1 = draw(key, (2 * e) >>> 0), d2 = draw(key, (2 * e + 1) >>> 0);
  const u1 = ((d1 >>> 8) + 1) * 5.9604644775390625e-8; // ((d1>>>8)+1) * 2^-24, exact, in (0, 1]
  const z = f.mul(f.sqrt(f.mul(-2, f.log(u1))), f.cospi(f.mul(2, unit24(d2))));
  return f.add(mean, f.mul(std, z));
}

/** nanoGPT get_lr at step t as binary32 ops in the written order (REPOPS §15.3). */
export function cosineLr(t: number, warmup: number, total: number, lrMax: number, lrMin: number): number {
  if (t < warmup) return f.div(f.mul(lrMax, t + 1), warmup + 1);
  if (t > total) return lrMin;
  const r = f.div(t - warmup, total - warmup); // integers < 2^24: exact operands
  const coeff = f.mul(0.5, f.add(1, f.cospi(r)));
  return f.add(lrMin, f.mul(coeff, f.sub(lrMax, lrMin)));
}

/** Window offset of batch row b (REPOPS §15.3): mulhi(draw, N - T). */
export function windowOffset(seed: number, stream: number, step: number, b: number, n: number, T: number): number {
  return mulhi32(draw(rngKey(seed, stream, step), b), n - T);
}

/** bmm shapes: [batch, M, K, N] and the batch dims; throws a one-line error on mismatch. */
export function bmmDims(s: Shape[], ta: number, tb: number): { batch: number[]; M: number; K: number; N: number } {
  const [a, b] = s;
  if (a.length < 3 || b.length !== a.length)
    throw new Error(`bmm: inputs must have the same rank >= 3, got [${a}] and [${b}]`);
  const batch = a.slice(0, -2);
  if (!sameShape(batch, b.slice(0, -2))) throw new Error(`bmm: batch dimensions differ: [${a}] x [${b}] (they must be identical, no broadcasting)`);
  const r = a.length;
  const [M, Ka] = ta ? [a[r - 1], a[r - 2]] : [a[r - 2], a[r - 1]];
  const [Kb, N] = tb ? [b[r - 1], b[r - 2]] : [b[r - 2], b[r - 1]];
  if (Ka !== Kb) throw new Error(`bmm: inner dimensions differ: [${a}] x [${b}] (transA=${ta}, transB=${tb})`);
  return { batch, M, K: Ka, N };
}

function checkPerm(x: Shape, perm: number[]): void {
  const ok = perm.length === x.length && [...perm].sort((p, q) => p - q).every((p, i) => p === i);
  if (!ok) throw new Error(`permute: [${perm}] is not a permutation of the ${x.length} axes of [${x}]`);
}

/** Flat index in x of permute's output element e. */
export function permuteSource(e: number, xs: Shape, outShape: Shape, perm: number[]): number {
  const st = stridesOf(xs);
  const coords = unravel(e, outShape);
  let idx = 0;
  for (let i = 0; i < coords.length; i++) idx += coords[i] * st[perm[i]];
  return idx;
}

function checkU24(op: string, name: string, v: number): void {
  if (!(v < TWO_POW_24)) throw new Error(`${op}: ${name} must be < 2^24 (exact in binary32), got ${v}`);
}

const sourceDims = (op: string) => (_s: Shape[], a: number[]): Shape => {
  const d = dimsAt(a, 3);
  if (d.some((x) => !(x >= 1))) throw new Error(`${op}: dims [${d}] must all be >= 1`);
  return d;
};

export const TRANSFORMER_OPS: OpDef[] = [
  // rng_normal(stream, meanBits, stdBits, ...dims): mean + std * BoxMuller(draws 2e, 2e+1)
  {
    id: 6, name: 'rng_normal', arity: 0, attrs: ['stream', 'meanBits', 'stdBits', '...dims'], shape: sourceDims('rng_normal'),
    sem: { kind: 'map', reads: () => [], f: (_v, e, c) => normalAt(rngKey(c.seed, c.attrs[0], c.step), e, bits(c.attrs[1]), bits(c.attrs[2])) },
  },
  // lr_cosine(warmup, total, lrMaxBits, lrMinBits): [1], nanoGPT's schedule at step c.step
  {
    id: 7, name: 'lr_cosine', arity: 0, attrs: ['warmup', 'total', 'lrMaxBits', 'lrMinBits'],
    shape: (_s, a) => {
      checkU24('lr_cosine', 'total', a[1]);
      if (!(a[1] > a[0])) throw new Error(`lr_cosine: total (${a[1]}) must be greater than warmup (${a[0]})`);
      return [1];
    },
    sem: { kind: 'map', reads: () => [], f: (_v, _e, c) => cosineLr(c.step, c.attrs[0], c.attrs[1], bits(c.attrs[2]), bits(c.attrs[3])) },
  },
  // token_windows(tokens; stream, batchSize, blockSize, shift): out[b, t] = tokens[off_b + t + shift]
  {
    id: 8, name: 'token_windows', arity: 1, attrs: ['stream', 'batchSize', 'blockSize', 'shift'],
    shape: (s, a) => {
      const [, B, T, shift] = a;
      if (s[0].length !== 1) throw new Error(`token_windows: tokens must be rank 1, got [${s[0]}]`);
      if (!(B >= 1) || !(T >= 1)) throw new Error(`token_windows: batchSize (${B}) and blockSize (${T}) must be >= 1`);
      if (!(s[0][0] > T)) throw new Error(`token_windows: needs more tokens than blockSize: ${s[0][0]} tokens, blockSize ${T}`);
      if (shift > 1) throw new Error(`token_windows: shift must be 0 (inputs) or 1 (targets), got ${shift}`);
      return [B, T];
    },
    sem: {
      kind: 'map',
      reads: (e, c) => {
        const T = c.attrs[2], b = Math.floor(e / T);
        return [[0, windowOffset(c.seed, c.attrs[0], c.step, b, c.inShapes[0][0], T) + (e - b * T) + c.attrs[3]]];
      },
      f: (v) => v[0],
    },
  },
  { id: 20, name: 'erf', arity: 1, attrs: [], shape: (s) => s[0], sem: { kind: 'map', reads: (e) => [[0, e]], f: (v) => f.erf(v[0]) } },
  // causal_fill(x; fillBits): x [..., T, T]; fill where column > row
  {
    id: 24, name: 'causal_fill', arity: 1, attrs: ['fillBits'],
    shape: (s) => {
      const x = s[0], r = x.length;
      if (r < 2 || x[r - 1] !== x[r - 2]) throw new Error(`causal_fill: input must be [..., T, T] (square in its last two dims), got [${x}]`);
      return x;
    },
    sem: {
      kind: 'map',
      reads: (e) => [[0, e]],
      f: (v, e, c) => {
        const T = c.outShape[c.outShape.length - 1];
        const j = e % T, i = Math.floor(e / T) % T;
        return j > i ? bits(c.attrs[0]) : v[0];
      },
    },
  },
  // onehot(ids; classes): out[..., c] = ids[...] == c ? 1 : +0
  {
    id: 25, name: 'onehot', arity: 1, attrs: ['classes'],
    shape: (s, a) => {
      if (!(a[0] >= 1)) throw new Error(`onehot: classes must be >= 1, got ${a[0]}`);
      return [...s[0], a[0]];
    },
    sem: { kind: 'map', reads: (e, c) => [[0, Math.floor(e / c.attrs[0])]], f: (v, e, c) => (v[0] === e % c.attrs[0] ? 1 : 0) },
  },
  // bmm(a, b; transA, transB): matmul per leading batch index; fold over k ascending from +0
  {
    id: 35, name: 'bmm', arity: 2, attrs: ['transA', 'transB'],
    shape: (s, a) => {
      const { batch, M, N } = bmmDims(s, a[0], a[1]);
      return [...batch, M, N];
    },
    sem: {
      kind: 'fold',
      len: (_e, c) => bmmDims(c.inShapes, c.attrs[0], c.attrs[1]).K,
      init: () => 0,
      reads: (e, k, c) => {
        const { M, K, N } = bmmDims(c.inShapes, c.attrs[0], c.attrs[1]);
        const p = Math.floor(e / (M * N)), r = e - p * M * N;
        const i = Math.floor(r / N), j = r - i * N;
        const ai = p * M * K + (c.attrs[0] ? k * M + i : i * K + k);
        const bi = p * K * N + (c.attrs[1] ? j * K + k : k * N + j);
        return [[0, ai], [1, bi]];
      },
      step: (acc, v) => f.add(acc, f.mul(v[0], v[1])),
    },
  },
  // gather_rows(table [V, D], ids [...]): fold over v of acc + (ids[n] == v ? table[v, d] : +0)
  {
    id: 36, name: 'gather_rows', arity: 2, attrs: [],
    shape: (s) => {
      if (s[0].length !== 2) throw new Error(`gather_rows: table must be [V, D], got [${s[0]}]`);
      return [...s[1], s[0][1]];
    },
    sem: {
      kind: 'fold',
      len: (_e, c) => c.inShapes[0][0],
      init: () => 0,
      reads: (e, k, c) => {
        const D = c.inShapes[0][1], n = Math.floor(e / D);
        return [[1, n], [0, k * D + (e - n * D)]];
      },
      step: (acc, v, _c, _e, k) => f.add(acc, v[0] === k ? v[1] : 0),
    },
  },
  // scatter_rows(gy [..., D], ids [...]; V): out [V, D], fold over n ascending of
  // acc + (ids[n] == v ? gy[n, d] : +0)
  {
    id: 37, name: 'scatter_rows', arity: 2, attrs: ['V'],
    shape: (s, a) => {
      const [g, ids] = s;
      if (g.length !== ids.length + 1 || !sameShape(g.slice(0, -1), ids))
        throw new Error(`scatter_rows: gy must be [...ids, D] for ids [${ids}], got [${g}]`);
      if (!(a[0] >= 1)) throw new Error(`scatter_rows: V must be >= 1, got ${a[0]}`);
      return [a[0], g[g.length - 1]];
    },
    sem: {
      kind: 'fold',
      len: (_e, c) => numel(c.inShapes[1]),
      init: () => 0,
      reads: (e, k, c) => {
        const D = c.outShape[1];
        return [[1, k], [0, k * D + (e % D)]];
      },
      step: (acc, v, c, e) => f.add(acc, v[0] === Math.floor(e / c.outShape[1]) ? v[1] : 0),
    },
  },
  // permute(x; ...perm): out dims[i] = x dims[perm[i]]
  {
    id: 45, name: 'permute', arity: 1, attrs: ['...perm'],
    shape: (s, a) => {
      const perm = dimsAt(a, 0);
      checkPerm(s[0], perm);
      return perm.map((p) => s[0][p]);
    },
    sem: { kind: 'map', reads: (e, c) => [[0, permuteSource(e, c.inShapes[0], c.outShape, dimsAt(c.attrs, 0))]], f: (v) => v[0] },
  },
];

/** Names of the ops repops-3 adds (a repops-2 job must not use them). */
export const REPOPS3_OPS: ReadonlySet<string> = new Set(TRANSFORMER_OPS.map((o) => o.name));

export type { ElemCtx, Read };

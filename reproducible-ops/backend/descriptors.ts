// Kernel descriptors shared by the native and WASM backends: each table op becomes an op
// code plus integer words and float constants that native/src/repops.h defines. Shapes
// are simplified here (broadcast dims coalesced, reductions viewed as [outer, len, inner])
// so the C kernels stay small; none of this changes which values an element reads.
import { fromBits } from '../f32.ts';
import { rngKey } from '../rng.ts';
import { bmmDims } from '../ops/table-transformer.ts';
import { broadcastStrides, numel, stridesOf, type Shape } from '../tensor.ts';
import { FUSION_LIMITS, type FusedCall, type FusedOperand } from './kernel.ts';
import type { KernelArgs } from './reference.ts';

export const OP = {
  BINARY: 1, UNARY: 2, MATMUL: 3, REDUCE: 4, MAXPOOL: 5, MAXPOOL_GRAD: 6, IM2COL: 7, COL2IM: 8,
  EXPAND: 9, RNG_UNIFORM: 10, DROPOUT: 11, RELU_GRAD: 12, TRANSPOSE: 13,
  BMM: 15, PERMUTE: 16, CAUSAL_FILL: 17, ONEHOT: 18, GATHER_ROWS: 19, SCATTER_ROWS: 20, FUSED: 21,
} as const;
export const BINARY_FN: Record<string, number> = { add: 0, sub: 1, mul: 2, div: 3, max: 4 };
export const UNARY_FN: Record<string, number> = { neg: 0, exp: 1, log: 2, sqrt: 3, relu: 4, scale: 5, addc: 6, erf: 7 };
export const MAX_RANK = 8;
export const MAX_WORDS = 40;

export interface Descriptor {
  op: number;
  words: number[]; // n[0..] of repops_desc
  consts: number[]; // c[0..3]
  inputs: Float32Array[]; // up to 3, in order
}

/** Ops whose fast kernels exist; every other op (batch, fill, reshape, copy) runs the
 *  reference kernel, which is a memcpy, a fill or an alias. */
export const FAST_OPS = [
  'add', 'sub', 'mul', 'div', 'max', 'neg', 'exp', 'log', 'sqrt', 'relu', 'scale', 'addc', 'relu_grad',
  'matmul', 'sum', 'rowmax', 'maxpool2d', 'maxpool2d_grad', 'im2col', 'col2im', 'expand', 'rng_uniform', 'dropout_mask',
] as const;

/** The repops-3 ops with fast kernels (backends-transformer.test.ts covers them). */
export const FAST_OPS_3 = ['erf', 'bmm', 'permute', 'causal_fill', 'onehot', 'gather_rows', 'scatter_rows'] as const;

/**
 * Broadcast view of output dims and per-input strides with size-1 dims dropped and
 * neighbouring dims merged where every input walks them contiguously (or not at all).
 * Returns null when more than MAX_RANK dims remain.
 */
export function coalesce(outShape: Shape, inShapes: Shape[]): { dims: number[]; strides: number[][] } | null {
  const raw = inShapes.map((s) => broadcastStrides(s, outShape));
  const dims: number[] = [];
  const strides: number[][] = inShapes.map(() => []);
  for (let d = 0; d < outShape.length; d++) {
    if (outShape[d] === 1) continue;
    const last = dims.length - 1;
    const mergeable = last >= 0 && raw.every((st, i) => strides[i][last] === st[d] * outShape[d]);
    if (mergeable) {
      dims[last] *= outShape[d];
      raw.forEach((st, i) => (strides[i][last] = st[d]));
    } else {
      dims.push(outShape[d]);
      raw.forEach((st, i) => strides[i].push(st[d]));
    }
  }
  if (dims.length === 0) return { dims: [1], strides: inShapes.map(() => [0]) };
  return dims.length > MAX_RANK ? null : { dims, strides };
}

/**
 * permute as output dims and the source stride of each: size-1 dims dropped, neighbouring
 * output dims merged where the source walks them contiguously. Null above MAX_RANK dims.
 */
export function permuteView(xs: Shape, outShape: Shape, perm: number[]): { dims: number[]; strides: number[] } | null {
  const st = stridesOf(xs);
  const dims: number[] = [], strides: number[] = [];
  outShape.forEach((n, i) => {
    if (n === 1) return;
    const s = st[perm[i]], last = dims.length - 1;
    if (last >= 0 && strides[last] === s * n) {
      dims[last] *= n;
      strides[last] = s;
    } else {
      dims.push(n);
      strides.push(s);
    }
  });
  if (dims.length === 0) return { dims: [1], strides: [1] };
  return dims.length > MAX_RANK ? null : { dims, strides };
}

function axisView(s: Shape, axis: number): [outer: number, len: number, inner: number] {
  return [numel(s.slice(0, axis)), s[axis], numel(s.slice(axis + 1))];
}

/** The descriptor of one kernel call, or null when this op/shape runs on the reference. */
export function describe(op: string, a: KernelArgs): Descriptor | null {
  const { inputs, inShapes, outShape, attrs } = a;
  const n = numel(outShape);
  if (op in BINARY_FN) {
    const v = coalesce(outShape, inShapes);
    if (!v) return null;
    return { op: OP.BINARY, words: [BINARY_FN[op], v.dims.length, ...v.dims, ...v.strides[0], ...v.strides[1]], consts: [], inputs };
  }
  if (op in UNARY_FN) {
    const c = op === 'scale' || op === 'addc' ? [fromBits(attrs[0])] : [];
    return { op: OP.UNARY, words: [UNARY_FN[op], n], consts: c, inputs };
  }
  switch (op) {
    case 'relu_grad':
      return { op: OP.RELU_GRAD, words: [0, n], consts: [], inputs };
    case 'matmul': {
      const [M, N] = outShape;
      const K = attrs[0] ? inShapes[0][0] : inShapes[0][1];
      return { op: OP.MATMUL, words: [M, K, N, attrs[0] ? 1 : 0, attrs[1] ? 1 : 0], consts: [], inputs };
    }
    case 'sum':
    case 'rowmax':
      return { op: OP.REDUCE, words: [op === 'sum' ? 0 : 1, ...axisView(inShapes[0], attrs[0])], consts: [], inputs };
    case 'maxpool2d':
      return { op: OP.MAXPOOL, words: [...inShapes[0], attrs[0]], consts: [], inputs };
    case 'maxpool2d_grad':
      return { op: OP.MAXPOOL_GRAD, words: [...inShapes[0], attrs[0]], consts: [], inputs };
    case 'im2col':
      return { op: OP.IM2COL, words: [...inShapes[0], attrs[0], attrs[1], attrs[2]], consts: [], inputs };
    case 'col2im':
      return { op: OP.COL2IM, words: attrs.slice(0, 7), consts: [], inputs };
    case 'expand': {
      const v = coalesce(outShape, inShapes);
      if (!v) return null;
      return { op: OP.EXPAND, words: [0, v.dims.length, ...v.dims, ...v.strides[0]], consts: [], inputs };
    }
    case 'bmm': {
      const { batch, M, K, N } = bmmDims(inShapes, attrs[0], attrs[1]);
      return { op: OP.BMM, words: [numel(batch), M, K, N, attrs[0] ? 1 : 0, attrs[1] ? 1 : 0], consts: [], inputs };
    }
    case 'permute': {
      const v = permuteView(inShapes[0], outShape, attrs.slice(1, 1 + attrs[0]));
      if (!v) return null;
      return { op: OP.PERMUTE, words: [v.dims.length, ...v.dims, ...v.strides], consts: [], inputs };
    }
    case 'causal_fill': {
      const T = outShape[outShape.length - 1];
      return { op: OP.CAUSAL_FILL, words: [n / (T * T), T], consts: [fromBits(attrs[0])], inputs };
    }
    case 'onehot':
      return { op: OP.ONEHOT, words: [inputs[0].length, attrs[0]], consts: [], inputs };
    case 'gather_rows':
      return { op: OP.GATHER_ROWS, words: [inputs[1].length, inShapes[0][0], inShapes[0][1]], consts: [], inputs };
    case 'scatter_rows':
      return { op: OP.SCATTER_ROWS, words: [inputs[1].length, attrs[0], outShape[1]], consts: [], inputs };
    case 'rng_uniform':
      return { op: OP.RNG_UNIFORM, words: [rngKey(a.seed, attrs[0], a.step) | 0, n], consts: [fromBits(attrs[1]), fromBits(attrs[2])], inputs: [] };
    case 'dropout_mask':
      return { op: OP.DROPOUT, words: [rngKey(a.seed, attrs[0], a.step) | 0, n, attrs[1]], consts: [fromBits(attrs[2])], inputs: [] };
  }
  return null;
}

/** k_fused.inc instruction codes and operand registers. */
const FUSED_UNARY = 16, FUSED_RELU_GRAD = 32, FUSED_STEP_REG = 3, FUSED_CONST_REG = 32;

/**
 * A fused elementwise chain (reproducible-ops/fusion.ts) as an OP_FUSED descriptor: n =
 * [count, steps, constants, instruction per step, constant bits], instruction = code |
 * a << 8 | b << 14 with operands 0..2 the inputs, 3 + k step k's result, 32 + i constant i
 * (the scalars first, then each scale/addc constant). Throws past FUSION_LIMITS.
 */
export function fusedDescriptor(c: FusedCall): Descriptor {
  const consts = c.scalarBits.map((b) => b >>> 0);
  const reg = (o: FusedOperand): number => ('input' in o ? o.input : 'step' in o ? FUSED_STEP_REG + o.step : FUSED_CONST_REG + o.scalar);
  const code = c.steps.map((s) => {
    let fn: number, a = reg(s.args[0]), b = s.args[1] ? reg(s.args[1]) : 0;
    if (s.op in BINARY_FN) fn = BINARY_FN[s.op];
    else if (s.op === 'relu_grad') fn = FUSED_RELU_GRAD;
    else if (s.op in UNARY_FN) {
      fn = FUSED_UNARY + UNARY_FN[s.op];
      if (s.attr !== undefined) b = FUSED_CONST_REG + consts.push(s.attr >>> 0) - 1;
    } else throw new Error(`fused: ${s.op} is not an elementwise op`);
    return fn | (a << 8) | (b << 14);
  });
  if (c.inputs.length > FUSION_LIMITS.inputs || code.length > FUSION_LIMITS.steps || code.length + consts.length > FUSION_LIMITS.words)
    throw new Error(`fused: ${c.inputs.length} inputs, ${code.length} steps, ${consts.length} constants exceed the descriptor (${JSON.stringify(FUSION_LIMITS)})`);
  return { op: OP.FUSED, words: [c.count, code.length, consts.length, ...code, ...consts.map((x) => x | 0)], consts: [], inputs: c.inputs };
}

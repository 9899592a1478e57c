// Reference kernels of the repops-3 ops (ops/table-transformer.ts): direct loops with the
// element semantics' bits. gather_rows / scatter_rows are a direct gather and an ascending
// scatter-add from +0: the table's folds add +0 for every non-matching term, which is the
// identity on every accumulator that can occur (REPOPS §15.4), so skipping those terms is exact.
import * as f from '../f32.ts';
import { rngKey } from '../rng.ts';
import { numel, stridesOf } from '../tensor.ts';
import { bmmDims, cosineLr, normalAt, windowOffset } from '../ops/table-transformer.ts';
import type { Kernel } from './kernel.ts';
import { matmulRef } from './matmul-ref.ts';

/** Row index of an id value, or -1 when it matches no row (non-integer, NaN, out of range). */
function rowOf(id: number, V: number): number {
  return Number.isInteger(id) && id >= 0 && id < V ? id + 0 : -1; // id + 0: -0 is row 0
}

export const transformerKernels: Record<string, Kernel> = {
  rng_normal: ({ outShape, attrs, seed, step }) => {
    const key = rngKey(seed, attrs[0], step), mean = f.fromBits(attrs[1]), std = f.fromBits(attrs[2]);
    const o = new Float32Array(numel(outShape));
    for (let e = 0; e < o.length; e++) o[e] = normalAt(key, e, mean, std);
    return o;
  },
  lr_cosine: ({ attrs, step }) => Float32Array.of(cosineLr(step, attrs[0], attrs[1], f.fromBits(attrs[2]), f.fromBits(attrs[3]))),
  token_windows: ({ inputs: [tokens], inShapes, attrs: [stream, B, T, shift], seed, step }) => {
    const o = new Float32Array(B * T);
    for (let b = 0; b < B; b++) {
      const off = windowOffset(seed, stream, step, b, inShapes[0][0], T) + shift;
      o.set(tokens.subarray(off, off + T), b * T);
    }
    return o;
  },
  erf: ({ inputs: [x] }) => {
    const o = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) o[i] = f.erf(x[i]);
    return o;
  },
  causal_fill: ({ inputs: [x], outShape, attrs }) => {
    const T = outShape[outShape.length - 1], fill = f.fromBits(attrs[0]);
    const o = x.slice();
    for (let base = 0; base < o.length; base += T * T)
      for (let i = 0; i < T; i++) o.fill(fill, base + i * T + i + 1, base + (i + 1) * T);
    return o;
  },
  onehot: ({ inputs: [ids], attrs: [C] }) => {
    const o = new Float32Array(ids.length * C);
    for (let n = 0; n < ids.length; n++) {
      const c = rowOf(ids[n], C);
      if (c >= 0) o[n * C + c] = 1;
    }
    return o;
  },
  bmm: ({ inputs: [a, b], inShapes, attrs: [ta, tb] }) => {
    const { batch, M, K, N } = bmmDims(inShapes, ta, tb);
    const P = numel(batch);
    const o = new Float32Array(P * M * N);
    for (let p = 0; p < P; p++)
      o.set(matmulRef(a.subarray(p * M * K, (p + 1) * M * K), b.subarray(p * K * N, (p + 1) * K * N), M, K, N, ta === 1, tb === 1), p * M * N);
    return o;
  },
  gather_rows: ({ inputs: [table, ids], inShapes }) => {
    const [V, D] = inShapes[0];
    const o = new Float32Array(ids.length * D); // +0 where the id matches no row
    for (let n = 0; n < ids.length; n++) {
      const v = rowOf(ids[n], V);
      if (v < 0) continue;
      for (let d = 0; d < D; d++) o[n * D + d] = 0 + table[v * D + d]; // +0 + t: -0 becomes +0
    }
    return o;
  },
  scatter_rows: ({ inputs: [gy, ids], attrs: [V], outShape }) => {
    const D = outShape[1];
    const o = new Float32Array(V * D); // acc_0 = +0
    for (let n = 0; n < ids.length; n++) { // ascending n: each element adds its terms in fold order
      const v = rowOf(ids[n], V);
      if (v < 0) continue;
      for (let d = 0; d < D; d++) o[v * D + d] += gy[n * D + d];
    }
    return o;
  },
  permute: ({ inputs: [x], inShapes: [xs], outShape, attrs }) => {
    const perm = attrs.slice(1, 1 + attrs[0]);
    const st = stridesOf(xs), rank = outShape.length;
    const src = perm.map((p) => st[p]); // x stride of each output axis
    const o = new Float32Array(x.length);
    const coord = new Array<number>(rank).fill(0);
    let idx = 0;
    for (let e = 0; e < o.length; e++) {
      o[e] = x[idx];
      for (let d = rank - 1; d >= 0; d--) {
        coord[d]++;
        idx += src[d];
        if (coord[d] < outShape[d]) break;
        idx -= src[d] * coord[d];
        coord[d] = 0;
      }
    }
    return o;
  },
};

// Plain-TypeScript reference backend: direct loops that follow the op table's element
// semantics exactly (tests compare them element by element). Float32Array stores round
// to binary32, so `o[i] = x + y` of two float32 values is the correctly rounded add;
// products are rounded with Math.fround before they are accumulated (no FMA).
import * as f from '../f32.ts';
import { draw, rngKey, sampleIndex, unit24 } from '../rng.ts';
import { broadcastStrides, numel, sameShape, stridesOf, type Shape } from '../tensor.ts';
import { convOut, evalElement, im2colSource, opDef, type ElemCtx } from '../ops/table.ts';
import { matmulRef } from './matmul-ref.ts';
import { transformerKernels } from './reference-transformer.ts';

export { matmulRef };


export type { KernelArgs, Kernel, Backend } from './kernel.ts';
import type { KernelArgs, Kernel, Backend } from './kernel.ts';

function binaryKernel(fn: (x: number, y: number) => number): Kernel {
  return ({ inputs: [a, b], inShapes, outShape }) => {
    const n = numel(outShape);
    const o = new Float32Array(n);
    if (a.length === n && b.length === n) {
      for (let i = 0; i < n; i++) o[i] = fn(a[i], b[i]);
    } else if (a.length === n && b.length === 1) {
      const y = b[0];
      for (let i = 0; i < n; i++) o[i] = fn(a[i], y);
    } else if (a.length === n && sameShape(inShapes[1], outShape.slice(outShape.length - inShapes[1].length)) ) {
      const m = b.length; // b broadcast over leading rows
      for (let i = 0; i < n; i += m) for (let j = 0; j < m; j++) o[i + j] = fn(a[i + j], b[j]);
    } else {
      const sa = broadcastStrides(inShapes[0], outShape), sb = broadcastStrides(inShapes[1], outShape);
      const rank = outShape.length;
      const coord = new Array<number>(rank).fill(0);
      let ia = 0, ib = 0;
      for (let i = 0; i < n; i++) {
        o[i] = fn(a[ia], b[ib]);
        for (let d = rank - 1; d >= 0; d--) {
          coord[d]++; ia += sa[d]; ib += sb[d];
          if (coord[d] < outShape[d]) break;
          ia -= sa[d] * coord[d]; ib -= sb[d] * coord[d]; coord[d] = 0;
        }
      }
    }
    return o;
  };
}

function unaryKernel(fn: (x: number) => number): Kernel {
  return ({ inputs: [a] }) => {
    const o = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) o[i] = fn(a[i]);
    return o;
  };
}

function reduceKernel(init: number, step: (acc: number, x: number) => number): Kernel {
  return ({ inputs: [a], inShapes: [s], attrs: [axis] }) => {
    const outer = numel(s.slice(0, axis)), len = s[axis], inner = numel(s.slice(axis + 1));
    const o = new Float32Array(outer * inner).fill(init);
    for (let p = 0; p < outer; p++)
      for (let k = 0; k < len; k++) {
        const base = (p * len + k) * inner;
        for (let q = 0; q < inner; q++) o[p * inner + q] = step(o[p * inner + q], a[base + q]);
      }
    return o;
  };
}

const kernels: Record<string, Kernel> = {
  batch: ({ inputs: [ds], inShapes, attrs, seed, step }) => {
    const B = attrs[0], n = inShapes[0][0], row = numel(inShapes[0].slice(1));
    const o = new Float32Array(B * row);
    for (let b = 0; b < B; b++) {
      const r = sampleIndex(seed, step, B, b, n);
      o.set(ds.subarray(r * row, (r + 1) * row), b * row);
    }
    return o;
  },
  rng_uniform: ({ outShape, attrs, seed, step }) => {
    const key = rngKey(seed, attrs[0], step), lo = f.fromBits(attrs[1]), sc = f.fromBits(attrs[2]);
    const o = new Float32Array(numel(outShape));
    for (let e = 0; e < o.length; e++) o[e] = f.add(lo, f.mul(unit24(draw(key, e)), sc));
    return o;
  },
  fill: ({ outShape, attrs }) => new Float32Array(numel(outShape)).fill(f.fromBits(attrs[0])),
  dropout_mask: ({ outShape, attrs, seed, step }) => {
    const key = rngKey(seed, attrs[0], step), keep = f.fromBits(attrs[2]);
    const o = new Float32Array(numel(outShape));
    for (let e = 0; e < o.length; e++) o[e] = draw(key, e) >>> 8 >= attrs[1] ? keep : 0;
    return o;
  },
  add: binaryKernel((x, y) => x + y),
  sub: binaryKernel((x, y) => x - y),
  mul: binaryKernel((x, y) => x * y), // exact in binary64, rounded once by the store
  div: binaryKernel((x, y) => x / y),
  max: binaryKernel(f.max),
  relu_grad: binaryKernel((x, g) => (x > 0 ? g : 0)),
  neg: unaryKernel((x) => -x),
  exp: unaryKernel(f.exp),
  log: unaryKernel(f.log),
  sqrt: unaryKernel(Math.sqrt),
  relu: unaryKernel(f.relu),
  scale: (a) => unaryKernel(((c) => (x: number) => x * c)(f.fromBits(a.attrs[0])))(a),
  addc: (a) => unaryKernel(((c) => (x: number) => x + c)(f.fromBits(a.attrs[0])))(a),
  matmul: ({ inputs: [a, b], inShapes, outShape, attrs }) => {
    const [M, N] = outShape;
    const K = attrs[0] ? inShapes[0][0] : inShapes[0][1];
    return matmulRef(a, b, M, K, N, attrs[0] === 1, attrs[1] === 1);
  },
  sum: reduceKernel(0, (acc, x) => acc + x),
  rowmax: reduceKernel(-Infinity, f.max),
  maxpool2d: ({ inputs: [x], inShapes: [[B, H, W, C]], outShape, attrs: [p] }) => {
    const [, OH, OW] = outShape;
    const o = new Float32Array(numel(outShape)).fill(-Infinity);
    for (let b = 0; b < B; b++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          const ob = ((b * OH + oy) * OW + ox) * C;
          for (let ky = 0; ky < p; ky++)
            for (let kx = 0; kx < p; kx++) {
              const ib = ((b * H + oy * p + ky) * W + ox * p + kx) * C;
              for (let c = 0; c < C; c++) o[ob + c] = f.max(o[ob + c], x[ib + c]);
            }
        }
    return o;
  },
  maxpool2d_grad: ({ inputs: [x, y, g], inShapes: [[B, H, W, C]], attrs: [p] }) => {
    const OH = Math.floor(H / p), OW = Math.floor(W / p);
    const o = new Float32Array(x.length);
    for (let b = 0; b < B; b++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let c = 0; c < C; c++) {
            const w = ((b * OH + oy) * OW + ox) * C + c;
            search: for (let ky = 0; ky < p; ky++)
              for (let kx = 0; kx < p; kx++) {
                const i = ((b * H + oy * p + ky) * W + ox * p + kx) * C + c;
                if (x[i] === y[w]) {
                  o[i] = g[w];
                  break search;
                }
              }
          }
    return o;
  },
  im2col: ({ inputs: [x], inShapes: [xs], outShape, attrs: [k, stride, pad] }) => {
    const [B, H, W, C] = xs;
    const [oh, ow] = convOut(H, W, k, stride, pad);
    const o = new Float32Array(numel(outShape));
    let r = 0;
    for (let b = 0; b < B; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++, r++)
          for (let ky = 0; ky < k; ky++) {
            const y = oy * stride + ky - pad;
            if (y < 0 || y >= H) continue;
            for (let kx = 0; kx < k; kx++) {
              const xx = ox * stride + kx - pad;
              if (xx < 0 || xx >= W) continue;
              const src = ((b * H + y) * W + xx) * C, dst = r * k * k * C + (ky * k + kx) * C;
              for (let c = 0; c < C; c++) o[dst + c] = x[src + c];
            }
          }
    return o;
  },
  col2im: ({ inputs: [cols], attrs: [B, H, W, C, k, stride, pad] }) => {
    // Visiting cols rows in ascending order adds each output element's terms in ascending
    // cols index order (a row holds at most one term per element): the element semantics.
    const [oh, ow] = convOut(H, W, k, stride, pad);
    const o = new Float32Array(B * H * W * C);
    let r = 0;
    for (let b = 0; b < B; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++, r++)
          for (let ky = 0; ky < k; ky++) {
            const y = oy * stride + ky - pad;
            if (y < 0 || y >= H) continue;
            for (let kx = 0; kx < k; kx++) {
              const xx = ox * stride + kx - pad;
              if (xx < 0 || xx >= W) continue;
              const dst = ((b * H + y) * W + xx) * C, src = r * k * k * C + (ky * k + kx) * C;
              for (let c = 0; c < C; c++) o[dst + c] += cols[src + c];
            }
          }
    return o;
  },
  reshape: ({ inputs: [x] }) => x,
  copy: ({ inputs: [x] }) => x,
  ...transformerKernels, // repops-3
  expand: ({ inputs: [x], inShapes: [s], outShape }) => {
    const n = numel(outShape);
    if (x.length === n) return x;
    const o = new Float32Array(n);
    const st = broadcastStrides(s, outShape);
    const os = stridesOf(outShape);
    for (let e = 0; e < n; e++) {
      let idx = 0, r = e;
      for (let d = 0; d < outShape.length; d++) {
        const c = Math.floor(r / os[d]);
        r -= c * os[d];
        idx += c * st[d];
      }
      o[e] = x[idx];
    }
    return o;
  },
};

export const referenceBackend: Backend = { name: 'reference', kernels };

/** Run an op: the backend's kernel, else the reference kernel, else element semantics. */
export function runKernel(backend: Backend, op: string, args: KernelArgs): Float32Array {
  const k = backend.kernels[op] ?? kernels[op];
  if (k) return k(args);
  const def = opDef(op);
  const ctx: ElemCtx = { inShapes: args.inShapes, outShape: args.outShape, attrs: args.attrs, seed: args.seed, step: args.step };
  const o = new Float32Array(numel(args.outShape));
  for (let e = 0; e < o.length; e++) o[e] = evalElement(def, e, ctx, args.inputs);
  return o;
}

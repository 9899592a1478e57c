// Gradient checking for tests: a case builder (parameters and constants with random binary32
// values), and the check of every gradient rule against central finite differences in binary64
// (test-support/graph-eval.ts), plus agreement of the binary32 program with the binary64 one:
//   |analytic - fd| <= 1e-6 * (|analytic| + |fd|) + 1e-8,  fd = (L(x+h) - L(x-h)) / 2h, h = 1e-6 * max(1, |x|)
//   |g32 - g64| <= 1e-4 * max |g64|  (per parameter)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward } from '../autograd.ts';
import { encodeDims } from '../ops/table.ts';
import { Graph } from '../program.ts';
import { numel, type Shape } from '../tensor.ts';
import { evalGraph32, evalGraph64, type StateValues } from './graph-eval.ts';
import { Rand } from './op-cases.ts';

export interface GradCase {
  g: Graph;
  loss: number;
  params: number[];
  values: StateValues<Float64Array>; // binary32-representable values
}

/** Builder of one case: parameters (tree 0) and constants (tree 1) with random values. */
export class CaseBuilder {
  readonly g = new Graph();
  readonly params: number[] = [];
  readonly values: StateValues<Float64Array> = { model: [], other: [] };
  constructor(private readonly r: Rand) {}

  private values32(n: number, lo: number, hi: number, awayFromZero = 0): Float64Array {
    return Float64Array.from({ length: n }, () => {
      let v: number;
      do v = Math.fround(lo + (this.r.u32() / 2 ** 32) * (hi - lo));
      while (Math.abs(v) < awayFromZero);
      return v;
    });
  }

  param(shape: Shape, lo = -1, hi = 1, awayFromZero = 0): number {
    const id = this.g.add('state', [], [0, this.values.model.length, ...encodeDims(shape)]);
    this.values.model.push(this.values32(numel(shape), lo, hi, awayFromZero));
    this.params.push(id);
    return id;
  }

  constant(shape: Shape, data?: number[]): number {
    const id = this.g.add('state', [], [1, this.values.other.length, ...encodeDims(shape)]);
    this.values.other.push(data ? Float64Array.from(data.map(Math.fround)) : this.values32(numel(shape), -1, 1));
    return id;
  }

  /** L = sum(w * y) with fixed random w: every element of y gets a distinct upstream gradient. */
  weightedLoss(y: number): GradCase {
    const s = this.g.shape(y);
    let t = this.g.add('mul', [y, this.constant(s)]);
    for (let ax = 0; ax < s.length; ax++) t = this.g.add('sum', [t], [ax]);
    return this.done(this.g.reshape(t, [1]));
  }

  done(loss: number): GradCase {
    return { g: this.g, loss, params: this.params, values: this.values };
  }
}

const MAX_CHECKED_ELEMENTS = 24; // per parameter, spread over the tensor, keeps the file fast

function lossAt(c: GradCase, model: Float64Array[]): number {
  return evalGraph64(c.g, { model, other: c.values.other }, c.loss)[c.loss][0];
}

export function checkGradients(name: string, c: GradCase): void {
  const grads = backward(c.g, c.loss, c.params);
  const v64 = evalGraph64(c.g, c.values);
  c.params.forEach((_, pi) => {
    const x = c.values.model[pi];
    const an = v64[grads[pi]];
    assert.equal(an.length, x.length, `${name}: gradient of param ${pi} has ${an.length} elements, param has ${x.length}`);
    const stride = Math.max(1, Math.floor(x.length / MAX_CHECKED_ELEMENTS));
    for (let j = 0; j < x.length; j += stride) {
      const h = 1e-6 * Math.max(1, Math.abs(x[j]));
      const plus = c.values.model.map((t, i) => (i === pi ? t.map((v, k) => (k === j ? v + h : v)) : t));
      const minus = c.values.model.map((t, i) => (i === pi ? t.map((v, k) => (k === j ? v - h : v)) : t));
      const fd = (lossAt(c, plus) - lossAt(c, minus)) / (2 * h);
      const tol = 1e-6 * (Math.abs(an[j]) + Math.abs(fd)) + 1e-8;
      if (!(Math.abs(an[j] - fd) <= tol)) assert.fail(`${name}: d loss / d param${pi}[${j}] analytic ${an[j]} vs finite difference ${fd}`);
    }
  });
  checkBinary32Agrees(name, c, grads, v64);
}

function checkBinary32Agrees(name: string, c: GradCase, grads: number[], v64: Float64Array[]): void {
  const s32 = { model: c.values.model.map((t) => Float32Array.from(t)), other: c.values.other.map((t) => Float32Array.from(t)) };
  const v32 = evalGraph32(c.g, s32);
  grads.forEach((gi, pi) => {
    const scale = Math.max(...v64[gi].map(Math.abs), 1e-30);
    v32[gi].forEach((g32, j) => {
      if (!(Math.abs(g32 - v64[gi][j]) <= 1e-4 * scale)) assert.fail(`${name}: binary32 gradient param${pi}[${j}] = ${g32}, binary64 ${v64[gi][j]}`);
    });
  });
}

export const gradTest = (name: string, build: (b: CaseBuilder) => GradCase) =>
  test(`gradient: ${name}`, () => checkGradients(name, build(new CaseBuilder(new Rand([...name].reduce((h, ch) => h * 31 + ch.charCodeAt(0), 7) >>> 0)))));

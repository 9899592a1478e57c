// Every gradient rule of autograd.ts against central finite differences. The whole program
// (forward, loss, backward) is interpreted in binary64 with each op's real-number analogue
// (test-support/graph-eval.ts), so the check is on the rules, not on float32 rounding:
//   |analytic - fd| <= 1e-6 * (|analytic| + |fd|) + 1e-8,  fd = (L(x+h) - L(x-h)) / 2h, h = 1e-6 * max(1, |x|)
// The same program run in binary32 with the reference kernels must agree with the binary64
// gradients to 1e-4 relative to the largest gradient entry of the parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward } from './autograd.ts';
import { forward, modelParams, softmaxCrossEntropy, type ModelSpec } from './layers.ts';
import { encodeDims } from './ops/table.ts';
import { Graph } from './program.ts';
import { numel, type Shape } from './tensor.ts';
import { evalGraph32, evalGraph64, type StateValues } from './test-support/graph-eval.ts';
import { Rand } from './test-support/op-cases.ts';

interface GradCase {
  g: Graph;
  loss: number;
  params: number[];
  values: StateValues<Float64Array>; // binary32-representable values
}

/** Builder of one case: parameters (tree 0) and constants (tree 1) with random values. */
class CaseBuilder {
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

function checkGradients(name: string, c: GradCase): void {
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

const gradTest = (name: string, build: (b: CaseBuilder) => GradCase) =>
  test(`gradient: ${name}`, () => checkGradients(name, build(new CaseBuilder(new Rand([...name].reduce((h, ch) => h * 31 + ch.charCodeAt(0), 7) >>> 0)))));

// --- elementwise, with broadcasting -------------------------------------------------------
gradTest('add [3,1,5] + [4,5] (both broadcast)', (b) => b.weightedLoss(b.g.add('add', [b.param([3, 1, 5]), b.param([4, 5])])));
gradTest('add [2,3] + [1] (scalar)', (b) => b.weightedLoss(b.g.add('add', [b.param([2, 3]), b.param([1])])));
gradTest('sub [4,5] - [3,4,1]', (b) => b.weightedLoss(b.g.add('sub', [b.param([4, 5]), b.param([3, 4, 1])])));
gradTest('mul [2,3] * [3]', (b) => b.weightedLoss(b.g.add('mul', [b.param([2, 3]), b.param([3])])));
gradTest('mul x * x (two contributions to one node)', (b) => {
  const x = b.param([5]);
  return b.weightedLoss(b.g.add('mul', [x, x]));
});
gradTest('div [3,1] / [3,4]', (b) => b.weightedLoss(b.g.add('div', [b.param([3, 1]), b.param([3, 4], 0.5, 2)])));
gradTest('div [5] / [1]', (b) => b.weightedLoss(b.g.add('div', [b.param([5]), b.param([1], -2, -0.5)])));
gradTest('exp', (b) => b.weightedLoss(b.g.add('exp', [b.param([7], -2, 2)])));
gradTest('log', (b) => b.weightedLoss(b.g.add('log', [b.param([7], 0.25, 4)])));
gradTest('sqrt', (b) => b.weightedLoss(b.g.add('sqrt', [b.param([7], 0.25, 4)])));
gradTest('relu (inputs away from the kink)', (b) => b.weightedLoss(b.g.add('relu', [b.param([11], -1, 1, 0.05)])));
gradTest('neg', (b) => b.weightedLoss(b.g.add('neg', [b.param([5])])));
gradTest('scale by 0.37', (b) => b.weightedLoss(b.g.scale(b.param([2, 3]), 0.37)));
gradTest('addc 1.5', (b) => b.weightedLoss(b.g.addc(b.param([2, 3]), 1.5)));

// --- matmul, all transpose flags ------------------------------------------------------------
for (const [ta, tb] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
  gradTest(`matmul transA=${ta} transB=${tb} (3x5 . 5x2)`, (b) => {
    const [M, K, N] = [3, 5, 2];
    const a = b.param(ta ? [K, M] : [M, K]), w = b.param(tb ? [N, K] : [K, N]);
    return b.weightedLoss(b.g.add('matmul', [a, w], [ta, tb]));
  });
}

// --- reductions and movement -----------------------------------------------------------------
gradTest('sum axis 0 of [3,4]', (b) => b.weightedLoss(b.g.add('sum', [b.param([3, 4])], [0])));
gradTest('sum axis 1 of [2,3,5]', (b) => b.weightedLoss(b.g.add('sum', [b.param([2, 3, 5])], [1])));
gradTest('reshape [2,6] -> [3,4]', (b) => b.weightedLoss(b.g.reshape(b.param([2, 6]), [3, 4])));
gradTest('expand [3,1] -> [2,3,4]', (b) => b.weightedLoss(b.g.add('expand', [b.param([3, 1])], encodeDims([2, 3, 4]))));
gradTest('im2col k=3 stride 2 pad 1 of [1,5,5,2] (gradient is col2im)', (b) => b.weightedLoss(b.g.add('im2col', [b.param([1, 5, 5, 2])], [3, 2, 1])));
gradTest('im2col k=2 stride 1 pad 0 of [2,4,3,1]', (b) => b.weightedLoss(b.g.add('im2col', [b.param([2, 4, 3, 1])], [2, 1, 0])));
gradTest('maxpool2d k=2 of [1,5,4,2] (odd H: last row outside every window)', (b) => b.weightedLoss(b.g.add('maxpool2d', [b.param([1, 5, 4, 2])], [2])));
gradTest('maxpool2d k=3 of [2,6,7,1]', (b) => b.weightedLoss(b.g.add('maxpool2d', [b.param([2, 6, 7, 1])], [3])));

// --- loss and layers --------------------------------------------------------------------------
function onehot(rows: number, classes: number, r: Rand): number[] {
  const out = new Array<number>(rows * classes).fill(0);
  for (let i = 0; i < rows; i++) out[i * classes + r.int(0, classes - 1)] = 1;
  return out;
}

gradTest('softmax cross-entropy (rowmax as a constant stabiliser) of [3,4] logits', (b) => {
  const z = b.param([3, 4], -3, 3);
  return b.done(softmaxCrossEntropy(b.g, z, b.constant([3, 4], onehot(3, 4, new Rand(11)))));
});

function modelCase(b: CaseBuilder, model: ModelSpec, batch: number, classes: number): GradCase {
  const x = b.constant([batch, ...model.inputShape]);
  const params = modelParams(model).params.map((p) => b.param(p.shape, -0.7, 0.7));
  const logits = forward(b.g, model, x, params, { training: true, dropoutStreamBase: 0x20000 });
  return b.done(softmaxCrossEntropy(b.g, logits, b.constant([batch, classes], onehot(batch, classes, new Rand(12)))));
}

gradTest('dense layers end to end: 5 -> relu 4 -> 3 (+bias) with cross-entropy', (b) =>
  modelCase(b, { inputShape: [5], layers: [{ type: 'dense', units: 4, activation: 'relu', useBias: true }, { type: 'dense', units: 3, activation: 'softmax', useBias: true }] }, 2, 3));

gradTest('conv layers end to end: conv same + maxpool + conv valid (col2im) + dropout + dense', (b) =>
  modelCase(b, {
    inputShape: [5, 5, 2],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', useBias: true },
      { type: 'maxpool2d', poolSize: 2 },
      { type: 'conv2d', filters: 2, kernelSize: 2, strides: 1, padding: 'valid', activation: 'linear', useBias: false },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.3 },
      { type: 'dense', units: 3, activation: 'softmax', useBias: true },
    ],
  }, 2, 3));

test('rowmax has no gradient: a loss that reaches a parameter only through rowmax is rejected', () => {
  const b = new CaseBuilder(new Rand(5));
  const x = b.param([2, 3]);
  const loss = b.g.reshape(b.g.add('sum', [b.g.add('rowmax', [x], [1])], [0]), [1]);
  assert.throws(() => backward(b.g, loss, [x]), /parameter node \d+ does not influence the loss/);
});

test('backward rejects a non-scalar loss', () => {
  const b = new CaseBuilder(new Rand(6));
  const x = b.param([2, 3]);
  assert.throws(() => backward(b.g, b.g.add('exp', [x]), [x]), /loss must be a scalar, got \[2,3\]/);
});

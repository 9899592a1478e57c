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
import { CaseBuilder, gradTest, type GradCase } from './test-support/grad-check.ts';
import { Rand } from './test-support/op-cases.ts';

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

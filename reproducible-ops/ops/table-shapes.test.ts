// Shape rules: correct output shapes, and bad shapes / attrs rejected with errors that name
// the op and what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDims, opDef } from './table.ts';
import { Graph } from '../program.ts';
import type { Shape } from '../tensor.ts';

const shapeOf = (op: string, s: Shape[], a: number[] = []) => [...opDef(op).shape(s, a)];
const rejects = (op: string, s: Shape[], a: number[], msg: RegExp) =>
  assert.throws(() => opDef(op).shape(s, a), (e: Error) => {
    assert.match(e.message, msg, `${op} [${s.map((x) => `[${x}]`)}] attrs [${a}]`);
    return true;
  });

test('shape rules: output shapes', () => {
  assert.deepEqual(shapeOf('add', [[7, 1, 5], [3, 1]]), [7, 3, 5]);
  assert.deepEqual(shapeOf('mul', [[], [2, 3]]), [2, 3]);
  assert.deepEqual(shapeOf('matmul', [[3, 7], [5, 7]], [0, 1]), [3, 5]);
  assert.deepEqual(shapeOf('matmul', [[7, 3], [7, 5]], [1, 0]), [3, 5]);
  assert.deepEqual(shapeOf('sum', [[2, 3, 5]], [1]), [2, 1, 5]);
  assert.deepEqual(shapeOf('maxpool2d', [[2, 7, 5, 3]], [2]), [2, 3, 2, 3]);
  assert.deepEqual(shapeOf('im2col', [[2, 5, 7, 3]], [3, 2, 1]), [2 * 3 * 4, 27]);
  assert.deepEqual(shapeOf('col2im', [[24, 27]], [2, 5, 7, 3, 3, 2, 1]), [2, 5, 7, 3]);
  assert.deepEqual(shapeOf('batch', [[13, 28, 28, 1]], [4]), [4, 28, 28, 1]);
  assert.deepEqual(shapeOf('rng_uniform', [], [1, 0, 0, ...encodeDims([3, 5])]), [3, 5]);
  assert.deepEqual(shapeOf('expand', [[3, 1]], encodeDims([2, 3, 4])), [2, 3, 4]);
  assert.deepEqual(shapeOf('reshape', [[6, 5]], encodeDims([5, 3, 2])), [5, 3, 2]);
});

test('shape rules reject bad shapes with clear errors', () => {
  rejects('add', [[2, 3], [4]], [], /add: cannot broadcast shapes \[2,3\] and \[4\]/);
  rejects('max', [[5], [2, 3]], [], /max: cannot broadcast/);
  rejects('relu_grad', [[2, 3], [3]], [], /relu_grad: shapes must be equal, got \[2,3\] and \[3\]/);
  rejects('matmul', [[2, 3], [4, 5]], [0, 0], /matmul: inner dimensions differ: \[2,3\] x \[4,5\]/);
  rejects('matmul', [[2, 3], [2, 5]], [0, 0], /inner dimensions differ.*transA=0/);
  rejects('matmul', [[6], [6, 1]], [0, 0], /matmul: inputs must be rank 2, got \[6\] and \[6,1\]/);
  rejects('sum', [[2, 3]], [2], /sum: axis 2 out of range for \[2,3\]/);
  rejects('rowmax', [[4]], [1], /rowmax: axis 1 out of range/);
  rejects('maxpool2d', [[4, 4, 3]], [2], /maxpool2d: input must be NHWC \(rank 4\), got \[4,4,3\]/);
  rejects('maxpool2d', [[1, 2, 5, 1]], [3], /maxpool2d: pool size k=3 must be in \[1, min\(H, W\)\]/);
  rejects('maxpool2d', [[1, 2, 5, 1]], [0], /pool size k=0/);
  rejects('im2col', [[1, 4, 4, 1]], [5, 1, 0], /im2col: kernel k=5 with pad=0 does not fit input \[1,4,4,1\]/);
  rejects('im2col', [[1, 4, 4, 1]], [3, 0, 0], /im2col: kernel k=3 and stride=0 must be >= 1/);
  rejects('im2col', [[16, 1]], [3, 1, 0], /im2col: input must be NHWC/);
  rejects('col2im', [[24, 26]], [2, 5, 7, 3, 3, 2, 1], /col2im: cols shape \[24,26\] does not match im2col of \[2,5,7,3\].*expected \[24,27\]/);
  rejects('maxpool2d_grad', [[1, 4, 4, 1], [1, 2, 2, 1], [1, 2, 1, 1]], [2], /maxpool2d_grad \(g vs pooled x\): shapes must be equal/);
  rejects('maxpool2d_grad', [[1, 4, 4, 1], [1, 4, 4, 1], [1, 2, 2, 1]], [2], /maxpool2d_grad \(y vs pooled x\)/);
  rejects('reshape', [[6, 5]], encodeDims([7, 4]), /reshape: \[6,5\] has 30 elements, \[7,4\] needs 28/);
  rejects('expand', [[3, 2]], encodeDims([3, 4]), /expand: cannot expand \[3,2\] to \[3,4\]/);
  rejects('batch', [[13, 4]], [0], /batch: batchSize must be >= 1, got 0/);
  rejects('batch', [[0, 4]], [2], /batch: dataset shape \[0,4\] must have at least one row/);
});

test('shape rules reject a wrong number of attr words, naming the attrs', () => {
  rejects('matmul', [[2, 3], [3, 4]], [0], /matmul: expects 2 attr words \(transA, transB\), got 1/);
  rejects('scale', [[2]], [], /scale: expects 1 attr words \(constBits\), got 0/);
  rejects('fill', [], [0, 2, 3], /fill: expects 4 attr words \(valueBits, \.\.\.dims\), got 3/);
  rejects('rng_uniform', [], [1, 2], /rng_uniform: expects 4 attr words/);
  rejects('add', [[1], [1]], [7], /add: expects 0 attr words \(none\), got 1/);
  rejects('col2im', [[24, 27]], [2, 5, 7, 3, 3, 2], /col2im: expects 7 attr words/);
});

test('Graph.add rejects a wrong number of inputs and unknown ops', () => {
  const g = new Graph();
  const x = g.fill([2, 2], 1);
  assert.throws(() => g.add('add', [x]), /add: expects 2 inputs, got 1/);
  assert.throws(() => g.add('conv3d', [x]), /unknown op 'conv3d'/);
});

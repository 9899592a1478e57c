// The repops-3 ops' element semantics on hand-checked cases (ops/table.test.ts compares every
// op's kernel with its semantics on random cases): the gather/scatter +0 identity and fold
// order, id edge values, the schedule, Box-Muller, windows, shape errors and op-set checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBits } from '../f32.ts';
import { referenceBackend, runKernel } from '../backend/reference.ts';
import { checkProgramOpset, OPSET_VERSION, opIntroducedIn } from '../opset.ts';
import { Graph } from '../program.ts';
import { evalElement, foldSequence, opDef, encodeDims, type ElemCtx } from './table.ts';
import { mulhi32, REPOPS3_OPS } from './table-transformer.ts';
import type { Shape } from '../tensor.ts';

function run(op: string, inputs: Float32Array[], inShapes: Shape[], attrs: number[], step = 0, seed = 3): { out: Float32Array; ctx: ElemCtx } {
  const outShape = [...opDef(op).shape(inShapes, attrs)];
  const ctx = { inShapes, outShape, attrs, seed, step };
  return { out: runKernel(referenceBackend, op, { ...ctx, inputs }), ctx };
}
const bitsOf = (a: ArrayLike<number>) => Array.from(a, toBits);

test('gather_rows: rows by id; -0 id is row 0; NaN, non-integer, out-of-range ids give +0; -0 entries become +0', () => {
  const table = Float32Array.of(-0, 1, 2, 3, NaN, -Infinity); // V=3, D=2
  const ids = Float32Array.of(2, -0, 1.5, NaN, 3, -1, 1, 2);
  const { out } = run('gather_rows', [table, ids], [[3, 2], [8]], []);
  assert.deepEqual(bitsOf(out), bitsOf([NaN, -Infinity, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, NaN, -Infinity]));
  assert.ok(Object.is(out[2], 0), '+0 + -0 = +0: the fold starts at +0');
});

test('scatter_rows: a repeated id adds its rows in ascending position order from +0, and the fold names each step', () => {
  // id 1 at positions 0, 2, 3: ascending ((0 + 1) + 1e8) - 1e8 = 0; descending would give 1
  const gy = Float32Array.of(1, 5, 1e8, -1e8, 7); // D = 1
  const ids = Float32Array.of(1, 0, 1, 1, NaN);
  const { out, ctx } = run('scatter_rows', [gy, ids], [[5, 1], [5]], [3]);
  assert.deepEqual(Array.from(out), [5, 0, 0]);
  assert.ok(Object.is(out[2], 0), 'a row no id names is +0');
  assert.deepEqual(foldSequence(opDef('scatter_rows'), 1, ctx, [gy, ids]), [0, 1, 1, 1e8, 0, 0]);
  assert.equal(toBits(evalElement(opDef('scatter_rows'), 1, ctx, [gy, ids])), toBits(out[1]));
});

test('scatter_rows of -0 terms is +0 (the accumulator never becomes -0)', () => {
  const { out } = run('scatter_rows', [Float32Array.of(-0, -0), Float32Array.of(0, 0)], [[2, 1], [2]], [1]);
  assert.ok(Object.is(out[0], 0));
});

test('onehot: 65 classes, -0 is class 0, NaN / out-of-range / fractional ids are all zeros', () => {
  const ids = Float32Array.of(64, -0, NaN, 65, 0.5);
  const { out } = run('onehot', [ids], [[5]], [65]);
  const hot = Array.from({ length: 5 }, (_, n) => Array.from(out.subarray(n * 65, (n + 1) * 65)).indexOf(1));
  assert.deepEqual(hot, [64, 0, -1, -1, -1]);
  assert.equal(out.reduce((a, b) => a + b, 0), 2);
});

test('causal_fill: fill strictly above the diagonal, per matrix of the leading dims', () => {
  const x = Float32Array.from({ length: 2 * 9 }, (_, i) => i + 1);
  const { out } = run('causal_fill', [x], [[2, 3, 3]], [0xff800000]);
  const I = -Infinity;
  assert.deepEqual(Array.from(out), [1, I, I, 4, 5, I, 7, 8, 9, 10, I, I, 13, 14, I, 16, 17, 18]);
});

test('bmm equals matmul per batch index; permute moves axes and its inverse restores them', () => {
  const a = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => (i % 7) - 3.25), b = Float32Array.from({ length: 2 * 4 * 5 }, (_, i) => (i % 5) * 0.5 - 1);
  const { out } = run('bmm', [a, b], [[2, 3, 4], [2, 4, 5]], [0, 0]);
  for (let p = 0; p < 2; p++) {
    const m = run('matmul', [a.subarray(p * 12, p * 12 + 12), b.subarray(p * 20, p * 20 + 20)], [[3, 4], [4, 5]], [0, 0]).out;
    assert.deepEqual(bitsOf(out.subarray(p * 15, p * 15 + 15)), bitsOf(m));
  }
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  const y = run('permute', [x], [[2, 3, 4]], encodeDims([2, 0, 1]));
  assert.deepEqual(y.ctx.outShape, [4, 2, 3]);
  assert.equal(y.out[1 * 6 + 1 * 3 + 2], 1 * 12 + 2 * 4 + 1); // out[1,1,2] = x[1,2,1]
  const back = run('permute', [y.out], [[4, 2, 3]], encodeDims([1, 2, 0]));
  assert.deepEqual(Array.from(back.out), Array.from(x));
});

test("lr_cosine follows nanoGPT's get_lr: warmup, cosine, floor; exact ends", () => {
  const lrMax = Math.fround(1e-3), lrMin = Math.fround(1e-4);
  const lr = (t: number) => run('lr_cosine', [], [], [100, 2000, toBits(lrMax), toBits(lrMin)], t).out[0];
  const nano = (t: number) => (t < 100 ? (1e-3 * (t + 1)) / 101 : t > 2000 ? 1e-4 : 1e-4 + 0.5 * (1 + Math.cos((Math.PI * (t - 100)) / 1900)) * (1e-3 - 1e-4));
  for (const t of [0, 1, 50, 99, 100, 101, 777, 1050, 1999, 2000, 2001, 5000]) {
    const rel = Math.abs(lr(t) - nano(t)) / nano(t);
    assert.ok(rel < 4e-7, `step ${t}: ${lr(t)} vs nanoGPT ${nano(t)} (relative ${rel})`);
  }
  assert.equal(lr(100), lrMax, 'cos(0) = 1: the peak is exactly lrMax');
  assert.equal(lr(2000), lrMin, 'cos(pi) = -1: the end is exactly lrMin');
  assert.equal(lr(2001), lrMin);
  assert.equal(lr(-1), 0, 'initialisation (step -1): 0 * lrMax');
});

test('rng_normal: standard normal moments, deterministic per (seed, stream, step), fresh per step', () => {
  const n = 40000;
  const draw = (step: number, seed = 3) => run('rng_normal', [], [], [0x10007, 0, toBits(1), ...encodeDims([n])], step, seed).out;
  const z = draw(-1);
  const mean = z.reduce((a, b) => a + b, 0) / n;
  const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const tail = z.filter((v) => Math.abs(v) > 1.96).length / n;
  assert.ok(Math.abs(mean) < 0.02 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
  assert.ok(Math.abs(tail - 0.05) < 0.006, `P(|z| > 1.96) = ${tail}`);
  assert.ok(z.every(Number.isFinite));
  assert.deepEqual(bitsOf(draw(-1)), bitsOf(z));
  assert.notDeepEqual(bitsOf(draw(0).subarray(0, 8)), bitsOf(z.subarray(0, 8)));
  const scaled = run('rng_normal', [], [], [0x10007, toBits(0.5), toBits(0.02), ...encodeDims([n])], -1).out;
  assert.equal(scaled[7], Math.fround(0.5 + Math.fround(0.02 * z[7])));
});

test('token_windows: inputs and targets share offsets, targets shifted by one, windows inside the tokens', () => {
  const tokens = Float32Array.from({ length: 50 }, (_, i) => i);
  const attrs = (shift: number) => [0x30001, 13, 9, shift];
  const x = run('token_windows', [tokens], [[50]], attrs(0), 17).out, y = run('token_windows', [tokens], [[50]], attrs(1), 17).out;
  for (let b = 0; b < 13; b++) {
    const off = x[b * 9];
    assert.ok(off >= 0 && off <= 50 - 9 - 1, `offset ${off}`);
    for (let t = 0; t < 9; t++) assert.deepEqual([x[b * 9 + t], y[b * 9 + t]], [off + t, off + t + 1]);
  }
  assert.ok(new Set(Array.from({ length: 13 }, (_, b) => x[b * 9])).size > 5, 'offsets differ between rows');
  assert.equal(mulhi32(0xffffffff, 0xffffffff), 0xfffffffe);
  assert.equal(mulhi32(0x80000000, 41), 20);
});

test('shape errors are one line and name the op and the problem', () => {
  const bad: [string, Shape[], number[], RegExp][] = [
    ['bmm', [[2, 3, 4], [3, 4, 5]], [0, 0], /^bmm: batch dimensions differ: \[2,3,4\] x \[3,4,5\]/],
    ['bmm', [[3, 4], [4, 5]], [0, 0], /^bmm: inputs must have the same rank >= 3/],
    ['bmm', [[2, 3, 4], [2, 5, 6]], [0, 0], /^bmm: inner dimensions differ/],
    ['permute', [[2, 3]], encodeDims([0, 0]), /^permute: \[0,0\] is not a permutation of the 2 axes of \[2,3\]/],
    ['permute', [[2, 3]], [3, 0, 1], /^permute: expects 4 attr words/],
    ['gather_rows', [[5], [3]], [], /^gather_rows: table must be \[V, D\], got \[5\]/],
    ['scatter_rows', [[3, 4], [4]], [7], /^scatter_rows: gy must be \[\.\.\.ids, D\] for ids \[4\], got \[3,4\]/],
    ['causal_fill', [[3, 4]], [0], /^causal_fill: input must be \[\.\.\., T, T\]/],
    ['onehot', [[3]], [0], /^onehot: classes must be >= 1, got 0/],
    ['token_windows', [[9]], [1, 2, 9, 0], /^token_windows: needs more tokens than blockSize: 9 tokens, blockSize 9/],
    ['token_windows', [[90]], [1, 2, 9, 2], /^token_windows: shift must be 0 \(inputs\) or 1 \(targets\), got 2/],
    ['lr_cosine', [], [100, 100, 0, 0], /^lr_cosine: total \(100\) must be greater than warmup \(100\)/],
    ['rng_normal', [], [1, 0, 0, 2, 3, 0], /^rng_normal: dims \[3,0\] must all be >= 1/],
  ];
  for (const [op, s, a, re] of bad) {
    assert.throws(() => opDef(op).shape(s, a), (e: Error) => re.test(e.message) && !e.message.includes('\n'), `${op} [${s.map((x) => `[${x}]`)}] attrs [${a}]`);
  }
});

test('op sets: repops-2 programs cannot use repops-3 ops; repops-3 has every op', () => {
  assert.equal(OPSET_VERSION, 'repops-3');
  assert.deepEqual([...REPOPS3_OPS].sort(), ['bmm', 'causal_fill', 'erf', 'gather_rows', 'lr_cosine', 'onehot', 'permute', 'rng_normal', 'scatter_rows', 'token_windows']);
  assert.equal(opIntroducedIn('matmul'), 'repops-2');
  const g = new Graph();
  const x = g.add('state', [], [0, 0, ...encodeDims([2, 3, 3])]);
  g.add('causal_fill', [g.add('bmm', [x, x], [0, 1])], [0]);
  const ops = g.nodes.map((n) => n.op);
  checkProgramOpset('repops-3', ops);
  assert.throws(() => checkProgramOpset('repops-2', ops), /^Error: opsetVersion "repops-2" has no op 'bmm' \(added in "repops-3"\): set "opsetVersion": "repops-3"$/);
  checkProgramOpset('repops-2', ['state', 'matmul', 'add', 'copy']);
  assert.throws(() => checkProgramOpset('repops-9', []), /opsetVersion: expected one of "repops-2", "repops-3", got "repops-9"/);
});

test('repops-2 op ids are unchanged and the new ids are the plan\'s', () => {
  const ids = Object.fromEntries(['state', 'dataset', 'batch', 'rng_uniform', 'fill', 'dropout_mask', 'add', 'matmul', 'sum', 'col2im', 'reshape', 'expand', 'copy'].map((n) => [n, opDef(n).id]));
  assert.deepEqual(ids, { state: 0, dataset: 1, batch: 2, rng_uniform: 3, fill: 4, dropout_mask: 5, add: 10, matmul: 30, sum: 31, col2im: 34, reshape: 40, expand: 43, copy: 44 });
  const fresh = Object.fromEntries([...REPOPS3_OPS].map((n) => [n, opDef(n).id]));
  assert.deepEqual(fresh, { rng_normal: 6, lr_cosine: 7, token_windows: 8, erf: 20, causal_fill: 24, onehot: 25, bmm: 35, gather_rows: 36, scatter_rows: 37, permute: 45 });
});

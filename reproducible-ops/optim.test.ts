// AdamW, global-norm clipping and the lr schedule as table ops (optim.ts, docs/REPOPS.md §10):
// several steps against an independent binary64 AdamW written from PyTorch's/nanoGPT's
// definition, weight decay on matrices only, the clipping's bit-exact reduction order, and the
// one-line optimizer errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as f from './f32.ts';
import { encodeDims } from './ops/table.ts';
import { applyOptimizer, clipGradients, optimizerSlots, validateOptimizer, type OptimizerSpec } from './optim.ts';
import { Graph } from './program.ts';
import { numel, type Shape } from './tensor.ts';
import { evalGraph32 } from './test-support/graph-eval.ts';
import { Rand } from './test-support/op-cases.ts';

type AdamW = Extract<OptimizerSpec, { type: 'adamw' }>;
const SHAPES: Shape[] = [[3, 4], [5], [2, 3, 2]];

function randArr(r: Rand, n: number, a: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.fround((r.u32() / 2 ** 32 - 0.5) * 2 * a));
}

/** One optimizer step as a program: params (tree 0), then slots, then gradients (tree 1 state nodes). */
function stepProgram(o: OptimizerSpec) {
  const g = new Graph();
  const params = SHAPES.map((s, i) => g.add('state', [], [0, i, ...encodeDims(s)]));
  const slotSpecs = optimizerSlots(o, SHAPES.map((shape, i) => ({ name: `p${i}`, shape })));
  const slots = slotSpecs.map((s, i) => g.add('state', [], [1, i, ...encodeDims(s.shape)]));
  const grads = SHAPES.map((s, i) => g.add('state', [], [1, slotSpecs.length + i, ...encodeDims(s)]));
  const upd = applyOptimizer(g, o, params, grads, slots);
  return { g, upd, slotSpecs };
}

/** nanoGPT get_lr in binary64. */
function lr64(o: AdamW, t: number): number {
  const s = o.schedule!;
  if (t < s.warmup) return (o.learningRate * (t + 1)) / (s.warmup + 1);
  if (t > s.total) return s.min;
  const r = (t - s.warmup) / (s.total - s.warmup);
  return s.min + 0.5 * (1 + Math.cos(Math.PI * r)) * (o.learningRate - s.min);
}

/** torch.optim.AdamW + clip_grad_norm_, binary64, from their documented formulas. */
function adamw64(o: AdamW, steps: Float32Array[][], p0: Float32Array[]): number[][] {
  const p = p0.map((x) => Array.from(x)), m = p.map((x) => x.map(() => 0)), v = p.map((x) => x.map(() => 0));
  steps.forEach((grads, t) => {
    let gs = grads.map((x) => Array.from(x));
    if (o.gradClip) {
      const norm = Math.sqrt(gs.flat().reduce((a, x) => a + x * x, 0));
      const coef = Math.min(o.gradClip / (norm + 1e-6), 1);
      gs = gs.map((x) => x.map((y) => y * coef));
    }
    const lr = lr64(o, t), bc1 = 1 - o.beta1 ** (t + 1), bc2 = 1 - o.beta2 ** (t + 1);
    p.forEach((x, i) => {
      const decay = SHAPES[i].length >= 2 ? 1 - lr * o.weightDecay : 1;
      x.forEach((_, j) => {
        m[i][j] = o.beta1 * m[i][j] + (1 - o.beta1) * gs[i][j];
        v[i][j] = o.beta2 * v[i][j] + (1 - o.beta2) * gs[i][j] ** 2;
        x[j] = x[j] * decay - (lr * (m[i][j] / bc1)) / (Math.sqrt(v[i][j] / bc2) + o.epsilon);
      });
    });
  });
  return p;
}

function run32(o: AdamW, steps: Float32Array[][], p0: Float32Array[]): Float32Array[] {
  const { g, upd, slotSpecs } = stepProgram(o);
  let params: Float32Array[] = p0, slots: Float32Array[] = slotSpecs.map((s) => new Float32Array(numel(s.shape)).fill(s.init));
  steps.forEach((grads, t) => {
    const vals = evalGraph32(g, { model: params, other: [...slots, ...grads] }, g.nodes.length - 1, 1, t);
    params = upd.params.map((n) => vals[n]);
    slots = upd.slots.map((n) => vals[n]);
  });
  return params;
}

const BASE: AdamW = { type: 'adamw', learningRate: 0.05, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, schedule: { warmup: 2, total: 6, min: 0.005 } };

for (const [name, o, gradScale] of [
  ['no clipping', BASE, 1],
  ['clipping active (global norm > 1)', { ...BASE, gradClip: 1 }, 3],
  ['clipping inactive (global norm < 10)', { ...BASE, gradClip: 10 }, 0.5],
] as [string, AdamW, number][]) {
  test(`AdamW over 9 steps (warmup, cosine, past total) = binary64 torch AdamW formula: ${name}`, () => {
    const r = new Rand(name.length * 7919);
    const p0 = SHAPES.map((s) => randArr(r, numel(s), 1));
    const steps = Array.from({ length: 9 }, () => SHAPES.map((s) => randArr(r, numel(s), gradScale)));
    const got = run32(o, steps, p0), want = adamw64(o, steps, p0);
    got.forEach((x, i) => x.forEach((y, j) => {
      if (!(Math.abs(y - want[i][j]) <= 2e-6)) assert.fail(`param ${i}[${j}]: binary32 ${y}, binary64 ${want[i][j]}`);
    }));
    // the comparison is not vacuous: every parameter moved by far more than the tolerance
    got.forEach((x, i) => assert.ok(x.every((y, j) => Math.abs(y - p0[i][j]) > 1e-3), `param ${i} moved`));
  });
}

test('AdamW: decoupled weight decay on rank >= 2 only (zero gradients: p·(1 − lr·wd) for matrices, p for vectors)', () => {
  const o: AdamW = { ...BASE, schedule: undefined, learningRate: 0.25, weightDecay: 0.5 };
  const r = new Rand(3);
  const p0 = SHAPES.map((s) => randArr(r, numel(s), 1));
  const got = run32(o, [SHAPES.map((s) => new Float32Array(numel(s)))], p0);
  const keep = f.add(f.neg(f.mul(0.25, 0.5)), 1); // 0.875, exact
  got.forEach((x, i) => x.forEach((y, j) => assert.equal(y, SHAPES[i].length >= 2 ? f.mul(p0[i][j], keep) : p0[i][j])));
});

test('clipping: norm = sqrt of the per-parameter sums of squares (row sums over the last axis, then over rows; parameters in order), bit for bit', () => {
  const r = new Rand(17);
  const grads = SHAPES.map((s) => randArr(r, numel(s), 2));
  const g = new Graph();
  const nodes = SHAPES.map((s, i) => g.add('state', [], [0, i, ...encodeDims(s)]));
  const clip = clipGradients(g, nodes, 1);
  const vals = evalGraph32(g, { model: grads, other: [] });
  let total = 0;
  grads.forEach((gr, i) => {
    const L = SHAPES[i].at(-1)!;
    let sq = 0;
    for (let r = 0; r < gr.length / L; r++) {
      let row = 0;
      for (let k = 0; k < L; k++) row = f.add(row, f.mul(gr[r * L + k], gr[r * L + k]));
      sq = f.add(sq, row);
    }
    total = f.add(total, sq);
  });
  const norm = f.sqrt(total);
  assert.equal(vals[clip.norm][0], norm);
  assert.ok(norm > 1, 'the case clips');
  const coef = f.div(1, f.add(norm, Math.fround(1e-6)));
  clip.grads.forEach((n, i) => assert.deepEqual(vals[n], grads[i].map((x) => f.mul(x, coef))));
  const after = Math.sqrt(clip.grads.flatMap((n) => Array.from(vals[n])).reduce((a, x) => a + x * x, 0));
  assert.ok(Math.abs(after - 1) < 1e-5, `clipped global norm ${after}`);
  // below the threshold the gradients pass unchanged (coef = min(.., 1) = 1 exactly)
  const g2 = new Graph();
  const n2 = SHAPES.map((s, i) => g2.add('state', [], [0, i, ...encodeDims(s)]));
  const c2 = clipGradients(g2, n2, 100);
  const v2 = evalGraph32(g2, { model: grads, other: [] });
  c2.grads.forEach((n, i) => assert.deepEqual(v2[n], grads[i]));
});

test('optimizer errors are one line naming the field', () => {
  const bad: [Partial<AdamW>, RegExp][] = [
    [{ learningRate: 0 }, /^optimizer\.learningRate: expected a finite number > 0, got 0$/],
    [{ beta2: 1 }, /^optimizer\.beta2: expected a number in \[0, 1\), got 1$/],
    [{ weightDecay: -0.1 }, /^optimizer\.weightDecay: expected a finite number >= 0, got -0\.1$/],
    [{ gradClip: -1 }, /^optimizer\.gradClip: expected a finite number >= 0, got -1$/],
    [{ schedule: { warmup: 10, total: 10, min: 0 } }, /^optimizer\.schedule\.total: expected an integer > warmup \(10\) and < 2\^24, got 10$/],
    [{ schedule: { warmup: 1.5, total: 10, min: 0 } }, /^optimizer\.schedule\.warmup: expected an integer >= 0, got 1\.5$/],
  ];
  for (const [over, re] of bad) assert.throws(() => validateOptimizer({ ...BASE, ...over }), (e: Error) => re.test(e.message));
  assert.throws(() => stepProgram({ ...BASE, beta1: 1.5 }), (e: Error) => /^optimizer\.beta1: /.test(e.message));
});

// Every op of the table: the reference kernel equals the normative element semantics bit for
// bit on every element (NaN canonicalised), fold sequences end in the element, and random
// shapes (odd, prime, broadcast) with subnormals, signed zeros, infinities and NaN are covered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBits } from '../f32.ts';
import { referenceBackend, runKernel } from '../backend/reference.ts';
import { evalElement, foldSequence, OPS, OPS_BY_ID, opDef, type ElemCtx } from './table.ts';
import { GENERATORS, randomCase, type Mix, type OpCase } from '../test-support/op-cases.ts';
import { numel } from '../tensor.ts';

const CASES_PER_MIX = 12;
const hex = (u: number) => '0x' + (u >>> 0).toString(16).padStart(8, '0');
const computedOps = Object.values(OPS).filter((d) => d.sem.kind !== 'source');

function describe(c: OpCase): string {
  return `${c.op} inShapes=${JSON.stringify(c.inShapes)} attrs=[${c.attrs}] seed=${c.seed} step=${c.step}`;
}

function contextOf(c: OpCase): { ctx: ElemCtx; outShape: number[] } {
  const outShape = [...opDef(c.op).shape(c.inShapes, c.attrs)];
  return { outShape, ctx: { inShapes: c.inShapes, outShape, attrs: c.attrs, seed: c.seed, step: c.step } };
}

/** Kernel vs element semantics on every element; returns the kernel output. */
function checkCase(c: OpCase): Float32Array {
  const def = opDef(c.op);
  const { ctx, outShape } = contextOf(c);
  const out = runKernel(referenceBackend, c.op, { ...ctx, inputs: c.inputs });
  assert.equal(out.length, numel(outShape), `${describe(c)}: kernel returned ${out.length} elements for [${outShape}]`);
  for (let e = 0; e < out.length; e++) {
    const want = toBits(evalElement(def, e, ctx, c.inputs));
    const got = toBits(out[e]);
    if (got !== want) assert.fail(`${describe(c)}: element ${e} kernel ${hex(got)} != semantics ${hex(want)}`);
    if (def.sem.kind === 'fold') {
      const seq = foldSequence(def, e, ctx, c.inputs);
      assert.equal(seq.length, def.sem.len(e, ctx) + 1, `${describe(c)}: fold sequence of element ${e} has acc_0..acc_len`);
      assert.equal(toBits(seq[0]), toBits(def.sem.init(e, ctx)), `${describe(c)}: fold starts at init`);
      if (toBits(seq.at(-1)!) !== want) assert.fail(`${describe(c)}: element ${e} fold sequence ends at ${hex(toBits(seq.at(-1)!))}, element is ${hex(want)}`);
    }
  }
  return out;
}

test('every computed op of the table has a test case generator', () => {
  const missing = computedOps.map((d) => d.name).filter((n) => !GENERATORS[n]);
  assert.deepEqual(missing, [], `ops without kernel-vs-semantics coverage: ${missing.join(', ')}`);
});

test('op ids are unique and OPS_BY_ID is consistent with OPS', () => {
  assert.equal(OPS_BY_ID.size, Object.keys(OPS).length);
  for (const d of Object.values(OPS)) assert.equal(OPS_BY_ID.get(d.id), d);
});

for (const def of computedOps) {
  for (const mix of ['clean', 'special'] as Mix[]) {
    test(`${def.name} (id ${def.id}): reference kernel == element semantics, ${mix} inputs`, () => {
      for (let i = 0; i < CASES_PER_MIX; i++) checkCase(randomCase(def.name, def.id * 1000 + i + (mix === 'special' ? 500 : 0), mix));
    });
  }
}

test('source ops have no element semantics: their outputs are checked as whole roots', () => {
  for (const name of ['state', 'dataset']) {
    const d = opDef(name);
    assert.equal(d.sem.kind, 'source');
    assert.throws(() => evalElement(d, 0, { inShapes: [], outShape: [1], attrs: [], seed: 0, step: 0 }, []), /is a source/);
  }
});

test('matmul: all four transpose flags on prime sizes, signed zeros: -0 products still start from +0', () => {
  for (const [ta, tb] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
    const [M, K, N] = [3, 7, 5];
    const a = Float32Array.from({ length: M * K }, (_, i) => (i % 3 === 0 ? -0 : ((i * 37) % 11) - 5));
    const b = Float32Array.from({ length: K * N }, (_, i) => (i % 2 ? -0 : ((i * 13) % 7) / 3));
    checkCase({ op: 'matmul', inShapes: [ta ? [K, M] : [M, K], tb ? [N, K] : [K, N]], inputs: [a, b], attrs: [ta, tb], seed: 0, step: 0 });
  }
  const z = runKernel(referenceBackend, 'matmul', { inputs: [Float32Array.of(-0), Float32Array.of(1)], inShapes: [[1, 1], [1, 1]], outShape: [1, 1], attrs: [0, 0], seed: 0, step: 0 });
  assert.equal(toBits(z[0]), 0, 'acc_0 = +0, so +0 + (-0 * 1) = +0');
});

test('sum of only -0 is +0 (acc_0 = +0); rowmax of -0 is -0 (acc_0 = -Inf)', () => {
  const x = Float32Array.of(-0, -0, -0);
  const args = { inputs: [x], inShapes: [[3]], outShape: [1], attrs: [0], seed: 0, step: 0 };
  assert.equal(toBits(checkCase({ op: 'sum', ...args })[0]), 0x00000000);
  assert.equal(toBits(checkCase({ op: 'rowmax', ...args })[0]), 0x80000000);
});

test('maxpool2d_grad: the gradient goes to the FIRST window position equal to the max (ties, -0 == +0)', () => {
  // one 2x2 window, C = 1: x = [-0, +0, +0, -1], y = max = +0 -> position 0 (since -0 == +0)
  const x = Float32Array.of(-0, 0, 0, -1), y = Float32Array.of(0), g = Float32Array.of(5);
  const out = checkCase({ op: 'maxpool2d_grad', inShapes: [[1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1]], inputs: [x, y, g], attrs: [2], seed: 0, step: 0 });
  assert.deepEqual([...out], [5, 0, 0, 0]);
  // NaN in the window: y = NaN equals nothing, so no position receives the gradient
  const outNaN = checkCase({ op: 'maxpool2d_grad', inShapes: [[1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1]], inputs: [Float32Array.of(1, NaN, 2, 0), Float32Array.of(NaN), g], attrs: [2], seed: 0, step: 0 });
  assert.deepEqual([...outNaN], [0, 0, 0, 0]);
});

test('col2im: overlapping windows (k=3, stride 1, pad 1) sum >= 3 terms in ascending cols order', () => {
  const [B, H, W, C, k, s, p] = [1, 5, 5, 1, 3, 1, 1];
  const cols = Float32Array.from({ length: 25 * 9 }, (_, i) => Math.fround(Math.sin(i) * 1000) * Math.fround(1 + i * 1e-3));
  checkCase({ op: 'col2im', inShapes: [[25, 9]], inputs: [cols], attrs: [B, H, W, C, k, s, p], seed: 0, step: 0 });
  const def = opDef('col2im');
  const ctx: ElemCtx = { inShapes: [[25, 9]], outShape: [1, 5, 5, 1], attrs: [B, H, W, C, k, s, p], seed: 0, step: 0 };
  const centre = 12;
  assert.equal(def.sem.kind === 'fold' && def.sem.len(centre, ctx), 9, 'the centre pixel is in 9 windows');
  if (def.sem.kind !== 'fold') return;
  const idx = [...Array(9).keys()].map((t) => def.sem.kind === 'fold' && def.sem.reads(centre, t, ctx)[0][1]);
  assert.deepEqual(idx, [...(idx as number[])].sort((a, b) => a - b), 'terms in ascending cols index');
});

test('batch: rows come from sampleIndex of (seed, step); dropout keeps about 1-rate; rng_uniform in [lo, lo+scale)', () => {
  const n = 10007; // prime
  const ds = Float32Array.from({ length: n }, (_, i) => i);
  const rows = runKernel(referenceBackend, 'batch', { inputs: [ds], inShapes: [[n]], outShape: [n], attrs: [n], seed: 5, step: 0 });
  assert.equal(new Set(rows).size, n, 'one epoch of batch rows is a permutation of the dataset');
  const rate = 0.25, th = Math.round(rate * 2 ** 24);
  const mask = runKernel(referenceBackend, 'dropout_mask', { inputs: [], inShapes: [], outShape: [n], attrs: [9, th, toBits(4 / 3), 1, n], seed: 5, step: 3 });
  const kept = mask.filter((v) => v !== 0).length / n;
  assert.ok(Math.abs(kept - (1 - rate)) < 0.02, `kept fraction ${kept}`);
  assert.ok(mask.every((v) => v === 0 || v === Math.fround(4 / 3)));
  const u = runKernel(referenceBackend, 'rng_uniform', { inputs: [], inShapes: [], outShape: [n], attrs: [9, toBits(-0.5), toBits(2), 1, n], seed: 5, step: -1 });
  assert.ok(u.every((v) => v >= -0.5 && v < 1.5));
  const mean = u.reduce((a, b) => a + b, 0) / n;
  assert.ok(Math.abs(mean - 0.5) < 0.03, `mean ${mean}`);
});

// The repops-3 ops on every fast backend (native per instruction set, WASM) at 1, 2 and 3
// threads give the reference kernel's bits (native/src/k_transformer.inc; token_windows,
// rng_normal and lr_cosine still run the reference kernel). Shapes are a small GPT's and odd ones (T not a multiple of 8, vocab 65, head size 24,
// batch 1 and 13) with NaN, infinities, -0 and subnormals, and ids with repeats and misses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBits } from '../f32.ts';
import { opDef } from '../ops/table.ts';
import { TRANSFORMER_OPS } from '../ops/table-transformer.ts';
import { Rand, randomCase, randomTensor, type OpCase } from '../test-support/op-cases.ts';
import { randomIds } from '../test-support/op-cases-transformer.ts';
import type { Shape } from '../tensor.ts';
import { describe as describeCall, FAST_OPS_3 } from './descriptors.ts';
import { createNativeBackend, loadNativeAddon, nativeLoadError } from './native.ts';
import { firstBitDifference } from './op-cases.ts';
import { referenceBackend, runKernel, type Backend, type KernelArgs } from './reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';

const nativeSkip = loadNativeAddon() ? false : `native addon not built: ${nativeLoadError()}`;
const wasmSkip = loadWasmRuntime() ? false : `wasm module not built: ${wasmLoadError()}`;

function argsOf(c: OpCase): KernelArgs {
  return { inputs: c.inputs, inShapes: c.inShapes, outShape: [...opDef(c.op).shape(c.inShapes, c.attrs)], attrs: c.attrs, seed: c.seed, step: c.step };
}

/** GPT-sized calls: attention of 13 x 4 heads x T=17 x 24, vocab 65 embeddings. */
function gptCases(): OpCase[] {
  const r = new Rand(77);
  const c = (op: string, inShapes: Shape[], inputs: Float32Array[], attrs: number[]): OpCase => ({ op, inShapes, inputs, attrs, seed: 5, step: 3 });
  const [B, H, T, hs, V, C] = [13, 4, 17, 24, 65, 96];
  const q = [B, H, T, hs], att = [B, H, T, T];
  return [
    c('bmm', [q, q], [randomTensor(r, q, 'special'), randomTensor(r, q, 'clean')], [0, 1]),
    c('bmm', [att, q], [randomTensor(r, att, 'clean'), randomTensor(r, q, 'special')], [0, 0]),
    c('bmm', [att, q], [randomTensor(r, att, 'clean'), randomTensor(r, q, 'clean')], [1, 0]),
    c('permute', [[B, T, H, hs]], [randomTensor(r, [B, T, H, hs], 'special')], [4, 0, 2, 1, 3]),
    c('causal_fill', [att], [randomTensor(r, att, 'special')], [0xff800000]),
    c('gather_rows', [[V, C], [B, T]], [randomTensor(r, [V, C], 'special'), randomIds(r, B * T, V, 'special')], []),
    c('scatter_rows', [[B, T, C], [B, T]], [randomTensor(r, [B, T, C], 'special'), randomIds(r, B * T, V, 'special')], [V]),
    c('onehot', [[B * T]], [randomIds(r, B * T, V, 'special')], [V]),
    c('erf', [[B * T, C]], [randomTensor(r, [B * T, C], 'special')], []),
    c('rng_normal', [], [], [0x10005, 0, toBits(0.02), 2, V, C]),
    c('token_windows', [[1000]], [randomTensor(r, [1000], 'clean')], [0x30001, B, T, 1]),
    c('lr_cosine', [], [], [100, 2000, toBits(1e-3), toBits(1e-4)]),
    // batch 1, M and N not multiples of the register tile, K past one vector
    c('bmm', [[1, 65, 24], [1, 24, 13]], [randomTensor(r, [1, 65, 24], 'special'), randomTensor(r, [1, 24, 13], 'clean')], [0, 0]),
    c('bmm', [[13, 24, 9], [13, 7, 24]], [randomTensor(r, [13, 24, 9], 'clean'), randomTensor(r, [13, 7, 24], 'special')], [1, 1]),
    c('permute', [[B, H, T, hs]], [randomTensor(r, [B, H, T, hs], 'clean')], [4, 0, 2, 1, 3]),
    c('permute', [[B, T, hs]], [randomTensor(r, [B, T, hs], 'special')], [3, 2, 0, 1]),
    c('causal_fill', [[1, T, T]], [randomTensor(r, [1, T, T], 'clean')], [0]),
    // softmax / layer norm / cross-entropy reductions over the last axis (len 65 and 130:
    // past the kernel's 64-column blocks; rows 221 and 13: not multiples of the lanes)
    ...(['sum', 'rowmax'] as const).flatMap((op) => [
      c(op, [[B * T, V]], [randomTensor(r, [B * T, V], 'special')], [1]),
      c(op, [[B, T, 2 * V]], [randomTensor(r, [B, T, 2 * V], 'clean')], [2]),
      c(op, [[B, H, T, T]], [randomTensor(r, [B, H, T, T], 'special')], [3]),
      c(op, [[5000]], [randomTensor(r, [5000], 'clean')], [0]), // AdamW's clip: a flattened gradient
    ]),
  ];
}

/** Ops of these cases that must run a C kernel (not the reference fallback). */
const FAST_NEW_OPS: string[] = [...FAST_OPS_3, 'sum', 'rowmax'];

function cases(seed: number): OpCase[] {
  const out = gptCases();
  for (const def of TRANSFORMER_OPS)
    for (let i = 0; i < 6; i++) out.push(randomCase(def.name, seed * 100000 + def.id * 100 + i, i % 2 ? 'special' : 'clean'));
  return out;
}

function compare(b: Backend, c: OpCase): void {
  const args = argsOf(c);
  const want = runKernel(referenceBackend, c.op, args);
  const got = runKernel(b, c.op, args);
  const i = firstBitDifference(want, got);
  if (i >= 0) assert.fail(`${b.name} ${c.op} [${c.inShapes.map((s) => `[${s}]`)}] attrs [${c.attrs}]: element ${i} is 0x${toBits(got[i]).toString(16)}, reference 0x${toBits(want[i]).toString(16)}`);
}

function checkAll(backends: Backend[], seed: number): void {
  const all = cases(seed);
  for (const def of TRANSFORMER_OPS) assert.ok(all.some((c) => c.op === def.name), `no case for ${def.name}`);
  for (const c of all) for (const b of backends) compare(b, c);
}

const nativeVariants = (): Backend[] => {
  const isas = loadNativeAddon()!.isas();
  return [...isas.map((isa) => createNativeBackend({ threads: 1, isa, grain: 1 })), createNativeBackend({ threads: 2, grain: 1 }), createNativeBackend({ threads: 3, grain: 1 })];
};

describe('repops-3 ops: fast backends give the reference bits', () => {
  it('native: every instruction set, 1/2/3 threads', { skip: nativeSkip }, () => checkAll(nativeVariants(), 1));
  it('wasm: 1/2/3 threads', { skip: wasmSkip }, () => checkAll([1, 2, 3].map((threads) => createWasmBackend({ threads, grain: 1 })), 2));
  it('every GPT-shaped case of an op with a C kernel is described (takes the fast path)', () => {
    const cases = gptCases();
    for (const op of FAST_NEW_OPS) assert.ok(cases.some((c) => c.op === op), `no GPT-shaped case for ${op}`);
    for (const c of cases.filter((x) => FAST_NEW_OPS.includes(x.op)))
      assert.ok(describeCall(c.op, argsOf(c)), `${c.op} [${c.inShapes.map((s) => `[${s}]`)}] would run the reference fallback`);
  });
  it('a wrong kernel for a new op is caught (the comparison can fail)', () => {
    // scatter-add in DESCENDING n order: the same terms, another rounding on a repeated id
    const descending: Backend = { name: 'scatter-descending', kernels: { scatter_rows: (a) => {
      const n = a.inputs[1].length, D = a.outShape[1];
      const gy = new Float32Array(a.inputs[0].length), ids = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        ids[k] = a.inputs[1][n - 1 - k];
        gy.set(a.inputs[0].subarray((n - 1 - k) * D, (n - k) * D), k * D);
      }
      return runKernel(referenceBackend, 'scatter_rows', { ...a, inputs: [gy, ids] });
    } } };
    const c: OpCase = { op: 'scatter_rows', inShapes: [[3, 1], [3]], inputs: [Float32Array.of(1, 1e8, -1e8), Float32Array.of(2, 2, 2)], attrs: [3], seed: 1, step: 0 };
    assert.equal(runKernel(referenceBackend, c.op, argsOf(c))[2], 0, 'ascending: (0 + 1 + 1e8) - 1e8 = 0 in binary32');
    assert.throws(() => compare(descending, c), /scatter-descending scatter_rows .* element 2 is 0x3f800000, reference 0x0/);
  });
});

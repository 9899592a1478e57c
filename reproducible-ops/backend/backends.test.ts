// Every fast backend must give the reference's bits for every op, whatever the vector
// width (each native instruction-set flavour, WASM), thread count (1, 2, 3) or tiling.
// A tiny `grain` makes even small calls split into as many parts as there are threads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBits } from '../f32.ts';
import { describe as describeCall, FAST_OPS } from './descriptors.ts';
import { createNativeBackend, loadNativeAddon, nativeLoadError } from './native.ts';
import { firstBitDifference, opCases, type OpCase } from './op-cases.ts';
import { referenceBackend, runKernel, type Backend } from './reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';

const nativeSkip = loadNativeAddon() ? false : `native addon not built: ${nativeLoadError()}`;
const wasmSkip = loadWasmRuntime() ? false : `wasm module not built: ${wasmLoadError()}`;

function nativeVariants(): Backend[] {
  const isas = loadNativeAddon()!.isas();
  return [
    ...isas.map((isa) => createNativeBackend({ threads: 1, isa, grain: 1 })),
    createNativeBackend({ threads: 2, grain: 1 }),
    createNativeBackend({ threads: 3, grain: 1 }),
    createNativeBackend({ threads: 3, isa: isas.at(-1), grain: 1 }),
  ];
}

const wasmVariants = (): Backend[] => [1, 2, 3].map((threads) => createWasmBackend({ threads, grain: 1 }));

function assertSameBits(backend: Backend, c: OpCase, expected: Float32Array): void {
  const inputsBefore = c.args.inputs.map((x) => x.slice());
  const got = runKernel(backend, c.op, c.args);
  const i = firstBitDifference(expected, got);
  if (i >= 0) {
    const hex = (x: number) => `0x${toBits(x).toString(16).padStart(8, '0')}`;
    assert.fail(`${backend.name} ${c.label}: element ${i} of ${expected.length} is ${got[i]} (${hex(got[i])}), reference ${expected[i]} (${hex(expected[i])})`);
  }
  c.args.inputs.forEach((x, k) => assert.equal(firstBitDifference(x, inputsBefore[k]), -1, `${backend.name} ${c.label}: input ${k} was modified`));
}

function checkAll(variants: () => Backend[], seed: number): void {
  const backends = variants();
  const cases = opCases(seed);
  const covered = new Set(cases.map((c) => c.op));
  for (const op of [...FAST_OPS, 'batch']) assert.ok(covered.has(op), `no test case for fast op ${op}`);
  for (const c of cases) {
    if (c.op !== 'batch') assert.notEqual(describeCall(c.op, c.args), null, `${c.label} would not reach the fast kernel`);
    const expected = runKernel(referenceBackend, c.op, c.args);
    for (const b of backends) assertSameBits(b, c, expected);
  }
}

describe('fast backends: same bits as the reference on every op', () => {
  it('native: every instruction set, 1/2/3 threads (seed 1)', { skip: nativeSkip }, () => checkAll(nativeVariants, 1));
  it('native: every instruction set, 1/2/3 threads (seed 2)', { skip: nativeSkip }, () => checkAll(nativeVariants, 2));
  it('wasm: 1/2/3 threads (seed 1)', { skip: wasmSkip }, () => checkAll(wasmVariants, 1));
  it('wasm: 1/2/3 threads (seed 3)', { skip: wasmSkip }, () => checkAll(wasmVariants, 3));

  it('a deliberately wrong kernel is caught (the comparison can fail)', () => {
    const c = opCases(5).find((x) => x.op === 'exp' && x.args.inputs[0].length > 100)!;
    const expected = runKernel(referenceBackend, c.op, c.args);
    const off: Backend = { name: 'off-by-one-ulp', kernels: { exp: (a) => { const o = runKernel(referenceBackend, 'exp', a); o[7] = o[7] === 0 ? 1e-45 : o[7] * (1 + 2 ** -23); return o; } } };
    assert.throws(() => assertSameBits(off, c, expected), /element 7 /);
  });
});

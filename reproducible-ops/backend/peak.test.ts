// The bench's ceiling kernel must run the same two rounded ops per multiply-add the matmul
// does (no FMA contraction): its chain sums match a Math.fround replay bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeAddon, createNativeBackend } from './native.ts';
import { loadWasmRuntime, createWasmBackend } from './wasm.ts';
import { LANES, OP_PEAK, type Exec } from './peak.ts';

const f = Math.fround;

function expected(iters: number, lanes: number, m: number, b: number): number {
  const s: number[] = [];
  for (let k = 0; k < 12; k++) {
    let a = f(1 + k);
    for (let i = 0; i < iters; i++) a = f(f(a * f(m)) + f(b));
    s.push(a);
  }
  // vector sum of chains (each lane the same), then lanes summed in order
  let v = 0;
  for (const a of s) v = f(v + a);
  let t = 0;
  for (let l = 0; l < lanes; l++) t = f(t + v);
  return t;
}

function check(exec: Exec, lanes: number, parts: number): void {
  const out = new Float32Array(16 * parts);
  exec({ op: OP_PEAK, words: [37], consts: [1.1, -0.3], inputs: [] }, out);
  const want = expected(37, lanes, 1.1, -0.3);
  for (let p = 0; p < parts; p++) assert.equal(out[16 * p], f(want), `part ${p}`);
}

test('native peak kernel: rounded multiply then rounded add, every ISA and part', { skip: !loadNativeAddon() && 'native addon not built' }, () => {
  for (const isa of createNativeBackend().isas) for (const threads of [1, 2]) {
    const b = createNativeBackend({ isa, threads });
    assert.equal(b.lanes, LANES[isa]);
    check(b.kernelExec, b.lanes, threads);
  }
});

test('wasm peak kernel matches too', { skip: !loadWasmRuntime() && 'wasm module not built' }, () => {
  for (const threads of [1, 2]) check(createWasmBackend({ threads }).kernelExec, 4, threads);
});

// The backends' own data roots (native: AVX-512 multi-buffer, SHA-NI or portable SHA-256 with
// leaves on threads; wasm: 4-lane SIMD SHA-256) must equal merkle.ts dataRoot exactly: sizes
// around chunk and power-of-two boundaries, NaN payloads (canonicalised), signed zeros.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBits } from '../f32.ts';
import { dataRoot } from '../merkle.ts';
import { createNativeBackend, loadNativeAddon, nativeLoadError } from './native.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';
import { prng, randomData } from './op-cases.ts';

const skip = loadNativeAddon() ? false : nativeLoadError();

describe('wasm dataRoot equals merkle.ts dataRoot', () => {
  it('sizes around chunk and power-of-two boundaries, with and without NaN payloads', { skip: loadWasmRuntime() ? false : wasmLoadError() }, () => {
    const r = prng(29);
    const b = createWasmBackend({ threads: 1 });
    for (const n of [0, 1, 255, 256, 257, 512, 1000, 256 * 64 + 1, 256 * 129, 70001]) {
      for (const dist of ['mixed', 'plain'] as const) {
        const d = randomData(r, n, dist);
        assert.equal(b.dataRoot!(d).toString('hex'), dataRoot(d).toString('hex'), `n=${n} ${dist}`);
      }
    }
  });
});

describe('native dataRoot equals merkle.ts dataRoot', () => {
  it('every size class, 1 and 2 threads', { skip }, () => {
    const r = prng(17);
    for (const threads of [1, 2]) {
      const b = createNativeBackend({ threads });
      for (const n of [0, 1, 255, 256, 257, 512, 1000, 256 * 64 + 1, 256 * 129, 70001]) {
        const d = randomData(r, n);
        assert.equal(b.dataRoot!(d).toString('hex'), dataRoot(d).toString('hex'), `n=${n}, ${threads} threads`);
        const clean = randomData(r, n, 'plain'); // NaN-free: whole groups of 16 leaves take the multi-lane path
        assert.equal(b.dataRoot!(clean).toString('hex'), dataRoot(clean).toString('hex'), `n=${n} without specials, ${threads} threads`);
      }
    }
  });

  it('NaN payloads hash as the canonical NaN; -0 differs from +0', { skip }, () => {
    const b = createNativeBackend({ threads: 1 });
    const a = new Float32Array(600).fill(1.5);
    const c = a.slice();
    a[3] = fromBits(0x7fc00000);
    c[3] = fromBits(0xffc01234);
    assert.equal(b.dataRoot!(c).toString('hex'), b.dataRoot!(a).toString('hex'));
    assert.equal(b.dataRoot!(c).toString('hex'), dataRoot(c).toString('hex'));
    const z = new Float32Array(300), nz = z.slice();
    nz[299] = -0;
    assert.notEqual(b.dataRoot!(nz).toString('hex'), b.dataRoot!(z).toString('hex'));
    assert.equal(b.dataRoot!(nz).toString('hex'), dataRoot(nz).toString('hex'));
  });
});

describe('Engine.stateHashAsync equals stateHash', () => {
  it('native (hashed on a libuv thread while the next step runs) and reference', async () => {
    const { Engine } = await import('../engine.ts');
    const { tensor } = await import('../tensor.ts');
    const { referenceBackend } = await import('./reference.ts');
    const r = prng(31);
    const setup = {
      specHash: Buffer.alloc(32, 3),
      model: { inputShape: [300], layers: [{ type: 'dense' as const, units: 40, activation: 'relu' as const, useBias: true }, { type: 'dense' as const, units: 4, activation: 'softmax' as const, useBias: true }] },
      optimizer: { type: 'sgd' as const, learningRate: 0.1, momentum: 0.9 },
      batchSize: 8, seed: 5,
      train: { x: tensor([32, 300], randomData(r, 32 * 300, 'plain')), y: tensor([32, 4], new Float32Array(128).map((_, i) => (i % 4 === 0 ? 1 : 0))) },
    };
    const backends = [referenceBackend, ...(loadNativeAddon() ? [createNativeBackend({ threads: 1 })] : [])];
    for (const b of backends) {
      const e = new Engine(setup, b);
      let st = e.init();
      for (let i = 0; i < 3; i++) {
        const pending = e.stateHashAsync(st); // overlaps the next step
        const next = e.step(st).state;
        assert.equal((await pending).toString('hex'), e.stateHash(st).toString('hex'), `${b.name} step ${st.step}`);
        st = next;
      }
    }
  });
});

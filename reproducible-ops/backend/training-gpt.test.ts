// A tiny GPT trained for a few AdamW steps (clipping, cosine lr) gives the same state hash
// after every step on every backend and thread count, and the same evaluation bits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine, type LmSetup } from '../engine.ts';
import { charTokens, GOLDEN_TEXT } from '../golden/gpt-text.ts';
import { evalLoss, predictLogits } from '../lm-eval.ts';
import { tensor } from '../tensor.ts';
import { createNativeBackend, loadNativeAddon, nativeLoadError } from './native.ts';
import { referenceBackend, type Backend } from './reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';

const { tokens, vocab } = charTokens(GOLDEN_TEXT);
// odd shapes: T = 9, head size 6, 3 heads, batch 3; bias and dropout on (the golden job has them off)
const SETUP: LmSetup = {
  specHash: Buffer.alloc(32, 9),
  model: { gpt: { vocabSize: vocab.length, blockSize: 9, nLayer: 2, nHead: 3, nEmbd: 18, dropout: 0.1, bias: true } },
  optimizer: { type: 'adamw', learningRate: 5e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, schedule: { warmup: 1, total: 3, min: 5e-4 }, gradClip: 1 },
  batchSize: 3,
  seed: 5,
  tokens: tensor([tokens.length], tokens),
  opsetVersion: 'repops-3',
};
const STEPS = 4;

function run(backend: Backend): { hashes: string[]; evalBits: number; logits: Float32Array } {
  const e = new Engine(SETUP, backend);
  let st = e.init();
  const hashes = [e.stateHash(st).toString('hex')];
  for (let i = 0; i < STEPS; i++) {
    st = e.step(st).state;
    hashes.push(e.stateHash(st).toString('hex'));
  }
  const params = st.tensors.slice(0, e.params.length);
  return { hashes, evalBits: evalLoss(e, params, tokens.subarray(0, 50)).loss, logits: predictLogits(e, params, Array.from(tokens.subarray(3, 8)), 1, 5) };
}

describe('GPT training gives identical bits on every backend', () => {
  const want = run(referenceBackend);
  it('hashes change every step (the comparison is not vacuous)', () => assert.equal(new Set(want.hashes).size, want.hashes.length));
  for (const [name, load, err, make] of [
    ['native', loadNativeAddon, nativeLoadError, (threads: number) => createNativeBackend({ threads, grain: 1 })],
    ['wasm', loadWasmRuntime, wasmLoadError, (threads: number) => createWasmBackend({ threads, grain: 1 })],
  ] as const) {
    it(`${name} at 1, 2 and 3 threads: state hashes, evalLoss and logits`, { skip: load() ? false : err() }, () => {
      for (const threads of [1, 2, 3]) {
        const got = run(make(threads));
        assert.deepEqual(got.hashes, want.hashes, `${name} ${threads} threads: state hashes`);
        assert.equal(got.evalBits, want.evalBits, `${name} ${threads} threads: evalLoss`);
        assert.deepEqual(got.logits, want.logits, `${name} ${threads} threads: logits`);
      }
    });
  }
});

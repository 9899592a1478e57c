// A tiny GPT trained for a few AdamW steps (clipping, cosine lr) gives the same state hash
// after every step on every backend and thread count, and the same evaluation bits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine, type LmSetup } from '../engine.ts';
import { fusionPlan } from '../fusion.ts';
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

// Large enough for the fused execution plan (fusion.ts: chains of >= 4096 elements, cheap
// values recomputed in each chain that reads them, as GELU's scale(x) in a GPT step):
// [B*T, 4*nEmbd] = [64, 256] and [B*T, nEmbd] = [64, 64] tensors.
const FUSED_SETUP: LmSetup = { ...SETUP, model: { gpt: { vocabSize: vocab.length, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 64, dropout: 0, bias: false } }, batchSize: 4 };

function hashes(backend: Backend, steps: number): string[] {
  const e = new Engine(FUSED_SETUP, backend);
  let st = e.init();
  const out: string[] = [];
  for (let i = 0; i < steps; i++) out.push(e.stateHash((st = e.step(st).state)).toString('hex'));
  return out;
}

describe('GPT training with fused chains and recomputed values gives the reference bits', () => {
  const e = new Engine(FUSED_SETUP, referenceBackend);
  const plan = fusionPlan(e.stepProgram, [e.lossNode]);
  it('the plan fuses the GELU chains and recomputes cheap values in them (not vacuous)', () => {
    const groups = [...plan.groups.values()];
    assert.ok(groups.some((grp) => grp.steps.some((s) => s.op === 'erf')), 'an erf chain is fused');
    assert.ok(groups.some((grp) => grp.members.some((m) => m >= e.stepProgram.nodes.length)), 'a recomputed copy sits in a chain');
  });
  const want = hashes(referenceBackend, 2);
  for (const [name, load, err, make] of [
    ['native', loadNativeAddon, nativeLoadError, (threads: number) => createNativeBackend({ threads })],
    ['wasm', loadWasmRuntime, wasmLoadError, (threads: number) => createWasmBackend({ threads })],
  ] as const)
    it(`${name} at 1 and 2 threads: state hashes`, { skip: load() ? false : err() }, () => {
      for (const threads of [1, 2]) assert.deepEqual(hashes(make(threads), 2), want, `${name} ${threads} threads`);
    });
});

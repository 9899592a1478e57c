// A short training run gives the same state hash after every step on every backend:
// an MLP with dropout and Adam, and a small CNN (conv, maxpool) with SGD momentum.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine, type TrainSetup } from '../engine.ts';
import type { ModelSpec } from '../layers.ts';
import type { OptimizerSpec } from '../optim.ts';
import { tensor } from '../tensor.ts';
import { createNativeBackend, loadNativeAddon, nativeLoadError } from './native.ts';
import { prng } from './op-cases.ts';
import { referenceBackend, type Backend } from './reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';

function setup(model: ModelSpec, optimizer: OptimizerSpec, n: number, classes: number): TrainSetup {
  const r = prng(99);
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * per).map(() => r());
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + Math.floor(r() * classes)] = 1;
  return { specHash: Buffer.alloc(32, 7), model, optimizer, batchSize: 16, seed: 42, train: { x: tensor([n, ...model.inputShape], x), y: tensor([n, classes], y) } };
}

const MLP: ModelSpec = {
  inputShape: [37],
  layers: [
    { type: 'dense', units: 29, activation: 'relu', useBias: true },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 5, activation: 'softmax', useBias: true },
  ],
};
const CNN: ModelSpec = {
  inputShape: [9, 9, 2],
  layers: [
    { type: 'conv2d', filters: 5, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', useBias: true },
    { type: 'maxpool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax', useBias: true },
  ],
};

function hashes(s: TrainSetup, backend: Backend, steps: number): string[] {
  const e = new Engine(s, backend);
  let st = e.init();
  const out = [e.stateHash(st).toString('hex')];
  for (let i = 0; i < steps; i++) {
    st = e.step(st).state;
    out.push(e.stateHash(st).toString('hex'));
  }
  return out;
}

const runs: [string, TrainSetup][] = [
  ['mlp + dropout + adam', setup(MLP, { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, 64, 5)],
  ['cnn + maxpool + sgd momentum', setup(CNN, { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, 40, 3)],
];

/** Recycled output buffers must never be the caller's state: re-hash kept states after later steps. */
function keptStatesUnchanged(s: TrainSetup, backend: Backend): void {
  const e = new Engine(s, backend);
  const states = [e.init()];
  const before: string[] = [e.stateHash(states[0]).toString('hex')];
  for (let i = 0; i < 4; i++) {
    states.push(e.step(states[i]).state);
    before.push(e.stateHash(states[i + 1]).toString('hex'));
  }
  assert.deepEqual(states.map((st) => e.stateHash(st).toString('hex')), before, `${backend.name}: a kept state changed`);
}

describe('training gives identical state hashes on every backend', () => {
  for (const [name, s] of runs) {
    const expected = hashes(s, referenceBackend, 4);
    it(`${name}: hashes change every step (the comparison is not vacuous)`, () => assert.equal(new Set(expected).size, expected.length));
    it(`${name}: native 1 and 2 threads`, { skip: loadNativeAddon() ? false : nativeLoadError() }, () => {
      for (const threads of [1, 2]) assert.deepEqual(hashes(s, createNativeBackend({ threads, grain: 1 }), 4), expected, `native ${threads} threads`);
      keptStatesUnchanged(s, createNativeBackend({ threads: 1 }));
    });
    it(`${name}: wasm 1 and 2 threads`, { skip: loadWasmRuntime() ? false : wasmLoadError() }, () => {
      for (const threads of [1, 2]) assert.deepEqual(hashes(s, createWasmBackend({ threads, grain: 1 }), 4), expected, `wasm ${threads} threads`);
      keptStatesUnchanged(s, createWasmBackend({ threads: 1 }));
    });
  }
});

import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../reproducible-ops/layers.ts';
import { UserError } from './errors.ts';
import { predictClasses } from './evaluate.ts';
import { makeTinyJob, type TinyJob } from './fixtures.ts';
import { asClassifier, loadJob } from './job.ts';
import { createEngine, train } from './train.ts';
import { readTfjsModel, tfjsToModelSpec, modelSpecToTfjs } from './tfjs-model.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';

const EXAMPLE_MODEL = new URL('../examples/models/mnist-mlp/model.json', import.meta.url).pathname;

before(async () => {
  await tf.setBackend('cpu');
});

const dense = (name: string, extra: Record<string, unknown> = {}) => ({ class_name: 'Dense', config: { name, units: 4, activation: 'relu', ...extra } });
const seq = (...layers: unknown[]) => ({ class_name: 'Sequential', config: { name: 's', layers } });
const rejects = (model: unknown, re: RegExp) =>
  assert.throws(() => tfjsToModelSpec(model, 'm.json'), (e: Error) => e instanceof UserError && re.test(e.message) && e.message.startsWith('m.json: '));

describe('tfjs topology import', () => {
  it('imports the example model.json written by tfjs-layers', () => {
    const spec = tfjsToModelSpec(JSON.parse(readFileSync(EXAMPLE_MODEL, 'utf8')), EXAMPLE_MODEL);
    assert.deepEqual(spec, {
      inputShape: [784],
      layers: [
        { type: 'dense', units: 128, activation: 'relu', useBias: true, name: 'hidden' },
        { type: 'dense', units: 10, activation: 'softmax', useBias: true, name: 'output' },
      ],
    });
  });

  it('imports every supported layer class, with an InputLayer or batch_input_shape', () => {
    const spec = tfjsToModelSpec(
      seq(
        { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 28, 28, 1], dtype: 'float32' } },
        { class_name: 'Conv2D', config: { name: 'c', filters: 3, kernel_size: [5, 5], strides: [1, 1], padding: 'same', activation: 'linear', use_bias: false } },
        { class_name: 'ReLU', config: { name: 'r', max_value: null } },
        { class_name: 'MaxPooling2D', config: { name: 'p', pool_size: [2, 2], strides: [2, 2], padding: 'valid' } },
        { class_name: 'Activation', config: { name: 'a', activation: 'relu' } },
        { class_name: 'Flatten', config: { name: 'f' } },
        { class_name: 'Dropout', config: { name: 'd', rate: 0.25 } },
        dense('out', { units: 10, activation: 'softmax' }),
      ),
      'm.json',
    );
    assert.deepEqual(spec.inputShape, [28, 28, 1]);
    assert.deepEqual(spec.layers.map((l) => l.type), ['conv2d', 'relu', 'maxpool2d', 'relu', 'flatten', 'dropout', 'dense']);
    assert.deepEqual(spec.layers[0], { type: 'conv2d', filters: 3, kernelSize: 5, strides: 1, padding: 'same', activation: 'linear', useBias: false, name: 'c' });
  });

  it('rejects what it cannot train exactly, naming the layer and class', () => {
    rejects(seq(dense('d', { batch_input_shape: [null, 4] }), { class_name: 'LSTM', config: { name: 'rnn' } }), /layer 'rnn' \(LSTM\): layer class LSTM is not supported/);
    rejects(seq(dense('d', { batch_input_shape: [null, 4], activation: 'tanh' })), /layer 'd' \(Dense\): activation "tanh" is not supported/);
    rejects(seq(dense('d', { batch_input_shape: [null, 4], kernel_regularizer: { class_name: 'L2' } })), /layer 'd' \(Dense\): kernel_regularizer is not supported/);
    rejects(seq(dense('d')), /the model has no input shape/);
    rejects(seq(dense('d', { batch_input_shape: [null, 4] }), { class_name: 'Activation', config: { name: 'sm', activation: 'softmax' } }), /layer 'sm' \(Activation\): activation "softmax" is not supported as a separate layer/);
    rejects(seq({ class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: [3, 5], batch_input_shape: [null, 8, 8, 1] } }), /layer 'c' \(Conv2D\): kernel_size: only square windows/);
    rejects(seq(dense('a', { batch_input_shape: [null, 4] }), dense('a')), /two layers are named 'a'/);
    rejects({ class_name: 'Model', config: {} }, /model class Model is not supported \(expected Sequential\)/);
    rejects(seq(dense('d', { batch_input_shape: [null, 4], activation: 'softmax' }), dense('e')), /layer 'd': softmax is supported only on the last layer/);
  });

  it('round-trips a ModelSpec through a tfjs topology', () => {
    const spec: ModelSpec = {
      inputShape: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu', useBias: true, name: 'c1' },
        { type: 'maxpool2d', poolSize: 2, name: 'p1' },
        { type: 'flatten', name: 'f' },
        { type: 'dropout', rate: 0.5, name: 'd' },
        { type: 'relu', name: 'r' },
        { type: 'dense', units: 10, activation: 'softmax', useBias: false, name: 'out' },
      ],
    };
    assert.deepEqual(tfjsToModelSpec(JSON.parse(JSON.stringify(modelSpecToTfjs(spec))), 'x'), spec);
  });
});

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Train a tiny job, export it, load it with tfjs, compare weights bit for bit and predictions. */
async function roundTrip(t: TinyJob, steps: number): Promise<{ agree: number; n: number }> {
  const job = asClassifier(loadJob(t.file));
  const engine = createEngine(job, referenceBackend);
  const out = join(t.dir, 'run');
  train(job, engine, { outDir: out, steps });
  const artifacts = readTfjsModel(join(out, 'model'));
  const model = await tf.loadLayersModel({ load: async () => artifacts });
  // The trained parameters as the checkpoint at `steps` holds them.
  const bytes = readFileSync(join(out, 'checkpoints', `${steps}.bin`));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const params: Float32Array[] = [];
  let off = 0;
  for (const p of engine.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    params.push(all.subarray(off, off + n));
    off += n;
  }
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  engine.params.forEach((p, i) => {
    const w = byName.get(p.name);
    assert.ok(w, `tfjs model has weight ${p.name}`);
    assert.deepEqual(w.shape, [...p.shape]);
    const got = bits(w.read().dataSync() as Float32Array), want = bits(params[i]);
    assert.equal(got.length, want.length, `${p.name} length`);
    const at = got.findIndex((b, j) => b !== want[j]);
    assert.equal(at, -1, `${p.name}: first differing element ${at}: tfjs ${got[at]?.toString(16)}, engine ${want[at]?.toString(16)}`);
  });
  const x = job.setup.train.x;
  const ours = predictClasses(engine, params, x, job.classes);
  const theirs = tf.tidy(() => (model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).argMax(-1).dataSync());
  let agree = 0;
  for (let i = 0; i < ours.length; i++) if (ours[i] === theirs[i]) agree++;
  model.dispose();
  return { agree, n: ours.length };
}

describe('tfjs round trip', () => {
  const jobs: TinyJob[] = [];
  after(() => jobs.forEach((j) => rmSync(j.dir, { recursive: true, force: true })));

  it('MLP from the example model.json: 2k samples, weights bit-exact, predictions agree', async () => {
    const t = makeTinyJob({ trainN: 2000, testN: 100, model: { tfjs: EXAMPLE_MODEL }, batchSize: 64, steps: 5 });
    jobs.push(t);
    const { agree, n } = await roundTrip(t, 5);
    assert.ok(agree / n >= 0.999, `argmax agreement ${agree}/${n}`);
  });

  it('CNN (conv, pool, flatten, dropout, dense) with Adam: weights bit-exact, predictions agree', async () => {
    const model = {
      inputShape: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 5, activation: 'relu' },
        { type: 'maxpool2d', poolSize: 2 },
        { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.25 },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    };
    const t = makeTinyJob({ trainN: 1000, testN: 100, model, optimizer: { type: 'adam', learningRate: 0.003 }, batchSize: 32, steps: 4 });
    jobs.push(t);
    const { agree, n } = await roundTrip(t, 4);
    assert.ok(agree / n >= 0.999, `argmax agreement ${agree}/${n}`);
  });
});

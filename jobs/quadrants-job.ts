// A tiny, learnable job used by the demo and the end-to-end tests: synthetic 8x8 "images"
// whose label is their brightest quadrant (4 classes), written as IDX files next to a job.json
// that trains a 64-16-4 MLP (or, with model 'cnn', a tiny conv net). Deterministic bytes (a fixed xorshift32 stream), so the files and
// their hashes never change; a few steps already learn something.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPSET_VERSION } from '../reproducible-ops/opset.ts';

function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2); // unsigned bytes
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

function quadrants(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>>= 0), s);
  const images = new Uint8Array(n * 64), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = rnd() % 4;
    labels[i] = label;
    for (let p = 0; p < 64; p++) {
      const q = (p >= 32 ? 2 : 0) + (p % 8 >= 4 ? 1 : 0);
      images[i * 64 + p] = (rnd() % 120) + (q === label ? 120 : 0);
    }
  }
  return { images, labels };
}

export interface QuadrantsJobOptions {
  name: string;
  steps: number;
  checkpointInterval: number;
  trainN: number;
  testN: number;
  seed?: number; // the job's training seed (default 1234)
  hashInterval?: number; // written to job.json only when given
  model?: 'mlp' | 'cnn'; // default mlp
}

// The same 8x8 images seen as one-channel pictures: conv 3x3 (2 filters) -> 2x2 pool -> dense 4.
const MODELS = {
  mlp: { inputShape: [64], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 4 }] },
  cnn: {
    inputShape: [8, 8, 1],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' },
      { type: 'maxpool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 4 },
    ],
  },
} as const;

/** Write the dataset and job.json into `dir`; returns the job file path. */
export function writeQuadrantsJob(dir: string, o: QuadrantsJobOptions): string {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, { path: string; sha256: string }> = {};
  for (const [split, d] of [['train', quadrants(o.trainN, 7)], ['test', quadrants(o.testN, 11)]] as const) {
    for (const [kind, bytes] of [['images', idx([d.labels.length, 8, 8], d.images)], ['labels', idx([d.labels.length], d.labels)]] as const) {
      const path = `${split}-${kind}.idx`;
      writeFileSync(join(dir, path), bytes);
      files[`${split}.${kind}`] = { path, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
  }
  const job = {
    opsetVersion: OPSET_VERSION,
    name: o.name,
    model: MODELS[o.model ?? 'mlp'],
    dataset: {
      train: { images: files['train.images'], labels: files['train.labels'] },
      test: { images: files['test.images'], labels: files['test.labels'] },
    },
    hyperparameters: { optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, batchSize: 32 },
    seed: o.seed ?? 1234,
    steps: o.steps,
    checkpointInterval: o.checkpointInterval,
    ...(o.hashInterval !== undefined ? { hashInterval: o.hashInterval } : {}),
  };
  const file = join(dir, 'job.json');
  writeFileSync(file, JSON.stringify(job, null, 2));
  return file;
}

// A tiny, learnable job for end-to-end tests: synthetic 8x8 "images" whose label is the
// brightest quadrant (4 classes), written as IDX files next to a job.json that trains a
// 64-16-4 MLP. Small enough that 20 steps take well under a second.
import { writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { OPSET_VERSION } from '../../reproducible-ops/opset.ts';

function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** Deterministic pseudo-random bytes (xorshift32), so the files and their hashes are fixed. */
function synth(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>>= 0), s);
  const images = new Uint8Array(n * 64), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = rnd() % 4;
    labels[i] = label;
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        const q = (y >= 4 ? 2 : 0) + (x >= 4 ? 1 : 0);
        images[i * 64 + y * 8 + x] = (rnd() % 120) + (q === label ? 120 : 0);
      }
  }
  return { images, labels };
}

export interface TinyJobOptions {
  steps?: number;
  checkpointInterval?: number;
  trainN?: number;
  seed?: number;
  name?: string;
}

/** Write the dataset and job.json into `dir`; returns the job file path. */
export function writeTinyJob(dir: string, o: TinyJobOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, { path: string; sha256: string }> = {};
  const splits = { train: synth(o.trainN ?? 512, 7), test: synth(128, 11) };
  for (const [split, d] of Object.entries(splits)) {
    for (const [kind, bytes] of [['images', idx([d.labels.length, 8, 8], d.images)], ['labels', idx([d.labels.length], d.labels)]] as const) {
      const path = `${split}-${kind}.idx`;
      writeFileSync(join(dir, path), bytes);
      files[`${split}.${kind}`] = { path, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
  }
  const job = {
    opsetVersion: OPSET_VERSION,
    name: o.name ?? 'tiny-quadrants',
    model: { inputShape: [64], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 4 }] },
    dataset: {
      train: { images: files['train.images'], labels: files['train.labels'] },
      test: { images: files['test.images'], labels: files['test.labels'] },
    },
    hyperparameters: { optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, batchSize: 32 },
    seed: o.seed ?? 1234,
    steps: o.steps ?? 20,
    checkpointInterval: o.checkpointInterval ?? 5,
  };
  const file = join(dir, 'job.json');
  writeFileSync(file, JSON.stringify(job, null, 2));
  return file;
}

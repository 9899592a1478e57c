// Small real jobs for tests: subsets of the MNIST t10k files written as (gzipped) IDX
// files into a temporary directory, with a job file that references them by sha256.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OPSET_VERSION } from '../reproducible-ops/opset.ts';
import { mnistDataDir } from './dataset.ts';
import { readIdx, type IdxFile } from './idx.ts';

export const TINY_MLP = { inputShape: [784], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }] };

let t10k: { images: IdxFile; labels: IdxFile } | null = null;

function mnistT10k(): { images: IdxFile; labels: IdxFile } {
  const dir = mnistDataDir();
  t10k ??= { images: readIdx(join(dir, 't10k-images-idx3-ubyte')), labels: readIdx(join(dir, 't10k-labels-idx1-ubyte')) };
  return t10k;
}

/** IDX bytes of unsigned-byte data with the given dims. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

export const sha256File = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface FixtureFile {
  path: string; // file name inside the fixture directory
  sha256: string;
}

/** Write samples [from, from + n) of MNIST t10k as an image and a label IDX file. */
export function writeMnistSubset(dir: string, prefix: string, from: number, n: number, gzip = true): { images: FixtureFile; labels: FixtureFile } {
  const { images, labels } = mnistT10k();
  const per = 28 * 28;
  const write = (name: string, bytes: Buffer): FixtureFile => {
    const data = gzip ? gzipSync(bytes) : bytes;
    const path = `${prefix}-${name}${gzip ? '.gz' : ''}`;
    writeFileSync(join(dir, path), data);
    return { path, sha256: sha256File(data) };
  };
  return {
    images: write('images-idx3-ubyte', idxBytes([n, 28, 28], images.data.subarray(from * per, (from + n) * per))),
    labels: write('labels-idx1-ubyte', idxBytes([n], labels.data.subarray(from, from + n))),
  };
}

export interface TinyJobOptions {
  trainN?: number;
  testN?: number;
  model?: unknown;
  optimizer?: unknown;
  batchSize?: number;
  steps?: number;
  checkpointInterval?: number;
  seed?: number;
  gzip?: boolean;
}

export interface TinyJob {
  dir: string;
  file: string; // the job.json
  job: Record<string, unknown>; // its content, for tests that write variants
}

/** A temp directory with a small MNIST job (training on the first trainN t10k samples, testing on the next testN). */
export function makeTinyJob(o: TinyJobOptions = {}): TinyJob {
  const dir = mkdtempSync(join(tmpdir(), 'optrain-job-'));
  const trainN = o.trainN ?? 512, testN = o.testN ?? 256;
  const train = writeMnistSubset(dir, 'train', 0, trainN, o.gzip ?? true);
  const test = writeMnistSubset(dir, 'test', trainN, testN, o.gzip ?? true);
  const job = {
    opsetVersion: OPSET_VERSION,
    name: 'tiny',
    model: o.model ?? TINY_MLP,
    dataset: { train, test },
    hyperparameters: { optimizer: o.optimizer ?? { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, batchSize: o.batchSize ?? 32 },
    seed: o.seed ?? 7,
    steps: o.steps ?? 6,
    checkpointInterval: o.checkpointInterval ?? 2,
  };
  const file = join(dir, 'job.json');
  writeFileSync(file, JSON.stringify(job, null, 2));
  return { dir, file, job };
}

/** Write a variant of a job next to it and return its path. */
export function writeJobVariant(t: TinyJob, name: string, content: unknown): string {
  const file = join(t.dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

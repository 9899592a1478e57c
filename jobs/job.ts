// A loaded job: the validated spec, its verified datasets as tensors, the resolved step
// count and the jobHash = sha256(canonical JSON of the resolved spec). The jobHash is
// the engine's specHash, so every state hash of a run is bound to exactly this job.
import type { TrainSetup } from '../reproducible-ops/engine.ts';
import { modelParams } from '../reproducible-ops/layers.ts';
import type { Tensor } from '../reproducible-ops/tensor.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { imageTensor, loadSplit, oneHotTensor, type Split, type SplitRef } from './dataset.ts';
import { UserError } from './errors.ts';
import { loadGptJob, type GptJob, type ResolvedGptSpec } from './job-gpt.ts';
import { DEFAULT_HASH_INTERVAL, DEFAULT_LOSS, readJobSpec, type ClassifierJobSpec, type JobSpec } from './spec.ts';

export type { GptJob, ResolvedGptSpec } from './job-gpt.ts';

/** A loaded job: a classifier or a GPT (jobs/job-gpt.ts); `kind` tells them apart. */
export type LoadedJob = ClassifierJob | GptJob;

export interface ClassifierJob {
  kind: 'classifier';
  spec: ClassifierJobSpec;
  steps: number; // resolved from `steps` or `epochs`
  resolved: ResolvedClassifierSpec;
  jobHash: Buffer;
  jobHashHex: string;
  setup: TrainSetup;
  test: { x: Tensor; labels: Uint8Array };
  classes: number;
}

/** Exactly what the jobHash covers: no file paths (they differ between machines), only content hashes. */
export type ResolvedSpec = ResolvedClassifierSpec | ResolvedGptSpec;

export interface ResolvedClassifierSpec {
  opsetVersion: string;
  name: string;
  model: ClassifierJobSpec['model'];
  dataset: { train: HashedSplit; test: HashedSplit };
  hyperparameters: { optimizer: ClassifierJobSpec['optimizer']; batchSize: number };
  seed: number;
  steps: number;
  checkpointInterval: number;
  // Only when != 1: a job with the default K = 1 keeps the canonical JSON (and jobHash) it had
  // before hash intervals existed; any other K is a different job.
  hashInterval?: number;
  // Likewise only when not the default softmax_cross_entropy (which every job so far used).
  loss?: string;
}

interface HashedSplit {
  images: { sha256: string };
  labels: { sha256: string };
}

const hashed = (s: SplitRef): HashedSplit => ({ images: { sha256: s.images.sha256.toLowerCase() }, labels: { sha256: s.labels.sha256.toLowerCase() } });

export function resolveSpec(spec: ClassifierJobSpec, steps: number): ResolvedClassifierSpec {
  return {
    opsetVersion: spec.opsetVersion,
    name: spec.name,
    model: spec.model,
    dataset: { train: hashed(spec.dataset.train), test: hashed(spec.dataset.test) },
    hyperparameters: { optimizer: spec.optimizer, batchSize: spec.batchSize },
    seed: spec.seed,
    steps,
    checkpointInterval: spec.checkpointInterval,
    ...(spec.hashInterval !== DEFAULT_HASH_INTERVAL ? { hashInterval: spec.hashInterval } : {}),
    ...((spec.loss as string) !== DEFAULT_LOSS ? { loss: spec.loss } : {}),
  };
}

export function jobHashOf(resolved: ResolvedSpec): Buffer {
  return Buffer.from(sha256Hex(canonicalJson(resolved)), 'hex');
}

/** steps = ceil(epochs * N / batchSize); the tiny slack keeps 0.1 * 640 / 64 at 1, not 2. */
export function stepsFor(spec: ClassifierJobSpec, trainN: number): number {
  if ('steps' in spec.length) return spec.length.steps;
  return Math.max(1, Math.ceil((spec.length.epochs * trainN) / spec.batchSize - 1e-9));
}

export function loadJob(file: string): LoadedJob {
  return loadJobSpec(readJobSpec(file));
}

export function loadJobSpec(spec: JobSpec): LoadedJob {
  return spec.kind === 'gpt' ? loadGptJob(spec) : loadClassifierJob(spec);
}

/** A loaded job that must be a classifier (tools and tests built on image jobs); `what` names the caller. */
export function asClassifier(job: LoadedJob, what = 'this command'): ClassifierJob {
  if (job.kind !== 'classifier') throw new UserError(`${job.spec.file}: ${what} needs a classifier job (a layer model over images), not a GPT job`);
  return job;
}

function loadClassifierJob(spec: ClassifierJobSpec): ClassifierJob {
  const where = (field: string) => `${spec.file}: job.dataset.${field}`;
  const { outShape } = modelParams(spec.model);
  if (outShape.length !== 1)
    throw new UserError(`${spec.file}: job.model: the model's output is [${outShape}], expected a vector of class scores (end with a dense layer)`);
  const classes = outShape[0];
  const train = loadSplit(spec.dataset.train, spec.dir, where('train'));
  const test = loadSplit(spec.dataset.test, spec.dir, where('test'));
  const trainXY = { x: imageTensor(train, spec.model.inputShape, where('train')), y: oneHotTensor(train, classes, where('train')) };
  checkSameSamples(train, test, where('test'));
  const testX = imageTensor(test, spec.model.inputShape, where('test'));
  oneHotTensor(test, classes, where('test')); // rejects test labels the model cannot output
  const steps = stepsFor(spec, train.n);
  const resolved = resolveSpec(spec, steps);
  const jobHash = jobHashOf(resolved);
  const setup: TrainSetup = { specHash: jobHash, model: spec.model, optimizer: spec.optimizer, batchSize: spec.batchSize, seed: spec.seed, train: trainXY, opsetVersion: spec.opsetVersion };
  return { kind: 'classifier', spec, steps, resolved, jobHash, jobHashHex: jobHash.toString('hex'), setup, test: { x: testX, labels: test.labels.data }, classes };
}

function checkSameSamples(train: Split, test: Split, field: string): void {
  const a = train.images.dims.slice(1), b = test.images.dims.slice(1);
  if (a.join() !== b.join()) throw new UserError(`${field}.images: test samples are [${b}] but training samples are [${a}]`);
}

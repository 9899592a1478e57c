// What a job needs to run, estimated from its spec alone (no dataset, no allocation), and
// the check that refuses a job no machine of this class can run: `inspect`, `job submit`
// and `train` call it before doing anything costly, and a solver calls it before claiming.
// Estimates (float32, 4 bytes a value):
//   state        parameters + optimizer slots (reproducible-ops/optim.ts)
//   memory       3 x state (the state, the state the step writes, the gradients) + 2 x the
//                activations of one batch (every layer's output, its gradient, and the im2col
//                buffer of each conv) + the training set as floats + the run's history
//                (8 bytes a loss, ~120 bytes a committed hash as kept in memory)
//   disk         state x the checkpoints a run keeps (see checkpointsKept) + its index.json
// The limits default to this machine: memory 75% of os.totalmem(), checkpoint disk half of
// the free space where the run writes, at most 1e9 steps; OPTRAIN_MAX_MEMORY,
// OPTRAIN_MAX_DISK (bytes, or with a K/M/G/T suffix) and OPTRAIN_MAX_STEPS override them.
import { statfsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { lastLeaf } from '../reproducible-ops/hash-schedule.ts';
import { gptParams, type GptConfig } from '../reproducible-ops/gpt.ts';
import { modelParams, type ModelSpec, type ParamSpec } from '../reproducible-ops/layers.ts';
import { optimizerSlots, type OptimizerSpec } from '../reproducible-ops/optim.ts';
import { convOut } from '../reproducible-ops/ops/table.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import { UserError } from './errors.ts';
import type { LoadedJob } from './job.ts';

/** What the check reads: the fields of a resolved spec (jobs/job.ts ResolvedSpec), so a solver can check a posted spec before it downloads the datasets. */
export type ResourceInput = ClassifierResourceInput | GptResourceInput;

export interface ClassifierResourceInput {
  model: ModelSpec;
  hyperparameters: { optimizer: OptimizerSpec; batchSize: number };
  steps: number;
  checkpointInterval: number;
  hashInterval?: number;
}

/** A GPT job's resolved spec (jobs/job-gpt.ts): AdamW, so two slots per parameter plus two powers. */
export interface GptResourceInput {
  model: { gpt: GptConfig };
  hyperparameters: { batchSize: number };
  steps: number;
  checkpointInterval: number;
  hashInterval?: number;
}

const isGpt = (job: ResourceInput): job is GptResourceInput => 'gpt' in job.model;

/** Parameters and optimizer slot values of either kind of job. */
function stateOf(job: ResourceInput): { params: ParamSpec[]; slotValues: number } {
  if (isGpt(job)) {
    const params = gptParams(job.model.gpt);
    return { params, slotValues: 2 + 2 * sum(params.map((p) => numel(p.shape))) };
  }
  const { params } = modelParams(job.model);
  return { params, slotValues: sum(optimizerSlots(job.hyperparameters.optimizer, params).map((s) => numel(s.shape))) };
}

/**
 * Values a GPT step keeps per window (forward outputs; backward doubles it): per token and layer
 * ~50·C (layer norms, q/k/v and their permutes, the 4C GELU MLP) + 5·H·T (attention scores,
 * mask, exp, softmax), and ~6·V for the logits and the loss.
 */
function gptPerWindow(c: GptConfig): number {
  return c.blockSize * (c.nLayer * (50 * c.nEmbd + 5 * c.nHead * c.blockSize) + 6 * c.vocabSize + 10 * c.nEmbd);
}

export interface ResourceLimits {
  memoryBytes: number;
  diskBytes: number; // for the checkpoints a run keeps
  maxSteps: number;
  keep: KeepPolicy; // the checkpoint policy the disk estimate assumes
}

/**
 * Which checkpoints a run keeps (older ones are deleted): the latest `latest`, and with
 * `leaves` every checkpoint at a leaf step (a committed H[t]), which is what a dispute needs:
 * any disputed interval (lo, hi] starts at a leaf, so it is replayed in at most K steps.
 */
export interface KeepPolicy {
  latest: number;
  leaves: boolean;
}

export interface ResourceNeeds {
  params: number; // values
  stateBytes: number;
  activationBytes: number; // one batch, forward and backward
  datasetBytes: number;
  historyBytes: number; // losses and committed hashes the run keeps in memory
  memoryBytes: number;
  steps: number;
  checkpointsKept: number;
  diskBytes: number;
}

/** By default a run keeps its checkpoints at leaf steps plus the latest 2 (one to fall back to if the newest is corrupt). */
export const DEFAULT_KEEP: KeepPolicy = { latest: 2, leaves: true };
export const DEFAULT_MAX_STEPS = 1e9;
const F32 = 4;
const LOSS_BYTES = 8, HASH_BYTES = 120;
// V8 refuses typed arrays beyond this many elements; a tensor that big cannot be allocated.
const MAX_TENSOR = 2 ** 32;

/** How many checkpoints a run of T steps keeps: written every C steps and at T, pruned by `keep`. */
export function checkpointsKept(T: number, C: number, K: number, keep: KeepPolicy): number {
  const written = Math.ceil(T / C);
  if (!keep.leaves) return Math.min(written, keep.latest);
  const L = lcm(C, K);
  return Math.min(written, Math.ceil(T / L) + keep.latest); // multiples of C that are leaf steps, and T
}

export function estimateResources(job: ResourceInput, trainSamples = 0, keep: KeepPolicy = DEFAULT_KEEP): ResourceNeeds {
  const { params, slotValues } = stateOf(job);
  const paramCount = sum(params.map((p) => numel(p.shape)));
  const stateBytes = F32 * (paramCount + slotValues);
  const batch = job.hyperparameters.batchSize;
  const activationBytes = 2 * F32 * batch * (isGpt(job) ? gptPerWindow(job.model.gpt) : perSampleActivations(job.model));
  // trainSamples: images of a classifier (input + one-hot label each), tokens of a GPT (one f32 each)
  const perSample = isGpt(job) ? 1 : numel(job.model.inputShape) + (modelParams(job.model).outShape[0] ?? 1);
  const datasetBytes = F32 * trainSamples * perSample;
  const K = job.hashInterval ?? 1;
  const historyBytes = job.steps * LOSS_BYTES + (lastLeaf(Math.max(1, job.steps), Math.min(K, 4096)) + 1) * HASH_BYTES;
  const kept = checkpointsKept(job.steps, job.checkpointInterval, K, keep);
  return {
    params: paramCount,
    stateBytes,
    activationBytes,
    datasetBytes,
    historyBytes,
    memoryBytes: 3 * stateBytes + activationBytes + datasetBytes + historyBytes,
    steps: job.steps,
    checkpointsKept: kept,
    diskBytes: kept * stateBytes + indexBytes(job.steps, K),
  };
}

/** Values every layer outputs per sample (plus each conv's im2col buffer and the input). */
function perSampleActivations(m: ModelSpec): number {
  let total = numel(m.inputShape);
  let shape = [...m.inputShape];
  m.layers.forEach((l, i) => {
    if (l.type === 'conv2d') {
      const pad = l.padding === 'same' ? (l.kernelSize - 1) / 2 : 0;
      const [oh, ow] = convOut(shape[0], shape[1], l.kernelSize, l.strides, pad);
      total += oh * ow * l.kernelSize * l.kernelSize * shape[2];
    }
    shape = modelParams({ inputShape: m.inputShape, layers: m.layers.slice(0, i + 1) }).outShape;
    total += numel(shape);
  });
  return total;
}

/** The limits of this machine, overridden by OPTRAIN_MAX_MEMORY / OPTRAIN_MAX_DISK / OPTRAIN_MAX_STEPS. */
export function defaultLimits(env: NodeJS.ProcessEnv = process.env, dir = '.'): ResourceLimits {
  return {
    memoryBytes: envBytes(env, 'OPTRAIN_MAX_MEMORY') ?? Math.floor(0.75 * totalmem()),
    diskBytes: envBytes(env, 'OPTRAIN_MAX_DISK') ?? freeDiskHalf(dir),
    maxSteps: envBytes(env, 'OPTRAIN_MAX_STEPS') ?? DEFAULT_MAX_STEPS,
    keep: DEFAULT_KEEP,
  };
}

/**
 * Refuse a job whose estimated needs exceed the limits, with one line naming the field to
 * change and the limit; returns the estimate otherwise.
 */
export function checkResources(job: ResourceInput, limits: ResourceLimits = defaultLimits(), trainSamples = 0): ResourceNeeds {
  if (job.steps > limits.maxSteps)
    throw new UserError(`job.steps: ${job.steps} steps exceeds the limit of ${limits.maxSteps} (OPTRAIN_MAX_STEPS)`);
  const biggest = largestTensor(job);
  if (biggest.size > MAX_TENSOR)
    throw new UserError(`${biggest.field}: needs a tensor of ${biggest.size.toExponential(2)} values, more than the ${MAX_TENSOR} one tensor can hold`);
  const n = estimateResources(job, trainSamples, limits.keep);
  if (n.memoryBytes > limits.memoryBytes) {
    // Name the field that drives the largest share of the estimate.
    const parts: [number, string][] = [
      [3 * n.stateBytes, `job.model (${n.params.toLocaleString('en-US')} parameters)`],
      [n.activationBytes, `job.hyperparameters.batchSize (${job.hyperparameters.batchSize})`],
      [n.historyBytes, `job.steps (${job.steps}: a loss and state hash kept per step)`],
      [n.datasetBytes, `job.dataset (${trainSamples.toLocaleString('en-US')} training ${isGpt(job) ? 'tokens' : 'samples'})`],
    ];
    const field = parts.reduce((a, b) => (b[0] > a[0] ? b : a))[1];
    throw new UserError(`${field}: needs an estimated ${bytes(n.memoryBytes)} of memory (state ${bytes(3 * n.stateBytes)}, activations ${bytes(n.activationBytes)}, history ${bytes(n.historyBytes)}), more than the limit of ${bytes(limits.memoryBytes)} (OPTRAIN_MAX_MEMORY)`);
  }
  if (n.diskBytes > limits.diskBytes)
    throw new UserError(`job.checkpointInterval (${job.checkpointInterval}): ${n.checkpointsKept.toLocaleString('en-US')} checkpoints of ${bytes(n.stateBytes)} over ${job.steps} steps need ${bytes(n.diskBytes)} of disk, more than the limit of ${bytes(limits.diskBytes)} (OPTRAIN_MAX_DISK; or keep fewer with --keep-checkpoints)`);
  return n;
}

/** checkResources for a loaded job (its training set counted), errors prefixed with the job file. */
export function checkJobResources(job: LoadedJob, limits: ResourceLimits = defaultLimits()): ResourceNeeds {
  try {
    return checkResources(job.resolved, limits, job.kind === 'gpt' ? job.setup.tokens.shape[0] : job.setup.train.x.shape[0]);
  } catch (e) {
    throw e instanceof UserError ? new UserError(`${job.spec.file}: ${e.message}`) : e;
  }
}

/** The largest single buffer a step allocates and the field responsible for it. */
function largestTensor(job: ResourceInput): { size: number; field: string } {
  const { params } = stateOf(job);
  let best = { size: 0, field: 'job.model' };
  params.forEach((p) => {
    if (numel(p.shape) > best.size) best = { size: numel(p.shape), field: `job.model (parameter ${p.name} [${p.shape.join(', ')}])` };
  });
  const act = job.hyperparameters.batchSize * (isGpt(job) ? gptLargestPerWindow(job.model.gpt) : perSampleMax(job.model));
  if (act > best.size) best = { size: act, field: `job.hyperparameters.batchSize (${job.hyperparameters.batchSize})` };
  return best;
}

/** The largest per-window activation of a GPT: the logits [T, V], the MLP [T, 4C] or the attention scores [H, T, T]. */
function gptLargestPerWindow(c: GptConfig): number {
  return c.blockSize * Math.max(c.vocabSize, 4 * c.nEmbd, c.nHead * c.blockSize);
}

function perSampleMax(m: ModelSpec): number {
  let max = numel(m.inputShape);
  m.layers.forEach((_, i) => (max = Math.max(max, numel(modelParams({ inputShape: m.inputShape, layers: m.layers.slice(0, i + 1) }).outShape))));
  return max;
}

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

function envBytes(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?(?:e[0-9]+)?)([KMGT]?)B?$/i.exec(raw.trim());
  if (!m) throw new UserError(`${name}: expected a number, optionally with a K, M, G or T suffix, got '${raw}'`);
  const mult = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * mult;
}

function freeDiskHalf(dir: string): number {
  try {
    const s = statfsSync(dir);
    return Math.floor((s.bavail * s.bsize) / 2);
  } catch {
    return Infinity; // unknown: do not refuse on a guess
  }
}

/** checkpoints/index.json lists every loss (~20 bytes of JSON) and committed hash (69 bytes). */
function indexBytes(T: number, K: number): number {
  return T * 20 + (Math.ceil(T / K) + 1) * 69;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

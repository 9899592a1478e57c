// GPT job specs: a nanoGPT-class transformer trained on a text dataset (issue 10).
//   "model": {"gpt": {"vocabSize"?, "blockSize", "nLayer", "nHead", "nEmbd", "dropout", "bias"}}
//   "dataset": {"text": {"path", "sha256", "tokenizer": "char" | "gpt2", "valFraction": 0.1}}
//   "hyperparameters": {"optimizer": {"adamw": {"lr", "betas", "weightDecay", "eps"}},
//                       "lrSchedule"?: {"warmup", "total", "min"}, "gradClip"?, "batchSize"}
//   "steps", "evalInterval"?, "seed", "checkpointInterval", "hashInterval"
// Defaults are nanoGPT train.py's: betas [0.9, 0.95], weightDecay 0.1, eps 1e-8 (PyTorch's),
// dropout 0; no lrSchedule = constant lr, no gradClip = no clipping; evalInterval = steps
// (validation loss at the end only). vocabSize defaults to the tokenizer's (jobs/job-gpt.ts).
import { resolve } from 'node:path';
import { z } from 'zod';
import type { GptConfig } from '../reproducible-ops/gpt.ts';
import type { LrSchedule, OptimizerSpec } from '../reproducible-ops/optim.ts';
import { OPSET_VERSION } from '../reproducible-ops/opset.ts';
import { MAX_HASH_INTERVAL } from '../reproducible-ops/hash-schedule.ts';
import { UserError } from './errors.ts';
import { DEFAULT_VAL_FRACTION, MAX_VOCAB, TOKENIZERS, type TextRef } from './text-dataset.ts';

// The op set that has the transformer ops (repops-3).
const GPT_OPSET = OPSET_VERSION;
const POS_INT = 'expected a positive integer';
const posInt = () => z.int({ error: POS_INT }).positive({ error: POS_INT });
const NONNEG = 'expected a number >= 0';
const nonneg = () => z.number({ error: NONNEG }).min(0, { error: NONNEG }).max(Number.MAX_VALUE, { error: NONNEG });
const POS_NUM = 'expected a positive number';
const posNum = () => z.number({ error: POS_NUM }).positive({ error: POS_NUM }).max(Number.MAX_VALUE, { error: POS_NUM });
const UNIT = 'expected a number in [0, 1)';
const unit = () => z.number({ error: UNIT }).min(0, { error: UNIT }).lt(1, { error: UNIT });
const OPEN = 'expected a number in (0, 1)';
const HEX = 'expected a sha256 as 64 hex digits';
const U32 = 'expected an integer in [0, 4294967295]';
const HASH_INTERVAL = `expected an integer in [1, ${MAX_HASH_INTERVAL}]`;
const U24 = 'expected an integer in [1, 16777215]';

const gptModel = z.strictObject({
  vocabSize: z.int({ error: `expected an integer in [1, ${MAX_VOCAB}]` }).min(1, { error: `expected an integer in [1, ${MAX_VOCAB}]` }).max(MAX_VOCAB, { error: `expected an integer in [1, ${MAX_VOCAB}] (token ids are u16)` }).optional(),
  blockSize: posInt(),
  nLayer: z.int({ error: 'expected a positive integer (at least one layer)' }).positive({ error: 'expected a positive integer (at least one layer)' }),
  nHead: posInt(),
  nEmbd: posInt(),
  dropout: z.literal(0, { error: 'expected 0 (dropout is not implemented for GPT jobs)' }).default(0),
  bias: z.boolean({ error: 'expected true or false' }),
});

const schedule = z.strictObject({ warmup: z.int({ error: 'expected an integer >= 0' }).min(0, { error: 'expected an integer >= 0' }), total: z.int({ error: U24 }).min(1, { error: U24 }).max(2 ** 24 - 1, { error: U24 }), min: nonneg() });

const gptJobSchema = z.strictObject({
  opsetVersion: z.string({ error: `expected "${GPT_OPSET}"` }),
  name: z.string({ error: 'expected a non-empty name' }).min(1, { error: 'expected a non-empty name' }),
  model: z.strictObject({ gpt: gptModel }),
  dataset: z.strictObject({
    text: z.strictObject({
      path: z.string({ error: 'expected a path' }).min(1, { error: 'expected a path' }),
      sha256: z.string({ error: HEX }).regex(/^[0-9a-fA-F]{64}$/, { error: HEX }),
      tokenizer: z.enum(TOKENIZERS, { error: 'expected "char" or "gpt2"' }),
      valFraction: z.number({ error: OPEN }).gt(0, { error: OPEN }).lt(1, { error: OPEN }).default(DEFAULT_VAL_FRACTION),
    }),
  }, { error: 'expected {"text": {"path", "sha256", "tokenizer", "valFraction"}}' }),
  hyperparameters: z.strictObject({
    optimizer: z.strictObject({
      adamw: z.strictObject({
        lr: posNum(),
        betas: z.tuple([unit(), unit()], { error: 'expected [beta1, beta2], each in [0, 1)' }).default([0.9, 0.95]),
        weightDecay: nonneg().default(0.1),
        eps: posNum().default(1e-8),
      }),
    }, { error: 'expected {"adamw": {"lr", "betas", "weightDecay", "eps"}} (GPT jobs train with AdamW)' }),
    lrSchedule: schedule.optional(),
    gradClip: nonneg().optional(),
    batchSize: posInt(),
  }),
  seed: z.int({ error: U32 }).min(0, { error: U32 }).max(2 ** 32 - 1, { error: U32 }),
  steps: posInt(),
  evalInterval: posInt().optional(),
  checkpointInterval: posInt().default(100),
  hashInterval: z.int({ error: HASH_INTERVAL }).min(1, { error: HASH_INTERVAL }).max(MAX_HASH_INTERVAL, { error: HASH_INTERVAL }).default(1),
});

export type GptModelSpec = Omit<GptConfig, 'vocabSize'> & { vocabSize?: number };
export type AdamWSpec = Extract<OptimizerSpec, { type: 'adamw' }>;

/** A validated GPT job file (vocabSize may still be the tokenizer's to fill in). */
export interface GptJobSpec {
  kind: 'gpt';
  file: string;
  dir: string;
  opsetVersion: string;
  name: string;
  model: { gpt: GptModelSpec };
  dataset: { text: TextRef };
  optimizer: AdamWSpec;
  batchSize: number;
  seed: number;
  length: { steps: number };
  evalInterval: number; // valLoss is computed every evalInterval steps and at the end
  checkpointInterval: number;
  hashInterval: number;
}

/** Whether a parsed job object is a GPT job (its model is {"gpt": ...} or its dataset {"text": ...}). */
export function isGptJobObject(raw: unknown): boolean {
  const o = raw as { model?: unknown; dataset?: unknown } | null;
  const has = (v: unknown, k: string) => typeof v === 'object' && v !== null && !Array.isArray(v) && k in v;
  return !!o && (has(o.model, 'gpt') || has(o.dataset, 'text'));
}

/**
 * Validate a GPT job object. `formatIssues` is spec.ts's one-line formatter (passed in so this
 * module does not import spec.ts, which imports it).
 */
export function parseGptJobSpec(raw: object, file: string, dir: string, formatIssues: (issues: readonly z.core.$ZodIssue[], raw: unknown, root: string) => string): GptJobSpec {
  const fail = (msg: string): never => {
    throw new UserError(`${file}: ${msg}`);
  };
  if ('epochs' in raw) fail('job.epochs: GPT jobs give "steps" (a step is batchSize windows of blockSize tokens at random offsets), not "epochs"');
  if ('loss' in raw) fail('job.loss: GPT jobs have no "loss" field (the loss is the mean cross-entropy of the next token)');
  const r = gptJobSchema.safeParse(raw);
  if (!r.success) fail(formatIssues(r.error.issues, raw, 'job'));
  const j = r.data!;
  if (j.opsetVersion !== GPT_OPSET) fail(`job.opsetVersion: GPT models need "${GPT_OPSET}" (the op set with the transformer ops), got ${JSON.stringify(j.opsetVersion)}`);
  const g = j.model.gpt;
  if (g.nEmbd % g.nHead !== 0) fail(`job.model.gpt.nEmbd: expected a multiple of nHead (${g.nHead}), got ${g.nEmbd}`);
  const hp = j.hyperparameters;
  const s: LrSchedule | undefined = hp.lrSchedule;
  if (s && s.total <= s.warmup) fail(`job.hyperparameters.lrSchedule.total: expected an integer greater than warmup (${s.warmup}), got ${s.total}`);
  if (s && s.min > hp.optimizer.adamw.lr) fail(`job.hyperparameters.lrSchedule.min: expected at most the optimizer's lr (${hp.optimizer.adamw.lr}), got ${s.min}`);
  if (j.evalInterval !== undefined && j.evalInterval > j.steps) fail(`job.evalInterval: expected at most steps (${j.steps}), got ${j.evalInterval}`);
  const a = hp.optimizer.adamw;
  return {
    kind: 'gpt',
    file: resolve(file),
    dir,
    opsetVersion: j.opsetVersion,
    name: j.name,
    model: { gpt: { ...(g.vocabSize !== undefined ? { vocabSize: g.vocabSize } : {}), blockSize: g.blockSize, nLayer: g.nLayer, nHead: g.nHead, nEmbd: g.nEmbd, dropout: g.dropout, bias: g.bias } },
    dataset: { text: j.dataset.text },
    optimizer: {
      type: 'adamw', learningRate: a.lr, beta1: a.betas[0], beta2: a.betas[1], epsilon: a.eps, weightDecay: a.weightDecay,
      ...(s ? { schedule: { warmup: s.warmup, total: s.total, min: s.min } } : {}),
      ...(hp.gradClip !== undefined ? { gradClip: hp.gradClip } : {}),
    },
    batchSize: hp.batchSize,
    seed: j.seed,
    length: { steps: j.steps },
    evalInterval: j.evalInterval ?? j.steps,
    checkpointInterval: j.checkpointInterval,
    hashInterval: j.hashInterval,
  };
}

/** The job-file form of the optimizer fields (what the resolved spec, and so the jobHash, holds). */
export interface GptHyperparameters {
  optimizer: { adamw: { lr: number; betas: [number, number]; weightDecay: number; eps: number } };
  lrSchedule?: LrSchedule;
  gradClip?: number;
  batchSize: number;
}

export function gptHyperparameters(spec: GptJobSpec): GptHyperparameters {
  const o = spec.optimizer;
  return {
    optimizer: { adamw: { lr: o.learningRate, betas: [o.beta1, o.beta2], weightDecay: o.weightDecay, eps: o.epsilon } },
    ...(o.schedule ? { lrSchedule: o.schedule } : {}),
    ...(o.gradClip !== undefined ? { gradClip: o.gradClip } : {}),
    batchSize: spec.batchSize,
  };
}

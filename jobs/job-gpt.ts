// A loaded GPT job: the text dataset verified and tokenized, vocabSize resolved from the
// tokenizer, the token file's hash in the resolved spec (so the jobHash covers the exact ids
// trained on), and the engine's LmSetup over the training split.
import type { LmSetup } from '../reproducible-ops/engine.ts';
import type { GptConfig } from '../reproducible-ops/gpt.ts';
import { tensor, type Tensor } from '../reproducible-ops/tensor.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { UserError } from './errors.ts';
import { gptHyperparameters, type GptHyperparameters, type GptJobSpec } from './spec-gpt.ts';
import { checkBlockSize, idsAsF32, loadTextDataset, type TextDataset } from './text-dataset.ts';

/** Exactly what a GPT job's jobHash covers: content hashes, no paths. */
export interface ResolvedGptSpec {
  opsetVersion: string;
  name: string;
  model: { gpt: GptConfig };
  dataset: { text: { sha256: string; tokenizer: string; valFraction: number; tokens: { sha256: string; train: number; val: number } } };
  hyperparameters: GptHyperparameters; // the job-file form
  seed: number;
  steps: number;
  evalInterval: number;
  checkpointInterval: number;
  hashInterval?: number; // only when != 1, as for classifier jobs
}

export interface GptJob {
  kind: 'gpt';
  spec: GptJobSpec;
  steps: number;
  resolved: ResolvedGptSpec;
  jobHash: Buffer;
  jobHashHex: string;
  setup: LmSetup;
  config: GptConfig; // vocabSize resolved
  text: TextDataset;
  val: Tensor; // the validation split's ids as binary32 integers [N]
}

export function isResolvedGpt(r: unknown): r is ResolvedGptSpec {
  const m = (r as { model?: unknown } | null)?.model;
  return typeof m === 'object' && m !== null && 'gpt' in m;
}

export function loadGptJob(spec: GptJobSpec): GptJob {
  const field = `${spec.file}: job.dataset.text`;
  const text = loadTextDataset(spec.dataset.text, spec.dir, field);
  const g = spec.model.gpt;
  const vocabSize = g.vocabSize ?? text.tokenizer.vocabSize;
  if (vocabSize < text.tokenizer.vocabSize)
    throw new UserError(`${spec.file}: job.model.gpt.vocabSize: ${vocabSize} is smaller than the ${spec.dataset.text.tokenizer} tokenizer's vocabulary of ${text.tokenizer.vocabSize} tokens (leave it out to use the tokenizer's)`);
  checkBlockSize(text, g.blockSize, `${spec.file}: job.model.gpt.blockSize`, 'job.dataset.text');
  const config: GptConfig = { vocabSize, blockSize: g.blockSize, nLayer: g.nLayer, nHead: g.nHead, nEmbd: g.nEmbd, dropout: g.dropout, bias: g.bias };
  const steps = spec.length.steps;
  const resolved = resolveGptSpec(spec, config, text, steps);
  const jobHash = Buffer.from(sha256Hex(canonicalJson(resolved)), 'hex');
  const setup: LmSetup = {
    specHash: jobHash, model: { gpt: config }, optimizer: spec.optimizer, batchSize: spec.batchSize, seed: spec.seed,
    tokens: tensor([text.train.length], idsAsF32(text.train)), opsetVersion: spec.opsetVersion,
  };
  return { kind: 'gpt', spec, steps, resolved, jobHash, jobHashHex: jobHash.toString('hex'), setup, config, text, val: tensor([text.val.length], idsAsF32(text.val)) };
}

export function resolveGptSpec(spec: GptJobSpec, config: GptConfig, text: TextDataset, steps: number): ResolvedGptSpec {
  const t = spec.dataset.text;
  return {
    opsetVersion: spec.opsetVersion,
    name: spec.name,
    model: { gpt: config },
    dataset: { text: { sha256: t.sha256.toLowerCase(), tokenizer: t.tokenizer, valFraction: t.valFraction, tokens: { sha256: text.tokensSha256, train: text.train.length, val: text.val.length } } },
    hyperparameters: gptHyperparameters(spec),
    seed: spec.seed,
    steps,
    evalInterval: spec.evalInterval,
    checkpointInterval: spec.checkpointInterval,
    ...(spec.hashInterval !== 1 ? { hashInterval: spec.hashInterval } : {}),
  };
}

/** The job-file object of a resolved spec with the text file at `path` (a solver re-parses it). */
export function gptJobObject(resolved: ResolvedGptSpec, path: string): Record<string, unknown> {
  const { tokens: _tokens, ...text } = resolved.dataset.text;
  const { hashInterval, ...rest } = resolved;
  return { ...rest, dataset: { text: { ...text, path } }, ...(hashInterval !== undefined ? { hashInterval } : {}) };
}

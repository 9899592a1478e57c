// Sampling text from a trained GPT, as nanoGPT's GPT.generate does: crop the context to the
// last blockSize tokens, take the last position's logits, divide by the temperature, keep the
// top k, softmax, draw one token. Everything after the logits is binary32 arithmetic of the
// op set (f32 exp, fixed summation order) and the draws come from the counter-based RNG, so a
// given model, prompt and seed produce the same text on every machine and backend.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import * as f from '../reproducible-ops/f32.ts';
import type { GptConfig } from '../reproducible-ops/gpt.ts';
import { predictLogits } from '../reproducible-ops/lm-eval.ts';
import { draw, rngKey, unit24 } from '../reproducible-ops/rng.ts';
import { tensor } from '../reproducible-ops/tensor.ts';
import { UserError } from './errors.ts';
import { CONFIG_FILE, readGptModel, type GptModelFiles } from './gpt-model.ts';
import type { Tokenizer } from './text-dataset.ts';

/** "GENR": the RNG stream of sampling draws (draw i picks the i-th new token). */
export const STREAM_GENERATE = 0x47454e52;

export interface SampleOptions {
  tokens: number; // how many new tokens
  temperature: number; // > 0; 1 = the model's distribution, lower = greedier
  topK?: number; // keep only the k most likely tokens (nanoGPT's top_k)
  seed: number; // u32
}

/** The last position's logits [V] for a context of at most blockSize ids. */
export type NextLogits = (context: readonly number[]) => Float32Array;

/** Pick a token from logits: temperature, top-k, softmax (max-subtracted, f32 exp), one draw u in [0, 1). */
export function pickToken(logits: Float32Array, temperature: number, topK: number | undefined, u: number): number {
  const V = logits.length;
  const t = Math.fround(temperature);
  const z = Float32Array.from(logits, (x) => f.div(x, t));
  let cut = -Infinity;
  if (topK !== undefined && topK < V) cut = kthLargest(z, topK);
  let m = -Infinity;
  for (let i = 0; i < V; i++) if (z[i] >= cut && z[i] > m) m = z[i];
  const p = new Float32Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) {
    // nanoGPT sets logits below the k-th largest to -inf; ties with it stay in
    p[i] = z[i] >= cut ? f.exp(f.sub(z[i], m)) : 0;
    total = f.add(total, p[i]);
  }
  // The draw lands in the cumulative mass: the first i with u * total < cumsum[i]
  const target = f.mul(Math.fround(u), total);
  let acc = 0, last = 0;
  for (let i = 0; i < V; i++) {
    if (p[i] === 0) continue;
    acc = f.add(acc, p[i]);
    last = i;
    if (target < acc) return i;
  }
  return last; // rounding left u * total at the very top: the last token with mass
}

/** The value of the k-th largest entry (ties count separately, as torch.topk's values). */
export function kthLargest(z: Float32Array, k: number): number {
  const sorted = Float32Array.from(z).sort(); // ascending; NaN last
  return sorted[sorted.length - k];
}

/** New token ids, one at a time (the caller streams them as they come). */
export function* sampleTokens(next: NextLogits, prompt: readonly number[], blockSize: number, o: SampleOptions): Generator<number> {
  const ids = [...prompt];
  const key = rngKey(o.seed, STREAM_GENERATE, 0);
  for (let i = 0; i < o.tokens; i++) {
    const logits = next(ids.slice(-blockSize));
    const id = pickToken(logits, o.temperature, o.topK, unit24(draw(key, i)));
    ids.push(id);
    yield id;
  }
}

/**
 * Text pieces for a stream of ids: decodes the ids so far and emits what is new, holding back
 * a trailing U+FFFD (a GPT-2 token can end inside a multi-byte UTF-8 character, which the next
 * token completes).
 */
export class TextStream {
  private ids: number[] = [];
  private emitted = 0;
  constructor(private readonly tok: Tokenizer) {}

  push(id: number): string {
    this.ids.push(id);
    const text = this.tok.decode(this.ids);
    const ready = text.endsWith('\uFFFD') ? text.slice(0, text.lastIndexOf('\uFFFD')) : text;
    if (ready.length <= this.emitted) return '';
    const piece = ready.slice(this.emitted);
    this.emitted = ready.length;
    return piece;
  }

  /** Whatever is still held back (a sample may really end in a broken character). */
  flush(): string {
    const text = this.tok.decode(this.ids);
    const piece = text.slice(this.emitted);
    this.emitted = text.length;
    return piece;
  }
}

/**
 * An engine that only runs inference for `config` (predictLogits needs one for the parameter
 * layout and the backend): its training setup is a placeholder no step ever runs.
 */
export function inferenceEngine(config: GptConfig, backend: Backend): Engine {
  const tokens = tensor([config.blockSize + 1], new Float32Array(config.blockSize + 1));
  const optimizer = { type: 'adamw' as const, learningRate: 1e-3, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0 };
  return new Engine({ specHash: Buffer.alloc(32), model: { gpt: config }, optimizer, batchSize: 1, seed: 0, tokens }, backend);
}

/**
 * The last position's logits of a context, through the engine's backend, for the first
 * `tokens` ids only: a vocabulary padded past the tokenizer's (nanoGPT's 50304 for GPT-2)
 * has rows no text decodes to.
 */
export function nextLogitsOf(engine: Engine, params: Float32Array[], vocabSize: number, tokens = vocabSize): NextLogits {
  return (context) => {
    const all = predictLogits(engine, params, context, 1, context.length);
    const last = all.length - vocabSize;
    return all.slice(last, last + tokens);
  };
}

/** The model directory of a run directory (DIR/model), or DIR itself when it holds config.json. */
export function modelDirOf(dir: string): string {
  if (existsSync(join(dir, 'model', CONFIG_FILE))) return join(dir, 'model');
  if (existsSync(join(dir, CONFIG_FILE))) return dir;
  if (!existsSync(dir)) throw new UserError(`${dir}: no such run directory`);
  throw new UserError(`${dir}: no GPT model here (expected ${join(dir, 'model', CONFIG_FILE)} from optrain train of a GPT job, or ${CONFIG_FILE} in DIR)`);
}

export interface Generation {
  model: GptModelFiles;
  promptIds: number[];
  ids: number[]; // filled as pieces are consumed
  /** Decoded text as it is sampled on `backend` (nothing is sampled until it is read). */
  pieces(backend: Backend): Generator<string>;
}

/** Load a run's model and encode the prompt (every input error surfaces here, before any sampling). */
export function prepareGeneration(runDir: string, prompt: string, o: SampleOptions): Generation {
  const model = readGptModel(modelDirOf(runDir));
  let promptIds: number[];
  try {
    promptIds = model.tokenizer.encode(prompt);
  } catch (e) {
    throw new UserError(`--prompt: ${(e as Error).message}`);
  }
  if (promptIds.length === 0) throw new UserError('--prompt: expected at least one token of text (the model continues a context)');
  const ids: number[] = [];
  function* pieces(backend: Backend): Generator<string> {
    const engine = inferenceEngine(model.config, backend);
    const next = nextLogitsOf(engine, model.params, model.config.vocabSize, model.tokenizer.vocabSize);
    const stream = new TextStream(model.tokenizer);
    for (const id of sampleTokens(next, promptIds, model.config.blockSize, o)) {
      ids.push(id);
      const piece = stream.push(id);
      if (piece) yield piece;
    }
    const rest = stream.flush();
    if (rest) yield rest;
  }
  return { model, promptIds, ids, pieces };
}

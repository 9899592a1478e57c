// Small real GPT jobs for tests: the start of tiny-shakespeare (examples/data) written into a
// directory with a job file naming it by sha256; the model is the tiny example's shape
// (2 layers, nEmbd 32) unless told otherwise, so a few steps and a validation pass take seconds.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPSET_VERSION } from '../reproducible-ops/opset.ts';

export const SHAKESPEARE_PATH = new URL('../examples/data/tinyshakespeare.txt', import.meta.url).pathname;

export interface GptFixtureOptions {
  chars?: number; // characters of tiny-shakespeare to keep (default 6000: 5400 train, 600 val)
  tokenizer?: 'char' | 'gpt2';
  steps?: number;
  evalInterval?: number;
  name?: string;
  gpt?: Record<string, unknown>; // overrides of model.gpt
  extra?: Record<string, unknown>; // overrides of top-level fields
}

export interface GptFixture {
  dir: string;
  file: string; // the job file
  job: Record<string, unknown>; // its content
  textPath: string;
  textSha256: string;
}

/** The first `chars` characters (UTF-16 units = characters: the file is ASCII) of tiny-shakespeare. */
export function shakespearePrefix(chars: number): string {
  return readFileSync(SHAKESPEARE_PATH, 'utf8').slice(0, chars);
}

export function writeGptJob(dir: string, o: GptFixtureOptions = {}): GptFixture {
  const text = shakespearePrefix(o.chars ?? 6000);
  const textPath = join(dir, `${o.name ?? 'gpt-tiny'}.txt`);
  writeFileSync(textPath, text);
  const textSha256 = createHash('sha256').update(text).digest('hex');
  const steps = o.steps ?? 6;
  const job = {
    opsetVersion: OPSET_VERSION,
    name: o.name ?? 'gpt-tiny',
    model: { gpt: { blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0, bias: false, ...o.gpt } },
    dataset: { text: { path: `${o.name ?? 'gpt-tiny'}.txt`, sha256: textSha256, tokenizer: o.tokenizer ?? 'char', valFraction: 0.1 } },
    hyperparameters: {
      optimizer: { adamw: { lr: 0.003, betas: [0.9, 0.99], weightDecay: 0.1, eps: 1e-8 } },
      lrSchedule: { warmup: 2, total: Math.max(3, steps), min: 0.0003 },
      gradClip: 1.0,
      batchSize: 4,
    },
    seed: 1,
    steps,
    evalInterval: o.evalInterval ?? steps,
    checkpointInterval: steps,
    hashInterval: 1,
    ...o.extra,
  };
  const file = join(dir, `${o.name ?? 'gpt-tiny'}.json`);
  writeFileSync(file, JSON.stringify(job, null, 2));
  return { dir, file, job, textPath, textSha256 };
}

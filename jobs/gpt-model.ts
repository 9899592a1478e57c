// A trained GPT as files a PyTorch user loads into nanoGPT's GPT class:
//   model.safetensors  nanoGPT state-dict names and layouts (c_attn.weight [3C, C] = [q; k; v],
//                      Linear weights [out, in]), float32, plus lm_head.weight (tied to wte, as
//                      nanoGPT's state_dict() lists it, so load_state_dict finds every key)
//   config.json        nanoGPT's GPTConfig keys (vocab_size, block_size, n_layer, n_head, n_embd,
//                      dropout, bias) + the tokenizer ("char" with its vocab, or "gpt2") so
//                      `optrain generate` can encode prompts and decode samples
// readGptModel is the inverse: it splits c_attn back into the engine's q, k, v parameters.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gptParams, gptStateDict, validateGptConfig, type GptConfig } from '../reproducible-ops/gpt.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import { UserError } from './errors.ts';
import { parseJsonText, readTextFile } from './json-file.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';
import { tokenizerFromConfig, type Tokenizer } from './text-dataset.ts';
import { writeAtomic } from './tfjs-model.ts';

export const SAFETENSORS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

export interface GptModelInfo {
  name: string;
  jobHash: string;
  opsetVersion: string;
  steps: number;
  modelHash: string;
}

export interface GptModelFiles {
  config: GptConfig;
  params: Float32Array[]; // in gptParams(config) order
  tokenizer: Tokenizer;
  json: Record<string, unknown>; // config.json as written
}

/** config.json: nanoGPT's GPTConfig keys first, then what optrain adds. */
export function gptConfigJson(c: GptConfig, tok: Tokenizer, info: GptModelInfo): Record<string, unknown> {
  return {
    vocab_size: c.vocabSize, block_size: c.blockSize, n_layer: c.nLayer, n_head: c.nHead, n_embd: c.nEmbd, dropout: c.dropout, bias: c.bias,
    tokenizer: tok.name,
    ...(tok.vocab ? { vocab: tok.vocab } : {}),
    optrain: { ...info, format: 'nanoGPT state dict (c_attn.weight = [q; k; v] rows), float32 safetensors' },
  };
}

export function writeGptModel(dir: string, c: GptConfig, params: Float32Array[], tok: Tokenizer, info: GptModelInfo): void {
  mkdirSync(dir, { recursive: true });
  const sd = gptStateDict(c, params, { lmHead: true });
  writeAtomic(join(dir, SAFETENSORS_FILE), encodeSafetensors(sd, { format: 'pt', optrain_job_hash: info.jobHash }));
  writeAtomic(join(dir, CONFIG_FILE), JSON.stringify(gptConfigJson(c, tok, info), null, 2) + '\n');
}

/** Read model.safetensors + config.json from `dir` (a run's model/ directory). */
export function readGptModel(dir: string): GptModelFiles {
  const cfgPath = join(dir, CONFIG_FILE), stPath = join(dir, SAFETENSORS_FILE);
  const json = parseJsonText(readTextFile(cfgPath, 'model config'), cfgPath) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${cfgPath}: expected a JSON object`);
  const config: GptConfig = {
    vocabSize: json.vocab_size as number, blockSize: json.block_size as number, nLayer: json.n_layer as number,
    nHead: json.n_head as number, nEmbd: json.n_embd as number, dropout: (json.dropout ?? 0) as number, bias: json.bias as boolean,
  };
  try {
    validateGptConfig(config, cfgPath);
  } catch (e) {
    throw new UserError((e as Error).message.replace(/\.(vocabSize|blockSize|nLayer|nHead|nEmbd|dropout|bias):/, (_m, k: string) => `: ${snake(k)}:`));
  }
  const tokenizer = tokenizerFromConfig(json, cfgPath);
  if (tokenizer.vocabSize > config.vocabSize) throw new UserError(`${cfgPath}: vocab_size ${config.vocabSize} is smaller than the ${tokenizer.name} tokenizer's ${tokenizer.vocabSize} tokens`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(stPath);
  } catch {
    throw new UserError(`${stPath}: cannot read the model weights (no such file)`);
  }
  const { tensors } = decodeSafetensors(bytes, stPath);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const get = (name: string, shape: readonly number[]) => {
    const t = byName.get(name);
    if (!t) throw new UserError(`${stPath}: missing tensor ${name}`);
    if (t.shape.join() !== shape.join()) throw new UserError(`${stPath}: ${name} has shape [${t.shape}], config.json implies [${shape}]`);
    return t.data;
  };
  const params = gptParams(config).map((p) => {
    const m = /^(.*\.attn\.c_attn\.(?:weight|bias))\[([qkv])\]$/.exec(p.name);
    if (!m) return get(p.name, p.shape);
    const whole = get(m[1], [3 * p.shape[0], ...p.shape.slice(1)]);
    const n = numel(p.shape), k = 'qkv'.indexOf(m[2]);
    return whole.slice(k * n, (k + 1) * n);
  });
  const head = byName.get('lm_head.weight');
  if (head && !head.data.every((v, i) => Object.is(v, params[0][i]))) throw new UserError(`${stPath}: lm_head.weight differs from transformer.wte.weight (nanoGPT ties them)`);
  return { config, params, tokenizer, json };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

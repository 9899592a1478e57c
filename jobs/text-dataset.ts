// Text datasets of GPT jobs: `"dataset": {"text": {"path", "sha256", "tokenizer", "valFraction"}}`.
// The file is verified against its sha256, decoded as strict UTF-8, split by characters
// (Unicode code points, as Python's str) into the first (1 - valFraction) for training and
// the rest for validation, and tokenized:
//   char: nanoGPT's shakespeare_char/prepare.py: vocab = the sorted set of the whole file's
//         characters, id = index in it; splitting characters = splitting tokens.
//   gpt2: nanoGPT's shakespeare/prepare.py: GPT-2 BPE (js-tiktoken, which ships the ranks, so
//         it works offline) of each split separately, special tokens read as ordinary text.
// The ids go into a token file (tokenFileBytes) whose sha256 the job hash covers: a tokenizer
// that encodes differently on another machine changes the hash instead of the training data.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { UserError } from './errors.ts';
import { resolveDataPath } from './dataset.ts';

export const TOKENIZERS = ['char', 'gpt2'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];
export const DEFAULT_VAL_FRACTION = 0.1;
/** Token ids are stored as u16 (and travel through the ops as exact binary32 integers). */
export const MAX_VOCAB = 65535;
export const GPT2_VOCAB = 50257;

export interface TextRef {
  path: string;
  sha256: string;
  tokenizer: TokenizerName;
  valFraction: number;
}

export interface Tokenizer {
  name: TokenizerName;
  vocabSize: number;
  vocab?: string[]; // char: the characters, id = index
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export interface TextDataset {
  path: string;
  sha256: string; // of the text file
  tokenizer: Tokenizer;
  chars: { train: number; val: number }; // code points in each split
  train: Uint16Array;
  val: Uint16Array;
  tokenFile: Buffer; // tokenFileBytes(...): what tokensSha256 hashes
  tokensSha256: string;
}

/** A char tokenizer over a given vocabulary (the sorted characters of the training file). */
export function charTokenizer(vocab: string[]): Tokenizer {
  const index = new Map(vocab.map((c, i) => [c, i]));
  return {
    name: 'char',
    vocabSize: vocab.length,
    vocab,
    encode: (text) =>
      Array.from(text, (c) => {
        const id = index.get(c);
        if (id === undefined) throw new UserError(`character ${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) is not in the model's vocabulary of ${vocab.length} characters`);
        return id;
      }),
    decode: (ids) => ids.map((i) => vocab[i] ?? '\uFFFD').join(''),
  };
}

let gpt2Enc: Tiktoken | null = null;

export function gpt2Tokenizer(): Tokenizer {
  gpt2Enc ??= new Tiktoken(gpt2Ranks);
  const enc = gpt2Enc;
  return {
    name: 'gpt2',
    vocabSize: GPT2_VOCAB,
    // allowedSpecial [] and disallowedSpecial []: "<|endoftext|>" is plain text (tiktoken's encode_ordinary)
    encode: (text) => enc.encode(text, [], []),
    decode: (ids) => enc.decode([...ids]),
  };
}

/** The tokenizer a trained model's config.json names (generate decodes with it). */
export function tokenizerFromConfig(cfg: { tokenizer?: unknown; vocab?: unknown }, where: string): Tokenizer {
  if (cfg.tokenizer === 'gpt2') return gpt2Tokenizer();
  if (cfg.tokenizer === 'char') {
    if (!Array.isArray(cfg.vocab) || !cfg.vocab.every((c) => typeof c === 'string' && Array.from(c).length === 1))
      throw new UserError(`${where}: vocab: expected an array of single characters for the char tokenizer`);
    return charTokenizer(cfg.vocab as string[]);
  }
  throw new UserError(`${where}: tokenizer: expected "char" or "gpt2", got ${JSON.stringify(cfg.tokenizer)}`);
}

/** Python's sorted(set(text)): code points in ascending code point order. */
export function charVocab(text: string): string[] {
  const set = new Set(Array.from(text));
  return [...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8 (a BOM stays a character, as Python's 'utf-8' codec keeps it). */
export function decodeUtf8(bytes: Uint8Array, field: string, path: string): string {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    throw new UserError(`${field}: ${path} is not UTF-8 text (first invalid byte at offset ${firstInvalidUtf8(bytes)})`);
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  // The longest prefix that decodes, holding back an incomplete last sequence (stream mode);
  // prefixes of a decodable prefix decode too, so a binary search finds it.
  const ok = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0, hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  // prefix lo may end inside a sequence held back by stream mode: the error is at its lead byte
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b.subarray(0, lo));
    return lo;
  } catch {
    let i = lo;
    while (i > 1 && (b[i - 1] & 0xc0) === 0x80) i--;
    return i - 1;
  }
}

/**
 * Token file: magic "OPTRTOK1", u32 LE vocabSize, u32 LE train count, u32 LE val count, u32 0,
 * then the train ids and the val ids as u16 LE.
 */
export const TOKEN_FILE_MAGIC = 'OPTRTOK1';
const HEADER = 24;

export function tokenFileBytes(vocabSize: number, train: Uint16Array, val: Uint16Array): Buffer {
  const buf = Buffer.alloc(HEADER + 2 * (train.length + val.length));
  buf.write(TOKEN_FILE_MAGIC, 0, 'latin1');
  buf.writeUInt32LE(vocabSize, 8);
  buf.writeUInt32LE(train.length, 12);
  buf.writeUInt32LE(val.length, 16);
  let o = HEADER;
  for (const ids of [train, val])
    for (let i = 0; i < ids.length; i++, o += 2) {
      buf[o] = ids[i] & 0xff;
      buf[o + 1] = ids[i] >>> 8;
    }
  return buf;
}

export function readTokenFile(buf: Buffer, where: string): { vocabSize: number; train: Uint16Array; val: Uint16Array } {
  if (buf.length < HEADER || buf.toString('latin1', 0, 8) !== TOKEN_FILE_MAGIC) throw new UserError(`${where}: not an optrain token file (expected the magic "${TOKEN_FILE_MAGIC}")`);
  const vocabSize = buf.readUInt32LE(8), nt = buf.readUInt32LE(12), nv = buf.readUInt32LE(16);
  if (buf.length !== HEADER + 2 * (nt + nv)) throw new UserError(`${where}: token file of ${buf.length} bytes, expected ${HEADER + 2 * (nt + nv)} for ${nt} + ${nv} tokens`);
  const ids = (from: number, n: number) => Uint16Array.from({ length: n }, (_, i) => buf.readUInt16LE(HEADER + 2 * (from + i)));
  return { vocabSize, train: ids(0, nt), val: ids(nt, nv) };
}

const cache = new Map<string, TextDataset>();

/** Read, verify, split and tokenize a text dataset (once per process per file version). */
export function loadTextDataset(ref: TextRef, jobDir: string, field: string): TextDataset {
  const path = resolveDataPath(ref.path, jobDir);
  let key: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UserError(`${field}.path: ${path} is not a file`);
    key = `${path}\0${st.size}\0${st.mtimeMs}\0${ref.tokenizer}\0${ref.valFraction}`;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${field}.path: dataset file ${path} not found`);
  }
  let ds = cache.get(key);
  if (!ds) {
    ds = tokenizeFile(readFileSync(path), path, ref, field);
    cache.set(key, ds);
  }
  if (ds.sha256 !== ref.sha256.toLowerCase())
    throw new UserError(`${field}.sha256: sha256 mismatch for ${path}: expected ${ref.sha256.toLowerCase()}, got ${ds.sha256}`);
  return ds;
}

function tokenizeFile(bytes: Buffer, path: string, ref: TextRef, field: string): TextDataset {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length === 0) throw new UserError(`${field}.path: ${path} is empty (a text dataset needs text to train on)`);
  const text = decodeUtf8(bytes, `${field}.path`, path);
  const chars = Array.from(text);
  const n = chars.length;
  // nanoGPT: train = data[:int(n*0.9)], val = data[int(n*0.9):]
  const cut = Math.floor(n * (1 - ref.valFraction));
  if (cut === 0 || cut === n)
    throw new UserError(`${field}.valFraction: ${ref.valFraction} of ${n} characters leaves the ${cut === 0 ? 'training' : 'validation'} split empty`);
  const tok = ref.tokenizer === 'char' ? charTokenizer(charVocab(text)) : gpt2Tokenizer();
  if (tok.vocabSize > MAX_VOCAB)
    throw new UserError(`${field}.tokenizer: the char vocabulary of ${path} has ${tok.vocabSize} distinct characters, more than ${MAX_VOCAB} (token ids are stored as u16)`);
  const ids = tok.vocab ? charIds(chars, tok.vocab) : null; // char: straight from the code points
  const encode = (from: number, to: number) => (ids ? ids.slice(from, to) : Uint16Array.from(tok.encode(chars.slice(from, to).join(''))));
  const train = encode(0, cut), val = encode(cut, n);
  const tokenFile = tokenFileBytes(tok.vocabSize, train, val);
  return {
    path, sha256, tokenizer: tok, chars: { train: cut, val: n - cut }, train, val, tokenFile,
    tokensSha256: createHash('sha256').update(tokenFile).digest('hex'),
  };
}

function charIds(chars: string[], vocab: string[]): Uint16Array {
  const index = new Map(vocab.map((c, i) => [c.codePointAt(0)!, i]));
  const out = new Uint16Array(chars.length);
  for (let i = 0; i < chars.length; i++) out[i] = index.get(chars[i].codePointAt(0)!)!;
  return out;
}

/** blockSize must leave at least one training window and one validation window (T + 1 tokens each). */
export function checkBlockSize(ds: TextDataset, blockSize: number, blockField: string, dataField: string): void {
  for (const [split, ids] of [['training', ds.train], ['validation', ds.val]] as const)
    if (ids.length < blockSize + 1)
      throw new UserError(`${blockField}: ${blockSize} is larger than the data: the ${split} split of ${dataField} has ${ids.length} tokens, and a window needs blockSize + 1 = ${blockSize + 1}`);
}

/** Token ids as exact binary32 integers (the form the ops read). */
export function idsAsF32(ids: Uint16Array): Float32Array {
  return Float32Array.from(ids);
}

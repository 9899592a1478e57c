// Inference with a trained GPT, outside the step program (not committed, not disputed, but the
// same table ops on the same backend, so every backend gives the same bits):
//   predictLogits: logits of token contexts (sampling);
//   evalLoss: issue 10's deterministic valLoss (docs/REPOPS.md §15.11).
import { isLmSetup, type Engine } from './engine.ts';
import { gptForward, tokenNll, type GptConfig } from './gpt.ts';
import { encodeDims } from './ops/table.ts';
import { Graph } from './program.ts';

/** Windows per evaluation batch (bits do not depend on it: every row is computed on its own). */
export const EVAL_WINDOWS = 16;

export function gptConfigOf(engine: Engine): GptConfig {
  if (!isLmSetup(engine.setup)) throw new Error('this job is not a language-model (GPT) job');
  return engine.setup.model.gpt;
}

/** A graph whose inputs are the parameters then `extra` tensors, all as tree-0 state nodes. */
function inputs(engine: Engine, g: Graph, extra: number[][]): { params: number[]; extra: number[] } {
  const params = engine.params.map((p, i) => g.add('state', [], [0, i, ...encodeDims(p.shape)], p.name));
  const P = params.length;
  return { params, extra: extra.map((shape, k) => g.add('state', [], [0, P + k, ...encodeDims(shape)])) };
}

// Inference programs per engine and shape (a sampler asks for every context length up to blockSize)
const programs = new WeakMap<Engine, Map<string, Graph>>();

function cached(engine: Engine, key: string, build: () => Graph): Graph {
  let m = programs.get(engine);
  if (!m) programs.set(engine, (m = new Map()));
  let g = m.get(key);
  if (!g) m.set(key, (g = build()));
  return g;
}

function positions(T: number): Float32Array {
  return Float32Array.from({ length: T }, (_, t) => t);
}

/**
 * Logits [B·T, V] (row b·T + t: the distribution of the token after ids[b·T .. b·T + t]) of
 * `ids` [B, T], 1 <= T <= blockSize, ids integers in [0, vocabSize).
 */
export function predictLogits(engine: Engine, params: Float32Array[], ids: ArrayLike<number>, B: number, T: number): Float32Array {
  const c = gptConfigOf(engine);
  if (!(Number.isInteger(B) && B >= 1 && Number.isInteger(T) && T >= 1 && T <= c.blockSize)) throw new Error(`predictLogits: need B >= 1 and 1 <= T <= blockSize (${c.blockSize}), got B=${B}, T=${T}`);
  if (ids.length !== B * T) throw new Error(`predictLogits: ${ids.length} ids for B·T = ${B * T}`);
  for (let i = 0; i < ids.length; i++)
    if (!(Number.isInteger(ids[i]) && ids[i] >= 0 && ids[i] < c.vocabSize)) throw new Error(`predictLogits: token ${i} is ${ids[i]}, outside [0, vocabSize = ${c.vocabSize})`);
  const short = T < c.blockSize;
  const g = cached(engine, `logits ${B} ${T}`, () => {
    const g = new Graph();
    const io = inputs(engine, g, short ? [[B, T], [T]] : [[B, T]]);
    g.add('copy', [gptForward(g, c, io.extra[0], io.params, { posIds: short ? io.extra[1] : undefined })], [0, 0]);
    return g;
  });
  const feed = [...params, Float32Array.from(ids), ...(short ? [positions(T)] : [])];
  return engine.run(g, 0, feed).outs[0];
}

/** The per-token loss program of W windows: inputs params, ids [W, T], targets [W·T]; output nll [W·T, 1]. */
function nllProgram(engine: Engine, c: GptConfig, W: number): Graph {
  const T = c.blockSize;
  const g = new Graph();
  const io = inputs(engine, g, [[W, T], [W * T]]);
  g.add('copy', [tokenNll(g, gptForward(g, c, io.extra[0], io.params), io.extra[1])], [0, 0]);
  return g;
}

/** Per-token losses of `W` windows: row w reads v[(first+w)·T ..] and predicts the next tokens. */
function windowNll(engine: Engine, g: Graph, T: number, params: Float32Array[], v: ArrayLike<number>, first: number, W: number): Float32Array {
  const ids = new Float32Array(W * T), targets = new Float32Array(W * T);
  for (let k = 0; k < W * T; k++) {
    ids[k] = v[first * T + k];
    targets[k] = v[first * T + k + 1];
  }
  return engine.run(g, 0, [...params, ids, targets]).outs[0];
}

export interface EvalLoss {
  loss: number; // mean cross-entropy per token
  windows: number;
  tokens: number;
}

/**
 * valLoss (issue 10, REPOPS §15.11): the mean cross-entropy over all non-overlapping windows of
 * the split v: window i < floor((len(v) − 1)/T) reads v[i·T, (i+1)·T) and predicts
 * v[i·T+1, (i+1)·T+1). Per-token losses are binary32 table ops (the training loss's formula);
 * their mean is summed in binary64 in ascending token order, then divided by the count.
 */
export function evalLoss(engine: Engine, params: Float32Array[], split: ArrayLike<number>, windowsPerBatch = EVAL_WINDOWS): EvalLoss {
  const c = gptConfigOf(engine);
  const T = c.blockSize;
  const windows = Math.floor((split.length - 1) / T);
  if (windows < 1) throw new Error(`evalLoss: the split has ${split.length} tokens, fewer than blockSize + 1 = ${T + 1} (no window)`);
  for (let i = 0; i < windows * T + 1; i++)
    if (!(Number.isInteger(split[i]) && split[i] >= 0 && split[i] < c.vocabSize)) throw new Error(`evalLoss: token ${i} is ${split[i]}, outside [0, vocabSize = ${c.vocabSize})`);
  let sum = 0;
  for (let first = 0; first < windows; first += windowsPerBatch) {
    const W = Math.min(windowsPerBatch, windows - first);
    const g = cached(engine, `nll ${W}`, () => nllProgram(engine, c, W));
    for (const x of windowNll(engine, g, T, params, split, first, W)) sum += x;
  }
  return { loss: sum / (windows * T), windows, tokens: windows * T };
}

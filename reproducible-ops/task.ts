// What a step program trains on: the task supplies the parameters, the dataset source nodes and
// the nodes from the datasets to the loss (docs/REPOPS.md §7, §15.11). The engine wraps them in
// the same frame for every task: state nodes, dataset nodes, the task's nodes, backward,
// optimizer, copies.
//   classifier: dataset x (kind 0), y (kind 1); batch x, batch y; layer forward; cross-entropy.
//   lm:         dataset tokens (kind 2); token_windows shift 0 (inputs) and shift 1 (targets)
//               on stream STREAM_WINDOWS; GPT forward; mean cross-entropy over B·T positions.
import { gptLoss, gptParams, validateGptConfig, type GptConfig } from './gpt.ts';
import { forward, modelParams, softmaxCrossEntropy, type ModelSpec, type ParamSpec } from './layers.ts';
import type { OptimizerSpec } from './optim.ts';
import type { Graph } from './program.ts';
import { STREAM_NODE_BASE } from './rng.ts';
import type { Tensor } from './tensor.ts';

/** `dataset` op kinds (REPOPS §4.1, §15.11). */
export const DATASET_X = 0;
export const DATASET_Y = 1;
export const DATASET_TOKENS = 2;
/** Stream of the training windows' offsets ("WIND"). */
export const STREAM_WINDOWS = 0x57494e44;

export interface TaskSource {
  kind: number;
  tensor: Tensor;
  label: string;
}

export interface Task {
  params: ParamSpec[];
  sources: TaskSource[];
  /** Emit everything from the dataset nodes (`ds`, in `sources` order) to the scalar loss. */
  loss(g: Graph, ds: number[], params: number[]): number;
}

export interface ClassifierSetupLike {
  model: ModelSpec;
  batchSize: number;
  train: { x: Tensor; y: Tensor };
}

export function classifierTask(s: ClassifierSetupLike): Task {
  const { params, outShape } = modelParams(s.model);
  const classes = s.train.y.shape[1];
  if (outShape.length !== 1 || outShape[0] !== classes) throw new Error(`model output [${outShape}] does not match ${classes} label classes`);
  const inShape = s.train.x.shape.slice(1);
  if (inShape.join(',') !== s.model.inputShape.join(',')) throw new Error(`model input shape [${s.model.inputShape}] does not match dataset sample shape [${inShape}]`);
  return {
    params,
    sources: [
      { kind: DATASET_X, tensor: s.train.x, label: 'train x' },
      { kind: DATASET_Y, tensor: s.train.y, label: 'train y' },
    ],
    loss(g, ds, ps) {
      const x = g.add('batch', [ds[0]], [s.batchSize], 'batch x');
      const y = g.add('batch', [ds[1]], [s.batchSize], 'batch y');
      const logits = forward(g, s.model, x, ps, { training: true, dropoutStreamBase: STREAM_NODE_BASE * 2 });
      return softmaxCrossEntropy(g, logits, y);
    },
  };
}

export interface LmSetupLike {
  model: { gpt: GptConfig };
  batchSize: number;
  tokens: Tensor;
  optimizer?: OptimizerSpec;
}

/** Checks the token stream against the config: rank 1, longer than a window, ids in [0, vocabSize). */
export function checkTokens(tokens: Tensor, c: GptConfig, what = 'train split'): void {
  if (tokens.shape.length !== 1) throw new Error(`${what}: tokens must be a rank-1 tensor, got [${tokens.shape}]`);
  const n = tokens.shape[0];
  if (!(n > c.blockSize)) throw new Error(`model.gpt.blockSize: ${c.blockSize} needs more than ${c.blockSize} tokens in the ${what}, it has ${n}`);
  for (let i = 0; i < n; i++) {
    const v = tokens.data[i];
    if (!(Number.isInteger(v) && v >= 0 && v < c.vocabSize)) throw new Error(`${what}: token ${i} is ${v}, outside [0, vocabSize = ${c.vocabSize})`);
  }
}

export function lmTask(s: LmSetupLike): Task {
  const c = validateGptConfig(s.model.gpt);
  checkTokens(s.tokens, c);
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) throw new Error(`batchSize: expected an integer >= 1, got ${s.batchSize}`);
  return {
    params: gptParams(c),
    sources: [{ kind: DATASET_TOKENS, tensor: s.tokens, label: 'train tokens' }],
    loss(g, ds, ps) {
      const win = (shift: number) => g.add('token_windows', [ds[0]], [STREAM_WINDOWS, s.batchSize, c.blockSize, shift], shift ? 'targets' : 'inputs');
      return gptLoss(g, c, win(0), win(1), ps);
    },
  };
}

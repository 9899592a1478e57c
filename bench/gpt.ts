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
import { interleaved, pctSpread, spreadOf, type FastExec, type Spread } from './interleave.ts';

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

/** One backend: warm up, then rounds of (ceiling, training steps of the engine). */
export function engineGpt(impl: string, backend: Backend & FastExec, o: GptOptions, shape: GptShape = SHAKESPEARE_CHAR): GptRow {
  const e = shakespeareEngine(backend, shape);
  const flops = graphFlops(e.stepProgram), tokens = shape.batch * shape.blockSize;
  let state = e.init();
  const once = () => {
    const next = e.step(state).state;
    e.retire(state, next);
    state = next;
  };
  const t0 = performance.now();
  for (let i = 0; i < 2; i++) once();
  const perStep = (performance.now() - t0) / 2000;
  const steps = Math.max(2, Math.round(o.roundSeconds / perStep));
  const r = interleaved(backend, o.rounds, o.ceilingSeconds, () => {
    const s = performance.now();
    for (let i = 0; i < steps; i++) once();
    return { flops: flops * steps, seconds: (performance.now() - s) / 1000 };
  });
  const tps = spreadOf([r.gflops.min, r.gflops.median, r.gflops.max].map((g) => ((g * 1e9) / flops) * tokens));
  return { impl, threads: backend.threads, tokensPerSec: tps, stepMs: (flops / (r.gflops.median * 1e9)) * 1000, flopsPerStep: flops, ceilingGflops: r.ceiling, share: r.share, rounds: r.rounds, stepsPerRound: steps };
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

export function printGpt(rows: GptRow[], torch: TorchGptRow[], log: (s: string) => void): void {
  if (!rows.length && !torch.length) return;
  const f = rows[0]?.flopsPerStep;
  log(`\nGPT training step (shakespeare-char: 4 layers, 4 heads, nEmbd 128, blockSize 64, batch 12, vocab 65)${f ? `, ${(f / 1e9).toFixed(3)} GFLOP per step counted from the op graph` : ''}`);
  log('rounds interleaved with the no-FMA ceiling; median (spread over rounds)');
  log('| impl | threads | tokens/s | step ms | ceiling GFLOP/s | share of ceiling | rounds x steps |');
  log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows)
    log(`| ${r.impl} | ${r.threads} | ${r.tokensPerSec.median.toFixed(0)} (${pctSpread(r.tokensPerSec)}) | ${r.stepMs.toFixed(1)} | ${r.ceilingGflops.median.toFixed(1)} (${pctSpread(r.ceilingGflops)}) | ${(r.share.median * 100).toFixed(1)}% (${(r.share.min * 100).toFixed(1)}-${(r.share.max * 100).toFixed(1)}%) | ${r.rounds} x ${r.stepsPerRound} |`);
  for (const t of torch) log(`| ${t.impl} (${t.note}) | ${t.threads} | ${t.tokensPerSec.median.toFixed(0)} (${pctSpread(t.tokensPerSec)}) | ${((t.tokensPerStep / t.tokensPerSec.median) * 1000).toFixed(1)} | - | - | ${t.rounds} |`);
  for (const impl of new Set(rows.map((r) => r.impl))) {
    const one = rows.find((r) => r.impl === impl && r.threads === 1), two = rows.find((r) => r.impl === impl && r.threads === 2);
    if (one && two) log(`${impl}: 2 threads / 1 thread = ${(two.tokensPerSec.median / one.tokensPerSec.median).toFixed(2)}x`);
  }
  const best = [...rows].sort((a, b) => b.tokensPerSec.median - a.tokensPerSec.median)[0];
  const pt = [...torch].sort((a, b) => b.tokensPerSec.median - a.tokensPerSec.median)[0];
  if (best && pt) log(`fastest engine row / fastest PyTorch row: ${(best.tokensPerSec.median / pt.tokensPerSec.median).toFixed(1)}x`);
}

// `npm run bench [-- --json] [--quick] [--only matmul,shares,train,gpt] [--steps N] [--reference-steps N] [--threads 1,2] [--gpt-rounds N] [--torch-steps N]`
// One run measures: matmul GFLOP/s of every engine backend and of tfjs (cpu, wasm); MNIST
// MLP training samples/s per backend and tfjs-wasm model.fit on the same model, data and
// hyperparameters (test accuracy alongside); the share of a solver's step time spent on
// state hashes at the examples' hashInterval K and at K = 1, for the MLP and the CNN
// (bench/hash-share.ts); and PyTorch when `python3 -c "import torch"` works. The GPT section
// (bench/gpt.ts) measures the shakespeare-char model's training step per backend and in
// PyTorch; it and the 1024^3 matmul's share of the ceiling are measured in rounds
// interleaved with the ceiling (bench/interleave.ts).
import { parseArgs } from 'node:util';
import { createNativeBackend, loadNativeAddon, nativeLoadError, type NativeBackend } from '../reproducible-ops/backend/native.ts';
import { peakGflops } from '../reproducible-ops/backend/peak.ts';
import { referenceBackend, type Backend } from '../reproducible-ops/backend/reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError, type WasmBackend } from '../reproducible-ops/backend/wasm.ts';
import { engineMatmul, engineMatmulShare, matmulCases, tfjsMatmul, type MatmulRow, type MatmulShareRow } from './matmul.ts';
import { measureGpt, printGpt, torchGpt, type GptRow, type GptThreadRatio, type TorchGptRow } from './gpt.ts';
import { pctSpread, type FastExec } from './interleave.ts';
import { BATCH, loadMnist } from './mnist.ts';
import { printHashShares, printMatmul, printMatmulShares, printTrain } from './report.ts';
import { loadAverage } from './timing.ts';
import { tfFitMlp } from './tfjs.ts';
import { torchMlp } from './torch.ts';
import { engineTrainRounds, hashShareOf, syncHashShareOf, TrainLoop, type TrainRow } from './train.ts';
import { cnnHashShares, exampleHashInterval, mlpHashShares, type HashShareRow } from './hash-share.ts';

const USAGE = `usage: npm run bench -- [--json] [--quick] [--only matmul,shares,train,gpt] [--steps N] [--reference-steps N] [--cnn-steps N] [--threads 1,2] [--gpt-rounds N] [--torch-steps N]`;

interface Options {
  json: boolean;
  quick: boolean;
  only: Set<string>;
  steps: number;
  referenceSteps: number;
  cnnSteps: number;
  threads: number[];
  gptRounds: number;
  torchSteps: number;
}

function positiveInt(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got '${v}'\n${USAGE}`);
  return n;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, only: { type: 'string' }, steps: { type: 'string' }, 'reference-steps': { type: 'string' }, 'cnn-steps': { type: 'string' }, threads: { type: 'string' }, 'gpt-rounds': { type: 'string' }, 'torch-steps': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const only = new Set((values.only ?? 'matmul,train,gpt').split(','));
  for (const o of only) if (!['matmul', 'shares', 'train', 'gpt'].includes(o)) throw new Error(`--only: expected a list of matmul, shares (the interleaved 1024^3 share of the ceiling alone), train, gpt; got '${o}'\n${USAGE}`);
  const threads = (values.threads ?? '1,2').split(',').map((t) => positiveInt(t, '--threads', 1));
  return { json: values.json ?? false, quick, only, steps: positiveInt(values.steps, '--steps', quick ? 200 : 937), referenceSteps: positiveInt(values['reference-steps'], '--reference-steps', quick ? 10 : 60), cnnSteps: positiveInt(values['cnn-steps'], '--cnn-steps', quick ? 10 : 40), threads, gptRounds: positiveInt(values['gpt-rounds'], '--gpt-rounds', quick ? 3 : 7), torchSteps: positiveInt(values['torch-steps'], '--torch-steps', quick ? 1 : 2) };
}

/** The engine backends to measure: reference, then wasm and native at each thread count. */
function engineBackends(o: Options, log: (s: string) => void): { impl: string; threads: number; backend: Backend }[] {
  const list: { impl: string; threads: number; backend: Backend }[] = [{ impl: 'reference', threads: 1, backend: referenceBackend }];
  if (loadWasmRuntime()) for (const t of o.threads) list.push({ impl: 'wasm', threads: t, backend: createWasmBackend({ threads: t }) });
  else log(`notice: wasm backend skipped: ${wasmLoadError()}`);
  if (loadNativeAddon()) for (const t of o.threads) list.push({ impl: 'native', threads: t, backend: createNativeBackend({ threads: t }) });
  else log(`notice: native backend skipped: ${nativeLoadError()}`);
  return list;
}

/** The ceiling row: the no-FMA multiply-add peak of each fast backend (reproducible-ops/backend/peak.ts). */
export const PEAK_SHAPE = 'peak mul+add (no FMA)';

function peakRows(backends: ReturnType<typeof engineBackends>, roundSeconds: number, log: (s: string) => void): MatmulRow[] {
  const rows: MatmulRow[] = [];
  for (const b of backends) {
    const fast = b.backend as Partial<NativeBackend & WasmBackend>;
    if (!fast.kernelExec || !fast.lanes) continue;
    const p = peakGflops(fast.kernelExec, fast.lanes, b.threads, roundSeconds);
    rows.push({ impl: b.impl, shape: PEAK_SHAPE, threads: b.threads, gflops: p.gflops, cpuGflops: p.cpuGflops });
    log(`${PEAK_SHAPE} ${b.impl} x${b.threads}: ${p.gflops.toFixed(1)} GFLOP/s`);
  }
  return rows;
}

async function runMatmul(o: Options, backends: ReturnType<typeof engineBackends>, log: (s: string) => void): Promise<MatmulRow[]> {
  const rows: MatmulRow[] = peakRows(backends, o.quick ? 0.05 : 0.2, log);
  const roundSeconds = o.quick ? 0.05 : 0.2;
  for (const c of matmulCases(o.quick)) {
    const slow = 2 * c.M * c.K * c.N > 2 * 512 ** 3; // plain-JS implementations skip the largest cube
    for (const b of backends) {
      if (b.impl === 'reference' && 2 * c.M * c.K * c.N > 2 * 256 ** 3) continue;
      rows.push(await engineMatmul(b.impl, b.backend, b.threads, c, roundSeconds));
      log(`matmul ${rows.at(-1)!.shape} ${b.impl} x${b.threads}: ${rows.at(-1)!.gflops.toFixed(1)} GFLOP/s`);
    }
    for (const tf of ['cpu', 'wasm'] as const) {
      if (tf === 'cpu' && slow) continue;
      rows.push(await tfjsMatmul(tf, c, roundSeconds));
      log(`matmul ${rows.at(-1)!.shape} tfjs-${tf}: ${rows.at(-1)!.gflops.toFixed(1)} GFLOP/s`);
    }
  }
  return rows;
}

/** Fast backends only, with what the interleaved measurements need. */
function fastBackends(backends: ReturnType<typeof engineBackends>): { impl: string; backend: Backend & FastExec }[] {
  return backends.flatMap((b) => {
    const f = b.backend as Partial<NativeBackend & WasmBackend>;
    return f.kernelExec && f.lanes ? [{ impl: b.impl, backend: b.backend as Backend & FastExec }] : [];
  });
}

function runMatmulShares(o: Options, backends: ReturnType<typeof engineBackends>, log: (s: string) => void): MatmulShareRow[] {
  const size = o.quick ? 512 : 1024;
  return fastBackends(backends).map(({ impl, backend }) => {
    const r = engineMatmulShare(impl, backend, size, o.gptRounds, o.quick ? 0.1 : 0.25);
    log(`matmul ${r.shape} ${impl} x${r.threads}: ${(r.share.median * 100).toFixed(1)}% of the ceiling (median of ${r.rounds} interleaved rounds, ${(r.share.min * 100).toFixed(1)}-${(r.share.max * 100).toFixed(1)}%)`);
    return r;
  });
}

function runGpt(o: Options, backends: ReturnType<typeof engineBackends>, log: (s: string) => void): { rows: GptRow[]; ratios: GptThreadRatio[]; torch: TorchGptRow[] } {
  const { rows, ratios } = measureGpt(fastBackends(backends), { rounds: o.gptRounds, roundSeconds: o.quick ? 0.5 : 1.5, ceilingSeconds: o.quick ? 0.1 : 0.25 });
  for (const r of rows) log(`gpt ${r.impl} x${r.threads}: ${r.tokensPerSec.median.toFixed(0)} tokens/s (${pctSpread(r.tokensPerSec)}), ${(r.share.median * 100).toFixed(1)}% of the ceiling`);
  for (const r of ratios) log(`gpt ${r.impl}: ${r.threads} threads / 1 thread = ${r.ratio.median.toFixed(2)}x (per-round median)`);
  const torch = o.threads.flatMap((t) => torchGpt(t, o.torchSteps, o.quick ? 2 : 3, log) ?? []);
  for (const t of torch) log(`gpt pytorch x${t.threads}: ${t.tokensPerSec.median.toFixed(0)} tokens/s (${t.note})`);
  return { rows, ratios, torch };
}

interface TrainResults {
  rows: TrainRow[];
  hashShare: number | null;
  hashShares: HashShareRow[];
}

async function runTrain(o: Options, backends: ReturnType<typeof engineBackends>, log: (s: string) => void): Promise<TrainResults> {
  const train = loadMnist('train'), test = loadMnist('t10k');
  const mlpK = exampleHashInterval('mnist-mlp.json'), cnnK = exampleHashInterval('mnist-cnn.json');
  const loops = backends.map((b) => new TrainLoop(b.impl, b.backend, b.threads, train, b.impl === 'reference' ? Math.min(o.referenceSteps, o.steps) : o.steps, mlpK));
  const slow = loops.filter((l) => l.impl === 'reference');
  await engineTrainRounds(slow, 1);
  await engineTrainRounds(loops.filter((l) => !slow.includes(l)), o.quick ? 3 : 8); // the fast ones take turns
  const rows: TrainRow[] = [];
  for (const l of loops) {
    const r = await l.row(test);
    rows.push(r);
    log(`train ${r.impl} x${r.threads}: ${r.steps} steps, ${r.samplesPerSec.toFixed(0)} samples/s (${pctSpread(r.spread!)}), waiting for hashes (K=${mlpK}) ${(hashShareOf(r) * 100).toFixed(1)}% of the loop (synchronous hash: ${(syncHashShareOf(r) * 100).toFixed(1)}% at K=${mlpK}, ${(syncHashShareOf(r, 1) * 100).toFixed(1)}% at K=1), accuracy ${r.testAccuracy.toFixed(4)}`);
  }
  const intervals = (K: number) => [...new Set([1, K])];
  const hashShares = [
    ...mlpHashShares(rows, intervals(mlpK)),
    ...(await cnnHashShares(backends.filter((b) => b.impl !== 'reference'), o.cnnSteps, intervals(cnnK), log)),
  ];
  const samples = Math.min(o.steps * BATCH, train.x.shape[0]);
  const sub = { x: { shape: [samples, 784], data: train.x.data.subarray(0, samples * 784) }, y: { shape: [samples, 10], data: train.y.data.subarray(0, samples * 10) }, labels: train.labels.subarray(0, samples) };
  const fit = await tfFitMlp('wasm', sub, test, 1);
  rows.push({ impl: 'tfjs-wasm model.fit', threads: 1, samplesPerSec: fit.samples / fit.seconds, seconds: fit.seconds, cpuSeconds: fit.cpuSeconds, testAccuracy: fit.testAccuracy, steps: Math.ceil(fit.samples / BATCH) });
  log(`train tfjs-wasm model.fit: ${rows.at(-1)!.samplesPerSec.toFixed(0)} samples/s, accuracy ${fit.testAccuracy.toFixed(4)}`);
  const torch = torchMlp(o.steps, Math.max(...o.threads), log);
  if (torch) rows.push(torch);
  // hashShare: a synchronous state hash every K steps (the MLP example's K) on the fastest
  // engine backend (best-of-rounds hash timing, so it does not depend on whether another
  // core was free; the pipelined wait is in each row's hashSeconds)
  const fastest = [...rows].filter((r) => r.syncHashMs !== undefined).sort((a, b) => b.samplesPerSec - a.samplesPerSec)[0];
  return { rows, hashShare: fastest ? syncHashShareOf(fastest, mlpK) : null, hashShares };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const log = (s: string) => (o.json ? process.stderr : process.stdout).write(`${s}\n`);
  const load0 = await loadAverage();
  const backends = engineBackends(o, log);
  const matmul = o.only.has('matmul') ? await runMatmul(o, backends, log) : [];
  const matmulShares = o.only.has('matmul') || o.only.has('shares') ? runMatmulShares(o, backends, log) : [];
  const { rows: train, hashShare, hashShares } = o.only.has('train') ? await runTrain(o, backends, log) : { rows: [], hashShare: null, hashShares: [] };
  const gpt = o.only.has('gpt') ? runGpt(o, backends, log) : { rows: [], ratios: [], torch: [] };
  const result = { matmul, matmulShares, train, gpt: gpt.rows, gptThreadRatios: gpt.ratios, gptTorch: gpt.torch, hashShare, hashShares: hashShares.map(({ model, impl, threads, hashInterval, share }) => ({ model, impl, threads, hashInterval, share })), loadAverage: [load0, await loadAverage()] };
  if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    if (matmul.length) printMatmul(matmul, log);
    if (matmulShares.length) printMatmulShares(matmulShares, log);
    if (train.length) printTrain(train, hashShare, log);
    if (hashShares.length) printHashShares(hashShares, log);
    printGpt(gpt.rows, gpt.ratios, gpt.torch, log);
    log(`load average (1 min) at start/end: ${result.loadAverage.map((x) => x.toFixed(2)).join(' / ')}`);
  }
  process.exit(0); // worker threads of the wasm backend are unref'd, tfjs may keep timers
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});

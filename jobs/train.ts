// Running a job: init, steps, per-step state hashes, checkpoints, and the final report
// (stateRoot over [H0..HT], model hash, test accuracy, tfjs export). The CLI's `train`
// and later the solver use it; it prints nothing itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, type TrainState } from '../reproducible-ops/engine.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { CheckpointStore, hex0x, type RunProgress } from './checkpoint.ts';
import { UserError } from './errors.ts';
import { accuracy } from './evaluate.ts';
import type { LoadedJob } from './job.ts';
import { writeAtomic, writeTfjsModel } from './tfjs-model.ts';

export interface ProgressEvent {
  step: number; // steps completed
  total: number; // steps this run will complete
  loss: number; // loss of the step just completed
  samplesPerSecond: number;
  etaSeconds: number;
}

export interface TrainOptions {
  steps?: number; // stop after this many steps (default: the job's); hashes stay those of the job
  outDir?: string; // checkpoints, model and result.json; an existing one is resumed
  onProgress?: (e: ProgressEvent) => void;
  onResume?: (step: number, file: string) => void;
  onEvaluate?: (samples: number) => void; // before the test-set pass, which can take a while
}

export interface TrainResult {
  name: string;
  jobHash: string;
  opsetVersion: string;
  steps: number;
  jobSteps: number;
  finalStateHash: string;
  stateRoot: string; // merkleRoot over [H0, H1, ..., H(steps)]
  finalModelHash: string;
  programRoot: string;
  trainLoss: number; // mean loss of the last min(100, steps) steps
  testAccuracy: number;
  backend: string;
  seconds: number;
  resumedFromStep: number | null;
  outDir: string | null;
}

export const TRAIN_LOSS_WINDOW = 100;

export function createEngine(job: LoadedJob, backend: Backend): Engine {
  return new Engine(job.setup, backend);
}

export function train(job: LoadedJob, engine: Engine, opts: TrainOptions = {}): TrainResult {
  const t0 = performance.now();
  const target = opts.steps ?? job.steps;
  if (!Number.isInteger(target) || target < 1 || target > job.steps)
    throw new UserError(`--steps ${target}: expected an integer in [1, ${job.steps}] (the job has ${job.steps} steps)`);
  const store = opts.outDir ? new CheckpointStore(opts.outDir, engine, hex0x(job.jobHash), job.spec.opsetVersion) : null;
  const resumed = store?.latest(target) ?? null;
  const resumedFromStep = resumed ? resumed.state.step : null;
  if (resumed) opts.onResume?.(resumed.state.step, join(store!.dir, `${resumed.state.step}.bin`));
  const run = resumed ?? start(engine);
  runSteps(engine, run, target, job.spec.checkpointInterval, store, opts.onProgress);
  const params = run.state.tensors.slice(0, engine.params.length);
  opts.onEvaluate?.(job.test.x.shape[0]);
  const result: TrainResult = {
    name: job.spec.name,
    jobHash: hex0x(job.jobHash),
    opsetVersion: job.spec.opsetVersion,
    steps: target,
    jobSteps: job.steps,
    finalStateHash: run.stateHashes[target],
    stateRoot: stateRootOf(run.stateHashes),
    finalModelHash: hex0x(engine.modelHash(run.state)),
    programRoot: hex0x(engine.programRoot()),
    trainLoss: meanOfLast(run.losses, TRAIN_LOSS_WINDOW),
    testAccuracy: accuracy(engine, params, job.test.x, job.test.labels, job.classes),
    backend: engine.backend.name,
    seconds: 0,
    resumedFromStep,
    outDir: opts.outDir ?? null,
  };
  if (opts.outDir) {
    writeTfjsModel(join(opts.outDir, 'model'), job.spec.model, params, job.spec.name);
    result.seconds = round3((performance.now() - t0) / 1000);
    writeAtomic(join(opts.outDir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  }
  result.seconds = round3((performance.now() - t0) / 1000);
  return result;
}

function start(engine: Engine): RunProgress {
  const state = engine.init();
  return { state, stateHashes: [hex0x(engine.stateHash(state))], losses: [] };
}

/** Advance `run` in place to `target` steps, checkpointing every `interval` steps and at the end. */
function runSteps(engine: Engine, run: RunProgress, target: number, interval: number, store: CheckpointStore | null, onProgress?: (e: ProgressEvent) => void): void {
  const first = run.state.step;
  const t0 = performance.now();
  const batch = engine.setup.batchSize;
  while (run.state.step < target) {
    const r = engine.step(run.state);
    run.state = r.state;
    run.losses.push(r.loss);
    run.stateHashes.push(hex0x(engine.stateHash(r.state)));
    const done = r.state.step;
    if (store && (done % interval === 0 || done === target)) store.save(run);
    if (onProgress) {
      const secs = (performance.now() - t0) / 1000;
      const rate = secs > 0 ? ((done - first) * batch) / secs : 0;
      onProgress({ step: done, total: target, loss: r.loss, samplesPerSecond: rate, etaSeconds: rate > 0 ? ((target - done) * batch) / rate : 0 });
    }
  }
}

export function stateRootOf(stateHashes: string[]): string {
  return hex0x(merkleRoot(stateHashes.map((h) => Buffer.from(h.slice(2), 'hex'))));
}

function meanOfLast(xs: number[], n: number): number {
  const tail = xs.slice(-n);
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The state after `step` steps: from the latest checkpoint at or before it in outDir, else from init. */
export function stateAt(engine: Engine, step: number, outDir?: string, jobHash?: string, opsetVersion?: string): { state: TrainState; fromCheckpoint: number | null } {
  let state: TrainState;
  let fromCheckpoint: number | null = null;
  const store = outDir && existsSync(join(outDir, 'checkpoints', 'index.json')) ? new CheckpointStore(outDir, engine, jobHash!, opsetVersion!) : null;
  const cp = store?.latest(step) ?? null;
  if (cp) {
    state = cp.state;
    fromCheckpoint = cp.state.step;
  } else state = engine.init();
  while (state.step < step) state = engine.step(state).state;
  return { state, fromCheckpoint };
}

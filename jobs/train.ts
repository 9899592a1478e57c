// Running a job: init, steps, the committed state hashes (H[t] at the leaf steps t = 0, K,
// 2K, ..., T of the job's hashInterval K; every step when K = 1), checkpoints, and the final
// report (stateRoot over the leaf hashes, model hash, test accuracy, tfjs export). The CLI's
// `train` uses it; it prints nothing itself.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, type TrainState } from '../reproducible-ops/engine.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { isLeafStep } from '../reproducible-ops/hash-schedule.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { CheckpointStore, hex0x, type RunProgress } from './checkpoint.ts';
import { UserError } from './errors.ts';
import { DEFAULT_KEEP, type KeepPolicy } from './resources.ts';
import { resumeVerified } from './resume.ts';
import { accuracy } from './evaluate.ts';
import type { GptJob, LoadedJob } from './job.ts';
import { writeGptModel } from './gpt-model.ts';
import { evalLoss } from '../reproducible-ops/lm-eval.ts';
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
  onEval?: (e: EvalEvent) => void; // GPT jobs: every evalInterval steps and at the end
  keep?: KeepPolicy; // which checkpoints to keep (default DEFAULT_KEEP: those at leaf steps and the latest 2)
  onWarning?: (message: string) => void; // one line each: a checkpoint or index that failed verification, divergence
}

/** A GPT job's losses at an evaluation point. */
export interface EvalEvent {
  step: number; // steps completed
  trainLoss: number; // mean loss of the steps since the previous evaluation point
  valLoss: number; // mean cross-entropy over the validation windows (lm-eval.ts evalLoss)
}

export interface TrainResult {
  name: string;
  jobHash: string;
  opsetVersion: string;
  steps: number;
  jobSteps: number;
  finalStateHash: string;
  hashInterval: number; // K
  stateRoot: string; // merkleRoot over the leaf hashes [H0, HK, H2K, ...] up to `steps` (with HT when steps = T)
  finalModelHash: string;
  programRoot: string;
  trainLoss: number; // mean loss of the last min(100, steps) steps (NaN, null in JSON, once diverged)
  diverged: boolean; // some step's loss was NaN or infinite: the run is still reproducible, but useless
  divergedAtStep: number | null; // the first such step (0-based: the step from H[s] to H[s+1])
  testAccuracy?: number; // classifier jobs: on the test set
  valLoss?: number; // GPT jobs: on the validation split, with the final weights
  valTokens?: number; // GPT jobs: the tokens valLoss averages over (windows x blockSize)
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
  const K = job.spec.hashInterval;
  const schedule = { numSteps: job.steps, hashInterval: K };
  const store = opts.outDir ? new CheckpointStore(opts.outDir, engine, hex0x(job.jobHash), job.spec.opsetVersion, schedule, opts.keep ?? DEFAULT_KEEP) : null;
  const resumed = store ? resumeVerified(store, engine, target, { T: job.steps, K }) : null;
  for (const p of resumed?.problems ?? []) opts.onWarning?.(p);
  const resumedFromStep = resumed?.resumedFrom ? resumed.progress.state.step : null;
  if (resumed?.resumedFrom) opts.onResume?.(resumed.progress.state.step, store!.path(resumed.resumedFrom));
  const run = resumed?.progress ?? start(engine);
  const evals = job.kind === 'gpt' ? gptEvaluator(job, engine, target, opts.onEval) : null;
  try {
    runSteps(engine, run, { target, ...schedule, checkpointInterval: job.spec.checkpointInterval }, store, opts.onProgress, evals?.afterStep);
  } catch (e) {
    // The resource estimate (jobs/resources.ts) should refuse such jobs first; if memory runs out anyway, say so.
    if (e instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(e.message))
      throw new UserError(`${job.spec.file}: out of memory at step ${run.state.step} (${e.message}); lower job.hyperparameters.batchSize or the model size, or set OPTRAIN_MAX_MEMORY to what this machine can give`);
    throw e;
  }
  const params = run.state.tensors.slice(0, engine.params.length);
  const result: TrainResult = {
    name: job.spec.name,
    jobHash: hex0x(job.jobHash),
    opsetVersion: job.spec.opsetVersion,
    steps: target,
    jobSteps: job.steps,
    hashInterval: K,
    // A partial run (--steps) may stop between leaves: its final state is then hashed here only.
    finalStateHash: isLeafStep(target, job.steps, K) ? run.stateHashes.at(-1)! : hex0x(engine.stateHash(run.state)),
    stateRoot: stateRootOf(run.stateHashes),
    finalModelHash: hex0x(engine.modelHash(run.state)),
    programRoot: hex0x(engine.programRoot()),
    trainLoss: meanOfLast(run.losses, TRAIN_LOSS_WINDOW),
    ...divergence(run.losses),
    ...(job.kind === 'gpt' ? evals!.final(run) : { testAccuracy: testAccuracy(job, engine, params, opts) }),
    backend: engine.backend.name,
    seconds: 0,
    resumedFromStep,
    outDir: opts.outDir ?? null,
  };
  if (result.diverged)
    opts.onWarning?.(`training diverged: the loss of step ${result.divergedAtStep} is ${run.losses[result.divergedAtStep!]} (lower the learning rate); the hashes are still those of this job`);
  if (opts.outDir) {
    if (job.kind === 'gpt') writeGptOutputs(opts.outDir, job, params, result);
    else writeTfjsModel(join(opts.outDir, 'model'), job.spec.model, params, job.spec.name);
    result.seconds = round3((performance.now() - t0) / 1000);
    writeAtomic(join(opts.outDir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  }
  result.seconds = round3((performance.now() - t0) / 1000);
  return result;
}

function testAccuracy(job: Exclude<LoadedJob, GptJob>, engine: Engine, params: Float32Array[], opts: TrainOptions): number {
  opts.onEvaluate?.(job.test.x.shape[0]);
  return accuracy(engine, params, job.test.x, job.test.labels, job.classes);
}

/**
 * valLoss every evalInterval steps (reported with the mean training loss since the previous
 * point) and at the end; the final point's valLoss is the result's, computed once.
 */
function gptEvaluator(job: GptJob, engine: Engine, target: number, onEval?: (e: EvalEvent) => void) {
  let last: EvalEvent | null = null;
  let since = 0; // index into run.losses of the first step since the previous point
  const evaluate = (run: RunProgress): EvalEvent => {
    const params = run.state.tensors.slice(0, engine.params.length);
    const recent = run.losses.slice(since);
    since = run.losses.length;
    last = { step: run.state.step, trainLoss: recent.length ? mean(recent) : NaN, valLoss: evalLoss(engine, params, job.val.data).loss };
    onEval?.(last);
    return last;
  };
  return {
    afterStep(run: RunProgress): void {
      const done = run.state.step;
      if (done % job.spec.evalInterval === 0 || done === target) evaluate(run);
    },
    final(run: RunProgress): { valLoss: number; valTokens: number } {
      const e = last?.step === run.state.step ? last : evaluate(run); // a finished run resumed: nothing was stepped
      return { valLoss: e.valLoss, valTokens: Math.floor((job.val.shape[0] - 1) / job.config.blockSize) * job.config.blockSize };
    },
  };
}

/** model/model.safetensors + model/config.json, and the token file the jobHash covers (data/tokens.bin). */
function writeGptOutputs(outDir: string, job: GptJob, params: Float32Array[], r: TrainResult): void {
  writeGptModel(join(outDir, 'model'), job.config, params, job.text.tokenizer, { name: job.spec.name, jobHash: r.jobHash, opsetVersion: r.opsetVersion, steps: r.steps, modelHash: r.finalModelHash });
  const tokens = join(outDir, 'data', 'tokens.bin');
  if (!existsSync(tokens)) {
    mkdirSync(join(outDir, 'data'), { recursive: true });
    writeAtomic(tokens, job.text.tokenFile);
  }
}

function start(engine: Engine): RunProgress {
  const state = engine.init();
  return { state, stateHashes: [hex0x(engine.stateHash(state))], losses: [] };
}

interface RunPlan {
  target: number; // stop after this many steps
  numSteps: number; // the job's T (the leaf schedule depends on it, not on target)
  hashInterval: number;
  checkpointInterval: number;
}

/**
 * Advance `run` in place to `target` steps, hashing the state at leaf steps only (the hash is
 * the expensive part of a fast step) and checkpointing every checkpointInterval steps and at
 * the end; a checkpoint at a non-leaf step is hashed for its own index entry.
 */
function runSteps(engine: Engine, run: RunProgress, p: RunPlan, store: CheckpointStore | null, onProgress?: (e: ProgressEvent) => void, afterStep?: (run: RunProgress) => void): void {
  const { target } = p;
  const first = run.state.step;
  const t0 = performance.now();
  const batch = engine.setup.batchSize;
  while (run.state.step < target) {
    const r = engine.step(run.state);
    engine.retire(run.state, r.state); // nothing here reads a past state again
    run.state = r.state;
    run.losses.push(r.loss);
    const done = r.state.step;
    const leafHash = isLeafStep(done, p.numSteps, p.hashInterval) ? hex0x(engine.stateHash(r.state)) : null;
    if (leafHash) run.stateHashes.push(leafHash);
    if (store && (done % p.checkpointInterval === 0 || done === target)) store.save(run, leafHash ?? hex0x(engine.stateHash(r.state)));
    if (onProgress) {
      const secs = (performance.now() - t0) / 1000;
      const rate = secs > 0 ? ((done - first) * batch) / secs : 0;
      onProgress({ step: done, total: target, loss: r.loss, samplesPerSecond: rate, etaSeconds: rate > 0 ? ((target - done) * batch) / rate : 0 });
    }
    afterStep?.(run);
  }
}

export function stateRootOf(stateHashes: string[]): string {
  return hex0x(merkleRoot(stateHashes.map((h) => Buffer.from(h.slice(2), 'hex'))));
}

function divergence(losses: number[]): { diverged: boolean; divergedAtStep: number | null } {
  const i = losses.findIndex((l) => !Number.isFinite(l));
  return { diverged: i >= 0, divergedAtStep: i >= 0 ? i : null };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function meanOfLast(xs: number[], n: number): number {
  const tail = xs.slice(-n);
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The state after `step` steps: from the latest checkpoint at or before it in outDir, else from init. */
export function stateAt(
  engine: Engine, step: number, outDir?: string, jobHash?: string, opsetVersion?: string, onWarning?: (message: string) => void,
  onReplay?: (done: number, total: number) => void, // steps replayed so far of those needed (progress)
): { state: TrainState; fromCheckpoint: number | null } {
  let state: TrainState;
  let fromCheckpoint: number | null = null;
  const store = outDir && existsSync(join(outDir, 'checkpoints', 'index.json')) ? new CheckpointStore(outDir, engine, jobHash!, opsetVersion!) : null;
  const cp = store?.latest(step, (problem) => onWarning?.(`${problem}; replaying from an earlier checkpoint`)) ?? null;
  if (cp) {
    state = cp.state;
    fromCheckpoint = cp.state.step;
  } else state = engine.init();
  const from = state.step;
  while (state.step < step) {
    const next = engine.step(state).state;
    engine.retire(state, next);
    state = next;
    onReplay?.(state.step - from, step - from);
  }
  return { state, fromCheckpoint };
}

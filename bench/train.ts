// MNIST MLP training throughput of the engine on one backend: steps of the reference
// job's program for one epoch (or a step limit), then test-set accuracy. A solver commits
// the state hash at the leaf steps of the job's hashInterval K (t = K, 2K, ..., T); the loop
// does the same, hashing a leaf state t with Engine.stateHashAsync while step t+1 runs
// (backends with an off-thread hash; others hash in the call), and records how long it
// waits for hashes, plus the cost of one synchronous stateHash for the share estimates.
import { accuracy } from '../jobs/evaluate.ts';
import { Engine, type TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep } from '../reproducible-ops/hash-schedule.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { BATCH, mlpSetup, type MnistSplit } from './mnist.ts';
import { bestTime, cpuSeconds } from './timing.ts';

export interface TrainRow {
  impl: string;
  threads: number;
  samplesPerSec: number; // training steps only (comparable to model.fit)
  seconds: number; // wall seconds of the training steps
  testAccuracy: number;
  steps: number;
  hashInterval?: number; // K the loop hashed with (engine rows)
  cpuSeconds?: number; // process CPU seconds of the training steps (all threads)
  hashSeconds?: number; // wall seconds the loop spent in or waiting for state hashes
  syncHashMs?: number; // one synchronous Engine.stateHash of the final state, best of rounds
  stateHash?: string; // final state hash (identical for every engine backend)
}

interface LoopTimes {
  stepMs: number;
  stepCpu: number;
  hashMs: number;
}

async function trainLoop(engine: Engine, state: TrainState, steps: number, K: number): Promise<{ state: TrainState; times: LoopTimes; hashes: Buffer[] }> {
  const times: LoopTimes = { stepMs: 0, stepCpu: 0, hashMs: 0 };
  const hashes: Buffer[] = [];
  let pending: Promise<Buffer> | null = null;
  const hashed = async (p: Promise<Buffer> | null) => {
    if (!p) return;
    const t = performance.now();
    hashes.push(await p);
    times.hashMs += performance.now() - t;
  };
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now(), c0 = cpuSeconds();
    state = engine.step(state).state;
    times.stepMs += performance.now() - t0;
    times.stepCpu += cpuSeconds() - c0;
    await hashed(pending);
    pending = null;
    if (!isLeafStep(state.step, steps, K)) continue;
    const t1 = performance.now();
    pending = engine.stateHashAsync(state); // starts now; synchronous backends hash here
    times.hashMs += performance.now() - t1;
  }
  await hashed(pending);
  return { state, times, hashes };
}

export async function engineTrain(impl: string, backend: Backend, threads: number, train: MnistSplit, test: MnistSplit, maxSteps: number, hashInterval: number): Promise<TrainRow> {
  const engine = new Engine(mlpSetup(train), backend);
  const steps = Math.min(maxSteps, Math.floor(train.x.shape[0] / BATCH));
  const { state, times, hashes } = await trainLoop(engine, engine.init(), steps, hashInterval);
  const finalHash = engine.stateHash(state).toString('hex');
  if (hashes.at(-1)?.toString('hex') !== finalHash) throw new Error(`${impl}: the pipelined state hash differs from Engine.stateHash`);
  const sync = await bestTime(() => engine.stateHash(state), { rounds: 3, roundSeconds: 0.05 });
  const params = state.tensors.slice(0, engine.params.length);
  return {
    impl,
    threads,
    samplesPerSec: (steps * BATCH) / (times.stepMs / 1000),
    seconds: times.stepMs / 1000,
    testAccuracy: accuracy(engine, params, test.x, test.labels, 10),
    steps,
    hashInterval,
    cpuSeconds: times.stepCpu,
    hashSeconds: times.hashMs / 1000,
    syncHashMs: sync.seconds * 1000,
    stateHash: finalHash,
  };
}

/** Share of the training loop's time spent in or waiting for state hashes. */
export const hashShareOf = (r: TrainRow): number => (r.hashSeconds ?? 0) / (r.seconds + (r.hashSeconds ?? 0));

/**
 * Share of a solver's time spent hashing when it hashes synchronously once every K steps:
 * (hash / K) / (step + hash / K), from a measured step time and a measured synchronous hash.
 */
export const amortizedHashShare = (stepMs: number, hashMs: number, K: number): number => hashMs / K / (stepMs + hashMs / K);

/** amortizedHashShare of an engine row at K (default: the K the row trained with). */
export const syncHashShareOf = (r: TrainRow, K = r.hashInterval ?? 1): number => amortizedHashShare((r.seconds * 1000) / r.steps, r.syncHashMs ?? 0, K);

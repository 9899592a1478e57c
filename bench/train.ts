// MNIST MLP training throughput of the engine on one backend: steps of the reference
// job's program for one epoch (or a step limit), then test-set accuracy. A solver commits
// a state hash after every step; the loop hashes state t with Engine.stateHashAsync while
// step t+1 runs (backends with an off-thread hash; others hash in the call) and records how
// long it waits for hashes, plus the cost of one synchronous stateHash for comparison.
import { accuracy } from '../jobs/evaluate.ts';
import { Engine, type TrainState } from '../reproducible-ops/engine.ts';
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

async function trainLoop(engine: Engine, state: TrainState, steps: number): Promise<{ state: TrainState; times: LoopTimes; hashes: Buffer[] }> {
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
    const t1 = performance.now();
    pending = engine.stateHashAsync(state); // starts now; synchronous backends hash here
    times.hashMs += performance.now() - t1;
  }
  await hashed(pending);
  return { state, times, hashes };
}

export async function engineTrain(impl: string, backend: Backend, threads: number, train: MnistSplit, test: MnistSplit, maxSteps: number): Promise<TrainRow> {
  const engine = new Engine(mlpSetup(train), backend);
  const steps = Math.min(maxSteps, Math.floor(train.x.shape[0] / BATCH));
  const { state, times, hashes } = await trainLoop(engine, engine.init(), steps);
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
    cpuSeconds: times.stepCpu,
    hashSeconds: times.hashMs / 1000,
    syncHashMs: sync.seconds * 1000,
    stateHash: finalHash,
  };
}

/** Share of the training loop's time spent in or waiting for state hashes. */
export const hashShareOf = (r: TrainRow): number => (r.hashSeconds ?? 0) / (r.seconds + (r.hashSeconds ?? 0));

/** Share a synchronous hash after every step would take: syncHash / (step + syncHash). */
export const syncHashShareOf = (r: TrainRow): number => {
  const stepMs = (r.seconds * 1000) / r.steps;
  return (r.syncHashMs ?? 0) / (stepMs + (r.syncHashMs ?? 0));
};

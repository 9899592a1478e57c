// MNIST MLP training throughput of the engine on one backend: steps of the reference
// job's program for one epoch (or a step limit), with the per-step state hash a solver
// commits timed separately, then test-set accuracy.
import { accuracy } from '../jobs/evaluate.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { BATCH, mlpSetup, type MnistSplit } from './mnist.ts';
import { cpuSeconds } from './timing.ts';

export interface TrainRow {
  impl: string;
  threads: number;
  samplesPerSec: number; // training steps only (comparable to model.fit)
  seconds: number; // wall seconds of the training steps
  testAccuracy: number;
  steps: number;
  cpuSeconds?: number; // process CPU seconds of the training steps (all threads)
  hashSeconds?: number; // wall seconds of the per-step state hashes in the same run
  hashCpuSeconds?: number; // process CPU seconds of those hashes
  stateHash?: string; // final state hash (identical for every engine backend)
}

export function engineTrain(impl: string, backend: Backend, threads: number, train: MnistSplit, test: MnistSplit, maxSteps: number): TrainRow {
  const engine = new Engine(mlpSetup(train), backend);
  const steps = Math.min(maxSteps, Math.floor(train.x.shape[0] / BATCH));
  let state = engine.init();
  let stepMs = 0, hashMs = 0, stepCpu = 0, hashCpu = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now(), c0 = cpuSeconds();
    state = engine.step(state).state;
    const t1 = performance.now(), c1 = cpuSeconds();
    engine.stateHash(state);
    hashMs += performance.now() - t1;
    hashCpu += cpuSeconds() - c1;
    stepMs += t1 - t0;
    stepCpu += c1 - c0;
  }
  const params = state.tensors.slice(0, engine.params.length);
  return {
    impl,
    threads,
    samplesPerSec: (steps * BATCH) / (stepMs / 1000),
    seconds: stepMs / 1000,
    testAccuracy: accuracy(engine, params, test.x, test.labels, 10),
    steps,
    cpuSeconds: stepCpu,
    hashSeconds: hashMs / 1000,
    hashCpuSeconds: hashCpu,
    stateHash: engine.stateHash(state).toString('hex'),
  };
}

/** Share of a solver's step time spent on the state hash: hash / (step + hash). */
export const hashShareOf = (r: TrainRow): number => (r.hashSeconds ?? 0) / (r.seconds + (r.hashSeconds ?? 0));

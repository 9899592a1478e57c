// MNIST MLP training throughput of the engine on one backend: steps of the reference
// job's program for one epoch (or a step limit), then test-set accuracy. A solver commits
// the state hash at the leaf steps of the job's hashInterval K (t = K, 2K, ..., T); the loop
// does the same, hashing a leaf state t with Engine.stateHashAsync while step t+1 runs
// (backends with an off-thread hash; others hash in the call), and records how long it
// waits for hashes, plus the cost of one synchronous stateHash for the share estimates.
// The backends' runs take turns chunk by chunk (TrainLoop); a row's rate is the median of
// its chunks.
import { accuracy } from '../jobs/evaluate.ts';
import { Engine, type TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep } from '../reproducible-ops/hash-schedule.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { BATCH, mlpSetup, type MnistSplit } from './mnist.ts';
import { spreadOf, type Spread } from './interleave.ts';
import { bestTime, cpuSeconds } from './timing.ts';

export interface TrainRow {
  impl: string;
  threads: number;
  samplesPerSec: number; // training steps only (comparable to model.fit); engine rows: median over chunks
  spread?: Spread; // engine rows: samples/s of the chunks the run took turns in
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

/**
 * One backend's training run, advanced a chunk of steps at a time so that several backends
 * can take turns (a shared machine's slow seconds then fall on all of them alike, not on
 * whichever ran then: single runs of one epoch swung 2-3x from run to run here).
 */
export class TrainLoop {
  readonly engine: Engine;
  readonly steps: number;
  state: TrainState;
  readonly times: LoopTimes = { stepMs: 0, stepCpu: 0, hashMs: 0 };
  readonly hashes: Buffer[] = [];
  /** Samples per second of each chunk's training steps. */
  readonly chunkRates: number[] = [];
  private done = 0;
  private pending: Promise<Buffer> | null = null;

  constructor(readonly impl: string, readonly backend: Backend, readonly threads: number, train: MnistSplit, maxSteps: number, readonly hashInterval: number) {
    this.engine = new Engine(mlpSetup(train), backend);
    this.steps = Math.min(maxSteps, Math.floor(train.x.shape[0] / BATCH));
    this.state = this.engine.init();
  }

  get finished(): boolean {
    return this.done >= this.steps;
  }

  private async hashed(): Promise<void> {
    if (!this.pending) return;
    const t = performance.now();
    this.hashes.push(await this.pending);
    this.times.hashMs += performance.now() - t;
    this.pending = null;
  }

  /**
   * `n` more steps (fewer at the end), hashing the leaf states as a solver does, and one
   * more when the last was a leaf: its hash then overlaps a step of this turn, not the other
   * backends' turns (whose threads would take its core).
   */
  async advance(n: number): Promise<void> {
    const start = this.times.stepMs, first = this.done;
    for (; this.done < this.steps && (this.done < first + n || this.pending); this.done++) {
      const t0 = performance.now(), c0 = cpuSeconds();
      const prev = this.state;
      this.state = this.engine.step(prev).state;
      this.times.stepMs += performance.now() - t0;
      this.times.stepCpu += cpuSeconds() - c0;
      await this.hashed();
      // As the solver does (jobs/train.ts): once its hash is in, the old state's buffers go
      // back to the backend. Fresh ones each step page-fault in, and on 2 threads the page
      // faults and unmaps of one thread stall the other (native MLP 2 threads ran at 40k
      // samples/s against 88k on 1 thread).
      this.engine.retire(prev, this.state);
      if (!isLeafStep(this.state.step, this.steps, this.hashInterval)) continue;
      const t1 = performance.now();
      this.pending = this.engine.stateHashAsync(this.state); // starts now; synchronous backends hash here
      this.times.hashMs += performance.now() - t1;
    }
    if (this.done > first) this.chunkRates.push(((this.done - first) * BATCH) / ((this.times.stepMs - start) / 1000));
    if (this.finished) await this.hashed();
  }

  /** The row of a finished run: the median chunk rate, the final hash checked, test accuracy. */
  async row(test: MnistSplit): Promise<TrainRow> {
    const finalHash = this.engine.stateHash(this.state).toString('hex');
    if (this.hashes.at(-1)?.toString('hex') !== finalHash) throw new Error(`${this.impl}: the pipelined state hash differs from Engine.stateHash`);
    const sync = await bestTime(() => this.engine.stateHash(this.state), { rounds: 3, roundSeconds: 0.05 });
    const params = this.state.tensors.slice(0, this.engine.params.length);
    const rates = spreadOf(this.chunkRates);
    return {
      impl: this.impl,
      threads: this.threads,
      samplesPerSec: rates.median,
      spread: rates,
      seconds: this.times.stepMs / 1000,
      testAccuracy: accuracy(this.engine, params, test.x, test.labels, 10),
      steps: this.steps,
      hashInterval: this.hashInterval,
      cpuSeconds: this.times.stepCpu,
      hashSeconds: this.times.hashMs / 1000,
      syncHashMs: sync.seconds * 1000,
      stateHash: finalHash,
    };
  }
}

/** Train every backend through its steps in `rounds` turns each, round-robin. */
export async function engineTrainRounds(loops: TrainLoop[], rounds: number): Promise<void> {
  const chunk = Math.max(1, Math.ceil(Math.max(...loops.map((l) => l.steps)) / rounds));
  while (loops.some((l) => !l.finished)) for (const l of loops) if (!l.finished) await l.advance(chunk);
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

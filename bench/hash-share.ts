// The state-hash share of a solver's step time, per model, backend and hash interval K: how
// much of its time a solver spends hashing when it hashes the state once every K steps (the
// leaf steps of the job's hashInterval). Measured as a step time (mean over a training loop)
// and one synchronous Engine.stateHash (best of rounds), combined as
// (hash / K) / (step + hash / K). The MLP uses the train rows' loops; the CNN
// (examples/mnist-cnn.json) runs a few dozen steps per fast backend here.
import { fileURLToPath } from 'node:url';
import { loadJob } from '../jobs/job.ts';
import { readJobSpec } from '../jobs/spec.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { spreadOf } from './interleave.ts';
import { bestTime } from './timing.ts';
import { amortizedHashShare, type TrainRow } from './train.ts';

export interface HashShareRow {
  model: 'mlp' | 'cnn';
  impl: string;
  threads: number;
  hashInterval: number;
  share: number; // fraction of step + amortized hash time
  stepMs: number; // mean step time measured
  hashMs: number; // one synchronous state hash, best of rounds
}

export const exampleFile = (name: string): string => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

/** The hashInterval of an example job (what a solver of it hashes with). */
export function exampleHashInterval(name: string): number {
  return readJobSpec(exampleFile(name)).hashInterval;
}

/** One row per K in `intervals` for a measured step and hash time. */
function rowsFor(model: HashShareRow['model'], impl: string, threads: number, stepMs: number, hashMs: number, intervals: number[]): HashShareRow[] {
  return intervals.map((K) => ({ model, impl, threads, hashInterval: K, share: amortizedHashShare(stepMs, hashMs, K), stepMs, hashMs }));
}

/** Shares of the MLP engine rows (those with a measured synchronous hash) at each K. */
export function mlpHashShares(rows: TrainRow[], intervals: number[]): HashShareRow[] {
  return rows
    .filter((r) => r.syncHashMs !== undefined)
    .flatMap((r) => rowsFor('mlp', r.impl, r.threads, (r.seconds * 1000) / r.steps, r.syncHashMs!, intervals));
}

/** Run `steps` CNN steps on each backend (after one warm-up step), time a synchronous hash, and give the shares at each K. */
export async function cnnHashShares(backends: { impl: string; threads: number; backend: Backend }[], steps: number, intervals: number[], log: (s: string) => void, rounds = 4): Promise<HashShareRow[]> {
  const job = loadJob(exampleFile('mnist-cnn.json'));
  const runs = backends.map((b) => {
    const engine = new Engine(job.setup, b.backend);
    return { b, engine, state: engine.step(engine.init()).state, msPerStep: [] as number[] }; // warm-up: first-call costs are not a step's
  });
  // The backends take turns, a chunk of steps each, so a slow second of a shared machine
  // does not land on one of them alone; a row's step time is the median over its chunks.
  const chunk = Math.max(1, Math.ceil(steps / rounds));
  for (let done = 0; done < steps; done += chunk)
    for (const r of runs) {
      const n = Math.min(chunk, steps - done), t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const next = r.engine.step(r.state).state;
        r.engine.retire(r.state, next); // as the solver does (jobs/train.ts)
        r.state = next;
      }
      r.msPerStep.push((performance.now() - t0) / n);
    }
  const out: HashShareRow[] = [];
  for (const { b, engine, state, msPerStep } of runs) {
    const stepMs = spreadOf(msPerStep).median;
    const hash = await bestTime(() => engine.stateHash(state), { rounds: 3, roundSeconds: 0.05 });
    const rows = rowsFor('cnn', b.impl, b.threads, stepMs, hash.seconds * 1000, intervals);
    log(`cnn ${b.impl} x${b.threads}: ${steps} steps, ${stepMs.toFixed(2)} ms/step (median of ${msPerStep.length} turns), state hash ${(hash.seconds * 1000).toFixed(3)} ms: ${rows.map((r) => `K=${r.hashInterval} ${(r.share * 100).toFixed(2)}%`).join(', ')}`);
    out.push(...rows);
  }
  return out;
}

// The cheating solver's lie: a bit flip at a random step. A flip can be masked (a relu zeroes
// it, or no state tensor depends on the node: docs/TAMPER.md), and one --tamper spec applies to
// every job the process claims, MLP and CNN alike. So the op is chosen by trying: the first
// candidate whose flip changes the first committed leaf after the step in every job of the run.
import { loadJob } from '../../jobs/job.ts';
import { Engine, type TrainState } from '../../reproducible-ops/engine.ts';
import { referenceBackend } from '../../reproducible-ops/backend/reference.ts';
import { flipTransform } from '../../commitments/tamper-hooks.ts';

const BIT = 22; // the top mantissa bit: a large but finite change
const ELEM = 0; // every op output has an element 0

/** The state at `upTo`, flipping (op, ELEM, BIT) during step `step` when `op` is given. */
function stateAt(engine: Engine, upTo: number, step: number, op?: number): Buffer {
  let s: TrainState = engine.init();
  while (s.step < upTo) s = engine.step(s, op !== undefined && s.step === step ? flipTransform(op, ELEM, BIT) : undefined).state;
  return engine.stateHash(s);
}

/** `kind=flip,step=S,...` that provably changes every job's commitment (jobFiles: each distinct job spec). */
export function pickFlip(jobFiles: string[], step: number, rnd: () => number): string {
  const runs = jobFiles.map((f) => {
    const l = loadJob(f);
    const engine = new Engine(l.setup, referenceBackend);
    if (step >= l.steps) throw new Error(`cheat step ${step} is outside ${f}'s steps 0..${l.steps - 1}`);
    const K = l.spec.hashInterval ?? 1;
    const leaf = Math.min(Math.ceil((step + 1) / K) * K, l.steps);
    return { engine, leaf, honest: stateAt(engine, leaf, step) };
  });
  // ops whose output exists in every program; the leading state/dataset nodes are inputs, not computed
  const n = Math.min(...runs.map((r) => r.engine.stepProgram.nodes.length));
  const ops = Array.from({ length: n }, (_, i) => i).filter((i) => runs.every((r) => !['state', 'dataset', 'copy'].includes(r.engine.stepProgram.nodes[i].op)));
  for (let i = ops.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [ops[i], ops[j]] = [ops[j], ops[i]];
  }
  for (const op of ops)
    if (runs.every((r) => !stateAt(r.engine, r.leaf, step, op).equals(r.honest))) return `kind=flip,step=${step},op=${op},elem=${ELEM},bit=${BIT}`;
  throw new Error(`no op of the step program changes every job's state when flipped at step ${step}`);
}

/** A small seeded PRNG (mulberry32): a run's random choices are reproducible from its --seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

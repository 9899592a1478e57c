// Replaying the solver's own committed run between its checkpoints, for its side of a dispute.
// With hashInterval K the manifest holds only the leaf hashes H[0], H[K], ..., H[T]; when the
// game asks for the states inside leaf m's interval (lo, hi] (postMids), the solver recomputes
// them from its newest checkpoint at or before lo with the same tamper plan it trained with, so
// a tampering solver posts the hashes of the run it committed, not the honest ones.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { intervalOf, isLeafStep, lastLeaf, leafOfStep } from '../reproducible-ops/hash-schedule.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { loadCheckpointState, type BlobIO, type RunManifest } from './run-store.ts';
import { planStep, type TamperPlan } from './tamper-hooks.ts';

export interface RunReplay {
  engine: Engine;
  plan: TamperPlan; // the plan the run was trained with (no tamper: honest)
  manifest: RunManifest; // the result manifest (leaf hashes, checkpoints)
  blobs: BlobIO; // holds its checkpoints
}

/** One engine step under the tamper plan, exactly as training ran it (kind=skip keeps the tensors). */
export function stepWithPlan(plan: TamperPlan, state: TrainState): TrainState {
  return planStep(plan, state).state;
}

/** The committed leaf hash H[t] if t is a leaf step of the manifest's run (0x-hex), else undefined. */
export function leafHashAt(m: RunManifest, t: number): string | undefined {
  if (!isLeafStep(t, m.numSteps, m.hashInterval)) return undefined;
  return m.stateHashes[leafOfStep(t, m.numSteps, m.hashInterval)];
}

/**
 * The state after t steps: the newest checkpoint at or before t (checked by blob hash and its
 * recorded state hash), replayed with the plan. Every leaf step reached on the way (and a
 * checkpoint at a leaf step) is checked against the committed leaf hash.
 */
export function replayTo(r: RunReplay, t: number): Promise<TrainState> {
  return replay(r, t, t);
}

/** replayTo, but starting from a checkpoint at or before `startBy`, reporting every state computed after it. */
async function replay(r: RunReplay, startBy: number, t: number, onState?: (s: TrainState) => void): Promise<TrainState> {
  const m = r.manifest;
  if (!Number.isInteger(t) || t < 0 || t > m.numSteps) throw new Error(`replay: step ${t} is outside 0..${m.numSteps}`);
  const ref = m.checkpoints.filter((c) => c.step <= startBy).at(-1);
  if (!ref) throw new Error(`replay: the run manifest has no checkpoint at or before step ${startBy}`);
  let state = await loadCheckpointState(r.blobs, ref, r.engine);
  checkLeaf(r, state);
  while (state.step < t) {
    state = stepWithPlan(r.plan, state);
    onState?.(state);
    checkLeaf(r, state);
  }
  return state;
}

function checkLeaf(r: RunReplay, state: TrainState): void {
  const want = leafHashAt(r.manifest, state.step);
  if (want === undefined) return;
  const got = hex0x(r.engine.stateHash(state));
  if (got !== want) throw new Error(`replay: H[${state.step}] recomputes to ${got}, the run manifest commits ${want}`);
}

/**
 * Leaf m's interval (lo, hi] and this run's H[lo+1..hi-1] (0x-hex, hi - lo - 1 of them; none
 * when the interval is one step), replayed from the newest checkpoint at or before lo. The
 * replay must reproduce the committed leaves m - 1 and m, else this throws.
 */
export async function intervalMids(r: RunReplay, m: number): Promise<{ lo: number; hi: number; mids: string[] }> {
  const M = lastLeaf(r.manifest.numSteps, r.manifest.hashInterval);
  if (!Number.isInteger(m) || m < 1 || m > M) throw new Error(`interval: leaf ${m} is outside 1..${M}`);
  if (r.manifest.stateHashes.length !== M + 1) throw new Error(`interval: the run manifest lists ${r.manifest.stateHashes.length} leaf hashes, expected ${M + 1} (training not finished?)`);
  const { lo, hi } = intervalOf(m, r.manifest.numSteps, r.manifest.hashInterval);
  const mids: string[] = [];
  await replay(r, lo, hi, (s) => {
    if (s.step > lo && s.step < hi) mids.push(hex0x(r.engine.stateHash(s)));
  });
  return { lo, hi, mids };
}

// Resuming a run from its checkpoint directory without trusting what is on disk. The index
// lists the committed (leaf) hashes H[0], H[K], ... and the checkpoints; a hand-edited or
// corrupted index or checkpoint must never end up in a reported stateRoot. So the history
// before the resume point is rebuilt, not read:
//   - every checkpoint file is hashed and checked against its entry (a missing or corrupt one
//     is skipped: the run resumes from, or replays through, an earlier good one);
//   - a leaf hash is taken from a verified checkpoint at that step, or recomputed by
//     replaying from the previous verified state (init or a checkpoint); a replay that
//     reaches a checkpoint's step must give that checkpoint's state hash, else the replay wins;
//   - the listed leaf hashes are compared with the rebuilt ones and every difference is
//     reported; the rebuilt ones are used and written back.
// Cost: hashing the kept checkpoints, plus replaying the segments whose leaves have no
// checkpoint (all of them when K = 1 and checkpointInterval > 1, none when every leaf step
// has a checkpoint). Losses of segments not replayed come from the index; they are only
// reported (trainLoss, divergence), never committed.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep } from '../reproducible-ops/hash-schedule.ts';
import { hex0x, type CheckpointEntry, type CheckpointStore, type RunProgress } from './checkpoint.ts';

export interface VerifiedResume {
  progress: RunProgress; // the rebuilt history at the resume point (init when nothing usable)
  resumedFrom: CheckpointEntry | null; // null: no usable checkpoint, replayed from init
  problems: string[]; // one line each: skipped checkpoints, listed hashes that were wrong
}

interface Schedule {
  T: number;
  K: number;
}

/** The verified history at the latest usable checkpoint <= maxStep; null when the index lists none. */
export function resumeVerified(store: CheckpointStore, engine: Engine, maxStep: number, { T, K }: Schedule): VerifiedResume | null {
  const entries = store.checkpoints.filter((c) => c.step <= maxStep).sort((a, b) => a.step - b.step);
  if (entries.length === 0) return null;
  const problems: string[] = [];
  const bad: number[] = [];
  const listed = store.listed;
  let cur = engine.init();
  const run: RunProgress = { state: cur, stateHashes: [hex0x(engine.stateHash(cur))], losses: [] };
  let resumedFrom: CheckpointEntry | null = null;
  // One checkpoint in memory at a time: a long run keeps many.
  for (const entry of entries) {
    if (entry.step <= cur.step) continue; // a step-0 or repeated entry adds nothing to the history
    const loaded = store.tryLoad(entry);
    if ('problem' in loaded) {
      problems.push(loaded.problem);
      bad.push(entry.step);
      continue;
    }
    const { state } = loaded;
    const needsReplay = hasLeafBetween(cur.step, entry.step, T, K) || !lossesUsable(listed.losses, cur.step, entry.step);
    if (needsReplay) {
      const from = cur.step;
      cur = replay(engine, run, entry.step, T, K);
      const got = isLeafStep(entry.step, T, K) ? run.stateHashes.at(-1)! : hex0x(engine.stateHash(cur));
      if (got !== entry.stateHash) {
        problems.push(`${store.path(entry)}: a replay from step ${from} gives state hash ${got}, the checkpoint has ${entry.stateHash}; using the replay`);
        bad.push(entry.step);
        continue;
      }
    } else {
      run.losses.push(...listed.losses.slice(cur.step, entry.step));
      if (isLeafStep(entry.step, T, K)) run.stateHashes.push(entry.stateHash);
    }
    run.state = cur = state;
    resumedFrom = entry;
  }
  run.state = cur;
  problems.push(...compareListed(listed.stateHashes, run.stateHashes, store.dir));
  if (problems.length) store.repair(run, bad);
  return { progress: run, resumedFrom: resumedFrom && resumedFrom.step === cur.step ? resumedFrom : null, problems };
}

/** Whether a leaf step lies strictly between `from` and `to` (it then has no checkpoint to come from). */
function hasLeafBetween(from: number, to: number, T: number, K: number): boolean {
  for (let t = from + 1; t < to; t++) if (isLeafStep(t, T, K)) return true;
  return false;
}

function lossesUsable(losses: readonly number[], from: number, to: number): boolean {
  return losses.length >= to && losses.slice(from, to).every((l) => typeof l === 'number');
}

/** Step `run` from its state to `to`, hashing at leaf steps; returns the new state. */
function replay(engine: Engine, run: RunProgress, to: number, T: number, K: number): TrainState {
  let s = run.state;
  while (s.step < to) {
    const r = engine.step(s);
    s = r.state;
    run.losses.push(r.loss);
    if (isLeafStep(s.step, T, K)) run.stateHashes.push(hex0x(engine.stateHash(s)));
  }
  run.state = s;
  return s;
}

/** One line for listed leaf hashes that differ from the rebuilt ones (the first one named). */
function compareListed(listed: readonly string[], rebuilt: string[], dir: string): string[] {
  const wrong = rebuilt.map((h, i) => i).filter((i) => listed[i] !== undefined && listed[i] !== rebuilt[i]);
  if (wrong.length === 0) return [];
  const i = wrong[0];
  return [`${dir}/index.json: ${wrong.length} listed state hash(es) differ from the recomputed ones (first: leaf ${i}, listed ${listed[i]}, recomputed ${rebuilt[i]}); using the recomputed hashes`];
}

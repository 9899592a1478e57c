// Checkpoints of a training run in DIR/checkpoints/:
//   <step>.bin   the state after `step` steps: every slot (params, then optimizer slots)
//                as float32 little-endian, concatenated in slot order
//   index.json   job hash, slot layout, hash interval K, the checkpoints with their state
//                hashes, the committed (leaf) state hashes H0, HK, H2K, ... up to the latest
//                checkpoint k (every H[t] when K = 1) and the losses of steps 0..k-1, so a
//                resumed run reports the same stateRoot and trainLoss.
// A checkpoint's own state hash is recorded even when its step is not a leaf step, so loading
// recomputes it and a corrupt, missing or foreign checkpoint is never used (jobs/resume.ts
// falls back to an earlier one and recomputes the listed leaf hashes). After each save the
// checkpoints a KeepPolicy (jobs/resources.ts) does not keep are deleted.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep, lastLeaf, leafOfStep } from '../reproducible-ops/hash-schedule.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import { z } from 'zod';
import { UserError } from './errors.ts';
import type { KeepPolicy } from './resources.ts';
import { formatIssues } from './spec.ts';
import { writeAtomic } from './tfjs-model.ts';

export const CHECKPOINT_FORMAT = 'optrain-checkpoints-1';

export interface CheckpointEntry {
  step: number;
  stateHash: string; // 0x-prefixed hex
  file: string; // relative to the checkpoints directory
}

export interface CheckpointIndex {
  format: typeof CHECKPOINT_FORMAT;
  jobHash: string;
  opsetVersion: string;
  slots: { name: string; shape: number[] }[];
  numSteps?: number; // T of the job (absent in indexes written before hash intervals: K = 1 there)
  hashInterval?: number; // K
  checkpoints: CheckpointEntry[];
  stateHashes: string[]; // the leaf hashes H[0], H[K], ... with step <= the latest checkpoint
  losses: number[]; // loss of step 0 .. latest - 1
}

/** A run's history up to some step: the state and everything needed to report on it. */
export interface RunProgress {
  state: TrainState;
  stateHashes: string[]; // leaf hashes of the steps done so far (reproducible-ops/hash-schedule.ts)
  losses: number[];
}

/** How many leaf hashes a run that has done `step` of T steps has computed: leaves 0..floor(step/K), and leaf M at T. */
export function leavesThrough(step: number, T: number, K: number): number {
  return step === T ? lastLeaf(T, K) + 1 : Math.floor(step / K) + 1;
}

/** The index of H[step] in a run's leaf hashes, or -1 if step is not a leaf step. */
export function leafIndexOf(step: number, T: number, K: number): number {
  return isLeafStep(step, T, K) ? leafOfStep(step, T, K) : -1;
}

const HASH = z.string().regex(/^0x[0-9a-f]{64}$/, { error: 'expected 0x and 64 hex digits' });
const STEP = z.int({ error: 'expected a step number' }).min(0, { error: 'expected a step number' });
// Only what is used is checked: hashes and files are verified against the checkpoints and by replay.
const indexShape = z.object({
  jobHash: HASH,
  numSteps: z.int().positive().optional(),
  hashInterval: z.int().positive().optional(),
  checkpoints: z.array(z.object({ step: STEP, stateHash: HASH, file: z.string().regex(/^[0-9]+\.bin$/, { error: 'expected <step>.bin' }) })),
  stateHashes: z.array(HASH),
  losses: z.array(z.number().nullable()),
});

export const hex0x = (b: Buffer): string => `0x${b.toString('hex')}`;

export class CheckpointStore {
  readonly dir: string;
  private index: CheckpointIndex;

  /** `schedule` (the job's T and K) is needed to write a fresh index; reading an existing one takes them from it. */
  /** `keep`: which checkpoints to keep after each save (default: all; see jobs/resources.ts KeepPolicy). */
  constructor(outDir: string, private readonly engine: Engine, jobHash: string, opsetVersion: string, schedule?: { numSteps: number; hashInterval: number }, private readonly keep?: KeepPolicy) {
    this.dir = join(outDir, 'checkpoints');
    const indexPath = join(this.dir, 'index.json');
    const fresh: CheckpointIndex = { format: CHECKPOINT_FORMAT, jobHash, opsetVersion, slots: this.slotLayout(), ...schedule, checkpoints: [], stateHashes: [], losses: [] };
    this.index = existsSync(indexPath) ? this.readIndex(indexPath) : fresh;
    if (this.index.jobHash !== jobHash)
      throw new UserError(`${outDir} holds checkpoints of job ${this.index.jobHash}, not of this job (${jobHash}); use another --out directory`);
  }

  private slotLayout(): { name: string; shape: number[] }[] {
    return this.engine.slotShapes.map((s, i) => ({ name: this.engine.slotName(i), shape: [...s] }));
  }

  private readIndex(path: string): CheckpointIndex {
    let idx: CheckpointIndex;
    try {
      idx = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new UserError(`${path}: unreadable checkpoint index (${(e as Error).message}); delete the directory to start over`);
    }
    if (idx?.format !== CHECKPOINT_FORMAT) throw new UserError(`${path}: unknown checkpoint format ${JSON.stringify(idx?.format)} (expected "${CHECKPOINT_FORMAT}")`);
    const r = indexShape.safeParse(idx);
    if (!r.success) throw new UserError(`${path}: malformed checkpoint index: ${formatIssues(r.error.issues, idx, 'index')}; delete the directory to start over`);
    // JSON has no NaN: a non-finite loss was written as null.
    return { ...idx, losses: idx.losses.map((l) => (l === null ? NaN : l)) };
  }

  get checkpoints(): readonly CheckpointEntry[] {
    return this.index.checkpoints;
  }

  /** Where checkpoint files live, for messages. */
  path(entry: CheckpointEntry): string {
    return join(this.dir, entry.file);
  }

  /** The index's leaf hashes and losses as written (unverified: see jobs/resume.ts). */
  get listed(): { stateHashes: readonly string[]; losses: readonly number[] } {
    return { stateHashes: this.index.stateHashes, losses: this.index.losses };
  }

  /**
   * The latest checkpoint at or before `maxStep` whose file verifies against its state hash,
   * with the index's history before it (unverified: for replays that report their own
   * hashes, like `trace`); broken checkpoints are skipped and reported to `onSkip`.
   */
  latest(maxStep: number, onSkip?: (problem: string) => void): RunProgress | null {
    const entries = this.index.checkpoints.filter((c) => c.step <= maxStep);
    for (let i = entries.length - 1; i >= 0; i--) {
      const r = this.tryLoad(entries[i]);
      if ('problem' in r) {
        onSkip?.(r.problem);
        continue;
      }
      const { step } = entries[i];
      return { state: r.state, stateHashes: this.index.stateHashes.slice(0, this.leaves(step)), losses: this.index.losses.slice(0, step) };
    }
    return null;
  }

  private schedule(): { T: number; K: number } {
    const { numSteps, hashInterval } = this.index;
    if (numSteps === undefined || hashInterval === undefined) throw new Error(`${this.dir}: checkpoint index without numSteps/hashInterval`);
    return { T: numSteps, K: hashInterval };
  }

  private leaves(step: number): number {
    if (this.index.hashInterval === undefined) return step + 1; // written before hash intervals: every step was hashed
    const { T, K } = this.schedule();
    return leavesThrough(step, T, K);
  }

  /** Where H[step] sits in the index's leaf hashes (-1: not a leaf step). */
  private leafIndex(step: number): number {
    if (this.index.hashInterval === undefined) return step;
    const { T, K } = this.schedule();
    return leafIndexOf(step, T, K);
  }

  /**
   * A checkpoint's state, verified: the file exists, has the slot layout's size and hashes to
   * the state hash its entry lists. (The listed leaf hashes are checked by jobs/resume.ts, so
   * an edited leaf list is reported as such, not as a corrupt checkpoint.)
   */
  tryLoad(entry: CheckpointEntry): { state: TrainState } | { problem: string } {
    const path = this.path(entry);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      return { problem: `${path}: checkpoint listed in index.json cannot be read (${(e as NodeJS.ErrnoException).code ?? e})` };
    }
    const shapes = this.engine.slotShapes;
    const total = shapes.reduce((a, s) => a + numel(s), 0);
    if (bytes.length !== total * 4) return { problem: `${path}: expected ${total * 4} bytes (${total} float32 values), got ${bytes.length}; the checkpoint is corrupt` };
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    let off = 0;
    const tensors = shapes.map((s) => {
      const t = all.slice(off, off + numel(s));
      off += numel(s);
      return t;
    });
    const state = { step: entry.step, tensors };
    const got = hex0x(this.engine.stateHash(state));
    if (got !== entry.stateHash)
      return { problem: `${path}: state hash ${got} does not match the index (${entry.stateHash}); the checkpoint is corrupt` };
    return { state };
  }

  /**
   * Replace the index's history with a verified one (see jobs/resume.ts) and drop the entries
   * of checkpoints that failed verification, so a wrong hash is not read back again.
   */
  repair(progress: RunProgress, badSteps: number[]): void {
    const bad = new Set(badSteps);
    this.index = {
      ...this.index,
      checkpoints: this.index.checkpoints.filter((c) => !bad.has(c.step)),
      stateHashes: progress.stateHashes,
      losses: progress.losses,
    };
    mkdirSync(this.dir, { recursive: true });
    writeAtomic(join(this.dir, 'index.json'), JSON.stringify(this.index) + '\n');
  }

  /** Write the state (after `progress.state.step` steps, whose state hash is `stateHash`) and update the index atomically. */
  save(progress: RunProgress, stateHash: string): void {
    const { state } = progress;
    mkdirSync(this.dir, { recursive: true });
    const file = `${state.step}.bin`;
    writeAtomic(join(this.dir, file), Buffer.concat(state.tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))));
    const entry = { step: state.step, stateHash, file };
    const kept = this.index.checkpoints.filter((c) => c.step < state.step);
    // Later checkpoints came from a longer run of the same job; keep their history too.
    const later = this.index.checkpoints.filter((c) => c.step > state.step);
    const longer = later.length > 0 && this.index.stateHashes.length > progress.stateHashes.length;
    this.index = {
      ...this.index,
      checkpoints: [...kept, entry, ...later],
      stateHashes: longer ? this.index.stateHashes : progress.stateHashes,
      losses: longer ? this.index.losses : progress.losses,
    };
    writeAtomic(join(this.dir, 'index.json'), JSON.stringify(this.index) + '\n');
    if (this.keep) this.prune(this.keep);
  }

  /**
   * Delete the checkpoints the policy does not keep: the index is rewritten first, so it never
   * lists a deleted file (a crash in between leaves an unlisted file, which is harmless).
   */
  private prune(keep: KeepPolicy): void {
    const all = this.index.checkpoints;
    const latest = new Set(all.slice(-Math.max(1, keep.latest)).map((c) => c.step));
    const drop = all.filter((c) => !latest.has(c.step) && !(keep.leaves && this.leafIndex(c.step) >= 0));
    if (drop.length === 0) return;
    this.index = { ...this.index, checkpoints: all.filter((c) => !drop.includes(c)) };
    writeAtomic(join(this.dir, 'index.json'), JSON.stringify(this.index) + '\n');
    for (const c of drop) rmSync(this.path(c), { force: true });
  }
}

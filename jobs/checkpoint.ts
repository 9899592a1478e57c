// Checkpoints of a training run in DIR/checkpoints/:
//   <step>.bin   the state after `step` steps: every slot (params, then optimizer slots)
//                as float32 little-endian, concatenated in slot order
//   index.json   job hash, slot layout, hash interval K, the checkpoints with their state
//                hashes, the committed (leaf) state hashes H0, HK, H2K, ... up to the latest
//                checkpoint k (every H[t] when K = 1) and the losses of steps 0..k-1, so a
//                resumed run reports the same stateRoot and trainLoss.
// A checkpoint's own state hash is recorded even when its step is not a leaf step, so loading
// recomputes it and a corrupt or foreign checkpoint is refused.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep, lastLeaf, leafOfStep } from '../reproducible-ops/hash-schedule.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import { UserError } from './errors.ts';
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

export const hex0x = (b: Buffer): string => `0x${b.toString('hex')}`;

export class CheckpointStore {
  readonly dir: string;
  private index: CheckpointIndex;

  /** `schedule` (the job's T and K) is needed to write a fresh index; reading an existing one takes them from it. */
  constructor(outDir: string, private readonly engine: Engine, jobHash: string, opsetVersion: string, schedule?: { numSteps: number; hashInterval: number }) {
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
    if (idx.format !== CHECKPOINT_FORMAT) throw new UserError(`${path}: unknown checkpoint format ${JSON.stringify(idx.format)} (expected "${CHECKPOINT_FORMAT}")`);
    return idx;
  }

  get checkpoints(): readonly CheckpointEntry[] {
    return this.index.checkpoints;
  }

  /** The latest checkpoint at or before `maxStep`, verified against its state hash; null if none. */
  latest(maxStep: number): RunProgress | null {
    const entry = this.index.checkpoints.filter((c) => c.step <= maxStep).at(-1);
    if (!entry) return null;
    const state = this.load(entry);
    return { state, stateHashes: this.index.stateHashes.slice(0, this.leaves(entry.step)), losses: this.index.losses.slice(0, entry.step) };
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

  private load(entry: CheckpointEntry): TrainState {
    const path = join(this.dir, entry.file);
    const bytes = readFileSync(path);
    const shapes = this.engine.slotShapes;
    const total = shapes.reduce((a, s) => a + numel(s), 0);
    if (bytes.length !== total * 4) throw new UserError(`${path}: expected ${total * 4} bytes (${total} float32 values), got ${bytes.length}`);
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    let off = 0;
    const tensors = shapes.map((s) => {
      const t = all.slice(off, off + numel(s));
      off += numel(s);
      return t;
    });
    const state = { step: entry.step, tensors };
    const got = hex0x(this.engine.stateHash(state));
    const leaf = this.leafIndex(entry.step);
    if (got !== entry.stateHash || (leaf >= 0 && got !== this.index.stateHashes[leaf]))
      throw new UserError(`${path}: state hash ${got} does not match the index (${entry.stateHash}); the checkpoint is corrupt, delete it`);
    return state;
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
  }
}

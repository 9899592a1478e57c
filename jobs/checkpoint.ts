// Checkpoints of a training run in DIR/checkpoints/:
//   <step>.bin   the state after `step` steps: every slot (params, then optimizer slots)
//                as float32 little-endian, concatenated in slot order
//   index.json   job hash, slot layout, the checkpoints with their state hashes, and the
//                per-step state hashes [H0..Hk] and losses of steps 0..k-1 up to the latest
//                checkpoint k, so a resumed run reports the same stateRoot and trainLoss.
// Loading recomputes the state hash, so a corrupt or foreign checkpoint is refused.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
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
  checkpoints: CheckpointEntry[];
  stateHashes: string[]; // H0 (after init) .. H(latest checkpoint)
  losses: number[]; // loss of step 0 .. latest - 1
}

/** A run's history up to some step: the state and everything needed to report on it. */
export interface RunProgress {
  state: TrainState;
  stateHashes: string[];
  losses: number[];
}

export const hex0x = (b: Buffer): string => `0x${b.toString('hex')}`;

export class CheckpointStore {
  readonly dir: string;
  private index: CheckpointIndex;

  constructor(outDir: string, private readonly engine: Engine, jobHash: string, opsetVersion: string) {
    this.dir = join(outDir, 'checkpoints');
    const indexPath = join(this.dir, 'index.json');
    const fresh: CheckpointIndex = { format: CHECKPOINT_FORMAT, jobHash, opsetVersion, slots: this.slotLayout(), checkpoints: [], stateHashes: [], losses: [] };
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
    return { state, stateHashes: this.index.stateHashes.slice(0, entry.step + 1), losses: this.index.losses.slice(0, entry.step) };
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
    if (got !== entry.stateHash || got !== this.index.stateHashes[entry.step])
      throw new UserError(`${path}: state hash ${got} does not match the index (${entry.stateHash}); the checkpoint is corrupt, delete it`);
    return state;
  }

  /** Write the state (after `progress.state.step` steps) and update the index atomically. */
  save(progress: RunProgress): void {
    const { state } = progress;
    mkdirSync(this.dir, { recursive: true });
    const file = `${state.step}.bin`;
    writeAtomic(join(this.dir, file), Buffer.concat(state.tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))));
    const entry = { step: state.step, stateHash: progress.stateHashes[state.step], file };
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

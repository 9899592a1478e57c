// A training run's checkpoints in a content-addressed blob store:
//   state blob     every slot (params, then optimizer slots) as float32 little-endian,
//                  concatenated in slot order (the layout of jobs/checkpoint.ts)
//   run manifest   canonical JSON: slot layout, the hash interval K, the committed (leaf) state
//                  hashes H[0], H[K], H[2K], ... up to the newest checkpoint k (H[T] last once
//                  done; every H[t] when K = 1), the checkpoints (step, own state hash, blob
//                  hash; a checkpoint need not be at a leaf step) and, once training is done,
//                  the commitment
// A pointer to the newest manifest lives in Redis; resuming verifies the manifest and the
// state blob by hash and recomputes the state hash, so a corrupt or foreign checkpoint is
// refused, never trained on.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import { canonicalJson } from '../jobs/canonical.ts';
import { hex0x, leafIndexOf, leavesThrough } from '../jobs/checkpoint.ts';

export const RUN_MANIFEST_FORMAT = 'optrain-run-1';

/** Anything that stores and returns verified blobs (local BlobStore, remote server...). */
export interface BlobIO {
  put(bytes: Uint8Array): Promise<string>;
  get(hash: string): Promise<Buffer>;
}

export interface CheckpointRef {
  step: number;
  stateHash: string; // 0x-hex H[step] (committed only if step is a leaf step)
  blob: string; // sha256 hex of the state blob
}

export interface RunResult {
  stepsRoot: string; // merkleRoot over the M + 1 leaf hashes
  finalStateHash: string; // H[T], the last leaf
  finalModelHash: string; // as committed (a kind=final tamper commits a wrong one)
}

export interface RunManifest {
  format: typeof RUN_MANIFEST_FORMAT;
  jobHash: string;
  slots: { name: string; shape: number[] }[];
  numSteps: number; // T
  hashInterval: number; // K (reproducible-ops/hash-schedule.ts)
  step: number; // newest checkpoint
  stateHashes: string[]; // leaf hashes H[leafStep(m)] for every leaf step <= step; M + 1 of them once done
  losses: number[]; // losses of steps 0..step-1
  checkpoints: CheckpointRef[];
  result?: RunResult;
  /** [step, loss] on held-out samples at checkpoint steps (informational: not committed, not verified). */
  valLosses?: [number, number | null][];
}

export interface RunProgress {
  state: TrainState;
  stateHashes: string[]; // leaf hashes so far
  losses: number[];
}

export function encodeState(state: TrainState): Buffer {
  return Buffer.concat(state.tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));
}

/** Size of an encoded state (a checkpoint blob): 4 bytes per float32 of every slot. */
export function encodedStateBytes(engine: Engine): number {
  return engine.slotShapes.reduce((a, s) => a + numel(s), 0) * 4;
}

export function decodeState(bytes: Buffer, engine: Engine, step: number, where: string): TrainState {
  const shapes = engine.slotShapes;
  const total = encodedStateBytes(engine) / 4;
  if (bytes.length !== total * 4) throw new Error(`${where}: expected ${total * 4} bytes (${total} float32 values), got ${bytes.length}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let off = 0;
  const tensors = shapes.map((s) => {
    const t = all.slice(off, off + numel(s));
    off += numel(s);
    return t;
  });
  return { step, tensors };
}

export function emptyManifest(engine: Engine, numSteps: number, hashInterval = 1): RunManifest {
  return {
    format: RUN_MANIFEST_FORMAT,
    jobHash: hex0x(engine.setup.specHash),
    slots: engine.slotShapes.map((s, i) => ({ name: engine.slotName(i), shape: [...s] })),
    numSteps,
    hashInterval,
    step: -1,
    stateHashes: [],
    losses: [],
    checkpoints: [],
  };
}

/** Store the run's current state (whose hash is `stateHash`) as a checkpoint; returns the new manifest and its hash. */
export async function saveCheckpoint(blobs: BlobIO, prev: RunManifest, run: RunProgress, stateHash: string, result?: RunResult): Promise<{ manifest: RunManifest; hash: string }> {
  const step = run.state.step;
  const blob = await blobs.put(encodeState(run.state));
  const manifest: RunManifest = {
    ...prev,
    step,
    stateHashes: run.stateHashes.slice(0, leavesThrough(step, prev.numSteps, prev.hashInterval)),
    losses: run.losses.slice(0, step),
    checkpoints: [...prev.checkpoints.filter((c) => c.step < step), { step, stateHash, blob }],
    ...(result ? { result } : {}),
  };
  const hash = await blobs.put(Buffer.from(canonicalJson(manifest)));
  return { manifest, hash };
}

export async function loadManifest(blobs: BlobIO, hash: string): Promise<RunManifest> {
  const bytes = await blobs.get(hash);
  let m: RunManifest;
  try {
    m = JSON.parse(bytes.toString('utf8')) as RunManifest;
  } catch (e) {
    throw new Error(`run manifest ${hash}: not JSON (${(e as Error).message})`);
  }
  if (m.format !== RUN_MANIFEST_FORMAT) throw new Error(`run manifest ${hash}: format ${JSON.stringify(m.format)}, expected "${RUN_MANIFEST_FORMAT}"`);
  // Manifests written before hash intervals hashed every step.
  return m.hashInterval === undefined ? { ...m, hashInterval: 1 } : m;
}

/** The state of checkpoint `ref`, verified: blob hash (by BlobIO) and recomputed state hash. */
export async function loadCheckpointState(blobs: BlobIO, ref: CheckpointRef, engine: Engine): Promise<TrainState> {
  const state = decodeState(await blobs.get(ref.blob), engine, ref.step, `checkpoint blob ${ref.blob}`);
  const got = hex0x(engine.stateHash(state));
  if (got !== ref.stateHash) throw new Error(`checkpoint blob ${ref.blob} (step ${ref.step}): state hash ${got} does not match the manifest's ${ref.stateHash}`);
  return state;
}

/** Resume point of a manifest: its newest checkpoint's state and the history before it. */
export async function restoreRun(blobs: BlobIO, m: RunManifest, engine: Engine): Promise<RunProgress> {
  if (m.jobHash !== hex0x(engine.setup.specHash)) throw new Error(`run manifest belongs to job ${m.jobHash}, not ${hex0x(engine.setup.specHash)}`);
  const ref = m.checkpoints.find((c) => c.step === m.step);
  if (!ref) throw new Error(`run manifest lists no checkpoint for its step ${m.step}`);
  const state = await loadCheckpointState(blobs, ref, engine);
  const leaf = leafIndexOf(m.step, m.numSteps, m.hashInterval);
  if (m.stateHashes.length !== leavesThrough(m.step, m.numSteps, m.hashInterval))
    throw new Error(`run manifest: ${m.stateHashes.length} leaf hashes for a run at step ${m.step}, expected ${leavesThrough(m.step, m.numSteps, m.hashInterval)} (hashInterval ${m.hashInterval})`);
  if (leaf >= 0 && m.stateHashes[leaf] !== ref.stateHash) throw new Error(`run manifest: H[${m.step}] ${m.stateHashes[leaf]} differs from its checkpoint's ${ref.stateHash}`);
  // Every other checkpoint at a leaf step must agree with its listed leaf hash too (the manifest
  // is content-addressed, so this catches a manifest written wrong, not one edited on disk).
  for (const c of m.checkpoints) {
    const l = c.step <= m.numSteps ? leafIndexOf(c.step, m.numSteps, m.hashInterval) : -1;
    if (l >= 0 && l < m.stateHashes.length && m.stateHashes[l] !== c.stateHash)
      throw new Error(`run manifest: H[${c.step}] ${m.stateHashes[l]} differs from its checkpoint's ${c.stateHash}`);
  }
  return { state, stateHashes: m.stateHashes.slice(), losses: m.losses.slice() };
}

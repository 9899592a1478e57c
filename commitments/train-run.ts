// The solver's training loop: init or resume from the newest checkpoint, run the steps
// (with the tamper plan, if any), record the committed state hashes (H[t] at the leaf steps
// t = 0, K, 2K, ..., T of the job's hashInterval K; hashing is the costly part of a fast step,
// so no other step is hashed except for a checkpoint's own entry), checkpoint every
// `checkpointInterval` steps and at the end, and produce the commitment.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep } from '../reproducible-ops/hash-schedule.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { emptyManifest, loadManifest, restoreRun, saveCheckpoint, type BlobIO, type RunManifest, type RunProgress, type RunResult } from './run-store.ts';
import { leavesThrough } from '../jobs/checkpoint.ts';
import { planStep, type TamperPlan } from './tamper-hooks.ts';

/** Where the hash of the newest run manifest is kept (Redis in the solver; memory in tests). */
export interface HeadPointer {
  load(): Promise<string | null>;
  save(manifestHash: string): Promise<void>;
}

export interface RunOptions {
  engine: Engine;
  plan: TamperPlan;
  numSteps: number;
  checkpointInterval: number;
  hashInterval?: number; // K, default 1 (every step)
  blobs: BlobIO;
  head: HeadPointer;
  /** Called after every step; awaited, so it is also where the event loop gets a turn. */
  onStep?: (step: number, loss: number) => Promise<void> | void;
  /** A stored checkpoint or manifest that failed verification and was recomputed instead (one line each). */
  onProblem?: (problem: string) => void;
  /** Validation loss of a state, published in the manifest at every checkpoint (explorers plot it). */
  validate?: (state: TrainState) => number;
}

export interface RunOutcome {
  result: RunResult;
  manifestHash: string;
  manifest: RunManifest;
  resumedFromStep: number; // 0 when the run started from scratch
}

export function stepsRootOf(stateHashes: string[]): string {
  return hex0x(merkleRoot(stateHashes.map((h) => Buffer.from(h.slice(2), 'hex'))));
}

export async function runTraining(o: RunOptions): Promise<RunOutcome> {
  const K = o.hashInterval ?? 1;
  const found = await resumePoint(o, K);
  if ('result' in found) return found.result;
  let { manifest, run } = found;
  let manifestHash = found.manifestHash;
  if (!run) {
    const state = o.engine.init();
    run = { state, stateHashes: [hex0x(o.engine.stateHash(state))], losses: [] };
    ({ manifest, hash: manifestHash } = await saveCheckpoint(o.blobs, manifest, run, run.stateHashes[0]));
    await o.head.save(manifestHash);
  }
  const resumedFromStep = run.state.step;
  while (run.state.step < o.numSteps) {
    const { state, loss } = planStep(o.plan, run.state);
    run.state = state;
    run.losses.push(Number.isFinite(loss) ? loss : (null as unknown as number));
    const done = state.step;
    const leafHash = isLeafStep(done, o.numSteps, K) ? hex0x(o.engine.stateHash(state)) : null;
    if (leafHash) run.stateHashes.push(leafHash);
    const result = done === o.numSteps ? resultOf(o, run) : undefined;
    if (result || done % o.checkpointInterval === 0) {
      if (o.validate) manifest = withValLoss(manifest, done, o.validate(state));
      ({ manifest, hash: manifestHash } = await saveCheckpoint(o.blobs, manifest, run, leafHash ?? hex0x(o.engine.stateHash(state)), result));
      await o.head.save(manifestHash);
    }
    await o.onStep?.(done, loss);
  }
  return { result: manifest.result!, manifestHash, manifest, resumedFromStep };
}

function withValLoss(m: RunManifest, step: number, loss: number): RunManifest {
  const earlier = (m.valLosses ?? []).filter(([s]) => s < step); // a resumed run recomputes from its checkpoint on
  return { ...m, valLosses: [...earlier, [step, Number.isFinite(loss) ? loss : null]] };
}

type ResumePoint = { result: RunOutcome } | { manifest: RunManifest; manifestHash: string; run: RunProgress | null };

/**
 * Where a run starts: its finished result (verified), the newest checkpoint that verifies (with
 * the manifest cut back to it), or nothing (run: null, start from init). A stored manifest or
 * checkpoint that fails its hash checks (a corrupt file on disk) is reported and recomputed:
 * the run falls back to an earlier checkpoint and never trains on, or commits, unverified state.
 */
async function resumePoint(o: RunOptions, K: number): Promise<ResumePoint> {
  const fresh = { manifest: emptyManifest(o.engine, o.numSteps, K), manifestHash: '', run: null };
  const headHash = await o.head.load();
  if (!headHash) return fresh;
  let manifest: RunManifest;
  try {
    manifest = await loadManifest(o.blobs, headHash);
  } catch (e) {
    o.onProblem?.(`${(e as Error).message}; training from step 0`);
    return fresh;
  }
  if (manifest.hashInterval !== K || manifest.numSteps !== o.numSteps)
    throw new Error(`run manifest ${headHash} is of a run with numSteps ${manifest.numSteps} and hashInterval ${manifest.hashInterval}, not ${o.numSteps} and ${K}`);
  if (manifest.result) {
    try {
      return { result: { result: await verifiedResult(o, manifest), manifestHash: headHash, manifest, resumedFromStep: manifest.step } };
    } catch (e) {
      o.onProblem?.(`${(e as Error).message}; recomputing the result`);
    }
  }
  // newest first; a finished manifest that failed above is resumed before its last checkpoint
  const steps = manifest.checkpoints.map((c) => c.step).filter((t) => t <= manifest.step && !(manifest.result && t === manifest.step)).sort((a, b) => b - a);
  for (const step of steps) {
    const cut = cutTo(manifest, step);
    try {
      const run = await restoreRun(o.blobs, cut, o.engine);
      return { manifest: cut, manifestHash: step === manifest.step ? headHash : '', run };
    } catch (e) {
      o.onProblem?.(`${(e as Error).message}; trying an earlier checkpoint`);
    }
  }
  o.onProblem?.(`run manifest ${headHash}: no checkpoint verifies; training from step 0`);
  return fresh;
}

/** The manifest as it was when `step` was its newest checkpoint (no result). */
function cutTo(m: RunManifest, step: number): RunManifest {
  const { result: _done, ...rest } = m;
  return {
    ...rest,
    step,
    stateHashes: m.stateHashes.slice(0, leavesThrough(step, m.numSteps, m.hashInterval)),
    losses: m.losses.slice(0, step),
    checkpoints: m.checkpoints.filter((c) => c.step <= step),
  };
}

function resultOf(o: RunOptions, run: RunProgress): RunResult {
  const honestModel = o.engine.modelHash(run.state);
  return {
    stepsRoot: stepsRootOf(run.stateHashes),
    finalStateHash: run.stateHashes.at(-1)!, // leaf M = H[T]
    finalModelHash: hex0x(o.plan.committedModelHash(honestModel)),
  };
}

/**
 * A finished manifest's commitment, recomputed before it is committed again: the final
 * checkpoint is loaded and hashed (restoreRun), the stepsRoot is rebuilt from the listed leaf
 * hashes, so a result that does not follow from them is refused rather than committed.
 */
async function verifiedResult(o: RunOptions, m: RunManifest): Promise<RunResult> {
  const run = await restoreRun(o.blobs, m, o.engine);
  const again = resultOf(o, run);
  const stored = m.result!;
  for (const k of ['stepsRoot', 'finalStateHash', 'finalModelHash'] as const)
    if (again[k] !== stored[k]) throw new Error(`run manifest: its result's ${k} ${stored[k]} does not follow from its checkpoints and leaf hashes (recomputed ${again[k]})`);
  return again;
}

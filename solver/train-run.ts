// The solver's training loop: init or resume from the newest checkpoint, run the steps
// (with the tamper plan, if any), record the committed state hashes (H[t] at the leaf steps
// t = 0, K, 2K, ..., T of the job's hashInterval K; hashing is the costly part of a fast step,
// so no other step is hashed except for a checkpoint's own entry), checkpoint every
// `checkpointInterval` steps and at the end, and produce the commitment.
import type { Engine } from '../reproducible-ops/engine.ts';
import { isLeafStep } from '../reproducible-ops/hash-schedule.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { emptyManifest, loadManifest, restoreRun, saveCheckpoint, type BlobIO, type RunManifest, type RunProgress, type RunResult } from './run-store.ts';
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
  const headHash = await o.head.load();
  let manifest = headHash ? await loadManifest(o.blobs, headHash) : emptyManifest(o.engine, o.numSteps, K);
  if (headHash && (manifest.hashInterval !== K || manifest.numSteps !== o.numSteps))
    throw new Error(`run manifest ${headHash} is of a run with numSteps ${manifest.numSteps} and hashInterval ${manifest.hashInterval}, not ${o.numSteps} and ${K}`);
  if (headHash && manifest.result) return { result: await verifiedResult(o, manifest), manifestHash: headHash, manifest, resumedFromStep: manifest.step };
  let run: RunProgress;
  let manifestHash = headHash ?? '';
  if (headHash) run = await restoreRun(o.blobs, manifest, o.engine);
  else {
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
      ({ manifest, hash: manifestHash } = await saveCheckpoint(o.blobs, manifest, run, leafHash ?? hex0x(o.engine.stateHash(state)), result));
      await o.head.save(manifestHash);
    }
    await o.onStep?.(done, loss);
  }
  return { result: manifest.result!, manifestHash, manifest, resumedFromStep };
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

// The solver's training loop: init or resume from the newest checkpoint, run the steps
// (with the tamper plan, if any), record every state hash H[0..T], checkpoint every
// `checkpointInterval` steps and at the end, and produce the commitment.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { emptyManifest, loadManifest, restoreRun, saveCheckpoint, type BlobIO, type RunManifest, type RunProgress, type RunResult } from './run-store.ts';
import type { TamperPlan } from './tamper-hooks.ts';

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
  const headHash = await o.head.load();
  let manifest = headHash ? await loadManifest(o.blobs, headHash) : emptyManifest(o.engine, o.numSteps);
  if (headHash && manifest.result) return { result: manifest.result, manifestHash: headHash, manifest, resumedFromStep: manifest.step };
  let run: RunProgress;
  let manifestHash = headHash ?? '';
  if (headHash) run = await restoreRun(o.blobs, manifest, o.engine);
  else {
    const state = o.engine.init();
    run = { state, stateHashes: [hex0x(o.engine.stateHash(state))], losses: [] };
    ({ manifest, hash: manifestHash } = await saveCheckpoint(o.blobs, manifest, run));
    await o.head.save(manifestHash);
  }
  const resumedFromStep = run.state.step;
  while (run.state.step < o.numSteps) {
    const { state, loss } = advance(o, run.state);
    run.state = state;
    run.losses.push(Number.isFinite(loss) ? loss : (null as unknown as number));
    run.stateHashes.push(hex0x(o.engine.stateHash(state)));
    const done = state.step;
    const result = done === o.numSteps ? resultOf(o, run) : undefined;
    if (result || done % o.checkpointInterval === 0) {
      ({ manifest, hash: manifestHash } = await saveCheckpoint(o.blobs, manifest, run, result));
      await o.head.save(manifestHash);
    }
    await o.onStep?.(done, loss);
  }
  return { result: manifest.result!, manifestHash, manifest, resumedFromStep };
}

/** One step under the tamper plan; kind=skip still computes the step (for its loss) but keeps the old tensors. */
function advance(o: RunOptions, state: TrainState): { state: TrainState; loss: number } {
  const p = o.plan.forStep(state.step);
  const r = p.engine.step(state, p.transform);
  if (p.skip) return { state: { step: state.step + 1, tensors: state.tensors }, loss: r.loss };
  return r;
}

function resultOf(o: RunOptions, run: RunProgress): RunResult {
  const honestModel = o.engine.modelHash(run.state);
  return {
    stepsRoot: stepsRootOf(run.stateHashes),
    finalStateHash: run.stateHashes[o.numSteps],
    finalModelHash: hex0x(o.plan.committedModelHash(honestModel)),
  };
}

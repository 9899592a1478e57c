// How each solver tamper kind changes a training run. Everything is a pure function of the
// tamper spec and the step, so a crashed-and-resumed tampering worker produces the same
// (wrong) states as an uninterrupted one, and a dispute can be replayed from checkpoints.
import { Engine, type NodeTransform, type TrainState } from '../reproducible-ops/engine.ts';
import { runKernel } from '../reproducible-ops/backend/reference.ts';
import type { SolverTamper } from './tamper.ts';

export interface StepPlan {
  engine: Engine; // which engine computes this step (kind=lr swaps in a scaled-lr engine)
  transform?: NodeTransform; // per-node output rewrite (flip, batch)
  skip: boolean; // kind=skip: the state after the step is the state before it
}

export class TamperPlan {
  private readonly scaled?: Engine;

  constructor(private readonly base: Engine, readonly tamper?: SolverTamper) {
    if (tamper?.kind === 'lr') {
      const o = base.setup.optimizer;
      this.scaled = new Engine({ ...base.setup, optimizer: { ...o, learningRate: o.learningRate * tamper.scale } }, base.backend);
    }
  }

  /** How to run engine step `step` (0-based: turns H[step] into H[step + 1]). */
  forStep(step: number): StepPlan {
    const t = this.tamper;
    const honest: StepPlan = { engine: this.base, skip: false };
    if (!t) return honest;
    switch (t.kind) {
      case 'flip':
        return step === t.step ? { ...honest, transform: flipTransform(t.op, t.elem, t.bit) } : honest;
      case 'batch':
        return step === t.step ? { ...honest, transform: otherBatchTransform(this.base) } : honest;
      case 'skip':
        return { ...honest, skip: step === t.step };
      case 'lr':
        return step >= t.from ? { ...honest, engine: this.scaled! } : honest;
      default:
        return honest;
    }
  }

  /** The model hash to commit: kind=final commits one that does not match the last state. */
  committedModelHash(honest: Buffer): Buffer {
    if (this.tamper?.kind !== 'final') return honest;
    const lie = Buffer.from(honest);
    lie[31] ^= 1;
    return lie;
  }

  /**
   * kind=withhold: the checkpoints a verifier needs to replay step S without recomputing from
   * scratch, i.e. the latest checkpoint at or before S (the run itself stays honest).
   */
  withheldCheckpoints(checkpointSteps: number[]): number[] {
    return withheldCheckpointSteps(this.tamper, checkpointSteps);
  }
}

/** One engine step under the plan; kind=skip still computes the step (for its loss) but keeps the old tensors. */
export function planStep(plan: TamperPlan, state: TrainState): { state: TrainState; loss: number } {
  const p = plan.forStep(state.step);
  const r = p.engine.step(state, p.transform);
  if (p.skip) return { state: { step: state.step + 1, tensors: state.tensors }, loss: r.loss };
  return r;
}

/** See TamperPlan.withheldCheckpoints (usable without an engine). */
export function withheldCheckpointSteps(tamper: SolverTamper | undefined, checkpointSteps: number[]): number[] {
  if (tamper?.kind !== 'withhold') return [];
  const before = checkpointSteps.filter((s) => s <= tamper.step);
  return before.length ? [Math.max(...before)] : [];
}

/** Flip bit `bit` of element `elem` of node `op`'s output (on a copy: outputs may alias). */
export function flipTransform(op: number, elem: number, bit: number): NodeTransform {
  return (i, _n, out) => {
    if (i !== op) return out;
    const copy = out.slice();
    const u = new Uint32Array(copy.buffer, copy.byteOffset, copy.length);
    u[elem] = (u[elem] ^ (1 << bit)) >>> 0;
    return copy;
  };
}

/** Feed the step the batch of the next step (x and y, or a GPT's input and target windows, so they still match). */
export function otherBatchTransform(engine: Engine): NodeTransform {
  const { seed } = engine.setup;
  return (_i, n, out, step) => {
    if (n.op !== 'batch' && n.op !== 'token_windows') return out;
    const ds = engine.stepProgram.nodes[n.inputs[0]];
    return runKernel(engine.backend, n.op, { inputs: [engine.datasetData(ds.attrs[0])], inShapes: [ds.shape], outShape: n.shape, attrs: n.attrs, seed, step: step + 1 });
  };
}

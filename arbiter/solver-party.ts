// The solver's side of a dispute: its own run, as committed. States come from its checkpoints
// (verified by hash) and are replayed forward with the same tamper plan the training used, so a
// tampering solver defends exactly the lie it committed to:
//   flip / batch  the plan's node transform on the tampered step
//   lr            the scaled-learning-rate engine runs the kernels (same program structure)
//   skip          the copy nodes hand back the pre-state tensors, so the trace it posts is
//                 consistent with its post-state H[S+1] = tensors of H[S] (the game then finds
//                 a copy element that is not its input)
//   withhold      honest run, but silent once the game reaches data after the withheld checkpoint
//   final         honest run; revealFinal itself exposes the committed model hash
import { memoAsync } from './memo.ts';
import type { Engine, NodeTransform, TrainState } from '../reproducible-ops/engine.ts';
import { lastLeaf } from '../reproducible-ops/hash-schedule.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import type { BlobIO, RunManifest } from '../commitments/run-store.ts';
import type { SolverTamper } from '../commitments/tamper.ts';
import { TamperPlan, withheldCheckpointSteps } from '../commitments/tamper-hooks.ts';
import { intervalMids, leafHashAt, replayTo, stepWithPlan, type RunReplay } from '../commitments/interval.ts';
import type { DisputeDataSink } from './dispute-data.ts';
import type { GameState } from '../chain/game-state.ts';
import { leafOfPostHash, transitionsOfLeaf, type Schedule } from './interval.ts';
import type { DisputeParty } from './party.ts';
import { runTransition, slotRoots, type TransitionOptions, type TransitionRun } from './transition.ts';

const toBuf = (h: string) => Buffer.from(h.replace(/^0x/, ''), 'hex');

export interface SolverPartyOptions {
  engine: Engine;
  manifest: RunManifest; // the result manifest the commitment came from (stateHashes: the M + 1 leaf hashes)
  blobs: BlobIO; // holds the manifest's checkpoints
  tamper?: SolverTamper;
  sink?: DisputeDataSink;
}

export class SolverParty implements DisputeParty {
  readonly side = 'solver' as const;
  readonly engine: Engine;
  readonly sink?: DisputeDataSink;
  private readonly plan: TamperPlan;
  /** Transition j, recomputed once from this solver's state H[j-1] and checked against its commitment. */
  readonly transition: (j: number) => Promise<TransitionRun> = memoAsync((j) => this.record(j));
  private readonly sched: Schedule;

  constructor(private readonly o: SolverPartyOptions) {
    this.engine = o.engine;
    this.sink = o.sink;
    this.plan = new TamperPlan(o.engine, o.tamper);
    if (!o.manifest.result) throw new Error('solver dispute: the run manifest has no result (training did not finish)');
    this.sched = { numSteps: o.manifest.numSteps, hashInterval: o.manifest.hashInterval ?? 1 };
    const leaves = lastLeaf(this.sched.numSteps, this.sched.hashInterval) + 1;
    if (o.manifest.stateHashes.length !== leaves)
      throw new Error(`solver dispute: the run manifest lists ${o.manifest.stateHashes.length} state hashes, expected ${leaves} leaves (T = ${this.sched.numSteps}, hashInterval ${this.sched.hashInterval})`);
  }

  private get replay(): RunReplay {
    return { engine: this.engine, plan: this.plan, manifest: this.o.manifest, blobs: this.o.blobs };
  }

  async committedHashes(): Promise<Buffer[]> {
    return this.o.manifest.stateHashes.map(toBuf);
  }

  async schedule(): Promise<Schedule> {
    return this.sched;
  }

  /** The state after t steps: the newest checkpoint at or before t, replayed with the plan (leaves checked). */
  stateAt(t: number): Promise<TrainState> {
    return replayTo(this.replay, t);
  }

  /** H[lo+1..hi-1] of leaf m's interval, as this solver's (possibly tampered) run produced them. */
  async intervalMids(m: number): Promise<string[]> {
    return (await intervalMids(this.replay, m)).mids;
  }


  private async record(j: number): Promise<TransitionRun> {
    const pre = j === 0 ? null : await this.stateAt(j - 1);
    const run = runTransition(this.engine, j, pre && pre.tensors, j === 0 ? {} : this.viewOfStep(j - 1, pre!.tensors));
    // a leaf is committed; a state inside an interval is what postMids posted (the plan's step)
    const committed = leafHashAt(this.o.manifest, j) ?? hex0x(this.engine.stateHash(stepWithPlan(this.plan, pre!)));
    if (hex0x(run.stateHash) !== committed) throw new Error(`solver dispute: recomputed H[${j}] ${hex0x(run.stateHash)} is not the committed ${committed}`);
    return run;
  }

  /** How the solver ran engine step s, as a transition view. */
  private viewOfStep(s: number, pre: Float32Array[]): TransitionOptions {
    const p = this.plan.forStep(s);
    const transform: NodeTransform | undefined = p.skip ? this.copyPreState(pre) : p.transform;
    return { runner: p.engine === this.engine ? undefined : p.engine, transform };
  }

  /** kind=skip: every copy node outputs the pre-state tensor of its slot. */
  private copyPreState(pre: Float32Array[]): NodeTransform {
    const P = this.engine.params.length;
    return (_i, n, out) => (n.op === 'copy' ? pre[n.attrs[0] === 0 ? n.attrs[1] : P + n.attrs[1]] : out);
  }

  async finalRoots(): Promise<{ modelRoot: Buffer; optRoot: Buffer }> {
    const { tensors } = await this.stateAt(this.o.manifest.numSteps);
    const { modelSlots, optSlots } = slotRoots(this.engine, tensors);
    return { modelRoot: merkleRoot(modelSlots), optRoot: merkleRoot(optSlots) };
  }

  /** kind=withhold: once the game asks about a state after the withheld checkpoint, say nothing. */
  refusal(g: GameState): string | null {
    if (this.o.tamper?.kind !== 'withhold' || g.phase === 'AwaitFinal') return null;
    const [withheld] = withheldCheckpointSteps(this.o.tamper, this.o.manifest.checkpoints.map((c) => c.step));
    if (withheld === undefined) return null;
    // the latest state the move needs: the mids' last (hi - 1), else the disputed transition's pre-state
    const needs = g.phase === 'AwaitMids' ? this.midsNeed(g) : g.step - 1;
    if (needs < withheld) return null;
    return `kind=withhold: ${g.phase === 'AwaitMids' ? `the mids up to H[${needs}]` : `transition ${g.step}`} need the withheld checkpoint of step ${withheld}`;
  }

  private midsNeed(g: GameState): number {
    const m = leafOfPostHash(this.o.manifest.stateHashes, g.postHash, this.sched);
    return m === null ? -1 : transitionsOfLeaf(m, this.sched).hi - 1;
  }
}

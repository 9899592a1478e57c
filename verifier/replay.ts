// Replaying a committed run where the sample says so. The steps tree commits the leaves
// H[min(mK, T)] (K = the job's hashInterval; every state when K = 1). A sampled leaf m is checked
// by getting the committed state of leaf m - 1 as cheaply as possible (the newest checkpoint at or
// before it that the solver serves and that verifies, else the verifier's own last replayed leaf
// state, else the deterministic init program) and replaying its interval through leaf m. Every
// leaf passed on the way is compared with the commitment, so the first leaf whose interval does
// not reproduce is found even between samples. A checkpoint inside an interval is not committed
// itself: it is trusted only once its replay reaches the committed leaf that ends its interval.
// Checkpoints that are refused or fail verification are remembered as withheld and never asked
// for again.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep, lastLeaf, leafOfStep, leafStep } from '../reproducible-ops/hash-schedule.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import type { CheckpointRef } from '../commitments/run-store.ts';
import { fetchCheckpoint, type PublishedResult } from './result-data.ts';
import { breather } from './lanes.ts';

export type Fault =
  // replaying leaf m's interval from the committed leaf m - 1 does not give leaf m (m = 0: the init
  // program); `hash` is the replay's own H at leaf m (what a forced-error find reveals, §12)
  | { kind: 'leaf'; m: number; hash: string }
  | { kind: 'final-model'; modelRoot: string }; // H[T]'s model root is not finalModelHash

export interface CheckReport {
  sampled: number[]; // leaves
  fault: Fault | null;
  withheld: { step: number; error: string }[];
  replayedSteps: number;
}

type Reached = { state: TrainState } | { fault: number; hash: string };

export class Replayer {
  private readonly withheld = new Map<number, string>();
  private readonly served = new Set<number>(); // checkpoint steps fetched and verified
  private cur: TrainState | null = null; // newest replayed state at a leaf step, equal to its committed leaf
  private readonly T: number;
  private readonly K: number;
  private readonly breathe = breather();
  replayedSteps = 0;

  constructor(private readonly engine: Engine, private readonly result: PublishedResult) {
    this.T = result.schedule.numSteps;
    this.K = result.schedule.hashInterval;
  }

  get withheldCheckpoints(): { step: number; error: string }[] {
    return [...this.withheld].map(([step, error]) => ({ step, error }));
  }

  private leafStep(m: number): number {
    return leafStep(m, this.T, this.K);
  }

  /**
   * One replayed step (the verifier's own honest computation). A long replay makes way for the
   * event loop now and then, so the bot's dispute lane and stop() are not held up by it.
   */
  private async step(s: TrainState): Promise<TrainState> {
    await this.breathe();
    this.replayedSteps++;
    return this.engine.step(s).state;
  }

  /** Whether `s` is the committed state when its step is a leaf step (true inside an interval: nothing to compare). */
  private matchesLeaf(s: TrainState): boolean {
    if (!isLeafStep(s.step, this.T, this.K)) return true;
    return this.engine.stateHash(s).equals(this.result.hashes[leafOfStep(s.step, this.T, this.K)]);
  }

  /** Leaf 0: the init program must give H[0]. */
  checkInit(): boolean {
    const s = this.engine.init();
    if (!this.engine.stateHash(s).equals(this.result.hashes[0])) return false;
    if (!this.cur) this.cur = s;
    return true;
  }

  /** The committed state of leaf m (or the leaf whose interval leaves the commitment on the way). */
  async leafState(m: number): Promise<Reached> {
    const t = this.leafStep(m);
    const start = await this.startFor(t);
    if (!start) return { fault: 0, hash: hex0x(this.engine.stateHash(this.engine.init())) };
    let state: TrainState = start;
    while (state.step < t) {
      state = await this.step(state);
      if (!this.matchesLeaf(state)) return { fault: leafOfStep(state.step, this.T, this.K), hash: hex0x(this.engine.stateHash(state)) };
    }
    this.cur = state;
    return { state };
  }

  /**
   * The newest verified leaf state at or before leaf step t: from a served checkpoint, the last
   * replayed state or init. The newest checkpoint at or before t is always fetched once, even
   * when the verifier's own replay is already there: the sample also checks that the solver
   * serves the data a challenger of this interval would need.
   */
  private async startFor(t: number): Promise<TrainState | null> {
    const have = this.cur && this.cur.step <= t ? this.cur : null;
    const refs = this.result.manifest.checkpoints.filter((c) => c.step <= t && !this.withheld.has(c.step)).sort((a, b) => b.step - a.step);
    for (const [n, ref] of refs.entries()) {
      const useful = !have || ref.step > have.step;
      if (!useful && (n > 0 || this.served.has(ref.step))) break;
      const got = useful ? await this.checkpointLeafState(ref) : await fetchCheckpoint(this.result, ref, this.engine); // a serve check needs no replay
      if ('error' in got) {
        this.withheld.set(ref.step, got.error);
        continue;
      }
      this.served.add(ref.step);
      if (useful) return got.state;
      break;
    }
    if (have) return have;
    const init = this.engine.init();
    return this.engine.stateHash(init).equals(this.result.hashes[0]) ? init : null;
  }

  /** A checkpoint's state, or (inside an interval) its replay to the interval's end leaf, checked against that leaf. */
  private async checkpointLeafState(ref: CheckpointRef): Promise<{ state: TrainState } | { error: string }> {
    const got = await fetchCheckpoint(this.result, ref, this.engine);
    if ('error' in got || isLeafStep(ref.step, this.T, this.K)) return got;
    const m = leafOfStep(ref.step, this.T, this.K);
    let s = got.state;
    while (s.step < this.leafStep(m)) s = await this.step(s);
    if (this.matchesLeaf(s)) return { state: s };
    return { error: `checkpoint of step ${ref.step} replays to H[${s.step}] ${hex0x(this.engine.stateHash(s))}, not the committed leaf ${m} ${hex0x(this.result.hashes[m])}` };
  }

  /** Check the sampled leaves (each replayed over its interval from leaf m - 1) and the final model hash. */
  async check(sampled: number[], finalModelHash: string): Promise<CheckReport> {
    const report = (fault: Fault | null): CheckReport => ({ sampled, fault, withheld: this.withheldCheckpoints, replayedSteps: this.replayedSteps });
    for (const m of sampled) {
      if (m === 0) {
        if (!this.checkInit()) return report({ kind: 'leaf', m: 0, hash: hex0x(this.engine.stateHash(this.engine.init())) });
        continue;
      }
      const pre = await this.leafState(m - 1);
      if ('fault' in pre) return report({ kind: 'leaf', m: pre.fault, hash: pre.hash });
      let post = pre.state;
      while (post.step < this.leafStep(m)) post = await this.step(post);
      if (!this.matchesLeaf(post)) return report({ kind: 'leaf', m, hash: hex0x(this.engine.stateHash(post)) });
      this.cur = post;
    }
    const last = await this.leafState(lastLeaf(this.T, this.K));
    if ('fault' in last) return report({ kind: 'leaf', m: last.fault, hash: last.hash });
    const modelRoot = hex0x(this.engine.modelHash(last.state));
    if (modelRoot !== finalModelHash.toLowerCase()) return report({ kind: 'final-model', modelRoot });
    return report(null);
  }

  /** Tensors of the committed leaf m - 1 (H[lo]) that disputing leaf m starts from (null for m = 0). */
  async preStateFor(m: number): Promise<Float32Array[] | null> {
    if (m === 0) return null;
    const r = await this.leafState(m - 1);
    if ('fault' in r) throw new Error(`replaying towards leaf ${m - 1} (H[${this.leafStep(m - 1)}]) leaves the commitment at leaf ${r.fault}, before the disputed leaf ${m}`);
    return r.state.tensors;
  }
}

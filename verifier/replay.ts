// Replaying a committed run where the sample says so. A sampled transition j is checked by
// getting the committed state H[j-1] as cheaply as possible (the newest checkpoint at or before
// it that the solver serves and that verifies, else the verifier's own last replayed state, else
// the deterministic init program) and running the job's program on it. Every state on the way is
// compared with the committed H[t], so the first transition that does not reproduce its
// committed state is found even between samples. Checkpoints that are refused or fail
// verification are remembered as withheld and never asked for again.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { fetchCheckpoint, type PublishedResult } from './result-data.ts';

export type Fault =
  | { kind: 'transition'; j: number } // running transition j on H[j-1] does not give H[j]
  | { kind: 'final-model'; modelRoot: string }; // H[T]'s model root is not finalModelHash

export interface CheckReport {
  sampled: number[];
  fault: Fault | null;
  withheld: { step: number; error: string }[];
  replayedSteps: number;
}

type Reached = { state: TrainState } | { fault: number };

export class Replayer {
  private readonly withheld = new Map<number, string>();
  private readonly served = new Set<number>(); // checkpoint steps fetched and verified
  private cur: TrainState | null = null; // newest state known to equal its committed H[step]
  replayedSteps = 0;

  constructor(private readonly engine: Engine, private readonly result: PublishedResult) {}

  get withheldCheckpoints(): { step: number; error: string }[] {
    return [...this.withheld].map(([step, error]) => ({ step, error }));
  }

  /** Transition 0: the init program must give H[0]. */
  checkInit(): boolean {
    const s = this.engine.init();
    if (!this.engine.stateHash(s).equals(this.result.hashes[0])) return false;
    if (!this.cur) this.cur = s;
    return true;
  }

  /** The committed state H[t] (or the transition where replaying towards it leaves the commitment). */
  async stateAt(t: number): Promise<Reached> {
    const start = await this.startFor(t);
    if (!start) return { fault: 0 };
    let state: TrainState = start;
    while (state.step < t) {
      const next = this.engine.step(state).state;
      this.replayedSteps++;
      if (!this.engine.stateHash(next).equals(this.result.hashes[next.step])) return { fault: next.step };
      state = next;
    }
    this.cur = state;
    return { state };
  }

  /**
   * The newest verified state at or before t: a served checkpoint, the last replayed state or
   * init. The newest checkpoint at or before t is always fetched once, even when the verifier's
   * own replay is already there: the sample also checks that the solver serves the data a
   * challenger of this transition would need.
   */
  private async startFor(t: number): Promise<TrainState | null> {
    const have = this.cur && this.cur.step <= t ? this.cur : null;
    const refs = this.result.manifest.checkpoints.filter((c) => c.step <= t && !this.withheld.has(c.step)).sort((a, b) => b.step - a.step);
    for (const [n, ref] of refs.entries()) {
      const useful = !have || ref.step > have.step;
      if (!useful && (n > 0 || this.served.has(ref.step))) break;
      const got = await fetchCheckpoint(this.result, ref, this.engine);
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

  /** Check the sampled transitions and the final model hash. */
  async check(sampled: number[], finalModelHash: string): Promise<CheckReport> {
    const report = (fault: Fault | null): CheckReport => ({ sampled, fault, withheld: this.withheldCheckpoints, replayedSteps: this.replayedSteps });
    for (const j of sampled) {
      if (j === 0) {
        if (!this.checkInit()) return report({ kind: 'transition', j: 0 });
        continue;
      }
      const pre = await this.stateAt(j - 1);
      if ('fault' in pre) return report({ kind: 'transition', j: pre.fault });
      const post = this.engine.step(pre.state).state;
      this.replayedSteps++;
      if (!this.engine.stateHash(post).equals(this.result.hashes[j])) return report({ kind: 'transition', j });
      this.cur = post;
    }
    const T = this.result.hashes.length - 1;
    const last = await this.stateAt(T);
    if ('fault' in last) return report({ kind: 'transition', j: last.fault });
    const modelRoot = hex0x(this.engine.modelHash(last.state));
    if (modelRoot !== finalModelHash.toLowerCase()) return report({ kind: 'final-model', modelRoot });
    return report(null);
  }

  /** Tensors of the committed H[j-1] for disputing transition j (null for j = 0). */
  async preStateFor(j: number): Promise<Float32Array[] | null> {
    if (j === 0) return null;
    const r = await this.stateAt(j - 1);
    if ('fault' in r) throw new Error(`replaying towards H[${j - 1}] leaves the commitment at transition ${r.fault}, before the disputed ${j}`);
    return r.state.tensors;
  }
}

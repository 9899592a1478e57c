// A challenger that plays from its own replay of the whole job instead of the solver's published
// data: the job is deterministic (init program, then the step program T times), so the honest
// leaf hashes, and every honest state, follow from the job spec alone. It finds the disputed leaf
// with the steps-tree descent (steps-descent.ts) instead of reading the solver's hash list, and
// after pickStep every claim it compares is its own honest state: the pre-state of the disputed
// transition is agreed (every leaf left of the reached leaf, and every mid before the picked one,
// equals its own), so its replay is the committed one there.
import { memoAsync } from './memo.ts';
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import type { DisputeDataSource } from './dispute-data.ts';
import { DATA_STEPS, descended, type GameState } from '../chain/game-state.ts';
import { transitionsOfLeaf, type Schedule } from './interval.ts';
import type { DisputeParty } from './party.ts';
import { runTransition, type TransitionRun } from './transition.ts';

export interface ReplayChallengerOptions {
  engine: Engine;
  schedule: Schedule;
  /** Its own replayed leaf hashes H[min(mK, T)], m = 0..M, or null while the replay still runs. */
  ownLeaves: () => Buffer[] | null;
  source?: DisputeDataSource;
}

/** States kept for the next request (the dispute asks for H[lo], then a few states after it). */
const KEEP_STATES = 4;

export class ReplayChallengerParty implements DisputeParty {
  readonly side = 'challenger' as const;
  readonly engine: Engine;
  readonly source?: DisputeDataSource;
  /** Transition j, recorded from this challenger's own honest H[j-1]. */
  readonly transition: (j: number) => Promise<TransitionRun> = memoAsync((j) => this.record(j));
  private readonly kept: TrainState[] = [];

  constructor(private readonly o: ReplayChallengerOptions) {
    this.engine = o.engine;
    this.source = o.source;
  }

  ownLeafHashesNow(): Buffer[] | null {
    return this.o.ownLeaves();
  }

  async committedHashes(): Promise<Buffer[]> {
    throw new Error('replaying challenger: the solver published no checked leaf hashes (this challenger descends stepsRoot instead)');
  }

  async schedule(): Promise<Schedule> {
    return this.o.schedule;
  }

  /** The leaf the descent reached; later, the leaf whose interval the game holds (step = lo while mids are pending). */
  async disputedLeaf(g: GameState): Promise<number> {
    if (g.phase === 'AwaitStep' && descended(g, DATA_STEPS)) return g.dataIndex;
    if (g.phase === 'AwaitMids' || g.phase === 'AwaitMidPick') return g.step / this.o.schedule.hashInterval + 1;
    throw new Error(`replaying challenger: no disputed leaf is known in phase ${g.phase}`);
  }

  /** Its own H[lo+1..hi] of leaf m's interval. */
  async ownIntervalHashes(m: number): Promise<Buffer[]> {
    const { lo, hi } = transitionsOfLeaf(m, this.o.schedule);
    let s = await this.stateAt(Math.max(lo, 0));
    const out: Buffer[] = [];
    if (lo < 0) return [this.engine.stateHash(s)]; // leaf 0: the init transition alone
    while (s.step < hi) {
      s = this.engine.step(s).state;
      out.push(this.engine.stateHash(s));
    }
    this.keep(s);
    return out;
  }

  /** Its honest state after t steps, replayed from the nearest kept state (else from init). */
  async stateAt(t: number): Promise<TrainState> {
    const from = this.kept.filter((s) => s.step <= t).sort((a, b) => b.step - a.step)[0];
    let s = from ?? this.engine.init();
    while (s.step < t) {
      s = this.engine.step(s).state;
      if (s.step % 16 === 0) await new Promise((r) => setImmediate(r)); // other disputes and commits get a turn
    }
    this.keep(s);
    return s;
  }

  private keep(s: TrainState): void {
    if (this.kept.some((k) => k.step === s.step)) return;
    this.kept.push(s);
    if (this.kept.length > KEEP_STATES) this.kept.splice(0, this.kept.length - KEEP_STATES);
  }

  private async record(j: number): Promise<TransitionRun> {
    const pre = j === 0 ? null : (await this.stateAt(j - 1)).tensors;
    return runTransition(this.engine, j, pre);
  }
}

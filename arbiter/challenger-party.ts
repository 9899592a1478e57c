// The challenger's side of a dispute: the solver's committed leaf hashes (fetched from the
// solver and checked against stepsRoot by whoever built this party), the leaf it disputes, and
// its own recomputation of that leaf's interval from the agreed state H[lo] (leaf m - 1). With
// hashInterval K = 1 a leaf is a transition; with K > 1 the challenger replays the interval to
// compare the solver's posted mids (pickMid) and then records only the transition the game
// settles on. Everything after that in the game (records, elements, one fold sequence) is read
// off this single recorded run.
//
// A griefing challenger is the same object with a false `transform`: it believes in a corrupted
// run from transition `transformAt` on and plays every move consistently with it, so it can only
// lose where the game checks it.
import { memoAsync } from './memo.ts';
import type { Engine, NodeTransform, TrainState } from '../reproducible-ops/engine.ts';
import { lastLeaf } from '../reproducible-ops/hash-schedule.ts';
import type { DisputeDataSource } from './dispute-data.ts';
import { transitionsOfLeaf, type Schedule } from './interval.ts';
import type { DisputeParty } from './party.ts';
import { runTransition, type TransitionRun } from './transition.ts';

export interface ChallengerPartyOptions {
  engine: Engine;
  /** The solver's committed leaf hashes (H[0..T] when K = 1), checked against stepsRoot (fetched when first needed). */
  hashes: Buffer[] | (() => Promise<Buffer[]>);
  /** T and K; default: K = 1 and T = the number of hashes - 1. */
  schedule?: Schedule;
  /** The leaf m this challenger disputes (the transition itself when K = 1; 0 = the init program). */
  disputed: number;
  /** Tensors of the agreed state H[lo] the disputed leaf's interval starts from (leaf m - 1; null for m = 0). */
  preState: () => Promise<Float32Array[] | null>;
  /** A griefer's false view of one transition ... */
  transform?: NodeTransform;
  /** ... this one (default: the first transition of the disputed leaf's interval). */
  transformAt?: number;
  source?: DisputeDataSource;
}

export class ChallengerParty implements DisputeParty {
  readonly side = 'challenger' as const;
  readonly engine: Engine;
  readonly source?: DisputeDataSource;
  /** Transition j of the disputed interval, recorded from this challenger's own pre-state H[j-1]. */
  readonly transition: (j: number) => Promise<TransitionRun> = memoAsync((j) => this.record(j));
  private own?: Promise<Buffer[]>;

  constructor(private readonly o: ChallengerPartyOptions) {
    this.engine = o.engine;
    this.source = o.source;
    if (!(Number.isInteger(o.disputed) && o.disputed >= 0)) throw new Error(`challenger: disputed leaf ${o.disputed} is not a leaf index`);
  }

  async committedHashes(): Promise<Buffer[]> {
    const h = typeof this.o.hashes === 'function' ? await this.o.hashes() : this.o.hashes;
    if (this.o.disputed >= h.length) throw new Error(`challenger: disputed leaf ${this.o.disputed} is outside 0..${h.length - 1}`);
    if (this.o.schedule) {
      const M = lastLeaf(this.o.schedule.numSteps, this.o.schedule.hashInterval);
      if (h.length !== M + 1) throw new Error(`challenger: ${h.length} committed leaf hashes, the schedule has ${M + 1} (T = ${this.o.schedule.numSteps}, K = ${this.o.schedule.hashInterval})`);
    }
    return h;
  }

  async schedule(): Promise<Schedule> {
    return this.o.schedule ?? { numSteps: (await this.committedHashes()).length - 1, hashInterval: 1 };
  }

  async disputedLeaf(): Promise<number> {
    return this.o.disputed;
  }

  /** The disputed leaf's transitions (lo, hi]. */
  async interval(): Promise<{ lo: number; hi: number }> {
    return transitionsOfLeaf(this.o.disputed, await this.schedule());
  }

  private get transformAt(): Promise<number> {
    return this.o.transformAt !== undefined ? Promise.resolve(this.o.transformAt) : this.interval().then((iv) => iv.lo + 1);
  }

  /** This challenger's H[lo+1..hi] for the disputed leaf (replayed once from H[lo]). */
  ownIntervalHashes(): Promise<Buffer[]> {
    if (!this.own) {
      this.own = this.interval().then(async ({ lo, hi }) => {
        const out: Buffer[] = [];
        await this.replay(lo, hi, (s) => void out.push(this.engine.stateHash(s)));
        return out;
      });
      this.own.catch(() => (this.own = undefined));
    }
    return this.own;
  }

  /** Steps from the agreed H[lo] to H[to], calling `each` on every state after lo. */
  private async replay(lo: number, to: number, each?: (s: TrainState) => void): Promise<TrainState | null> {
    if (lo < 0) return null;
    const tensors = await this.o.preState();
    if (!tensors) throw new Error(`challenger: no agreed state H[${lo}] to replay the disputed interval from`);
    const at = await this.transformAt;
    let s: TrainState = { step: lo, tensors };
    while (s.step < to) {
      s = this.engine.step(s, s.step + 1 === at ? this.o.transform : undefined).state;
      each?.(s);
    }
    return s;
  }


  private async record(j: number): Promise<TransitionRun> {
    const { lo, hi } = await this.interval();
    if (!(j > lo && j <= hi)) throw new Error(`challenger: the game disputes transition ${j}, outside the disputed leaf ${this.o.disputed}'s transitions (${lo}, ${hi}]`);
    const pre = j === 0 ? null : (await this.replay(lo, j - 1))!.tensors;
    return runTransition(this.engine, j, pre, { transform: j === (await this.transformAt) ? this.o.transform : undefined });
  }
}

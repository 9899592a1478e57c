// The challenger's side of a dispute: the solver's committed state hashes (fetched from the
// solver and checked against stepsRoot by whoever built this party), the transition it disputes,
// and its own recomputation of that transition from the pre-state it agrees with. Only that one
// transition is ever executed; everything after it in the game (records, elements, one fold
// sequence) is read off this single recorded run.
//
// A griefing challenger is the same object with a false `transform`: it believes in a corrupted
// run and plays every move consistently with it, so it can only lose where the game checks it.
import type { Engine, NodeTransform } from '../reproducible-ops/engine.ts';
import type { DisputeDataSource } from './dispute-data.ts';
import type { DisputeParty } from './party.ts';
import { runTransition, type TransitionRun } from './transition.ts';

export interface ChallengerPartyOptions {
  engine: Engine;
  /** The solver's H[0..T], checked against the commitment's stepsRoot (fetched when first needed). */
  hashes: Buffer[] | (() => Promise<Buffer[]>);
  /** The transition j this challenger disputes (0 = the init program). */
  disputed: number;
  /** Tensors of H[j-1] as the challenger recomputed them (null for j = 0). */
  preState: () => Promise<Float32Array[] | null>;
  /** A griefer's false view of transition j. */
  transform?: NodeTransform;
  source?: DisputeDataSource;
}

export class ChallengerParty implements DisputeParty {
  readonly side = 'challenger' as const;
  readonly engine: Engine;
  readonly source?: DisputeDataSource;
  private run?: Promise<TransitionRun>;

  constructor(private readonly o: ChallengerPartyOptions) {
    this.engine = o.engine;
    this.source = o.source;
    if (!(Number.isInteger(o.disputed) && o.disputed >= 0)) throw new Error(`challenger: disputed transition ${o.disputed} is not a step index`);
  }

  async committedHashes(): Promise<Buffer[]> {
    const h = typeof this.o.hashes === 'function' ? await this.o.hashes() : this.o.hashes;
    if (this.o.disputed >= h.length) throw new Error(`challenger: disputed transition ${this.o.disputed} is outside 0..${h.length - 1}`);
    return h;
  }

  async disputedTransition(): Promise<number> {
    return this.o.disputed;
  }

  transition(j: number): Promise<TransitionRun> {
    if (j !== this.o.disputed) throw new Error(`challenger: the game disputes transition ${j}, this challenger recomputed ${this.o.disputed}`);
    if (!this.run) {
      this.run = this.o.preState().then((pre) => runTransition(this.engine, j, pre, { transform: this.o.transform }));
      this.run.catch(() => (this.run = undefined));
    }
    return this.run;
  }
}

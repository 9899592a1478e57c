// A party's view of the truth, as the dispute strategy (strategy.ts) consumes it. The honest
// parties recompute; a tampering party recomputes its tampered run, so every claim it makes is
// consistent with the commitment it published and it only loses where the game can prove the lie.
import type { Engine } from '../reproducible-ops/engine.ts';
import type { Commitment, JobParams } from '../chain/types.ts';
import type { DisputeDataSink, DisputeDataSource } from './dispute-data.ts';
import type { GameState, Side } from '../chain/game-state.ts';
import type { Schedule } from './interval.ts';
import type { TransitionRun } from './transition.ts';

export interface DisputeParty {
  side: Side;
  /** The job's engine (its programs are what both sides are bound to). */
  engine: Engine;
  /** The solver's committed leaf hashes, H[leafStep(m)] for m = 0..M (H[0..T] when K = 1; the solver: its own; the challenger: fetched and checked against stepsRoot). */
  committedHashes(): Promise<Buffer[]>;
  /** The job's T and hashInterval K. */
  schedule(): Promise<Schedule>;
  /** This party's account of transition j. */
  transition(j: number): Promise<TransitionRun>;
  /** Solver: the model and optimizer roots behind its final state H[T]. */
  finalRoots?(): Promise<{ modelRoot: Buffer; optRoot: Buffer }>;
  /** Challenger: the leaf it disputes (pickStep; after a steps-tree descent, the leaf it reached), and its own H[lo+1..hi] of leaf m's interval (pickMid). */
  disputedLeaf?(g: GameState): Promise<number>;
  ownIntervalHashes?(m: number): Promise<Buffer[]>;
  /**
   * Challenger without the solver's leaf hashes: its own replayed leaf hashes once its replay has
   * finished (null while it runs). Such a challenger finds the leaf with the steps-tree descent.
   */
  ownLeafHashesNow?(): Buffer[] | null;
  /** Solver: its H[lo+1..hi-1] of leaf m's interval (postMids). */
  intervalMids?(m: number): Promise<string[]>;
  /** Solver: where it publishes the data a challenger needs; challenger: where it reads it. */
  sink?: DisputeDataSink;
  source?: DisputeDataSource;
  /** Solver: why it goes silent in this state (a withholding solver), or null. */
  refusal?(g: GameState): string | null;
}

/** The job as `JobMarket.challenge` passed it to the game (revealFinal re-supplies it). */
export interface JobTerms {
  params: JobParams;
  commitment: Commitment;
}

// The interval round of a dispute over a job with hashInterval K > 1 (docs/PROTOCOL.md, "Hash
// interval"): the steps tree commits only every K-th state, so pickStep names a LEAF m whose
// interval (lo, hi] may hold several transitions. The solver then posts the states in between
// (postMids: H[lo+1..hi-1]) and the challenger names the first transition whose post-state it
// disagrees with (pickMid). These helpers are the pure part of both moves.
import { intervalOf, lastLeaf } from '../reproducible-ops/hash-schedule.ts';

const norm = (h: string) => h.toLowerCase();

/** A job's hash schedule: T steps, a committed state every K steps. */
export interface Schedule {
  numSteps: number; // T
  hashInterval: number; // K
}

/** The transitions of leaf m: (lo, hi]; leaf 0 is the init transition alone (lo = -1, hi = 0). */
export function transitionsOfLeaf(m: number, s: Schedule): { lo: number; hi: number } {
  return m === 0 ? { lo: -1, hi: 0 } : intervalOf(m, s.numSteps, s.hashInterval);
}

/**
 * The leaf m >= 1 whose committed hash is `postHash` (the game's H[hi] while it waits for the
 * mids), or null. State hashes bind their step number, so no two leaves share a hash.
 */
export function leafOfPostHash(leaves: string[], postHash: string, s: Schedule): number | null {
  if (leaves.length !== lastLeaf(s.numSteps, s.hashInterval) + 1)
    throw new Error(`interval: ${leaves.length} committed leaf hashes, the schedule (T = ${s.numSteps}, K = ${s.hashInterval}) has ${lastLeaf(s.numSteps, s.hashInterval) + 1}`);
  const m = leaves.findIndex((h) => norm(h) === norm(postHash));
  return m >= 1 ? m : null;
}

/**
 * pickMid's index: seq = [H[lo], mids..., H[hi]] as the solver claims it, `own` = this
 * challenger's H[lo+1..hi] (length hi - lo). The first i with seq[i+1] != own[i]: the challenger
 * agrees with seq[i] (H[lo] is an agreed leaf, and every earlier seq entry matched), so
 * transition lo + i + 1 is the first one it disputes. -1 when every state agrees (nothing to
 * dispute in this interval).
 */
export function chooseMid(mids: string[], postHash: string, own: string[]): number {
  if (own.length !== mids.length + 1) throw new Error(`pickMid: ${mids.length} mids posted for an interval of ${own.length} transitions (expected ${own.length - 1})`);
  const seq = [...mids, postHash];
  for (let i = 0; i < seq.length; i++) if (norm(seq[i]) !== norm(own[i])) return i;
  return -1;
}

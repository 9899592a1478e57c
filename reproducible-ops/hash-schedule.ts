// Which state hashes a run commits. A job's `hashInterval` K (1 = every step) trades solver
// time for dispute rounds: the steps tree commits H[t] only at the leaf steps
//   leaf m = H[min(m*K, T)],  m = 0..M,  M = ceil(T / K)
// (leaf 0 = H[0], the state after the init program; leaf M = H[T], the final state). A dispute
// over leaf m whose interval (lo, hi] = ((m-1)K, min(mK, T)] holds more than one transition
// makes the solver post the hi-lo-1 hashes in between (PROTOCOL.md, "Hash interval"); with
// K = 1 every H[t] is a leaf and the tree is the per-step tree of repops-2.

export const MAX_HASH_INTERVAL = 4096;

function check(T: number, K: number): void {
  if (!Number.isInteger(T) || T < 1) throw new Error(`numSteps: expected a positive integer, got ${T}`);
  if (!Number.isInteger(K) || K < 1 || K > MAX_HASH_INTERVAL) throw new Error(`hashInterval: expected an integer in [1, ${MAX_HASH_INTERVAL}], got ${K}`);
}

/** M: the index of the last leaf (the tree has M + 1 leaves). */
export function lastLeaf(T: number, K: number): number {
  check(T, K);
  return Math.ceil(T / K);
}

/** The step t whose state hash H[t] is leaf m. */
export function leafStep(m: number, T: number, K: number): number {
  const M = lastLeaf(T, K);
  if (!Number.isInteger(m) || m < 0 || m > M) throw new Error(`leaf: expected an integer in [0, ${M}], got ${m}`);
  return Math.min(m * K, T);
}

/** The steps t in [0, T] whose H[t] are committed, in leaf order. */
export function leafSteps(T: number, K: number): number[] {
  const M = lastLeaf(T, K);
  return Array.from({ length: M + 1 }, (_, m) => Math.min(m * K, T));
}

/** Whether H[t] is a leaf (a step the solver must hash during training). */
export function isLeafStep(t: number, T: number, K: number): boolean {
  check(T, K);
  return t === T || t % K === 0;
}

/**
 * The leaf that commits the first state hash at or after step t, i.e. the leaf a dispute over
 * transition t starts from: t = 0 is leaf 0; t in ((m-1)K, mK] is in leaf m's interval.
 */
export function leafOfStep(t: number, T: number, K: number): number {
  check(T, K);
  if (!Number.isInteger(t) || t < 0 || t > T) throw new Error(`step: expected an integer in [0, ${T}], got ${t}`);
  return Math.ceil(t / K);
}

/** Leaf m's interval of transitions (lo, hi]: the states H[lo] (leaf m-1) .. H[hi] (leaf m). m >= 1. */
export function intervalOf(m: number, T: number, K: number): { lo: number; hi: number } {
  if (m < 1) throw new Error(`interval: leaf 0 (the init transition) has no interval`);
  return { lo: leafStep(m - 1, T, K), hi: leafStep(m, T, K) };
}

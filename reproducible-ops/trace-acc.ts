// The trace accumulator of the dispute protocol (docs/PROTOCOL.md, "Commitments"): a FIXED-DEPTH
// (16 levels, 65536 slots) SHA-256 Merkle tree over the trace records of one program run.
//   record  R_i = sha256(nodeHash_i || outputTensorRoot_i)
//   P_i     = root of the tree with leaves R_0..R_i and bytes32(0) everywhere else
//   P_{-1}  = emptyAccRoot(), the all-zero tree (every internal node is hashed, zeros included)
// Inserting R_i into P_{i-1} is proven by one sibling path: the same path shows slot i empty under
// P_{i-1} and holding R_i under P_i. Twin of TensorProofs.sol (accInsert / emptyAccRoot).
import { hashPair, sha256, ZERO32 } from './merkle.ts';

export const ACC_DEPTH = 16;
export const ACC_SLOTS = 1 << ACC_DEPTH;

/** Z[l] = root of an all-zero subtree of height l (Z[0] = bytes32(0)); Z[16] = emptyAccRoot(). */
export const ZERO_HASHES: readonly Buffer[] = (() => {
  const z: Buffer[] = [Buffer.from(ZERO32)];
  for (let l = 0; l < ACC_DEPTH; l++) z.push(hashPair(z[l], z[l]));
  return z;
})();

export function emptyAccRoot(): Buffer {
  return ZERO_HASHES[ACC_DEPTH];
}

/** The trace record of one node: sha256(nodeHash || outputTensorRoot). */
export function traceRecord(nodeHash: Uint8Array, outRoot: Uint8Array): Buffer {
  return sha256(nodeHash, outRoot);
}

function checkCount(n: number): void {
  if (n > ACC_SLOTS) throw new Error(`trace accumulator: ${n} records exceed the ${ACC_SLOTS} slots of a depth-${ACC_DEPTH} tree`);
}

/**
 * P_0..P_{n-1} incrementally, 16 hashes per record: `left[l]` holds the root of the last completed
 * left subtree of height l on the path of the next slot, so each insertion rehashes only its path.
 */
export function accRoots(records: Uint8Array[]): Buffer[] {
  checkCount(records.length);
  const left: Buffer[] = ZERO_HASHES.slice(0, ACC_DEPTH);
  const roots: Buffer[] = [];
  records.forEach((rec, i) => {
    let h: Buffer = Buffer.from(rec);
    for (let l = 0; l < ACC_DEPTH; l++) {
      if ((i >> l) & 1) {
        h = hashPair(left[l], h);
      } else {
        left[l] = h; // this subtree is the left sibling of every later slot under the same parent
        h = hashPair(h, ZERO_HASHES[l]);
      }
    }
    roots.push(h);
  });
  return roots;
}

/**
 * Sibling path (bottom-up, 16 hashes) of slot i in the tree holding records[0..through] (default
 * through = i, the insertion proof of record i; through > i proves an earlier record against
 * P_through). Builds only the nonzero prefix of each level: O(through).
 */
export function accPath(records: Uint8Array[], i: number, through = i): Buffer[] {
  checkCount(records.length);
  if (!(i >= 0 && i <= through && through < records.length))
    throw new Error(`accPath: need 0 <= i (${i}) <= through (${through}) < records (${records.length})`);
  let level: Buffer[] = records.slice(0, through + 1).map((r) => Buffer.from(r));
  const path: Buffer[] = [];
  for (let l = 0; l < ACC_DEPTH; l++) {
    const s = (i >> l) ^ 1;
    path.push(s < level.length ? level[s] : ZERO_HASHES[l]);
    const next: Buffer[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(hashPair(level[j], j + 1 < level.length ? level[j + 1] : ZERO_HASHES[l]));
    level = next;
  }
  return path;
}

/** Root obtained by placing `leaf` at slot i with the given sibling path. */
export function accClimb(leaf: Uint8Array, i: number, path: Uint8Array[]): Buffer {
  let h: Buffer = Buffer.from(leaf);
  for (let l = 0; l < path.length; l++) h = (i >> l) & 1 ? hashPair(path[l], h) : hashPair(h, path[l]);
  return h;
}

/** TS twin of TensorProofs.accInsert: slot i empty under `before`, `leaf` under `after`. */
export function verifyAccInsert(before: Uint8Array, after: Uint8Array, i: number, leaf: Uint8Array, path: Uint8Array[]): boolean {
  if (path.length !== ACC_DEPTH || !(i >= 0 && i < ACC_SLOTS)) return false;
  return accClimb(ZERO32, i, path).equals(before) && accClimb(leaf, i, path).equals(after);
}

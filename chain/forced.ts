// Forced errors (docs/PROTOCOL.md §12): the arithmetic of rollup-contracts/src/lib/ForcedErrors.sol,
// bit for bit, for the solver (draw, mask, commit, reveal) and the verifier (find hashes).
//   secretHash = keccak(secret); R = keccak(secret ‖ blockhash(claimBlock));
//   forced = (R mod 2^16) < rate; pos = 1 + (R >> 16) mod (M − 1) (M = last leaf, forced needs M ≥ 2);
//   masked leaf = keccak(trueLeaf ‖ secret); trueRootCommit = keccak(trueRoot ‖ secret);
//   find = keccak(finder ‖ jobId ‖ leaf ‖ trueLeaf ‖ salt).
import { keccak256, solidityPacked } from 'ethers';

export const RATE_ONE = 1n << 16n;

const k = (types: string[], values: unknown[]) => keccak256(solidityPacked(types, values));

export const secretHashOf = (secret: string): string => k(['bytes32'], [secret]);
export const randomnessOf = (secret: string, entropy: string): string => k(['bytes32', 'bytes32'], [secret, entropy]);
export const maskedLeaf = (trueLeaf: string, secret: string): string => k(['bytes32', 'bytes32'], [trueLeaf, secret]);
export const rootCommitOf = (trueRoot: string, secret: string): string => k(['bytes32', 'bytes32'], [trueRoot, secret]);
export const findHashOf = (finder: string, jobId: bigint, leaf: number, trueLeaf: string, salt: string): string =>
  k(['address', 'uint256', 'uint256', 'bytes32', 'bytes32'], [finder, jobId, BigInt(leaf), trueLeaf, salt]);

/**
 * Whether a job's commitment carries a forced error and where (ForcedErrors.draw); `slot` is the
 * leaf the formula names whether or not it is forced: the solver never publishes the checkpoint
 * at that leaf, so a missing checkpoint says nothing about forcedness (§12, "no leak").
 */
export function drawForced(r: string, rate: bigint, lastLeaf: number): { forced: boolean; pos: number; slot: number } {
  if (lastLeaf < 2) return { forced: false, pos: 0, slot: 0 };
  const x = BigInt(r);
  const slot = Number(1n + (x >> 16n) % BigInt(lastLeaf - 1));
  const forced = (x & (RATE_ONE - 1n)) < rate;
  return { forced, pos: forced ? slot : 0, slot };
}

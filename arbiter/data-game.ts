// The data sub-game (docs/PROTOCOL.md §4, rows D): when the solver does not serve a tensor the
// challenger needs (the disputed output, the fold sequence), a post-state tree's leaves or its
// state hashes, the challenger makes it descend that Merkle tree on chain: the solver reveals the
// two children of the current node, the challenger follows the leftmost child that differs from
// its own tree, and at a tensor leaf the solver puts the 1 KiB chunk on chain. Both sides need
// the same trees, built here from a party's own data.
import { chunkBytes, leafHashes, merkleLevels } from '../reproducible-ops/merkle.ts';
import { DATA_FOLD, DATA_OUTPUT, DATA_STATE_TREES, DATA_STEPS, type GameState } from '../chain/game-state.ts';
import type { DisputeParty } from './party.ts';
import { claimedFoldSequence, type TransitionRun } from './transition.ts';

/** The float32 data a tensor target descends: the node's output or the element's sequence. */
export function targetData(party: DisputeParty, run: TransitionRun, g: GameState, target: number): Float32Array {
  if (target === DATA_OUTPUT) return run.outputs[g.agreedLen];
  if (target === DATA_FOLD) return claimedFoldSequence(party.engine, run, g.agreedLen, g.element);
  throw new Error(`data target ${target} is not a tensor`);
}

/** Levels (leaves first) of this party's tree for `target`. */
export async function targetLevels(party: DisputeParty, run: TransitionRun | null, g: GameState, target: number): Promise<Uint8Array[][]> {
  // a challenger descending stepsRoot compares with its own replayed leaves
  if (target === DATA_STEPS) return merkleLevels(party.ownLeafHashesNow?.() ?? (await party.committedHashes()));
  if (!run) throw new Error(`data target ${target} needs the disputed transition`);
  if (target >= DATA_STATE_TREES) return merkleLevels(target === DATA_STATE_TREES ? run.modelSlots : run.optSlots);
  return merkleLevels(leafHashes(targetData(party, run, g, target)));
}

const hex = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex');

/** Solver: the children of the current node, or null when the node is not its own. */
export function childrenOf(levels: Uint8Array[][], g: GameState): [string, string] | null {
  const h = g.dataHeight, i = g.dataIndex;
  if (h < 1 || h >= levels.length || hex(levels[h][i]) !== g.dataNode.toLowerCase()) return null;
  return [hex(levels[h - 1][2 * i]), hex(levels[h - 1][2 * i + 1])];
}

/** Challenger: follow the left child when it differs from its own, else the right one. */
export function chooseRight(levels: Uint8Array[][], g: GameState): boolean {
  const ownLeft = levels[g.dataHeight - 1][2 * g.dataIndex];
  return hex(ownLeft) === g.dataLeft.toLowerCase();
}

/** Solver: leaf chunk `dataIndex` of its tensor (zero-padded like the encoding). */
export function leafChunk(data: Float32Array, g: GameState): Buffer {
  return chunkBytes(data, g.dataIndex);
}

/**
 * Challenger, after a descent: the first 32-bit word of the revealed chunk that differs from its
 * own chunk at `index`, from word `from`, below `limit` (words beyond it are not pickable).
 */
export function firstDifferentWord(theirs: Buffer, own: Float32Array, index: number, from = 0, limit = 256): number {
  const mine = chunkBytes(own, index);
  for (let w = from; w < Math.min(limit, 256); w++) if (theirs.readUInt32LE(4 * w) !== mine.readUInt32LE(4 * w)) return w;
  return -1;
}

// The challenger's side of the steps-tree data sub-game (docs/PROTOCOL.md §4, rows 2′, D′, D″),
// for a challenger that has no usable copy of the solver's leaf hashes (the solver published
// none, or a list that does not rebuild stepsRoot) but has replayed the job itself: its own leaf
// hashes H[min(mK, T)] are the honest ones. It makes the solver reveal stepsRoot node by node
// (requestStepsTree), follows the leftmost child that differs from its own tree down to a leaf m
// (every leaf left of m is then honest), and names m in pickStep with both proofs built from the
// siblings the solver revealed and its own hashes (inside a subtree it agreed with, its own nodes
// are the solver's).
import { merkleLevels, verifyProof } from '../reproducible-ops/merkle.ts';
import { lastLeaf } from '../reproducible-ops/hash-schedule.ts';
import type { GameReader, RevealedChildren } from '../chain/actions/dispute-game.ts';
import { chooseRight } from './data-game.ts';
import { DATA_STEPS, dataRequested, descended, type GameState } from '../chain/game-state.ts';
import { transitionsOfLeaf } from './interval.ts';
import type { DisputeParty } from './party.ts';
import { hex } from './proofs.ts';
import type { Decision } from './decision.ts';

const ZERO32 = '0x' + '00'.repeat(32);
const toBuf = (h: string) => Buffer.from(h.replace(/^0x/, ''), 'hex');

/** AwaitStep without the solver's hashes: compare roots, request the descent, or pick the leaf it reached. */
export async function stepsTreeStep(g: GameState, party: DisputeParty, reader: GameReader): Promise<Decision> {
  const own = party.ownLeafHashesNow!();
  if (!own) return { kind: 'wait', reason: 'this challenger is still replaying the job for its own leaf hashes' };
  const levels = merkleLevels(own);
  if (descended(g, DATA_STEPS)) return pickReachedLeaf(g, party, levels, await reader.revealedChildren(g.disputeId, DATA_STEPS));
  if (hex(levels.at(-1)![0]) === g.stepsRoot.toLowerCase())
    return { kind: 'silent', reason: `this challenger's replay rebuilds the committed stepsRoot ${g.stepsRoot}: no leaf to dispute` };
  if (dataRequested(g, DATA_STEPS)) return { kind: 'silent', reason: 'the steps tree was already descended in this dispute' };
  return { kind: 'move', move: 'requestStepsTree', args: [], note: { target: DATA_STEPS, leaves: own.length } };
}

/** AwaitDataChoice over stepsRoot: the leftmost child that differs from this challenger's own tree. */
export async function stepsTreeChoice(g: GameState, party: DisputeParty): Promise<Decision> {
  const own = party.ownLeafHashesNow?.() ?? (await party.committedHashes());
  const right = chooseRight(merkleLevels(own), g);
  return { kind: 'move', move: 'chooseChild', args: [right], note: { target: DATA_STEPS, height: g.dataHeight - 1, index: 2 * g.dataIndex + (right ? 1 : 0) } };
}

/**
 * The solver's tree as far as this challenger knows it: a revealed node, else its own node. Only
 * asked for siblings on the paths of leaves m - 1 and m, which are revealed (m's path) or inside
 * a subtree whose root the challenger found equal to its own (m - 1's path below where it splits
 * from m's); the proofs are checked against stepsRoot before they are sent.
 */
export function solverTreePath(levels: Uint8Array[][], reveals: RevealedChildren[], leaf: number): string[] {
  const known = new Map<string, string>();
  for (const r of reveals) {
    known.set(`${r.height - 1}:${2 * r.index}`, r.left.toLowerCase());
    known.set(`${r.height - 1}:${2 * r.index + 1}`, r.right.toLowerCase());
  }
  const path: string[] = [];
  for (let l = 0, i = leaf; l < levels.length - 1; l++, i >>= 1) path.push(known.get(`${l}:${i ^ 1}`) ?? hex(levels[l][i ^ 1]));
  return path;
}

async function pickReachedLeaf(g: GameState, party: DisputeParty, levels: Uint8Array[][], reveals: RevealedChildren[]): Promise<Decision> {
  const m = g.dataIndex;
  const sched = await party.schedule();
  const M = lastLeaf(sched.numSteps, sched.hashInterval);
  // unreachable on chain since the game settles a padding leaf itself (nonzero: the challenger wins)
  if (m > M)
    return { kind: 'silent', reason: `the descent reached padding leaf ${m} (> M = ${M}): the game settles a padding leaf itself` };
  if (hex(levels[0][m]) === g.dataNode.toLowerCase()) return { kind: 'silent', reason: `the descent reached leaf ${m}, which equals this challenger's own H` };
  const root = toBuf(g.stepsRoot);
  const postPath = solverTreePath(levels, reveals, m);
  if (!verifyProof(toBuf(g.dataNode), m, postPath.map(toBuf), root)) throw new Error(`steps descent: the revealed siblings of leaf ${m} do not rebuild stepsRoot ${g.stepsRoot}`);
  let pre: [string, string[]] = [ZERO32, []];
  if (m > 0) {
    pre = [hex(levels[0][m - 1]), solverTreePath(levels, reveals, m - 1)];
    if (!verifyProof(levels[0][m - 1], m - 1, pre[1].map(toBuf), root)) throw new Error(`steps descent: own leaf ${m - 1} with the revealed siblings does not rebuild stepsRoot ${g.stepsRoot}`);
  }
  const { lo, hi } = transitionsOfLeaf(m, sched);
  return { kind: 'move', move: 'pickStep', args: [m, ...pre, g.dataNode, postPath], note: { leaf: m, transitions: [lo + 1, hi], how: 'steps-tree descent' } };
}

// The solver's move in each of its phases, computed from its own recorded run of the disputed
// transition. Each returns the calldata (without the dispute id) and, where the move commits to a
// root the challenger will need the preimage of, publishes that data (dispute-data.ts).
import { accumulators, claimedFoldSequence, type TransitionRun } from './transition.ts';
import type { Decision } from './decision.ts';
import { midLen, type GameState } from '../chain/game-state.ts';
import type { DisputeParty, JobTerms } from './party.ts';
import { chunkArg, copyNodeOf, hex, linkProofArgs, openAccArgs, postFoldArgs, recordRevealArgs, stepsPath, tracePostArgs, type ChunkArg } from './proofs.ts';
import { CHUNK_ELEMS, leafHashes, merkleLevels, merkleProof, numChunks } from '../reproducible-ops/merkle.ts';
import { childrenOf, leafChunk, targetData, targetLevels } from './data-game.ts';
import { DATA_STEPS } from '../chain/game-state.ts';
import { leafOfPostHash, transitionsOfLeaf } from './interval.ts';

export async function solverMove(g: GameState, party: DisputeParty, job: JobTerms): Promise<Decision> {
  if (g.phase === 'AwaitFinal') return revealFinal(party, job);
  if (g.phase === 'AwaitMids') return postMids(g, party);
  if (g.phase === 'AwaitDataChildren' && g.dataTarget === DATA_STEPS) return revealChildren(g, await targetLevels(party, null, g, DATA_STEPS));
  const run = await party.transition(g.step);
  switch (g.phase) {
    case 'AwaitTrace':
      return { kind: 'move', move: 'postTrace', args: [tracePostArgs(party.engine, run)], publish: () => party.sink?.publishPost(g.disputeId, run) };
    case 'AwaitLinkProof':
      return proveLink(g, run);
    case 'AwaitAcc':
      return { kind: 'move', move: 'revealAcc', args: [hex(accumulators(run)[midLen(g) - 1])], note: { prefixLen: midLen(g) } };
    case 'AwaitRecord':
      return revealRecord(g, party, run);
    case 'AwaitElementOpen':
      return { kind: 'move', move: 'openElement', args: [openingOf(run.outputs[g.agreedLen], g.element)], note: { element: g.element } };
    case 'AwaitDataChildren':
      return revealChildren(g, await targetLevels(party, run, g, g.dataTarget));
    case 'AwaitDataChunk':
      return { kind: 'move', move: 'revealChunk', args: [hex(leafChunk(targetData(party, run, g, g.dataTarget), g))], note: { target: g.dataTarget, chunk: g.dataIndex } };
    case 'AwaitFold': {
      const { args, seq } = postFoldArgs(party.engine, run, g.agreedLen, g.element);
      return { kind: 'move', move: 'postFold', args, note: { foldLen: seq.length - 1 }, publish: () => party.sink?.publishFold(g.disputeId, g.agreedLen, g.element, seq) };
    }
    case 'AwaitFoldOpen': {
      const seq = claimedFoldSequence(party.engine, run, g.agreedLen, g.element);
      return { kind: 'move', move: 'openAcc', args: openAccArgs(seq, g.foldIndex), note: { k: g.foldIndex } };
    }
    default:
      throw new Error(`solverMove: phase ${g.phase} is not the solver's`);
  }
}

/** The chunk holding element e; a slot in a padding leaf of the data tree opens as an empty leaf. */
function openingOf(data: Float32Array, e: number): ChunkArg {
  const c = Math.floor(e / CHUNK_ELEMS);
  if (c < numChunks(data.length)) return chunkArg(data, e);
  return { index: c, data: '0x', path: merkleProof(merkleLevels(leafHashes(data)), c).map(hex) };
}

function revealChildren(g: GameState, levels: Uint8Array[][]): Decision {
  const kids = childrenOf(levels, g);
  if (!kids) return { kind: 'silent', reason: `data node (height ${g.dataHeight}, index ${g.dataIndex}) of target ${g.dataTarget} is not in this solver's tree` };
  return { kind: 'move', move: 'revealChildren', args: kids, note: { target: g.dataTarget, height: g.dataHeight, index: g.dataIndex } };
}

/** H[T] is the last leaf M of stepsRoot. */
async function revealFinal(party: DisputeParty, job: JobTerms): Promise<Decision> {
  const { modelRoot, optRoot } = await party.finalRoots!();
  const hashes = await party.committedHashes();
  return { kind: 'move', move: 'revealFinal', args: [job.params, job.commitment, hex(modelRoot), hex(optRoot), stepsPath(hashes, hashes.length - 1)] };
}

/** The challenger disputes a leaf whose interval holds several transitions: post the states inside it. */
async function postMids(g: GameState, party: DisputeParty): Promise<Decision> {
  const leaves = (await party.committedHashes()).map(hex);
  const m = leafOfPostHash(leaves, g.postHash, await party.schedule());
  if (m === null) return { kind: 'silent', reason: `the game's interval ends in ${g.postHash}, which is none of this solver's leaves` };
  const { lo } = transitionsOfLeaf(m, await party.schedule());
  if (lo !== g.step) return { kind: 'silent', reason: `the game's interval starts at step ${g.step}, this solver's leaf ${m} at ${lo} (another hashInterval?)` };
  const mids = await party.intervalMids!(m);
  return { kind: 'move', move: 'postMids', args: [mids], note: { leaf: m, mids: mids.length } };
}

/** The solver can prove a post-state leaf only if its copy node really produced it. */
function proveLink(g: GameState, run: TransitionRun): Decision {
  const slots = g.linkTree === 0 ? run.modelSlots : run.optSlots;
  if (g.linkIndex < slots.length) {
    const node = copyNodeOf(run.program, g.linkTree, g.linkIndex);
    if (node < 0 || !run.outRoots[node].equals(slots[g.linkIndex]))
      return { kind: 'silent', reason: `post-state leaf (${g.linkTree}, ${g.linkIndex}) is not the output of its copy node: no proof exists` };
  }
  return { kind: 'move', move: 'proveLink', args: [linkProofArgs(run, g.linkTree, g.linkIndex)], note: { tree: g.linkTree, index: g.linkIndex } };
}

/** Record agreedLen, after checking the game's interval is the solver's own accumulators. */
function revealRecord(g: GameState, party: DisputeParty, run: TransitionRun): Decision {
  const i = g.agreedLen;
  const acc = accumulators(run);
  const lo = i === 0 ? null : hex(acc[i - 1]);
  if ((lo !== null && lo !== g.accLo.toLowerCase()) || hex(acc[i]) !== g.accHi.toLowerCase())
    return { kind: 'silent', reason: `the game's accumulators around record ${i} are not this solver's (its run differs from what it posted)` };
  const node = run.program.nodes[i];
  if (node.op === 'state' && run.pre) {
    const slots = node.attrs[0] === 0 ? run.pre.modelSlots : run.pre.optSlots;
    if (!slots[node.attrs[1]].equals(run.outRoots[i])) return { kind: 'silent', reason: `record ${i} (state) does not match the pre-state leaf` };
  }
  return {
    kind: 'move', move: 'revealRecord', args: [recordRevealArgs(run, i)], note: { node: i, op: node.op },
    publish: () => party.sink?.publishNode(g.disputeId, i, run.outputs[i]),
  };
}

// The challenger's move in each of its phases: compare the solver's claims (roots on chain, data
// it published) with its own recorded run of the disputed transition and name the first place
// they part. Where the game asks it to name a value the solver never put on chain (a post-state
// leaf, an output element, an accumulation step) it uses the solver's published data when that
// matches the root on chain; otherwise (decision kind 'fallback', after a grace period) it makes
// the solver descend that tree on chain (the data sub-game, data-game.ts) and picks from the
// leaf the solver had to reveal.
import { opDef } from '../reproducible-ops/ops/table.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { toBits } from '../reproducible-ops/f32.ts';
import type { GameReader } from '../chain/actions/dispute-game.ts';
import { matchesDataRoot } from './dispute-data.ts';
import { chooseRight, firstDifferentWord, targetData, targetLevels } from './data-game.ts';
import { DATA_FOLD, DATA_OUTPUT, DATA_STATE_TREES, DATA_STEPS, dataRequested, descended, midLen, type GameState } from '../chain/game-state.ts';
import { chooseMid, transitionsOfLeaf } from './interval.ts';
import { predictOneStep } from './one-step.ts';
import type { DisputeParty } from './party.ts';
import { hex, oneStepArgs, stepsPath } from './proofs.ts';
import { stepsTreeChoice, stepsTreeStep } from './steps-descent.ts';
import type { Decision } from './decision.ts';
import { accumulators, stateHashOf, type TransitionRun } from './transition.ts';

const ZERO32 = '0x' + '00'.repeat(32);

export async function challengerMove(g: GameState, party: DisputeParty, reader: GameReader): Promise<Decision> {
  if (g.phase === 'AwaitStep') return party.ownLeafHashesNow ? stepsTreeStep(g, party, reader) : pickStep(g, party);
  if (g.phase === 'AwaitMidPick') return pickMid(g, party, reader);
  if (g.phase === 'AwaitDataChoice' && g.dataTarget === DATA_STEPS) return stepsTreeChoice(g, party);
  const run = await party.transition(g.step);
  switch (g.phase) {
    case 'AwaitTraceChoice':
      return traceChoice(g, party, run, reader);
    case 'AwaitAccChoice': {
      const agree = hex(accumulators(run)[midLen(g) - 1]) === g.accMid.toLowerCase();
      return { kind: 'move', move: 'chooseAcc', args: [agree], note: { prefixLen: midLen(g), agree } };
    }
    case 'AwaitElementPick':
      return pickElement(g, party, run, reader);
    case 'AwaitFoldPick':
      return pickAcc(g, party, run, reader);
    case 'AwaitDataChoice': {
      const right = chooseRight(await targetLevels(party, run, g, g.dataTarget), g);
      return { kind: 'move', move: 'chooseChild', args: [right], note: { target: g.dataTarget, height: g.dataHeight - 1, index: 2 * g.dataIndex + (right ? 1 : 0) } };
    }
    case 'AwaitOneStep':
      return oneStepDecision(g, party, run, 'challenger');
    default:
      throw new Error(`challengerMove: phase ${g.phase} is not the challenger's`);
  }
}

/** The leaf m it disputes: leaves m - 1 (agreed; none for m = 0) and m, proven in stepsRoot. */
async function pickStep(g: GameState, party: DisputeParty): Promise<Decision> {
  const m = await party.disputedLeaf!(g);
  const H = await party.committedHashes();
  const pre = m > 0 ? [hex(H[m - 1]), stepsPath(H, m - 1)] : [ZERO32, []];
  const { lo, hi } = transitionsOfLeaf(m, await party.schedule());
  return { kind: 'move', move: 'pickStep', args: [m, ...pre, hex(H[m]), stepsPath(H, m)], note: { leaf: m, transitions: [lo + 1, hi] } };
}

/**
 * The solver posted H[lo+1..hi-1]: name the first transition whose post-state differs from this
 * challenger's replay (its pre-state is then one the challenger agrees with).
 */
async function pickMid(g: GameState, party: DisputeParty, reader: GameReader): Promise<Decision> {
  const mids = await reader.postedMids(g.disputeId);
  if (!mids) return { kind: 'silent', reason: 'AwaitMidPick, but no MidsPosted event of this dispute is readable' };
  const m = await party.disputedLeaf!(g);
  const own = (await party.ownIntervalHashes!(m)).map(hex);
  const i = chooseMid(mids, g.postHash, own); // postHash: the solver's leaf m, proven in pickStep
  if (i < 0) return { kind: 'silent', reason: `every posted mid and the interval's end agree with this challenger's replay` };
  const { lo } = transitionsOfLeaf(m, await party.schedule());
  return { kind: 'move', move: 'pickMid', args: [i, mids], note: { i, step: lo + i + 1 } };
}

/**
 * Same trace accumulator: the trace is right, so a post-state leaf is not what its copy node
 * produced (dispute that link). Different accumulator: bisect the trace.
 */
async function traceChoice(g: GameState, party: DisputeParty, run: TransitionRun, reader: GameReader): Promise<Decision> {
  const own = accumulators(run)[run.records.length - 1];
  if (hex(own) !== g.accHi.toLowerCase()) return { kind: 'move', move: 'startTrace', args: [] };
  const link = (tree: number, index: number, how: string): Decision => ({ kind: 'move', move: 'disputeLink', args: [tree, index], note: { tree, index, how } });
  for (const tree of [0, 1]) if (descended(g, DATA_STATE_TREES + tree)) return link(tree, g.dataIndex, 'descended');
  const theirs = await party.source?.postSlots(g.disputeId);
  if (theirs && hex(stateHashOf(party.engine, g.step, theirs.modelSlots, theirs.optSlots)) === g.postHash.toLowerCase()) {
    for (const [tree, mine, their] of [[0, run.modelSlots, theirs.modelSlots], [1, run.optSlots, theirs.optSlots]] as const)
      for (let index = 0; index < Math.max(mine.length, their.length); index++)
        if (!(mine[index] ?? Buffer.alloc(32)).equals(their[index] ?? Buffer.alloc(32))) return link(tree, index, 'published leaves');
  }
  // the solver's post roots are in its postTrace calldata; descend the tree whose root differs
  const roots = await reader.postTraceRoots(g.disputeId);
  if (!roots) return { kind: 'silent', reason: 'the postTrace transaction of this dispute is not readable' };
  for (const [tree, slots, root] of [[0, run.modelSlots, roots.postModelRoot], [1, run.optSlots, roots.postOptRoot]] as const) {
    if (hex(merkleRoot(slots)) === root.toLowerCase()) continue;
    if (slots.length <= 1) return link(tree, 0, 'single-leaf tree');
    if (dataRequested(g, DATA_STATE_TREES + tree)) continue;
    const request: Decision = { kind: 'move', move: 'requestStateTree', args: [tree, roots.postModelRoot, roots.postOptRoot], note: { tree } };
    return { kind: 'fallback', reason: `the solver's post-state leaves of tree ${tree} are not published`, decision: request };
  }
  return { kind: 'silent', reason: 'the trace and every post-state tree this challenger could descend agree with its own' };
}

/** The first element of the revealed node whose value (or padding) differs from this challenger's. */
async function pickElement(g: GameState, party: DisputeParty, run: TransitionRun, reader: GameReader): Promise<Decision> {
  const mine = run.outputs[g.agreedLen];
  const pick = (e: number, how: string): Decision => ({ kind: 'move', move: 'pickElement', args: [e], note: { node: g.agreedLen, element: e, how } });
  if (descended(g, DATA_OUTPUT)) {
    const chunk = await reader.revealedChunk(g.disputeId, DATA_OUTPUT, g.dataIndex);
    const w = chunk ? firstDifferentWord(chunk, mine, g.dataIndex) : -1;
    if (w >= 0) return pick(g.dataIndex * 256 + w, 'revealed chunk'); // may be a padding slot: only zero is honest
    return { kind: 'silent', reason: `the revealed chunk ${g.dataIndex} of node ${g.agreedLen} agrees with this challenger's` };
  }
  const theirs = await party.source?.nodeOutput(g.disputeId, g.agreedLen);
  if (matchesDataRoot(theirs ?? null, g.dataRoot)) {
    const e = firstDifference(mine, theirs!, 0);
    if (e >= 0) return pick(e, 'published output');
  }
  return requestData(g, DATA_OUTPUT, `the solver's output of node ${g.agreedLen} is not published (or differs only in its encoding padding)`);
}

/** The first accumulation step after which the solver's sequence leaves this challenger's. */
async function pickAcc(g: GameState, party: DisputeParty, run: TransitionRun, reader: GameReader): Promise<Decision> {
  const mine = targetData(party, run, g, DATA_FOLD);
  const pick = (k: number, how: string): Decision => ({ kind: 'move', move: 'pickAcc', args: [k], note: { k, how } });
  if (descended(g, DATA_FOLD)) {
    const chunk = await reader.revealedChunk(g.disputeId, DATA_FOLD, g.dataIndex);
    const from = g.dataIndex === 0 ? 1 : 0; // acc_0 is pinned to the fold's init value
    const w = chunk ? firstDifferentWord(chunk, mine, g.dataIndex, from, mine.length - g.dataIndex * 256) : -1;
    if (w >= 0) return pick(g.dataIndex * 256 + w - 1, 'revealed chunk');
    return { kind: 'silent', reason: `the revealed accumulator chunk ${g.dataIndex} agrees with this challenger's` };
  }
  const theirs = await party.source?.foldSequence(g.disputeId, g.agreedLen, g.element);
  if (matchesDataRoot(theirs ?? null, g.foldDataRoot) && theirs!.length === mine.length) {
    const next = firstDifference(mine, theirs!, 1);
    if (next >= 1) return pick(next - 1, 'published sequence');
  }
  return requestData(g, DATA_FOLD, `the solver's accumulator sequence of element ${g.element} is not published`);
}

function requestData(g: GameState, target: number, reason: string): Decision {
  if (dataRequested(g, target)) return { kind: 'silent', reason: `${reason}, and its data sub-game was already played` };
  return { kind: 'fallback', reason, decision: { kind: 'move', move: 'requestData', args: [], note: { target } } };
}

/** Call oneStep only when the local prediction says `side` wins (anyone may call it). */
export function oneStepDecision(g: GameState, party: DisputeParty, run: TransitionRun, side: 'solver' | 'challenger'): Decision {
  const p = predictOneStep(party.engine, run, g);
  if (p.challengerWins !== (side === 'challenger'))
    return { kind: 'silent', reason: `the one-step would compute ${p.computed} against the solver's ${p.claimed}: the ${side} would lose` };
  const fold = opDef(run.program.nodes[g.agreedLen].op).sem.kind === 'fold';
  const args = oneStepArgs(party.engine, run, g.agreedLen, g.element, fold ? g.foldIndex : null);
  return { kind: 'move', move: 'oneStep', args, note: { computed: p.computed, claimed: p.claimed } };
}

/** Index of the first element (from `from`) whose canonical bits differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array, from: number): number {
  for (let i = from; i < Math.min(a.length, b.length); i++) if (toBits(a[i]) !== toBits(b[i])) return i;
  return -1;
}

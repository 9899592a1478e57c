// The challenger's move in each of its phases: compare the solver's claims (roots on chain, data
// it published) with its own recorded run of the disputed transition and name the first place
// they part. Where the game asks the challenger to name a value the solver never revealed
// (a post-state leaf, an output element, an accumulation step) it needs the solver's published
// data; without it the challenger can only guess (decision kind 'guess').
import { toBits } from '../reproducible-ops/f32.ts';
import { opDef } from '../reproducible-ops/ops/table.ts';
import { matchesDataRoot } from './dispute-data.ts';
import { midLen, type GameState } from './game-state.ts';
import { predictOneStep } from './one-step.ts';
import type { DisputeParty } from './party.ts';
import { hex, oneStepArgs, stepsPath } from './proofs.ts';
import type { Decision } from './strategy.ts';
import { accumulators, claimedFoldSequence, stateHashOf, type TransitionRun } from './transition.ts';

const ZERO32 = '0x' + '00'.repeat(32);

export async function challengerMove(g: GameState, party: DisputeParty): Promise<Decision> {
  if (g.phase === 'AwaitStep') return pickStep(party);
  const run = await party.transition(g.step);
  switch (g.phase) {
    case 'AwaitTraceChoice':
      return traceChoice(g, party, run);
    case 'AwaitAccChoice': {
      const agree = hex(accumulators(run)[midLen(g) - 1]) === g.accMid.toLowerCase();
      return { kind: 'move', move: 'chooseAcc', args: [agree], note: { prefixLen: midLen(g), agree } };
    }
    case 'AwaitElementPick':
      return pickElement(g, party, run);
    case 'AwaitFoldPick':
      return pickAcc(g, party, run);
    case 'AwaitOneStep':
      return oneStep(g, party, run);
    default:
      throw new Error(`challengerMove: phase ${g.phase} is not the challenger's`);
  }
}

async function pickStep(party: DisputeParty): Promise<Decision> {
  const j = await party.disputedTransition!();
  const H = await party.committedHashes();
  const pre = j > 0 ? [hex(H[j - 1]), stepsPath(H, j - 1)] : [ZERO32, []];
  return { kind: 'move', move: 'pickStep', args: [j, ...pre, hex(H[j]), stepsPath(H, j)], note: { step: j } };
}

/**
 * Same trace accumulator: the trace is right, so a post-state leaf is not what its copy node
 * produced (dispute that link). Different accumulator: bisect the trace.
 */
async function traceChoice(g: GameState, party: DisputeParty, run: TransitionRun): Promise<Decision> {
  const own = accumulators(run)[run.records.length - 1];
  if (hex(own) !== g.accHi.toLowerCase()) return { kind: 'move', move: 'startTrace', args: [] };
  const theirs = await party.source?.postSlots(g.disputeId);
  if (theirs && hex(stateHashOf(party.engine, g.step, theirs.modelSlots, theirs.optSlots)) === g.postHash.toLowerCase()) {
    for (const [tree, mine, their] of [[0, run.modelSlots, theirs.modelSlots], [1, run.optSlots, theirs.optSlots]] as const) {
      const width = Math.max(mine.length, their.length);
      for (let index = 0; index < width; index++)
        if (!(mine[index] ?? Buffer.alloc(32)).equals(their[index] ?? Buffer.alloc(32)))
          return { kind: 'move', move: 'disputeLink', args: [tree, index], note: { tree, index } };
    }
  }
  const guess: Decision = { kind: 'move', move: 'disputeLink', args: [0, 0], note: { tree: 0, index: 0, guessed: true } };
  return { kind: 'guess', reason: "the trace matches but the solver's post-state leaves are not available", decision: guess };
}

/** The first element of the revealed node whose value differs from this challenger's. */
async function pickElement(g: GameState, party: DisputeParty, run: TransitionRun): Promise<Decision> {
  const mine = run.outputs[g.agreedLen];
  const theirs = await party.source?.nodeOutput(g.disputeId, g.agreedLen);
  if (matchesDataRoot(theirs ?? null, g.dataRoot)) {
    const e = firstDifference(mine, theirs!, 0);
    if (e >= 0) return { kind: 'move', move: 'pickElement', args: [e], note: { node: g.agreedLen, element: e } };
    return { kind: 'silent', reason: `node ${g.agreedLen}: the solver's output has the same values (its root differs only in padding bytes)` };
  }
  const guess: Decision = { kind: 'move', move: 'pickElement', args: [0], note: { node: g.agreedLen, element: 0, guessed: true } };
  return { kind: 'guess', reason: `the solver's output of node ${g.agreedLen} is not available`, decision: guess };
}

/** The first accumulation step after which the solver's sequence leaves this challenger's. */
async function pickAcc(g: GameState, party: DisputeParty, run: TransitionRun): Promise<Decision> {
  const mine = claimedFoldSequence(party.engine, run, g.agreedLen, g.element);
  const theirs = await party.source?.foldSequence(g.disputeId, g.agreedLen, g.element);
  if (matchesDataRoot(theirs ?? null, g.foldDataRoot) && theirs!.length === mine.length) {
    const next = firstDifference(mine, theirs!, 1);
    if (next >= 1) return { kind: 'move', move: 'pickAcc', args: [next - 1], note: { k: next - 1 } };
  }
  const k = g.foldLen - 1; // a lie made after the fold shows at its last step
  const guess: Decision = { kind: 'move', move: 'pickAcc', args: [k], note: { k, guessed: true } };
  return { kind: 'guess', reason: `the solver's accumulator sequence of element ${g.element} is not available`, decision: guess };
}

async function oneStep(g: GameState, party: DisputeParty, run: TransitionRun): Promise<Decision> {
  return oneStepDecision(g, party, run, 'challenger');
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

// The dispute client's decision function: an explicit state machine over the on-chain game
// state. Given the game (phase, clocks, revealed roots), one party's view of the truth and the
// chain time, it returns the one thing this party should do now:
//   move    send this move (and first publish the data it commits to)
//   fallback  the move to make if the opponent's published data does not show up (the data
//             sub-game): the caller waits a grace period for the data first
//   wait    nothing to do: the other side is to move and its clock is still running
//   silent  this party's turn, but it cannot or will not move (no valid proof exists for its
//           claim, or a tampering solver that stops answering); its clock runs out
// Nothing here is remembered between calls: a restarted bot derives the same decision.
import type { GameMove, GameReader } from '../chain/actions/dispute-game.ts';
import { challengerMove, oneStepDecision } from './challenger-moves.ts';
import { moverOf, moverTimeLeft, type GameState } from '../chain/game-state.ts';
import type { Decision } from './decision.ts';
import type { DisputeParty, JobTerms } from './party.ts';
import { solverMove } from './solver-moves.ts';

export type { Decision } from './decision.ts';

export async function decide(g: GameState, party: DisputeParty, job: JobTerms, now: number, reader: GameReader): Promise<Decision> {
  if (g.phase === 'None') return { kind: 'wait', reason: `dispute ${g.disputeId} is not open yet` };
  if (g.phase === 'Resolved') return { kind: 'wait', reason: 'resolved' };
  const mover = moverOf(g.phase);
  const left = moverTimeLeft(g, now);
  if (mover !== party.side) {
    if (left < 0) return { kind: 'move', move: 'claimTimeout', args: [], note: { loser: mover, overdue: -left } };
    if (g.phase === 'AwaitOneStep') return solverOneStep(g, party);
    return { kind: 'wait', reason: `${mover} to move (${left} s left)` };
  }
  if (left < 0) return { kind: 'silent', reason: `this ${party.side}'s clock ran out ${-left} s ago` };
  const refusal = party.refusal?.(g);
  if (refusal) return { kind: 'silent', reason: refusal };
  return party.side === 'solver' ? solverMove(g, party, job) : challengerMove(g, party, reader);
}

/** During AwaitOneStep anyone may execute the step: the solver does when it wins. */
async function solverOneStep(g: GameState, party: DisputeParty): Promise<Decision> {
  const d = oneStepDecision(g, party, await party.transition(g.step), 'solver');
  return d.kind === 'move' ? d : { kind: 'wait', reason: 'challenger to execute the one-step' };
}

// What the dispute client decides to do now (see strategy.ts). Its own file so that the move
// builders (challenger-moves.ts, solver-moves.ts, steps-descent.ts) can name it without importing
// the state machine that imports them.
import type { GameMove } from '../chain/actions/dispute-game.ts';

export type Decision =
  | { kind: 'move'; move: GameMove; args: unknown[]; note?: Record<string, unknown>; publish?: () => Promise<void> | undefined }
  | { kind: 'fallback'; reason: string; decision: Decision }
  | { kind: 'wait'; reason: string }
  | { kind: 'silent'; reason: string };

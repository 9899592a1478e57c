// TypeScript mirror of the DisputeGame state (rollup-contracts/src/lib/GameTypes.sol): phases,
// sides, and the fields of `Game` the dispute clients read. Read by field name, so a struct that
// gains or loses unrelated fields does not break the clients.

export const PHASES = [
  'None',
  'AwaitFinal',
  'AwaitStep',
  'AwaitTrace',
  'AwaitTraceChoice',
  'AwaitLinkProof',
  'AwaitAcc',
  'AwaitAccChoice',
  'AwaitRecord',
  'AwaitElementPick',
  'AwaitElementOpen',
  'AwaitFold',
  'AwaitFoldPick',
  'AwaitFoldOpen',
  'AwaitOneStep',
  'Resolved',
] as const;
export type Phase = (typeof PHASES)[number];

export type Side = 'solver' | 'challenger';

export const REASONS = ['FinalModelMismatch', 'Timeout', 'LinkProven', 'SourceProven', 'EmptyFold', 'OneStep'] as const;
export type Reason = (typeof REASONS)[number];

/** Who moves in each phase (GameLib.moverOf); the challenger's clock runs during AwaitOneStep. */
const SOLVER_PHASES: Phase[] = ['AwaitFinal', 'AwaitTrace', 'AwaitLinkProof', 'AwaitAcc', 'AwaitRecord', 'AwaitElementOpen', 'AwaitFold', 'AwaitFoldOpen'];

export function moverOf(p: Phase): Side {
  return SOLVER_PHASES.includes(p) ? 'solver' : 'challenger';
}

export interface GameState {
  disputeId: bigint;
  phase: Phase;
  solver: string;
  challenger: string;
  solverBank: number; // seconds left
  challengerBank: number;
  turnStartedAt: number; // unix seconds
  challengerWon: boolean;
  reason: Reason;
  numSteps: number;
  step: number; // j
  n: number;
  modelCount: number;
  optCount: number;
  preHash: string;
  postHash: string;
  agreedLen: number;
  disputedLen: number;
  linkTree: number;
  linkIndex: number;
  accLo: string;
  accHi: string;
  accMid: string;
  nodeHash: string;
  dataRoot: string;
  numel: number;
  element: number;
  value: number; // binary32 bits
  foldDataRoot: string;
  foldLen: number;
  foldIndex: number;
  accK: number;
  accNext: number;
}

type Row = Record<string, unknown>;

const num = (x: unknown) => Number(x as bigint);

export function toGameState(disputeId: bigint, r: Row): GameState {
  const phase = PHASES[num(r.phase)];
  if (!phase) throw new Error(`dispute ${disputeId}: unknown game phase ${r.phase} (expected 0..${PHASES.length - 1})`);
  return {
    disputeId,
    phase,
    solver: String(r.solver),
    challenger: String(r.challenger),
    solverBank: num(r.solverBank),
    challengerBank: num(r.challengerBank),
    turnStartedAt: num(r.turnStartedAt),
    challengerWon: Boolean(r.challengerWon),
    reason: REASONS[num(r.reason)] ?? 'OneStep',
    numSteps: num(r.numSteps),
    step: num(r.step),
    n: num(r.n),
    modelCount: num(r.modelCount),
    optCount: num(r.optCount),
    preHash: String(r.preHash),
    postHash: String(r.postHash),
    agreedLen: num(r.agreedLen),
    disputedLen: num(r.disputedLen),
    linkTree: num(r.linkTree),
    linkIndex: num(r.linkIndex),
    accLo: String(r.accLo),
    accHi: String(r.accHi),
    accMid: String(r.accMid),
    nodeHash: String(r.nodeHash),
    dataRoot: String(r.dataRoot),
    numel: num(r.numel),
    element: num(r.element),
    value: num(r.value),
    foldDataRoot: String(r.foldDataRoot),
    foldLen: num(r.foldLen),
    foldIndex: num(r.foldIndex),
    accK: num(r.accK),
    accNext: num(r.accNext),
  };
}

/** Prefix length whose accumulator the solver reveals next (GameLib.midLen). */
export function midLen(g: GameState): number {
  return Math.floor((g.agreedLen + g.disputedLen) / 2);
}

/** Seconds the side to move has left at chain time `now` (negative: its clock ran out). */
export function moverTimeLeft(g: GameState, now: number): number {
  const bank = moverOf(g.phase) === 'solver' ? g.solverBank : g.challengerBank;
  return g.turnStartedAt + bank - now;
}

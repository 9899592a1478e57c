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
  // the data sub-game, appended after Resolved so the earlier numbers stay stable
  'AwaitDataChildren',
  'AwaitDataChoice',
  'AwaitDataChunk',
  // hash interval (K > 1), appended for the same reason
  'AwaitMids',
  'AwaitMidPick',
] as const;
export type Phase = (typeof PHASES)[number];

export type Side = 'solver' | 'challenger';

export const REASONS = ['FinalModelMismatch', 'Timeout', 'LinkProven', 'SourceProven', 'EmptyFold', 'OneStep', 'Padding'] as const;
export type Reason = (typeof REASONS)[number];

/** Who moves in each phase (GameLib.moverOf); the challenger's clock runs during AwaitOneStep. */
const SOLVER_PHASES: Phase[] = ['AwaitFinal', 'AwaitTrace', 'AwaitLinkProof', 'AwaitAcc', 'AwaitRecord', 'AwaitElementOpen', 'AwaitFold', 'AwaitFoldOpen', 'AwaitDataChildren', 'AwaitDataChunk', 'AwaitMids'];

/** What the data sub-game descends (ElementLib.DATA_*): output / fold sequence / post-state tree 0 or 1 / stepsRoot. */
export const DATA_OUTPUT = 0;
export const DATA_FOLD = 1;
export const DATA_STATE_TREES = 2; // + tree
export const DATA_STEPS = 4;

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
  hashInterval: number; // K of the job (read by revealFinal)
  stepsRoot: string; // the commitment's root the steps-tree descent starts from
  preHash: string;
  postHash: string;
  midsHash: string; // AwaitMidPick: keccak256(H[lo] || mids || H[hi])
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
  dataTarget: number;
  dataRequests: number; // bit per target: each can be requested once
  dataHeight: number; // height of dataNode above the leaves
  dataIndex: number; // position of dataNode at its height
  dataNode: string;
  dataLeft: string;
  dataRight: string;
}

/** Whether the data sub-game over `target` was already used in this dispute. */
export function dataRequested(g: GameState, target: number): boolean {
  return ((g.dataRequests >> target) & 1) === 1;
}

/** A finished descent over `target`: the game is back in a pick phase at a leaf of that tree. */
export function descended(g: GameState, target: number): boolean {
  return dataRequested(g, target) && g.dataTarget === target && g.dataHeight === 0;
}

type Row = Record<string, unknown>;

const num = (x: unknown) => Number(x as bigint);
const ZERO = '0x' + '00'.repeat(32);

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
    reason: REASONS[num(r.reason)] ?? (`reason ${r.reason}` as Reason),
    numSteps: num(r.numSteps),
    step: num(r.step),
    n: num(r.n),
    modelCount: num(r.modelCount),
    optCount: num(r.optCount),
    hashInterval: num(r.hashInterval ?? 1),
    stepsRoot: String(r.stepsRoot ?? ZERO),
    preHash: String(r.preHash),
    postHash: String(r.postHash),
    midsHash: String(r.midsHash ?? ZERO),
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
    dataTarget: num(r.dataTarget ?? 0),
    dataRequests: num(r.dataRequests ?? 0),
    dataHeight: num(r.dataHeight ?? 0),
    dataIndex: num(r.dataIndex ?? 0),
    dataNode: String(r.dataNode ?? ZERO),
    dataLeft: String(r.dataLeft ?? ZERO),
    dataRight: String(r.dataRight ?? ZERO),
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

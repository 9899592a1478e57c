// Plain TypeScript mirrors of the JobMarket structs (rollup-contracts/src/lib/JobMarketTypes.sol,
// interfaces/IDisputeGame.sol). Hashes are 0x-prefixed hex; amounts and u64 values are bigint.

export const JOB_STATUS = ['None', 'Open', 'Claimed', 'Committed', 'Challenged', 'Finalized', 'Cancelled', 'Expired'] as const;
export type JobStatus = (typeof JOB_STATUS)[number];
export const TERMINAL_STATUSES: JobStatus[] = ['Finalized', 'Cancelled', 'Expired'];

export const DISPUTE_STATUS = ['None', 'Active', 'ChallengerWon', 'SolverWon'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUS)[number];

export interface JobParams {
  specHash: string;
  programRoot: string;
  seed: bigint;
  numSteps: bigint;
  /** K: the steps tree commits H[min(mK, T)], m = 0..ceil(T/K) (reproducible-ops/hash-schedule.ts). 1..4096. */
  hashInterval: number;
}

export interface Commitment {
  stepsRoot: string;
  finalStateHash: string;
  finalModelHash: string;
  numSteps: bigint;
}

export interface JobTerms {
  requiredStake: bigint;
  challengerBond: bigint;
  claimWindow: bigint; // seconds
  solveTime: bigint;
  challengeWindow: bigint;
}

export interface JobRecord {
  jobId: bigint;
  submitter: string;
  status: JobStatus;
  claimDeadline: bigint; // unix seconds
  solver: string;
  deadline: bigint;
  reward: bigint;
  openDisputes: number; // active disputes over the current commitment (status Challenged iff > 0)
  round: bigint; // commitments made so far; the current one is `round`
  terms: JobTerms;
  params: JobParams;
  commitment: Commitment;
}

export interface DisputeRecord {
  disputeId: bigint;
  jobId: bigint;
  challenger: string;
  status: DisputeStatus;
  round: bigint; // the job's commitment round this dispute challenged
  solver: string;
  bond: bigint;
}

type Row = Record<string, unknown> & { [i: number]: unknown };

export function jobStatusName(n: bigint | number): JobStatus {
  const s = JOB_STATUS[Number(n)];
  if (!s) throw new Error(`unknown job status ${n} (expected 0..${JOB_STATUS.length - 1})`);
  return s;
}

export function toJobParams(r: Row): JobParams {
  return {
    specHash: String(r.specHash),
    programRoot: String(r.programRoot),
    seed: BigInt(r.seed as bigint),
    numSteps: BigInt(r.numSteps as bigint),
    hashInterval: Number(r.hashInterval as bigint),
  };
}

export function toCommitment(r: Row): Commitment {
  return {
    stepsRoot: String(r.stepsRoot),
    finalStateHash: String(r.finalStateHash),
    finalModelHash: String(r.finalModelHash),
    numSteps: BigInt(r.numSteps as bigint),
  };
}

export function toJobTerms(r: Row): JobTerms {
  return {
    requiredStake: BigInt(r.requiredStake as bigint),
    challengerBond: BigInt(r.challengerBond as bigint),
    claimWindow: BigInt(r.claimWindow as bigint),
    solveTime: BigInt(r.solveTime as bigint),
    challengeWindow: BigInt(r.challengeWindow as bigint),
  };
}

export function toJobRecord(jobId: bigint, r: Row): JobRecord {
  return {
    jobId,
    submitter: String(r.submitter),
    status: jobStatusName(r.status as bigint),
    claimDeadline: BigInt(r.claimDeadline as bigint),
    solver: String(r.solver),
    deadline: BigInt(r.deadline as bigint),
    reward: BigInt(r.reward as bigint),
    openDisputes: Number(r.openDisputes as bigint),
    round: BigInt(r.round as bigint),
    terms: toJobTerms(r.terms as Row),
    params: toJobParams(r.params as Row),
    commitment: toCommitment(r.commitment as Row),
  };
}

export function toDisputeRecord(disputeId: bigint, r: Row): DisputeRecord {
  const st = DISPUTE_STATUS[Number(r.status)];
  if (!st) throw new Error(`unknown dispute status ${r.status}`);
  return {
    disputeId,
    jobId: BigInt(r.jobId as bigint),
    challenger: String(r.challenger),
    status: st,
    round: BigInt(r.round as bigint),
    solver: String(r.solver),
    bond: BigInt(r.bond as bigint),
  };
}

/** JSON-friendly copy (bigint -> decimal string) for --json output. */
export function jsonable(x: unknown): unknown {
  if (typeof x === 'bigint') return x.toString();
  if (Array.isArray(x)) return x.map(jsonable);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, jsonable(v)]));
  return x;
}

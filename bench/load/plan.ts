// What one load run is given and what it collects (bench/load/run.ts fills it in, checks.ts
// reads it): its own file so that the checks do not import the runner that imports them.
import type { ChainClient } from '../../chain/client.ts';
import type { DevnetInfo } from '../../chain/devnet.ts';
import type { JobStatus } from '../../chain/types.ts';
import type { RoleProcess } from './procs.ts';
import type { Ledger, stuckNonces } from './ledger.ts';

export interface LoadOptions {
  jobs: number;
  steps: number; // training steps per job
  challengeWindow: number; // s
  timeBank: number; // s, each side's dispute clock
  claimWindow: number; // s
  seed: number; // the run's random choices (cheat step and op)
  timeoutMs: number;
  keep?: boolean; // keep the run directory (logs) afterwards
  progress?: (line: string) => void;
}

/** Which anvil account plays which part (anvil has 10; 0 deployed the contracts). */
export const CAST = {
  submitters: [1, 8, 9],
  honest: 2, cheater: 4, withholder: 5,
  verifiers: [3, 6], griefer: 7,
} as const;

export interface JobPlan { model: 'mlp' | 'cnn'; file: string; jobId?: bigint; submitter: number }

export interface RunData {
  opts: LoadOptions;
  info: DevnetInfo;
  client: ChainClient;
  plans: JobPlan[];
  cheatSpec: string;
  roles: Array<RoleProcess & { account: number }>;
  before: { block: number; balances: Map<string, bigint> };
  after: { block: number; balances: Map<string, bigint> };
  ledger: Ledger;
  finalStatus: Map<string, JobStatus>;
  cancelled: string[]; // jobs still open at the end, cancelled by their submitter
  stuck: Awaited<ReturnType<typeof stuckNonces>>;
  crashed: string[]; // roles that exited before they were told to stop
  wallMs: number;
  timedOut?: string;
  dir: string;
}


// The verifier's memory, one JSON file in its data directory: the event cursor, every commitment
// it has seen (by job id and commit block: a reopened job committed again is a new entry) with
// what it decided, and the disputes it opened. Dispute moves themselves are kept by the arbiter
// (<data dir>/disputes/dispute-<id>.json). A restarted verifier reloads this and carries on.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../jobs/tfjs-model.ts';
import type { CursorStore } from '../chain/events.ts';
import type { JobRecord } from '../chain/types.ts';

export type CommitStatus = 'pending' | 'verified' | 'challenged' | 'won' | 'lost' | 'skipped';

export interface CommitEntry {
  jobId: string;
  commitBlock: number;
  status: CommitStatus;
  randomness?: { blockNumber: number; blockHash: string };
  sampled?: number[]; // leaves of the steps tree (transitions when hashInterval = 1)
  replayedSteps?: number;
  withheld?: number[]; // checkpoint steps the solver did not serve
  disputeId?: string;
  /** The challenged job parameters and commitment (the job record changes once it reopens). */
  terms?: { params: Record<string, string>; commitment: Record<string, string> };
  disputed?: number; // the leaf m the dispute names in pickStep (= the transition when hashInterval = 1)
  grief?: boolean;
  reason?: string;
  attempts?: number; // failed attempts to get the solver's data
  /** Local copies (blob hashes in <data dir>/evidence) of what the dispute needs from the solver. */
  evidence?: { manifest: string; preState: string | null };
  /** 'replay': checked (and disputed) from the verifier's own replay of the job, not the solver's data. */
  mode?: 'replay';
  dataError?: string; // why the solver's published data could not be used
  ownLeaves?: string; // evidence blob of the finished own replay (leaf hashes, stepsRoot)
  replayMs?: number;
  /** A committed forced-error find (docs/PROTOCOL.md §12): leaf, own H at it, salt, commitment round. */
  find?: { leaf: number; trueLeaf: string; salt: string; round: string };
  findRevealed?: boolean; // the solver revealed and the find was looked at
  forcedFind?: 'counted' | 'collected' | 'void'; // the find was the forced error: its share's fate
  deferred?: string; // a reason to challenge seen in the find window, acted on after the reveal
}

/** The challenged terms as JSON (bigints as decimal strings). */
export function termsOf(job: JobRecord): NonNullable<CommitEntry['terms']> {
  const str = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
  return { params: str(job.params), commitment: str(job.commitment) };
}

interface StateFile {
  format: 'optrain-verifier-1';
  address: string;
  cursor: number | null;
  commits: Record<string, CommitEntry>;
}

export const commitKey = (jobId: bigint | string, commitBlock: number) => `${jobId}@${commitBlock}`;

export class VerifierState {
  readonly path: string;
  private data: StateFile;

  constructor(dataDir: string, address: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'verifier-state.json');
    this.data = existsSync(this.path) ? this.read(address) : { format: 'optrain-verifier-1', address, cursor: null, commits: {} };
  }

  private read(address: string): StateFile {
    let f: StateFile;
    try {
      f = JSON.parse(readFileSync(this.path, 'utf8')) as StateFile;
    } catch (e) {
      throw new Error(`${this.path}: unreadable verifier state (${(e as Error).message}); move it away to start over`);
    }
    if (f.format !== 'optrain-verifier-1') throw new Error(`${this.path}: format ${JSON.stringify(f.format)}, expected "optrain-verifier-1"`);
    if (f.address.toLowerCase() !== address.toLowerCase())
      throw new Error(`${this.path} belongs to verifier ${f.address}, not ${address}; use another --data-dir`);
    return f;
  }

  save(): void {
    writeAtomic(this.path, JSON.stringify(this.data, null, 1) + '\n');
  }

  get commits(): [string, CommitEntry][] {
    return Object.entries(this.data.commits);
  }

  /** Record a commitment once (at-least-once event delivery). */
  add(jobId: bigint, commitBlock: number): CommitEntry | null {
    const key = commitKey(jobId, commitBlock);
    if (this.data.commits[key]) return null;
    const e: CommitEntry = { jobId: String(jobId), commitBlock, status: 'pending' };
    this.data.commits[key] = e;
    this.save();
    return e;
  }

  cursor(): CursorStore {
    return {
      load: async () => this.data.cursor,
      save: async (b) => {
        this.data.cursor = b;
        this.save();
      },
    };
  }
}

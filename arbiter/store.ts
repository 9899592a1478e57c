// The small state a dispute client keeps on disk: one JSON file per dispute under the bot's data
// directory, with the moves it sent (gas, tx) and the outcome. Everything the client decides is
// derived from chain state; this file is its memory of what it did (and of inputs that are not
// on chain, e.g. the transition a verifier chose to dispute), so a restarted bot resumes the
// dispute and still reports every move's gas.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../jobs/tfjs-model.ts';
import type { Side } from '../chain/game-state.ts';

export interface MoveRecord {
  move: string;
  phase: string;
  gasUsed: string; // decimal
  tx: string;
  block: number;
  note?: Record<string, unknown>;
}

export interface DisputeFile {
  format: 'optrain-dispute-1';
  disputeId: string;
  jobId: string;
  side: Side;
  account: string;
  moves: MoveRecord[];
  outcome?: { challengerWon: boolean; reason: string; won: boolean };
  /** Side-specific inputs that are not on chain (e.g. a verifier's disputed transition). */
  extra: Record<string, unknown>;
}

export class DisputeStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(disputeId: bigint): string {
    return join(this.dir, `dispute-${disputeId}.json`);
  }

  load(disputeId: bigint): DisputeFile | null {
    const p = this.path(disputeId);
    if (!existsSync(p)) return null;
    let f: DisputeFile;
    try {
      f = JSON.parse(readFileSync(p, 'utf8')) as DisputeFile;
    } catch (e) {
      throw new Error(`${p}: unreadable dispute state (${(e as Error).message}); delete it to rebuild it from the chain`);
    }
    if (f.format !== 'optrain-dispute-1') throw new Error(`${p}: format ${JSON.stringify(f.format)}, expected "optrain-dispute-1"`);
    return f;
  }

  /** The dispute's file, created on first use. */
  open(disputeId: bigint, init: Omit<DisputeFile, 'format' | 'moves' | 'extra'> & { extra?: Record<string, unknown> }): DisputeFile {
    const f = this.load(disputeId);
    if (f) return f;
    const fresh: DisputeFile = { format: 'optrain-dispute-1', moves: [], extra: {}, ...init };
    this.save(fresh);
    return fresh;
  }

  save(f: DisputeFile): void {
    writeAtomic(this.path(BigInt(f.disputeId)), JSON.stringify(f, null, 1) + '\n');
  }

  list(): DisputeFile[] {
    return readdirSync(this.dir)
      .flatMap((name) => /^dispute-(\d+)\.json$/.exec(name)?.[1] ?? [])
      .map((id) => this.load(BigInt(id))!)
      .sort((a, b) => Number(BigInt(a.disputeId) - BigInt(b.disputeId)));
  }
}

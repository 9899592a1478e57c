// The verifier's side of forced errors (docs/PROTOCOL.md §12), in a market whose FORCED_ERROR_RATE
// is not 0. A sealed commitment is checked during its find window like any other; a replay that
// disagrees at leaf m commits a find keccak(verifier ‖ job ‖ m ‖ own H ‖ salt) (salt kept in the
// verifier's state first, so a restart can reveal it). Nothing is disputed before the solver's
// reveal: the game judges the true root, known only then. After the reveal a find that is the
// forced error (m = pos, own H = X) is revealed and its share collected once the job finalizes;
// anything else (a real cheat, at pos or elsewhere, or data the solver withheld) goes to the
// normal check of the now-true commitment, which challenges as before, within the challenge
// window that starts at the reveal.
import { hexlify, randomBytes } from 'ethers';
import type { ChainClient } from '../chain/client.ts';
import type { JobRecord } from '../chain/types.ts';
import { findHashOf } from '../chain/forced.ts';
import { collectForcedPrize, commitFind, finderStatus, forcedErrorRate, revealFind, sealedOf, type SealedRecord } from '../chain/actions/forced.ts';
import { chainNow } from '../chain/actions/dispute-game.ts';
import { getJob } from '../chain/actions/get-job.ts';
import type { CommitEntry } from './state.ts';
import type { Verdict } from './examine.ts';

export type Log = (event: string, fields: Record<string, unknown>) => void;

/** What the bot does with a sealed commitment this round. */
export type SealedStep =
  | { do: 'check'; job: JobRecord } // replay now (find window, or after the reveal), against this record
  | { do: 'wait' } // a find is committed (or a check deferred): wait for the reveal
  | { do: 'settle'; status: CommitEntry['status']; reason: string };

export class ForcedFinds {
  private rateP: Promise<bigint> | null = null;

  constructor(private readonly o: { client: ChainClient; address: string; save: () => void; log: Log }) {}

  async sealedMarket(): Promise<boolean> {
    this.rateP ??= forcedErrorRate(this.o.client);
    this.rateP.catch(() => (this.rateP = null));
    return (await this.rateP) > 0n;
  }

  /** Where a sealed commitment stands for this verifier; reveals its find if it is the forced error. */
  async step(entry: CommitEntry, read: JobRecord): Promise<SealedStep> {
    const s = await sealedOf(this.o.client, read.jobId);
    // The record read before sealedOf may predate the reveal (masked root, the find window's
    // deadline): after a reveal only a record read after it is judged, or a real cheat behind
    // the forced leaf would be settled unchecked when the old deadline has passed.
    const job = s.revealed ? await getJob(this.o.client, read.jobId) : read;
    const now = BigInt(await chainNow(this.o.client));
    if (!s.revealed) {
      if (now <= job.deadline) return entry.find || entry.deferred ? { do: 'wait' } : { do: 'check', job };
      if (now > job.deadline + job.terms.challengeWindow) return { do: 'settle', status: 'skipped', reason: 'the solver did not reveal its sealed commitment in time (slashed as late)' };
      return { do: 'wait' };
    }
    if (entry.find && !entry.findRevealed) {
      entry.findRevealed = true;
      this.o.save();
      if (this.isForced(entry.find, s)) return this.claim(entry, job, s, now);
      this.o.log('find-not-forced', { jobId: job.jobId, leaf: entry.find.leaf, forced: s.forced, pos: s.forced ? s.pos : undefined });
    }
    if (now > job.deadline) return { do: 'settle', status: 'skipped', reason: 'challenge window closed' };
    return { do: 'check', job };
  }

  /**
   * During the find window: a replay that disagrees at a leaf commits a find (returns true);
   * any other reason to challenge is deferred to after the reveal (returns true); false: nothing
   * to do now (the verdict is acted on as usual).
   */
  async onVerdict(entry: CommitEntry, job: JobRecord, v: Verdict): Promise<boolean> {
    if (!v.challenge || (await sealedOf(this.o.client, job.jobId)).revealed) return false;
    const f = v.report?.fault;
    if (f?.kind !== 'leaf' || v.grief) return this.defer(entry, job, v.reason);
    entry.find = { leaf: f.m, trueLeaf: f.hash, salt: hexlify(randomBytes(32)), round: String(job.round) };
    this.o.save(); // the salt first: a restarted verifier must be able to reveal
    const tx = await commitFind(this.o.client, job.jobId, findHashOf(this.o.address, job.jobId, f.m, f.hash, entry.find.salt));
    this.o.log('find-committed', { jobId: job.jobId, leaf: f.m, gasUsed: tx.gasUsed });
    return true;
  }

  /** Before the reveal a commitment cannot be challenged: a reason found now waits for it. */
  async defer(entry: CommitEntry, job: JobRecord, reason: string): Promise<boolean> {
    if ((await sealedOf(this.o.client, job.jobId)).revealed) return false;
    entry.deferred = reason;
    this.o.save();
    this.o.log('check-deferred', { jobId: job.jobId, reason });
    return true;
  }

  private isForced(find: NonNullable<CommitEntry['find']>, s: SealedRecord): boolean {
    return s.forced && s.pos === find.leaf && s.forcedLeaf.toLowerCase() === find.trueLeaf.toLowerCase();
  }

  /**
   * Reveal the find; its share is collected once the job finalizes. The rest of the commitment
   * is then checked as usual: a solver may cheat elsewhere in a forced job.
   */
  private async claim(entry: CommitEntry, job: JobRecord, s: SealedRecord, now: bigint): Promise<SealedStep> {
    const f = entry.find!;
    const tx = await revealFind(this.o.client, job.jobId, f.leaf, f.trueLeaf, f.salt);
    entry.forcedFind = 'counted';
    this.o.save();
    this.o.log('forced-error-found', { jobId: job.jobId, leaf: f.leaf, prize: s.prize, gasUsed: tx.gasUsed });
    return now > job.deadline ? { do: 'settle', status: 'verified', reason: `forced error at leaf ${f.leaf} found` } : { do: 'check', job };
  }

  /**
   * Collect the share of a counted find once its job has finalized; a commitment proven wrong pays
   * no finder (the prize went back to the jackpot). Returns the find's final state, or null (wait).
   */
  async collect(entry: CommitEntry, job: JobRecord): Promise<'collected' | 'void' | null> {
    if (job.status !== 'Finalized') return job.round !== BigInt(entry.find!.round) || ['Expired', 'Cancelled'].includes(job.status) ? 'void' : null;
    if ((await finderStatus(this.o.client, job.jobId, BigInt(entry.find!.round), this.o.address)) === 1) {
      const tx = await collectForcedPrize(this.o.client, job.jobId);
      this.o.log('forced-prize-collected', { jobId: job.jobId, gasUsed: tx.gasUsed });
    }
    return 'collected';
  }
}

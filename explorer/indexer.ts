// The explorer's view of the market, built from chain events: every job with its status as
// users name it, every dispute with its game events, every account's credits and slashes, and
// the jackpot's history. Polled from the deployment block to the head; an RPC that goes away
// marks the chain as down (the pages show an outage banner) and the next poll that succeeds
// catches up from the cursor, so the explorer never needs a restart.
import { EventWatcher, type ChainEvent } from '../chain/events.ts';
import type { ChainClient } from '../chain/client.ts';
import { toCommitment, type Commitment } from '../chain/types.ts';
import { Health } from './health.ts';

export type JobStatusLabel = 'posted' | 'claimed' | 'committed' | 'challenged' | 'finalized' | 'slashed' | 'cancelled' | 'expired';

export interface JobRow {
  jobId: string;
  submitter: string;
  specHash: string;
  specURI: string;
  reward: bigint;
  status: JobStatusLabel;
  solver: string | null;
  postedBlock: number;
  postedAt: number | null; // unix seconds of the posting block
  reopened: number; // times the job went back to Open (a slashed or late solver)
  challengeDeadline: bigint | null;
  disputes: string[];
  commitTx: string | null;
  /** The latest commitment as committed (the chain's record is zeroed when a slashed job reopens). */
  commitment: Commitment | null;
}

export interface DisputeRow {
  disputeId: string;
  jobId: string;
  challenger: string;
  solver: string;
  bond: bigint;
  openedBlock: number;
  openedTx: string;
  /** Events of the dispute game and the market's payout events for this dispute, in chain order. */
  events: ChainEvent[];
}

export interface LedgerEntry {
  kind: string; // credited, withdrawn, staked, bonded, slashed, paid
  amount: bigint;
  jobId?: string;
  disputeId?: string;
  block: number;
  tx: string;
}

export interface JackpotEntry {
  kind: 'funded' | 'paid-out';
  amount: bigint;
  jackpotAfter: bigint | null;
  jobId?: string;
  block: number;
  tx: string;
}

export class Indexer {
  readonly jobs = new Map<string, JobRow>();
  readonly disputes = new Map<string, DisputeRow>();
  readonly ledgers = new Map<string, LedgerEntry[]>();
  readonly jackpot: JackpotEntry[] = [];
  /** Bumped whenever something new was indexed: pages poll it to know when to refresh. */
  version = 0;
  head = 0;
  /** Timestamp of the head block: ages are measured in chain time (a devnet's clock may be fast-forwarded). */
  headTime = Math.floor(Date.now() / 1000);
  private readonly watcher: EventWatcher;
  private readonly blockTimes = new Map<number, number>();
  private readonly early = new Map<string, ChainEvent[]>();

  constructor(readonly client: ChainClient, readonly health: Health, fromBlock = 0) {
    this.watcher = new EventWatcher(client, { fromBlock });
  }

  /** One poll: everything new up to the head. Failures mark the chain down, nothing is lost. */
  async poll(): Promise<void> {
    try {
      const batch = await this.watcher.next();
      // Every read first, then the whole batch applied at once: a read failing half-way must not
      // leave half a batch applied (the same batch comes again on the next poll).
      for (const ev of batch.events) if (ev.name === 'JobPosted') await this.blockTime(ev.blockNumber);
      for (const ev of batch.events) this.apply(ev);
      await this.watcher.commit(batch);
      if (batch.events.length) this.version++;
      this.head = batch.nextBlock - 1;
      this.headTime = (await this.client.provider.getBlock(this.head))?.timestamp ?? this.headTime;
      this.health.ok('chain');
    } catch (e) {
      this.health.failed('chain', e);
    }
  }

  ledger(address: string): LedgerEntry[] {
    const key = address.toLowerCase();
    let l = this.ledgers.get(key);
    if (!l) this.ledgers.set(key, (l = []));
    return l;
  }

  private async blockTime(block: number): Promise<number | null> {
    if (!this.blockTimes.has(block)) {
      const b = await this.client.provider.getBlock(block);
      if (!b) return null;
      this.blockTimes.set(block, b.timestamp);
    }
    return this.blockTimes.get(block)!;
  }

  private apply(ev: ChainEvent): void {
    const a = ev.args as Record<string, unknown>;
    const id = (k: string) => String(a[k] as bigint);
    const at = { block: ev.blockNumber, tx: ev.txHash };
    if (ev.contract === 'DisputeGame') return this.gameEvent(id('disputeId'), ev);
    const job = a.jobId !== undefined ? this.jobs.get(id('jobId')) : undefined;
    switch (ev.name) {
      case 'JobPosted':
        this.jobs.set(id('jobId'), {
          jobId: id('jobId'), submitter: String(a.submitter), specHash: String(a.specHash), specURI: String(a.specURI), reward: a.reward as bigint,
          status: 'posted', solver: null, postedBlock: ev.blockNumber, postedAt: this.blockTimes.get(ev.blockNumber) ?? null, reopened: 0, challengeDeadline: null, disputes: [], commitTx: null, commitment: null,
        });
        this.ledger(String(a.submitter)).push({ kind: 'escrowed', amount: a.reward as bigint, jobId: id('jobId'), ...at });
        break;
      case 'JobClaimed':
        if (job) Object.assign(job, { status: 'claimed', solver: String(a.solver) });
        this.ledger(String(a.solver)).push({ kind: 'staked', amount: a.stake as bigint, jobId: id('jobId'), ...at });
        break;
      case 'ResultCommitted':
        if (job) Object.assign(job, { status: 'committed', challengeDeadline: a.challengeDeadline as bigint, commitTx: ev.txHash, commitment: toCommitment(a.commitment as never) });
        break;
      case 'ChallengeOpened':
        this.disputes.set(id('disputeId'), {
          disputeId: id('disputeId'), jobId: id('jobId'), challenger: String(a.challenger), solver: String(a.solver), bond: a.bond as bigint,
          openedBlock: ev.blockNumber, openedTx: ev.txHash, events: this.early.get(id('disputeId')) ?? [],
        });
        this.early.delete(id('disputeId'));
        if (job) Object.assign(job, { status: 'challenged', disputes: [...job.disputes, id('disputeId')] });
        this.ledger(String(a.challenger)).push({ kind: 'bonded', amount: a.bond as bigint, jobId: id('jobId'), disputeId: id('disputeId'), ...at });
        break;
      case 'ChallengerWon':
      case 'ChallengerLost':
        this.disputes.get(id('disputeId'))?.events.push(ev);
        if (ev.name === 'ChallengerLost') {
          const d = this.disputes.get(id('disputeId'));
          if (d) this.ledger(d.challenger).push({ kind: 'bond lost', amount: d.bond, jobId: id('jobId'), disputeId: d.disputeId, ...at });
          if (job && job.status === 'challenged' && job.disputes.every((x) => x === id('disputeId') || this.resolved(x))) job.status = 'committed';
          if (job) job.challengeDeadline = a.challengeDeadline as bigint;
        }
        break;
      case 'SolverSlashed':
        if (job) job.status = 'slashed';
        for (const d of job?.disputes ?? []) this.disputes.get(d)?.events.push(ev);
        this.ledger(String(a.solver)).push({ kind: 'slashed', amount: a.stake as bigint, jobId: id('jobId'), ...at });
        // the share that goes to the jackpot is logged as JackpotFunded too
        if ((a.jackpotPaid as bigint) > 0n) this.jackpot.push({ kind: 'paid-out', amount: a.jackpotPaid as bigint, jackpotAfter: null, jobId: id('jobId'), ...at });
        break;
      case 'SolverSlashedLate':
        if (job) job.status = 'slashed';
        this.ledger(String(a.solver)).push({ kind: 'slashed (late)', amount: a.stake as bigint, jobId: id('jobId'), ...at });
        this.ledger(String(a.caller)).push({ kind: 'tip', amount: a.tip as bigint, jobId: id('jobId'), ...at });
        break;
      case 'JobReopened':
        // the last solver stays on the row: a slashed job names who was slashed
        if (job) Object.assign(job, { reopened: job.reopened + 1, status: job.status === 'slashed' ? 'slashed' : 'posted' });
        break;
      case 'JobFinalized':
        if (job) job.status = 'finalized';
        this.ledger(String(a.solver)).push({ kind: 'paid', amount: a.payout as bigint, jobId: id('jobId'), ...at });
        break;
      case 'JobCancelled':
      case 'JobExpired':
        if (job) job.status = ev.name === 'JobCancelled' ? 'cancelled' : 'expired';
        break;
      case 'Credited':
        this.ledger(String(a.account)).push({ kind: 'credited', amount: a.amount as bigint, ...at });
        break;
      case 'Withdrawn':
        this.ledger(String(a.account)).push({ kind: 'withdrawn', amount: a.amount as bigint, ...at });
        break;
      case 'JackpotFunded':
        this.jackpot.push({ kind: 'funded', amount: a.amount as bigint, jackpotAfter: a.newJackpot as bigint, ...at });
        break;
    }
  }

  /** The game logs its opening inside the market's challenge call, before ChallengeOpened: keep it until then. */
  private gameEvent(disputeId: string, ev: ChainEvent): void {
    const d = this.disputes.get(disputeId);
    if (d) return void d.events.push(ev);
    const list = this.early.get(disputeId) ?? [];
    this.early.set(disputeId, [...list, ev]);
  }

  private resolved(disputeId: string): boolean {
    return this.disputes.get(disputeId)?.events.some((e) => e.name === 'GameResolved' || e.name === 'ChallengerWon' || e.name === 'ChallengerLost') ?? false;
  }
}

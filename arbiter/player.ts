// Drives one dispute for one party: each tick reads the game from chain, asks the strategy what
// to do, publishes the data a move commits to, sends the move, and records its gas in the
// dispute's file. Stateless between ticks apart from that file and log de-duplication, so a
// killed and restarted bot simply continues from the chain state.
import { chainNow, gameReader, getGame, sendMove, type GameReader } from '../chain/actions/dispute-game.ts';
import type { ChainClient } from '../chain/client.ts';
import { ChainError } from '../chain/errors.ts';
import type { GameState } from '../chain/game-state.ts';
import type { DisputeParty, JobTerms } from './party.ts';
import { decide, type Decision } from './strategy.ts';
import type { DisputeFile, DisputeStore } from './store.ts';
import { sleepUnlessAborted } from '../chain/events.ts';

export type Log = (event: string, fields: Record<string, unknown>) => void;

export interface PlayerOptions {
  client: ChainClient; // signs as this party
  disputeId: bigint;
  jobId: bigint;
  party: DisputeParty;
  job: JobTerms;
  store: DisputeStore;
  log: Log;
  /** How long to wait for the opponent's published data before forcing it on chain (default 5 s). */
  dataGraceMs?: number;
  extra?: Record<string, unknown>;
}

export type TickResult =
  | { status: 'resolved'; challengerWon: boolean; reason: string; won: boolean }
  | { status: 'moved'; move: string }
  | { status: 'waiting'; reason: string }
  | { status: 'silent'; reason: string };

export class DisputePlayer {
  readonly file: DisputeFile;
  private readonly firstSeen = new Map<string, number>();
  private readonly reported = new Set<string>();
  private readonly reader: GameReader;

  constructor(private readonly o: PlayerOptions) {
    const account = o.client.signer?.address;
    if (!account) throw new ChainError(`dispute ${o.disputeId}: the ${o.party.side} client needs a signer`);
    this.reader = gameReader(o.client);
    this.file = o.store.open(o.disputeId, { disputeId: String(o.disputeId), jobId: String(o.jobId), side: o.party.side, account, extra: o.extra });
  }

  get disputeId(): bigint {
    return this.o.disputeId;
  }

  async tick(): Promise<TickResult> {
    const g = await getGame(this.o.client, this.o.disputeId);
    if (g.phase === 'Resolved') return this.resolved(g);
    let d: Decision = await decide(g, this.o.party, this.o.job, await chainNow(this.o.client), this.reader);
    const turn = turnKey(g);
    if (d.kind === 'fallback') {
      const seen = this.firstSeen.get(turn) ?? Date.now();
      this.firstSeen.set(turn, seen);
      if (Date.now() - seen < (this.o.dataGraceMs ?? 5_000)) return { status: 'waiting', reason: d.reason };
      this.once(`fallback:${turn}`, 'dispute-data-withheld', { reason: d.reason });
      d = d.decision;
    }
    if (d.kind === 'wait') return { status: 'waiting', reason: d.reason };
    if (d.kind === 'silent') {
      this.once(`silent:${turn}`, 'dispute-silent', { phase: g.phase, reason: d.reason });
      return { status: 'silent', reason: d.reason };
    }
    if (d.kind !== 'move') throw new Error(`dispute ${this.o.disputeId}: nested fallback decision`);
    return this.send(g, d, turn);
  }

  private async send(g: GameState, d: Extract<Decision, { kind: 'move' }>, turn: string): Promise<TickResult> {
    await d.publish?.(); // the data goes out before the root it belongs to is on chain
    try {
      const tx = await sendMove(this.o.client, d.move, this.o.disputeId, d.args);
      this.file.moves.push({ move: d.move, phase: g.phase, gasUsed: String(tx.gasUsed), tx: tx.hash, block: tx.blockNumber, ...(d.note ? { note: d.note } : {}) });
      this.o.store.save(this.file);
      this.o.log('dispute-move', { disputeId: this.o.disputeId, side: this.o.party.side, move: d.move, gasUsed: tx.gasUsed, ...d.note });
      return { status: 'moved', move: d.move };
    } catch (e) {
      const now = await getGame(this.o.client, this.o.disputeId);
      if (turnKey(now) !== turn) return { status: 'waiting', reason: `the game moved on before ${d.move} landed` };
      this.once(`reject:${turn}`, 'dispute-move-rejected', { phase: g.phase, move: d.move, error: (e as Error).message });
      return { status: 'silent', reason: (e as Error).message };
    }
  }

  private resolved(g: GameState): TickResult {
    const won = g.challengerWon === (this.o.party.side === 'challenger');
    if (!this.file.outcome) {
      this.file.outcome = { challengerWon: g.challengerWon, reason: g.reason, won };
      this.o.store.save(this.file);
      this.o.log('dispute-resolved', { disputeId: this.o.disputeId, side: this.o.party.side, won, reason: g.reason, moves: this.file.moves.length });
    }
    return { status: 'resolved', challengerWon: g.challengerWon, reason: g.reason, won };
  }

  private once(key: string, event: string, fields: Record<string, unknown>): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.o.log(event, { disputeId: this.o.disputeId, side: this.o.party.side, ...fields });
  }

  /** Tick until the dispute resolves (or `signal` aborts); errors of one tick are logged and retried. */
  async play(signal?: AbortSignal, intervalMs = 200): Promise<TickResult | null> {
    while (!signal?.aborted) {
      try {
        const r = await this.tick();
        if (r.status === 'resolved') return r;
        if (r.status === 'moved') continue;
      } catch (e) {
        this.once(`error:${(e as Error).message}`, 'dispute-error', { error: (e as Error).message });
      }
      await sleepUnlessAborted(intervalMs, signal);
    }
    return null;
  }
}

/** Identifies one turn of the game (a phase at one point of the bisection). */
function turnKey(g: GameState): string {
  return [g.phase, g.turnStartedAt, g.agreedLen, g.disputedLen, g.element, g.foldIndex, g.dataHeight, g.dataIndex, g.solverBank, g.challengerBank].join(':');
}

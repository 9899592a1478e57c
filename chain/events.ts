// Poll-based event watching: eth_getLogs from a block cursor to the chain head, in bounded
// ranges, decoded with the JobMarket (and dispute game) ABIs. The cursor is committed only
// after the caller has handled a batch, so a restarted watcher re-reads (at-least-once)
// instead of missing events; handlers must therefore be idempotent.
import type { Interface, Log } from 'ethers';
import type { ChainClient } from './client.ts';

export interface ChainEvent {
  contract: 'JobMarket' | 'DisputeGame';
  name: string;
  args: Record<string, unknown>;
  blockNumber: number;
  logIndex: number;
  txHash: string;
}

/** Where the next block to scan is remembered (memory, Redis, a file...). */
export interface CursorStore {
  load(): Promise<number | null>;
  save(nextBlock: number): Promise<void>;
}

export function memoryCursor(start: number | null = null): CursorStore {
  let v = start;
  return { load: async () => v, save: async (b) => void (v = b) };
}

/** A cursor in one Redis string key (structural type, so this file needs no Redis client). */
export function redisCursor(redis: { get(k: string): Promise<string | null>; set(k: string, v: string): Promise<unknown> }, key: string): CursorStore {
  return {
    load: async () => {
      const v = await redis.get(key);
      return v === null ? null : Number(v);
    },
    save: async (b) => void (await redis.set(key, String(b))),
  };
}

export interface EventBatch {
  events: ChainEvent[];
  nextBlock: number;
}

export interface WatcherOptions {
  cursor?: CursorStore;
  /** First block to scan when the cursor is empty (default 0). */
  fromBlock?: number;
  /** Only these event names (default: all). */
  names?: string[];
  /** Blocks per eth_getLogs request. */
  maxRange?: number;
}

export class EventWatcher {
  private readonly cursor: CursorStore;
  private readonly sources: { address: string; iface: Interface; contract: ChainEvent['contract'] }[];

  constructor(private readonly c: ChainClient, private readonly opts: WatcherOptions = {}) {
    this.cursor = opts.cursor ?? memoryCursor();
    this.sources = [{ address: c.addresses.jobMarket, iface: c.marketIface, contract: 'JobMarket' }];
    if (c.gameIface) this.sources.push({ address: c.addresses.disputeGame, iface: c.gameIface, contract: 'DisputeGame' });
  }

  /** Read everything from the cursor to the head; does not move the cursor (see commit). */
  async next(): Promise<EventBatch> {
    const start = (await this.cursor.load()) ?? this.opts.fromBlock ?? 0;
    const head = await this.c.provider.getBlockNumber();
    const events: ChainEvent[] = [];
    const range = this.opts.maxRange ?? 5_000;
    for (let from = start; from <= head; from += range) {
      const to = Math.min(head, from + range - 1);
      const logs = await this.c.provider.getLogs({ address: this.sources.map((s) => s.address), fromBlock: from, toBlock: to });
      for (const log of logs) {
        const ev = this.decode(log);
        if (ev && (!this.opts.names || this.opts.names.includes(ev.name))) events.push(ev);
      }
    }
    events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    return { events, nextBlock: Math.max(start, head + 1) };
  }

  async commit(batch: EventBatch): Promise<void> {
    await this.cursor.save(batch.nextBlock);
  }

  /** Poll until `signal` aborts; the cursor advances only after `handle` resolves. */
  async watch(handle: (events: ChainEvent[]) => Promise<void>, opts: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    while (!opts.signal?.aborted) {
      const batch = await this.next();
      if (batch.events.length) await handle(batch.events);
      await this.commit(batch);
      await sleepUnlessAborted(opts.intervalMs ?? 500, opts.signal);
    }
  }

  private decode(log: Log): ChainEvent | null {
    const src = this.sources.find((s) => s.address.toLowerCase() === log.address.toLowerCase());
    if (!src) return null;
    const parsed = src.iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return null;
    return {
      contract: src.contract,
      name: parsed.name,
      args: parsed.args.toObject(true),
      blockNumber: log.blockNumber,
      logIndex: log.index,
      txHash: log.transactionHash,
    };
  }
}

export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

// Scheduling of the verifier bot's work. Each lane runs keyed tasks (one per commitment or
// dispute) without waiting for them: a round starts what is due and returns, so a task stuck on a
// slow server holds its own slot and nothing else. A lane bounds how many tasks run at once, never
// runs the same key twice at the same time, and backs a failing key off exponentially; retries
// of failed keys never take the last free slot, so unavailable jobs cannot crowd out fresh ones.

export interface LaneTask {
  key: string;
  /** Resolves true when the task made progress, false when it failed and should back off. */
  run(): Promise<boolean>;
}

export interface LaneOptions {
  /** Most tasks running at once (Infinity: no bound). */
  limit: number;
  /** First back-off after a failure; doubles per consecutive failure up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export class Lane {
  private readonly running = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, { count: number; until: number }>();
  private readonly retrying = new Set<string>(); // running keys that had failed before

  constructor(private readonly o: LaneOptions) {}

  get size(): number {
    return this.running.size;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Start the due tasks, in the given order (most urgent first), while slots are free. */
  launch(tasks: LaneTask[], now = Date.now()): string[] {
    const started: string[] = [];
    const retryLimit = Math.max(1, this.o.limit - 1);
    for (const t of tasks) {
      if (this.running.size >= this.o.limit) break;
      const failed = this.failures.get(t.key);
      if (this.running.has(t.key) || (failed?.until ?? 0) > now) continue;
      if (failed && this.retrying.size >= retryLimit) continue;
      if (failed) this.retrying.add(t.key);
      const p = t
        .run()
        .catch(() => false)
        .then((ok) => this.settled(t.key, ok))
        .finally(() => {
          this.running.delete(t.key);
          this.retrying.delete(t.key);
        });
      this.running.set(t.key, p);
      started.push(t.key);
    }
    return started;
  }

  private settled(key: string, ok: boolean): void {
    if (ok) return void this.failures.delete(key);
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const base = this.o.backoffMs ?? 1_000;
    const delay = Math.min(this.o.maxBackoffMs ?? 30_000, base * 2 ** (count - 1));
    this.failures.set(key, { count, until: Date.now() + delay });
  }

  /** Wait for the running tasks, at most `ms`; returns the keys still running after that. */
  async drain(ms: number): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = Number.isFinite(ms) ? setTimeout(r, ms) : undefined));
    await Promise.race([Promise.allSettled([...this.running.values()]), late]);
    clearTimeout(timer);
    return [...this.running.keys()];
  }
}

/** Items sorted by a bigint deadline, earliest first; unknown deadlines go last, in their given order. */
export function byDeadline<T>(items: T[], deadline: (t: T) => bigint | undefined): T[] {
  return items
    .map((t, i) => ({ t, i, d: deadline(t) }))
    .sort((a, b) => (a.d === undefined ? (b.d === undefined ? a.i - b.i : 1) : b.d === undefined ? -1 : a.d < b.d ? -1 : a.d > b.d ? 1 : a.i - b.i))
    .map((x) => x.t);
}

/**
 * A yield point for long synchronous work (a replay): resolves at once, except every `everyMs`,
 * when it lets the event loop run (timers, I/O: other lanes, aborts) before going on.
 */
export function breather(everyMs = 20): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < everyMs) return;
    await new Promise((r) => setImmediate(r));
    last = Date.now();
  };
}

// Long-running services and a dependency that is down (Redis): say so in one line when it goes
// away and one when it is back, retry with backoff in between, and never let a stuck close()
// keep a stopping process alive. ioredis prints a stack trace per failed reconnect for every
// client that has no 'error' listener; BullMQ queues and workers re-emit the same errors.

/** Connection errors worth one "not reachable" line (anything else is reported as it comes). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

export function isConnectionError(e: unknown): boolean {
  const o = e as { code?: string; name?: string; message?: string } | null;
  if (!o) return false;
  if (o.code && CONNECTION_CODES.has(o.code)) return true;
  // ethers (and our chain layer's one-line errors) name the socket error only in the message
  return o.name === 'MaxRetriesPerRequestError' || /max retries per request|Connection is closed|Stream isn't writeable|\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/i.test(o.message ?? '');
}

/** How an RPC endpoint is named in messages: "rpc node at 127.0.0.1:8545". */
export function rpcName(rpcUrl: string): string {
  return `rpc node at ${new URL(rpcUrl).host}`;
}

/**
 * Where a service's connection failures are reported: to Redis' health while its client is not
 * connected (its own events said so already), else to the RPC node's. Each is said once when it
 * goes away and once when it is back; the service's loop backs off meanwhile.
 */
export class Outages {
  readonly rpc: DependencyHealth;
  private readonly rpcPort: string;

  constructor(
    rpcUrl: string,
    say: Say,
    private readonly redis: { status: string },
    private readonly redisHealth?: DependencyHealth,
    graceMs?: number,
  ) {
    this.rpc = new DependencyHealth(rpcName(rpcUrl), say, graceMs);
    const u = new URL(rpcUrl);
    this.rpcPort = u.port || (u.protocol === 'https:' ? '443' : '80');
  }

  /**
   * True when `e` is a connection failure of Redis or the node (reported here, not to be logged
   * per call). One naming another server (a solver's blob server) is that server's problem.
   */
  absorb(e: unknown): boolean {
    if (!isConnectionError(e)) return false;
    if (this.redis.status !== 'ready') {
      this.redisHealth?.failed(e);
      return true;
    }
    // the socket error names the address it failed on (by IP, whatever host name the URL used)
    const ports = [...((e as Error).message ?? '').matchAll(/[\w.\]]:(\d{2,5})\b/g)].map((m) => m[1]);
    if (ports.some((p) => p !== this.rpcPort)) return false;
    this.rpc.failed(e);
    return true;
  }
}

/** ioredis reconnect delay: 200 ms doubling up to 5 s, for ever (a service waits for its Redis). */
export function reconnectBackoff(times: number): number {
  return Math.min(200 * 2 ** Math.min(times - 1, 5), 5_000);
}

export type Say = (event: 'dependency-down' | 'dependency-up' | 'dependency-error', message: string) => void;

/** The up/down state of one dependency, shared by every connection to it. */
export class DependencyHealth {
  /** When the current run of failures began (null: healthy). */
  private failingSince: number | null = null;
  private reported = false;

  /**
   * @param graceMs A failure is reported only once failures have lasted this long: a single
   *                refused connection that the next attempt overcomes (a node busy for a moment)
   *                is not an outage worth a line.
   */
  constructor(readonly name: string, private readonly say: Say, private readonly graceMs = 1_000) {}

  get isDown(): boolean {
    return this.failingSince !== null;
  }

  /** Listen to an emitter of connection errors (ioredis client, BullMQ queue or worker). */
  watch(emitter: { on(event: 'error', f: (err: Error) => void): unknown }): void {
    emitter.on('error', (err) => this.failed(err));
  }

  failed(err: unknown): void {
    if (!isConnectionError(err)) return this.say('dependency-error', `${this.name}: ${oneLine((err as Error)?.message ?? String(err))}`);
    const now = Date.now();
    this.failingSince ??= now;
    if (this.reported || now - this.failingSince < this.graceMs) return;
    this.reported = true;
    const m = /\b(E[A-Z]{4,})\b/.exec((err as Error)?.message ?? '');
    const code = (err as { code?: string }).code ?? m?.[1] ?? 'connection lost';
    this.say('dependency-down', `${this.name} is not reachable (${code}); retrying with backoff`);
  }

  ok(): void {
    if (this.failingSince === null) return;
    const seconds = Math.round((Date.now() - this.failingSince) / 1000);
    const wasReported = this.reported;
    this.failingSince = null;
    this.reported = false;
    if (wasReported) this.say('dependency-up', `${this.name} is reachable again (after ${seconds} s)`);
  }
}

/** Wait for `p` at most `ms`; true when it settled in time (its error, if any, is swallowed). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

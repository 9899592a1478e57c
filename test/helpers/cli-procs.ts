// The long-running roles as a user runs them: `bin/optrain.mjs <role> start --json` as child
// processes whose events are parsed line by line, for the fault tests (kill -9, restarts).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/optrain.mjs');

export interface CliEvent {
  event: string;
  [field: string]: unknown;
}

export class CliProc {
  readonly child: ChildProcess;
  readonly events: CliEvent[] = [];
  /** Everything it printed that is not a JSON event (stack traces would land here). */
  other = '';
  /** Everything it printed, stdout and stderr, byte for byte. */
  raw = '';
  readonly exited: Promise<void>;

  constructor(readonly name: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env });
    let buf = '';
    this.child.stdout!.on('data', (d) => {
      this.raw += d;
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) this.line(l);
    });
    this.child.stderr!.on('data', (d) => {
      this.raw += d;
      this.other += d;
    });
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
  }

  private line(l: string): void {
    try {
      this.events.push(JSON.parse(l) as CliEvent);
    } catch {
      this.other += l + '\n';
    }
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  find(event: string, where: (e: CliEvent) => boolean = () => true): CliEvent | undefined {
    return this.events.find((e) => e.event === event && where(e));
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  /** Wait for an event; fails at once (with its output) if the process exits first. */
  async until(event: string, where: (e: CliEvent) => boolean = () => true, timeoutMs = 60_000): Promise<CliEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.find(event, where);
      if (e) return e;
      if (!this.alive) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before ${event}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${this.name}: ${event}\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  tail(n = 15): string {
    return [...this.events.slice(-n).map((e) => JSON.stringify(e)), this.other.slice(-2000)].join('\n');
  }

  async kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(sig);
    await this.exited;
  }
}

/** Every CliProc a test file started, killed in its after() (and by the exit backstop). */
export class CliProcs {
  readonly all = new Set<CliProc>();

  constructor() {
    process.once('exit', () => {
      for (const p of this.all) p.child.kill('SIGKILL');
    });
  }

  start(name: string, args: string[], env?: NodeJS.ProcessEnv): CliProc {
    const p = new CliProc(name, args, env);
    this.all.add(p);
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.all].map((p) => p.kill('SIGTERM')));
  }

  /** Output of every process (for failure messages). */
  dump(): string {
    return [...this.all].map((p) => `--- ${p.name}\n${p.tail()}`).join('\n');
  }
}

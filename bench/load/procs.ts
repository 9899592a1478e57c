// The load run's role processes: the real CLI (`bin/optrain.mjs solver|verifier start`) spawned as
// children, each logging JSON events to its own file, with its resident memory sampled from
// /proc over the run (the whole process tree: a child's own children count too).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'optrain.mjs');

export interface RssStats {
  samples: number;
  /** Largest resident set seen (MiB). */
  maxMiB: number;
  /** Median of the last quarter of samples minus the median of the second quarter (MiB): the first quarter is warm-up. */
  growthMiB: number;
  /** Median of the second quarter (MiB), the level growth is measured against. */
  warmMiB: number;
}

export interface RoleProcess {
  name: string;
  pid: number;
  logFile: string;
  rss: number[]; // KiB, one per sample
  exitCode: number | null | undefined; // undefined while running
  stop(): Promise<void>;
}

/** Start `optrain <args...>` with stdout/stderr to `<dir>/<name>.log`. */
export function startRole(name: string, args: string[], dir: string): RoleProcess {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', (code) => ((p.exitCode = code), r())));
  const p: RoleProcess = {
    name, pid: child.pid!, logFile, rss: [], exitCode: undefined,
    async stop() {
      if (p.exitCode !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000); // a role that ignores SIGTERM
      await exited;
      clearTimeout(killer);
    },
  };
  return p;
}

/** Resident set (KiB) of `pid` and its descendants, from /proc; 0 once it is gone. */
export function treeRssKiB(pid: number): number {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += m ? Number(m[1]) : 0;
    for (const tid of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += treeRssKiB(Number(tid));
  } catch {
    // exited between two reads
  }
  return total;
}

/** Sample every live role's RSS every `everyMs`; returns a stopper. */
export function sampleRss(roles: RoleProcess[], everyMs: number): () => void {
  const tick = () => {
    for (const r of roles) if (r.exitCode === undefined) r.rss.push(treeRssKiB(r.pid));
  };
  tick();
  const t = setInterval(tick, everyMs);
  return () => clearInterval(t);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};

export function rssStats(kib: number[]): RssStats {
  const q = Math.max(1, Math.floor(kib.length / 4));
  const warm = median(kib.slice(q, 2 * q)), late = median(kib.slice(-q));
  const mib = (k: number) => Math.round((k / 1024) * 10) / 10;
  return { samples: kib.length, maxMiB: mib(Math.max(0, ...kib)), growthMiB: mib(late - warm), warmMiB: mib(warm) };
}

/**
 * A leak, as far as a run of minutes can tell: the late level exceeds the warmed-up level by more
 * than 25% of it and by more than 64 MiB (V8 grows its heap in steps; small drift is not a leak).
 */
export function looksLeaky(s: RssStats): boolean {
  return s.samples >= 8 && s.growthMiB > Math.max(64, 0.25 * s.warmMiB);
}

/** The JSON event lines of a role's log (non-JSON lines, e.g. a stack trace, are kept as text). */
export function readEvents(p: RoleProcess): Array<Record<string, unknown>> {
  return readFileSync(p.logFile, 'utf8').split('\n').filter(Boolean).map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { event: 'text', line };
    }
  });
}

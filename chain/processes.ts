// Local infrastructure processes: anvil (from npm) and redis-server, on free loopback ports.
// Both can run attached (tests: killed with the test process) or detached (`devnet up`: they
// outlive the CLI and are stopped by pid with `devnet down`).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './artifacts.ts';

export const ANVIL_BIN = join(REPO_ROOT, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');

export interface Account {
  address: string;
  privateKey: string;
}

export interface AnvilProcess {
  rpcUrl: string;
  pid: number;
  chainId: number;
  accounts: Account[];
}

export interface RedisProcess {
  redisUrl: string;
  pid: number;
  pidFile: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seconds between blocks mined on an idle devnet (0: only when a transaction arrives). */
export const DEFAULT_BLOCK_TIME = 1;

export interface AnvilOptions {
  dir: string;
  detached?: boolean;
  chainId?: number;
  timeoutMs?: number;
  blockTime?: number;
  /** anvil --network (e.g. 'optimism' for an OP Stack L2). */
  network?: 'optimism';
  /** File name stem of its log and config in `dir` (default 'anvil'; two anvils need two). */
  name?: string;
}

/**
 * Start anvil on a free port (anvil picks it: --port 0) and wait until it listens.
 * `dir` receives anvil's config (accounts and keys) and, when detached, its log.
 * Transactions are mined at once, and an idle chain still mines a block every `blockTime`
 * seconds (--mixed-mining): roles read time from block.timestamp, so without blocks a
 * deadline would never pass for them until unrelated traffic came along.
 */
export async function startAnvil(opts: AnvilOptions): Promise<AnvilProcess> {
  if (!existsSync(ANVIL_BIN)) throw new Error(`anvil binary not found at ${ANVIL_BIN} (is @foundry-rs/anvil-linux-amd64 installed?)`);
  mkdirSync(opts.dir, { recursive: true });
  const name = opts.name ?? 'anvil';
  const configPath = join(opts.dir, `${name}-config.json`);
  const logPath = join(opts.dir, `${name}.log`);
  rmSync(configPath, { force: true });
  const chainId = opts.chainId ?? 31337;
  const args = ['--host', '127.0.0.1', '--port', '0', '--chain-id', String(chainId), '--config-out', configPath];
  // OP Stack L2 features: deposit transactions (type 0x7e) and OP receipts.
  if (opts.network) args.push('--network', opts.network);
  const blockTime = opts.blockTime ?? DEFAULT_BLOCK_TIME;
  if (blockTime > 0) args.push('--block-time', String(blockTime), '--mixed-mining');
  const logFd = openSync(logPath, 'w');
  const child = spawn(ANVIL_BIN, args, { detached: !!opts.detached, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  if (opts.detached) child.unref();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let done = false;
  exited.then(() => (done = true));
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (done) throw new Error(`anvil exited during startup; log ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-1000)}`);
    const m = /Listening on ([\d.]+):(\d+)/.exec(readFileSync(logPath, 'utf8'));
    if (m && existsSync(configPath)) {
      const cfg = JSON.parse(readFileSync(configPath, 'utf8')) as { available_accounts: string[]; private_keys: string[] };
      const accounts = cfg.available_accounts.map((address, i) => ({ address, privateKey: cfg.private_keys[i] }));
      return { rpcUrl: `http://${m[1]}:${m[2]}`, pid: child.pid!, chainId, accounts };
    }
    await sleep(50);
  }
  killPid(child.pid);
  throw new Error(`anvil did not start listening within ${opts.timeoutMs ?? 15_000} ms (log ${logPath})`);
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * Start a throw-away redis-server (no persistence) daemonized on a free port. The port can be
 * taken between our probe and redis' bind, so a failed start is retried on another port.
 */
export async function startRedis(opts: { dir: string; timeoutMs?: number }): Promise<RedisProcess> {
  if (!redisServerAvailable())
    throw new Error('redis-server not found on PATH: install it (Debian: `apt-get install -y redis-server`)');
  mkdirSync(opts.dir, { recursive: true });
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const pidFile = join(opts.dir, `redis-${port}.pid`);
    const logFile = join(opts.dir, `redis-${port}.log`);
    rmSync(pidFile, { force: true });
    const r = spawnSync('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'yes', '--pidfile', pidFile, '--logfile', logFile, '--dir', opts.dir,
    ], { encoding: 'utf8' });
    if (r.status !== 0) {
      lastError = r.stderr || r.stdout;
      continue;
    }
    const pid = await waitForRedis(port, pidFile, logFile, opts.timeoutMs ?? 10_000);
    if (pid) return { redisUrl: `redis://127.0.0.1:${port}`, pid, pidFile };
    lastError = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-500) : 'no log';
  }
  throw new Error(`redis-server failed to start: ${lastError}`);
}

/** Wait for the pid file and a PONG; returns the pid, or 0 when redis did not come up. */
async function waitForRedis(port: number, pidFile: string, logFile: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(pidFile) && (await redisPing(port))) return Number(readFileSync(pidFile, 'utf8').trim());
    if (existsSync(logFile) && /Address already in use|Could not create server TCP/.test(readFileSync(logFile, 'utf8'))) return 0;
    await sleep(50);
  }
  return 0;
}

async function redisPing(port: number): Promise<boolean> {
  const { Socket } = await import('node:net');
  return new Promise((resolve) => {
    const s = new Socket();
    const finish = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => finish(false));
    s.once('error', () => finish(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => finish(d.toString().startsWith('+PONG')));
  });
}

/** True while the process runs. An exited daemon stays a zombie until init reaps it; that counts as gone. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // no /proc: kill(0) succeeded
  }
}

/** SIGTERM a process we started (by pid); synchronous so it also works in an 'exit' handler. */
export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Stop a process and wait (up to timeoutMs) for it to disappear; SIGKILL if it lingers. */
export async function stopPid(pid: number | undefined, timeoutMs = 5_000): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  killPid(pid);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(25);
  if (isAlive(pid)) killPid(pid, 'SIGKILL');
}

export function ensureDir(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/**
 * Start the devnet blob server (chain/blob-daemon.ts) detached; resolves with its URL
 * once it listens.
 */
export async function startBlobDaemon(opts: { dir: string; blobDir: string; timeoutMs?: number }): Promise<{ blobUrl: string; pid: number }> {
  const urlFile = join(opts.dir, 'blob-server.url');
  rmSync(urlFile, { force: true });
  const logFd = openSync(join(opts.dir, 'blob-server.log'), 'w');
  const script = join(REPO_ROOT, 'chain/blob-daemon.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, opts.blobDir, urlFile], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (existsSync(urlFile)) {
      const url = readFileSync(urlFile, 'utf8').trim();
      if (url) return { blobUrl: url, pid: child.pid! };
    }
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  killPid(child.pid);
  throw new Error(`blob server did not start (log ${join(opts.dir, 'blob-server.log')})`);
}

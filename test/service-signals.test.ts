// The long-running commands as a user runs them (bin/optrain.mjs as a child process): with
// Redis down they say so in one line and keep retrying with backoff (no ioredis stack per
// retry), they stop within seconds of SIGTERM/SIGINT, and the demo refuses a tamper that does
// not fit its job before starting anything and cleans up everything when interrupted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { waitFor } from './helpers/chain.ts';
import { writeDevnet } from '../chain/devnet.ts';
import { freePort, isAlive } from '../chain/processes.ts';

const BIN = join(import.meta.dirname, '../bin/optrain.mjs');
const STOP_MS = 6_000; // "within seconds": generous for a loaded 2-core machine
const UNREACHABLE = /redis at 127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\); retrying with backoff/g;
let net: TestDevnet;
let deadRedisFile: string, liveFile: string;

before(async () => {
  net = await startTestDevnet();
  liveFile = writeDevnet(net.info, join(net.dir, 'devnet.json'));
  // Nothing listens on a port freePort just handed out.
  deadRedisFile = writeDevnet({ ...net.info, redisUrl: `redis://127.0.0.1:${await freePort()}` }, join(net.dir, 'dead-redis.json'));
});

after(async () => {
  await net?.stop();
});

interface Cli {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '', err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Send `sig`, return the exit code and how long the process took to go. */
async function stopWith(c: Cli, sig: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  c.child.kill(sig);
  void c.exited.then(() => console.log(`${c.child.spawnargs.slice(2, 4).join(' ')}: exited ${Date.now() - t0} ms after ${sig}`));
  const code = await Promise.race([c.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 20_000))]);
  if (code === 'late') {
    c.child.kill('SIGKILL');
    assert.fail(`still running 20 s after ${sig}\nstdout:\n${c.out().slice(-1500)}\nstderr:\n${c.err().slice(-1500)}`);
  }
  return { code, ms: Date.now() - t0 };
}

for (const role of ['solver', 'verifier'] as const)
  test(`${role} start with Redis down: one line, no stack traces, stops within seconds of SIGTERM`, async () => {
    const c = cli([role, 'start', '--devnet', deadRedisFile, '--data-dir', join(net.dir, `${role}-dead`), '--backend', 'reference', '--poll-ms', '100']);
    try {
      await waitFor('the unreachable-Redis line', async () => {
        if (c.child.exitCode !== null) assert.fail(`exited early (${c.child.exitCode}): ${c.err()}`);
        return (c.out().match(UNREACHABLE) ?? []).length > 0;
      }, 90_000);
      await new Promise((r) => setTimeout(r, 3_000)); // several reconnect attempts and ticks
      const lines = c.out().match(UNREACHABLE) ?? [];
      assert.equal(lines.length, 1, `said once, not per retry:\n${c.out().slice(-2000)}`);
      assert.doesNotMatch(c.err(), /Unhandled error event|^\s+at /m, 'no stack traces');
      assert.doesNotMatch(c.out(), /worker-error|ECONNREFUSED.*ECONNREFUSED/, 'no error per retry');
      const { code, ms } = await stopWith(c, 'SIGTERM');
      assert.equal(code, 0, c.err());
      assert.ok(ms < STOP_MS, `stopped ${ms} ms after SIGTERM`);
    } finally {
      c.child.kill('SIGKILL');
    }
  });

test('solver start on a live devnet stops within seconds of SIGINT', async () => {
  const c = cli(['solver', 'start', '--devnet', liveFile, '--data-dir', join(net.dir, 'solver-live'), '--backend', 'reference', '--queue-suffix', `sig${process.pid}`]);
  try {
    await waitFor('solver-started', async () => c.out().includes('solver-started'), 90_000);
    const { code, ms } = await stopWith(c, 'SIGINT');
    assert.equal(code, 0, c.err());
    assert.ok(ms < STOP_MS, `stopped ${ms} ms after SIGINT`);
    assert.equal(c.err(), '');
  } finally {
    c.child.kill('SIGKILL');
  }
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

function demoTmp(): string {
  return mkdtempSync(join(tmpdir(), 'optrain-demo-tmp-'));
}

const demoDirs = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('optrain-demo'));

test('demo with a tamper that does not fit its 8-step job: one-line error, exit 1, nothing started', () => {
  const tmp = demoTmp();
  try {
    const r = spawnSync(process.execPath, [BIN, 'demo', '--tamper', 'kind=flip,step=99,op=3,elem=0,bit=30'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TMPDIR: tmp } });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /--tamper 'kind=flip,step=99,op=3,elem=0,bit=30': step 99 is outside the job's steps 0\.\.7/);
    assert.doesNotMatch(r.stderr, /\[demo\] starting/, 'no devnet was started');
    assert.deepEqual(demoDirs(tmp), []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('demo interrupted by SIGTERM stops its redis-server and anvil and removes its temp dir', async () => {
  const tmp = demoTmp();
  const c = cli(['demo'], { ...process.env, TMPDIR: tmp });
  try {
    await waitFor('the demo devnet', async () => c.err().includes('[demo] devnet up'), 120_000);
    const rpcPort = Number(/devnet up: http:\/\/127\.0\.0\.1:(\d+)/.exec(c.err())![1]);
    const [dir] = demoDirs(tmp);
    const redisPid = Number(readFileSync(join(tmp, dir, readdirSync(join(tmp, dir)).find((n) => /^redis-\d+\.pid$/.test(n))!), 'utf8'));
    assert.ok(isAlive(redisPid));
    const { code, ms } = await stopWith(c, 'SIGTERM');
    assert.equal(code, 1);
    assert.ok(ms < STOP_MS + 4_000, `stopped ${ms} ms after SIGTERM`);
    assert.match(c.err(), /demo interrupted; everything it started was stopped and removed/);
    assert.ok(!isAlive(redisPid), 'redis-server stopped');
    assert.equal(await listening(rpcPort), false, 'anvil stopped');
    assert.ok(!existsSync(join(tmp, dir)), 'temp dir removed');
    assert.deepEqual(demoDirs(tmp), []);
  } finally {
    c.child.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
});

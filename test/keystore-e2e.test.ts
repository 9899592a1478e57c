// Keys as users keep them: `optrain account import` writes encrypted keystores, and a whole job
// (submit, train, commit, verify, finalize, withdraw) runs with every party signing from its
// keystore (`--keystore FILE`, password from OPTRAIN_PASSWORD). Then everything any process
// printed, and every file the roles wrote, is searched for the private keys and the passwords:
// none may appear. A wrong password is one line, and nothing is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Faults, isJob, LOCK_MS } from './helpers/faults.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { JOB, WINDOW } from './helpers/faults.ts';
import { BOND, REWARD, STAKE } from './dispute-helpers.ts';
import { formatEther } from 'ethers';

const BIN = join(import.meta.dirname, '../bin/optrain.mjs');
const f = new Faults('keystore-e2e');
const PASSWORDS = { 1: 'submitter-Pa55-q7', 2: 'solver-Pa55-x9z', 3: 'verifier-Pa55-k3w' } as Record<number, string>;
const keystores: Record<number, string> = {};
const outputs: string[] = [];

before(() => f.start());
after(() => f.stop());

/** Run the CLI as a child (asynchronously: the devnet's blob server runs in this process). */
async function cli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, OPTRAIN_SCRYPT_N: '1024', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(input ?? '');
  const status = await new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  outputs.push(stdout, stderr);
  return { status, stdout, stderr };
}

/** Every file under `dir`, recursively, as bytes. */
function* filesUnder(dir: string): Generator<[string, Buffer]> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* filesUnder(p);
    else yield [p, readFileSync(p)];
  }
}

test('account import: keystores for the submitter (key on stdin), solver and verifier (key in OPTRAIN_PRIVATE_KEY)', async () => {
  for (const a of [1, 2, 3]) {
    const key = f.net.info.accounts[a].privateKey;
    const viaStdin = a === 1;
    const r = await cli(['account', 'import', '--dir', join(f.dir, 'keys'), '--json'], { OPTRAIN_PASSWORD: PASSWORDS[a], ...(viaStdin ? {} : { OPTRAIN_PRIVATE_KEY: key }) }, viaStdin ? `${key}\n` : undefined);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { address: string; keystore: string };
    assert.equal(out.address.toLowerCase(), f.net.info.accounts[a].address.toLowerCase());
    keystores[a] = out.keystore;
  }
  const list = await cli(['account', 'list', '--dir', join(f.dir, 'keys'), '--json'], {});
  assert.deepEqual((JSON.parse(list.stdout) as { address: string }[]).map((k) => k.address.toLowerCase()).sort(), [1, 2, 3].map((a) => f.net.info.accounts[a].address.toLowerCase()).sort());
});

test('a wrong keystore password is one line naming the file, and nothing is sent', async () => {
  const chain = f.net.client('submitter');
  const who = f.net.info.accounts[1].address;
  const [balance, nonce] = [await chain.provider.getBalance(who), await chain.provider.getTransactionCount(who)];
  const jobFile = writeTinyJob(join(f.dir, 'wrong-pw'), JOB);
  const r = await cli(['job', 'submit', jobFile, '--reward', '0.01', '--devnet', f.devnetFile, '--keystore', keystores[1]], { OPTRAIN_PASSWORD: 'not-the-password' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `optrain: error: keystore ${keystores[1]}: wrong password\n`);
  assert.equal(await chain.provider.getTransactionCount(who), nonce, 'no transaction sent');
  assert.equal(await chain.provider.getBalance(who), balance, 'no gas or reward spent');
});

test('a whole job signed from keystores settles to the wei; no key or password in any output or file', async () => {
  const roleArgs = (a: number) => ['--devnet', f.devnetFile, '--keystore', keystores[a], '--poll-ms', '100', '--backend', 'reference'];
  const solver = f.procs.start('solver', ['solver', 'start', ...roleArgs(2), '--data-dir', join(f.dir, 'solver'), '--queue-suffix', `ks${process.pid}`, '--lock-ms', String(LOCK_MS)], { OPTRAIN_PASSWORD: PASSWORDS[2] });
  const verifier = f.procs.start('verifier', ['verifier', 'start', ...roleArgs(3), '--data-dir', join(f.dir, 'verifier'), '--sample-rate', '1'], { OPTRAIN_PASSWORD: PASSWORDS[3] });
  const [s, v] = await Promise.all([solver.until('solver-started'), verifier.until('verifier-started')]);
  assert.equal(String(s.address).toLowerCase(), f.net.info.accounts[2].address.toLowerCase());
  assert.equal(String(v.address).toLowerCase(), f.net.info.accounts[3].address.toLowerCase());
  const before = await f.funds([2]);
  const jobFile = writeTinyJob(join(f.dir, 'job'), JOB);
  const sub = await cli(['job', 'submit', jobFile, '--devnet', f.devnetFile, '--keystore', keystores[1], '--json', '--reward', formatEther(REWARD), '--stake', formatEther(STAKE),
    '--bond', formatEther(BOND), '--claim-window', '1h', '--solve-time', '1h', '--challenge-window', String(WINDOW)], { OPTRAIN_PASSWORD: PASSWORDS[1] });
  assert.equal(sub.status, 0, sub.stderr);
  const jobId = BigInt((JSON.parse(sub.stdout) as { jobId: string }).jobId);
  await f.settles(solver, 2, jobId, before, async () => void (await verifier.until('checked', isJob(jobId), 60_000)));
  await f.procs.stopAll();
  const printed = [...outputs, ...[...f.procs.all].map((p) => p.raw)].join('\n');
  assert.ok(printed.includes('"event":"withdrew"'), 'the run\'s output is all here');
  const secrets = [1, 2, 3].flatMap((a) => [f.net.info.accounts[a].privateKey.slice(2).toLowerCase(), PASSWORDS[a]]);
  for (const secret of secrets) assert.ok(!printed.toLowerCase().includes(secret.toLowerCase()), `a secret (${secret.slice(0, 4)}…) in the output`);
  let files = 0;
  for (const dir of ['solver', 'verifier'])
    for (const [path, bytes] of filesUnder(join(f.dir, dir))) {
      files++;
      for (const secret of secrets) {
        assert.ok(!bytes.includes(secret) && !bytes.includes(secret.toUpperCase()), `a secret (${secret.slice(0, 4)}…) in ${path}`);
        if (/^[0-9a-f]{64}$/.test(secret)) assert.ok(!bytes.includes(Buffer.from(secret, 'hex')), `a raw key in ${path}`);
      }
    }
  assert.ok(files > 5, `the roles wrote their data dirs (${files} files)`);
});

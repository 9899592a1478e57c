// `optrain econ` and `optrain econ simulate` through the CLI's own entry point: --help, --json,
// a params file, the files simulate writes, and one-line errors (exit 2 for a bad flag or
// value, 1 for an unreadable file). One run is a real `bin/optrain.mjs` process; the rest call
// main() in this process (each spawn costs seconds of tsx and mathjs start-up).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { main } from '../cli/main.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'econ-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function optrain(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'optrain.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same CLI in-process: main() with stdout and stderr captured. */
async function optrainHere(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const sink = (add: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { add(String(chunk)); cb(); } });
  const code = await main(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

function oneLineError(r: { code: number | null; stderr: string }, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, re);
}

describe('optrain econ', () => {
  it('--help lists the parameters and exits 0 (a real process)', async () => {
    const r = await optrain('econ', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: optrain econ /);
    for (const flag of ['--reward', '--forced-error-rate', '--sample-rate', '--replay-cost', '--verifiers', '--params']) assert.ok(r.stdout.includes(flag), flag);
  });

  it('--json from a params file with units, flags overriding it', async () => {
    const f = join(dir, 'market.json');
    writeFileSync(f, JSON.stringify({ reward: '0.5 ETH', forcedErrorRate: '1/64', verifiers: 2 }));
    const r = await optrainHere('econ', '--params', f, '--sample-rate', '50%', '--json');
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.deepEqual([a.params.reward, a.params.stake, a.params.forcedErrorRate, a.params.sampleRate, a.params.verifiers], [0.5, 3, 1 / 64, 0.5, 2]);
    // one wrong interval, caught with probability 1 - 0.5^2: (0.25)(0.49) - 0.75 * 3 - 0.1 * 0.99
    assert.ok(Math.abs(a.solver.cheatOneInterval - (0.25 * 0.49 - 0.75 * 3 - 0.099)) < 1e-12, String(a.solver.cheatOneInterval));
    assert.equal(typeof a.verifier.netPerHour, 'number');
    assert.equal(typeof a.equilibrium.honest, 'boolean');
  });

  it('the text report names the verifier\'s dilemma when p = 0', async () => {
    const r = await optrainHere('econ');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /NO \(verifier's dilemma\)/);
    assert.match(r.stdout, /cheat, one wrong interval\s+-3\.15431 ETH/);
  });

  it('prints the self-claiming solver: its best number of accounts and what it leaves verifiers', async () => {
    const flags = ['--sample-rate', '1', '--forced-error-rate', '0.72', '--fee', '36%'];
    const j = JSON.parse((await optrainHere('econ', ...flags, '--json')).stdout);
    assert.equal(j.selfClaim.best.k, 95); // sqrt(F V / g) - V with F = 0.5, V = 3, g = 0.000157
    assert.ok(Math.abs(j.selfClaim.honest.verifierNet - 0.02) < 1e-12);
    const t = await optrainHere('econ', ...flags, '--self-claims', '1');
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /with k = 1 accounts\s+solver gains 0\.0898\d* ETH per job; each verifier's forced-error net -0\.01 ETH/);
    assert.match(t.stdout, /best self-claim\s+k\* = 95 accounts/);
    assert.match(t.stdout, /checking NO LONGER PAYS/);
    assert.match(t.stdout, /with FORCED_FINDERS = V = 3\s+\(recommended\) best self-claim none/);
    assert.match(t.stdout, /forced finders N\s+3 \(= V/);
    oneLineError(await optrainHere('econ', '--self-claims', '1.5'), 2, /--self-claims: expected an integer in 0\.\.1000000, got 1\.5/);
  });

  it('bad input: one line, exit 2 for flags and values, 1 for a missing file', async () => {
    oneLineError(await optrainHere('econ', '--reward', '3 kg'), 2, /--reward: '3 kg' is not an amount in ETH/);
    oneLineError(await optrainHere('econ', '--sample-rate', '-0.1'), 2, /--sample-rate: expected a fraction in \[0, 1\]/);
    oneLineError(await optrainHere('econ', '--rewrd', '1'), 2, /unknown option '--rewrd'/);
    oneLineError(await optrainHere('econ', '--params', join(dir, 'nope.json')), 1, /--params .*nope\.json: cannot read \(ENOENT\)/);
    oneLineError(await optrainHere('econ', 'simulate', '--jobs', '0'), 2, /--jobs: expected a positive integer, got '0'/);
  });

  it('simulate writes the CSV and the SVG and agrees with the formulas', async () => {
    const out = join(dir, 'sim');
    const r = await optrainHere('econ', 'simulate', '--jobs', '1200', '--seed', '4', '--out', out, '--forced-error-rate', '0.3', '--cheat-prob', '0.2', '--json');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.agrees, true);
    assert.equal(j.estimates.length, 4);
    const csv = readFileSync(join(out, 'econ-sweep.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(csv.length, 13); // header + 12 sample rates
    const svg = readFileSync(join(out, 'econ-profit.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.ok(existsSync(join(out, 'econ-profit.svg')));
  });
});

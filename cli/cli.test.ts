// The optrain command as a user runs it: separate `node bin/optrain.mjs` processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeTinyJob, writeJobVariant } from '../jobs/fixtures.ts';
import { loadCommand } from './command.ts';
import { COMMANDS } from './commands/index.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'optrain.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function optrain(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exit code `code` with exactly one line on stderr matching `re`, and no stack trace. */
function assertOneLineError(r: Run, code: number, re: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

const t = makeTinyJob({ trainN: 256, testN: 64, steps: 4, checkpointInterval: 2 });
after(() => rmSync(t.dir, { recursive: true, force: true }));

describe('optrain help', () => {
  it('lists the commands, and every command has --help', async () => {
    const [top, version, ...cmds] = await Promise.all([optrain('--help'), optrain('--version'), optrain('train', '--help'), optrain('trace', '--help'), optrain('inspect', '-h')]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^optrain \d+\.\d+\.\d+ \(op set repops-\d+\)\n$/);
    assert.equal(top.code, 0);
    for (const name of ['train', 'trace', 'inspect']) assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
    ['train', 'trace', 'inspect'].forEach((name, i) => {
      assert.equal(cmds[i].code, 0);
      assert.ok(cmds[i].stdout.startsWith(`Usage: optrain ${name} <job.json>`), cmds[i].stdout);
    });
    assert.match(cmds[0].stdout, /--backend B .*reference, wasm, native, auto/);
  });
});

describe('command registry', () => {
  it('lazy entries repeat the name and summary of the command they load', async () => {
    for (const entry of COMMANDS) {
      const cmd = await loadCommand(entry);
      assert.equal(cmd.name, entry.name);
      assert.equal(cmd.summary, entry.summary, `summary of ${entry.name}`);
    }
  });
});

describe('optrain usage errors exit 2 with one line', () => {
  it('unknown command, unknown flag, missing argument, bad flag values', async () => {
    const [cmd, flag, missing, steps, backend, noStep, badStep] = await Promise.all([
      optrain('frobnicate'),
      optrain('train', t.file, '--bogus'),
      optrain('train'),
      optrain('train', t.file, '--steps', '0'),
      optrain('train', t.file, '--backend', 'gpu'),
      optrain('trace', t.file),
      optrain('trace', t.file, '--step', '4'),
    ]);
    assertOneLineError(cmd, 2, /^optrain: unknown command 'frobnicate'/);
    assertOneLineError(flag, 2, /^optrain train: unknown option '--bogus'/);
    assertOneLineError(missing, 2, /^optrain train: missing <job\.json>/);
    assertOneLineError(steps, 2, /^optrain train: --steps: expected a positive integer, got '0'/);
    assertOneLineError(backend, 2, /^optrain train: --backend: expected one of reference, wasm, native, auto, got 'gpu'/);
    assertOneLineError(noStep, 2, /^optrain trace: --step S is required/);
    assertOneLineError(badStep, 2, /^optrain trace: --step: expected 'init' or an integer in \[0, 3\], got '4'/);
  });
});

describe('optrain user errors exit 1 with one line', () => {
  it('missing file, malformed JSON, hash mismatch, unknown layer, wrong input shape, too many steps', async () => {
    const broken = join(t.dir, 'broken.json');
    writeFileSync(broken, '{\n  "name": "x",\n  "seed": 1,,\n}\n');
    const badHash = writeJobVariant(t, 'bad-hash.json', { ...t.job, dataset: { ...(t.job.dataset as object), test: { ...(t.job.dataset as any).test, images: { ...(t.job.dataset as any).test.images, sha256: '0'.repeat(64) } } } });
    const badLayer = writeJobVariant(t, 'bad-layer.json', { ...t.job, model: { class_name: 'Sequential', config: { layers: [{ class_name: 'GRU', config: { name: 'g', batch_input_shape: [null, 784] } }] } } });
    const badShape = writeJobVariant(t, 'bad-shape.json', { ...t.job, model: { inputShape: [28, 28, 3], layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] } });
    const runs = await Promise.all([
      optrain('train', join(t.dir, 'absent.json')),
      optrain('train', broken),
      optrain('inspect', badHash),
      optrain('inspect', badLayer),
      optrain('inspect', badShape),
      optrain('train', t.file, '--steps', '5', '--out', join(t.dir, 'too-many')),
    ]);
    assertOneLineError(runs[0], 1, /^optrain: error: job file .*absent\.json: cannot read \(no such file\)$/);
    assertOneLineError(runs[1], 1, /broken\.json:3:13: invalid JSON/);
    assertOneLineError(runs[2], 1, /job\.dataset\.test\.images: sha256 mismatch for .*test-images-idx3-ubyte\.gz: expected 0{64}, got [0-9a-f]{64}/);
    assertOneLineError(runs[3], 1, /layer 'g' \(GRU\): layer class GRU is not supported/);
    assertOneLineError(runs[4], 1, /the model's input shape \[28,28,3\] has 2352 values per sample, but the dataset's samples are \[28,28\] \(784 values\)/);
    assertOneLineError(runs[5], 2, /^optrain train: --steps 5: expected an integer in \[1, 4\] \(the job has 4 steps\)/);
  });
});

describe('optrain train / trace / inspect on a tiny job', () => {
  const outA = join(t.dir, 'run-a'), outB = join(t.dir, 'run-b');
  let a: Run, b: Run, resultA: Record<string, unknown>;

  it('train --json prints one JSON object; two processes (reference and auto backends) agree', async () => {
    [a, b] = await Promise.all([optrain('train', t.file, '--json', '--out', outA, '--backend', 'reference'), optrain('train', t.file, '--json', '--out', outB)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout.trimEnd().split('\n').length, 1, 'stdout is one JSON line');
    resultA = JSON.parse(a.stdout);
    const resultB = JSON.parse(b.stdout);
    for (const k of ['jobHash', 'opsetVersion', 'steps', 'finalStateHash', 'stateRoot', 'finalModelHash', 'programRoot', 'trainLoss', 'testAccuracy', 'backend', 'seconds'])
      assert.ok(k in resultA, `result has ${k}`);
    for (const k of ['jobHash', 'finalStateHash', 'stateRoot', 'finalModelHash', 'programRoot', 'trainLoss', 'testAccuracy']) assert.equal(resultB[k], resultA[k], k);
    assert.equal(resultA.backend, 'reference');
    assert.equal(resultA.steps, 4);
    assert.match(resultA.finalStateHash as string, /^0x[0-9a-f]{64}$/);
    assert.match(a.stderr, /^step 4\/4 +loss \d+\.\d{4} +[\d,]+ samples\/s +ETA \d+s$/m, 'progress goes to stderr');
    assert.deepEqual(JSON.parse(readFileSync(join(outA, 'result.json'), 'utf8')).finalStateHash, resultA.finalStateHash);
  });

  it('trace --step S replays from a checkpoint and ends at H(S+1); inspect agrees on the hashes', async () => {
    const hashes: string[] = JSON.parse(readFileSync(join(outA, 'checkpoints', 'index.json'), 'utf8')).stateHashes;
    const [tr, matmuls, init, insp, human, badOp] = await Promise.all([
      optrain('trace', t.file, '--step', '2', '--out', outA, '--json'),
      optrain('trace', t.file, '--step', '0', '--op', 'matmul', '--json'),
      optrain('trace', t.file, '--step', 'init', '--json'),
      optrain('inspect', t.file, '--json'),
      optrain('trace', t.file, '--step', '3', '--out', outA, '--op', '0'),
      optrain('trace', t.file, '--step', '1', '--op', '100000'),
    ]);
    const trace = JSON.parse(tr.stdout);
    assert.equal(trace.replayedFrom, 'checkpoint 2');
    assert.equal(trace.stateHashBefore, hashes[2]);
    assert.equal(trace.stateHashAfter, hashes[3]);
    assert.equal(trace.records.length, trace.ops);
    trace.records.forEach((r: { index: number; root: string; shape: number[] }, i: number) => {
      assert.equal(r.index, i);
      assert.match(r.root, /^0x[0-9a-f]{64}$/);
    });
    const mm = JSON.parse(matmuls.stdout);
    assert.equal(mm.replayedFrom, 'init');
    assert.equal(mm.stateHashAfter, hashes[1]);
    assert.ok(mm.records.length >= 2 && mm.records.every((r: { op: string }) => r.op === 'matmul'));
    assert.equal(JSON.parse(init.stdout).stateHashAfter, hashes[0]);
    const info = JSON.parse(insp.stdout);
    assert.equal(info.jobHash, resultA.jobHash);
    assert.equal(info.programRoot, resultA.programRoot);
    assert.equal(info.steps, 4);
    assert.equal(info.stepOps, trace.ops);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`after  H4 +${hashes[4]}`));
    assertOneLineError(badOp, 2, /--op: node index 100000 out of range/);
  });

  it('train on an existing --out resumes and gives the same final hash', async () => {
    const again = await optrain('train', t.file, '--json', '--out', outA);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resuming from step 4/);
    assert.equal(JSON.parse(again.stdout).finalStateHash, resultA.finalStateHash);
  });
});

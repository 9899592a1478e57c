// The optrain command as a user runs it: separate `node bin/optrain.mjs` processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  return optrainEnv({}, ...args);
}

function optrainEnv(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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

describe('misleading messages (QA issue 9)', () => {
  it('a negative or huge value names the field; usage errors of every command exit 2', async () => {
    const lr999 = writeJobVariant(t, 'lr999.json', JSON.stringify(t.job).replace('"learningRate":0.1', '"learningRate":1e999'));
    const [neg, negEq, ambiguous, lr, jobId, noOut, statusId, tamper] = await Promise.all([
      optrain('train', t.file, '--steps', '-1'),
      optrain('train', t.file, '--steps=-5'),
      optrain('train', t.file, '--out', '--json'),
      optrain('inspect', lr999),
      optrain('job', 'fetch-model', 'abc', '--out', join(t.dir, 'm')),
      optrain('job', 'fetch-model', '7'),
      optrain('job', 'status', '0'),
      optrain('solver', 'start', '--tamper', 'kind=bogus'),
    ]);
    assertOneLineError(neg, 2, /^optrain train: --steps: expected a positive integer, got '-1'/);
    assertOneLineError(negEq, 2, /^optrain train: --steps: expected a positive integer, got '-5'/);
    assertOneLineError(ambiguous, 2, /^optrain train: option '--out' needs a value \(to give one starting with '-', write --out=VALUE\)/);
    assertOneLineError(lr, 1, /lr999\.json: job\.hyperparameters\.optimizer\.learningRate: expected a positive number, got Infinity \(the number is out of float64 range\)/);
    assertOneLineError(jobId, 2, /^optrain job fetch-model: <jobId>: expected a positive integer job id, got 'abc'/);
    assertOneLineError(noOut, 2, /^optrain job fetch-model: --out DIR is required/);
    assertOneLineError(statusId, 2, /^optrain job status: <jobId>: expected a positive integer job id, got '0'/);
    assertOneLineError(tamper, 2, /^optrain: error: --tamper 'kind=bogus': /);
  });

  it('an invalid private key is refused without printing it', async () => {
    const devnet = join(t.dir, 'devnet.json');
    writeFileSync(devnet, JSON.stringify({ rpcUrl: 'http://127.0.0.1:9', redisUrl: 'redis://127.0.0.1:9', chainId: 31337, contracts: {}, accounts: [] }));
    const zero = `0x${'0'.repeat(64)}`, above = `0x${'f'.repeat(64)}`;
    const runs = await Promise.all([zero, above].map((k) => optrain('job', 'submit', t.file, '--reward', '1', '--devnet', devnet, '--private-key', k)));
    for (const r of runs) {
      assertOneLineError(r, 2, /^optrain job submit: --private-key: not a valid secp256k1 private key \(it must be nonzero and below the curve order\)$/);
      assert.ok(!r.stderr.includes('0'.repeat(64)) && !r.stderr.includes('f'.repeat(64)), 'the key is not printed');
    }
  });
});

describe('jobs nobody can run and broken inputs are one-line user errors (exit 1) naming the file', () => {
  it('batchSize 1e9, a 2,000,000-unit dense layer, steps 1e12, a truncated .gz, a relu output', async () => {
    const hugeBatch = writeJobVariant(t, 'huge-batch.json', { ...t.job, hyperparameters: { ...(t.job.hyperparameters as object), batchSize: 1e9 } });
    const hugeLayer = writeJobVariant(t, 'huge-layer.json', { ...t.job, model: { inputShape: [784], layers: [{ type: 'dense', units: 2_000_000, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }] } });
    const longRun = writeJobVariant(t, 'long.json', { ...t.job, steps: 1e12, checkpointInterval: 2 });
    const reluOut = writeJobVariant(t, 'relu-out.json', { ...t.job, model: { inputShape: [784], layers: [{ type: 'dense', units: 10, activation: 'relu' }] } });
    const gz = makeTinyJob({ trainN: 64, testN: 16, steps: 2 });
    const images = join(gz.dir, (gz.job.dataset as any).train.images.path);
    const bytes = readFileSync(images);
    writeFileSync(images, bytes.subarray(0, bytes.length >> 1));
    try {
      const env = { OPTRAIN_MAX_MEMORY: '8G' }; // the same limit on any machine the test runs on
      const [batch, layer, batchTrain, long, trunc, relu] = await Promise.all([
        optrainEnv(env, 'inspect', hugeBatch),
        optrainEnv(env, 'train', hugeLayer, '--out', join(t.dir, 'huge')),
        optrainEnv(env, 'train', hugeBatch, '--out', join(t.dir, 'huge')),
        optrainEnv(env, 'inspect', longRun),
        optrain('inspect', gz.file),
        optrain('inspect', reluOut),
      ]);
      assertOneLineError(batch, 1, /huge-batch\.json: job\.hyperparameters\.batchSize \(1000000000\): needs a tensor of 7\.84e\+11 values/);
      assertOneLineError(layer, 1, /huge-layer\.json: job\.model \(1,590,000,010 parameters\): needs an estimated 36\.0 GB of memory .*more than the limit of 8\.0 GB \(OPTRAIN_MAX_MEMORY\)/);
      assertOneLineError(batchTrain, 1, /huge-batch\.json: job\.hyperparameters\.batchSize/);
      assertOneLineError(long, 1, /long\.json: job\.steps: 1000000000000 steps exceeds the limit of 1000000000/);
      assertOneLineError(trunc, 1, /train-images-idx3-ubyte\.gz: truncated or corrupt gzip data \(unexpected end of file\)/);
      assertOneLineError(relu, 1, /relu-out\.json: job\.model\.layers\[0\] \(dense_1\): the model's output goes through relu/);
      assert.ok(!existsSync(join(t.dir, 'huge')), 'nothing written for a refused job');
    } finally {
      rmSync(gz.dir, { recursive: true, force: true });
    }
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

  it('resuming a directory whose committed hashes were edited warns, recomputes them and reports the true stateRoot', async () => {
    const outC = join(t.dir, 'run-c'), outD = join(t.dir, 'run-d');
    const [c, d] = await Promise.all([optrain('train', t.file, '--json', '--out', outC, '--steps', '3'), optrain('train', t.file, '--json', '--out', outD, '--steps', '2')]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(d.code, 0, d.stderr);
    const indexPath = join(outC, 'checkpoints', 'index.json');
    const idx = JSON.parse(readFileSync(indexPath, 'utf8'));
    idx.stateHashes[1] = `0x${'ab'.repeat(32)}`;
    writeFileSync(indexPath, JSON.stringify(idx));
    rmSync(join(outD, 'checkpoints', '2.bin')); // listed in index.json but missing
    const [again, fromInit] = await Promise.all([optrain('train', t.file, '--json', '--out', outC), optrain('train', t.file, '--json', '--out', outD)]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^optrain: warning: .*run-c\/checkpoints\/index\.json: 1 listed state hash\(es\) differ from the recomputed ones \(first: leaf 1, listed 0x(ab)+, recomputed 0x[0-9a-f]{64}\); using the recomputed hashes$/m);
    assert.equal(JSON.parse(again.stdout).stateRoot, resultA.stateRoot);
    assert.equal(fromInit.code, 0, fromInit.stderr);
    assert.match(fromInit.stderr, /^optrain: warning: .*run-d\/checkpoints\/2\.bin: checkpoint listed in index\.json cannot be read \(ENOENT\)$/m);
    assert.equal(JSON.parse(fromInit.stdout).stateRoot, resultA.stateRoot);
  });

  it('--keep-checkpoints 1 keeps only the newest checkpoint', async () => {
    const out = join(t.dir, 'keep1');
    const r = await optrain('train', t.file, '--json', '--out', out, '--keep-checkpoints', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(out, 'checkpoints')).sort(), ['4.bin', 'index.json']);
    assert.equal(JSON.parse(r.stdout).stateRoot, resultA.stateRoot);
  });

  it('a diverging run (learning rate 1e30) exits 0 but says so: a warning and diverged in --json and the table', async () => {
    const nan = writeJobVariant(t, 'nan.json', { ...t.job, hyperparameters: { optimizer: { type: 'sgd', learningRate: 1e30 }, batchSize: 32 } });
    const [json, human] = await Promise.all([optrain('train', nan, '--json', '--out', join(t.dir, 'nan-a')), optrain('train', nan, '--out', join(t.dir, 'nan-b'))]);
    assert.equal(json.code, 0, json.stderr);
    assert.match(json.stderr, /^optrain: warning: training diverged: the loss of step 1 is NaN/m);
    const r = JSON.parse(json.stdout);
    assert.equal(r.diverged, true);
    assert.equal(r.divergedAtStep, 1);
    assert.equal(r.trainLoss, null);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^train loss +diverged \(the loss of step 1 is not finite\)$/m);
    assert.equal(resultA.diverged, false);
  });
});

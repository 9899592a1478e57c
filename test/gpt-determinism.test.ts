// The shakespeare-char recipe's model (examples/shakespeare-char.json: 4 layers, 4 heads, nEmbd 128,
// blockSize 64, batch 12, AdamW + clipping + cosine lr) trained by `optrain train --steps N` in
// separate processes on WASM and native at 1 and 2 threads and on the reference backend: every
// state hash, every step's loss and the model agree bit for bit. At these shapes the thread
// pools really split the work (the tiny-shape backend test forces grain 1 to get there).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHAKESPEARE_PATH } from '../jobs/gpt-fixtures.ts';
import { loadNativeAddon, nativeLoadError } from '../reproducible-ops/backend/native.ts';
import { loadWasmRuntime, wasmLoadError } from '../reproducible-ops/backend/wasm.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'optrain.mjs');
const FAST_STEPS = 3; // WASM and native: ~1 s a step at 1 WASM thread on a loaded machine
const REF_STEPS = 1; // the reference backend: ~15-20 s a step at these shapes on a loaded machine (the
// backends' tiny-shape GPT test, reproducible-ops/backend/training-gpt.test.ts, compares it over 4 steps)

interface Result {
  finalStateHash: string;
  stateRoot: string;
  finalModelHash: string;
  programRoot: string;
  trainLoss: number;
  valLoss: number;
  backend: string;
  steps: number;
}
interface Run {
  result: Result;
  stateHashes: string[]; // H0..Hsteps (hashInterval 1), from the run's checkpoint index
  losses: number[];
}

const dir = mkdtempSync(join(tmpdir(), 'optrain-gpt-determinism-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The recipe with three changes, none to a shape: the text by absolute path; valFraction
 * 0.0001 (111 validation tokens: one window, so the valLoss every partial run ends with costs
 * one forward pass instead of 1,742 windows' worth); hashInterval 1, so the checkpoint index
 * lists every step's state hash. The hashes are therefore this job's, not the recipe's.
 */
function writeJob(): string {
  const job = JSON.parse(readFileSync(join(ROOT, 'examples', 'shakespeare-char.json'), 'utf8'));
  job.dataset.text.path = SHAKESPEARE_PATH;
  job.dataset.text.valFraction = 0.0001;
  job.hashInterval = 1;
  const file = join(dir, 'shakespeare-char.json');
  writeFileSync(file, JSON.stringify(job, null, 2));
  return file;
}

function train(job: string, out: string, steps: number, backend: string, threads?: number): Promise<Run> {
  const args = [BIN, 'train', job, '--steps', String(steps), '--out', out, '--json', '--backend', backend];
  if (threads !== undefined) args.push('--threads', String(threads));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`optrain train --backend ${backend} --threads ${threads} exited ${code}: ${stderr}`));
      const index = JSON.parse(readFileSync(join(out, 'checkpoints', 'index.json'), 'utf8'));
      resolve({ result: JSON.parse(stdout), stateHashes: index.stateHashes, losses: index.losses });
    });
  });
}

const nativeSkip = loadNativeAddon() ? false : nativeLoadError();
const wasmSkip = loadWasmRuntime() ? false : wasmLoadError();
const FAST = [
  ...(nativeSkip ? [] : [['native', 1], ['native', 2]] as const),
  ...(wasmSkip ? [] : [['wasm', 1], ['wasm', 2]] as const),
];
let fast: { label: string; threads: number; run: Run }[] = [];
let ref: Run;

before(async () => {
  const job = writeJob();
  // all five at once: the reference run dominates the wall time
  const [r, ...f] = await Promise.all([
    train(job, join(dir, 'reference'), REF_STEPS, 'reference'),
    ...FAST.map(([b, t]) => train(job, join(dir, `${b}-${t}`), FAST_STEPS, b, t)),
  ]);
  ref = r;
  fast = FAST.map(([b, t], i) => ({ label: `${b} ${t} thread${t > 1 ? 's' : ''}`, threads: t, run: f[i] }));
});

describe('the shakespeare-char model in separate optrain train processes', () => {
  it('runs on the backends and thread counts asked for; hashes change every step', () => {
    assert.match(ref.result.backend, /^reference/);
    for (const { label, threads, run } of fast) {
      assert.match(run.result.backend, new RegExp(`^${label.split(' ')[0]}\\b.*\\b${threads} thread`), label);
      assert.equal(run.result.steps, FAST_STEPS);
      assert.equal(run.stateHashes.length, FAST_STEPS + 1, `${label}: H0..H${FAST_STEPS}`);
      assert.equal(new Set(run.stateHashes).size, FAST_STEPS + 1, `${label}: distinct hashes`);
      assert.equal(run.result.finalStateHash, run.stateHashes.at(-1));
    }
  });

  it('WASM and native at 1 and 2 threads: identical state hashes, losses, model and valLoss', { skip: nativeSkip || wasmSkip }, () => {
    assert.equal(fast.length, 4);
    const [want, ...rest] = fast;
    for (const { label, run } of rest) {
      assert.deepEqual(run.stateHashes, want.run.stateHashes, `${label} vs ${want.label}: state hashes`);
      assert.deepEqual(run.losses, want.run.losses, `${label} vs ${want.label}: step losses`);
      for (const k of ['finalStateHash', 'stateRoot', 'finalModelHash', 'programRoot', 'trainLoss', 'valLoss'] as const)
        assert.equal(run.result[k], want.run.result[k], `${label} vs ${want.label}: ${k}`);
    }
  });

  it(`the reference backend gives the same first ${REF_STEPS} steps`, { skip: FAST.length === 0 && 'neither native nor WASM is built' }, () => {
    assert.equal(ref.stateHashes.length, REF_STEPS + 1);
    assert.equal(ref.result.finalStateHash, ref.stateHashes.at(-1));
    assert.equal(ref.result.programRoot, fast[0].run.result.programRoot);
    for (const { label, run } of fast) {
      assert.deepEqual(ref.stateHashes, run.stateHashes.slice(0, REF_STEPS + 1), `reference vs ${label}: state hashes`);
      assert.deepEqual(ref.losses, run.losses.slice(0, REF_STEPS), `reference vs ${label}: step losses`);
    }
  });
});

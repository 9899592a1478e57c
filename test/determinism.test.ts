// Determinism of training (docs/REPOPS.md §11-§12): the same job in separate processes gives
// the same hashes; any step replays from its pre-state bytes alone; traces are deterministic
// and their copy records are exactly the post-state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { computeGolden, goldenEngine, goldenJob, type GoldenRecord } from '../reproducible-ops/golden/jobs.ts';
import { dataRoot, merkleRoot, sha256, tensorRootOf } from '../reproducible-ops/merkle.ts';
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JOB = goldenJob('cnn-adam-dropout'); // dropout and Adam: the most RNG- and op-heavy job

async function recordInChild(name: string): Promise<GoldenRecord> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'reproducible-ops/golden/run-job.ts', name], { cwd: ROOT, maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as GoldenRecord;
}

test('the same job in two separate processes gives identical hashes (and equals this process)', async () => {
  const [a, b] = await Promise.all([recordInChild(JOB.name), recordInChild(JOB.name)]);
  const here = computeGolden(JOB);
  for (const r of [a, b]) {
    assert.equal(r.finalStateHash, here.finalStateHash);
    assert.deepEqual(r.stepHashes, here.stepHashes);
    assert.equal(r.programRoot, here.programRoot);
    assert.deepEqual(r.traceRoots, here.traceRoots);
  }
});

/** A state rebuilt from its serialised bytes only: nothing shared with the sequential run. */
function fromBytes(s: TrainState): TrainState {
  const bytes = s.tensors.map((t) => Buffer.from(t.buffer.slice(t.byteOffset, t.byteOffset + t.byteLength)));
  return { step: s.step, tensors: bytes.map((b) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)) };
}

function runSequential(eng: Engine, steps: number): { states: TrainState[]; hashes: string[] } {
  const states = [eng.init()];
  for (let t = 0; t < steps; t++) states.push(eng.step(states[t]).state);
  return { states, hashes: states.map((s) => eng.stateHash(s).toString('hex')) };
}

test('replaying step t from the pre-state alone (fresh engine, bytes only) gives the sequential state hash', () => {
  for (const job of [JOB, goldenJob('mlp-sgd-momentum'), goldenJob('gpt-adamw')]) {
    const seq = runSequential(goldenEngine(job), job.steps);
    const fresh = goldenEngine(job);
    for (const t of [0, 1, job.steps - 1]) {
      const pre = fromBytes(seq.states[t]);
      assert.equal(fresh.stateHash(pre).toString('hex'), seq.hashes[t], `${job.name}: pre-state of step ${t}`);
      const post = fresh.step(pre).state;
      assert.equal(post.step, t + 1);
      assert.equal(fresh.stateHash(post).toString('hex'), seq.hashes[t + 1], `${job.name}: replay of step ${t}`);
      assert.equal(fresh.stateHash(pre).toString('hex'), seq.hashes[t], `${job.name}: stepping must not modify the pre-state`);
    }
  }
});

function slotRoots(eng: Engine, s: TrainState): string[] {
  return s.tensors.map((d, slot) => tensorRootOf(eng.slotShapes[slot], dataRoot(d)).toString('hex'));
}

test('trace() is deterministic, its state records are the pre-state and its copy records the post-state', () => {
  const eng = goldenEngine(JOB);
  const seq = runSequential(eng, 2);
  const pre = seq.states[1];
  const t1 = eng.trace(pre), t2 = eng.trace(fromBytes(pre));
  assert.deepEqual(t1, t2, 'two traces of the same step are identical');
  assert.deepEqual(t1.map((r) => r.index), [...t1.keys()], 'records are the program nodes in order');
  assert.equal(t1.length, eng.stepProgram.nodes.length);

  const P = eng.params.length;
  const copies = t1.filter((r) => r.op === 'copy');
  assert.equal(copies.length, eng.slotShapes.length, 'one copy node per state slot');
  assert.deepEqual(t1.slice(-copies.length), copies, 'copy nodes are the last records');
  assert.deepEqual(copies.map((r) => r.attrs), eng.slotShapes.map((_, slot) => eng.slotAddress(slot)), 'copies address (tree, index) in slot order');
  assert.deepEqual(copies.map((r) => r.root), slotRoots(eng, seq.states[2]), 'copy roots = post-state tensor roots');
  assert.deepEqual(t1.filter((r) => r.op === 'state').map((r) => r.root), slotRoots(eng, pre), 'state roots = pre-state tensor roots');

  // the state hash follows from the trace alone: sha256(specHash || u64be step || modelRoot || optRoot)
  const roots = copies.map((r) => Buffer.from(r.root, 'hex'));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(2n);
  const fromTrace = sha256(eng.setup.specHash, step, merkleRoot(roots.slice(0, P)), merkleRoot(roots.slice(P)));
  assert.equal(fromTrace.toString('hex'), seq.hashes[2]);
  assert.equal(eng.stateHash(eng.step(pre).state).toString('hex'), seq.hashes[2], 'tracing does not disturb a later step');
});

test('the init trace ends in copies whose roots give h0', () => {
  const eng = goldenEngine(JOB);
  const tr = eng.trace(null);
  assert.deepEqual(tr, eng.trace(null));
  const copies = tr.filter((r) => r.op === 'copy');
  assert.deepEqual(copies.map((r) => r.root), slotRoots(eng, eng.init()));
});

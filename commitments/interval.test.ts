// The solver's training loop with hashInterval K > 1 (only leaf states hashed and committed),
// resuming from checkpoints at non-leaf steps, and the interval replay the solver's dispute
// side posts as mids; tamper kinds still change the committed leaf where it matters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../reproducible-ops/engine.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { sha256Hex } from '../jobs/blobstore.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { loadJob } from '../jobs/job.ts';
import { writeQuadrantsJob } from '../jobs/quadrants-job.ts';
import { intervalMids, leafHashAt, replayTo } from './interval.ts';
import { loadManifest, type BlobIO } from './run-store.ts';
import type { SolverTamper } from './tamper.ts';
import { planStep, TamperPlan } from './tamper-hooks.ts';
import { runTraining, type RunOutcome } from './train-run.ts';

// T = 10, K = 4: leaves H0, H4, H8, H10 (the last interval is 2 steps); checkpoints every 3 steps.
const T = 10, K = 4, CP = 3;
const LEAVES = [0, 4, 8, 10];

function memoryBlobs(): BlobIO {
  const map = new Map<string, Buffer>();
  return {
    put: async (b) => {
      const h = sha256Hex(b);
      map.set(h, Buffer.from(b));
      return h;
    },
    get: async (h) => {
      const b = map.get(h);
      if (!b) throw new Error(`blob ${h} missing`);
      return b;
    },
  };
}

function memoryHead() {
  let v: string | null = null;
  return { load: async () => v, save: async (h: string) => void (v = h) };
}

describe('solver training and interval replay with hashInterval 4', () => {
  let dir = '';
  let engine: Engine;
  let honest: RunOutcome;
  let honestBlobs: BlobIO;
  const hashes = new Map<string, string[]>(); // every H[t] of a run under a tamper, computed step by step

  const run = (tamper?: SolverTamper, blobs = memoryBlobs(), head = memoryHead(), onStep?: (s: number) => void) =>
    runTraining({ engine, plan: new TamperPlan(engine, tamper), numSteps: T, checkpointInterval: CP, hashInterval: K, blobs, head, onStep });
  /** H[0..T] of the run under `tamper`, hashing every state (what K = 1 would commit). */
  const allHashes = (tamper?: SolverTamper): string[] => {
    const key = JSON.stringify(tamper ?? null);
    if (!hashes.has(key)) {
      const plan = new TamperPlan(engine, tamper);
      let s = engine.init();
      const out = [hex0x(engine.stateHash(s))];
      while (s.step < T) out.push(hex0x(engine.stateHash((s = planStep(plan, s).state))));
      hashes.set(key, out);
    }
    return hashes.get(key)!;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'optrain-interval-'));
    const job = loadJob(writeQuadrantsJob(dir, { name: 'k4', steps: T, checkpointInterval: CP, hashInterval: K, trainN: 128, testN: 32 }));
    assert.equal(job.spec.hashInterval, K);
    engine = new Engine(job.setup, referenceBackend);
    honestBlobs = memoryBlobs();
    honest = await run(undefined, honestBlobs);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('commits the M + 1 leaf hashes, with checkpoints at non-leaf steps carrying their own hash', () => {
    const all = allHashes();
    const m = honest.manifest;
    assert.equal(m.hashInterval, K);
    assert.deepEqual(m.stateHashes, LEAVES.map((t) => all[t]));
    assert.equal(honest.result.finalStateHash, all[T]);
    assert.equal(honest.result.stepsRoot, hex0x(merkleRoot(LEAVES.map((t) => Buffer.from(all[t].slice(2), 'hex')))));
    assert.deepEqual(m.checkpoints.map((c) => [c.step, c.stateHash]), [0, 3, 6, 9, 10].map((t) => [t, all[t]]));
    assert.equal(m.losses.length, T);
  });

  test('a run killed between leaves resumes from its non-leaf checkpoint to the same commitment', async () => {
    const blobs = memoryBlobs(), head = memoryHead();
    await assert.rejects(run(undefined, blobs, head, (s) => {
      if (s === 7) throw new Error('killed');
    }), /killed/);
    const partial = await loadManifest(blobs, (await head.load())!);
    assert.equal(partial.step, 6);
    assert.deepEqual(partial.stateHashes, [allHashes()[0], allHashes()[4]], 'leaves through step 6');
    const resumed = await run(undefined, blobs, head);
    assert.equal(resumed.resumedFromStep, 6);
    assert.deepEqual(resumed.result, honest.result);
    assert.deepEqual(resumed.manifest.stateHashes, honest.manifest.stateHashes);
  });

  test('refuses to resume a run trained with another hashInterval', async () => {
    const blobs = memoryBlobs(), head = memoryHead();
    await run(undefined, blobs, head);
    await assert.rejects(
      runTraining({ engine, plan: new TamperPlan(engine), numSteps: T, checkpointInterval: CP, hashInterval: 2, blobs, head }),
      /is of a run with numSteps 10 and hashInterval 4, not 10 and 2/,
    );
  });

  test('intervalMids: H[lo+1..hi-1] of every interval, replayed from the checkpoint at or before lo', async () => {
    const all = allHashes();
    const r = { engine, plan: new TamperPlan(engine), manifest: honest.manifest, blobs: honestBlobs };
    assert.deepEqual(await intervalMids(r, 1), { lo: 0, hi: 4, mids: all.slice(1, 4) });
    assert.deepEqual(await intervalMids(r, 2), { lo: 4, hi: 8, mids: all.slice(5, 8) }, 'starts at checkpoint 3, before lo = 4');
    assert.deepEqual(await intervalMids(r, 3), { lo: 8, hi: 10, mids: [all[9]] }, 'the short last interval');
    await assert.rejects(intervalMids(r, 0), /leaf 0 is outside 1\.\.3/);
    await assert.rejects(intervalMids(r, 4), /leaf 4 is outside 1\.\.3/);
  });

  test('replayTo checks the committed leaves it passes and leafHashAt maps steps to leaves', async () => {
    const all = allHashes();
    const r = { engine, plan: new TamperPlan(engine), manifest: honest.manifest, blobs: honestBlobs };
    assert.equal(hex0x(engine.stateHash(await replayTo(r, 5))), all[5]);
    assert.equal(leafHashAt(honest.manifest, 8), all[8]);
    assert.equal(leafHashAt(honest.manifest, 10), all[10]);
    assert.equal(leafHashAt(honest.manifest, 5), undefined);
    const forged = { ...honest.manifest, stateHashes: honest.manifest.stateHashes.map((h, i) => (i === 2 ? hex0x(Buffer.alloc(32, 7)) : h)) };
    await assert.rejects(replayTo({ ...r, manifest: forged }, 8), /replay: H\[8\] recomputes to 0x[0-9a-f]{64}, the run manifest commits 0x0707/);
  });

  // A flip at step 5 (inside leaf 2's interval (4, 8]) first changes H[6]: leaf 1 stays honest,
  // leaves 2 and 3 differ, and the mids a tampering solver posts are those of its own run.
  test('kind=flip at a non-leaf step changes the interval end leaf; its mids are the tampered run', async () => {
    const flip: SolverTamper = { kind: 'flip', step: 5, op: 3, elem: 0, bit: 30 };
    const blobs = memoryBlobs();
    const bad = await run(flip, blobs);
    const h = honest.manifest.stateHashes, b = bad.manifest.stateHashes;
    assert.deepEqual([b[0] === h[0], b[1] === h[1], b[2] === h[2], b[3] === h[3]], [true, true, false, false]);
    const mids = await intervalMids({ engine, plan: new TamperPlan(engine, flip), manifest: bad.manifest, blobs }, 2);
    const tampered = allHashes(flip), straight = allHashes();
    assert.deepEqual(mids.mids, tampered.slice(5, 8));
    assert.equal(mids.mids[0], straight[5], 'H[5] is before the flip');
    assert.notEqual(mids.mids[1], straight[6], 'H[6] is the first wrong state');
  });

  test('kinds skip, lr and batch at a non-leaf step change the end leaf of their interval; final only the model hash', async () => {
    const h = honest.manifest.stateHashes;
    for (const t of [{ kind: 'skip', step: 1 }, { kind: 'lr', scale: 2, from: 2 }, { kind: 'batch', step: 2 }] as SolverTamper[]) {
      const b = (await run(t)).manifest.stateHashes;
      assert.equal(b[0], h[0], `${t.kind}: leaf 0 honest`);
      assert.notEqual(b[1], h[1], `${t.kind}: leaf 1 (H[4]) differs`);
    }
    const fin = await run({ kind: 'final' });
    assert.deepEqual(fin.manifest.stateHashes, h);
    assert.notEqual(fin.result.finalModelHash, honest.result.finalModelHash);
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { UserError } from './errors.ts';
import { makeTinyJob, writeJobVariant } from './fixtures.ts';
import { loadJob } from './job.ts';
import { createEngine, stateAt, train, type TrainResult } from './train.ts';

// Six steps, checkpoints every two steps.
const t = makeTinyJob({ steps: 6, checkpointInterval: 2 });
after(() => rmSync(t.dir, { recursive: true, force: true }));
const job = loadJob(t.file);
const engine = createEngine(job, referenceBackend);
const out = (name: string) => join(t.dir, name);
const index = (dir: string) => JSON.parse(readFileSync(join(dir, 'checkpoints', 'index.json'), 'utf8'));

const full: TrainResult = train(job, engine, { outDir: out('full') });
const sameOutcome = (a: TrainResult, b: TrainResult) => {
  for (const k of ['jobHash', 'steps', 'finalStateHash', 'stateRoot', 'finalModelHash', 'programRoot', 'trainLoss', 'testAccuracy'] as const) assert.equal(a[k], b[k], k);
};

describe('train', () => {
  it('reports the job and run hashes, with stateRoot over [H0..HT]', () => {
    assert.equal(full.steps, 6);
    assert.equal(full.jobHash, `0x${job.jobHashHex}`);
    const idx = index(out('full'));
    assert.equal(idx.stateHashes.length, 7);
    assert.equal(full.finalStateHash, idx.stateHashes[6]);
    assert.equal(full.stateRoot, `0x${merkleRoot(idx.stateHashes.map((h: string) => Buffer.from(h.slice(2), 'hex'))).toString('hex')}`);
    assert.equal(new Set(idx.stateHashes).size, 7, 'every step changes the state hash');
    assert.equal(idx.losses.length, 6);
    assert.equal(full.trainLoss, idx.losses.reduce((a: number, b: number) => a + b, 0) / 6);
    assert.ok(full.testAccuracy! >= 0 && full.testAccuracy! <= 1);
  });

  it('checkpoints every checkpointInterval steps and writes the model and result.json', () => {
    assert.deepEqual(index(out('full')).checkpoints.map((c: { step: number }) => c.step), [2, 4, 6]);
    assert.deepEqual(readdirSync(out('full/checkpoints')).sort(), ['2.bin', '4.bin', '6.bin', 'index.json']);
    assert.ok(existsSync(out('full/model/model.json')) && existsSync(out('full/model/weights.bin')));
    const written = JSON.parse(readFileSync(out('full/result.json'), 'utf8'));
    assert.equal(written.finalStateHash, full.finalStateHash);
  });

  it('is deterministic: a second fresh run gives the same hashes', () => {
    sameOutcome(train(job, createEngine(loadJob(t.file), referenceBackend), { outDir: out('again') }), full);
  });

  it('a partial run (--steps) is a prefix of the full run, and resuming it finishes identically', () => {
    const part = train(job, engine, { outDir: out('resume'), steps: 3 });
    assert.equal(part.finalStateHash, index(out('full')).stateHashes[3]);
    assert.deepEqual(index(out('resume')).checkpoints.map((c: { step: number }) => c.step), [2, 3]);
    let resumedAt = -1;
    const rest = train(job, engine, { outDir: out('resume'), onResume: (s) => (resumedAt = s) });
    assert.equal(resumedAt, 3);
    assert.equal(rest.resumedFromStep, 3);
    sameOutcome(rest, full);
  });

  it('re-running a finished directory resumes at the end and reports the same result', () => {
    const again = train(job, engine, { outDir: out('full') });
    assert.equal(again.resumedFromStep, 6);
    sameOutcome(again, full);
  });

  it('replays the state at any step from the nearest checkpoint', () => {
    const hashes = index(out('full')).stateHashes;
    const fromCp = stateAt(engine, 5, out('full'), full.jobHash, job.spec.opsetVersion);
    assert.equal(fromCp.fromCheckpoint, 4);
    assert.equal(`0x${engine.stateHash(fromCp.state).toString('hex')}`, hashes[5]);
    const fromInit = stateAt(engine, 1);
    assert.equal(fromInit.fromCheckpoint, null);
    assert.equal(`0x${engine.stateHash(fromInit.state).toString('hex')}`, hashes[1]);
  });

  it('refuses --steps beyond the job and a directory of another job', () => {
    assert.throws(() => train(job, engine, { steps: 7 }), (e: Error) => e instanceof UserError && /expected an integer in \[1, 6\]/.test(e.message));
    const other = loadJob(writeJobVariant(t, 'other.json', { ...t.job, seed: 99 }));
    assert.throws(() => train(other, createEngine(other, referenceBackend), { outDir: out('full') }), (e: Error) => e instanceof UserError && /holds checkpoints of job 0x[0-9a-f]{64}, not of this job/.test(e.message));
  });

  it('detects a corrupt checkpoint by its state hash and recomputes from an earlier good one', () => {
    train(job, engine, { outDir: out('corrupt'), steps: 4 });
    const file = out('corrupt/checkpoints/4.bin');
    const bytes = readFileSync(file);
    bytes[100] ^= 1;
    writeFileSync(file, bytes);
    const warnings: string[] = [];
    let resumedAt = -1;
    const rest = train(job, engine, { outDir: out('corrupt'), onWarning: (w) => warnings.push(w), onResume: (s) => (resumedAt = s) });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /4\.bin: state hash 0x[0-9a-f]+ does not match the index/);
    assert.equal(resumedAt, 2);
    sameOutcome(rest, full);
    assert.deepEqual(index(out('corrupt')).stateHashes, index(out('full')).stateHashes, 'the index is rewritten with good hashes');
  });

  it('never reports an edited committed hash: listed leaf hashes before the resume point are recomputed', () => {
    train(job, engine, { outDir: out('edited'), steps: 4 });
    const path = out('edited/checkpoints/index.json');
    const idx = index(out('edited'));
    const forged = `0x${'ab'.repeat(32)}`;
    idx.stateHashes[1] = forged; // a leaf with no checkpoint: only a replay can check it
    idx.stateHashes[2] = forged; // the leaf of checkpoint 2: its file disagrees
    writeFileSync(path, JSON.stringify(idx));
    const warnings: string[] = [];
    const rest = train(job, engine, { outDir: out('edited'), onWarning: (w) => warnings.push(w) });
    assert.ok(warnings.some((w) => /index\.json: 2 listed state hash\(es\) differ from the recomputed ones \(first: leaf 1/.test(w)), warnings.join('\n'));
    sameOutcome(rest, full);
    assert.ok(!index(out('edited')).stateHashes.includes(forged));
  });

  it('a consistently forged checkpoint (file and entry edited together) is caught by the replay of the leaves before it', () => {
    train(job, engine, { outDir: out('forged'), steps: 4 });
    const idx = index(out('forged'));
    writeFileSync(out('forged/checkpoints/4.bin'), readFileSync(out('forged/checkpoints/2.bin')));
    // The forged entry must match the forged file's hash at step 4 for the file check to pass.
    const fake = { step: 4, tensors: [] as Float32Array[] };
    const bytes = readFileSync(out('forged/checkpoints/4.bin'));
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    let off = 0;
    for (const shape of engine.slotShapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      fake.tensors.push(all.slice(off, off + n));
      off += n;
    }
    const forgedHash = `0x${engine.stateHash(fake).toString('hex')}`;
    idx.checkpoints.find((c: { step: number }) => c.step === 4).stateHash = forgedHash;
    idx.stateHashes[4] = forgedHash;
    writeFileSync(out('forged/checkpoints/index.json'), JSON.stringify(idx));
    const warnings: string[] = [];
    const rest = train(job, engine, { outDir: out('forged'), onWarning: (w) => warnings.push(w) });
    assert.match(warnings.join('\n'), /4\.bin: a replay from step 2 gives state hash 0x[0-9a-f]{64}, the checkpoint has 0x[0-9a-f]{64}; using the replay/);
    sameOutcome(rest, full);
  });

  it('a checkpoint listed in index.json but missing is reported by name and recomputed', () => {
    train(job, engine, { outDir: out('missing'), steps: 4 });
    rmSync(out('missing/checkpoints/4.bin'));
    const warnings: string[] = [];
    const rest = train(job, engine, { outDir: out('missing'), onWarning: (w) => warnings.push(w) });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /checkpoints\/4\.bin: checkpoint listed in index\.json cannot be read \(ENOENT\)/);
    sameOutcome(rest, full);
  });

  it('refuses a malformed index with one line naming it', () => {
    train(job, engine, { outDir: out('malformed'), steps: 2 });
    const path = out('malformed/checkpoints/index.json');
    writeFileSync(path, JSON.stringify({ ...index(out('malformed')), stateHashes: 'x' }));
    assert.throws(() => train(job, engine, { outDir: out('malformed') }), (e: Error) => e instanceof UserError && /index\.json: malformed checkpoint index: index\.stateHashes/.test(e.message));
  });
});

describe('a diverging run (learning rate 1e30) says so and stays reproducible', () => {
  const d = makeTinyJob({ steps: 4, checkpointInterval: 2, optimizer: { type: 'sgd', learningRate: 1e30, momentum: 0 } });
  after(() => rmSync(d.dir, { recursive: true, force: true }));
  const djob = loadJob(d.file);

  it('reports diverged with the first step whose loss is not finite, warns, and hashes as before', () => {
    const warnings: string[] = [];
    const r = train(djob, createEngine(djob, referenceBackend), { outDir: join(d.dir, 'run'), onWarning: (w) => warnings.push(w) });
    assert.equal(r.diverged, true);
    assert.equal(r.divergedAtStep, 1);
    assert.ok(Number.isNaN(r.trainLoss));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^training diverged: the loss of step 1 is NaN/);
    const written = JSON.parse(readFileSync(join(d.dir, 'run', 'result.json'), 'utf8'));
    assert.equal(written.diverged, true);
    assert.equal(written.divergedAtStep, 1);
    const again = train(djob, createEngine(djob, referenceBackend), {});
    sameOutcome({ ...again, trainLoss: 0 }, { ...r, trainLoss: 0 });
    assert.equal(full.diverged, false);
    assert.equal(full.divergedAtStep, null);
  });
});

describe('train with hashInterval 3 (7 steps: leaves H0, H3, H6, H7; checkpoints every 2 steps)', () => {
  const k = makeTinyJob({ steps: 7, checkpointInterval: 2 });
  after(() => rmSync(k.dir, { recursive: true, force: true }));
  const kjob = loadJob(writeJobVariant(k, 'k3.json', { ...k.job, hashInterval: 3 }));
  const kengine = createEngine(kjob, referenceBackend);
  const dir = (name: string) => join(k.dir, name);
  // Every H[t] of the run, computed independently of train().
  const all: string[] = [];
  for (let s = kengine.init(); ; s = kengine.step(s).state) {
    all.push(`0x${kengine.stateHash(s).toString('hex')}`);
    if (s.step === 7) break;
  }
  const kfull = train(kjob, kengine, { outDir: dir('full'), keep: { latest: Infinity, leaves: true } });

  it('commits exactly the leaf hashes and roots them', () => {
    const idx = index(dir('full'));
    assert.deepEqual(idx.stateHashes, [all[0], all[3], all[6], all[7]]);
    assert.equal(idx.hashInterval, 3);
    assert.equal(kfull.hashInterval, 3);
    assert.equal(kfull.finalStateHash, all[7]);
    assert.equal(kfull.stateRoot, `0x${merkleRoot([0, 3, 6, 7].map((t) => Buffer.from(all[t].slice(2), 'hex'))).toString('hex')}`);
    assert.equal(idx.losses.length, 7, 'losses stay per step');
  });

  it('by default keeps the checkpoints at leaf steps and the latest 2, and deletes the others', () => {
    const r = train(kjob, kengine, { outDir: dir('pruned') });
    sameOutcome(r, kfull);
    assert.deepEqual(index(dir('pruned')).checkpoints.map((c: { step: number }) => c.step), [6, 7]);
    assert.deepEqual(readdirSync(dir('pruned/checkpoints')).sort(), ['6.bin', '7.bin', 'index.json']);
    const latest1 = train(kjob, kengine, { outDir: dir('latest1'), keep: { latest: 1, leaves: false } });
    sameOutcome(latest1, kfull);
    assert.deepEqual(readdirSync(dir('latest1/checkpoints')).sort(), ['7.bin', 'index.json']);
  });

  it('records the own state hash of checkpoints at non-leaf steps', () => {
    assert.deepEqual(index(dir('full')).checkpoints.map((c: { step: number; stateHash: string }) => [c.step, c.stateHash]), [[2, all[2]], [4, all[4]], [6, all[6]], [7, all[7]]]);
  });

  it('a partial run stopping between leaves reports its own final hash and resumes from a non-leaf checkpoint to the same result', () => {
    const part = train(kjob, kengine, { outDir: dir('resume'), steps: 5 });
    assert.equal(part.finalStateHash, all[5]);
    assert.deepEqual(index(dir('resume')).stateHashes, [all[0], all[3]]);
    const rest = train(kjob, kengine, { outDir: dir('resume') });
    assert.equal(rest.resumedFromStep, 5);
    sameOutcome(rest, kfull);
  });

  it('detects a corrupt checkpoint at a non-leaf step and replays past it', () => {
    train(kjob, kengine, { outDir: dir('corrupt'), steps: 4 });
    const file = dir('corrupt/checkpoints/4.bin');
    const bytes = readFileSync(file);
    bytes[8] ^= 1;
    writeFileSync(file, bytes);
    const warnings: string[] = [];
    const rest = train(kjob, kengine, { outDir: dir('corrupt'), onWarning: (w) => warnings.push(w) });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /4\.bin: state hash 0x[0-9a-f]+ does not match the index/);
    sameOutcome(rest, kfull);
  });

  it('resumes from a checkpoint at a leaf step without a replay when no leaf lies before it uncovered', () => {
    // Checkpoint 6 is leaf 2 (H6); leaves H0, H3 lie before it: H3 has no checkpoint, so 0..3 is replayed.
    train(kjob, kengine, { outDir: dir('edited'), steps: 6 });
    const path = join(dir('edited'), 'checkpoints', 'index.json');
    const idx = index(dir('edited'));
    idx.stateHashes[1] = `0x${'cd'.repeat(32)}`;
    writeFileSync(path, JSON.stringify(idx));
    const warnings: string[] = [];
    const rest = train(kjob, kengine, { outDir: dir('edited'), onWarning: (w) => warnings.push(w) });
    assert.match(warnings.join('\n'), /1 listed state hash\(es\) differ .*first: leaf 1/);
    sameOutcome(rest, kfull);
  });
});

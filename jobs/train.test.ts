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
    assert.ok(full.testAccuracy >= 0 && full.testAccuracy <= 1);
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

  it('detects a corrupt checkpoint by its state hash', () => {
    train(job, engine, { outDir: out('corrupt'), steps: 2 });
    const file = out('corrupt/checkpoints/2.bin');
    const bytes = readFileSync(file);
    bytes[100] ^= 1;
    writeFileSync(file, bytes);
    assert.throws(() => train(job, engine, { outDir: out('corrupt') }), (e: Error) => e instanceof UserError && /2\.bin: state hash 0x[0-9a-f]+ does not match the index/.test(e.message));
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
  const kfull = train(kjob, kengine, { outDir: dir('full') });

  it('commits exactly the leaf hashes and roots them', () => {
    const idx = index(dir('full'));
    assert.deepEqual(idx.stateHashes, [all[0], all[3], all[6], all[7]]);
    assert.equal(idx.hashInterval, 3);
    assert.equal(kfull.hashInterval, 3);
    assert.equal(kfull.finalStateHash, all[7]);
    assert.equal(kfull.stateRoot, `0x${merkleRoot([0, 3, 6, 7].map((t) => Buffer.from(all[t].slice(2), 'hex'))).toString('hex')}`);
    assert.equal(idx.losses.length, 7, 'losses stay per step');
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

  it('detects a corrupt checkpoint at a non-leaf step', () => {
    train(kjob, kengine, { outDir: dir('corrupt'), steps: 4 });
    const file = dir('corrupt/checkpoints/4.bin');
    const bytes = readFileSync(file);
    bytes[8] ^= 1;
    writeFileSync(file, bytes);
    assert.throws(() => train(kjob, kengine, { outDir: dir('corrupt') }), (e: Error) => e instanceof UserError && /4\.bin: state hash 0x[0-9a-f]+ does not match the index/.test(e.message));
  });
});

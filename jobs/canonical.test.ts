import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { canonicalJson } from './canonical.ts';
import { makeTinyJob, writeJobVariant } from './fixtures.ts';
import { jobHashOf, loadJob } from './job.ts';
import { asClassifierSpec, readJobSpec } from './spec.ts';
import { modelSpecToTfjs } from './tfjs-model.ts';

const base = makeTinyJob();
after(() => rmSync(base.dir, { recursive: true, force: true }));

/** The same value with every object's keys in reverse order. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

describe('canonical JSON', () => {
  it('sorts keys at every level and drops whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: true, y: null }], c: 'x' } }), '{"a":{"c":"x","d":[2,{"y":null,"z":true}]},"b":1}');
  });

  it('prints numbers in shortest round-trip form and rejects non-JSON values', () => {
    assert.equal(canonicalJson([0.1, 1e-7, 1, -0.5, 4294967295]), '[0.1,1e-7,1,-0.5,4294967295]');
    assert.throws(() => canonicalJson({ a: NaN }), /\$\.a is NaN/);
    assert.throws(() => canonicalJson({ a: () => 1 }), /\$\.a has type function/);
  });
});

describe('jobHash', () => {
  const hash = (file: string) => loadJob(file).jobHashHex;
  const baseHash = hash(base.file);

  it('does not depend on key order or formatting of the job file', () => {
    const reordered = writeJobVariant(base, 'reordered.json', JSON.stringify(reverseKeys(base.job)));
    assert.notEqual(readFileSync(reordered, 'utf8'), readFileSync(base.file, 'utf8'));
    assert.equal(hash(reordered), baseHash);
  });

  it('covers content, not paths: the same files elsewhere give the same hash', () => {
    const sub = join(base.dir, 'elsewhere');
    mkdirSync(sub, { recursive: true });
    const job = structuredClone(base.job) as any;
    for (const split of ['train', 'test'])
      for (const kind of ['images', 'labels']) {
        copyFileSync(join(base.dir, job.dataset[split][kind].path), join(sub, `${split}-${kind}.bin.gz`));
        job.dataset[split][kind].path = `elsewhere/${split}-${kind}.bin.gz`;
      }
    assert.equal(hash(writeJobVariant(base, 'moved.json', job)), baseHash);
  });

  it('changes when any hashed field changes', () => {
    const variants: ((j: any) => void)[] = [
      (j) => (j.seed = 8),
      (j) => (j.steps = 7),
      (j) => (j.name = 'other'),
      (j) => (j.checkpointInterval = 3),
      (j) => (j.hashInterval = 2),
      (j) => (j.hashInterval = 4096),
      (j) => (j.hyperparameters.batchSize = 16),
      (j) => (j.hyperparameters.optimizer.learningRate = 0.05),
      (j) => (j.model.layers[0].units = 33),
    ];
    const seen = new Set([baseHash]);
    variants.forEach((edit, i) => {
      const job = structuredClone(base.job);
      edit(job);
      const h = hash(writeJobVariant(base, `v${i}.json`, job));
      assert.ok(!seen.has(h), `variant ${i} must change the hash`);
      seen.add(h);
    });
  });

  it('is unchanged by hashInterval 1, the default: a K = 1 job is the job it was before hash intervals', () => {
    assert.equal(hash(writeJobVariant(base, 'k1.json', { ...base.job, hashInterval: 1 })), baseHash);
    assert.equal(loadJob(base.file).resolved.hashInterval, undefined);
    const k4 = loadJob(writeJobVariant(base, 'k4.json', { ...base.job, hashInterval: 4 }));
    assert.equal(k4.resolved.hashInterval, 4);
    assert.match(canonicalJson(k4.resolved), /"hashInterval":4/);
  });

  it('is the same for a model given internally, as an inline tfjs topology, or as a model.json file', () => {
    const spec = asClassifierSpec(readJobSpec(base.file));
    const topology = modelSpecToTfjs(spec.model);
    const inline = hash(writeJobVariant(base, 'inline.json', { ...base.job, model: topology }));
    writeFileSync(join(base.dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: topology }));
    const fromFile = hash(writeJobVariant(base, 'file.json', { ...base.job, model: { tfjs: 'model.json' } }));
    assert.equal(inline, baseHash);
    assert.equal(fromFile, baseHash);
  });

  it('spells out defaults, so omitting a default and writing it give one hash', () => {
    const job = structuredClone(base.job) as any;
    job.model.layers[0].useBias = true;
    job.model.layers[0].name = 'dense_1';
    assert.equal(hash(writeJobVariant(base, 'defaults.json', job)), baseHash);
    const spec = asClassifierSpec(readJobSpec(base.file));
    assert.equal(jobHashOf(loadJob(base.file).resolved).toString('hex'), baseHash);
    assert.deepEqual(spec.model.layers[0], { type: 'dense', units: 32, activation: 'relu', useBias: true, name: 'dense_1' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from './errors.ts';
import { rmSync } from 'node:fs';
import { loadJob } from './job.ts';
import { makeTinyJob, TINY_MLP } from './fixtures.ts';
import { asClassifierSpec, parseJobSpec } from './spec.ts';
import { checkJobResources, checkpointsKept, checkResources, defaultLimits, estimateResources, type ResourceInput, type ResourceLimits } from './resources.ts';
import { OPSET_VERSION } from '../reproducible-ops/opset.ts';

const GB = 2 ** 30;
const limits: ResourceLimits = { memoryBytes: 8 * GB, diskBytes: 50 * GB, maxSteps: 1e9, keep: { latest: 2, leaves: true } };
const model = asClassifierSpec(parseJobSpec(
  { opsetVersion: OPSET_VERSION, name: 'x', model: TINY_MLP, dataset: { train: ref(), test: ref() }, hyperparameters: { optimizer: { type: 'sgd', learningRate: 0.1 }, batchSize: 1 }, seed: 1, steps: 1 },
  'job.json',
  '.',
)).model;
const job = (o: Partial<{ batchSize: number; steps: number; checkpointInterval: number; hashInterval: number; units: number; adam: boolean }> = {}): ResourceInput => ({
  model: o.units ? { inputShape: [784], layers: [{ type: 'dense', units: o.units, activation: 'relu', useBias: true, name: 'big' }, { type: 'dense', units: 10, activation: 'softmax', useBias: true, name: 'out' }] } : model,
  hyperparameters: { optimizer: o.adam ? { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } : { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, batchSize: o.batchSize ?? 32 },
  steps: o.steps ?? 1000,
  checkpointInterval: o.checkpointInterval ?? 100,
  hashInterval: o.hashInterval,
});

function ref() {
  const f = { path: 'a', sha256: '0'.repeat(64) };
  return { images: f, labels: f };
}

const refused = (re: RegExp) => (e: Error) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n');

describe('resource estimate', () => {
  it('counts parameters and optimizer slots exactly (784-32-10 MLP, SGD with momentum: a velocity per parameter)', () => {
    const n = estimateResources(job());
    const params = 784 * 32 + 32 + 32 * 10 + 10;
    assert.equal(n.params, params);
    assert.equal(n.stateBytes, 4 * 2 * params);
    assert.equal(estimateResources(job({ adam: true })).stateBytes, 4 * (3 * params + 2), 'adam: m, v and two powers');
    assert.equal(n.activationBytes, 2 * 4 * 32 * (784 + 32 + 10), 'the input and every layer output, forward and backward');
  });

  it('counts the checkpoints a run keeps: at leaf steps and the latest N, or only the latest N', () => {
    assert.equal(checkpointsKept(1000, 100, 1, { latest: 2, leaves: true }), 10, 'K = 1: every checkpoint is at a leaf');
    assert.equal(checkpointsKept(1000, 100, 300, { latest: 2, leaves: true }), 4 + 2, 'leaves at 300, 600, 900 (and 1000)');
    assert.equal(checkpointsKept(1000, 100, 1, { latest: 3, leaves: false }), 3);
    assert.equal(checkpointsKept(7, 2, 3, { latest: 2, leaves: true }), 4, '2, 4, 6, 7 written; 6 and 7 are leaves, and the latest two');
  });

  it('a job this machine can run passes and the defaults come from the machine', () => {
    const n = checkResources(job(), limits);
    assert.ok(n.memoryBytes < 10 * 2 ** 20);
    const d = defaultLimits({});
    assert.ok(d.memoryBytes > 0 && d.diskBytes > 0 && d.maxSteps === 1e9);
    assert.equal(defaultLimits({ OPTRAIN_MAX_MEMORY: '2G', OPTRAIN_MAX_DISK: '10M', OPTRAIN_MAX_STEPS: '5000' }).memoryBytes, 2 * GB);
    assert.throws(() => defaultLimits({ OPTRAIN_MAX_MEMORY: 'lots' }), refused(/^OPTRAIN_MAX_MEMORY: expected a number/));
  });
});

describe('a resolved spec (what a solver fetches before claiming) is checked as it is', () => {
  it('checkResources(loadedJob.resolved) agrees with checkJobResources', () => {
    const t = makeTinyJob({ trainN: 64, testN: 16 });
    try {
      const loaded = loadJob(t.file);
      const fromSpec = checkResources(loaded.resolved, limits);
      const fromJob = checkJobResources(loaded, limits);
      assert.equal(fromJob.stateBytes, fromSpec.stateBytes);
      assert.equal(fromJob.datasetBytes, 4 * 64 * (784 + 10), 'the training set is counted once it is known');
      assert.equal(fromSpec.datasetBytes, 0);
    } finally {
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
});

describe('jobs nobody can run are refused with one line naming the field and the limit', () => {
  it('batchSize 1e9', () => {
    assert.throws(() => checkResources(job({ batchSize: 1e9 }), limits), refused(/^job\.hyperparameters\.batchSize \(1000000000\): needs a tensor of 7\.84e\+11 values/));
    assert.throws(() => checkResources(job({ batchSize: 3e6 }), limits), refused(/^job\.hyperparameters\.batchSize \(3000000\): needs an estimated 18\.\d GB of memory .* more than the limit of 8\.0 GB \(OPTRAIN_MAX_MEMORY\)/));
  });

  it('a 2,000,000-unit dense layer', () => {
    assert.throws(() => checkResources(job({ units: 2_000_000 }), limits), refused(/^job\.model \(1,590,000,010 parameters\): needs an estimated 36\.0 GB of memory \(state 35\.5 GB, .*\), more than the limit of 8\.0 GB/));
    assert.throws(() => checkResources(job({ units: 6_000_000 }), limits), refused(/^job\.model \(parameter big\/kernel \[784, 6000000\]\): needs a tensor of 4\.70e\+9 values, more than the 4294967296/));
  });

  it('steps 1e12, and the checkpoint disk of a long run with a small checkpointInterval', () => {
    assert.throws(() => checkResources(job({ steps: 1e12, checkpointInterval: 2 }), limits), refused(/^job\.steps: 1000000000000 steps exceeds the limit of 1000000000 \(OPTRAIN_MAX_STEPS\)/));
    assert.throws(() => checkResources(job({ steps: 1e7, checkpointInterval: 2 }), limits), refused(/^job\.checkpointInterval \(2\): 5,000,000 checkpoints of 199 KB over 10000000 steps need 949 GB of disk, more than the limit of 50\.0 GB/));
    // The same run keeping only the latest 2 checkpoints fits.
    assert.ok(checkResources(job({ steps: 1e7, checkpointInterval: 2 }), { ...limits, keep: { latest: 2, leaves: false } }));
    assert.throws(() => checkResources(job({ steps: 1e8 }), limits), refused(/^job\.steps \(100000000: a loss and state hash kept per step\): needs an estimated 11\.\d GB of memory/));
  });
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { OPSET_VERSION } from '../reproducible-ops/opset.ts';
import { UserError } from './errors.ts';
import { makeTinyJob, writeJobVariant } from './fixtures.ts';
import { asClassifier, loadJob, stepsFor } from './job.ts';
import { asClassifierSpec, readJobSpec } from './spec.ts';

const base = makeTinyJob();
after(() => rmSync(base.dir, { recursive: true, force: true }));

/** Load a variant of the tiny job produced by `edit` and return the UserError message. */
function errorOf(edit: (j: any) => unknown, load: (f: string) => unknown = loadJob): string {
  const job = structuredClone(base.job);
  const content = edit(job) ?? job;
  const file = writeJobVariant(base, 'variant.json', content);
  try {
    load(file);
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${(e as Error).stack}`);
    assert.ok(!e.message.includes('\n'), `message must be one line: ${e.message}`);
    assert.ok(e.message.startsWith(file) || e.message.includes(base.dir), `message names the file: ${e.message}`);
    return e.message;
  }
  assert.fail('expected the job to be rejected');
}

describe('job spec validation', () => {
  it('loads the valid tiny job with the dataset shapes and one-hot labels', () => {
    const job = asClassifier(loadJob(base.file));
    assert.equal(job.steps, 6);
    assert.deepEqual(job.setup.train.x.shape, [512, 784]);
    assert.deepEqual(job.setup.train.y.shape, [512, 10]);
    assert.deepEqual(job.test.x.shape, [256, 784]);
    assert.equal(job.jobHash.length, 32);
    assert.equal(job.jobHashHex, job.jobHash.toString('hex'));
  });

  it('names the field and the bad value: batchSize 0', () => {
    const msg = errorOf((j) => void (j.hyperparameters.batchSize = 0));
    assert.match(msg, /job\.hyperparameters\.batchSize: expected a positive integer, got 0/);
  });

  it('names nested fields: optimizer learning rate, momentum range and type', () => {
    assert.match(errorOf((j) => void (j.hyperparameters.optimizer.learningRate = -1)), /job\.hyperparameters\.optimizer\.learningRate: expected a positive number, got -1/);
    assert.match(errorOf((j) => void (j.hyperparameters.optimizer.momentum = 1.5)), /job\.hyperparameters\.optimizer\.momentum: expected a number in \[0, 1\), got 1\.5/);
    assert.match(errorOf((j) => void (j.hyperparameters.optimizer = { type: 'rmsprop', learningRate: 1 })), /job\.hyperparameters\.optimizer\.type: expected "sgd" or "adam", got "rmsprop"/);
  });

  it('a learning rate beyond float64 (1e999) is named as such, not as null', () => {
    const msg = errorOf((j) => JSON.stringify(j).replace('"learningRate":0.1', '"learningRate":1e999'));
    assert.match(msg, /job\.hyperparameters\.optimizer\.learningRate: expected a positive number, got Infinity \(the number is out of float64 range\)/);
  });

  it('the loss is explicit: "softmax_cross_entropy" is the default and leaves the jobHash as it was; others are refused', () => {
    const plain = asClassifier(loadJob(base.file));
    assert.equal(plain.spec.loss, 'softmax_cross_entropy');
    const explicit = loadJob(writeJobVariant(base, 'loss.json', { ...base.job, loss: 'softmax_cross_entropy' }));
    assert.equal(explicit.jobHashHex, plain.jobHashHex);
    assert.ok(!('loss' in plain.resolved), 'the canonical spec has no loss field for the default');
    assert.match(errorOf((j) => void (j.loss = 'mse')), /job\.loss: expected "softmax_cross_entropy" \(the only loss this op set implements\), got "mse"/);
  });

  it('refuses a model whose output goes through relu (softmax cross-entropy reads logits)', () => {
    const relu = { inputShape: [784], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'relu' }] };
    assert.match(errorOf((j) => void (j.model = relu)), /job\.model\.layers\[1\] \(dense_2\): the model's output goes through relu, but the loss "softmax_cross_entropy" reads the output as logits .*end with a dense layer with activation "softmax" or "linear"/);
    const reluLayer = { inputShape: [784], layers: [{ type: 'dense', units: 10 }, { type: 'relu' }, { type: 'dropout', rate: 0.1 }] };
    assert.match(errorOf((j) => void (j.model = reluLayer)), /job\.model\.layers\[1\] \(relu_2\): the model's output goes through relu/);
    const linear = { inputShape: [784], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10 }] };
    assert.equal(asClassifier(loadJob(writeJobVariant(base, 'linear.json', { ...base.job, model: linear }))).classes, 10, 'a linear output (logits) is fine');
  });

  it('reports missing and unknown fields', () => {
    assert.match(errorOf((j) => void delete j.seed), /job\.seed: required field missing/);
    assert.match(errorOf((j) => void delete j.hyperparameters.optimizer.type), /job\.hyperparameters\.optimizer\.type: required field missing \(expected "sgd" or "adam"\)/);
    assert.match(errorOf((j) => void delete j.model), /job\.model: required field missing/);
    assert.match(errorOf((j) => void (j.hyperparameters.lr = 0.1)), /job\.hyperparameters: unknown field "lr"/);
    assert.match(errorOf((j) => void (j.dataset.train.images.sha256 = 'abc')), /job\.dataset\.train\.images\.sha256: expected a sha256 as 64 hex digits, got "abc"/);
    assert.match(errorOf((j) => void (j.seed = 2 ** 32)), /job\.seed: expected an integer in \[0, 4294967295\], got 4294967296/);
  });

  it('requires the op-set version of this build and says which', () => {
    const msg = errorOf((j) => void (j.opsetVersion = 'repops-0'));
    assert.ok(msg.includes(`job.opsetVersion: expected "${OPSET_VERSION}"`), msg);
    assert.ok(msg.includes('got "repops-0"'), msg);
    assert.ok(msg.includes('or "repops-2"'), msg);
  });

  it('accepts repops-2 and repops-3 jobs; the op set is part of the job hash', () => {
    const hashes = ['repops-2', 'repops-3'].map((v) => {
      const file = writeJobVariant(base, `opset-${v}.json`, { ...structuredClone(base.job), opsetVersion: v });
      const job = loadJob(file);
      assert.equal(job.spec.opsetVersion, v);
      assert.equal(job.setup.opsetVersion, v, 'the engine checks its programs against the job op set');
      return job.jobHashHex;
    });
    assert.notEqual(hashes[0], hashes[1]);
  });

  it('needs exactly one of steps and epochs', () => {
    assert.match(errorOf((j) => void (j.epochs = 1)), /exactly one of "steps" or "epochs", got both/);
    assert.match(errorOf((j) => void delete j.steps), /exactly one of "steps" or "epochs", got neither/);
  });

  it('resolves epochs to ceil(epochs * N / batchSize)', () => {
    const job = structuredClone(base.job) as any;
    delete job.steps;
    job.epochs = 1.5; // 1.5 * 512 / 32 = 24
    assert.equal(loadJob(writeJobVariant(base, 'epochs.json', job)).steps, 24);
    job.epochs = 0.1; // 0.1 * 512 / 32 = 1.6 -> 2
    assert.equal(loadJob(writeJobVariant(base, 'epochs.json', job)).steps, 2);
    const spec = asClassifierSpec(readJobSpec(writeJobVariant(base, 'epochs.json', { ...job, epochs: 0.1, hyperparameters: { ...job.hyperparameters, batchSize: 64 } })));
    assert.equal(stepsFor(spec, 640), 1, '0.1 * 640 / 64 is exactly one step despite 0.1 not being exact in binary');
  });

  it('reads hashInterval (default 1) and rejects values outside [1, 4096] naming the field', () => {
    assert.equal(readJobSpec(base.file).hashInterval, 1);
    assert.equal(readJobSpec(writeJobVariant(base, 'k.json', { ...base.job, hashInterval: 4096 })).hashInterval, 4096);
    assert.match(errorOf((j) => void (j.hashInterval = 0)), /job\.hashInterval: expected an integer in \[1, 4096\], got 0/);
    assert.match(errorOf((j) => void (j.hashInterval = 4097)), /job\.hashInterval: expected an integer in \[1, 4096\], got 4097/);
    assert.match(errorOf((j) => void (j.hashInterval = 2.5)), /job\.hashInterval: expected an integer in \[1, 4096\], got 2\.5/);
    assert.match(errorOf((j) => void (j.hashInterval = '8')), /job\.hashInterval: expected an integer in \[1, 4096\], got "8"/);
  });

  it('reports malformed JSON with line and column', () => {
    const file = join(base.dir, 'broken.json');
    writeFileSync(file, '{\n  "name": "x",\n  "seed" 1\n}\n');
    assert.throws(() => readJobSpec(file), (e: Error) => e instanceof UserError && e.message.startsWith(`${file}:3:10: invalid JSON`));
  });

  it('reports a missing job file and a missing model file by path', () => {
    assert.throws(() => readJobSpec(join(base.dir, 'nope.json')), /job file .*nope\.json: cannot read \(no such file\)/);
    assert.match(errorOf((j) => void (j.model = { tfjs: 'missing/model.json' })), /model file .*missing\/model\.json: cannot read \(no such file\)/);
  });

  it('rejects an unknown tfjs layer naming the layer and its class', () => {
    const msg = errorOf((j) => void (j.model = { class_name: 'Sequential', config: { layers: [
      { class_name: 'Dense', config: { name: 'd1', units: 8, batch_input_shape: [null, 784] } },
      { class_name: 'LSTM', config: { name: 'rnn', units: 4 } },
    ] } }));
    assert.match(msg, /layer 'rnn' \(LSTM\): layer class LSTM is not supported/);
  });

  it('rejects a model whose input shape does not fit the dataset', () => {
    const msg = errorOf((j) => void (j.model = { inputShape: [100], layers: [{ type: 'dense', units: 10 }] }));
    assert.match(msg, /job\.dataset\.train\.images: the model's input shape \[100\] has 100 values per sample, but the dataset's samples are \[28,28\] \(784 values\)/);
  });

  it('checks internal models: layer fields and shapes', () => {
    assert.match(errorOf((j) => void (j.model = { inputShape: [784], layers: [{ type: 'dense', units: 0 }] })), /job\.model\.layers\[0\]\.units: expected a positive integer, got 0/);
    assert.match(errorOf((j) => void (j.model = { inputShape: [784], layers: [{ type: 'pool' }] })), /job\.model\.layers\[0\]\.type: expected "dense" or "conv2d"/);
    assert.match(
      errorOf((j) => void (j.model = { inputShape: [28, 28, 1], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'dense', units: 10 }] })),
      /job\.model\.layers\[1\] \(dense\): dense needs a flat input, got \[26,26,2\]/,
    );
    assert.match(errorOf((j) => void (j.model = { inputShape: [784], layers: [{ type: 'dense', units: 10, activation: 'softmax' }, { type: 'dense', units: 10 }] })), /softmax is supported only on the last layer/);
  });

  it('rejects a model whose output does not cover the labels', () => {
    assert.match(errorOf((j) => void (j.model = { inputShape: [784], layers: [{ type: 'dense', units: 5 }] })), /job\.dataset\.train\.labels: label \d at index \d+ does not fit the model's 5 output classes/);
  });
});

describe('dataset verification', () => {
  it('names the file, the expected and the actual hash on a mismatch', () => {
    const wrong = 'ab'.repeat(32);
    const msg = errorOf((j) => void (j.dataset.test.labels.sha256 = wrong));
    const actual = (base.job as any).dataset.test.labels.sha256;
    assert.ok(msg.includes('job.dataset.test.labels: sha256 mismatch for'), msg);
    assert.ok(msg.includes(join(base.dir, 'test-labels-idx1-ubyte.gz')), msg);
    assert.ok(msg.includes(`expected ${wrong}, got ${actual}`), msg);
  });

  it('reports a missing dataset file by field and path', () => {
    const msg = errorOf((j) => void (j.dataset.train.images.path = 'nowhere.gz'));
    assert.ok(msg.includes(`job.dataset.train.images: dataset file ${join(base.dir, 'nowhere.gz')} not found`), msg);
  });

  it('rejects image and label files of different lengths', () => {
    const msg = errorOf((j) => void (j.dataset.train.labels = j.dataset.test.labels));
    assert.match(msg, /job\.dataset\.train: 512 images but 256 labels/);
  });
});

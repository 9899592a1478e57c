import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Engine } from '../reproducible-ops/engine.ts';
import { canonicalJson } from './canonical.ts';
import { UserError } from './errors.ts';
import { writeGptJob } from './gpt-fixtures.ts';
import { loadJob, type GptJob } from './job.ts';
import { checkJobResources, checkResources, defaultLimits } from './resources.ts';

const dir = mkdtempSync(join(tmpdir(), 'optrain-spec-gpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = writeGptJob(dir);
const EXAMPLES = new URL('../examples/', import.meta.url).pathname;

function gpt(file: string): GptJob {
  const j = loadJob(file);
  assert.equal(j.kind, 'gpt');
  return j as GptJob;
}

/** Write a variant of the base job and load it. */
function variant(edit: (j: any) => unknown, name = 'variant.json'): string {
  const job = structuredClone(base.job) as any;
  const content = edit(job) ?? job;
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function errorOf(edit: (j: any) => unknown): string {
  const file = variant(edit);
  try {
    loadJob(file);
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${(e as Error).stack}`);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.ok(e.message.startsWith(file), `names the file: ${e.message}`);
    return e.message;
  }
  assert.fail('expected the job to be rejected');
}

describe('GPT job specs', () => {
  it('the examples load; the shakespeare-char jobHash is pinned (the canonical resolved spec must not drift)', () => {
    const j = gpt(join(EXAMPLES, 'shakespeare-char.json'));
    assert.equal(j.jobHashHex, '99b42570ba0eb9f438d8d4df051f10bc29fdaeab2f1032bbfafc742d0125c0c1');
    assert.deepEqual(j.config, { vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false });
    assert.deepEqual(j.spec.optimizer, { type: 'adamw', learningRate: 0.001, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, schedule: { warmup: 100, total: 2000, min: 0.0001 }, gradClip: 1 });
    assert.equal(j.steps, 2000);
    assert.equal(j.spec.batchSize, 12);
    assert.deepEqual(j.resolved.dataset.text.tokens, { sha256: '1b4d86da3918ad2add33d07a940bccc2466c2afd10579c9b9ff2158a2faad45d', train: 1003854, val: 111540 });
    assert.equal(gpt(join(EXAMPLES, 'shakespeare-char-tiny.json')).config.nEmbd, 32);
  });

  it('the jobHash ignores key order and spelled-out defaults, and covers vocabSize, optimizer, schedule, clip, evalInterval and the tokens', () => {
    const h = gpt(base.file).jobHashHex;
    const reordered = variant((j) => JSON.stringify(Object.fromEntries(Object.entries(j).reverse())), 'reordered.json');
    assert.equal(gpt(reordered).jobHashHex, h);
    assert.equal(gpt(variant((j) => void (j.model.gpt.vocabSize = 55), 'v55.json')).jobHashHex, h, 'vocabSize = the tokenizer vocabulary is the default');
    assert.equal(gpt(variant((j) => void delete j.model.gpt.dropout, 'nodrop.json')).jobHashHex, h, 'dropout defaults to 0');
    const changes: [string, (j: any) => void][] = [
      ['vocabSize', (j) => void (j.model.gpt.vocabSize = 70)],
      ['lr', (j) => void (j.hyperparameters.optimizer.adamw.lr = 0.002)],
      ['betas', (j) => void (j.hyperparameters.optimizer.adamw.betas = [0.9, 0.95])],
      ['weightDecay', (j) => void (j.hyperparameters.optimizer.adamw.weightDecay = 0)],
      ['lrSchedule', (j) => void delete j.hyperparameters.lrSchedule],
      ['gradClip', (j) => void (j.hyperparameters.gradClip = 0.5)],
      ['evalInterval', (j) => void (j.evalInterval = 3)],
      ['valFraction', (j) => void (j.dataset.text.valFraction = 0.2)],
      ['tokenizer', (j) => void (j.dataset.text.tokenizer = 'gpt2')],
    ];
    const hashes = new Set([h]);
    for (const [what, edit] of changes) {
      const x = gpt(variant(edit, `change-${what}.json`)).jobHashHex;
      assert.ok(!hashes.has(x), `${what} changes the jobHash`);
      hashes.add(x);
    }
  });

  it('the resolved spec has content hashes, no paths, and the token file hash of the exact ids', () => {
    const j = gpt(base.file);
    const json = canonicalJson(j.resolved);
    assert.ok(!json.includes('.txt'), json);
    assert.deepEqual(j.resolved.dataset.text, { sha256: base.textSha256, tokenizer: 'char', valFraction: 0.1, tokens: { sha256: j.text.tokensSha256, train: 5400, val: 600 } });
    assert.deepEqual(j.setup.tokens.shape, [5400]);
    assert.deepEqual(j.val.shape, [600]);
    assert.equal(j.resolved.evalInterval, 6);
  });

  it('the engine builds from the loaded job and its programs use repops-3 ops', () => {
    const j = gpt(base.file);
    const e = new Engine(j.setup);
    assert.ok(e.stepProgram.nodes.some((n) => n.op === 'token_windows'));
    assert.equal(e.params[0].name, 'transformer.wte.weight');
    const needs = checkJobResources(j, defaultLimits());
    assert.ok(needs.params > 20000 && needs.memoryBytes > needs.stateBytes, JSON.stringify(needs));
  });

  it('resource limits name the GPT field that drives them (logits of batchSize windows, parameters)', () => {
    const j = gpt(base.file);
    const limits = { memoryBytes: 2 ** 30, diskBytes: 2 ** 40, maxSteps: 1e9, keep: { latest: 2, leaves: true } };
    const refused = (re: RegExp) => (e: Error) => e instanceof UserError && re.test(e.message);
    assert.throws(() => checkResources({ ...j.resolved, hyperparameters: { ...j.resolved.hyperparameters, batchSize: 100000 } }, limits), refused(/^job\.hyperparameters\.batchSize \(100000\): needs an estimated [\d.]+ GB of memory/));
    assert.throws(() => checkResources({ ...j.resolved, model: { gpt: { ...j.config, nEmbd: 8192, nHead: 64 } } }, limits), refused(/^job\.model \([\d,]+ parameters\): needs an estimated/));
    assert.throws(() => checkResources({ ...j.resolved, model: { gpt: { ...j.config, vocabSize: 65535 } }, hyperparameters: { ...j.resolved.hyperparameters, batchSize: 5000 } }, limits), refused(/^job\.hyperparameters\.batchSize \(5000\): needs a tensor of 5\.24e\+9 values/));
  });

  it('errors name the field: model config', () => {
    assert.match(errorOf((j) => void (j.model.gpt.nEmbd = 33)), /job\.model\.gpt\.nEmbd: expected a multiple of nHead \(2\), got 33$/);
    assert.match(errorOf((j) => void (j.model.gpt.nLayer = 0)), /job\.model\.gpt\.nLayer: expected a positive integer \(at least one layer\), got 0$/);
    assert.match(errorOf((j) => void (j.model.gpt.vocabSize = 70000)), /job\.model\.gpt\.vocabSize: expected an integer in \[1, 65535\] \(token ids are u16\), got 70000$/);
    assert.match(errorOf((j) => void (j.model.gpt.vocabSize = 40)), /job\.model\.gpt\.vocabSize: 40 is smaller than the char tokenizer's vocabulary of 55 tokens/);
    assert.match(errorOf((j) => void (j.model.gpt.blockSize = 600)), /job\.model\.gpt\.blockSize: 600 is larger than the data: the validation split of job\.dataset\.text has 600 tokens, and a window needs blockSize \+ 1 = 601$/);
    assert.match(errorOf((j) => void (j.model.gpt.dropout = 0.1)), /job\.model\.gpt\.dropout: expected 0 \(dropout is not implemented for GPT jobs\), got 0\.1$/);
    assert.match(errorOf((j) => void delete j.model.gpt.bias), /job\.model\.gpt\.bias: required field missing \(expected true or false\)$/);
    assert.match(errorOf((j) => void (j.model.gpt.layers = 2)), /job\.model\.gpt: unknown field "layers"$/);
  });

  it('errors name the field: dataset, optimizer, schedule, lengths, op set', () => {
    assert.match(errorOf((j) => void (j.dataset.text.sha256 = '0'.repeat(64))), /job\.dataset\.text\.sha256: sha256 mismatch for .*gpt-tiny\.txt: expected 0{64}, got [0-9a-f]{64}$/);
    assert.match(errorOf((j) => void (j.dataset.text.tokenizer = 'bpe')), /job\.dataset\.text\.tokenizer: expected "char" or "gpt2", got "bpe"$/);
    assert.match(errorOf((j) => void (j.dataset.text.valFraction = 0)), /job\.dataset\.text\.valFraction: expected a number in \(0, 1\), got 0$/);
    assert.match(errorOf((j) => void (j.hyperparameters.optimizer = { type: 'adam', learningRate: 0.1 })), /job\.hyperparameters\.optimizer: unknown field "type", "learningRate"/);
    assert.match(errorOf((j) => void (j.hyperparameters.optimizer.adamw.betas = [0.9, 1])), /job\.hyperparameters\.optimizer\.adamw\.betas\[1\]: expected a number in \[0, 1\), got 1$/);
    assert.match(errorOf((j) => void (j.hyperparameters.lrSchedule.total = 2)), /job\.hyperparameters\.lrSchedule\.total: expected an integer greater than warmup \(2\), got 2$/);
    assert.match(errorOf((j) => void (j.hyperparameters.gradClip = -1)), /job\.hyperparameters\.gradClip: expected a number >= 0, got -1$/);
    assert.match(errorOf((j) => void (j.evalInterval = 7)), /job\.evalInterval: expected at most steps \(6\), got 7$/);
    assert.match(errorOf((j) => void ((j.epochs = 1), delete j.steps)), /job\.epochs: GPT jobs give "steps"/);
    assert.match(errorOf((j) => void (j.opsetVersion = 'repops-2')), /job\.opsetVersion: GPT models need "repops-3" \(the op set with the transformer ops\), got "repops-2"$/);
    assert.match(errorOf((j) => void (j.dataset = { train: {}, text: {} })), /job\.dataset: unknown field "train"/);
  });
});

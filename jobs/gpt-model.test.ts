import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { evalLoss } from '../reproducible-ops/lm-eval.ts';
import { UserError } from './errors.ts';
import { writeGptJob } from './gpt-fixtures.ts';
import { readGptModel } from './gpt-model.ts';
import { loadJob, type GptJob } from './job.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';
import { createEngine, stateAt, train, type EvalEvent } from './train.ts';

const dir = mkdtempSync(join(tmpdir(), 'optrain-gpt-model-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('safetensors', () => {
  it('writes the 8-byte LE header length, a JSON header padded to 8 bytes, then LE float32 data; reads it back bit for bit', () => {
    const a = Float32Array.from([1.5, -0, NaN, 3.4e38, 1e-45]);
    const b = Float32Array.from([0, 1, 2, 3, 4, 5]);
    const buf = encodeSafetensors([{ name: 'a', shape: [5], data: a }, { name: 'x.weight', shape: [2, 3], data: b }], { format: 'pt' });
    const n = Number(buf.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const header = JSON.parse(buf.toString('utf8', 8, 8 + n));
    assert.deepEqual(header, { __metadata__: { format: 'pt' }, a: { dtype: 'F32', shape: [5], data_offsets: [0, 20] }, 'x.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [20, 44] } });
    assert.equal(buf.length, 8 + n + 44);
    assert.equal(buf.readFloatLE(8 + n + 20 + 4), 1);
    const back = decodeSafetensors(buf, 'm.safetensors');
    assert.deepEqual(back.metadata, { format: 'pt' });
    assert.deepEqual(bits(back.tensors[0].data), bits(a));
    assert.deepEqual(back.tensors[1], { name: 'x.weight', shape: [2, 3], data: b });
  });

  it('malformed files are one-line errors naming the file', () => {
    const err = (b: Buffer, re: RegExp) => assert.throws(() => decodeSafetensors(b, 'm.safetensors'), (e: Error) => e instanceof UserError && re.test(e.message));
    err(Buffer.alloc(4), /^m\.safetensors: not a valid safetensors file \(4 bytes, shorter than the 8-byte header length\)/);
    const big = Buffer.alloc(16);
    big.writeBigUInt64LE(100n);
    err(big, /header length 100 exceeds the file/);
    const good = encodeSafetensors([{ name: 'a', shape: [2], data: new Float32Array(2) }]);
    err(good.subarray(0, good.length - 1), /a: data_offsets outside the file/);
  });
});

describe('GPT training output', () => {
  const fx = writeGptJob(dir, { steps: 6, evalInterval: 3 });
  const job = loadJob(fx.file) as GptJob;
  const out = join(dir, 'run');
  const evals: EvalEvent[] = [];
  const engine = createEngine(job, referenceBackend);
  const result = train(job, engine, { outDir: out, onEval: (e) => evals.push(e) });

  it('reports trainLoss and valLoss every evalInterval steps and valLoss in the result', () => {
    assert.deepEqual(evals.map((e) => e.step), [3, 6]);
    assert.ok(evals.every((e) => Number.isFinite(e.trainLoss) && Number.isFinite(e.valLoss)), JSON.stringify(evals));
    assert.equal(result.valLoss, evals[1].valLoss);
    assert.equal(result.valTokens, 592); // floor(599 / 16) windows of 16
    assert.equal(result.testAccuracy, undefined);
    const onDisk = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    assert.equal(onDisk.valLoss, result.valLoss);
    assert.ok(Math.abs(result.valLoss! - Math.log(55)) < 0.6, `an almost untrained model is near ln V: ${result.valLoss}`);
  });

  it('exports nanoGPT names and shapes, c_attn as [3C, C]; reading it back gives the trained parameters bit for bit', () => {
    const st = decodeSafetensors(readFileSync(join(out, 'model', 'model.safetensors')), 'model.safetensors');
    const shapes = Object.fromEntries(st.tensors.map((t) => [t.name, t.shape.join('x')]));
    assert.equal(shapes['transformer.wte.weight'], '55x32');
    assert.equal(shapes['transformer.wpe.weight'], '16x32');
    assert.equal(shapes['transformer.h.0.attn.c_attn.weight'], '96x32');
    assert.equal(shapes['transformer.h.1.mlp.c_fc.weight'], '128x32');
    assert.equal(shapes['transformer.h.1.mlp.c_proj.weight'], '32x128');
    assert.equal(shapes['transformer.ln_f.weight'], '32');
    assert.equal(shapes['lm_head.weight'], '55x32');
    assert.ok(!st.tensors.some((t) => /\[|bias/.test(t.name)), 'no split q/k/v names, no biases (bias false)');
    const cfg = JSON.parse(readFileSync(join(out, 'model', 'config.json'), 'utf8'));
    assert.deepEqual({ ...cfg, vocab: cfg.vocab.length, optrain: undefined }, { vocab_size: 55, block_size: 16, n_layer: 2, n_head: 2, n_embd: 32, dropout: 0, bias: false, tokenizer: 'char', vocab: 55, optrain: undefined });
    assert.equal(cfg.optrain.modelHash, result.finalModelHash);
    const m = readGptModel(join(out, 'model'));
    const params = stateAt(engine, 6).state.tensors.slice(0, engine.params.length); // replayed from init
    m.params.forEach((p, i) => assert.deepEqual(bits(p), bits(params[i]), engine.params[i].name));
    assert.equal(evalLoss(engine, m.params, job.val.data).loss, result.valLoss);
  });

  it('writes the token file the jobHash covers', () => {
    const tokens = readFileSync(join(out, 'data', 'tokens.bin'));
    assert.equal(createHash('sha256').update(tokens).digest('hex'), job.resolved.dataset.text.tokens.sha256);
  });

  it('a broken export is refused naming the file and tensor', () => {
    const bad = join(dir, 'bad-model');
    mkdirSync(bad, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(out, 'model', 'config.json'), 'utf8'));
    writeFileSync(join(bad, 'model.safetensors'), readFileSync(join(out, 'model', 'model.safetensors')));
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...cfg, n_embd: 64 }));
    assert.throws(() => readGptModel(bad), (e: Error) => e instanceof UserError && /model\.safetensors: transformer\.wte\.weight has shape \[55,32\], config\.json implies \[55,64\]/.test(e.message));
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...cfg, n_head: 3 }));
    assert.throws(() => readGptModel(bad), (e: Error) => e instanceof UserError && /config\.json: n_embd: expected a multiple of nHead \(3\), got 32/.test(e.message));
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...cfg, tokenizer: 'bpe' }));
    assert.throws(() => readGptModel(bad), (e: Error) => e instanceof UserError && /config\.json: tokenizer: expected "char" or "gpt2", got "bpe"/.test(e.message));
  });
});

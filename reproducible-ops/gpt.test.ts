// nanoGPT as table ops (gpt.ts, docs/REPOPS.md §15.11): parameter names and shapes, the
// initialisation's statistics, causality, the forward against an independent binary64 nanoGPT,
// the initial loss, learning, the whole model's gradient against finite differences, and the
// config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, type LmSetup } from './engine.ts';
import { gptLoss, gptParams, gptStateDict, validateGptConfig, type GptConfig } from './gpt.ts';
import { charTokens, GOLDEN_TEXT } from './golden/gpt-text.ts';
import { evalLoss, predictLogits } from './lm-eval.ts';
import type { OptimizerSpec } from './optim.ts';
import { tensorRoot } from './merkle.ts';
import { DATASET_TOKENS, STREAM_WINDOWS } from './task.ts';
import { tensor } from './tensor.ts';
import { CaseBuilder, checkGradients } from './test-support/grad-check.ts';
import { ce64, gpt64Logits } from './test-support/gpt64.ts';
import { Rand } from './test-support/op-cases.ts';

const { tokens: TOKENS, vocab: VOCAB } = charTokens(GOLDEN_TEXT);
const V = VOCAB.length;
const ADAMW: OptimizerSpec = { type: 'adamw', learningRate: 1e-2, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, schedule: { warmup: 3, total: 40, min: 1e-3 }, gradClip: 1 };

function cfg(over: Partial<GptConfig> = {}): GptConfig {
  return { vocabSize: V, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true, ...over };
}

function engine(c: GptConfig, over: Partial<LmSetup> = {}): Engine {
  return new Engine({ specHash: Buffer.alloc(32, 3), model: { gpt: c }, optimizer: ADAMW, batchSize: 4, seed: 11, tokens: tensor([TOKENS.length], TOKENS), opsetVersion: 'repops-3', ...over });
}

/** Random parameters (LayerNorm weights near 1), binary32 values. */
function randomParams(c: GptConfig, seed: number): Float32Array[] {
  const r = new Rand(seed);
  const u = () => r.u32() / 2 ** 32 - 0.5;
  return gptParams(c).map((p) => Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => (/ln_|ln_f/.test(p.name) && p.name.endsWith('weight') ? 1 + 0.6 * u() : 0.4 * u())));
}

const nanoNames = (L: number, bias: boolean): string[] => {
  const lin = (n: string) => (bias ? [`${n}.weight`, `${n}.bias`] : [`${n}.weight`]);
  const blocks = Array.from({ length: L }, (_, i) => [`ln_1`, `attn.c_attn`, `attn.c_proj`, `ln_2`, `mlp.c_fc`, `mlp.c_proj`].flatMap((m) => lin(`transformer.h.${i}.${m}`)));
  return ['transformer.wte.weight', 'transformer.wpe.weight', ...blocks.flat(), ...lin('transformer.ln_f'), 'lm_head.weight'];
};

test('state dict: nanoGPT names, order and [out, in] shapes; c_attn is [q; k; v] rows', () => {
  for (const bias of [true, false]) {
    const c = cfg({ bias, nLayer: 3, nEmbd: 12, nHead: 3 });
    const params = randomParams(c, 5);
    const sd = gptStateDict(c, params, { lmHead: true });
    assert.deepEqual(sd.map((t) => t.name), nanoNames(3, bias));
    const shape = (n: string) => sd.find((t) => t.name === n)!.shape;
    assert.deepEqual(shape('transformer.wte.weight'), [V, 12]);
    assert.deepEqual(shape('transformer.wpe.weight'), [8, 12]);
    assert.deepEqual(shape('transformer.h.2.attn.c_attn.weight'), [36, 12]);
    assert.deepEqual(shape('transformer.h.0.mlp.c_fc.weight'), [48, 12]);
    assert.deepEqual(shape('transformer.h.0.mlp.c_proj.weight'), [12, 48]);
    assert.deepEqual(shape('lm_head.weight'), [V, 12]);
    // rows [0, C) of c_attn are the q parameter, [C, 2C) k, [2C, 3C) v
    const names = gptParams(c).map((p) => p.name);
    const cattn = sd.find((t) => t.name === 'transformer.h.1.attn.c_attn.weight')!.data;
    ['q', 'k', 'v'].forEach((s, k) => assert.deepEqual(cattn.subarray(k * 144, (k + 1) * 144), params[names.indexOf(`transformer.h.1.attn.c_attn.weight[${s}]`)]));
    if (bias) {
      const b = sd.find((t) => t.name === 'transformer.h.1.attn.c_attn.bias')!.data;
      ['q', 'k', 'v'].forEach((s, k) => assert.deepEqual(b.subarray(k * 12, (k + 1) * 12), params[names.indexOf(`transformer.h.1.attn.c_attn.bias[${s}]`)]));
    }
    assert.deepEqual(sd.at(-1)!.data, params[0]);
  }
});

test('initialisation: normal(0, 0.02), c_proj weights 0.02/sqrt(2·nLayer), LayerNorm ones, biases zeros, distinct draws', () => {
  const c = cfg({ nLayer: 4, nEmbd: 64, nHead: 4, blockSize: 32 });
  const e = engine(c);
  const st = e.init();
  const stats = (d: Float32Array) => {
    const m = d.reduce((a, v) => a + v, 0) / d.length;
    return { m, s: Math.sqrt(d.reduce((a, v) => a + (v - m) ** 2, 0) / d.length) };
  };
  e.params.forEach((p, i) => {
    const d = st.tensors[i];
    if (/\.bias(\[[qkv]\])?$/.test(p.name)) return assert.ok(d.every((v) => Object.is(v, 0)), `${p.name}: zeros`);
    if (/ln_(1|2|f)\.weight$/.test(p.name)) return assert.ok(d.every((v) => v === 1), `${p.name}: ones`);
    const want = /c_proj\.weight$/.test(p.name) ? 0.02 / Math.sqrt(8) : 0.02;
    const { m, s } = stats(d);
    // std of the sample std ≈ want/sqrt(2n): 6 sigma bounds
    const tol = 6 * want / Math.sqrt(2 * d.length);
    assert.ok(Math.abs(s - want) < tol, `${p.name}: std ${s}, expected ${want} ± ${tol}`);
    assert.ok(Math.abs(m) < 6 * want / Math.sqrt(d.length), `${p.name}: mean ${m}`);
  });
  const qi = e.params.findIndex((p) => p.name === 'transformer.h.0.attn.c_attn.weight[q]');
  assert.notDeepEqual(st.tensors[qi], st.tensors[qi + 2], 'q and k weights use different streams');
});

test('causality: the logits at position t do not depend on tokens after t (bit for bit)', () => {
  const c = cfg({ blockSize: 9 });
  const e = engine(c);
  const params = randomParams(c, 21);
  const ids = Array.from(TOKENS.subarray(0, 9));
  const base = predictLogits(e, params, ids, 1, 9);
  for (const j of [0, 4, 8]) {
    const other = ids.slice();
    other[j] = (other[j] + 5) % V;
    const got = predictLogits(e, params, other, 1, 9);
    assert.deepEqual(got.subarray(0, j * V), base.subarray(0, j * V), `rows before ${j} unchanged`);
    assert.notDeepEqual(got.subarray(j * V, (j + 1) * V), base.subarray(j * V, (j + 1) * V), `row ${j} changes`);
  }
  // a prefix shorter than blockSize (position ids path) gives the same rows
  assert.deepEqual(predictLogits(e, params, ids.slice(0, 5), 1, 5), base.subarray(0, 5 * V));
});

test('forward = an independent binary64 nanoGPT on the exported state dict (1e-4 relative), bias true and false', () => {
  for (const bias of [true, false]) {
    const c = cfg({ bias, blockSize: 7, nEmbd: 24, nHead: 2 });
    const e = engine(c);
    const params = randomParams(c, bias ? 3 : 4);
    const seqs = [Array.from(TOKENS.subarray(0, 7)), Array.from(TOKENS.subarray(40, 47))];
    const got = predictLogits(e, params, seqs.flat(), 2, 7);
    const sd = gptStateDict(c, params);
    seqs.forEach((ids, b) => {
      const want = gpt64Logits(c, sd, ids);
      const scale = Math.max(...want.flatMap((r) => Array.from(r, Math.abs)));
      want.forEach((row, t) => row.forEach((w, v) => {
        const x = got[(b * 7 + t) * V + v];
        if (!(Math.abs(x - w) <= 1e-4 * scale)) assert.fail(`bias=${bias}: logit [${b},${t},${v}] ${x} vs binary64 ${w}`);
      }));
    });
  }
});

test('evalLoss: all non-overlapping windows, independent of the evaluation batch, = binary64 mean cross-entropy', () => {
  const c = cfg({ blockSize: 8 });
  const e = engine(c);
  const params = randomParams(c, 8);
  const split = Array.from(TOKENS.subarray(100, 100 + 8 * 5 + 3)); // 43 tokens: floor(42/8) = 5 windows
  const r = evalLoss(e, params, split, 2);
  assert.equal(r.windows, 5);
  assert.equal(r.tokens, 40);
  assert.equal(evalLoss(e, params, split, 16).loss, r.loss, 'bits do not depend on the evaluation batch');
  const sd = gptStateDict(c, params);
  let sum = 0;
  for (let w = 0; w < 5; w++) {
    const logits = gpt64Logits(c, sd, split.slice(w * 8, w * 8 + 8));
    logits.forEach((row, t) => (sum += ce64(row, split[w * 8 + t + 1])));
  }
  assert.ok(Math.abs(r.loss - sum / 40) < 1e-5 * (sum / 40), `evalLoss ${r.loss} vs binary64 ${sum / 40}`);
  assert.equal(evalLoss(e, params, split.slice(0, 9)).windows, 1, 'blockSize + 1 tokens: one window');
  assert.throws(() => evalLoss(e, params, split.slice(0, 8)), /evalLoss: the split has 8 tokens, fewer than blockSize \+ 1 = 9/);
});

test('the initial loss is about ln(vocabSize), and a tiny model learns in a few AdamW steps', () => {
  const e = engine(cfg());
  let st = e.init();
  const losses: number[] = [];
  for (let t = 0; t < 25; t++) {
    const r = e.step(st);
    st = r.state;
    losses.push(r.loss);
  }
  assert.ok(Math.abs(losses[0] - Math.log(V)) < 0.1, `initial loss ${losses[0]}, ln V = ${Math.log(V)}`);
  const late = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  assert.ok(late < losses[0] - 0.4, `loss should fall: first ${losses[0]}, mean of the last 5 ${late}`);
});

test('LM step: dataset kind 2 = the token stream; inputs and targets are token_windows of one stream, shifted by one', () => {
  const e = engine(cfg());
  const nodes = e.stepProgram.nodes;
  const ds = nodes.findIndex((n) => n.op === 'dataset');
  assert.equal(nodes[ds].attrs[0], DATASET_TOKENS);
  assert.deepEqual(nodes[ds].attrs.slice(1, 9), [...Array(8).keys()].map((w) => tensorRoot(tensor([TOKENS.length], TOKENS)).readUInt32BE(4 * w)));
  const wins = nodes.flatMap((n, i) => (n.op === 'token_windows' ? [i] : []));
  assert.deepEqual(wins.map((i) => nodes[i].inputs), [[ds], [ds]]);
  assert.deepEqual(wins.map((i) => nodes[i].attrs), [[STREAM_WINDOWS, 4, 8, 0], [STREAM_WINDOWS, 4, 8, 1]]);
  const st = e.init();
  for (const step of [0, 7]) {
    const vals = new Map<number, Float32Array>();
    e.run(e.stepProgram, step, st.tensors, (i, _n, out) => wins.includes(i) && vals.set(i, out.slice()));
    const [x, y] = wins.map((i) => vals.get(i)!);
    for (let b = 0; b < 4; b++) {
      const row = x.subarray(b * 8, b * 8 + 8);
      const at = [...Array(TOKENS.length - 8).keys()].filter((o) => row.every((v, t) => v === TOKENS[o + t]) && y.subarray(b * 8, b * 8 + 8).every((v, t) => v === TOKENS[o + t + 1]));
      assert.ok(at.length > 0, `step ${step} window ${b}: inputs and targets are consecutive stream tokens, shifted by one`);
    }
  }
});

test('dropout (nanoGPT\'s four sites) acts in training steps only, with fresh masks every step', () => {
  const c = cfg({ dropout: 0.2 });
  const on = engine(c), off = engine(cfg());
  assert.equal(on.stepProgram.nodes.filter((n) => n.op === 'dropout_mask').length, 1 + 3 * c.nLayer);
  const st = off.init();
  const [a, b] = [on.step(st), off.step(st)];
  assert.notEqual(a.loss, b.loss, 'the training loss sees the masks');
  const next = { step: 1, tensors: st.tensors };
  assert.notEqual(on.step(next).loss, a.loss, 'another step draws other masks');
  const params = st.tensors.slice(0, off.params.length), ids = Array.from(TOKENS.subarray(0, 8));
  assert.deepEqual(predictLogits(on, params, ids, 1, 8), predictLogits(off, params, ids, 1, 8), 'inference has no dropout');
});

// bias false: the key bias's true gradient is exactly 0 (softmax ignores a per-row constant), so
// the binary32-vs-binary64 agreement (relative to max |g64|) would compare rounding noise with 0
test('gradient of the whole GPT loss (1 layer, 2 heads) vs binary64 finite differences', () => {
  const c = cfg({ nLayer: 1, nEmbd: 8, nHead: 2, blockSize: 4, vocabSize: 7, bias: false });
  const b = new CaseBuilder(new Rand(77));
  const ps = gptParams(c).map((p) => (/ln_.*weight/.test(p.name) ? b.param(p.shape, 0.6, 1.4) : b.param(p.shape, -0.5, 0.5)));
  const ids = b.constant([2, 4], [0, 3, 3, 6, 1, 5, 2, 0]);
  const targets = b.constant([2, 4], [3, 3, 6, 1, 5, 2, 0, 4]);
  checkGradients('gpt loss', b.done(gptLoss(b.g, c, ids, targets, ps)));
});

test('config errors are one line naming the field', () => {
  const bad: [Partial<GptConfig>, RegExp][] = [
    [{ nEmbd: 30, nHead: 4 }, /^model\.gpt\.nEmbd: expected a multiple of nHead \(4\), got 30$/],
    [{ nLayer: 0 }, /^model\.gpt\.nLayer: expected an integer in \[1, 16777216\], got 0$/],
    [{ vocabSize: 65536 }, /^model\.gpt\.vocabSize: expected an integer in \[1, 65535\], got 65536$/],
    [{ dropout: 1 }, /^model\.gpt\.dropout: expected a number in \[0, 1\), got 1$/],
    [{ nHead: 2.5 }, /^model\.gpt\.nHead: expected an integer/],
    [{ blockSize: -1 }, /^model\.gpt\.blockSize: expected an integer/],
  ];
  for (const [over, re] of bad) assert.throws(() => validateGptConfig(cfg(over)), (e: Error) => re.test(e.message));
  assert.throws(() => engine(cfg({ blockSize: TOKENS.length })), /^Error: model\.gpt\.blockSize: \d+ needs more than \d+ tokens in the train split, it has \d+$/);
  assert.throws(() => engine(cfg({ vocabSize: 5 })), /train split: token \d+ is \d+, outside \[0, vocabSize = 5\)/);
  assert.throws(() => engine(cfg(), { opsetVersion: 'repops-2' }), /opsetVersion "repops-2" has no op '(rng_normal|gather_rows)'/);
});

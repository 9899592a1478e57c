import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kthLargest, pickToken, sampleTokens, TextStream } from './generate.ts';
import { charTokenizer, gpt2Tokenizer } from './text-dataset.ts';

const logits = Float32Array.from([0.5, 3, -1, 2.5, 3, -20]);

describe('sampling', () => {
  it('top-k keeps the k largest (ties with the k-th stay in) and nothing else gets picked', () => {
    assert.equal(kthLargest(logits, 1), 3);
    assert.equal(kthLargest(logits, 3), 2.5);
    const seen = new Set<number>();
    for (let i = 0; i < 256; i++) seen.add(pickToken(logits, 1, 3, i / 256));
    assert.deepEqual([...seen].sort(), [1, 3, 4]);
    for (let i = 0; i < 64; i++) assert.ok([1, 4].includes(pickToken(logits, 1, 1, i / 64)), 'top-1 keeps both tied maxima only');
  });

  it('the draw walks the cumulative softmax in id order: u = 0 gives the first token, u near 1 the last with real mass', () => {
    assert.equal(pickToken(logits, 1, undefined, 0), 0);
    assert.equal(pickToken(logits, 1, undefined, 1 - 2 ** -24), 4, 'token 5 (e^-23 of the mass) is beyond 1 - 2^-24');
    assert.equal(pickToken(Float32Array.from([1, 1]), 1, undefined, 1 - 2 ** -24), 1);
    assert.equal(pickToken(Float32Array.from([1, 1]), 1, undefined, 0.5 - 2 ** -24), 0);
    assert.equal(pickToken(Float32Array.from([1, 1]), 1, undefined, 0.5), 1);
    assert.equal(pickToken(logits, 1, 2, 0), 1);
  });

  it('low temperatures concentrate the mass on the largest logits, high ones spread it', () => {
    const frequency = (t: number) => {
      let hits = 0;
      for (let i = 0; i < 1000; i++) if (pickToken(logits, t, undefined, (i + 0.5) / 1000) === 3) hits++;
      return hits / 1000;
    };
    assert.ok(frequency(0.05) < 0.001, `t=0.05: ${frequency(0.05)}`);
    assert.ok(frequency(1) > 0.15 && frequency(1) < 0.35, `t=1: ${frequency(1)}`); // e^2.5 / (2e^3 + e^2.5 + ...) = 0.24
    assert.ok(frequency(100) > 0.15, `t=100: ${frequency(100)}`);
  });

  it('sampleTokens crops the context to blockSize, and the same seed gives the same ids', () => {
    const contexts: number[][] = [];
    const next = (ctx: readonly number[]) => {
      contexts.push([...ctx]);
      return Float32Array.from({ length: 8 }, (_, i) => (i * 7 + ctx.length) % 5);
    };
    const a = [...sampleTokens(next, [1, 2, 3], 4, { tokens: 6, temperature: 1, seed: 7 })];
    assert.deepEqual(contexts.map((c) => c.length), [3, 4, 4, 4, 4, 4]);
    assert.deepEqual(contexts[1].slice(0, 3), [1, 2, 3]);
    assert.deepEqual(contexts[2].slice(0, 2), [2, 3]);
    const b = [...sampleTokens(next, [1, 2, 3], 4, { tokens: 6, temperature: 1, seed: 7 })];
    const c = [...sampleTokens(next, [1, 2, 3], 4, { tokens: 6, temperature: 1, seed: 8 })];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('TextStream emits decoded text as it comes, holding back GPT-2 tokens that end inside a UTF-8 character', () => {
    const tok = gpt2Tokenizer();
    const ids = tok.encode('ROMEO: é 日本 🎭!');
    const s = new TextStream(tok);
    const pieces = ids.map((id) => s.push(id));
    assert.ok(!pieces.some((p) => p.includes('\uFFFD')), JSON.stringify(pieces));
    assert.equal(pieces.join('') + s.flush(), 'ROMEO: é 日本 🎭!');
    const c = new TextStream(charTokenizer(['a', 'b']));
    assert.deepEqual([c.push(1), c.push(0)], ['b', 'a']);
  });
});

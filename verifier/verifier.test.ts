// Unit tests of the verifier's checking logic without a chain: the sampling rule, the manifest
// check against the commitment, and sampled replay from checkpoints served over HTTP (honest,
// tampered, withheld), with runs produced by the solver's own training loop.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../reproducible-ops/engine.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { sha256 } from '../reproducible-ops/merkle.ts';
import { BlobStore, serveBlobs, type BlobServer } from '../jobs/blobstore.ts';
import { loadJob } from '../jobs/job.ts';
import { runTraining } from '../commitments/train-run.ts';
import { TamperPlan, withheldCheckpointSteps } from '../commitments/tamper-hooks.ts';
import { parseSolverTamper } from '../commitments/tamper.ts';
import { decodeState } from '../commitments/run-store.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import type { JobRecord } from '../chain/types.ts';
import { writeDemoJob } from '../jobs/demo-job.ts';
import { examine } from './examine.ts';
import { Replayer } from './replay.ts';
import { checkManifest, DataUnavailable, type PublishedResult } from './result-data.ts';
import { sampleLeaves, samplingSeed } from './sampling.ts';

const STEPS = 8;
let dir: string;
let engine: Engine;
const servers: BlobServer[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'optrain-verifier-unit-'));
  engine = new Engine(loadJob(writeDemoJob(join(dir, 'job'), 'unit', STEPS)).setup, referenceBackend);
});
after(async () => {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A solver's committed run (training loop + tamper plan), served over HTTP. */
async function published(name: string, tamper?: string, hashInterval = 1): Promise<{ result: PublishedResult; job: JobRecord; blobs: BlobStore }> {
  const t = tamper ? parseSolverTamper(tamper) : undefined;
  const blobs = new BlobStore(join(dir, name));
  let head: string | null = null;
  const out = await runTraining({ engine, plan: new TamperPlan(engine, t), numSteps: STEPS, checkpointInterval: 3, hashInterval, blobs, head: { load: async () => head, save: async (h) => void (head = h) } });
  const refused = withheldCheckpointSteps(t, out.manifest.checkpoints.map((c) => c.step));
  const withheld = new Set(out.manifest.checkpoints.filter((c) => refused.includes(c.step)).map((c) => c.blob));
  const server = await serveBlobs(blobs, { withhold: (h) => withheld.has(h) });
  servers.push(server);
  const commitment = { ...out.result, numSteps: BigInt(STEPS) };
  const job = { jobId: 1n, params: { numSteps: BigInt(STEPS), hashInterval }, commitment } as unknown as JobRecord;
  const schedule = { numSteps: STEPS, hashInterval };
  return { result: { blobUrl: server.url, manifest: out.manifest, hashes: checkManifest(1n, out.manifest, commitment, hashInterval), schedule }, job, blobs };
}

const all = Array.from({ length: STEPS + 1 }, (_, j) => j);

describe('sampling from post-commit randomness', () => {
  const seed = samplingSeed('0x' + 'ab'.repeat(32), 5n, '0x' + '11'.repeat(20));
  it('rate 1 replays every transition 0..T; any rate is reproducible', () => {
    assert.deepEqual(sampleLeaves(seed, 8, 1), all);
    assert.deepEqual(sampleLeaves(seed, 400, 0.25), sampleLeaves(seed, 400, 0.25));
  });
  it('rate r samples about r of the transitions, differently per verifier and per block', () => {
    const n = sampleLeaves(seed, 999, 0.25).length;
    assert.ok(n > 180 && n < 320, `${n} of 1000`);
    const other = samplingSeed('0x' + 'ab'.repeat(32), 5n, '0x' + '22'.repeat(20));
    const later = samplingSeed('0x' + 'cd'.repeat(32), 5n, '0x' + '11'.repeat(20));
    assert.notDeepEqual(sampleLeaves(other, 999, 0.25), sampleLeaves(seed, 999, 0.25));
    assert.notDeepEqual(sampleLeaves(later, 999, 0.25), sampleLeaves(seed, 999, 0.25));
  });
  it('rejects rates outside (0, 1]', () => {
    assert.throws(() => sampleLeaves(seed, 8, 0), /sample rate 0: expected a number in \(0, 1\]/);
    assert.throws(() => sampleLeaves(seed, 8, 1.5), /sample rate 1.5/);
  });
});

describe('checking a published result', () => {
  it('a manifest must rebuild the committed stepsRoot and final state hash', async () => {
    const { result, job } = await published('manifest');
    const lying = { ...result.manifest, stateHashes: [...result.manifest.stateHashes] };
    lying.stateHashes[4] = '0x' + sha256(Buffer.from('x')).toString('hex');
    assert.throws(() => checkManifest(1n, lying, job.commitment, 1), (e) => e instanceof DataUnavailable && /state hashes rebuild stepsRoot 0x[0-9a-f]{64}, the chain has 0x/.test(e.message));
    assert.throws(() => checkManifest(1n, { ...result.manifest, stateHashes: lying.stateHashes.slice(1) }, job.commitment, 1), /lists 8 state hashes, the commitment has 9 leaves \(T = 8, hashInterval 1\)/);
  });

  it('an honest run reproduces at every sampled transition', async () => {
    const { result, job } = await published('honest');
    const r = await new Replayer(engine, result).check(all, job.commitment.finalModelHash);
    assert.deepEqual([r.fault, r.withheld, r.replayedSteps], [null, [], STEPS]);
  });

  it('a flipped bit is found at its transition, also when only a later transition is sampled', async () => {
    const { result, job } = await published('flip', 'kind=flip,step=4,op=15,elem=3,bit=22');
    // the fault carries the replay's own (honest) H at the leaf: what a forced-error find reveals
    const honest = hex0x((await published('honest')).result.hashes[5]);
    assert.deepEqual((await new Replayer(engine, result).check(all, job.commitment.finalModelHash)).fault, { kind: 'leaf', m: 5, hash: honest });
    // sampling only transition 6 replays from checkpoint 3 through the lie at 5
    assert.deepEqual((await new Replayer(engine, result).check([6], job.commitment.finalModelHash)).fault, { kind: 'leaf', m: 5, hash: honest });
  });

  it('kind=final shows as a final model mismatch; kind=skip at its transition', async () => {
    const fin = await published('final', 'kind=final');
    assert.equal((await new Replayer(engine, fin.result).check(all, fin.job.commitment.finalModelHash)).fault?.kind, 'final-model');
    const skip = await published('skip', 'kind=skip,step=1');
    // sampling transition 3 replays from checkpoint 0 through the skipped transition 2
    const honest2 = hex0x((await published('honest')).result.hashes[2]);
    assert.deepEqual((await new Replayer(engine, skip.result).check([3], skip.job.commitment.finalModelHash)).fault, { kind: 'leaf', m: 2, hash: honest2 });
    // transition 4 starts from the committed checkpoint 3, after the lie: correct given H[3]
    assert.equal((await new Replayer(engine, skip.result).check([4], '0x' + '00'.repeat(32))).fault?.kind, 'final-model');
  });

  it('a withheld checkpoint is replayed around, reported, and challenged only under the availability policy', async () => {
    const { result, job } = await published('withhold', 'kind=withhold,step=7');
    const r = await new Replayer(engine, result).check(all, job.commitment.finalModelHash);
    assert.equal(r.fault, null, 'the replay from checkpoint 3 reproduces the honest result');
    assert.deepEqual(r.withheld.map((w) => w.step), [6]);
    assert.match(r.withheld[0].error, /HTTP 403/);
    const strict = await examine({ engine, result, job, sampled: all, challengeWithheld: true, grief: false });
    assert.deepEqual([strict.challenge, strict.challenge && strict.disputed], [true, 7]);
    const lenient = await examine({ engine, result, job, sampled: all, challengeWithheld: false, grief: false });
    assert.equal(lenient.challenge, false);
    const pre = await new Replayer(engine, result).preStateFor(7);
    assert.ok(engine.stateHash({ step: 6, tensors: pre! }).equals(result.hashes[6]), 'the pre-state of the disputed transition comes from earlier data');
  });
});

describe('checking a published result with hashInterval K = 4 (leaves at steps 0, 4, 8; checkpoints at 3, 6, 8)', () => {
  const leaves = [0, 1, 2];

  it('the manifest must list the M + 1 leaf hashes of the job\'s K', async () => {
    const { result, job } = await published('k4-manifest', undefined, 4);
    assert.equal(result.hashes.length, 3);
    assert.throws(() => checkManifest(1n, result.manifest, job.commitment, 1), /has hashInterval 4, the job was posted with hashInterval 1/);
    assert.throws(() => checkManifest(1n, { ...result.manifest, stateHashes: result.manifest.stateHashes.slice(1) }, job.commitment, 4), /lists 2 state hashes, the commitment has 3 leaves \(T = 8, hashInterval 4\)/);
  });

  it('an honest run reproduces every leaf, replaying each transition once', async () => {
    const { result, job } = await published('k4-honest', undefined, 4);
    const r = await new Replayer(engine, result).check(leaves, job.commitment.finalModelHash);
    assert.deepEqual([r.fault, r.withheld, r.replayedSteps], [null, [], STEPS]);
  });

  it('a flipped bit inside an interval is found at the leaf that ends it, also from a checkpoint inside the previous interval', async () => {
    const { result, job } = await published('k4-flip', 'kind=flip,step=5,op=15,elem=3,bit=22', 4); // transition 6, in leaf 2's (4, 8]
    const honest = hex0x((await published('k4-honest', undefined, 4)).result.hashes[2]);
    assert.deepEqual((await new Replayer(engine, result).check(leaves, job.commitment.finalModelHash)).fault, { kind: 'leaf', m: 2, hash: honest });
    // sampling only leaf 2: checkpoint 3 is not a leaf; its replay to step 4 must give leaf 1 first
    const only = new Replayer(engine, result);
    assert.deepEqual((await only.check([2], job.commitment.finalModelHash)).fault, { kind: 'leaf', m: 2, hash: honest });
    const v = await examine({ engine, result, job, sampled: leaves, challengeWithheld: true, grief: false });
    assert.deepEqual([v.challenge, v.challenge && v.disputed], [true, 2]);
    const pre = await new Replayer(engine, result).preStateFor(2);
    assert.ok(engine.stateHash({ step: 4, tensors: pre! }).equals(result.hashes[1]), 'the disputed leaf starts from the committed leaf 1 (H[4])');
  });

  it('a checkpoint inside an interval that does not replay to the committed leaf is reported as withheld and replayed around', async () => {
    const { result, job, blobs } = await published('k4-badcp', undefined, 4);
    // checkpoint 3 (leaf 2 starts from it) re-pointed to the bytes of checkpoint 6, with a hash that matches those bytes at step 3
    const cps = result.manifest.checkpoints;
    const six = cps.find((c) => c.step === 6)!;
    const state3 = decodeState(await blobs.get(six.blob), engine, 3, 'test');
    const forged = { ...result, manifest: { ...result.manifest, checkpoints: cps.map((c) => (c.step === 3 ? { step: 3, blob: six.blob, stateHash: hex0x(engine.stateHash(state3)) } : c)) } };
    const r = await new Replayer(engine, forged).check([2], job.commitment.finalModelHash);
    assert.equal(r.fault, null, 'replayed from init instead');
    assert.deepEqual(r.withheld.map((w) => w.step), [3]);
    assert.match(r.withheld[0].error, /checkpoint of step 3 replays to H\[4\] 0x[0-9a-f]{64}, not the committed leaf 1 0x/);
  });

  it('a withheld checkpoint is challenged at the leaf of the transition after it', async () => {
    const { result, job } = await published('k4-withhold', 'kind=withhold,step=5', 4);
    const strict = await examine({ engine, result, job, sampled: leaves, challengeWithheld: true, grief: false });
    assert.deepEqual(strict.report?.withheld.map((w) => w.step), [3]);
    assert.deepEqual([strict.challenge, strict.challenge && strict.disputed], [true, 1], 'transition 4 is in leaf 1\'s interval');
    const pre = await new Replayer(engine, result).preStateFor(1);
    assert.ok(engine.stateHash({ step: 0, tensors: pre! }).equals(result.hashes[0]));
  });
});

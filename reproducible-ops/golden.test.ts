// Golden hashes: fixed small jobs (golden/jobs.ts) must reproduce the committed state hashes,
// program root and trace roots bit for bit. A failure means some op, encoding or hashing
// layout changed its bits: that is a protocol change (old commitments no longer verify).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { computeGolden, goldenEngine, goldenOpset, goldenPath, GOLDEN_JOBS, GOLDEN_OPSET, type GoldenRecord } from './golden/jobs.ts';
import { primitivesDigest } from './golden/primitives.ts';

const HOW_TO = 'the bits of a published op set must never move (jobs under repops-2 and repops-3 exist). If a new op set changes them on purpose: add it to OPSET_VERSIONS in reproducible-ops/opset.ts, describe it in docs/REPOPS.md, then regenerate with `node --import tsx reproducible-ops/golden/generate.ts`.';

function loadGolden(name: string): GoldenRecord {
  return JSON.parse(readFileSync(goldenPath(name), 'utf8')) as GoldenRecord;
}

/** Where two trace root lists first differ, with the op of that node, for the failure message. */
function firstDivergence(want: string[], got: string[], ops: string[]): string {
  const i = want.findIndex((r, k) => r !== got[k]);
  if (i < 0) return want.length === got.length ? 'trace roots equal' : `trace length ${got.length}, golden ${want.length}`;
  return `first differing node ${i} (${ops[i] ?? '?'})`;
}

for (const job of GOLDEN_JOBS) {
  test(`golden ${job.name}: h0, per-step state hashes, final hashes, program root and trace roots`, () => {
    const want = loadGolden(job.name);
    assert.equal(want.opset, goldenOpset(job), `golden/${job.name}.json was made for op set ${want.opset}, the golden job is ${goldenOpset(job)}: regenerate the golden files (node --import tsx reproducible-ops/golden/generate.ts)`);
    const got = computeGolden(job);
    const eng = goldenEngine(job);
    const stepOps = eng.stepProgram.nodes.map((n) => n.op), initOps = eng.initProgram.nodes.map((n) => n.op);
    const moved = (what: string, detail = '') => `op bits moved: ${what} of golden job ${job.name} differs${detail ? ` (${detail})` : ''}. ${HOW_TO}`;
    assert.equal(got.programRoot, want.programRoot, moved('programRoot', 'the init/step program node descriptors changed'));
    assert.deepEqual(got.initTraceRoots, want.initTraceRoots, moved('the init trace', firstDivergence(want.initTraceRoots, got.initTraceRoots, initOps)));
    assert.equal(got.h0, want.h0, moved('h0 (state hash after init)'));
    assert.equal(got.stepHashes.length, want.stepHashes.length, moved('the number of steps'));
    // the first step whose post-state differs is where the bits moved (earlier states agree)
    got.stepHashes.forEach((h, t) => assert.equal(h, want.stepHashes[t], moved(`state hash H${t + 1} (first differing step: ${t})`, `loss bits ${got.lossBits[t]} vs golden ${want.lossBits[t]}`)));
    assert.deepEqual(got.traceRoots, want.traceRoots, moved(`the trace of step ${job.traceStep}`, firstDivergence(want.traceRoots, got.traceRoots, stepOps)));
    assert.deepEqual(got.lossBits, want.lossBits, moved('loss bits'));
    assert.equal(got.finalStateHash, want.finalStateHash, moved('finalStateHash'));
    assert.equal(got.finalModelHash, want.finalModelHash, moved('finalModelHash'));
    assert.equal(got.stepsRoot, want.stepsRoot, moved('stepsRoot'));
  });
}

test('golden primitives digest: every primitive over a strided sweep of all bit patterns', () => {
  const want = JSON.parse(readFileSync(goldenPath('primitives'), 'utf8')) as { opset: string; digest: string };
  assert.equal(want.opset, GOLDEN_OPSET, `golden/primitives.json was made for op set ${want.opset}, the golden jobs are ${GOLDEN_OPSET}: regenerate the golden files`);
  assert.equal(primitivesDigest(), want.digest, `op bits moved: a binary32 primitive (f32.ts) changed its output on some input. ${HOW_TO}`);
});

test('golden files are well-formed and pin distinct, non-trivial states', () => {
  for (const job of GOLDEN_JOBS) {
    const g = loadGolden(job.name);
    const hashes = [g.h0, ...g.stepHashes];
    assert.equal(g.stepHashes.length, job.steps);
    assert.equal(new Set(hashes).size, hashes.length, `${job.name}: every step must change the state hash`);
    for (const h of [...hashes, g.programRoot, g.stepsRoot, g.finalModelHash, ...g.traceRoots]) assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(g.finalStateHash, g.stepHashes.at(-1));
    assert.ok(g.traceRoots.length > 20, `${job.name}: the pinned trace has every node of the step program`);
  }
});

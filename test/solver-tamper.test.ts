// The --tamper grammar (clear errors naming the key and the expected value) and what each
// solver kind does to a training run, checked against an honest run of the same job.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type TrainState } from '../reproducible-ops/engine.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { runKernel } from '../reproducible-ops/backend/reference.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import { asClassifier, loadJob, type ClassifierJob } from '../jobs/job.ts';
import { sha256Hex } from '../jobs/blobstore.ts';
import { checkTamperFits, formatTamper, parseTamper, type SolverTamper } from '../commitments/tamper.ts';
import { TamperPlan, withheldCheckpointSteps } from '../commitments/tamper-hooks.ts';
import { runTraining, type RunOutcome } from '../commitments/train-run.ts';
import { loadCheckpointState, type BlobIO } from '../commitments/run-store.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';

describe('tamper grammar', () => {
  const ok: [string, object][] = [
    ['kind=flip,step=3,op=12,elem=5,bit=31', { kind: 'flip', step: 3, op: 12, elem: 5, bit: 31 }],
    ['bit=0, kind=flip ,step=0,op=0,elem=0', { kind: 'flip', step: 0, op: 0, elem: 0, bit: 0 }],
    ['kind=skip,step=7', { kind: 'skip', step: 7 }],
    ['kind=lr,scale=0.5,from=2', { kind: 'lr', scale: 0.5, from: 2 }],
    ['kind=lr,scale=1e1,from=0', { kind: 'lr', scale: 10, from: 0 }],
    ['kind=batch,step=1', { kind: 'batch', step: 1 }],
    ['kind=final', { kind: 'final' }],
    ['kind=withhold,step=4', { kind: 'withhold', step: 4 }],
    ['kind=flip,step=3,op=12,elem=5,bit=31,publish=none', { kind: 'flip', step: 3, op: 12, elem: 5, bit: 31, publish: 'none' }],
    ['kind=honest,publish=none', { kind: 'honest', publish: 'none' }],
    ['publish=wrong,kind=skip,step=2', { kind: 'skip', step: 2, publish: 'wrong' }],
  ];
  for (const [text, want] of ok)
    test(`parses ${text}`, () => {
      const t = parseTamper(text, 'solver');
      assert.deepEqual(t, want);
      assert.deepEqual(parseTamper(formatTamper(t), 'solver'), t, 'formatTamper round-trips');
    });

  test('verifier kind grief', () => assert.deepEqual(parseTamper('kind=grief', 'verifier'), { kind: 'grief' }));

  const bad: [string, 'solver' | 'verifier', RegExp][] = [
    ['', 'solver', /empty spec/],
    ['step=3', 'solver', /missing kind=\.\.\.; solver kinds: flip, skip, lr, batch, final, withhold/],
    ['kind=explode', 'solver', /unknown kind 'explode'/],
    ['kind=grief', 'solver', /kind=grief is a verifier tamper; solver kinds: flip/],
    ['kind=flip', 'verifier', /kind=flip is a solver tamper; verifier kinds: grief/],
    ['kind=flip,step=1,op=2,elem=3', 'solver', /kind=flip needs bit=\.\.\.; usage: kind=flip,step=S,op=O,elem=E,bit=B/],
    ['kind=flip,step=1,op=2,elem=3,bit=32', 'solver', /bit=32: expected a bit index in \[0, 31\]/],
    ['kind=skip,step=-1', 'solver', /step=-1: expected a non-negative integer/],
    ['kind=skip,step=1.5', 'solver', /step=1\.5: expected a non-negative integer/],
    ['kind=skip,step=01', 'solver', /step=01: expected a non-negative integer/],
    ['kind=skip,step=1,step=2', 'solver', /'step' given twice/],
    ['kind=skip,step=1,op=2', 'solver', /kind=skip takes no 'op'; usage: kind=skip,step=S/],
    ['kind=lr,scale=0,from=1', 'solver', /scale=0: expected a positive finite number/],
    ['kind=lr,scale=abc,from=1', 'solver', /scale=abc: expected a positive finite number/],
    ['kind=final,', 'solver', /'' is not key=value/],
    ['kind', 'solver', /'kind' is not key=value/],
    ['kind=honest,publish=all', 'solver', /publish=all: expected one of none, wrong/],
    ['kind=grief,publish=none', 'verifier', /kind=grief takes no 'publish'/],
    ['kind=honest,step=1', 'solver', /kind=honest takes no 'step'; usage: kind=honest,\[publish=none\|wrong\]/],
  ];
  for (const [text, role, re] of bad)
    test(`rejects '${text}' (${role})`, () => {
      assert.throws(() => parseTamper(text, role), (e: Error) => {
        assert.match(e.message, re);
        assert.match(e.message, /^--tamper '.*': .*\(see docs\/TAMPER\.md\)$/);
        return true;
      });
    });

  test('range checks against the job name the valid range', () => {
    const limits = { numSteps: 10, stepProgramLength: 40, outputSize: (op: number) => (op === 5 ? 64 : 1) };
    assert.throws(() => checkTamperFits({ kind: 'skip', step: 10 }, limits), /step 10 is outside the job's steps 0\.\.9/);
    assert.throws(() => checkTamperFits({ kind: 'lr', scale: 2, from: 12 }, limits), /step 12 is outside/);
    assert.throws(() => checkTamperFits({ kind: 'flip', step: 1, op: 40, elem: 0, bit: 0 }, limits), /op=40: the step program has ops 0\.\.39/);
    assert.throws(() => checkTamperFits({ kind: 'flip', step: 1, op: 5, elem: 64, bit: 0 }, limits), /elem=64: op 5's output has 64 elements \(0\.\.63\)/);
    checkTamperFits({ kind: 'flip', step: 9, op: 5, elem: 63, bit: 31 }, limits);
  });
});

/** An in-memory blob store (verifying on read, like the real one). */
function memoryBlobs(): BlobIO & { map: Map<string, Buffer> } {
  const map = new Map<string, Buffer>();
  return {
    map,
    put: async (b) => {
      const h = sha256Hex(b);
      map.set(h, Buffer.from(b));
      return h;
    },
    get: async (h) => {
      const b = map.get(h);
      if (!b || sha256Hex(b) !== h) throw new Error(`blob ${h} missing or corrupt`);
      return b;
    },
  };
}

function memoryHead() {
  let v: string | null = null;
  return { load: async () => v, save: async (h: string) => void (v = h) };
}

describe('tamper kinds in the training loop', () => {
  const STEPS = 8, INTERVAL = 3;
  let job: ClassifierJob, engine: Engine, honest: RunOutcome;
  const run = (tamper?: SolverTamper, blobs = memoryBlobs(), head = memoryHead()) =>
    runTraining({ engine, plan: new TamperPlan(engine, tamper), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head });
  /** Honest state after `s` steps. */
  const honestState = (s: number): TrainState => {
    let st = engine.init();
    while (st.step < s) st = engine.step(st).state;
    return st;
  };

  let dir = '';
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'optrain-tamper-'));
    job = asClassifier(loadJob(writeTinyJob(dir, { steps: STEPS, checkpointInterval: INTERVAL })));
    engine = new Engine(job.setup, referenceBackend);
    honest = await run();
  });

  const firstDiff = (a: string[], b: string[]) => a.findIndex((h, i) => h !== b[i]);

  test('an honest run checkpoints every interval and at the end', () => {
    assert.deepEqual(honest.manifest.checkpoints.map((c) => c.step), [0, 3, 6, 8]);
    assert.equal(honest.manifest.stateHashes.length, STEPS + 1);
  });

  test('flip: exactly one bit of one element of one op changes at step S; later states follow from it', async () => {
    // The first matmul of the forward pass: everything after it (loss, gradients, update) depends on it.
    const S = 4, op = engine.stepProgram.nodes.findIndex((n) => n.op === 'matmul'), elem = 1, bit = 31; // the sign bit: relu cannot mask it
    const t: SolverTamper = { kind: 'flip', step: S, op, elem, bit };
    const out = await run(t);
    assert.equal(firstDiff(out.manifest.stateHashes, honest.manifest.stateHashes), S + 1, 'H[0..S] honest, H[S+1] differs');
    // The op trace of step S under the tamper differs from the honest one first at node `op`.
    const pre = honestState(S);
    const plan = new TamperPlan(engine, t).forStep(S);
    const bad = engine.trace(pre, plan.transform), good = engine.trace(pre);
    assert.equal(bad.findIndex((r, i) => r.root !== good[i].root), op);
    const vals: Float32Array[] = [];
    engine.run(engine.stepProgram, S, pre.tensors, (i, _n, o) => void (i === op && vals.push(o.slice())), [], plan.transform);
    engine.run(engine.stepProgram, S, pre.tensors, (i, _n, o) => void (i === op && vals.push(o.slice())));
    const [x, y] = vals.map((v) => new Uint32Array(v.buffer));
    assert.equal(x.length, numel(engine.stepProgram.nodes[op].shape));
    x.forEach((w, i) => assert.equal(w ^ y[i], i === elem ? 1 << bit : 0, `element ${i}`));
  });

  test('skip: the state after step S is the state before it', async () => {
    const S = 2;
    const out = await run({ kind: 'skip', step: S });
    assert.equal(firstDiff(out.manifest.stateHashes, honest.manifest.stateHashes), S + 1);
    const blobs = memoryBlobs(), head = memoryHead();
    const r = await runTraining({ engine, plan: new TamperPlan(engine, { kind: 'skip', step: S }), numSteps: S + 1, checkpointInterval: 1, blobs, head });
    const after = await loadCheckpointState(blobs, r.manifest.checkpoints.at(-1)!, engine);
    const before = honestState(S);
    assert.equal(after.step, S + 1);
    after.tensors.forEach((t, i) => assert.deepEqual(new Uint32Array(t.buffer, t.byteOffset, t.length), new Uint32Array(before.tensors[i].buffer, before.tensors[i].byteOffset, before.tensors[i].length)));
  });

  test('lr: steps before `from` are honest, the rest use the scaled learning rate', async () => {
    const from = 5;
    const out = await run({ kind: 'lr', scale: 2, from });
    assert.equal(firstDiff(out.manifest.stateHashes, honest.manifest.stateHashes), from + 1);
    const o = job.setup.optimizer;
    const scaled = new Engine({ ...job.setup, optimizer: { ...o, learningRate: o.learningRate * 2 } }, referenceBackend);
    let st = honestState(from);
    while (st.step < STEPS) st = scaled.step(st).state;
    assert.equal(out.manifest.stateHashes[STEPS], `0x${engine.stateHash(st).toString('hex')}`);
  });

  test('batch: step S trains on the batch of step S + 1', async () => {
    const S = 3;
    const out = await run({ kind: 'batch', step: S });
    assert.equal(firstDiff(out.manifest.stateHashes, honest.manifest.stateHashes), S + 1);
    const plan = new TamperPlan(engine, { kind: 'batch', step: S }).forStep(S);
    const g = engine.stepProgram;
    const batchNodes = g.nodes.flatMap((n, i) => (n.op === 'batch' ? [i] : []));
    assert.equal(batchNodes.length, 2, 'x and y batches');
    for (const i of batchNodes) {
      const n = g.nodes[i];
      const ds = g.nodes[n.inputs[0]].attrs[0] === 0 ? job.setup.train.x : job.setup.train.y;
      const next = runKernel(referenceBackend, 'batch', { inputs: [ds.data], inShapes: [ds.shape], outShape: n.shape, attrs: n.attrs, seed: job.setup.seed, step: S + 1 });
      const cur = runKernel(referenceBackend, 'batch', { inputs: [ds.data], inShapes: [ds.shape], outShape: n.shape, attrs: n.attrs, seed: job.setup.seed, step: S });
      assert.deepEqual(plan.transform!(i, n, cur, S), next);
      assert.notDeepEqual(cur, next);
    }
  });

  test('final: the states are honest but the committed model hash is not the last state\'s', async () => {
    const out = await run({ kind: 'final' });
    assert.deepEqual(out.manifest.stateHashes, honest.manifest.stateHashes);
    assert.equal(out.result.stepsRoot, honest.result.stepsRoot);
    assert.notEqual(out.result.finalModelHash, honest.result.finalModelHash);
    assert.equal(honest.result.finalModelHash, `0x${engine.modelHash(honestState(STEPS)).toString('hex')}`);
  });

  test('withhold: the run is honest; the checkpoint needed to replay step S is the one withheld', async () => {
    const out = await run({ kind: 'withhold', step: 7 });
    assert.deepEqual(out.result, honest.result);
    assert.deepEqual(withheldCheckpointSteps({ kind: 'withhold', step: 7 }, [0, 3, 6, 8]), [6]);
    assert.deepEqual(withheldCheckpointSteps({ kind: 'withhold', step: 2 }, [0, 3, 6, 8]), [0]);
    assert.deepEqual(withheldCheckpointSteps({ kind: 'withhold', step: 3 }, [0, 3, 6, 8]), [3]);
    assert.deepEqual(withheldCheckpointSteps(undefined, [0, 3]), []);
  });

  test('a tampered run resumed from a mid-run checkpoint reproduces the same (wrong) commitment', async () => {
    const t: SolverTamper = { kind: 'flip', step: 1, op: engine.stepProgram.nodes.findIndex((n) => n.op === 'matmul'), elem: 0, bit: 31 };
    const full = await run(t);
    assert.notEqual(full.result.stepsRoot, honest.result.stepsRoot, 'the flip changes the run');
    const blobs = memoryBlobs(), head = memoryHead();
    await runTraining({ engine, plan: new TamperPlan(engine, t), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head,
      onStep: (s) => { if (s === 4) throw new Error('crash'); } }).catch(() => undefined);
    const resumed = await runTraining({ engine, plan: new TamperPlan(engine, t), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head });
    assert.equal(resumed.resumedFromStep, 3);
    assert.deepEqual(resumed.result, full.result);
  });

  test('resuming refuses a checkpoint whose blob does not match its state hash, falls back to the one before and recomputes', async () => {
    const blobs = memoryBlobs(), head = memoryHead();
    await runTraining({ engine, plan: new TamperPlan(engine), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head,
      onStep: (s) => { if (s === 4) throw new Error('crash'); } }).catch(() => undefined);
    // Swap the step-3 state blob for the step-0 one under the same name: hash checks must catch it.
    const manifest = JSON.parse((await blobs.get((await head.load())!)).toString());
    const ref3 = manifest.checkpoints.find((c: { step: number }) => c.step === 3), ref0 = manifest.checkpoints[0];
    blobs.map.set(ref3.blob, blobs.map.get(ref0.blob)!);
    const problems: string[] = [];
    const out = await runTraining({ engine, plan: new TamperPlan(engine), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head, onProblem: (p) => void problems.push(p) });
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], new RegExp(`blob ${ref3.blob} missing or corrupt; trying an earlier checkpoint`));
    assert.equal(out.resumedFromStep, 0, 'never trained on the swapped state');
    assert.deepEqual(out.result, honest.result, 'the honest commitment, recomputed');
  });

  test('a finished run is re-verified before its result is committed again: a result that does not follow is refused and recomputed', async () => {
    const blobs = memoryBlobs(), head = memoryHead();
    const done = await run(undefined, blobs, head);
    const again = await runTraining({ engine, plan: new TamperPlan(engine), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head });
    assert.deepEqual(again.result, done.result);
    // A manifest (validly stored under its own hash) whose committed root is not that of its leaves.
    const m = JSON.parse((await blobs.get((await head.load())!)).toString());
    const forged = { ...m, result: { ...m.result, stepsRoot: `0x${'ee'.repeat(32)}` } };
    await head.save(await blobs.put(Buffer.from(JSON.stringify(forged))));
    let problems: string[] = [];
    const onProblem = (p: string) => void problems.push(p);
    const redone = await runTraining({ engine, plan: new TamperPlan(engine), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head, onProblem });
    assert.match(problems[0], /result's stepsRoot 0xee+ does not follow.*; recomputing the result/);
    assert.notEqual(redone.result.stepsRoot, forged.result.stepsRoot, 'the forged root is never returned');
    assert.deepEqual(redone.result, done.result);
    assert.ok(redone.resumedFromStep < STEPS, 'the last steps were recomputed');
    // One whose listed leaf hash at a checkpoint step disagrees with that checkpoint.
    const leafEdited = { ...m, stateHashes: m.stateHashes.map((h: string, i: number) => (i === 3 ? `0x${'dd'.repeat(32)}` : h)) };
    await head.save(await blobs.put(Buffer.from(JSON.stringify(leafEdited))));
    problems = [];
    const rebuilt = await runTraining({ engine, plan: new TamperPlan(engine), numSteps: STEPS, checkpointInterval: INTERVAL, blobs, head, onProblem });
    assert.match(problems[0], /H\[3\] 0xd+ differs from its checkpoint's/);
    assert.equal(rebuilt.resumedFromStep, 0, 'every checkpoint from step 3 on agrees with no listed leaf: replayed from step 0');
    assert.deepEqual(rebuilt.result, done.result);
  });
});

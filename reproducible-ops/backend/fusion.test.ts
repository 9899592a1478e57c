// Fused elementwise chains (reproducible-ops/fusion.ts, native/src/k_fused.inc) must give
// the bits of running their ops one by one on the reference: random chains of every fusable
// op over inputs full of NaN/±inf/±0/subnormals, scalar operands, odd element counts (block
// and vector tails), each native instruction set, WASM, 1/2/3 threads. And the planner must
// only fuse values nothing outside the chain reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBits } from '../f32.ts';
import { FUSABLE_OPS, planFusion } from '../fusion.ts';
import { Graph } from '../program.ts';
import { numel } from '../tensor.ts';
import type { FusedCall, FusedOperand, FusedStep } from './kernel.ts';
import { FUSION_LIMITS } from './kernel.ts';
import { createNativeBackend, loadNativeAddon, nativeLoadError } from './native.ts';
import { firstBitDifference, prng, randomData } from './op-cases.ts';
import { referenceBackend, runKernel, type Backend } from './reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';

const nativeSkip = loadNativeAddon() ? false : `native addon not built: ${nativeLoadError()}`;
const wasmSkip = loadWasmRuntime() ? false : `wasm module not built: ${wasmLoadError()}`;
const BINARY = ['add', 'sub', 'mul', 'div', 'max', 'relu_grad'];
const UNARY = ['neg', 'exp', 'log', 'sqrt', 'relu', 'scale', 'addc', 'erf'];

/** A random chain: every step reads earlier steps, inputs or scalars; the last is the output. */
function randomCall(r: () => number, count: number): FusedCall {
  const nIn = 1 + Math.floor(r() * FUSION_LIMITS.inputs), nScalar = Math.floor(r() * 3);
  const inputs = Array.from({ length: nIn }, () => randomData(r, count, r() < 0.5 ? 'mixed' : 'exp'));
  const scalarBits = Array.from({ length: nScalar }, () => toBits(randomData(r, 1)[0]));
  const nSteps = 1 + Math.floor(r() * 12), steps: FusedStep[] = [];
  const pick = (k: number): FusedOperand => {
    const u = r();
    if (k > 0 && u < 0.55) return { step: k - 1 - Math.floor(r() * Math.min(k, 3)) };
    if (nScalar && u < 0.7) return { scalar: Math.floor(r() * nScalar) };
    return { input: Math.floor(r() * nIn) };
  };
  for (let k = 0; k < nSteps; k++) {
    const binary = r() < 0.5;
    const op = binary ? BINARY[Math.floor(r() * BINARY.length)] : UNARY[Math.floor(r() * UNARY.length)];
    // A step has the chain's element count, so its first operand is never a scalar.
    let a = k > 0 && r() < 0.8 ? { step: k - 1 } : pick(k);
    if ('scalar' in a) a = { input: Math.floor(r() * nIn) };
    if (binary) steps.push({ op, args: r() < 0.5 ? [a, pick(k)] : [pick(k), a] });
    else if (op === 'scale' || op === 'addc') steps.push({ op, args: [a], attr: toBits(randomData(r, 1, 'plain')[0]) });
    else steps.push({ op, args: [a] });
  }
  return { count, steps, inputs, scalarBits };
}

/** The chain run op by op on a backend's kernels (scalars as 1-element tensors). */
function unfused(b: Backend, c: FusedCall): Float32Array {
  const vals: Float32Array[] = [];
  const value = (o: FusedOperand) => ('input' in o ? c.inputs[o.input] : 'step' in o ? vals[o.step] : new Float32Array(new Uint32Array([c.scalarBits[o.scalar]]).buffer));
  for (const s of c.steps) {
    const inputs = s.args.map(value);
    vals.push(runKernel(b, s.op, { inputs, inShapes: inputs.map((x) => [x.length]), outShape: [c.count], attrs: s.attr === undefined ? [] : [s.attr], seed: 0, step: 0 }));
  }
  return vals.at(-1)!;
}

function check(variants: () => Backend[], seed: number): void {
  const r = prng(seed), backends = variants();
  for (let t = 0; t < 40; t++) {
    const count = [1, 15, 16, 17, 127, 128, 129, 4096, 8192 + 37, 3 * 8192 + 129][t % 10];
    const c = randomCall(r, count);
    const want = unfused(referenceBackend, c);
    for (const b of backends) {
      const got = b.fused!(c), i = firstBitDifference(want, got);
      if (i >= 0) assert.fail(`${b.name} chain ${t} (${c.steps.map((s) => s.op).join(',')}, count ${count}): element ${i} is ${got[i]} (0x${toBits(got[i]).toString(16)}), op by op ${want[i]} (0x${toBits(want[i]).toString(16)})`);
    }
  }
}

const nativeVariants = (): Backend[] => [...loadNativeAddon()!.isas().map((isa) => createNativeBackend({ threads: 1, isa, grain: 1 })), createNativeBackend({ threads: 2, grain: 1 }), createNativeBackend({ threads: 3, grain: 1 })];
const wasmVariants = (): Backend[] => [1, 2, 3].map((threads) => createWasmBackend({ threads, grain: 1 }));

describe('fused elementwise chains: the bits of the ops run one by one', () => {
  it('native: every instruction set, 1/2/3 threads', { skip: nativeSkip }, () => check(nativeVariants, 11));
  it('wasm: 1/2/3 threads', { skip: wasmSkip }, () => check(wasmVariants, 12));

  it('a wrong fused kernel is caught (the comparison can fail)', () => {
    const wrong: Backend = { name: 'swapped-sub', kernels: {}, fused: (c) => unfused(referenceBackend, { ...c, steps: c.steps.map((s) => (s.op === 'sub' ? { ...s, args: [...s.args].reverse() } : s)) }) };
    const c: FusedCall = { count: 5, steps: [{ op: 'sub', args: [{ input: 0 }, { input: 1 }] }], inputs: [new Float32Array([1, 2, 3, 4, 5]), new Float32Array(5)], scalarBits: [] };
    assert.throws(() => check(() => [wrong], 1));
    assert.notEqual(firstBitDifference(unfused(referenceBackend, c), wrong.fused!(c)), -1);
  });
});

describe('fusion plan', () => {
  // a = scale(x) feeds exp and add: two chains read it, so it is materialised; exp is also
  // read by a sum. The chain add(a, y) -> mul(., scalar), neg(exp) -> add is fused.
  function program(): { g: Graph; ids: Record<string, number> } {
    const g = new Graph();
    const x = g.fill([64, 128], 0.5), y = g.fill([64, 128], 0.25), s = g.fill([1], 2);
    const a = g.scale(x, 0.1), e = g.add('exp', [a]), b = g.add('add', [a, y]), m = g.add('mul', [b, s]);
    const n = g.add('neg', [e]), sum = g.add('sum', [e], [1]), out = g.add('add', [m, n]);
    return { g, ids: { x, y, s, a, e, b, m, n, sum, out } };
  }

  it('fuses a value only when every reader is in the same chain; kept values stay', () => {
    const { g, ids } = program();
    const plan = planFusion(g);
    const N = g.nodes.length;
    const root = plan.groups.get(ids.out)!;
    assert.ok(root, 'the final add roots a chain');
    const copy = root.members.find((m) => m >= N)!;
    assert.deepEqual(root.members, [copy, ids.b, ids.m, ids.n, ids.out], 'scale(x) is computed again in the chain, just before the add that reads it');
    assert.equal(plan.skipped[ids.a], 1, 'scale is read by two chains: recomputed in each, never stored');
    assert.equal(plan.skipped[ids.e], 0, 'exp is read by the sum too: materialised');
    assert.deepEqual(plan.groups.get(ids.e)!.steps.map((s) => s.op), ['scale', 'exp'], "exp's chain computes its own scale(x)");
    assert.deepEqual([...root.inputs].sort(), [ids.x, ids.y, ids.e].sort(), 'the chain reads x, not the stored scale');
    assert.deepEqual(root.scalars, [ids.s]);
    for (const [r, grp] of plan.groups)
      for (const m of grp.members) if (m !== r && m < N) for (let i = 0; i < N; i++) if (g.nodes[i].inputs.includes(m)) assert.ok(grp.members.includes(i), `node ${i} reads fused value ${m}`);
    for (let i = 0; i < N; i++)
      if (!plan.skipped[i]) for (const x of plan.inputsOf(i)) assert.equal(plan.skipped[x], 0, `node ${i} runs and reads ${x}, which is never stored`);
    const kept = planFusion(g, new Set([ids.b, ids.a]));
    assert.equal(kept.skipped[ids.b], 0, 'a kept value is never fused away');
    assert.equal(kept.skipped[ids.a], 0, 'a kept value is never recomputed instead of stored');
    assert.ok(g.nodes.every((n, i) => !kept.skipped[i] || FUSABLE_OPS.has(n.op)));
    assert.ok([...plan.groups.values()].every((grp) => numel(g.nodes[grp.root].shape) === grp.count));
  });

  it('stores a cheap value after all when a reader cannot take its copy', () => {
    // scale(x) read by an add and by a sum: the sum is no chain, so the value is stored once.
    const g = new Graph();
    const x = g.fill([64, 128], 0.5), y = g.fill([64, 128], 0.25);
    const a = g.scale(x, 0.1), b = g.add('add', [a, y]), c = g.add('exp', [b]), sum = g.add('sum', [a], [1]);
    const plan = planFusion(g);
    assert.equal(plan.skipped[a], 0, 'scale(x) is stored');
    assert.deepEqual(plan.groups.get(c)!.inputs.sort(), [a, y].sort());
    assert.equal(plan.last[a], sum);
  });

  it('stores a cheap value after all when a chain has no room for its copy', () => {
    // scale(x) read by exp (a chain of its own: the sum reads it) and by a chain of exactly
    // FUSION_LIMITS.steps ops: its copy cannot join the full chain, so the value is stored.
    const g = new Graph();
    const x = g.fill([64, 128], 0.5), y = g.fill([64, 128], 0.25);
    const a = g.scale(x, 0.1), e = g.add('exp', [a]);
    g.add('sum', [e], [1]);
    let v = g.add('add', [a, y]);
    for (let k = 1; k < FUSION_LIMITS.steps; k++) v = g.add('neg', [v]);
    g.add('sum', [v], [1]);
    const plan = planFusion(g);
    assert.equal(plan.skipped[a], 0, 'scale(x) is stored');
    assert.equal(plan.groups.get(v)!.members.length, FUSION_LIMITS.steps);
    assert.ok(plan.groups.get(v)!.inputs.includes(a), 'the full chain reads the stored value');
    assert.ok(!plan.groups.has(e) || plan.groups.get(e)!.members.every((m) => m < g.nodes.length), 'no copy left in the other chain');
  });

  it('the engine lets go of a chain input only after the chain ran', () => {
    const { g, ids } = program();
    const plan = planFusion(g);
    assert.equal(plan.last[ids.y], ids.out, 'y is read when the chain rooted at out runs');
    assert.ok(plan.inputsOf(ids.out).includes(ids.s));
  });
});

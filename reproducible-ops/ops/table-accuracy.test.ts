// Forward values of the arithmetic ops against a binary64 reference:
//   add/sub/mul/div/sqrt/scale/addc : correctly rounded (<= 0.5 ulp of the binary64 value)
//   exp/log                         : <= EXP_MAX_ULP / LOG_MAX_ULP (docs/REPOPS.md §3.4)
//   matmul, sum, col2im (n terms)   : |got - exact| <= gamma_n * sum|terms| + n * 2^-149,
//                                     gamma_n = n*u / (1 - n*u), u = 2^-24 (each product and
//                                     each addition rounds once; Higham, Accuracy and Stability, §3.1)
//   max/rowmax/maxpool2d, movement  : exact
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend, runKernel } from '../backend/reference.ts';
import { fromBits } from '../f32.ts';
import { opDef } from './table.ts';
import { randomCase, type OpCase } from '../test-support/op-cases.ts';
import { ulpError } from '../test-support/ulp.ts';
import { EXP_MAX_ULP, LOG_MAX_ULP } from '../test-support/bounds.ts';
import { broadcastIndex, broadcastStrides } from '../tensor.ts';

const U = 2 ** -24;
const gamma = (n: number) => (n * U) / (1 - n * U);

function run(c: OpCase): { out: Float32Array; outShape: number[] } {
  const outShape = [...opDef(c.op).shape(c.inShapes, c.attrs)];
  return { outShape, out: runKernel(referenceBackend, c.op, { inputs: c.inputs, inShapes: c.inShapes, outShape, attrs: c.attrs, seed: c.seed, step: c.step }) };
}

const ELEMENTWISE: Record<string, { ref: (a: number, b: number) => number; bound: number }> = {
  add: { ref: (a, b) => a + b, bound: 0.5 },
  sub: { ref: (a, b) => a - b, bound: 0.5 },
  mul: { ref: (a, b) => a * b, bound: 0.5 },
  div: { ref: (a, b) => a / b, bound: 0.5 },
  max: { ref: (a, b) => Math.max(a, b), bound: 0 },
  sqrt: { ref: (a) => Math.sqrt(a), bound: 0.5 },
  exp: { ref: (a) => Math.exp(a), bound: EXP_MAX_ULP },
  log: { ref: (a) => Math.log(a), bound: LOG_MAX_ULP },
  scale: { ref: (a, k) => a * k, bound: 0.5 },
  addc: { ref: (a, k) => a + k, bound: 0.5 },
};

for (const [op, { ref, bound }] of Object.entries(ELEMENTWISE)) {
  test(`${op}: within ${bound} ulp of binary64 on random inputs (incl. specials)`, () => {
    for (let i = 0; i < 20; i++) {
      const c = randomCase(op, 7000 + i, i % 2 ? 'special' : 'clean');
      const { out, outShape } = run(c);
      const k = opDef(op).attrs[0] === 'constBits' ? fromBits(c.attrs[0]) : NaN;
      const sa = broadcastStrides(c.inShapes[0], outShape);
      const sb = c.inShapes[1] ? broadcastStrides(c.inShapes[1], outShape) : null;
      for (let e = 0; e < out.length; e++) {
        const a = c.inputs[0][broadcastIndex(e, outShape, sa)];
        const b = sb ? c.inputs[1][broadcastIndex(e, outShape, sb)] : k;
        const want = ref(a, b);
        const err = ulpError(out[e], want);
        if (!(err <= bound)) assert.fail(`${op}(${a}, ${b}) = ${out[e]}, binary64 ${want}: ${err} ulp`);
      }
    }
  });
}

/** Checks each output against sum of terms in binary64 with the gamma_n bound. */
function checkSumBound(what: string, got: number, terms: number[]): void {
  const exact = terms.reduce((s, t) => s + t, 0); // binary64: ~2^-29 relative, far inside the bound
  const mag = terms.reduce((s, t) => s + Math.abs(t), 0);
  const tol = gamma(terms.length) * mag * (1 + 2 ** -20) + terms.length * 2 ** -149;
  if (!(Math.abs(got - exact) <= tol)) assert.fail(`${what}: got ${got}, binary64 ${exact}, |err| ${Math.abs(got - exact)} > ${tol} (n=${terms.length})`);
}

test('matmul: every element within gamma_K * sum|a_ik b_kj| of the binary64 dot product, all transposes', () => {
  for (let i = 0; i < 40; i++) {
    const c = randomCase('matmul', 8000 + i, 'clean');
    const { out, outShape } = run(c);
    const [ta, tb] = c.attrs;
    const [M, N] = outShape;
    const K = ta ? c.inShapes[0][0] : c.inShapes[0][1];
    const [a, b] = c.inputs;
    for (let r = 0; r < M; r++)
      for (let j = 0; j < N; j++) {
        const terms = [...Array(K).keys()].map((k) => a[ta ? k * M + r : r * K + k] * b[tb ? j * K + k : k * N + j]);
        checkSumBound(`matmul ta=${ta} tb=${tb} [${M}x${K}x${N}] (${r},${j})`, out[r * N + j], terms);
      }
  }
});

test('matmul: long dot products (K = 1021) of mixed signs stay within the bound', () => {
  const K = 1021;
  const a = Float32Array.from({ length: K }, (_, i) => Math.fround(Math.sin(i * 1.7) * 3));
  const b = Float32Array.from({ length: K }, (_, i) => Math.fround(Math.cos(i * 0.3) / 7));
  const { out } = run({ op: 'matmul', inShapes: [[1, K], [K, 1]], inputs: [a, b], attrs: [0, 0], seed: 0, step: 0 });
  checkSumBound('matmul 1x1021x1', out[0], [...a].map((x, i) => x * b[i]));
});

/** The terms (input values) that fold element e of a single-input sum-like op adds up. */
function foldTerms(c: OpCase, outShape: number[], e: number): number[] {
  const def = opDef(c.op);
  if (def.sem.kind !== 'fold') throw new Error(`${c.op} is not a fold`);
  const sem = def.sem;
  const ctx = { inShapes: c.inShapes, outShape, attrs: c.attrs, seed: c.seed, step: c.step };
  return [...Array(sem.len(e, ctx)).keys()].map((k) => c.inputs[0][sem.reads(e, k, ctx)[0][1]]);
}

test('sum and col2im: within gamma_n * sum|x| of binary64', () => {
  for (const [op, count] of [['sum', 30], ['col2im', 20]] as const) {
    for (let i = 0; i < count; i++) {
      const c = randomCase(op, 9000 + i, 'clean');
      const { out, outShape } = run(c);
      for (let e = 0; e < out.length; e++) checkSumBound(`${op} [${c.inShapes[0]}] attrs [${c.attrs}] element ${e}`, out[e], foldTerms(c, outShape, e));
    }
  }
});

test('rowmax and maxpool2d are exact maxima (NaN propagates)', () => {
  for (const op of ['rowmax', 'maxpool2d']) {
    for (let i = 0; i < 20; i++) {
      const c = randomCase(op, 9900 + i, i % 2 ? 'special' : 'clean');
      const { out, outShape } = run(c);
      for (let e = 0; e < out.length; e++) {
        const vals = foldTerms(c, outShape, e);
        // Math.max has the spec's rules: NaN wins, max(-0, +0) = +0, max(-0, -0) = -0
        const want = Math.max(...vals);
        assert.ok(Object.is(out[e], want), `${op} [${c.inShapes[0]}] element ${e}: ${out[e]} vs ${want} over [${vals}]`);
      }
    }
  }
});

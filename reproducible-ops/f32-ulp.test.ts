// Accuracy of the specified transcendentals (exp, log, erf, cospi) against a 34-digit reference
// computed with mathjs BigNumber (decimal.js), over sampled inputs: random bit patterns of each
// domain (every binade) and uniform values where the functions bend. The asserted bounds are
// the ones docs/REPOPS.md states (test-support/bounds.ts; the exhaustive binary64 sweeps of
// test-support/measure-ulp.ts found the maxima recorded there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { all, create, type BigNumber } from 'mathjs';
import * as f from './f32.ts';
import { COSPI_MAX_ULP, ERF_MAX_ULP, EXP_MAX_ULP, LOG_MAX_ULP } from './test-support/bounds.ts';
import { Rand } from './test-support/op-cases.ts';
import { ulpError } from './test-support/ulp.ts';

const math = create(all, { number: 'BigNumber', precision: 34 });
type Big = BigNumber;
const big = (x: number): Big => math.bignumber(x) as Big;
const PI = math.pi as unknown as Big;
const SAMPLES = 2500;

/** erf by its Taylor series (alternating; 34 digits absorb the cancellation for |x| <= 4.5). */
function erfBig(x: number): number {
  if (Math.abs(x) > 4.5) return Math.sign(x); // 1 - erf(4.5) < 2e-10: far below half an ulp of 1
  const X = big(x), X2 = X.times(X);
  let term = X, sum = X; // term_n = (-1)^n x^(2n+1) / n!
  for (let n = 1; n < 200; n++) {
    term = term.times(X2).neg().div(n);
    const add = term.div(2 * n + 1);
    sum = sum.plus(add);
    if (add.abs().lt(1e-40)) break;
  }
  return sum.times(2).div(PI.sqrt()).toNumber();
}

/** cos(pi x) on [0, 2] after the exact reductions of f32.cospi (so zeros are exact zeros). */
function cospiBig(x: number): number {
  if (x > 1) x = 2 - x;
  const sign = x > 0.5 ? -1 : 1;
  if (x > 0.5) x = 1 - x;
  const v = x <= 0.25 ? PI.times(x).cos() : PI.times(0.5 - x).sin();
  return sign * v.toNumber();
}

interface Worst { ulp: number; x: number }

function worst(fn: (x: number) => number, ref: (x: number) => number, xs: number[]): Worst {
  let w: Worst = { ulp: 0, x: NaN };
  for (const x of xs) {
    const e = ulpError(fn(x), ref(x));
    if (!(e <= w.ulp)) w = { ulp: e, x };
  }
  return w;
}

/** Random binary32 values with bit patterns in [lo, hi] (every binade) and uniform in [a, b]. */
function sample(r: Rand, lo: number, hi: number, a: number, b: number): number[] {
  return Array.from({ length: SAMPLES }, (_, i) =>
    i % 2 ? f.fromBits(lo + (r.u32() % (hi - lo + 1))) : Math.fround(a + (r.u32() / 2 ** 32) * (b - a)));
}

function check(name: string, w: Worst, bound: number): void {
  console.log(`${name}: max ${w.ulp.toFixed(4)} ulp at x = ${w.x} (bits 0x${f.toBits(w.x).toString(16)}), bound ${bound}`);
  assert.ok(w.ulp <= bound, `${name}: ${w.ulp} ulp at x = ${w.x} exceeds the bound ${bound} of docs/REPOPS.md`);
}

test('exp within EXP_MAX_ULP of the 34-digit reference', () => {
  const xs = sample(new Rand(1), 0, 0x42b17218, -104, 88.7).flatMap((x) => [x, -x]).filter((x) => x >= -104);
  xs.push(48.867237091064453, -87.33654022216797, -103.97); // the sweep's worst point, subnormal results
  check('exp', worst(f.exp, (x) => big(x).exp().toNumber(), xs), EXP_MAX_ULP);
});

test('log within LOG_MAX_ULP of the 34-digit reference (subnormal to max finite)', () => {
  const xs = sample(new Rand(2), 1, 0x7f7fffff, 0.5, 2);
  check('log', worst(f.log, (x) => big(x).ln().toNumber(), xs), LOG_MAX_ULP);
});

test('erf within ERF_MAX_ULP of the 34-digit reference (every range, both signs)', () => {
  const xs = sample(new Rand(3), 0, 0x40900000, 0, 4.5).flatMap((x, i) => (i % 3 ? [x] : [-x]));
  xs.push(0.013415607623755932, 0.7990133166313171, 0.84375, 1.25, 2.857142686843872, 4, f.fromBits(1), f.fromBits(0x04000000));
  check('erf', worst(f.erf, erfBig, xs), ERF_MAX_ULP);
});

test('cospi within COSPI_MAX_ULP of the 34-digit reference on [0, 2]', () => {
  const xs = sample(new Rand(4), 0, 0x40000000, 0, 2);
  xs.push(0, 0.25, 0.5, 0.75, 1, 1.5, 2, 0.6642749309539795, 0.3362523019313812);
  check('cospi', worst(f.cospi, cospiBig, xs), COSPI_MAX_ULP);
});

test('exact values and special inputs', () => {
  assert.equal(f.cospi(0), 1);
  assert.equal(f.cospi(1), -1);
  assert.equal(f.cospi(2), 1);
  assert.ok(Object.is(f.cospi(0.5), 0) && Object.is(f.cospi(1.5), 0), 'cos(pi/2) is +0, not a rounding residue');
  for (const x of [-0.1, 2.0000002, NaN, Infinity]) assert.ok(Number.isNaN(f.cospi(x)), `cospi(${x}) is NaN outside [0, 2]`);
  assert.ok(Object.is(f.erf(-0), -0) && Object.is(f.erf(0), 0));
  assert.equal(f.erf(Infinity), 1);
  assert.equal(f.erf(-Infinity), -1);
  assert.ok(Number.isNaN(f.erf(NaN)));
  for (const x of [1e-30, 0.3, 1.1, 2, 3.7, f.fromBits(1)]) assert.ok(Object.is(f.erf(-x), -f.erf(x)), `erf(-${x}) = -erf(${x})`);
  assert.ok(f.erf(f.fromBits(1)) > 0, 'erf of the smallest subnormal is not flushed to zero');
});

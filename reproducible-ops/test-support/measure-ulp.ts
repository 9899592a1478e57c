// Measures the ulp error of the spec's exp, log, sigmoid and tanh against binary64 Math.*
// over ALL binary32 inputs of each function's domain (or every `stride`-th bit pattern).
// Usage: node --import tsx reproducible-ops/test-support/measure-ulp.ts [stride=1]
// The numbers in docs/REPOPS.md §3.4 come from a full run (stride 1, a few minutes).
import * as f from '../f32.ts';
import { erf as erf64 } from 'mathjs';
import { ulpError } from './ulp.ts';

const stride = Number(process.argv[2] ?? 1);
const view = new Float32Array(1);
const bitsView = new Uint32Array(view.buffer);

interface Stat { max: number; at: number; over1: number; n: number; absMax: number }

function measure(name: string, fn: (x: number) => number, ref: (x: number) => number, from: number, to: number, ulpFloor = 0): Stat {
  const st: Stat = { max: 0, at: 0, over1: 0, n: 0, absMax: 0 };
  for (let u = from; u <= to; u += stride) {
    bitsView[0] = u;
    const x = view[0];
    const got = fn(x), want = ref(x);
    const err = Math.abs(want) < ulpFloor ? 0 : ulpError(got, want);
    st.absMax = Math.max(st.absMax, Math.abs(got - want));
    if (err > st.max) { st.max = err; st.at = x; }
    if (err > 1) st.over1++;
    st.n++;
  }
  console.log(`${name}: n=${st.n} maxUlp=${st.max.toFixed(4)} at x=${st.at} (bits 0x${toHex(st.at)}) >1ulp=${st.over1} maxAbs=${st.absMax.toExponential(3)}`);
  return st;
}

const toHex = (x: number) => f.toBits(x).toString(16).padStart(8, '0');
const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));
const POS_MAX = 0x7f7fffff, NEG = 0x80000000;

const which = process.argv[3] ?? 'all';
if (which === 'all' || which === 'exp') {
  measure('exp x>=0', f.exp, Math.exp, 0, 0x42b17218);
  measure('exp x<0 ', f.exp, Math.exp, NEG, 0xc2d00000);
}
if (which === 'all' || which === 'log') measure('log     ', f.log, Math.log, 1, POS_MAX);
if (which === 'all' || which === 'sigmoid') {
  measure('sigmoid x>=0', f.sigmoid, sigmoid64, 0, POS_MAX);
  // below -EXP_X_MAX exp(-x) overflows and sigmoid is +0 by definition (docs/REPOPS.md §3.4)
  measure('sigmoid -EXP_X_MAX<=x<0', f.sigmoid, sigmoid64, NEG, 0xc2b17218);
}
if (which === 'all' || which === 'tanh') {
  // tanh = 2*sigmoid(2x) - 1 cancels near 0 (unbounded relative error there): the x>=0 and
  // x<0 lines are for the absolute error, the |tanh| >= 0.5 lines for the ulp error
  measure('tanh x>=0', f.tanh, Math.tanh, 0, POS_MAX);
  measure('tanh x<0', f.tanh, Math.tanh, NEG, NEG + POS_MAX);
  measure('tanh t>=0.5', f.tanh, Math.tanh, 0x3f0c9f54, POS_MAX);
  measure('tanh t<=-0.5', f.tanh, Math.tanh, 0xbf0c9f54, NEG + POS_MAX);
}
if (which === 'all' || which === 'erf') {
  // reference: mathjs' binary64 erf (W. J. Cody's rational approximations, ~1e-16 relative)
  measure('erf x>=0', f.erf, (x) => erf64(x) as number, 0, 0x7f800000); // erf(-x) = -erf(x) exactly
}
/** cos(pi x) in binary64 after the same exact reductions (Math.cos(Math.PI * 0.5) is not 0). */
function cospi64(x: number): number {
  if (x > 1) x = 2 - x;
  const sign = x > 0.5 ? -1 : 1;
  if (x > 0.5) x = 1 - x;
  return sign * (x <= 0.25 ? Math.cos(Math.PI * x) : Math.sin(Math.PI * (0.5 - x)));
}
if (which === 'all' || which === 'cospi') measure('cospi [0,2]', f.cospi, cospi64, 0, 0x40000000);

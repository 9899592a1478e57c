// Binary32 primitives of REPOPS (docs/REPOPS.md §2-§3).
//
// Values travel as JS numbers that always hold an exactly representable float32.
// For +, -, *, / and sqrt, computing in binary64 and rounding once to binary32 with
// Math.fround is exactly the correctly rounded binary32 result (53 >= 2*24+2, so the
// double rounding is innocuous). Everything else (exp, log, max, ...) is defined as a
// fixed sequence of these primitives, never with Math.exp/log, whose bits vary by engine.

const fr = Math.fround;

export const add = (a: number, b: number): number => fr(a + b);
export const sub = (a: number, b: number): number => fr(a - b);
export const mul = (a: number, b: number): number => fr(a * b);
export const div = (a: number, b: number): number => fr(a / b);
export const sqrt = (a: number): number => fr(Math.sqrt(a));
export const neg = (a: number): number => -a;

/** max: NaN if either is NaN; max(-0,+0) = +0 in either order. */
export function max(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a > b) return a;
  if (b > a) return b;
  return a === 0 ? (Object.is(a, -0) && Object.is(b, -0) ? -0 : 0) : a;
}

/** relu(x) = max(x, +0): negative and -0 give +0, NaN stays NaN. */
export const relu = (x: number): number => max(x, 0);

/** 1.0 when a > b, else 0.0 (NaN compares false). */
export const gt = (a: number, b: number): number => (a > b ? 1 : 0);

// --- exp -------------------------------------------------------------------------
// Bit patterns are the normative definition; the numbers are what they decode to.
export const EXP_X_MAX = 88.72283935546875; // 0x42B17218: above it exp overflows to +Inf
export const EXP_X_MIN = -104; // 0xC2D00000: below it exp underflows to +0
export const LOG2E = 1.4426950216293335; // 0x3FB8AA3B
export const LN2_HI = 0.693145751953125; // 0x3F317200 (few significant bits: k*LN2_HI is exact)
export const LN2_LO = 1.4286067653249484e-6; // 0x35BFBE8E
export const ROUND_MAGIC = 12582912; // 1.5 * 2^23: (t + M) - M rounds t to an integer, ties to even
// Taylor coefficients of e^r, Horner from the highest: 1/720, 1/120, 1/24, 1/6, 1/2, 1, 1
export const EXP_C = [fr(1 / 720), fr(1 / 120), fr(1 / 24), fr(1 / 6), 0.5, 1, 1] as const;

/** 2^k for an integer k in [-126, 127], exact. */
const POW2 = new Float32Array(254);
new Uint32Array(POW2.buffer).forEach((_, i, a) => (a[i] = (i + 1) << 23)); // 2^(i-126)
function pow2(k: number): number {
  return POW2[k + 126];
}

/** p * 2^k as a fixed sequence of at most two binary32 multiplications (REPOPS §3.1). */
export function scale2(p: number, k: number): number {
  if (k > 127) return mul(mul(p, pow2(127)), pow2(k - 127));
  if (k < -126) return mul(mul(p, pow2(-126)), pow2(k + 126));
  return mul(p, pow2(k));
}

export function exp(x: number): number {
  if (x !== x) return NaN;
  if (x > EXP_X_MAX) return Infinity;
  if (x < EXP_X_MIN) return 0;
  const t = mul(x, LOG2E);
  const k = sub(add(t, ROUND_MAGIC), ROUND_MAGIC);
  let r = sub(x, mul(k, LN2_HI));
  r = sub(r, mul(k, LN2_LO));
  let p = EXP_C[0];
  for (let i = 1; i < EXP_C.length; i++) p = add(mul(p, r), EXP_C[i]);
  return scale2(p, k);
}

// --- log -------------------------------------------------------------------------
export const SQRT2_BITS = 0x3fb504f3;
export const TWO_POW_23 = 8388608;
// Coefficients of log((1+s)/(1-s)) = 2s + s*z*(2/3 + z*(2/5 + z*(2/7 + z*2/9))), z = s*s
export const LOG_C = [fr(2 / 9), fr(2 / 7), fr(2 / 5), fr(2 / 3)] as const;

const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

export function log(x: number): number {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  if (x < 1.1754943508222875e-38) {
    x = mul(x, TWO_POW_23); // subnormal: normalise exactly
    e = -23;
  }
  scratchF[0] = x;
  const bits = scratchU[0];
  e += ((bits >>> 23) & 0xff) - 127;
  let mbits = (bits & 0x7fffff) | 0x3f800000; // m in [1, 2)
  if (mbits > SQRT2_BITS) {
    mbits -= 0x00800000; // m / 2, exact
    e += 1;
  }
  scratchU[0] = mbits;
  const m = scratchF[0];
  const f = sub(m, 1);
  const s = div(f, add(2, f));
  const z = mul(s, s);
  let R = LOG_C[0];
  for (let i = 1; i < LOG_C.length; i++) R = add(mul(R, z), LOG_C[i]);
  R = mul(R, z);
  const poly = add(mul(2, s), mul(s, R));
  const ef = e; // |e| <= 149, exact
  return add(mul(ef, LN2_HI), add(mul(ef, LN2_LO), poly));
}

/** sigmoid(x) = 1 / (1 + exp(-x)). */
export const sigmoid = (x: number): number => div(1, add(1, exp(neg(x))));

/** tanh(x) = 2*sigmoid(2x) - 1 */
export const tanh = (x: number): number => sub(mul(2, sigmoid(mul(2, x))), 1);

// --- bit-pattern interface ----------------------------------------------------------
export const CANONICAL_NAN = 0x7fc00000;

export function toBits(x: number): number {
  if (x !== x) return CANONICAL_NAN;
  scratchF[0] = x;
  return scratchU[0];
}

export function fromBits(u: number): number {
  scratchU[0] = u >>> 0;
  return scratchF[0];
}

const u1 = (fn: (a: number) => number) => (a: number): number => toBits(fn(fromBits(a)));
const u2 = (fn: (a: number, b: number) => number) => (a: number, b: number): number =>
  toBits(fn(fromBits(a), fromBits(b)));

/** Primitives over uint32 bit patterns; every result is canonical (NaN = 0x7FC00000). */
export const f32bits = {
  add: u2(add),
  sub: u2(sub),
  mul: u2(mul),
  div: u2(div),
  max: u2(max),
  gt: u2(gt),
  sqrt: u1(sqrt),
  neg: (a: number): number => (isNaNBits(a) ? CANONICAL_NAN : (a ^ 0x80000000) >>> 0),
  relu: u1(relu),
  exp: u1(exp),
  log: u1(log),
  sigmoid: u1(sigmoid),
  tanh: u1(tanh),
};

export function isNaNBits(u: number): boolean {
  return (u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0;
}

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

// --- erf (repops-3) -----------------------------------------------------------------
// After FreeBSD msun s_erff.c (Sun Microsystems 1993, float version by I. L. Taylor, rational
// approximations by S. Kargl): four ranges of |x|, rational functions in Horner form, and the
// tail exp(-z*z - 0.5625) * exp((z-x)*(z+x) + R/S) where z is |x| with its low 13 mantissa bits
// cleared, so z*z is exact. erf(-x) = -erf(x) exactly (every step is sign-symmetric in RNE), so
// the algorithm runs on |x| and the sign is applied at the end. Bit patterns are normative.
const f = (...u: number[]): readonly number[] => u.map((x) => fromBits(x));
export const ERF_EFX = fromBits(0x3e0375d4); // 2/sqrt(pi) - 1
export const ERF_EFX8 = fromBits(0x3f8375d4); // 8 * ERF_EFX
export const ERF_PP = f(0x3e0375d4, 0xbeac0c2d, 0xbaf4228f); // [0, 0.84375): numerator in z = x*x
export const ERF_QQ = f(0x3e9fe8f8, 0x3cb1013a, 0xbb025313); // denominator 1 + z*(qq1 + ...)
export const ERF_ERX = fromBits(0x3f57bb00); // erf(1) rounded to 16 bits
export const ERF_PA = f(0x3674e811, 0x3ed48942, 0xbe2924ee, 0x3de32723); // [0.84375, 1.25) in s = |x|-1
export const ERF_QA = f(0x3f1a218c, 0x3f093304, 0x3e2c9f37, 0x3d6644f9);
export const ERF_RA = f(0xbc21bb59, 0xbf0db91e, 0xc00b41d0, 0xbfb76216); // [1.25, 1/0.35) in s = 1/x^2
export const ERF_SA = f(0x40aeb7f2, 0x40d655dc, 0x3fb72f4c, 0xbd6c8084);
export const ERF_RB = f(0xbc21a092, 0xbf200b39, 0xc0c5478b, 0xc1855b85, 0xc1189a30); // [1/0.35, 4)
export const ERF_SB = f(0x414b040e, 0x4234bc5e, 0x423d1fc4, 0x410ee2a5);
export const ERF_TAIL_C = 0.5625; // 0x3F100000

/** c[0] + s*(c[1] + s*(... + s*c[n-1])): Horner from the highest coefficient. */
function horner(c: readonly number[], s: number): number {
  let p = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) p = add(mul(p, s), c[i]);
  return p;
}

/** 1 + s*(c[0] + s*(c[1] + ...)): the monic denominators. */
const horner1 = (c: readonly number[], s: number): number => add(1, mul(s, horner(c, s)));

function erfAbs(a: number, ia: number): number {
  if (ia < 0x3f580000) { // |x| < 0.84375
    if (ia < 0x04000000) return div(add(mul(8, a), mul(ERF_EFX8, a)), 8); // |x| < 2^-119: keep subnormal accuracy
    if (ia < 0x38800000) return add(a, mul(ERF_EFX, a)); // |x| < 2^-14
    const z = mul(a, a);
    return add(a, mul(a, div(horner(ERF_PP, z), horner1(ERF_QQ, z))));
  }
  if (ia < 0x3fa00000) { // |x| < 1.25
    const s = sub(a, 1);
    return add(ERF_ERX, div(horner(ERF_PA, s), horner1(ERF_QA, s)));
  }
  if (ia >= 0x40800000) return 1; // |x| >= 4 (and +Inf): 1 - 1e-30 rounds to 1
  const s = div(1, mul(a, a));
  const [R, S] = ia < 0x4036db6e ? [horner(ERF_RA, s), horner1(ERF_SA, s)] : [horner(ERF_RB, s), horner1(ERF_SB, s)];
  const z = fromBits(ia & 0xffffe000);
  const r = mul(exp(sub(mul(neg(z), z), ERF_TAIL_C)), exp(add(mul(sub(z, a), add(z, a)), div(R, S))));
  return sub(1, div(r, a));
}

/** erf(x), REPOPS §3 (repops-3). NaN gives NaN; erf(-0) = -0. */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const u = toBits(x);
  const y = erfAbs(fromBits(u & 0x7fffffff), u & 0x7fffffff);
  return u >>> 31 ? -y : y;
}

// --- cospi (repops-3) ---------------------------------------------------------------
// cos(pi*x) for x in [0, 2]. Range reduction by exact (Sterbenz) subtractions: x > 1 -> 2 - x
// (cos(pi x) = cos(pi (2-x))); x > 1/2 -> 1 - x with the sign flipped; then on [0, 1/2]:
// x <= 1/4 -> cos polynomial of x, else the sin polynomial of 1/2 - x. The polynomials are the
// Taylor series of cos(pi t) and sin(pi t) (coefficients rounded to binary32), in t^2 on [0, 1/4].
export const COSPI_S = f(0x40490fdb, 0xc0a55de7, 0x402335e3, 0xbf196966, 0x3da83c1a); // (-1)^k pi^(2k+1)/(2k+1)!
export const COSPI_C = f(0xc09de9e6, 0x4081e0f8, 0xbfaae9e4, 0x3e70fa83, 0xbcd368f9); // (-1)^k pi^(2k)/(2k)!, k >= 1

/** cos(pi*x) for x in [0, 2]; NaN outside (callers only pass [0, 2]). */
export function cospi(x: number): number {
  if (!(x >= 0 && x <= 2)) return NaN;
  if (x > 1) x = sub(2, x);
  let negate = false;
  if (x > 0.5) {
    x = sub(1, x);
    negate = true;
  }
  let y: number;
  if (x <= 0.25) y = horner1(COSPI_C, mul(x, x));
  else {
    const t = sub(0.5, x);
    y = mul(t, horner(COSPI_S, mul(t, t)));
  }
  return negate ? -y : y;
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
  erf: u1(erf),
  cospi: u1(cospi),
};

export function isNaNBits(u: number): boolean {
  return (u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0;
}

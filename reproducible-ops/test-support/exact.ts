// Independent exact reference for the correctly rounded binary32 primitives (tests only).
// A finite binary32 value is decoded to sign * m * 2^e with integer m; the exact result of
// + - * / is a rational with a power-of-two or integer denominator, and sqrt is an integer
// square root. Rounding to nearest-even (subnormals, overflow to Inf) is done here with
// BigInt arithmetic, never with the host's float operations, so it cannot share a bug with
// Math.fround-based code.

export type Decoded =
  | { kind: 'nan' }
  | { kind: 'inf'; neg: boolean }
  | { kind: 'finite'; neg: boolean; m: bigint; e: number }; // value = (neg ? -1 : 1) * m * 2^e; m = 0 for zeros

export const CANONICAL_NAN = 0x7fc00000;
const MIN_Q = -149; // exponent of the smallest subnormal

export function decode(bits: number): Decoded {
  const u = bits >>> 0;
  const neg = u >>> 31 === 1;
  const be = (u >>> 23) & 0xff;
  const frac = u & 0x7fffff;
  if (be === 0xff) return frac === 0 ? { kind: 'inf', neg } : { kind: 'nan' };
  if (be === 0) return { kind: 'finite', neg, m: BigInt(frac), e: MIN_Q };
  return { kind: 'finite', neg, m: BigInt(frac | 0x800000), e: be - 150 };
}

const signBit = (neg: boolean) => (neg ? 0x80000000 : 0);
const infBits = (neg: boolean) => (signBit(neg) | 0x7f800000) >>> 0;
const zeroBits = (neg: boolean) => signBit(neg) >>> 0;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Encode sign * Q * 2^q (Q < 2^25 after rounding, q >= -149) as binary32 bits. */
function encode(neg: boolean, Q: bigint, q: number): number {
  if (Q === 0n) return zeroBits(neg);
  // normalise so that Q < 2^24 (a carry out of rounding gives Q = 2^24)
  while (Q >= 1n << 24n) {
    Q >>= 1n;
    q += 1;
  }
  if (Q < 1n << 23n) return (signBit(neg) | Number(Q)) >>> 0; // subnormal: q must be -149
  const be = q + 150;
  if (be >= 0xff) return infBits(neg);
  return (signBit(neg) | (be << 23) | (Number(Q) & 0x7fffff)) >>> 0;
}

/** Round sign * num / den (num >= 0, den > 0, both integers) times 2^shift to binary32, RNE. */
export function roundRational(neg: boolean, num: bigint, den: bigint, shift: number): number {
  if (num === 0n) return zeroBits(neg);
  // floor(log2(num/den)) + shift = exponent of the leading bit
  let lead = bitLength(num) - bitLength(den);
  if ((num << BigInt(Math.max(0, -lead))) < (den << BigInt(Math.max(0, lead)))) lead -= 1;
  const q = Math.max(lead + shift - 23, MIN_Q); // quantum exponent of the result
  if (lead + shift > 127) return infBits(neg);
  // scaled = num / den * 2^(shift - q): integer part and remainder
  const s = shift - q;
  const n2 = s >= 0 ? num << BigInt(s) : num;
  const d2 = s >= 0 ? den : den << BigInt(-s);
  let Q = n2 / d2;
  const r2 = 2n * (n2 - Q * d2);
  if (r2 > d2 || (r2 === d2 && (Q & 1n) === 1n)) Q += 1n;
  return encode(neg, Q, q);
}

/** Exact sign * (m1*2^e1 +/- m2*2^e2) rounded; IEEE sign of an exact zero sum is + (RNE). */
function addFinite(a: Extract<Decoded, { kind: 'finite' }>, b: Extract<Decoded, { kind: 'finite' }>): number {
  const e = Math.min(a.e, b.e);
  const va = (a.neg ? -1n : 1n) * (a.m << BigInt(a.e - e));
  const vb = (b.neg ? -1n : 1n) * (b.m << BigInt(b.e - e));
  const sum = va + vb;
  if (sum === 0n) return zeroBits(a.neg && b.neg && a.m === 0n && b.m === 0n);
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

export function exactAdd(x: number, y: number): number {
  const a = decode(x), b = decode(y);
  if (a.kind === 'nan' || b.kind === 'nan') return CANONICAL_NAN;
  if (a.kind === 'inf' && b.kind === 'inf') return a.neg === b.neg ? infBits(a.neg) : CANONICAL_NAN;
  if (a.kind === 'inf') return infBits(a.neg);
  if (b.kind === 'inf') return infBits(b.neg);
  return addFinite(a, b);
}

export const exactSub = (x: number, y: number): number => exactAdd(x, (y ^ 0x80000000) >>> 0);

export function exactMul(x: number, y: number): number {
  const a = decode(x), b = decode(y);
  if (a.kind === 'nan' || b.kind === 'nan') return CANONICAL_NAN;
  const neg = a.neg !== b.neg;
  const zeroA = a.kind === 'finite' && a.m === 0n, zeroB = b.kind === 'finite' && b.m === 0n;
  if (a.kind === 'inf' || b.kind === 'inf') return zeroA || zeroB ? CANONICAL_NAN : infBits(neg);
  if (a.kind !== 'finite' || b.kind !== 'finite') throw new Error('unreachable');
  return roundRational(neg, a.m * b.m, 1n, a.e + b.e);
}

export function exactDiv(x: number, y: number): number {
  const a = decode(x), b = decode(y);
  if (a.kind === 'nan' || b.kind === 'nan') return CANONICAL_NAN;
  const neg = a.neg !== b.neg;
  if (a.kind === 'inf') return b.kind === 'inf' ? CANONICAL_NAN : infBits(neg);
  if (b.kind === 'inf') return zeroBits(neg);
  if (a.kind !== 'finite' || b.kind !== 'finite') throw new Error('unreachable');
  if (b.m === 0n) return a.m === 0n ? CANONICAL_NAN : infBits(neg);
  return roundRational(neg, a.m, b.m, a.e - b.e);
}

/** floor(sqrt(n)) for n >= 0 by Newton's method on BigInt. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function exactSqrt(x: number): number {
  const a = decode(x);
  if (a.kind === 'nan') return CANONICAL_NAN;
  if (a.kind === 'inf') return a.neg ? CANONICAL_NAN : infBits(false);
  if (a.m === 0n) return zeroBits(a.neg); // sqrt(-0) = -0
  if (a.neg) return CANONICAL_NAN;
  // result exponent r = floor((e + L - 1) / 2); quantum q = r - 23; T = m * 2^(e - 2q) is an integer
  const L = bitLength(a.m);
  const r = Math.floor((a.e + L - 1) / 2);
  const q = r - 23;
  const T = a.m << BigInt(a.e - 2 * q);
  let S = isqrt(T);
  if (T - S * S > S) S += 1n; // sqrt(T) > S + 1/2 <=> T >= S^2 + S + 1; ties are impossible
  return encode(false, S, q);
}

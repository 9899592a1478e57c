// Differential test vectors for rollup-contracts/src/lib/F32.sol (and F32Special.sol: erf, cospi).
//
// Expected results come from the normative TypeScript reference `reproducible-ops/f32.ts`
// (`f32bits.*`). Output: one file per primitive, `f32_<op>.bin`, a packed sequence of
// big-endian uint32 words: (a, b, result) records for binary ops, (a, result) for unary ones.
// Generation is deterministic (seeded PRNG), so re-running must reproduce the committed files.
//
//   npx tsx rollup-contracts/test/vectors/gen-f32-vectors.ts           # (re)write the files
//   npx tsx rollup-contracts/test/vectors/gen-f32-vectors.ts --check   # fail if they are stale
//   npx tsx rollup-contracts/test/vectors/gen-f32-vectors.ts --n 1000  # fewer random vectors
//   ... --seed 7   # a different random stream (for one-off soak runs; don't commit the output)
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { f32bits, toBits, fromBits } from '../../../reproducible-ops/f32.ts';

const OUT_DIR = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const CHECK = args.includes('--check');
const nIdx = args.indexOf('--n');
const N_RANDOM = nIdx >= 0 ? Number(args[nIdx + 1]) : 100_000;
const sIdx = args.indexOf('--seed');
const SEED = sIdx >= 0 ? Number(args[sIdx + 1]) : 0;

// ---------------------------------------------------------------------------------------
// Deterministic PRNG (mulberry32) and helpers
// ---------------------------------------------------------------------------------------
function mulberry32(seed: number) {
  let s = seed >>> 0;
  return (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

let next = mulberry32(1);
const u32 = (): number => next();
/** Integer in [lo, hi], inclusive. */
const int = (lo: number, hi: number): number => lo + (u32() % (hi - lo + 1));
const coin = (): boolean => (u32() & 1) === 1;
const pick = <T>(xs: readonly T[]): T => xs[u32() % xs.length];
const sgn = (): number => (coin() ? 0x80000000 : 0);
const mk = (sign: number, exp: number, man: number): number =>
  (sign | (exp << 23) | (man & 0x7fffff)) >>> 0;
const f = (x: number): number => toBits(Math.fround(x)); // nearest binary32 bits of a double
const val = (u: number): number => fromBits(u);
const withSign = (u: number, s: number): number => ((u & 0x7fffffff) | s) >>> 0;

// Edge classes
const MIN_SUB = 0x00000001;
const MAX_SUB = 0x007fffff;
const MIN_NORM = 0x00800000;
const MAX_FIN = 0x7f7fffff;
const INF = 0x7f800000;
const NANS = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0xffffffff, 0x7fa00000, 0xffbfffff, 0x7fc00001];
const SPECIAL_MAGS = [
  0, MIN_SUB, 2, 3, 0x00400000, 0x00400001, MAX_SUB - 1, MAX_SUB, MIN_NORM, MIN_NORM + 1, 0x00ffffff,
  0x01000000, MAX_FIN, MAX_FIN - 1, 0x7f000000, 0x7e800000, INF,
  0x3f800000, 0x3f800001, 0x3f7fffff, 0x40000000, 0x3f000000, 0x3fc00000, 0x40400000, 0x40490fdb,
  0x4b000000, 0x4b800000, 0x4b400000, 0x34000000, 0x33800000, 0x3fb504f3, 0x3fb504f4, 0x42b17218,
  0x42b17217, 0x42b17219, 0x42d00000, 0x42cfffff, 0x42d00001, 0x42aeac50, 0x3f317218, 0x0c000000,
  0x20000000, 0x5f000000, 0x1f800000,
];
const SPECIALS: number[] = [...SPECIAL_MAGS.flatMap((m) => [m >>> 0, (m | 0x80000000) >>> 0]), ...NANS];

const rndBits = (): number => u32();
const rndNaN = (): number => mk(sgn(), 255, int(1, 0x7fffff));
const rndSub = (): number => mk(sgn(), 0, int(1, 0x7fffff));
/** Random finite with biased exponent in [lo, hi] (0 = subnormal), random mantissa. */
const rndExp = (lo: number, hi: number, s = sgn()): number => {
  const e = int(lo, hi);
  return mk(s, e, e === 0 ? int(1, 0x7fffff) : u32());
};
const rndFinite = (): number => rndExp(0, 254);
/** A few-ulps perturbation of u (keeping it in the same sign half). */
const nearBits = (u: number, spread: number): number => {
  const m = (u & 0x7fffffff) + int(-spread, spread);
  return ((Math.min(Math.max(m, 0), 0x7fffffff) | (u & 0x80000000)) >>> 0);
};
const rndNear1 = (): number => withSign(nearBits(0x3f800000, 4096), coin() && coin() ? 0x80000000 : 0);
/** Random significand with only `bits` significant bits (so products/sums stay exact). */
const shortMan = (bits: number): number => (u32() & ((1 << (bits - 1)) - 1)) << (24 - bits);
/** Uniform (in value) float in [lo, hi]. */
const rndRange = (lo: number, hi: number): number => f(lo + (u32() / 2 ** 32) * (hi - lo));
/** Random value from a general mix used by every primitive. */
function rndGeneric(): number {
  switch (u32() % 8) {
    case 0:
    case 1:
      return rndBits();
    case 2:
      return rndFinite();
    case 3:
      return rndSub();
    case 4:
      return pick(SPECIALS);
    case 5:
      return rndNear1();
    case 6:
      return rndExp(100, 154); // moderate magnitudes
    default:
      return nearBits(pick(SPECIALS), 3);
  }
}
/** Unbiased exponent of the ulp of a finite binary32 (subnormals: -149). */
const quantumExp = (u: number): number => Math.max((u >>> 23) & 0xff, 1) - 150;

// ---------------------------------------------------------------------------------------
// Per-primitive input generators
// ---------------------------------------------------------------------------------------
type Pair = [number, number];

function specialPairs(): Pair[] {
  const out: Pair[] = [];
  for (const a of SPECIALS) for (const b of SPECIALS) out.push([a, b]);
  return out;
}

/** b such that a + b is (typically) exactly halfway between two binary32 values. */
function addTie(): Pair {
  const a = pick([rndFinite, rndSub, () => rndExp(1, 40), () => rndExp(100, 160)])();
  const qa = quantumExp(a);
  const j = pick([0, 0, 1, 2, int(0, 1000), int(0, 0x7fffff)]);
  // (2j+1) * 2^(qa-1): half an ulp of a times an odd number
  const bv = (2 * j + 1) * 2 ** (qa - 1);
  let b = f(bv);
  if (qa - 1 < -149 || val(b) !== bv) b = f(2 ** Math.max(qa - 1, -149));
  b = withSign(b, sgn());
  return coin() ? [a, b] : [b, a];
}

function addGen(): Pair {
  switch (u32() % 12) {
    case 0:
    case 1:
      return [rndBits(), rndBits()];
    case 2: {
      // close exponents, random signs: cancellation and alignment shifts 0..40
      const a = rndExp(1, 254);
      const e = Math.min(254, Math.max(0, ((a >>> 23) & 0xff) - int(0, 45)));
      return [a, mk(sgn(), e, u32())];
    }
    case 3: {
      // same exponent, opposite signs: massive cancellation
      const a = rndExp(0, 254);
      return [a, mk((a & 0x80000000) ^ 0x80000000, (a >>> 23) & 0xff, nearBits(a, 64))];
    }
    case 4:
      return addTie();
    case 5:
      return addTie();
    case 6:
      return [rndSub(), coin() ? rndSub() : rndExp(0, 3)];
    case 7: {
      // overflow boundary: two large values of the same sign
      const s0 = sgn();
      return [rndExp(252, 254, s0), rndExp(225, 254, s0)];
    }
    case 8:
      return [rndNear1(), rndNear1()];
    case 9:
      return [pick(SPECIALS), rndGeneric()];
    case 10: {
      // x + (-x) and x + x
      const a = rndGeneric();
      return [a, coin() ? (a ^ 0x80000000) >>> 0 : a];
    }
    default:
      return [rndGeneric(), rndGeneric()];
  }
}

function subGen(): Pair {
  const [a, b] = addGen();
  // addGen's pairs are interesting for a + b; flip b half the time so a - b hits the same cases
  return coin() ? [a, (b ^ 0x80000000) >>> 0] : [a, b];
}

/** Two significands whose exact product has 25 significant bits ending in 1: a rounding tie. */
function mulTie(): Pair {
  const kb = int(2, 12);
  const mb = (int(1 << (kb - 2), (1 << (kb - 1)) - 1) << 1) | 1; // odd, kb bits
  const lo = Math.ceil(2 ** 24 / mb);
  const hi = Math.floor((2 ** 25 - 1) / mb);
  let ma = int(lo, hi) | 1;
  if (ma > hi) ma -= 2;
  // choose exponents: mostly normal results, sometimes near the subnormal boundary or overflow
  const target = pick([int(-120, 120), int(-150, -120), int(120, 128)]);
  const ea = int(-60, 60);
  const ebExp = target - ea - 24; // so that product ~ 2^target
  const av = ma * 2 ** ea;
  const bv = mb * 2 ** ebExp;
  const a = f(av);
  const b = f(bv);
  return [withSign(a, sgn()), withSign(b, sgn())];
}

function mulGen(): Pair {
  switch (u32() % 10) {
    case 0:
    case 1:
      return [rndBits(), rndBits()];
    case 2:
    case 3:
      return mulTie();
    case 4: {
      // results around the subnormal range: unbiased exponent sum in [-152, -120]
      const ea = int(1, 254);
      const eb = Math.min(254, Math.max(0, int(-152, -120) - (ea - 127) + 127));
      return [mk(sgn(), ea, u32()), mk(sgn(), eb, eb === 0 ? int(1, 0x7fffff) : u32())];
    }
    case 5: {
      // overflow boundary: exponent sum near 254
      const ea = int(127, 254);
      const eb = Math.min(254, Math.max(0, 254 - ea + 127 + int(-2, 1)));
      return [mk(sgn(), ea, u32()), mk(sgn(), eb, u32())];
    }
    case 6:
      return [rndSub(), coin() ? rndFinite() : rndExp(120, 160)];
    case 7: {
      // x * 1, x * 2^k, x * 0.5 (exact or subnormal ties)
      const a = rndGeneric();
      return [a, withSign(pick([0x3f800000, 0x3f000000, 0x40000000, mk(0, int(1, 254), 0), 0x3e800000]), sgn())];
    }
    case 8:
      return [rndNear1(), rndNear1()];
    default:
      return [rndGeneric(), rndGeneric()];
  }
}

function divGen(): Pair {
  switch (u32() % 10) {
    case 0:
    case 1:
      return [rndBits(), rndBits()];
    case 2: {
      // exact quotients: a = b * c with short significands
      const b = mk(sgn(), int(60, 190), shortMan(int(1, 12)));
      const c = mk(sgn(), int(60, 190), shortMan(int(1, 12)));
      const a = f(val(b) * val(c));
      return [a, b];
    }
    case 3: {
      // quotient in / near the subnormal range (incl. ties like odd / 2)
      const a = coin() ? rndSub() : rndExp(1, 30);
      const eb = ((a >>> 23) & 0xff) + 127 + int(-5, 30);
      return [a, mk(sgn(), Math.min(254, eb), coin() ? 0 : u32())];
    }
    case 4: {
      // overflow boundary
      const a = rndExp(200, 254);
      const eb = Math.max(0, ((a >>> 23) & 0xff) - 127 - int(-2, 3));
      return [a, mk(sgn(), eb, eb === 0 ? int(1, 0x7fffff) : u32())];
    }
    case 5:
      return [rndSub(), rndSub()];
    case 6:
      return [rndNear1(), rndNear1()];
    case 7:
      return [rndGeneric(), pick(SPECIALS)];
    case 8: {
      // divisor with few significant bits
      return [rndFinite(), mk(sgn(), int(1, 254), shortMan(int(1, 4)))];
    }
    default:
      return [rndGeneric(), rndGeneric()];
  }
}

function maxGen(): Pair {
  switch (u32() % 8) {
    case 0:
    case 1:
      return [rndBits(), rndBits()];
    case 2: {
      const a = rndGeneric();
      return [a, a];
    }
    case 3: {
      const a = rndGeneric();
      return [a, (a ^ 0x80000000) >>> 0];
    }
    case 4: {
      const a = rndGeneric();
      return coin() ? [a, nearBits(a, 2)] : [nearBits(a, 2), a];
    }
    case 5:
      return [pick([0, 0x80000000]), pick([0, 0x80000000, rndSub(), rndNaN()])];
    case 6:
      return [rndNaN(), rndGeneric()].sort(() => (coin() ? 1 : -1)) as Pair;
    default:
      return [rndGeneric(), rndGeneric()];
  }
}

function sqrtGen(): number {
  switch (u32() % 10) {
    case 0:
    case 1:
      return rndBits();
    case 2:
    case 3:
      return rndExp(0, 254, 0);
    case 4: {
      // perfect squares and their neighbours
      const c = mk(0, int(64, 190), shortMan(int(1, 12)));
      return nearBits(f(val(c) * val(c)), int(0, 2));
    }
    case 5:
      return withSign(rndSub(), 0);
    case 6:
      return withSign(rndNear1(), 0);
    case 7:
      return nearBits(withSign(pick(SPECIALS), 0), 2);
    default:
      return rndGeneric();
  }
}

const LN2 = 0.6931471805599453;
function expGen(): number {
  switch (u32() % 16) {
    case 0:
      return rndBits();
    case 1:
    case 2:
    case 3:
      return rndRange(-110, 95);
    case 4:
      return nearBits(0x42b17218, 4096); // EXP_X_MAX
    case 5:
      return nearBits(0xc2d00000, 4096); // EXP_X_MIN
    case 6:
      return rndRange(-87.6, -86.9); // result crosses into subnormals
    case 7:
      return rndRange(-104, -100); // deep subnormal results
    case 8:
      return rndRange(87, 88.8); // results near overflow; k = 128 path
    case 9: {
      // x*LOG2E near n + 1/2: the rounding of k is a tie or near one
      const n = int(-150, 128);
      return nearBits(f((n + 0.5) * LN2), 8);
    }
    case 10:
      return rndExp(0, 120); // tiny |x|, incl. subnormals
    case 11:
      return rndRange(-1, 1);
    case 12:
      return rndRange(-20, 20);
    case 13:
      return nearBits(pick(SPECIALS), 4);
    default:
      return rndGeneric();
  }
}

function logGen(): number {
  switch (u32() % 12) {
    case 0:
      return rndBits();
    case 1:
    case 2:
      return rndExp(0, 254, 0);
    case 3:
    case 4:
      return withSign(rndSub(), 0); // log of subnormals
    case 5:
      return mk(0, 0, int(1, 0x7fffff) >>> int(0, 22) || 1); // subnormals of every length
    case 6:
      return withSign(nearBits(0x3f800000, int(1, 1 << 16)), 0); // near 1
    case 7:
      return mk(0, int(0, 254), 0x3504f3 + int(-300, 300)); // mantissa near sqrt2 split
    case 8:
      return mk(0, int(1, 254), pick([0, 1, 0x7fffff, 0x400000])); // powers of two and neighbours
    case 9:
      return nearBits(withSign(pick(SPECIALS), 0), 4);
    case 10:
      return rndRange(0, 10);
    default:
      return rndGeneric();
  }
}

function sigmoidGen(): number {
  switch (u32() % 10) {
    case 0:
    case 1:
      return rndBits();
    case 2:
    case 3:
    case 4:
      return rndRange(-120, 120);
    case 5:
      return rndRange(-20, 20);
    case 6:
      return rndRange(-1, 1);
    case 7:
      return rndExp(0, 120); // tiny
    case 8:
      return nearBits(pick([0x42b17218, 0xc2b17218, 0xc2d00000, 0x42d00000, 0x42300000, 0xc2300000, 0x41000000]), 4096);
    default:
      return rndGeneric();
  }
}

/** erf (REPOPS §15.5): every range and its thresholds, both signs, tiny and subnormal inputs. */
function erfGen(): number {
  switch (u32() % 8) {
    case 0:
      return rndBits();
    case 1:
    case 2:
      return withSign(rndRange(0, 4.5), sgn());
    case 3:
      return rndExp(0, 125); // tiny: the 2^-119 and 2^-14 branches, subnormals
    case 4:
      return withSign(nearBits(pick([0x04000000, 0x38800000, 0x3f580000, 0x3fa00000, 0x4036db6e, 0x40800000]), 64), sgn());
    case 5:
      return withSign(rndRange(1.25, 4), sgn()); // the exp tail
    default:
      return rndGeneric();
  }
}

/** cospi (REPOPS §15.6): [0, 2] with the reduction points, and inputs outside (NaN results). */
function cospiGen(): number {
  switch (u32() % 8) {
    case 0:
    case 1:
    case 2:
      return rndRange(0, 2);
    case 3:
      return nearBits(pick([0x3e800000, 0x3f000000, 0x3f400000, 0x3f800000, 0x3fa00000, 0x3fc00000, 0x3fe00000, 0x40000000, 0]), 64);
    case 4:
      return rndExp(0, 126, 0); // tiny positive
    case 5:
      return pick([0x80000000, 0x40000001, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x00000001, 0x80000001]);
    default:
      return coin() ? rndRange(0, 1) : rndGeneric();
  }
}

// ---------------------------------------------------------------------------------------
// Build and write
// ---------------------------------------------------------------------------------------
type Spec =
  | { op: string; arity: 2; fn: (a: number, b: number) => number; gen: () => Pair }
  | { op: string; arity: 1; fn: (a: number) => number; gen: () => number };

const SPECS: Spec[] = [
  { op: 'add', arity: 2, fn: f32bits.add, gen: addGen },
  { op: 'sub', arity: 2, fn: f32bits.sub, gen: subGen },
  { op: 'mul', arity: 2, fn: f32bits.mul, gen: mulGen },
  { op: 'div', arity: 2, fn: f32bits.div, gen: divGen },
  { op: 'max', arity: 2, fn: f32bits.max, gen: maxGen },
  { op: 'gt', arity: 2, fn: f32bits.gt, gen: maxGen },
  { op: 'sqrt', arity: 1, fn: f32bits.sqrt, gen: sqrtGen },
  { op: 'neg', arity: 1, fn: f32bits.neg, gen: () => (coin() ? rndGeneric() : rndBits()) },
  { op: 'relu', arity: 1, fn: f32bits.relu, gen: () => (coin() ? rndGeneric() : rndBits()) },
  { op: 'exp', arity: 1, fn: f32bits.exp, gen: expGen },
  { op: 'log', arity: 1, fn: f32bits.log, gen: logGen },
  { op: 'sigmoid', arity: 1, fn: f32bits.sigmoid, gen: sigmoidGen },
  { op: 'tanh', arity: 1, fn: f32bits.tanh, gen: sigmoidGen },
  { op: 'erf', arity: 1, fn: f32bits.erf, gen: erfGen }, // repops-3: F32Special.sol
  { op: 'cospi', arity: 1, fn: f32bits.cospi, gen: cospiGen },
];

function build(spec: Spec): Buffer {
  next = mulberry32(seedOf(spec.op) ^ Math.imul(SEED, 0x9e3779b9));
  const words: number[] = [];
  if (spec.arity === 2) {
    const pairs = [...specialPairs()];
    for (let i = 0; i < N_RANDOM; i++) pairs.push(spec.gen());
    for (const [a0, b0] of pairs) {
      const a = a0 >>> 0;
      const b = b0 >>> 0;
      words.push(a, b, spec.fn(a, b) >>> 0);
    }
  } else {
    const xs: number[] = [...SPECIALS];
    for (let i = 0; i < 1 << 12; i++) xs.push(rndGeneric());
    for (let i = 0; i < N_RANDOM; i++) xs.push(spec.gen());
    for (const a0 of xs) {
      const a = a0 >>> 0;
      words.push(a, spec.fn(a) >>> 0);
    }
  }
  const buf = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => buf.writeUInt32BE(w, i * 4));
  return buf;
}

let stale = 0;
let total = 0;
for (const spec of SPECS) {
  const buf = build(spec);
  const file = path.join(OUT_DIR, `f32_${spec.op}.bin`);
  const n = buf.length / 4 / (spec.arity + 1);
  total += buf.length;
  if (CHECK) {
    const ok = existsSync(file) && readFileSync(file).equals(buf);
    if (!ok) stale++;
    console.log(`${ok ? 'ok   ' : 'STALE'} ${path.relative(process.cwd(), file)} (${n} vectors)`);
  } else {
    writeFileSync(file, buf);
    console.log(`wrote ${path.relative(process.cwd(), file)}: ${n} vectors, ${buf.length} bytes`);
  }
}
console.log(`total ${(total / 1e6).toFixed(2)} MB`);
if (stale) {
  console.error(`${stale} vector file(s) differ from f32.ts; regenerate with gen-f32-vectors.ts`);
  process.exit(1);
}

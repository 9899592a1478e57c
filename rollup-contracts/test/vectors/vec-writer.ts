// Shared helpers of the vector generators: a big-endian u32 word writer (the format the forge
// tests read with mload), a seeded PRNG, and binary32 bit-pattern generators that cover the
// interesting classes (moderate, wide, subnormal, ±0, ±Inf, NaN incl. non-canonical payloads).

export class Words {
  private readonly w: number[] = [];

  u32(x: number): this {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`Words.u32: ${x} is not a u32`);
    this.w.push(x);
    return this;
  }

  /** Length word, then the words. */
  list(xs: readonly number[]): this {
    this.u32(xs.length);
    for (const x of xs) this.u32(x);
    return this;
  }

  /** Raw bytes (a multiple of 4) as big-endian words: the file holds exactly these bytes. */
  bytes(b: Uint8Array): this {
    if (b.length % 4 !== 0) throw new Error(`Words.bytes: length ${b.length} is not a multiple of 4`);
    const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < b.length; i += 4) this.w.push(buf.readUInt32BE(i));
    return this;
  }

  get length(): number {
    return this.w.length;
  }

  toBuffer(): Buffer {
    const b = Buffer.alloc(4 * this.w.length);
    this.w.forEach((x, i) => b.writeUInt32BE(x, 4 * i));
    return b;
  }
}

export type Rand = () => number; // uniform u32

export function mulberry32(seed: number): Rand {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** FNV-1a of a string: stable per-name seeds, so one op's vectors don't shift when another changes. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

export function mix(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h;
}

export const int = (r: Rand, lo: number, hi: number): number => lo + (r() % (hi - lo + 1));
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[r() % xs.length];
export const chance = (r: Rand, p: number): boolean => r() / 4294967296 < p;

const bitsOf = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0];

export const SPECIAL_BITS = [
  0x00000000, 0x80000000, // ±0
  0x7f800000, 0xff800000, // ±Inf
  0x7fc00000, 0xffc00000, 0x7f800001, 0x7fffffff, 0xff812345, // NaN, canonical and not
  0x3f800000, 0xbf800000, // ±1
  0x7f7fffff, 0xff7fffff, // ±max finite
  0x00800000, 0x80800000, // ±min normal
  0x00000001, 0x807fffff, 0x00400000, // subnormals
] as const;

export type ValueMode = 'mixed' | 'fold' | 'exp' | 'log' | 'ties' | 'moderate' | 'erf' | 'ids';

/** Token ids that match no row: -0 (matches 0), NaN, ±Inf, fractions, negatives, large, subnormal. */
const ODD_IDS = [0x80000000, 0x7fc00000, 0xffc00000, 0x7f800000, 0xff800000, bitsOf(0.5), bitsOf(2.5), bitsOf(-1),
  bitsOf(16.000001907348633), bitsOf(65), bitsOf(2 ** 24), bitsOf(4e9), 0x00000001, 0x3f800001] as const;

const moderate = (r: Rand): number => ((r() & 0x80000000) | (int(r, 118, 136) << 23) | (r() & 0x7fffff)) >>> 0;
const wide = (r: Rand): number => ((r() & 0x80000000) | (int(r, 1, 254) << 23) | (r() & 0x7fffff)) >>> 0;
const subnormal = (r: Rand): number => ((r() & 0x80000000) | int(r, 1, 0x7fffff)) >>> 0;
const special = (r: Rand): number => pick(r, SPECIAL_BITS);

/** A binary32 bit pattern drawn for the given purpose. */
export function valueBits(r: Rand, mode: ValueMode): number {
  const u = r() / 4294967296;
  switch (mode) {
    case 'moderate':
      return moderate(r);
    case 'fold': // mostly finite, so long accumulations stay meaningful
      return u < 0.88 ? moderate(r) : u < 0.93 ? subnormal(r) : u < 0.96 ? wide(r) : special(r);
    case 'exp': // the interesting range of exp is [-104, 88.7]; beyond it exp saturates
      if (u < 0.6) return bitsOf(-110 + (r() / 4294967296) * 205);
      return u < 0.7 ? subnormal(r) : u < 0.85 ? moderate(r) : special(r);
    case 'log':
      if (u < 0.45) return (int(r, 1, 254) << 23 | (r() & 0x7fffff)) >>> 0; // positive normal
      if (u < 0.6) return int(r, 1, 0x7fffff); // positive subnormal
      if (u < 0.7) return bitsOf(1 + ((r() / 4294967296) - 0.5) / 8); // near 1: cancellation
      return u < 0.85 ? moderate(r) : special(r);
    case 'erf': // every range of the erf algorithm (REPOPS §15.5): tiny, [0, 0.84375), [0.84375, 1.25), ..., >= 4
      if (u < 0.55) return bitsOf((r() / 4294967296 - 0.5) * 10);
      if (u < 0.65) return ((r() & 0x80000000) | int(r, 1, 0x38ffffff)) >>> 0; // |x| < 2^-13 incl. subnormal
      return u < 0.85 ? moderate(r) : special(r);
    case 'ids': // token ids as binary32: mostly small integers (repeats), then the odd ones
      return u < 0.75 ? bitsOf(int(r, 0, 16)) : pick(r, ODD_IDS);
    case 'ties': // few distinct values: equal elements, ±0 and NaN inside windows and rows
      if (u < 0.7) return pick(r, [0x00000000, 0x80000000, 0x3f800000, 0x40000000, 0xbf800000, 0x40400000]);
      return u < 0.85 ? moderate(r) : special(r);
    default:
      return u < 0.6 ? moderate(r) : u < 0.72 ? wide(r) : u < 0.8 ? subnormal(r) : special(r);
  }
}

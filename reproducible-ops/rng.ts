// Counter-based RNG of REPOPS §5: pure 32-bit integer arithmetic, so every draw is a
// function of (seed, stream, step, index) and any step can be replayed on its own.

/** lowbias32 (Wellons): a bijective 32-bit mixer. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Key of one (seed, stream, step) triple; step may be -1 (initialisation). */
export function rngKey(seed: number, stream: number, step: number): number {
  return hash32((hash32((hash32(seed >>> 0) ^ (stream >>> 0)) >>> 0) ^ (step >>> 0)) >>> 0);
}

/** The draw at `index` under `key`. */
export function draw(key: number, index: number): number {
  return hash32(((hash32((key ^ (index >>> 0)) >>> 0) + key) >>> 0));
}

/** A draw as a float in [0, 1) with 24 random bits: exact in binary32. */
export function unit24(u: number): number {
  return (u >>> 8) * 5.9604644775390625e-8; // 2^-24, exact product
}

/** Stream ids reserved by the spec (layers use their node index + STREAM_NODE_BASE). */
export const STREAM_SHUFFLE = 0x53485546; // "SHUF"
export const STREAM_NODE_BASE = 0x10000;

/**
 * Bijection of [0, n) chosen by (seed, epoch): 4 rounds of xor/odd-multiply/xorshift
 * on ceil(log2 n) bits, cycle-walking until the value falls below n.
 */
export function permuteIndex(seed: number, epoch: number, i: number, n: number): number {
  if (n <= 1) return 0;
  const bits = 32 - Math.clz32(n - 1);
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  const shift = (bits + 1) >>> 1;
  const key = rngKey(seed, STREAM_SHUFFLE, epoch);
  const k = [draw(key, 0), draw(key, 1), draw(key, 2), draw(key, 3), draw(key, 4), draw(key, 5), draw(key, 6), draw(key, 7)];
  let x = i >>> 0;
  do {
    for (let r = 0; r < 4; r++) {
      x = ((x ^ k[2 * r]) & mask) >>> 0;
      x = (Math.imul(x, k[2 * r + 1] | 1) & mask) >>> 0;
      x = (x ^ (x >>> shift)) >>> 0;
    }
  } while (x >= n);
  return x;
}

/** The dataset row used at position b of the batch of step t (t counts from 0). */
export function sampleIndex(seed: number, step: number, batchSize: number, b: number, n: number): number {
  const g = step * batchSize + b;
  const epoch = Math.floor(g / n);
  return permuteIndex(seed, epoch, g - epoch * n, n);
}

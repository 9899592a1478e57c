// merkle.ts dataRoot with less per-hash overhead, for backends without native hashing
// (wasm): one-shot crypto.hash (Node >= 20.12) on views of the data instead of a Hash
// object per leaf and per tree node, and one NaN scan over the whole tensor. Same bytes
// hashed in the same tree, so the same root (hashing.test.ts compares them).
import * as crypto from 'node:crypto';
import { dataRoot } from '../merkle.ts';

const CHUNK = 256;
const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

function hasNaN(u: Uint32Array): boolean {
  for (let i = 0; i < u.length; i++) if ((u[i] & 0x7f800000) === 0x7f800000 && (u[i] & 0x7fffff) !== 0) return true;
  return false;
}

/** The data root of `data`; falls back to merkle.ts when NaNs need canonicalising or Node lacks crypto.hash. */
export function jsDataRoot(data: Float32Array): Buffer {
  const n = data.length;
  if (!oneShot || n < CHUNK || hasNaN(new Uint32Array(data.buffer, data.byteOffset, n))) return dataRoot(data);
  const chunks = Math.ceil(n / CHUNK);
  let width = 1;
  while (width < chunks) width *= 2;
  const level = Buffer.alloc(width * 32); // zero leaves pad the tree
  const bytes = new Uint8Array(data.buffer, data.byteOffset, n * 4);
  for (let c = 0; c < chunks; c++) {
    const from = c * CHUNK * 4;
    const leaf = from + CHUNK * 4 <= bytes.length ? bytes.subarray(from, from + CHUNK * 4) : padded(bytes.subarray(from));
    level.set(oneShot('sha256', leaf, 'buffer'), c * 32);
  }
  for (let w = width; w > 1; w /= 2)
    for (let i = 0; i < w / 2; i++) level.set(oneShot('sha256', level.subarray(64 * i, 64 * i + 64), 'buffer'), 32 * i);
  return Buffer.from(level.subarray(0, 32));
}

function padded(tail: Uint8Array): Uint8Array {
  const b = new Uint8Array(CHUNK * 4);
  b.set(tail);
  return b;
}

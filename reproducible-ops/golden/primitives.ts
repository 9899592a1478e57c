// A digest of the binary32 primitives over a strided sweep of bit patterns: a cheap golden
// value for the primitives alone (golden/primitives.json), also compared across ISAs.
import { createHash } from 'node:crypto';
import { f32bits } from '../f32.ts';

export const PRIMITIVES_STRIDE = 65521; // prime: visits every exponent and many mantissas
export const PRIMITIVES_OPS = ['add', 'sub', 'mul', 'div', 'max', 'sqrt', 'exp', 'log', 'sigmoid', 'tanh', 'neg', 'relu', 'gt'] as const;

/** sha256 over the u32 results (host byte order is irrelevant: written as little-endian) of
 * every primitive at u = 0, stride, 2*stride, ... with the second operand a scrambled u. */
export function primitivesDigest(stride = PRIMITIVES_STRIDE): string {
  const h = createHash('sha256');
  const out = Buffer.alloc(PRIMITIVES_OPS.length * 4);
  for (let u = 0; u <= 0xffffffff; u += stride) {
    const v = Math.imul(u, 0x9e3779b1) >>> 0;
    const r = PRIMITIVES_OPS.map((op) => (f32bits[op].length === 2 ? f32bits[op](u, v) : (f32bits[op] as (a: number) => number)(u)));
    r.forEach((x, i) => out.writeUInt32LE(x, 4 * i));
    h.update(out);
  }
  return h.digest('hex');
}

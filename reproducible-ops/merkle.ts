// Canonical encoding and SHA-256 Merkle commitments of REPOPS §6.
//   element   : binary32, little-endian, NaN canonicalised to 0x7FC00000
//   chunk     : 256 consecutive elements = 1024 bytes, the last one zero-padded
//   leaf      : sha256(chunk)
//   dataRoot  : binary Merkle tree over leaves, padded to a power of two with bytes32(0)
//               leaves; node = sha256(left || right); one leaf -> the leaf itself
//   tensorRoot: sha256(u32be rank || u32be dims... || dataRoot)
import { createHash } from 'node:crypto';
import type { Shape, Tensor } from './tensor.ts';

export const CHUNK_ELEMS = 256;
export const CHUNK_BYTES = CHUNK_ELEMS * 4;
export const ZERO32 = Buffer.alloc(32);

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function hashPair(a: Uint8Array, b: Uint8Array): Buffer {
  return sha256(a, b);
}

/** The canonical bytes of elements [from, from + CHUNK_ELEMS) with zero padding. */
export function chunkBytes(data: Float32Array, chunk: number): Buffer {
  const from = chunk * CHUNK_ELEMS;
  const to = Math.min(data.length, from + CHUNK_ELEMS);
  const buf = Buffer.alloc(CHUNK_BYTES);
  const view = new Float32Array(buf.buffer, buf.byteOffset, CHUNK_ELEMS);
  view.set(data.subarray(from, to));
  canonicalizeNaN(new Uint32Array(buf.buffer, buf.byteOffset, CHUNK_ELEMS), to - from);
  return buf;
}

function canonicalizeNaN(u: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = u[i];
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) u[i] = 0x7fc00000;
  }
}

export function numChunks(n: number): number {
  return Math.max(1, Math.ceil(n / CHUNK_ELEMS));
}

/** Leaf hashes of a tensor's data; full chunks are hashed in place without copying. */
export function leafHashes(data: Float32Array): Buffer[] {
  const n = numChunks(data.length);
  const leaves = new Array<Buffer>(n);
  const u = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let c = 0; c < n; c++) {
    const from = c * CHUNK_ELEMS;
    if (from + CHUNK_ELEMS <= data.length && !hasNaN(u, from, from + CHUNK_ELEMS)) {
      leaves[c] = sha256(new Uint8Array(data.buffer, data.byteOffset + from * 4, CHUNK_BYTES));
    } else {
      leaves[c] = sha256(chunkBytes(data, c));
    }
  }
  return leaves;
}

function hasNaN(u: Uint32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const x = u[i];
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return true;
  }
  return false;
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Levels of the padded tree, levels[0] = leaves (padded), last = [root]. */
export function merkleLevels(leaves: Uint8Array[]): Uint8Array[][] {
  const width = nextPow2(Math.max(1, leaves.length));
  let level: Uint8Array[] = leaves.slice();
  while (level.length < width) level.push(ZERO32);
  const levels = [level];
  while (level.length > 1) {
    const next: Uint8Array[] = new Array(level.length / 2);
    for (let i = 0; i < next.length; i++) next[i] = hashPair(level[2 * i], level[2 * i + 1]);
    levels.push(next);
    level = next;
  }
  return levels;
}

export function merkleRoot(leaves: Uint8Array[]): Buffer {
  return Buffer.from(merkleLevels(leaves).at(-1)![0]);
}

/** Sibling path of leaf i, bottom-up. */
export function merkleProof(levels: Uint8Array[][], i: number): Buffer[] {
  const path: Buffer[] = [];
  for (let l = 0; l < levels.length - 1; l++) {
    path.push(Buffer.from(levels[l][i ^ 1]));
    i >>= 1;
  }
  return path;
}

export function verifyProof(leaf: Uint8Array, i: number, path: Uint8Array[], root: Uint8Array): boolean {
  let h: Uint8Array = leaf;
  for (const sib of path) {
    h = i & 1 ? hashPair(sib, h) : hashPair(h, sib);
    i >>= 1;
  }
  return Buffer.from(h).equals(Buffer.from(root));
}

export function shapeHeader(shape: Shape): Buffer {
  const b = Buffer.alloc(4 + 4 * shape.length);
  b.writeUInt32BE(shape.length, 0);
  shape.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

export function dataRoot(data: Float32Array): Buffer {
  return merkleRoot(leafHashes(data));
}

export function tensorRootOf(shape: Shape, dRoot: Uint8Array): Buffer {
  return sha256(shapeHeader(shape), dRoot);
}

export function tensorRoot(t: Tensor): Buffer {
  return tensorRootOf(t.shape, dataRoot(t.data));
}

/** Everything needed to prove element e of a tensor against its tensor root. */
export interface ElementProof {
  chunkIndex: number;
  chunk: Buffer; // 1024 canonical bytes
  path: Buffer[]; // leaf -> dataRoot
}

export function elementProof(t: Tensor, e: number, levels = merkleLevels(leafHashes(t.data))): ElementProof {
  const c = Math.floor(e / CHUNK_ELEMS);
  return { chunkIndex: c, chunk: chunkBytes(t.data, c), path: merkleProof(levels, c) };
}

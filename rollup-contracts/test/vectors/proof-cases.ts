// Vectors for Rng.sol, TensorProofs.sol and NodeCodec.sol, computed by rng.ts, merkle.ts,
// program.ts and trace-acc.ts. All files are big-endian u32 words; bytes32 values are 8 words.
//   rng.bin     six sections, each `n` then records:
//               hash32 (x, r) | rngKey (seed, stream, step, r) | draw (key, index, r) |
//               unit24 (u, bits) | permuteIndex (seed, epoch, i, n, r) |
//               sampleIndex (seed, step, batchSize, b, n, r)   [step -1 written as 0xFFFFFFFF]
//   tensors.bin n, per tensor: [rank, dims...], dataRoot, tensorRoot, nLeaves, leaves...,
//               nProofs, per proof: chunkIndex, chunk (1024 bytes), depth, path...,
//               nElems, (offset, element bits)...
//   deep.bin    one chunk proof in a depth-18 tree: dataRoot, chunkIndex, chunk, 18 path hashes
//   merkle.bin  n, per list: nLeaves, leaves..., root
//   nodes.bin   n, per node: descriptor byte length, descriptor (padded to words), opId,
//               [inputs], [attrs], [shape], nodeHash
//   acc.bin     emptyAccRoot, nInsert, per: i, P_{i-1}, P_i, record, 16 path hashes;
//               nMember, per: i, through, P_through, record, 16 path hashes
import { draw, hash32, permuteIndex, rngKey, sampleIndex, unit24 } from '../../../reproducible-ops/rng.ts';
import { toBits } from '../../../reproducible-ops/f32.ts';
import { chunkBytes, CHUNK_ELEMS, leafHashes, merkleLevels, merkleProof, merkleRoot, sha256, tensorRootOf } from '../../../reproducible-ops/merkle.ts';
import { encodeNode, Graph, nodeHash, type Node } from '../../../reproducible-ops/program.ts';
import { encodeDims, OPS } from '../../../reproducible-ops/ops/table.ts';
import { numel, type Shape } from '../../../reproducible-ops/tensor.ts';
import { accPath, accRoots, emptyAccRoot, traceRecord } from '../../../reproducible-ops/trace-acc.ts';
import { int, mulberry32, pick, seedOf, valueBits, Words, type Rand } from './vec-writer.ts';

const rand32 = (r: Rand): Buffer => {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4) b.writeUInt32BE(r(), i);
  return b;
};

function rngVectors(): Buffer {
  const r = mulberry32(seedOf('rng'));
  const w = new Words();
  const section = (n: number, rec: () => number[]) => {
    w.u32(n);
    for (let i = 0; i < n; i++) for (const x of rec()) w.u32(x >>> 0);
  };
  const edge = (): number => pick(r, [0, 1, 0xffffffff, 0x80000000, 0x7fffffff, r(), r(), r()]);
  section(600, () => { const x = edge(); return [x, hash32(x)]; });
  section(300, () => { const [s, st, t] = [edge(), edge(), pick(r, [-1, 0, 1, int(r, 0, 1e6), r()])]; return [s, st, t, rngKey(s, st, t)]; });
  section(300, () => { const [k, i] = [edge(), edge()]; return [k, i, draw(k, i)]; });
  section(300, () => { const u = edge(); return [u, toBits(unit24(u))]; });
  const NS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 255, 256, 257, 1000, 1023, 1024, 1025, 60000, 60000, 65535, 65536, 65537,
    (1 << 24) + 1, 2 ** 31, 2 ** 31 + 1, 0xffffffff];
  const perms: number[][] = [];
  for (const n of NS) for (let j = 0; j < 12; j++) {
    const [s, ep, i] = [r(), pick(r, [0, 1, int(r, 0, 1000), 0xffffffff, r()]), n ? int(r, 0, n - 1) : 0];
    perms.push([s, ep, i, n, permuteIndex(s, ep, i, n)]);
  }
  section(perms.length, (() => { let j = 0; return () => perms[j++]; })());
  section(400, () => {
    const n = pick(r, [1, 2, 3, 17, 256, 257, 1000, 60000, 60000, int(r, 1, 1e6)]);
    const bs = pick(r, [1, 2, 32, 64, 100, 128, int(r, 1, 70000)]);
    const step = pick(r, [-1, -1, 0, 1, int(r, 0, 10000), int(r, 0, 1 << 22), 0xfffffffe]);
    const b = int(r, 0, bs - 1);
    const seed = r();
    return [seed, step, bs, b, n, sampleIndex(seed, step, bs, b, n)];
  });
  return w.toBuffer();
}

function randomData(r: Rand, n: number): Float32Array {
  const u = new Uint32Array(n);
  for (let i = 0; i < n; i++) u[i] = valueBits(r, 'mixed');
  return new Float32Array(u.buffer);
}

function writeChunkProof(w: Words, data: Float32Array, levels: Uint8Array[][], c: number, elems: number[]): void {
  const chunk = chunkBytes(data, c);
  const path = merkleProof(levels, c);
  w.u32(c).bytes(chunk).u32(path.length);
  for (const p of path) w.bytes(p);
  w.u32(elems.length);
  for (const off of elems) w.u32(off).u32(chunk.readUInt32LE(4 * off));
}

function tensorVectors(): Buffer {
  const r = mulberry32(seedOf('tensors'));
  const shapes: Shape[] = [[], [0], [1], [5], [255], [256], [257], [2, 0, 3], [511], [512], [513], [1024], [3, 256 + 17],
    [10, 784], [16387], [2, 3, 5, 7], [1, 1, 1, 1, 1], [4, 28, 28, 1], [100, 10]];
  const w = new Words().u32(shapes.length);
  for (const shape of shapes) {
    const data = randomData(r, numel(shape));
    const leaves = leafHashes(data);
    const levels = merkleLevels(leaves);
    const dRoot = Buffer.from(levels.at(-1)![0]);
    w.list(shape).bytes(dRoot).bytes(tensorRootOf(shape, dRoot)).u32(leaves.length);
    for (const l of leaves) w.bytes(l);
    const chunks = [...new Set([0, leaves.length - 1, int(r, 0, leaves.length - 1)])];
    w.u32(chunks.length);
    for (const c of chunks) {
      const inChunk = Math.max(0, Math.min(CHUNK_ELEMS, data.length - c * CHUNK_ELEMS));
      const elems = [...new Set([0, CHUNK_ELEMS - 1, int(r, 0, CHUNK_ELEMS - 1), inChunk ? inChunk - 1 : 0])];
      writeChunkProof(w, data, levels, c, elems);
    }
  }
  return w.toBuffer();
}

/** A chunk proof at depth 18 (2^17 + 1 leaves): the gas of the deepest realistic tensor proof. */
function deepVectors(): Buffer {
  const r = mulberry32(seedOf('deep'));
  const n = (1 << 17) + 1, c = int(r, 0, n - 1);
  const data = randomData(r, CHUNK_ELEMS);
  const leaves = Array.from({ length: n }, (_, i) => (i === c ? sha256(chunkBytes(data, 0)) : sha256(Buffer.from([i >>> 24, i >>> 16, i >>> 8, i]))));
  const levels = merkleLevels(leaves);
  const w = new Words().bytes(levels.at(-1)![0]).u32(c).bytes(chunkBytes(data, 0));
  for (const p of merkleProof(levels, c)) w.bytes(p);
  return w.toBuffer();
}

function merkleVectors(): Buffer {
  const r = mulberry32(seedOf('merkle'));
  const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65];
  const w = new Words().u32(sizes.length);
  for (const n of sizes) {
    const leaves = Array.from({ length: n }, () => (int(r, 0, 9) === 0 ? Buffer.alloc(32) : rand32(r)));
    w.u32(n);
    for (const l of leaves) w.bytes(l);
    w.bytes(merkleRoot(leaves));
  }
  return w.toBuffer();
}

/** Nodes of a small real training-like graph plus random descriptors of every op. */
function nodeList(r: Rand): Node[] {
  const g = new Graph();
  const ds = g.add('dataset', [], [0, ...Array.from({ length: 8 }, () => r()), ...encodeDims([60000, 784])]);
  const x = g.add('batch', [ds], [32]);
  const w1 = g.add('state', [], [0, 0, ...encodeDims([784, 10])]);
  const b1 = g.add('state', [], [0, 1, ...encodeDims([10])]);
  const y = g.add('add', [g.add('matmul', [x, w1], [0, 0]), b1]);
  const m = g.add('rowmax', [y], [1]);
  const z = g.add('exp', [g.add('sub', [y, m])]);
  g.add('log', [g.add('sum', [z], [1])]);
  g.add('copy', [g.add('addc', [w1], [toBits(Math.fround(-0.01))])], [0, 0]);
  g.add('rng_uniform', [], [0x10003, toBits(-0.05), toBits(0.1), ...encodeDims([3, 3, 1, 8])]);
  const nodes = [...g.nodes];
  const names = Object.keys(OPS);
  for (let i = 0; i < 40; i++) {
    const words = (max: number) => Array.from({ length: int(r, 0, max) }, () => pick(r, [0, 1, 0xffffffff, r(), int(r, 0, 100)]));
    nodes.push({ op: pick(r, names), inputs: words(4), attrs: words(20), shape: words(5) });
  }
  return nodes;
}

function nodeVectors(): Buffer {
  const nodes = nodeList(mulberry32(seedOf('nodes')));
  const w = new Words().u32(nodes.length);
  for (const n of nodes) {
    const desc = encodeNode(n);
    w.u32(desc.length).bytes(desc).u32(OPS[n.op].id).list(n.inputs).list(n.attrs.map((a) => a >>> 0)).list(n.shape).bytes(nodeHash(n));
  }
  return w.toBuffer();
}

function accVectors(): Buffer {
  const r = mulberry32(seedOf('acc'));
  const w = new Words().bytes(emptyAccRoot());
  const small = Array.from({ length: 37 }, () => traceRecord(rand32(r), rand32(r)));
  const full = Array.from({ length: 1 << 16 }, (_, i) => sha256(Buffer.from([i >>> 8, i & 255])));
  const sets: [Buffer[], number[]][] = [[small, [...small.keys()]], [full, [255, 256, 32767, 32768, 65534, 65535]]];
  const inserts: Buffer[][] = [], members: Buffer[][] = [];
  for (const [recs, idx] of sets) {
    const roots = accRoots(recs);
    for (const i of idx) inserts.push([u32w(i), i ? roots[i - 1] : emptyAccRoot(), roots[i], recs[i], ...accPath(recs, i)]);
    for (const [i, t] of [[0, idx.at(-1)!], [3, idx.at(-1)!], [idx.at(-1)!, idx.at(-1)!], [1, 20]] as const)
      members.push([u32w(i), u32w(t), roots[t], recs[i], ...accPath(recs, i, t)]);
  }
  for (const list of [inserts, members]) {
    w.u32(list.length);
    for (const rec of list) for (const part of rec) w.bytes(part);
  }
  return w.toBuffer();
}

const u32w = (x: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(x);
  return b;
};

/**
 * The proof vector files. `heavy: false` leaves out acc.bin and deep.bin, whose 65536-record
 * accumulator and 2^17-leaf tree take tens of seconds (the staleness test skips them).
 */
export function proofVectorFiles(opts: { heavy?: boolean } = {}): [string, Buffer][] {
  const files: [string, () => Buffer][] = [
    ['rng.bin', rngVectors],
    ['tensors.bin', tensorVectors],
    ['merkle.bin', merkleVectors],
    ['nodes.bin', nodeVectors],
  ];
  if (opts.heavy ?? true) files.push(['deep.bin', deepVectors], ['acc.bin', accVectors]);
  return files.map(([name, make]) => [name, make()]);
}

// The calldata of every dispute move, built from a party's recorded transition (transition.ts):
// Merkle paths in stepsRoot, the program trees, the depth-16 trace accumulator, state trees and
// tensor data trees, exactly in the layouts GameLib / OneStepProver check (docs/PROTOCOL.md).
// Struct arguments are plain objects keyed by the ABI's field names.
import type { Engine } from '../reproducible-ops/engine.ts';
import { CHUNK_ELEMS, chunkBytes, dataRoot, leafHashes, merkleLevels, merkleProof, merkleRoot, nextPow2, ZERO32 } from '../reproducible-ops/merkle.ts';
import { opDef, type Read } from '../reproducible-ops/ops/table.ts';
import { nodeHash, type Graph } from '../reproducible-ops/program.ts';
import { accPath } from '../reproducible-ops/trace-acc.ts';
import { accumulators, claimedFoldSequence, descriptors, elemCtx, type TransitionRun } from './transition.ts';

export const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const hexes = (bs: Uint8Array[]): string[] => bs.map(hex);

export const OP_STATE = 'state';
export const OP_COPY = 'copy';

export interface ChunkArg {
  index: number;
  data: string;
  path: string[];
}

/** Merkle levels of a tensor's data and of a program's node hashes, computed once per object. */
const dataLevels = new WeakMap<Float32Array, Uint8Array[][]>();
function levelsOfData(data: Float32Array): Uint8Array[][] {
  let l = dataLevels.get(data);
  if (!l) dataLevels.set(data, (l = merkleLevels(leafHashes(data))));
  return l;
}
const programLevels = new WeakMap<Graph, Uint8Array[][]>();
function levelsOfProgram(g: Graph): Uint8Array[][] {
  let l = programLevels.get(g);
  if (!l) programLevels.set(g, (l = merkleLevels(g.nodes.map(nodeHash))));
  return l;
}

/** Sibling path of leaf t among the committed state hashes H[0..T]. */
export function stepsPath(hashes: Buffer[], t: number): string[] {
  return hexes(merkleProof(merkleLevels(hashes), t));
}

/** The chunk of `data` holding element e, with its path to the data root. */
export function chunkArg(data: Float32Array, e: number): ChunkArg {
  const c = Math.floor(e / CHUNK_ELEMS);
  return { index: c, data: hex(chunkBytes(data, c)), path: hexes(merkleProof(levelsOfData(data), c)) };
}

export function programPath(g: Graph, i: number): string[] {
  return hexes(merkleProof(levelsOfProgram(g), i));
}

export function programRoots(eng: Engine): { programInitRoot: string; programStepRoot: string } {
  return { programInitRoot: hex(merkleRoot(eng.initProgram.nodes.map(nodeHash))), programStepRoot: hex(merkleRoot(eng.stepProgram.nodes.map(nodeHash))) };
}

function preRoots(run: TransitionRun): { preModelRoot: string; preOptRoot: string } {
  if (!run.pre) return { preModelRoot: hex(ZERO32), preOptRoot: hex(ZERO32) };
  return { preModelRoot: hex(merkleRoot(run.pre.modelSlots)), preOptRoot: hex(merkleRoot(run.pre.optSlots)) };
}

function postRoots(run: TransitionRun): { postModelRoot: string; postOptRoot: string } {
  return { postModelRoot: hex(merkleRoot(run.modelSlots)), postOptRoot: hex(merkleRoot(run.optSlots)) };
}

/** postTrace: n, P_{n-1}, the state and program roots, and the proofs pinning n and the copy tail. */
export function tracePostArgs(eng: Engine, run: TransitionRun): Record<string, unknown> {
  const g = run.program, n = g.nodes.length;
  const desc = descriptors(g);
  const last = g.nodes[n - 1];
  if (last.op !== OP_COPY) throw new Error(`transition ${run.j}: the program's last node is ${last.op}, not copy`);
  // the copy of the last model tensor sits S nodes before the end when the last copy is optimizer S-1
  const tail = last.attrs[0] === 1 ? n - 2 - last.attrs[1] : -1;
  return {
    n,
    finalAcc: hex(accumulators(run)[n - 1]),
    ...preRoots(run),
    ...postRoots(run),
    ...programRoots(eng),
    lastCopy: hex(desc[n - 1]),
    lastCopyPath: programPath(g, n - 1),
    endPath: n < nextPow2(n) ? programPath(g, n) : [],
    modelTailCopy: tail >= 0 ? hex(desc[tail]) : '0x',
    modelTailPath: tail >= 0 ? programPath(g, tail) : [],
  };
}

/** Index of the copy node writing post-state leaf (tree, index), or -1. */
export function copyNodeOf(g: Graph, tree: number, index: number): number {
  return g.nodes.findIndex((n) => n.op === OP_COPY && n.attrs[0] === tree && n.attrs[1] === index);
}

/** proveLink: the copy node's record under P_{n-1} and the leaf under the post-state tree. */
export function linkProofArgs(run: TransitionRun, tree: number, index: number): Record<string, unknown> {
  const g = run.program, n = g.nodes.length;
  const slots = tree === 0 ? run.modelSlots : run.optSlots;
  const slotPath = hexes(merkleProof(merkleLevels(slots), index));
  const none = { node: 0, descriptor: '0x', outRoot: hex(ZERO32), recordPath: [], programPath: [] };
  if (index >= slots.length) return { ...none, ...postRoots(run), slotPath };
  const node = copyNodeOf(g, tree, index);
  return {
    node,
    descriptor: hex(descriptors(g)[node]),
    outRoot: hex(run.outRoots[node]),
    recordPath: hexes(accPath(run.records, node, n - 1)),
    programPath: programPath(g, node),
    ...postRoots(run),
    slotPath,
  };
}

/** revealRecord: record i, its insertion proof, its program leaf and (state ops) its pre-state slot. */
export function recordRevealArgs(run: TransitionRun, i: number): Record<string, unknown> {
  const g = run.program, node = g.nodes[i];
  let slotPath: string[] = [];
  if (node.op === OP_STATE && run.pre) {
    const slots = node.attrs[0] === 0 ? run.pre.modelSlots : run.pre.optSlots;
    slotPath = hexes(merkleProof(merkleLevels(slots), node.attrs[1]));
  }
  return {
    descriptor: hex(descriptors(g)[i]),
    outRoot: hex(run.outRoots[i]),
    dataRoot: hex(dataRoot(run.outputs[i])),
    accPath: hexes(accPath(run.records, i)),
    programPath: programPath(g, i),
    ...preRoots(run),
    slotPath,
  };
}

/** The node's and its inputs' descriptors with program proofs (postFold, oneStep). */
export function nodeContextArgs(run: TransitionRun, i: number): Record<string, unknown> {
  const g = run.program, desc = descriptors(g), inputs = g.nodes[i].inputs;
  return { descriptor: hex(desc[i]), inputDescriptors: inputs.map((x) => hex(desc[x])), inputProgramPaths: inputs.map((x) => programPath(g, x)) };
}

/** The reads of element e (map op) or of accumulation step k of element e (fold op). */
export function readsOf(eng: Engine, run: TransitionRun, i: number, e: number, k: number | null): Read[] {
  const sem = opDef(run.program.nodes[i].op).sem;
  const ctx = elemCtx(eng, run, i);
  if (sem.kind === 'map') return sem.reads(e, ctx);
  if (sem.kind === 'fold') return sem.reads(e, k ?? 0, ctx);
  throw new Error(`node ${i} (${run.program.nodes[i].op}) is a source: it has no element reads`);
}

/** oneStep: every input's record under P_{i-1} and the chunks holding every value the op reads. */
export function oneStepArgs(eng: Engine, run: TransitionRun, i: number, e: number, k: number | null): unknown[] {
  const inputs = run.program.nodes[i].inputs;
  const openings = inputs.map((x) => ({ outRoot: hex(run.outRoots[x]), dataRoot: hex(dataRoot(run.outputs[x])), recordPath: hexes(accPath(run.records, x, i - 1)) }));
  const seen = new Set<string>();
  const chunks: { input: number; chunk: ChunkArg }[] = [];
  for (const [slot, index] of readsOf(eng, run, i, e, k)) {
    const key = `${slot}:${Math.floor(index / CHUNK_ELEMS)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    chunks.push({ input: slot, chunk: chunkArg(run.outputs[inputs[slot]], index) });
  }
  return [nodeContextArgs(run, i), openings, chunks];
}

/** postFold: the node context, the data root of acc_0..acc_K and the chunks of acc_0 and acc_K. */
export function postFoldArgs(eng: Engine, run: TransitionRun, i: number, e: number): { args: unknown[]; seq: Float32Array } {
  const seq = claimedFoldSequence(eng, run, i, e);
  return { seq, args: [nodeContextArgs(run, i), hex(dataRoot(seq)), chunkArg(seq, 0), chunkArg(seq, seq.length - 1)] };
}

/** openAcc: acc_k from its chunk, acc_{k+1} from the same chunk or the next one. */
export function openAccArgs(seq: Float32Array, k: number): unknown[] {
  return [chunkArg(seq, k), chunkArg(seq, k + 1)];
}

// One state transition recorded the way a dispute needs it (docs/PROTOCOL.md): for transition j
// (j = 0: the init program with step word -1; j >= 1: the step program with step word j - 1) the
// output tensor of every node, its tensor root and trace record, the post-state tensors with
// their slot roots, and H[j]. Moved here from the fixture recorder
// (rollup-contracts/test/fixtures/dispute-run.ts), which now builds on it.
//
// A party's view of a transition is the honest program run with optional twists, so a lying
// party stays consistent with its lie: `transform` rewrites node outputs (a flipped bit, another
// batch), `runner` executes kernels with another engine of the same structure (a scaled learning
// rate), `postTransform` rewrites the post-state. Records always use the job's own program
// descriptors: a party can only lie about values, never about the program.
import { Engine, INIT_STEP, type NodeTransform } from '../reproducible-ops/engine.ts';
import { dataRoot, merkleRoot, sha256, tensorRootOf } from '../reproducible-ops/merkle.ts';
import { foldSequence, opDef, type ElemCtx } from '../reproducible-ops/ops/table.ts';
import { encodeNode, nodeHash, type Graph } from '../reproducible-ops/program.ts';
import { accRoots } from '../reproducible-ops/trace-acc.ts';

export interface TransitionRun {
  j: number;
  step: number; // step word the program ran with (INIT_STEP for j = 0)
  program: Graph; // the job's program of transition j (descriptors, shapes)
  outputs: Float32Array[]; // per node
  outRoots: Buffer[]; // per node
  records: Buffer[]; // per node: sha256(nodeHash || outRoot)
  pre: { modelSlots: Buffer[]; optSlots: Buffer[] } | null; // slot roots of H[j-1] (null for j = 0)
  post: Float32Array[]; // post-state tensors, slot order (model, then optimizer)
  modelSlots: Buffer[]; // tensor roots of the post-state model tensors
  optSlots: Buffer[];
  stateHash: Buffer; // H[j]
}

export interface TransitionOptions {
  /** Executes the kernels (default: the job's engine); must have the same program structure. */
  runner?: Engine;
  transform?: NodeTransform;
  postTransform?: (post: Float32Array[]) => Float32Array[];
}

export function programOf(eng: Engine, j: number): Graph {
  return j === 0 ? eng.initProgram : eng.stepProgram;
}

export function stepWordOf(j: number): number {
  return j === 0 ? INIT_STEP : j - 1;
}

export function descriptors(g: Graph): Buffer[] {
  return g.nodes.map(encodeNode);
}

/** H[t] = sha256(specHash || u64be t || modelRoot || optRoot). */
export function stateHashOf(eng: Engine, t: number, modelSlots: Buffer[], optSlots: Buffer[]): Buffer {
  const tb = Buffer.alloc(8);
  tb.writeBigUInt64BE(BigInt(t));
  return sha256(eng.setup.specHash, tb, merkleRoot(modelSlots), merkleRoot(optSlots));
}

/** Tensor roots of state tensors in slot order, split into the model and optimizer trees. */
export function slotRoots(eng: Engine, tensors: Float32Array[]): { modelSlots: Buffer[]; optSlots: Buffer[] } {
  const roots = tensors.map((d, s) => tensorRootOf(eng.slotShapes[s], dataRoot(d)));
  return { modelSlots: roots.slice(0, eng.params.length), optSlots: roots.slice(eng.params.length) };
}

/** Run transition j on `pre` (null for j = 0) and record every node. */
export function runTransition(eng: Engine, j: number, pre: Float32Array[] | null, o: TransitionOptions = {}): TransitionRun {
  if (j > 0 && !pre) throw new Error(`transition ${j}: the step program needs the pre-state H[${j - 1}]`);
  const program = programOf(eng, j);
  const runner = o.runner ?? eng;
  const ran = programOf(runner, j);
  if (ran.nodes.length !== program.nodes.length) throw new Error(`transition ${j}: the runner's program has ${ran.nodes.length} nodes, the job's ${program.nodes.length}`);
  const step = stepWordOf(j);
  const outputs: Float32Array[] = new Array(program.nodes.length);
  const { outs } = runner.run(ran, step, j === 0 ? null : pre, (i, _n, out) => void (outputs[i] = out), [], o.transform);
  const post = o.postTransform ? o.postTransform(outs) : outs;
  const outRoots = outputs.map((d, i) => tensorRootOf(program.nodes[i].shape, dataRoot(d)));
  const records = program.nodes.map((n, i) => sha256(nodeHash(n), outRoots[i]));
  const { modelSlots, optSlots } = slotRoots(eng, post);
  const preSlots = j === 0 ? null : slotRoots(eng, pre!);
  return { j, step, program, outputs, outRoots, records, pre: preSlots, post, modelSlots, optSlots, stateHash: stateHashOf(eng, j, modelSlots, optSlots) };
}

/** P_0 .. P_{n-1} of a recorded transition (computed once per run and cached). */
const accCache = new WeakMap<TransitionRun, Buffer[]>();
export function accumulators(run: TransitionRun): Buffer[] {
  let acc = accCache.get(run);
  if (!acc) accCache.set(run, (acc = accRoots(run.records)));
  return acc;
}

/** The element semantics context of node i of the run's program. */
export function elemCtx(eng: Engine, run: TransitionRun, i: number): ElemCtx {
  const n = run.program.nodes[i];
  return { inShapes: n.inputs.map((x) => run.program.nodes[x].shape), outShape: n.shape, attrs: n.attrs, seed: eng.setup.seed, step: run.step };
}

/**
 * The accumulator sequence acc_0..acc_K of element e of fold node i, as the party claims it: the
 * sequence its inputs give, ending in the value its output holds (a party whose output was
 * corrupted after the fold keeps every step but the last honest, and the game must find that one).
 */
export function claimedFoldSequence(eng: Engine, run: TransitionRun, i: number, e: number): Float32Array {
  const n = run.program.nodes[i];
  const seq = Float32Array.from(foldSequence(opDef(n.op), e, elemCtx(eng, run, i), n.inputs.map((x) => run.outputs[x])));
  seq[seq.length - 1] = run.outputs[i][e];
  return seq;
}

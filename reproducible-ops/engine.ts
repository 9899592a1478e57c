// Training engine: builds the init and step programs of a job (a classifier or a language-model
// task, task.ts), runs them on a backend, hashes states and records op traces (docs/REPOPS.md §7, §11).
import { backward } from './autograd.ts';
import { LiveBuffers } from './backend/buffer-pool.ts';
import { referenceBackend, runKernel, type Backend } from './backend/reference.ts';
import type { GptConfig } from './gpt.ts';
import { forward, initParam, type ModelSpec, type ParamSpec } from './layers.ts';
import { merkleRoot, sha256, tensorRoot, tensorRootOf, dataRoot } from './merkle.ts';
import { fusionPlan } from './fusion.ts';
import { encodeDims } from './ops/table.ts';
import { checkProgramOpset } from './opset.ts';
import { applyOptimizer, optimizerSlots, type OptimizerSpec, type SlotSpec } from './optim.ts';
import { Graph, lastUse, nodeHash, type Node } from './program.ts';
import { classifierTask, lmTask, type Task } from './task.ts';
import { numel, type Shape, type Tensor } from './tensor.ts';

/** A classifier job: a layer model over {x, y} tensors, batches by the shuffled `batch` op. */
export interface TrainSetup {
  specHash: Buffer; // 32 bytes: binds every state hash to its job
  model: ModelSpec;
  optimizer: OptimizerSpec;
  batchSize: number;
  seed: number; // u32
  train: { x: Tensor; y: Tensor }; // x [N, ...inputShape], y one-hot [N, classes]
  opsetVersion?: string; // when set, the programs may use only this op set's ops
}

/** A language-model job: a GPT over a token stream, batches by `token_windows` (REPOPS §15.11). */
export interface LmSetup {
  specHash: Buffer;
  model: { gpt: GptConfig };
  optimizer: OptimizerSpec;
  batchSize: number; // windows per step
  seed: number;
  tokens: Tensor; // the train split's token ids [N] as binary32 integers, N > blockSize
  opsetVersion?: string;
}

export type EngineSetup = TrainSetup | LmSetup;

export function isLmSetup(s: EngineSetup): s is LmSetup {
  return 'tokens' in s;
}

export interface TrainState {
  step: number; // number of training steps applied
  tensors: Float32Array[]; // slot order: params, then optimizer slots
}

export interface TraceRecord {
  index: number;
  op: string;
  inputs: number[];
  attrs: number[];
  shape: Shape;
  root: string; // hex tensor root of the output
}

export const INIT_STEP = -1;

/** Replaces node i's output (see Engine.run); `step` is the step word the program runs with. */
export type NodeTransform = (i: number, n: Node, out: Float32Array, step: number) => Float32Array;

export class Engine {
  readonly params: ParamSpec[];
  readonly slots: SlotSpec[];
  readonly initProgram: Graph;
  readonly stepProgram: Graph;
  readonly lossNode: number;
  readonly task: Task;
  private readonly datasetRoots: Buffer[];

  constructor(readonly setup: EngineSetup, readonly backend: Backend = referenceBackend) {
    this.task = isLmSetup(setup) ? lmTask(setup) : classifierTask(setup);
    this.params = this.task.params;
    this.slots = optimizerSlots(setup.optimizer, this.params);
    this.datasetRoots = this.task.sources.map((s) => tensorRoot(s.tensor));
    this.initProgram = this.buildInit();
    const { graph, loss } = this.buildStep();
    this.stepProgram = graph;
    this.lossNode = loss;
    if (setup.opsetVersion) checkProgramOpset(setup.opsetVersion, [...this.initProgram.nodes, ...graph.nodes].map((n) => n.op));
  }

  get slotShapes(): Shape[] {
    return [...this.params.map((p) => p.shape), ...this.slots.map((s) => s.shape)];
  }

  private buildInit(): Graph {
    const g = new Graph();
    const outs = this.params.map((p, i) => initParam(g, p, i));
    for (const s of this.slots) outs.push(g.fill(s.shape, s.init, `init ${s.name}`));
    outs.forEach((n, slot) => g.add('copy', [n], this.slotAddress(slot)));
    return g;
  }

  private buildStep(): { graph: Graph; loss: number } {
    const g = new Graph();
    const shapes = this.slotShapes;
    const state = shapes.map((s, slot) => g.add('state', [], [...this.slotAddress(slot), ...encodeDims(s)], this.slotName(slot)));
    const P = this.params.length;
    const ds = this.task.sources.map((src, i) => {
      const words = [...Array(8).keys()].map((w) => this.datasetRoots[i].readUInt32BE(4 * w));
      return g.add('dataset', [], [src.kind, ...words, ...encodeDims(src.tensor.shape)], src.label);
    });
    const loss = this.task.loss(g, ds, state.slice(0, P));
    const grads = backward(g, loss, state.slice(0, P));
    const upd = applyOptimizer(g, this.setup.optimizer, state.slice(0, P), grads, state.slice(P));
    [...upd.params, ...upd.slots].forEach((n, slot) => g.add('copy', [n], this.slotAddress(slot)));
    return { graph: g, loss };
  }

  /** [tree, index] of a state slot: tree 0 = model parameters, tree 1 = optimizer state. */
  slotAddress(slot: number): [number, number] {
    const P = this.params.length;
    return slot < P ? [0, slot] : [1, slot - P];
  }

  slotName(slot: number): string {
    return slot < this.params.length ? this.params[slot].name : this.slots[slot - this.params.length].name;
  }

  /**
   * Run a program; `onNode` sees every output (for tracing). `transform`, when given, may
   * replace a node's output before anything else sees it (adversarial tests: a tampering
   * solver); it must not mutate `out`, which can alias an input or the state.
   */
  run(g: Graph, step: number, state: Float32Array[] | null, onNode?: (i: number, n: Node, out: Float32Array) => void, want: number[] = [], transform?: NodeTransform): { outs: Float32Array[]; wanted: Float32Array[] } {
    const vals: (Float32Array | null)[] = new Array(g.nodes.length).fill(null);
    // Elementwise chains run fused on backends that can (fusion.ts); tracing and tampering
    // need every node's own output, so they run node by node.
    const plan = this.backend.fused && !onNode && !transform ? fusionPlan(g, want) : null;
    const last = plan ? plan.last : lastUse(g.nodes);
    const keep = new Set<number>(want);
    // Dead values go back to a backend that recycles its output buffers (not while tracing)
    const live = this.backend.release && !onNode ? new LiveBuffers(this.backend.release, new Set([...(state ?? []), ...this.task.sources.map((s) => s.tensor.data)])) : null;
    for (let i = 0; i < g.nodes.length; i++) {
      if (plan?.skipped[i]) continue; // computed inside its group's fused call
      const n = g.nodes[i];
      const group = plan?.groups.get(i);
      let out: Float32Array;
      if (n.op === 'state') out = state![n.attrs[0] === 0 ? n.attrs[1] : this.params.length + n.attrs[1]];
      else if (n.op === 'dataset') out = this.datasetData(n.attrs[0]);
      else if (group) out = this.backend.fused!({ count: group.count, steps: group.steps, inputs: group.inputs.map((x) => vals[x]!), scalarBits: group.scalars.map((x) => new Uint32Array(vals[x]!.buffer, vals[x]!.byteOffset, 1)[0]) });
      else
        out = runKernel(this.backend, n.op, {
          inputs: n.inputs.map((x) => vals[x]!),
          inShapes: n.inputs.map((x) => g.nodes[x].shape),
          outShape: n.shape,
          attrs: n.attrs,
          seed: this.setup.seed,
          step,
        });
      if (transform) out = transform(i, n, out, step);
      vals[i] = out;
      live?.hold(out);
      onNode?.(i, n, out);
      if (!onNode)
        for (const x of plan ? plan.inputsOf(i) : n.inputs)
          if (last[x] === i && !keep.has(x) && g.nodes[x].op !== 'copy') {
            live?.drop(vals[x]);
            vals[x] = null;
          }
    }
    return { outs: g.nodes.flatMap((n, i) => (n.op === 'copy' ? [vals[i]!] : [])), wanted: want.map((i) => vals[i]!) };
  }

  init(): TrainState {
    return { step: 0, tensors: this.run(this.initProgram, INIT_STEP, null).outs };
  }

  /** Apply training step number `state.step` (0-based); returns the new state and the loss. */
  step(state: TrainState, transform?: NodeTransform): { state: TrainState; loss: number } {
    const { outs, wanted } = this.run(this.stepProgram, state.step, state.tensors, undefined, [this.lossNode], transform);
    return { state: { step: state.step + 1, tensors: outs }, loss: wanted[0][0] };
  }

  /**
   * Hand the buffers of `old`, a state the caller will never read again, back to the backend
   * for reuse (only speed changes: a GPT step's ~10 MB of fresh state buffers otherwise
   * page-fault in on every step, which cost more than the step's arithmetic here). Buffers
   * `next` still holds (an unchanged slot aliases its input) and dataset tensors stay.
   */
  retire(old: TrainState, next: TrainState): void {
    if (!this.backend.release) return;
    const keep = new Set([...next.tensors, ...this.task.sources.map((s) => s.tensor.data)]);
    for (const t of new Set(old.tensors)) if (!keep.has(t)) this.backend.release(t);
  }

  /** The ordered op trace of one step (or of initialisation when state.step === INIT_STEP). */
  trace(state: TrainState | null, transform?: NodeTransform): TraceRecord[] {
    const g = state ? this.stepProgram : this.initProgram;
    const step = state ? state.step : INIT_STEP;
    const recs: TraceRecord[] = [];
    this.run(g, step, state?.tensors ?? null, (i, n, out) => {
      recs.push({ index: i, op: n.op, inputs: n.inputs, attrs: n.attrs, shape: n.shape, root: tensorRootOf(n.shape, dataRoot(out)).toString('hex') });
    }, [], transform);
    return recs;
  }

  /** The tensor of the task's dataset of `kind` (REPOPS §4.1 dataset). */
  datasetData(kind: number): Float32Array {
    const src = this.task.sources.find((s) => s.kind === kind);
    if (!src) throw new Error(`dataset kind ${kind} is not a source of this task`);
    return src.tensor.data;
  }

  /** merkle.ts dataRoot, through the backend's faster implementation when it has one. */
  private dataRoot(d: Float32Array): Buffer {
    return this.backend.dataRoot ? this.backend.dataRoot(d) : dataRoot(d);
  }

  /** State hash: sha256(specHash || u64 step || modelRoot || optRoot). */
  stateHash(state: TrainState): Buffer {
    return this.stateHashOf(state, state.tensors.map((d) => this.dataRoot(d)));
  }

  /**
   * The same hash, computed off the main thread when the backend can (else synchronously),
   * so a solver can hash state t while step t+1 runs. The state's tensors must not be
   * written until the promise settles; the engine never writes them.
   */
  async stateHashAsync(state: TrainState): Promise<Buffer> {
    if (!this.backend.dataRootsAsync) return this.stateHash(state);
    return this.stateHashOf(state, await this.backend.dataRootsAsync(state.tensors));
  }

  private stateHashOf(state: TrainState, dataRoots: Buffer[]): Buffer {
    const roots = dataRoots.map((r, slot) => tensorRootOf(this.slotShapes[slot], r));
    const P = this.params.length;
    const step = Buffer.alloc(8);
    step.writeBigUInt64BE(BigInt(state.step));
    return sha256(this.setup.specHash, step, merkleRoot(roots.slice(0, P)), merkleRoot(roots.slice(P)));
  }

  /** Model hash: the Merkle root over the parameter tensor roots (the modelRoot of the state). */
  modelHash(state: TrainState): Buffer {
    return merkleRoot(state.tensors.slice(0, this.params.length).map((d, i) => tensorRootOf(this.params[i].shape, this.dataRoot(d))));
  }

  programRoot(): Buffer {
    return sha256(merkleRoot(this.initProgram.nodes.map(nodeHash)), merkleRoot(this.stepProgram.nodes.map(nodeHash)));
  }

  /** Logits for a batch of inputs (inference mode: no dropout); classifier jobs only (GPT: lm-eval.ts). */
  predict(params: Float32Array[], x: Tensor): Float32Array {
    if (isLmSetup(this.setup)) throw new Error('predict: this is a language-model job; use predictLogits (reproducible-ops/lm-eval.ts)');
    const g = new Graph();
    const ps = this.params.map((p, i) => g.add('state', [], [0, i, ...encodeDims(p.shape)]));
    const xi = g.add('state', [], [0, ps.length, ...encodeDims(x.shape)]);
    const logits = forward(g, this.setup.model, xi, ps, { training: false, dropoutStreamBase: 0 });
    g.add('copy', [logits], [0, 0]);
    return this.run(g, 0, [...params, x.data]).outs[0];
  }
}

export function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(logits.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}

export { numel };

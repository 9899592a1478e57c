// A nanoGPT training step as a table-op graph built from docs/REPOPS.md §15.8's compositions
// (bench only): token + position embeddings, pre-LayerNorm blocks (causal multi-head
// attention, 4x GELU MLP), final LayerNorm, tied LM head, cross-entropy, backward and an
// Adam update. It gives the bench an op graph of the shakespeare-char model's shapes to time
// per op and to count FLOPs from; bench/gpt.ts prefers the engine's own GPT when present.
import { backward } from '../reproducible-ops/autograd.ts';
import { encodeDims } from '../reproducible-ops/ops/table.ts';
import { applyOptimizer } from '../reproducible-ops/optim.ts';
import { Graph, lastUse, type Node } from '../reproducible-ops/program.ts';
import { LiveBuffers } from '../reproducible-ops/backend/buffer-pool.ts';
import { runKernel, type Backend } from '../reproducible-ops/backend/reference.ts';
import { numel } from '../reproducible-ops/tensor.ts';

export interface GptShape {
  vocab: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  batch: number;
}

export const SHAKESPEARE_CHAR: GptShape = { vocab: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, batch: 12 };

const NEG_INF_BITS = 0xff800000;

function softmaxLast(g: Graph, x: number): number {
  const last = g.shape(x).length - 1;
  const e = g.add('exp', [g.add('sub', [x, g.add('rowmax', [x], [last])])]);
  return g.add('div', [e, g.add('sum', [e], [last])]);
}

function layerNorm(g: Graph, x: number, w: number, C: number): number {
  const last = g.shape(x).length - 1;
  const xc = g.add('sub', [x, g.scale(g.add('sum', [x], [last]), 1 / C)]);
  const variance = g.scale(g.add('sum', [g.add('mul', [xc, xc])], [last]), 1 / C);
  const rstd = g.add('div', [g.fill([1], 1), g.add('sqrt', [g.addc(variance, 1e-5)])]);
  return g.add('mul', [g.add('mul', [xc, rstd]), w]);
}

const linear = (g: Graph, x: number, w: number) => g.add('matmul', [x, w], [0, 1]); // nn.Linear: x W^T

export interface GptGraph {
  graph: Graph;
  /** Inputs of the step: parameters, optimizer slots, then ids and targets (as 'state' nodes). */
  inputs: { node: number; shape: readonly number[]; init: 'param' | 'ones' | 'zeros' | 'one' | 'ids' }[];
  loss: number;
}

export function buildGptStep(s: GptShape): GptGraph {
  const g = new Graph();
  const { vocab: V, blockSize: T, nLayer: L, nHead: H, nEmbd: C, batch: B } = s;
  const hs = C / H;
  const inputs: GptGraph['inputs'] = [];
  const input = (shape: readonly number[], init: GptGraph['inputs'][number]['init']) => {
    const node = g.add('state', [], [init === 'ids' ? 1 : 0, inputs.length, ...encodeDims(shape)]);
    inputs.push({ node, shape, init });
    return node;
  };
  const wte = input([V, C], 'param'), wpe = input([T, C], 'param');
  const blocks = Array.from({ length: L }, () => ({
    ln1: input([C], 'ones'), q: input([C, C], 'param'), k: input([C, C], 'param'), v: input([C, C], 'param'), proj: input([C, C], 'param'),
    ln2: input([C], 'ones'), fc: input([4 * C, C], 'param'), fcProj: input([C, 4 * C], 'param'),
  }));
  const lnf = input([C], 'ones');
  const params = [wte, wpe, ...blocks.flatMap((b) => [b.ln1, b.q, b.k, b.v, b.proj, b.ln2, b.fc, b.fcProj]), lnf];
  const ids = input([B, T], 'ids'), targets = input([B * T], 'ids');
  let x = g.reshape(g.add('add', [g.add('gather_rows', [wte, ids]), wpe]), [B * T, C]);
  const heads = (y: number) => g.add('permute', [g.reshape(y, [B, T, H, hs])], encodeDims([0, 2, 1, 3]));
  for (const b of blocks) {
    const h = layerNorm(g, x, b.ln1, C);
    const [q, k, v] = [b.q, b.k, b.v].map((w) => heads(linear(g, h, w)));
    const att = g.add('causal_fill', [g.scale(g.add('bmm', [q, k], [0, 1]), 1 / Math.sqrt(hs))], [NEG_INF_BITS]);
    const y = g.reshape(g.add('permute', [g.add('bmm', [softmaxLast(g, att), v], [0, 0])], encodeDims([0, 2, 1, 3])), [B * T, C]);
    x = g.add('add', [x, linear(g, y, b.proj)]);
    const m = linear(g, layerNorm(g, x, b.ln2, C), b.fc);
    const gelu = g.add('mul', [g.scale(m, 0.5), g.addc(g.add('erf', [g.scale(m, Math.SQRT1_2)]), 1)]);
    x = g.add('add', [x, linear(g, gelu, b.fcProj)]);
  }
  const logits = linear(g, layerNorm(g, x, lnf, C), wte);
  const sh = g.add('sub', [logits, g.add('rowmax', [logits], [1])]);
  const lse = g.add('log', [g.add('sum', [g.add('exp', [sh])], [1])]);
  const nll = g.add('mul', [g.add('onehot', [targets], [V]), g.add('sub', [lse, sh])]);
  const loss = g.scale(g.reshape(g.add('sum', [g.add('sum', [nll], [1])], [0]), [1]), 1 / (B * T));
  const grads = backward(g, loss, params);
  const slots = [input([1], 'one'), input([1], 'one'), ...params.map((p) => input(g.shape(p), 'zeros')), ...params.map((p) => input(g.shape(p), 'zeros'))];
  const upd = applyOptimizer(g, { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8 }, params, grads, slots);
  [...upd.params, ...upd.slots].forEach((n, i) => g.add('copy', [n], [0, i]));
  return { graph: g, inputs, loss };
}

/** FLOPs of one run of the graph: 2·M·K·N per (b)mm, one per output element of other compute ops. */
export function graphFlops(g: Graph): number {
  let total = 0;
  for (const n of g.nodes) {
    if (n.op === 'matmul' || n.op === 'bmm') {
      const a = g.nodes[n.inputs[0]].shape, r = a.length;
      total += 2 * numel(n.shape) * (n.attrs[0] ? a[r - 2] : a[r - 1]);
    } else if (!['state', 'reshape', 'copy', 'fill', 'permute', 'expand', 'gather_rows', 'onehot', 'causal_fill'].includes(n.op)) total += numel(n.shape);
  }
  return total;
}

/** Deterministic input values (small normal-ish params, valid ids). */
export function gptInputs(gg: GptGraph, vocab: number): Float32Array[] {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return gg.inputs.map(({ shape, init }) => {
    const a = new Float32Array(numel(shape));
    if (init === 'param') for (let i = 0; i < a.length; i++) a[i] = Math.fround((rnd() - 0.5) * 0.07);
    else if (init === 'ones' || init === 'one') a.fill(1);
    else if (init === 'ids') for (let i = 0; i < a.length; i++) a[i] = Math.floor(rnd() * vocab);
    return a;
  });
}

/** Run the graph once; `perOp` (when given) accumulates milliseconds per op name. */
export function runGraph(gg: GptGraph, backend: Backend, inputs: Float32Array[], step: number, perOp?: Map<string, number>): Float32Array[] {
  const g = gg.graph, nodes: Node[] = g.nodes;
  const vals: (Float32Array | null)[] = new Array(nodes.length).fill(null);
  const last = lastUse(nodes);
  const inputOf = new Map(gg.inputs.map((x, i) => [x.node, inputs[i]]));
  const outs: Float32Array[] = [];
  const live = backend.release ? new LiveBuffers(backend.release, new Set(inputs)) : null;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.op === 'state') vals[i] = inputOf.get(i)!;
    else {
      const t0 = perOp ? performance.now() : 0;
      vals[i] = runKernel(backend, n.op, { inputs: n.inputs.map((x) => vals[x]!), inShapes: n.inputs.map((x) => nodes[x].shape), outShape: n.shape, attrs: n.attrs, seed: 1, step });
      if (perOp) {
        const key = `${n.op}${n.op === 'matmul' || n.op === 'bmm' ? ` ${n.attrs.join('')}` : ''}`;
        perOp.set(key, (perOp.get(key) ?? 0) + performance.now() - t0);
      }
      if (n.op === 'copy') outs.push(vals[i]!);
    }
    live?.hold(vals[i]!);
    for (const x of n.inputs)
      if (last[x] === i && nodes[x].op !== 'copy') {
        live?.drop(vals[x]);
        vals[x] = null;
      }
  }
  return outs;
}

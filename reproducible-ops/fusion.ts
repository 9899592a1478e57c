// Elementwise fusion: an execution plan for a program on a backend that runs chains of
// elementwise ops in one pass (Backend.fused; native/src/k_fused.inc). A GPT step has ~960
// elementwise nodes (GELU, LayerNorm, softmax, AdamW chains); run one by one, each reads and
// writes whole tensors, so the step spends its time moving memory, and a second thread
// gains little. A fused chain keeps its intermediates in a small per-thread buffer, and
// computes cheap values that several chains read (scale, addc, neg) again in each of them
// instead of storing them.
// Fusion changes only how the nodes are executed, never a value: each fused step applies its
// op's own elementwise function to each element, as the unfused kernel does. The program, its
// op trace and the dispute game see every node as before (tracing runs unfused).
import type { FusedOperand, FusedStep } from './backend/kernel.ts';
import { FUSION_LIMITS } from './backend/kernel.ts';
import type { Graph, Node } from './program.ts';
import { numel } from './tensor.ts';

/** Elementwise table ops with a fused form (k_fused.inc codes: binary, unary, relu_grad). */
export const FUSABLE_OPS = new Set(['add', 'sub', 'mul', 'div', 'max', 'neg', 'exp', 'log', 'sqrt', 'relu', 'scale', 'addc', 'erf', 'relu_grad']);
/** Tensors smaller than this stay unfused: their kernel calls cost little. */
export const MIN_FUSED_COUNT = 4096;

export interface FusionGroup {
  /** The node whose value the group produces (its last member). */
  root: number;
  /** Member nodes in execution order (a topological one). Ids past the program's last node
   *  are copies of a recomputed node (RECOMPUTED), each placed just before its one reader. */
  members: number[];
  /** External inputs with the group's element count, in operand order. */
  inputs: number[];
  /** External 1-element inputs (passed by value). */
  scalars: number[];
  steps: FusedStep[];
  count: number;
}

export interface FusionPlan {
  /** Group by root node. */
  groups: Map<number, FusionGroup>;
  /** True for members other than the root: the engine does not run them on their own. */
  skipped: Uint8Array;
  /** The last executed node that reads each value (the fused view of lastUse). */
  last: number[];
  /** The values node i reads when executed (a root reads its group's external inputs). */
  inputsOf(i: number): number[];
}

const SCALED = new Set(['scale', 'addc']);

function fusable(nodes: Node[], i: number): boolean {
  const n = nodes[i], count = numel(n.shape);
  if (!FUSABLE_OPS.has(n.op) || count < MIN_FUSED_COUNT) return false;
  return n.inputs.every((x) => {
    const m = numel(nodes[x].shape);
    return m === count || m === 1;
  });
}

/** External inputs of a set of members, split into full tensors and scalars. */
function externals(nodes: Node[], members: Set<number>, count: number, order: (i: number) => number = (i) => i): { inputs: number[]; scalars: number[] } {
  const inputs: number[] = [], scalars: number[] = [];
  for (const m of [...members].sort((a, b) => order(a) - order(b)))
    for (const x of nodes[m].inputs) {
      if (members.has(x)) continue;
      const list = numel(nodes[x].shape) === count ? inputs : scalars;
      if (!list.includes(x)) list.push(x);
    }
  return { inputs, scalars };
}

function fits(nodes: Node[], members: Set<number>, count: number): boolean {
  const { inputs, scalars } = externals(nodes, members, count);
  const consts = scalars.length + [...members].filter((m) => SCALED.has(nodes[m].op)).length;
  return inputs.length <= FUSION_LIMITS.inputs && members.size <= FUSION_LIMITS.steps && members.size + consts <= FUSION_LIMITS.words;
}

function stepsOf(nodes: Node[], members: number[], inputs: number[], scalars: number[]): FusedStep[] {
  const at = new Map(members.map((m, k) => [m, k]));
  const operand = (x: number): FusedOperand => (at.has(x) ? { step: at.get(x)! } : inputs.includes(x) ? { input: inputs.indexOf(x) } : { scalar: scalars.indexOf(x) });
  return members.map((m) => {
    const n = nodes[m];
    return SCALED.has(n.op) ? { op: n.op, args: n.inputs.map(operand), attr: n.attrs[0] } : { op: n.op, args: n.inputs.map(operand) };
  });
}

/** Ops cheap enough to compute again inside every chain that reads them (one arithmetic
 *  op per element) rather than store once and read back: GELU's scale(x) values are read by
 *  the forward chain and by the backward one. */
const RECOMPUTED = new Set(['scale', 'addc', 'neg']);

/**
 * Group the program's elementwise nodes into chains: walking back from each consumer, a
 * node joins its consumers' group when every consumer is in that one group (so its value is
 * needed nowhere else), it has the group's element count, and the group stays within
 * FUSION_LIMITS. A cheap node (RECOMPUTED) whose readers all sit in chains is copied into
 * each of them instead of being stored. `keep` values (those the caller reads) always stay
 * materialised.
 */
export function planFusion(g: Graph, keep: ReadonlySet<number> = new Set()): FusionPlan {
  const plan = planWith(g, keep, new Set());
  let inline = recomputable(g.nodes, keep, plan);
  // Copies that did not fit their readers' chains would each run as a kernel of their own:
  // those nodes are stored after all, and the rest planned again (each round drops one).
  while (inline.size) {
    const tried = planWith(g, keep, inline);
    if (!tried.failed.size) return tried.plan;
    inline = new Set([...inline].filter((c) => !tried.failed.has(c)));
  }
  return plan.plan;
}

/** Nodes to recompute in their readers: cheap, stored in `plan`, read by ≥ 2 elementwise
 *  nodes of their own element count, and not reading another such node. */
function recomputable(nodes: Node[], keep: ReadonlySet<number>, plan: Planned): Set<number> {
  const uses = readersOf(nodes);
  const count = (i: number) => numel(nodes[i].shape);
  const ok = (i: number) =>
    RECOMPUTED.has(nodes[i].op) && !keep.has(i) && !plan.plan.skipped[i] && fusable(nodes, i) && new Set(uses[i]).size >= 2 && uses[i].every((u) => fusable(nodes, u) && count(u) === count(i));
  const set = new Set(nodes.map((_, i) => i).filter(ok));
  return new Set([...set].filter((i) => !nodes[i].inputs.some((x) => set.has(x))));
}

/** readers[x]: the nodes that read x, in program order (once per operand). */
function readersOf(nodes: Node[]): number[][] {
  const readers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => n.inputs.forEach((x) => readers[x].push(i)));
  return readers;
}

interface Planned {
  plan: FusionPlan;
  /** Nodes of `inline` with a copy that did not join its reader's chain. */
  failed: Set<number>;
}

function planWith(g: Graph, keep: ReadonlySet<number>, inline: ReadonlySet<number>): Planned {
  const N = g.nodes.length;
  // Each reader of an inlined node gets its own copy (ids N, N+1, ...), placed just before it.
  const nodes = [...g.nodes], copyOf: number[] = [], readerOf: number[] = [];
  const copiesOf: number[][] = nodes.map(() => []);
  for (let u = 0; u < N; u++) {
    const ids = new Map<number, number>();
    for (const c of nodes[u].inputs) {
      if (!inline.has(c) || ids.has(c)) continue;
      ids.set(c, nodes.length);
      copyOf.push(c);
      readerOf.push(u);
      copiesOf[u].push(nodes.length);
      nodes.push({ ...nodes[c] });
    }
    if (ids.size) nodes[u] = { ...nodes[u], inputs: nodes[u].inputs.map((x) => ids.get(x) ?? x) };
  }
  const order = (i: number) => (i < N ? i : readerOf[i - N] - 0.5);
  const uses = readersOf(nodes);
  const groupOf = new Int32Array(nodes.length).fill(-1);
  const members = new Map<number, Set<number>>();
  const join = (root: number, ids: number[]): boolean => {
    const group = members.get(root)!;
    if (!fits(nodes, new Set([...group, ...ids]), numel(nodes[root].shape))) return false;
    for (const i of ids) {
      group.add(i);
      groupOf[i] = root;
    }
    return true;
  };
  for (let i = N - 1; i >= 0; i--) {
    if (!fusable(nodes, i)) continue;
    const copies = copiesOf[i];
    const root = uses[i].length && !keep.has(i) ? groupOf[uses[i][0]] : -1;
    const joinable = root >= 0 && uses[i].every((c) => groupOf[c] === root) && numel(nodes[root].shape) === numel(nodes[i].shape);
    if (!(joinable && (join(root, [i, ...copies]) || join(root, [i])))) {
      groupOf[i] = i;
      members.set(i, new Set([i]));
    }
    const mine = groupOf[i];
    if (!copies.every((c) => groupOf[c] === mine) && !join(mine, copies)) for (const c of copies) join(mine, [c]);
  }
  const failed = new Set<number>();
  copyOf.forEach((c, k) => groupOf[N + k] < 0 && failed.add(c));
  const groups = new Map<number, FusionGroup>();
  const skipped = new Uint8Array(N);
  for (const c of inline) skipped[c] = 1; // read only through its copies
  for (const [root, set] of members) {
    if (set.size < 2) continue;
    const ms = [...set].sort((a, b) => order(a) - order(b)), count = numel(nodes[root].shape);
    const { inputs, scalars } = externals(nodes, set, count, order);
    groups.set(root, { root, members: ms, inputs, scalars, steps: stepsOf(nodes, ms, inputs, scalars), count });
    for (const m of ms) if (m !== root && m < N) skipped[m] = 1;
  }
  const inputsOf = (i: number): number[] => {
    const grp = groups.get(i);
    return grp ? [...grp.inputs, ...grp.scalars] : g.nodes[i].inputs;
  };
  const last = g.nodes.map((_, i) => i);
  for (let i = 0; i < N; i++) if (!skipped[i]) for (const x of inputsOf(i)) last[x] = i;
  return { plan: { groups, skipped, last, inputsOf }, failed };
}

const plans = new WeakMap<Graph, Map<string, FusionPlan>>();

/** planFusion, computed once per program and kept set. */
export function fusionPlan(g: Graph, keep: number[]): FusionPlan {
  let byKeep = plans.get(g);
  if (!byKeep) plans.set(g, (byKeep = new Map()));
  const key = keep.join(',');
  let p = byKeep.get(key);
  if (!p) byKeep.set(key, (p = planFusion(g, new Set(keep))));
  return p;
}

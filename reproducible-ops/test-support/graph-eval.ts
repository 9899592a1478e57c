// Graph interpreters for tests: in binary32 with the reference kernels, and in binary64 with
// each op's real-number analogue (same reads and fold order, binary64 arithmetic). The
// binary64 interpreter is what gradient rules are checked against with finite differences.
import { referenceBackend, runKernel } from '../backend/reference.ts';
import { erf as erf64 } from 'mathjs';
import { fromBits } from '../f32.ts';
import { evalElement, opDef, type ElemSem, type OpDef } from '../ops/table.ts';
import type { Graph } from '../program.ts';
import { numel } from '../tensor.ts';

type Arr = Float32Array | Float64Array;

/** state(tree, index) node values: tree 0 -> model[index], tree 1 -> other[index]. */
export interface StateValues<T extends Arr> {
  model: T[];
  other: T[];
}

function stateOf<T extends Arr>(attrs: number[], s: StateValues<T>): T {
  const list = attrs[0] === 0 ? s.model : s.other;
  const v = list[attrs[1]];
  if (!v) throw new Error(`state node (tree ${attrs[0]}, index ${attrs[1]}) has no value`);
  return v;
}

/** Values of nodes 0..upto of g in binary32 (reference kernels). */
export function evalGraph32(g: Graph, s: StateValues<Float32Array>, upto = g.nodes.length - 1, seed = 1, step = 0): Float32Array[] {
  const vals: Float32Array[] = [];
  for (let i = 0; i <= upto; i++) {
    const n = g.nodes[i];
    if (n.op === 'state') vals.push(stateOf(n.attrs, s));
    else vals.push(runKernel(referenceBackend, n.op, { inputs: n.inputs.map((x) => vals[x]), inShapes: n.inputs.map((x) => g.nodes[x].shape), outShape: n.shape, attrs: n.attrs, seed, step }));
  }
  return vals;
}

const MAP64: Record<string, (v: number[], k: number) => number> = {
  add: (v) => v[0] + v[1],
  sub: (v) => v[0] - v[1],
  mul: (v) => v[0] * v[1],
  div: (v) => v[0] / v[1],
  max: (v) => Math.max(v[0], v[1]),
  neg: (v) => -v[0],
  exp: (v) => Math.exp(v[0]),
  log: (v) => Math.log(v[0]),
  sqrt: (v) => Math.sqrt(v[0]),
  relu: (v) => Math.max(v[0], 0),
  scale: (v, k) => v[0] * k,
  addc: (v, k) => v[0] + k,
  erf: (v) => erf64(v[0]) as number,
};

const FOLD64: Record<string, (acc: number, v: number[], e: number, k: number, D: number) => number> = {
  sum: (acc, v) => acc + v[0],
  col2im: (acc, v) => acc + v[0],
  matmul: (acc, v) => acc + v[0] * v[1],
  rowmax: (acc, v) => Math.max(acc, v[0]),
  maxpool2d: (acc, v) => Math.max(acc, v[0]),
  bmm: (acc, v) => acc + v[0] * v[1],
  gather_rows: (acc, v, _e, k) => acc + (v[0] === k ? v[1] : 0),
  scatter_rows: (acc, v, e, _k, D) => acc + (v[0] === Math.floor(e / D) ? v[1] : 0),
};

/** The binary64 analogue of an op: same reads and order; selection ops are reused as is. */
export function def64(def: OpDef): OpDef {
  const sem = def.sem;
  if (sem.kind === 'fold') {
    const step = FOLD64[def.name];
    if (!step) throw new Error(`no binary64 analogue for fold op ${def.name}`);
    return { ...def, sem: { ...sem, step: (acc, v, c, e, k) => step(acc, v, e, k, c.outShape[c.outShape.length - 1]) } };
  }
  const map = MAP64[def.name];
  if (sem.kind !== 'map' || !map) return def; // movement / selection / sources: no arithmetic
  const mapped: ElemSem = { ...sem, f: (v, _e, c) => map(v, fromBits(c.attrs[0] ?? 0)) };
  return { ...def, sem: mapped };
}

/** Values of nodes 0..upto of g in binary64. */
export function evalGraph64(g: Graph, s: StateValues<Float64Array>, upto = g.nodes.length - 1, seed = 1, step = 0): Float64Array[] {
  const vals: Float64Array[] = [];
  for (let i = 0; i <= upto; i++) {
    const n = g.nodes[i];
    if (n.op === 'state') {
      vals.push(stateOf(n.attrs, s));
      continue;
    }
    const def = def64(opDef(n.op));
    const ctx = { inShapes: n.inputs.map((x) => g.nodes[x].shape), outShape: n.shape, attrs: n.attrs, seed, step };
    const inputs = n.inputs.map((x) => vals[x]) as unknown as Float32Array[];
    const out = new Float64Array(numel(n.shape));
    for (let e = 0; e < out.length; e++) out[e] = evalElement(def, e, ctx, inputs);
    vals.push(out);
  }
  return vals;
}

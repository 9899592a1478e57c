// A program is the static, ordered list of table ops that one training step executes
// (forward, loss, backward, optimizer). It is built once per job; every step runs the
// same nodes, so the op trace of any step has the same structure (docs/REPOPS.md §7).
import { createHash } from 'node:crypto';
import { encodeDims, opDef } from './ops/table.ts';
import type { Shape } from './tensor.ts';
import { toBits } from './f32.ts';

export interface Node {
  op: string;
  inputs: number[];
  attrs: number[];
  shape: Shape;
  label?: string; // human-readable origin, not hashed
}

export class Graph {
  readonly nodes: Node[] = [];

  add(op: string, inputs: number[], attrs: number[] = [], label?: string): number {
    const def = opDef(op);
    if (inputs.length !== def.arity) throw new Error(`${op}: expects ${def.arity} inputs, got ${inputs.length}`);
    const shape = def.shape(inputs.map((i) => this.nodes[i].shape), attrs);
    this.nodes.push({ op, inputs, attrs: attrs.map((x) => x >>> 0), shape: [...shape], label });
    return this.nodes.length - 1;
  }

  shape(id: number): Shape {
    return this.nodes[id].shape;
  }

  // sugar used by layers, losses and optimizers
  scale(x: number, c: number, label?: string): number {
    return this.add('scale', [x], [toBits(Math.fround(c))], label);
  }
  addc(x: number, c: number, label?: string): number {
    return this.add('addc', [x], [toBits(Math.fround(c))], label);
  }
  fill(shape: Shape, value: number, label?: string): number {
    return this.add('fill', [], [toBits(Math.fround(value)), ...encodeDims(shape)], label);
  }
  reshape(x: number, shape: Shape): number {
    return this.add('reshape', [x], encodeDims(shape));
  }
}

/** Canonical descriptor bytes of node i: u16 op id, u16 #inputs, u16 #attrs, u16 rank, then u32 words. */
export function encodeNode(n: Node): Buffer {
  const words = [...n.inputs, ...n.attrs, ...n.shape];
  const b = Buffer.alloc(8 + 4 * words.length);
  b.writeUInt16BE(opDef(n.op).id, 0);
  b.writeUInt16BE(n.inputs.length, 2);
  b.writeUInt16BE(n.attrs.length, 4);
  b.writeUInt16BE(n.shape.length, 6);
  words.forEach((w, i) => b.writeUInt32BE(w >>> 0, 8 + 4 * i));
  return b;
}

export function nodeHash(n: Node): Buffer {
  return createHash('sha256').update(encodeNode(n)).digest();
}

/** Nodes whose value depends on any of `from` (they need gradients). */
export function dependents(g: Graph, from: number[]): Set<number> {
  const s = new Set(from);
  g.nodes.forEach((n, i) => {
    if (n.inputs.some((x) => s.has(x))) s.add(i);
  });
  return s;
}

/** Indices of the last consumer of each node (for freeing buffers early). */
export function lastUse(nodes: Node[]): number[] {
  const last = nodes.map((_, i) => i);
  nodes.forEach((n, i) => n.inputs.forEach((x) => (last[x] = i)));
  return last;
}

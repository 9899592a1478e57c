// Optimizers as table ops appended to the step program (docs/REPOPS.md §10).
// Every optimizer declares its state slots so the training state has a fixed layout.
import type { Graph } from './program.ts';
import type { Shape } from './tensor.ts';

export type OptimizerSpec =
  | { type: 'sgd'; learningRate: number; momentum: number }
  | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number };

export interface SlotSpec {
  name: string;
  shape: Shape;
  init: number; // constant fill
}

/** Optimizer state slots for params of the given shapes (after the params in the state). */
export function optimizerSlots(o: OptimizerSpec, params: { name: string; shape: Shape }[]): SlotSpec[] {
  if (o.type === 'sgd') return o.momentum === 0 ? [] : params.map((p) => ({ name: `${p.name}/velocity`, shape: p.shape, init: 0 }));
  return [
    { name: 'adam/beta1_power', shape: [1], init: 1 },
    { name: 'adam/beta2_power', shape: [1], init: 1 },
    ...params.map((p) => ({ name: `${p.name}/m`, shape: p.shape, init: 0 })),
    ...params.map((p) => ({ name: `${p.name}/v`, shape: p.shape, init: 0 })),
  ];
}

/**
 * Emit the update. `slots` are the optimizer state nodes (same order as optimizerSlots).
 * Returns the new parameter nodes and the new optimizer slot nodes.
 *   sgd:      v' = momentum*v + g;  p' = p - lr*v'         (p' = p - lr*g without momentum)
 *   adam:     m' = b1*m + (1-b1)*g; v' = b2*v + (1-b2)*g*g; b1p' = b1p*b1; b2p' = b2p*b2
 *             p' = p - lr * (m' / (1 - b1p')) / (sqrt(v' / (1 - b2p')) + eps)
 */
export function applyOptimizer(g: Graph, o: OptimizerSpec, params: number[], grads: number[], slots: number[]): { params: number[]; slots: number[] } {
  if (o.type === 'sgd') {
    if (o.momentum === 0) return { params: params.map((p, i) => g.add('sub', [p, g.scale(grads[i], o.learningRate)])), slots: [] };
    const vel = params.map((_, i) => g.add('add', [g.scale(slots[i], o.momentum), grads[i]]));
    return { params: params.map((p, i) => g.add('sub', [p, g.scale(vel[i], o.learningRate)])), slots: vel };
  }
  const n = params.length;
  const b1p = g.scale(slots[0], o.beta1), b2p = g.scale(slots[1], o.beta2);
  const c1 = g.addc(g.add('neg', [b1p]), 1), c2 = g.addc(g.add('neg', [b2p]), 1);
  const ms: number[] = [], vs: number[] = [];
  const ps = params.map((p, i) => {
    const gr = grads[i];
    const m = g.add('add', [g.scale(slots[2 + i], o.beta1), g.scale(gr, 1 - o.beta1)]);
    const v = g.add('add', [g.scale(slots[2 + n + i], o.beta2), g.scale(g.add('mul', [gr, gr]), 1 - o.beta2)]);
    ms.push(m);
    vs.push(v);
    const mhat = g.add('div', [m, c1]);
    const denom = g.addc(g.add('sqrt', [g.add('div', [v, c2])]), o.epsilon);
    return g.add('sub', [p, g.scale(g.add('div', [mhat, denom]), o.learningRate)]);
  });
  return { params: ps, slots: [b1p, b2p, ...ms, ...vs] };
}

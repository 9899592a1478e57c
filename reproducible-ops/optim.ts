// Optimizers as table ops appended to the step program (docs/REPOPS.md §10).
// Every optimizer declares its state slots so the training state has a fixed layout.
import { toBits } from './f32.ts';
import type { Graph } from './program.ts';
import { numel, type Shape } from './tensor.ts';

/** nanoGPT's get_lr: linear warmup to learningRate, cosine to `min` at step `total` (REPOPS §15.3 lr_cosine). */
export interface LrSchedule {
  warmup: number;
  total: number;
  min: number;
}

export type OptimizerSpec =
  | { type: 'sgd'; learningRate: number; momentum: number }
  | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | {
      type: 'adamw';
      learningRate: number; // the peak lr (lrMax of the schedule), or the constant lr without one
      beta1: number;
      beta2: number;
      epsilon: number;
      weightDecay: number; // decoupled, on parameters of rank >= 2 only (nanoGPT)
      schedule?: LrSchedule;
      gradClip?: number; // max global L2 norm of the gradients; absent or 0: no clipping
    };

export interface SlotSpec {
  name: string;
  shape: Shape;
  init: number; // constant fill
}

/** Optimizer state slots for params of the given shapes (after the params in the state). */
export function optimizerSlots(o: OptimizerSpec, params: { name: string; shape: Shape }[]): SlotSpec[] {
  if (o.type === 'sgd') return o.momentum === 0 ? [] : params.map((p) => ({ name: `${p.name}/velocity`, shape: p.shape, init: 0 }));
  return [
    { name: `${o.type}/beta1_power`, shape: [1], init: 1 },
    { name: `${o.type}/beta2_power`, shape: [1], init: 1 },
    ...params.map((p) => ({ name: `${p.name}/m`, shape: p.shape, init: 0 })),
    ...params.map((p) => ({ name: `${p.name}/v`, shape: p.shape, init: 0 })),
  ];
}

/** One-line errors for an optimizer spec's numbers (the program builder relies on them). */
export function validateOptimizer(o: OptimizerSpec): void {
  const bad = (field: string, want: string, got: unknown) => new Error(`optimizer.${field}: expected ${want}, got ${JSON.stringify(got)}`);
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate)) throw bad('learningRate', 'a finite number > 0', o.learningRate);
  if (o.type !== 'adamw') return;
  if (!(o.beta1 >= 0 && o.beta1 < 1)) throw bad('beta1', 'a number in [0, 1)', o.beta1);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) throw bad('beta2', 'a number in [0, 1)', o.beta2);
  if (!(o.epsilon > 0)) throw bad('epsilon', 'a number > 0', o.epsilon);
  if (!(o.weightDecay >= 0) || !Number.isFinite(o.weightDecay)) throw bad('weightDecay', 'a finite number >= 0', o.weightDecay);
  if (o.gradClip !== undefined && !(o.gradClip >= 0 && Number.isFinite(o.gradClip))) throw bad('gradClip', 'a finite number >= 0', o.gradClip);
  const s = o.schedule;
  if (!s) return;
  if (!Number.isInteger(s.warmup) || s.warmup < 0) throw bad('schedule.warmup', 'an integer >= 0', s.warmup);
  if (!Number.isInteger(s.total) || s.total <= s.warmup || s.total >= 2 ** 24) throw bad('schedule.total', `an integer > warmup (${s.warmup}) and < 2^24`, s.total);
  if (!(s.min >= 0) || !Number.isFinite(s.min)) throw bad('schedule.min', 'a finite number >= 0', s.min);
}

/**
 * Emit the update. `slots` are the optimizer state nodes (same order as optimizerSlots).
 * Returns the new parameter nodes and the new optimizer slot nodes.
 *   sgd:      v' = momentum*v + g;  p' = p - lr*v'         (p' = p - lr*g without momentum)
 *   adam:     m' = b1*m + (1-b1)*g; v' = b2*v + (1-b2)*g*g; b1p' = b1p*b1; b2p' = b2p*b2
 *             p' = p - lr * (m' / (1 - b1p')) / (sqrt(v' / (1 - b2p')) + eps)
 *   adamw:    see adamW below
 */
export function applyOptimizer(g: Graph, o: OptimizerSpec, params: number[], grads: number[], slots: number[]): { params: number[]; slots: number[] } {
  if (o.type === 'sgd') {
    if (o.momentum === 0) return { params: params.map((p, i) => g.add('sub', [p, g.scale(grads[i], o.learningRate)])), slots: [] };
    const vel = params.map((_, i) => g.add('add', [g.scale(slots[i], o.momentum), grads[i]]));
    return { params: params.map((p, i) => g.add('sub', [p, g.scale(vel[i], o.learningRate)])), slots: vel };
  }
  if (o.type === 'adamw') return adamW(g, o, params, grads, slots);
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

/** The learning rate of the running step as a [1] node: lr_cosine with a schedule, else a constant fill. */
export function lrNode(g: Graph, o: { learningRate: number; schedule?: LrSchedule }): number {
  const s = o.schedule;
  if (!s) return g.fill([1], o.learningRate, 'lr');
  return g.add('lr_cosine', [], [s.warmup, s.total, toBits(Math.fround(o.learningRate)), toBits(Math.fround(s.min))], 'lr');
}

/** Sum of squares of one gradient, [1]: row sums over the last axis, then the sum of the row sums (REPOPS §10). */
function sumOfSquares(g: Graph, gr: number): number {
  const s = g.shape(gr);
  if (s.length === 1) return g.add('sum', [g.add('mul', [gr, gr])], [0], 'grad sq norm');
  const L = s[s.length - 1], R = numel(s) / L;
  const x = s.length === 2 ? gr : g.reshape(gr, [R, L]);
  const rows = g.add('sum', [g.add('mul', [x, x])], [1]);
  return g.add('sum', [g.reshape(rows, [R])], [0], 'grad sq norm');
}

/**
 * Global-norm clipping as torch.nn.utils.clip_grad_norm_ (REPOPS §10): per parameter the sum
 * of squares (row sums over the last axis in parallel, then one fold over the rows; short folds
 * for kernels and disputes), the per-parameter sums added in parameter order;
 * coef = min(maxNorm / (sqrt(total) + 1e-6), 1) written with max (the table has no min);
 * every gradient is multiplied by coef.
 */
export function clipGradients(g: Graph, grads: number[], maxNorm: number): { grads: number[]; norm: number } {
  const sq = grads.map((gr) => sumOfSquares(g, gr));
  let total = sq[0];
  for (let i = 1; i < sq.length; i++) total = g.add('add', [total, sq[i]]);
  const norm = g.add('sqrt', [total], [], 'grad norm');
  const coef = g.add('div', [g.fill([1], maxNorm), g.addc(norm, 1e-6)]);
  const clamped = g.add('neg', [g.add('max', [g.add('neg', [coef]), g.fill([1], -1)])], [], 'clip coef');
  return { grads: grads.map((gr) => g.add('mul', [gr, clamped])), norm };
}

/**
 * AdamW (REPOPS §10). Emitted in this order: lr; clipping (if gradClip > 0); b1p' = b1p*b1,
 * b2p' = b2p*b2, c1 = 1 - b1p', c2 = 1 - b2p'; keep = 1 - lr*wd (if wd > 0); then per
 * parameter: m', v' as Adam; pd = p*keep for rank >= 2 (else p);
 * p' = pd - (m'/c1) / (sqrt(v'/c2) + eps) * lr.
 */
function adamW(g: Graph, o: Extract<OptimizerSpec, { type: 'adamw' }>, params: number[], grads: number[], slots: number[]): { params: number[]; slots: number[] } {
  validateOptimizer(o);
  const n = params.length;
  const lr = lrNode(g, o);
  const gs = o.gradClip ? clipGradients(g, grads, o.gradClip).grads : grads;
  const b1p = g.scale(slots[0], o.beta1), b2p = g.scale(slots[1], o.beta2);
  const c1 = g.addc(g.add('neg', [b1p]), 1), c2 = g.addc(g.add('neg', [b2p]), 1);
  const keep = o.weightDecay > 0 ? g.addc(g.add('neg', [g.scale(lr, o.weightDecay)]), 1, 'decay keep') : -1;
  const ms: number[] = [], vs: number[] = [];
  const ps = params.map((p, i) => {
    const gr = gs[i];
    const m = g.add('add', [g.scale(slots[2 + i], o.beta1), g.scale(gr, 1 - o.beta1)]);
    const v = g.add('add', [g.scale(slots[2 + n + i], o.beta2), g.scale(g.add('mul', [gr, gr]), 1 - o.beta2)]);
    ms.push(m);
    vs.push(v);
    const decayed = keep >= 0 && g.shape(p).length >= 2 ? g.add('mul', [p, keep]) : p;
    const mhat = g.add('div', [m, c1]);
    const denom = g.addc(g.add('sqrt', [g.add('div', [v, c2])]), o.epsilon);
    return g.add('sub', [decayed, g.add('mul', [g.add('div', [mhat, denom]), lr])], [], `adamw update ${i}`);
  });
  return { params: ps, slots: [b1p, b2p, ...ms, ...vs] };
}

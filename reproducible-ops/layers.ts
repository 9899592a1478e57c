// Layers built from table ops (docs/REPOPS.md §9). Parameter layout and initialisers
// follow tfjs Layers so models import and export without reordering:
//   dense  kernel [in, units], bias [units]; conv2d kernel [k, k, cin, filters], bias [filters].
import * as f from './f32.ts';
import { encodeDims, convOut } from './ops/table.ts';
import type { Graph } from './program.ts';
import { STREAM_NODE_BASE } from './rng.ts';
import { numel, type Shape } from './tensor.ts';

export type Activation = 'linear' | 'relu' | 'softmax';

export type LayerSpec =
  | { type: 'dense'; units: number; activation: Activation; useBias: boolean; name?: string }
  | { type: 'conv2d'; filters: number; kernelSize: number; strides: number; padding: 'valid' | 'same'; activation: Activation; useBias: boolean; name?: string }
  | { type: 'maxpool2d'; poolSize: number; name?: string }
  | { type: 'flatten'; name?: string }
  | { type: 'dropout'; rate: number; name?: string }
  | { type: 'relu'; name?: string };

export interface ModelSpec {
  inputShape: number[]; // per sample, e.g. [784] or [28, 28, 1]
  layers: LayerSpec[];
}

export interface ParamSpec {
  name: string; // tfjs weight name, e.g. dense_1/kernel
  shape: number[];
  init: { kind: 'glorot_uniform'; fanIn: number; fanOut: number } | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'normal'; std: number };
}

/** Parameters of a model in tfjs order, and the shape after every layer (validates the spec). */
export function modelParams(m: ModelSpec): { params: ParamSpec[]; outShape: number[] } {
  const params: ParamSpec[] = [];
  let shape = [...m.inputShape];
  m.layers.forEach((l, i) => {
    const name = l.name ?? `${l.type}_${i + 1}`;
    const where = `layers[${i}] (${l.type})`;
    switch (l.type) {
      case 'dense': {
        if (shape.length !== 1) throw new Error(`${where}: dense needs a flat input, got [${shape}]; add a flatten layer first`);
        params.push({ name: `${name}/kernel`, shape: [shape[0], l.units], init: { kind: 'glorot_uniform', fanIn: shape[0], fanOut: l.units } });
        if (l.useBias) params.push({ name: `${name}/bias`, shape: [l.units], init: { kind: 'zeros' } });
        shape = [l.units];
        break;
      }
      case 'conv2d': {
        if (shape.length !== 3) throw new Error(`${where}: conv2d needs [height, width, channels], got [${shape}]`);
        const k = l.kernelSize, cin = shape[2];
        params.push({ name: `${name}/kernel`, shape: [k, k, cin, l.filters], init: { kind: 'glorot_uniform', fanIn: k * k * cin, fanOut: k * k * l.filters } });
        if (l.useBias) params.push({ name: `${name}/bias`, shape: [l.filters], init: { kind: 'zeros' } });
        const pad = convPad(l);
        const [oh, ow] = convOut(shape[0], shape[1], k, l.strides, pad);
        if (oh < 1 || ow < 1) throw new Error(`${where}: kernel ${k} does not fit input [${shape}]`);
        shape = [oh, ow, l.filters];
        break;
      }
      case 'maxpool2d':
        if (shape.length !== 3) throw new Error(`${where}: maxpool2d needs [height, width, channels], got [${shape}]`);
        if (shape[0] < l.poolSize || shape[1] < l.poolSize) throw new Error(`${where}: pool ${l.poolSize} larger than input [${shape}]`);
        shape = [Math.floor(shape[0] / l.poolSize), Math.floor(shape[1] / l.poolSize), shape[2]];
        break;
      case 'flatten':
        shape = [numel(shape)];
        break;
      case 'dropout':
      case 'relu':
        break;
    }
  });
  return { params, outShape: shape };
}

function convPad(l: { kernelSize: number; strides: number; padding: 'valid' | 'same' }): number {
  if (l.padding === 'valid') return 0;
  if (l.strides !== 1 || l.kernelSize % 2 !== 1) throw new Error(`conv2d: padding 'same' is supported for stride 1 and odd kernels only`);
  return (l.kernelSize - 1) / 2;
}

/** Glorot-uniform limit sqrt(6 / (fanIn + fanOut)) in binary32 primitives. */
export function glorotLimit(fanIn: number, fanOut: number): number {
  return f.sqrt(f.div(6, Math.fround(fanIn + fanOut)));
}

/** Initialiser node of parameter `i` (random draws use stream STREAM_NODE_BASE + i, step -1; normal: mean +0, std fround(std)). */
export function initParam(g: Graph, p: ParamSpec, i: number): number {
  if (p.init.kind === 'zeros') return g.fill(p.shape, 0, `init ${p.name}`);
  if (p.init.kind === 'ones') return g.fill(p.shape, 1, `init ${p.name}`);
  if (p.init.kind === 'normal') return g.add('rng_normal', [], [STREAM_NODE_BASE + i, 0, f.toBits(Math.fround(p.init.std)), ...encodeDims(p.shape)], `init ${p.name}`);
  const lim = glorotLimit(p.init.fanIn, p.init.fanOut);
  return g.add('rng_uniform', [], [STREAM_NODE_BASE + i, f.toBits(-lim), f.toBits(f.mul(2, lim)), ...encodeDims(p.shape)], `init ${p.name}`);
}

export interface ForwardOpts {
  training: boolean;
  dropoutStreamBase: number;
}

/** Forward pass; returns the logits node (softmax on the last layer is left to the loss). */
export function forward(g: Graph, m: ModelSpec, x: number, params: number[], opts: ForwardOpts): number {
  let h = x;
  let pi = 0;
  const batch = g.shape(x)[0];
  const act = (node: number, a: Activation, last: boolean) => {
    if (a === 'relu') return g.add('relu', [node]);
    if (a === 'softmax' && !last) throw new Error(`softmax is supported only on the last layer`);
    return node;
  };
  m.layers.forEach((l, i) => {
    const last = i === m.layers.length - 1;
    switch (l.type) {
      case 'dense': {
        h = g.add('matmul', [h, params[pi++]], [0, 0], `${l.name ?? 'dense'} matmul`);
        if (l.useBias) h = g.add('add', [h, params[pi++]]);
        h = act(h, l.activation, last);
        break;
      }
      case 'conv2d': {
        const [, H, W] = g.shape(h);
        const pad = convPad(l);
        const [oh, ow] = convOut(H, W, l.kernelSize, l.strides, pad);
        const cols = g.add('im2col', [h], [l.kernelSize, l.strides, pad]);
        const kernel = params[pi++];
        const kr = g.reshape(kernel, [numel(g.shape(kernel)) / l.filters, l.filters]);
        h = g.add('matmul', [cols, kr], [0, 0], `${l.name ?? 'conv2d'} matmul`);
        if (l.useBias) h = g.add('add', [h, params[pi++]]);
        h = act(g.reshape(h, [batch, oh, ow, l.filters]), l.activation, last);
        break;
      }
      case 'maxpool2d':
        h = g.add('maxpool2d', [h], [l.poolSize]);
        break;
      case 'flatten':
        h = g.reshape(h, [batch, numel(g.shape(h).slice(1))]);
        break;
      case 'relu':
        h = g.add('relu', [h]);
        break;
      case 'dropout': {
        if (!opts.training || l.rate === 0) break;
        const threshold = Math.round(l.rate * 2 ** 24);
        const keep = f.div(1, f.sub(1, Math.fround(l.rate)));
        const mask = g.add('dropout_mask', [], [opts.dropoutStreamBase + i, threshold, f.toBits(keep), ...encodeDims(g.shape(h))]);
        h = g.add('mul', [h, mask]);
        break;
      }
    }
  });
  return h;
}

/**
 * Mean softmax cross-entropy of logits [B, C] against one-hot labels [B, C]:
 *   s = z - rowmax(z); lse = log(sum(exp(s))); loss = sum(y * (lse - s)) / B
 */
export function softmaxCrossEntropy(g: Graph, logits: number, onehot: number): number {
  const [B] = g.shape(logits);
  const s = g.add('sub', [logits, g.add('rowmax', [logits], [1])]);
  const lse = g.add('log', [g.add('sum', [g.add('exp', [s])], [1])]);
  const nll = g.add('mul', [onehot, g.add('sub', [lse, s])]);
  const total = g.add('sum', [g.add('sum', [nll], [1])], [0]);
  return g.scale(g.reshape(total, [1]), Math.fround(1 / B), 'loss');
}

export type { Shape };

// nanoGPT's GPT (Karpathy, model.py) as a program of table ops (docs/REPOPS.md §15.8, §15.11):
// token + learned position embeddings, pre-LayerNorm blocks (causal multi-head attention,
// 4x GELU MLP), final LayerNorm, LM head tied to the token embedding, mean cross-entropy.
//
// Weights are kept in PyTorch's nn.Linear layout [out, in] and applied with matmul(h, W; 0, 1),
// so exporting is a copy. The one difference from nanoGPT's state dict: c_attn is three
// parameters (q, k, v rows of c_attn.weight), named `…attn.c_attn.weight[q]` etc.; the export
// (gptStateDict) concatenates them row-wise into c_attn.weight [3C, C] = [q; k; v], as
// nanoGPT's `q, k, v = self.c_attn(x).split(n_embd, dim=2)` reads them.
import * as f from './f32.ts';
import { encodeDims } from './ops/table.ts';
import type { ParamSpec } from './layers.ts';
import type { Graph } from './program.ts';
import { STREAM_NODE_BASE } from './rng.ts';
import { numel, type Shape } from './tensor.ts';

export interface GptConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number; // in [0, 1): nanoGPT's four dropout sites, training steps only (REPOPS §15.11)
  bias: boolean;
}

/** nanoGPT's LayerNorm eps and init std. */
export const LN_EPS = 1e-5;
export const INIT_STD = 0.02;
/** Largest vocabulary: token ids are stored as u16 in the dataset files. */
export const MAX_VOCAB = 65535;
const NEG_INF_BITS = 0xff800000;

/** Throws a one-line error naming the first invalid field (prefix `where`, e.g. "model.gpt"). */
export function validateGptConfig(c: GptConfig, where = 'model.gpt'): GptConfig {
  const fail = (field: string, want: string, got: unknown) => {
    throw new Error(`${where}.${field}: expected ${want}, got ${JSON.stringify(got)}`);
  };
  const posInt = (field: keyof GptConfig, max = 2 ** 24) => {
    const v = c[field];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) fail(field, `an integer in [1, ${max}]`, v);
  };
  posInt('vocabSize', MAX_VOCAB);
  posInt('blockSize');
  posInt('nLayer');
  posInt('nHead');
  posInt('nEmbd');
  if (c.nEmbd % c.nHead !== 0) fail('nEmbd', `a multiple of nHead (${c.nHead})`, c.nEmbd);
  if (!(typeof c.dropout === 'number' && c.dropout >= 0 && c.dropout < 1)) fail('dropout', 'a number in [0, 1)', c.dropout);
  if (typeof c.bias !== 'boolean') fail('bias', 'true or false', c.bias);
  return c;
}

const pre = (i: number) => `transformer.h.${i}`;
export const QKV = ['q', 'k', 'v'] as const;

/** Parameters in nanoGPT state-dict order (c_attn split into q, k, v), with their initialisers. */
export function gptParams(c: GptConfig): ParamSpec[] {
  validateGptConfig(c);
  const C = c.nEmbd, ps: ParamSpec[] = [];
  const normal = (std: number) => ({ kind: 'normal' as const, std });
  const projStd = INIT_STD / Math.sqrt(2 * c.nLayer); // nanoGPT: c_proj.weight special init
  const linear = (name: string, out: number, inp: number, std: number) => {
    ps.push({ name: `${name}.weight`, shape: [out, inp], init: normal(std) });
    if (c.bias) ps.push({ name: `${name}.bias`, shape: [out], init: { kind: 'zeros' } });
  };
  const norm = (name: string) => {
    ps.push({ name: `${name}.weight`, shape: [C], init: { kind: 'ones' } });
    if (c.bias) ps.push({ name: `${name}.bias`, shape: [C], init: { kind: 'zeros' } });
  };
  ps.push({ name: 'transformer.wte.weight', shape: [c.vocabSize, C], init: normal(INIT_STD) });
  ps.push({ name: 'transformer.wpe.weight', shape: [c.blockSize, C], init: normal(INIT_STD) });
  for (let i = 0; i < c.nLayer; i++) {
    norm(`${pre(i)}.ln_1`);
    for (const s of QKV) {
      ps.push({ name: `${pre(i)}.attn.c_attn.weight[${s}]`, shape: [C, C], init: normal(INIT_STD) });
      if (c.bias) ps.push({ name: `${pre(i)}.attn.c_attn.bias[${s}]`, shape: [C], init: { kind: 'zeros' } });
    }
    linear(`${pre(i)}.attn.c_proj`, C, C, projStd);
    norm(`${pre(i)}.ln_2`);
    linear(`${pre(i)}.mlp.c_fc`, 4 * C, C, INIT_STD);
    linear(`${pre(i)}.mlp.c_proj`, C, 4 * C, projStd);
  }
  norm('transformer.ln_f');
  return ps;
}

/** Parameter nodes by name (gptForward reads them in any order). */
type Params = (name: string) => number;

/** Training forward passes apply dropout (when config.dropout > 0); inference never does. */
export interface GptForwardOpts {
  training?: boolean;
  posIds?: number; // [T] position ids 0..T-1, needed only when T < blockSize
}

/**
 * Dropout site k (0: embeddings; block i: 1 + 3i attention weights, 2 + 3i after attn.c_proj,
 * 3 + 3i after mlp.c_proj, nanoGPT's order) as in layers.ts: mul(h, dropout_mask(stream
 * 2·STREAM_NODE_BASE + k, threshold round(p·2^24), keepScale div(1, sub(1, fround(p))))).
 */
function dropout(g: Graph, c: GptConfig, h: number, site: number, training: boolean): number {
  if (!training || c.dropout === 0) return h;
  const keep = f.div(1, f.sub(1, Math.fround(c.dropout)));
  const mask = g.add('dropout_mask', [], [2 * STREAM_NODE_BASE + site, Math.round(c.dropout * 2 ** 24), f.toBits(keep), ...encodeDims(g.shape(h))], `dropout ${site}`);
  return g.add('mul', [h, mask]);
}

function paramLookup(c: GptConfig, nodes: number[]): Params {
  const specs = gptParams(c);
  if (nodes.length !== specs.length) throw new Error(`gpt: expected ${specs.length} parameter nodes, got ${nodes.length}`);
  const idx = new Map(specs.map((p, i) => [p.name, i]));
  return (name) => {
    const i = idx.get(name);
    if (i === undefined) throw new Error(`gpt: no parameter ${name}`);
    return nodes[i];
  };
}

/** y = x·Wᵀ (+ b): nn.Linear with W [out, in]. */
function linear(g: Graph, c: GptConfig, P: Params, x: number, w: string, b: string): number {
  const y = g.add('matmul', [x, P(w)], [0, 1], w);
  return c.bias ? g.add('add', [y, P(b)]) : y;
}

/** LayerNorm over the last axis (REPOPS §15.8): xc·rstd·w (+ b), rstd = 1/sqrt(var + 1e-5). */
export function layerNorm(g: Graph, x: number, w: number, b: number | null, label = 'ln'): number {
  const s = g.shape(x), ax = s.length - 1, C = s[ax];
  const xc = g.add('sub', [x, g.scale(g.add('sum', [x], [ax]), 1 / C)]);
  const variance = g.scale(g.add('sum', [g.add('mul', [xc, xc])], [ax]), 1 / C);
  const rstd = g.add('div', [g.fill([1], 1), g.add('sqrt', [g.addc(variance, LN_EPS)])], [], `${label} rstd`);
  const y = g.add('mul', [g.add('mul', [xc, rstd]), w], [], `${label} out`);
  return b === null ? y : g.add('add', [y, b], [], `${label} out+bias`);
}

/** softmax over the last axis: exp(x - rowmax(x)) / sum(...) (rowmax: a stabiliser, no gradient). */
export function softmaxLast(g: Graph, x: number, label = 'softmax'): number {
  const ax = g.shape(x).length - 1;
  const e = g.add('exp', [g.add('sub', [x, g.add('rowmax', [x], [ax])])]);
  return g.add('div', [e, g.add('sum', [e], [ax])], [], label);
}

/** PyTorch nn.GELU() (erf form): 0.5·x · (1 + erf(x·(1/√2))), as mul(scale(x, 0.5), addc(erf(scale(x, fround(1/√2))), 1)). */
export function gelu(g: Graph, x: number): number {
  return g.add('mul', [g.scale(x, 0.5), g.addc(g.add('erf', [g.scale(x, Math.SQRT1_2)]), 1)]);
}

function ln(g: Graph, c: GptConfig, P: Params, x: number, name: string): number {
  return layerNorm(g, x, P(`${name}.weight`), c.bias ? P(`${name}.bias`) : null, name);
}

/** Causal self-attention of h [B·T, C] (REPOPS §15.8). */
function attention(g: Graph, c: GptConfig, P: Params, h: number, i: number, B: number, T: number, training: boolean): number {
  const C = c.nEmbd, H = c.nHead, hs = C / H;
  const heads = (s: (typeof QKV)[number]) => {
    const x = linear(g, c, P, h, `${pre(i)}.attn.c_attn.weight[${s}]`, `${pre(i)}.attn.c_attn.bias[${s}]`);
    return g.add('permute', [g.reshape(x, [B, T, H, hs])], encodeDims([0, 2, 1, 3]));
  };
  const [q, k, v] = QKV.map(heads);
  const scores = g.scale(g.add('bmm', [q, k], [0, 1], `h${i} q·kᵀ`), 1 / Math.sqrt(hs));
  const att = dropout(g, c, softmaxLast(g, g.add('causal_fill', [scores], [NEG_INF_BITS]), `h${i} att softmax`), 1 + 3 * i, training);
  const y = g.add('bmm', [att, v], [0, 0], `h${i} att·v`);
  const merged = g.reshape(g.add('permute', [y], encodeDims([0, 2, 1, 3])), [B * T, C]);
  return dropout(g, c, linear(g, c, P, merged, `${pre(i)}.attn.c_proj.weight`, `${pre(i)}.attn.c_proj.bias`), 2 + 3 * i, training);
}

function mlp(g: Graph, c: GptConfig, P: Params, h: number, i: number, training: boolean): number {
  const fc = linear(g, c, P, h, `${pre(i)}.mlp.c_fc.weight`, `${pre(i)}.mlp.c_fc.bias`);
  return dropout(g, c, linear(g, c, P, gelu(g, fc), `${pre(i)}.mlp.c_proj.weight`, `${pre(i)}.mlp.c_proj.bias`), 3 + 3 * i, training);
}

/**
 * Logits [B·T, V] of token ids [B, T] (binary32 ids). `posIds` ([T] ids 0..T-1) is needed only
 * when T < blockSize; at T = blockSize wpe is added whole (same bits: see REPOPS §15.11).
 */
export function gptForward(g: Graph, c: GptConfig, ids: number, params: number[], opts: GptForwardOpts = {}): number {
  const { posIds, training = false } = opts;
  const P = paramLookup(c, params);
  const [B, T] = g.shape(ids);
  if (g.shape(ids).length !== 2 || T > c.blockSize) throw new Error(`gpt: ids must be [B, T] with T <= blockSize (${c.blockSize}), got [${g.shape(ids)}]`);
  const C = c.nEmbd;
  const wpe = P('transformer.wpe.weight');
  let pos = wpe;
  if (T < c.blockSize) {
    if (posIds === undefined) throw new Error(`gpt: T = ${T} < blockSize = ${c.blockSize} needs position ids`);
    pos = g.add('gather_rows', [wpe, posIds]);
  }
  const tok = g.add('gather_rows', [P('transformer.wte.weight'), ids], [], 'wte[ids]');
  let x = dropout(g, c, g.reshape(g.add('add', [tok, pos]), [B * T, C]), 0, training);
  for (let i = 0; i < c.nLayer; i++) {
    x = g.add('add', [x, attention(g, c, P, ln(g, c, P, x, `${pre(i)}.ln_1`), i, B, T, training)]);
    x = g.add('add', [x, mlp(g, c, P, ln(g, c, P, x, `${pre(i)}.ln_2`), i, training)]);
  }
  const h = ln(g, c, P, x, 'transformer.ln_f');
  return g.add('matmul', [h, P('transformer.wte.weight')], [0, 1], 'lm_head (tied wte)');
}

/** Per-token negative log-likelihood [N, 1] of logits [N, V] at integer targets [N] (REPOPS §9 loss without the mean). */
export function tokenNll(g: Graph, logits: number, targets: number): number {
  const V = g.shape(logits)[1];
  const s = g.add('sub', [logits, g.add('rowmax', [logits], [1])]);
  const lse = g.add('log', [g.add('sum', [g.add('exp', [s])], [1])]);
  const nll = g.add('mul', [g.add('onehot', [targets], [V]), g.add('sub', [lse, s])]);
  return g.add('sum', [nll], [1]);
}

/** Mean cross-entropy over all B·T positions (REPOPS §9's loss with one-hot targets), a [1] node; a training pass (dropout). */
export function gptLoss(g: Graph, c: GptConfig, ids: number, targets: number, params: number[]): number {
  const logits = gptForward(g, c, ids, params, { training: true });
  const N = numel(g.shape(targets));
  const total = g.add('sum', [tokenNll(g, logits, g.reshape(targets, [N]))], [0]);
  return g.scale(g.reshape(total, [1]), 1 / N, 'loss');
}

export interface NamedTensor {
  name: string;
  shape: Shape;
  data: Float32Array; // row-major, PyTorch layout
}

/**
 * The parameters as nanoGPT state-dict tensors, in state-dict order: c_attn.weight = rows
 * [q; k; v] ([3C, C]), c_attn.bias = [q; k; v] ([3C]); every other tensor as stored (Linear
 * weights are already [out, in]). `lmHead` adds `lm_head.weight`, a copy of wte (tied in nanoGPT).
 */
export function gptStateDict(c: GptConfig, params: Float32Array[], opts: { lmHead?: boolean } = {}): NamedTensor[] {
  const specs = gptParams(c);
  if (params.length !== specs.length) throw new Error(`gptStateDict: expected ${specs.length} parameter tensors, got ${params.length}`);
  const out: NamedTensor[] = [];
  specs.forEach((p, i) => {
    if (params[i].length !== numel(p.shape)) throw new Error(`gptStateDict: ${p.name} has ${params[i].length} values, expected ${numel(p.shape)} for [${p.shape}]`);
    const m = /^(.*\.attn\.c_attn\.(weight|bias))\[([qkv])\]$/.exec(p.name);
    if (!m) return void out.push({ name: p.name, shape: [...p.shape], data: params[i].slice() });
    if (m[3] !== 'q') return; // k and v join q's tensor below
    const parts = [0, 1, 2].map((k) => params[i + k * (c.bias ? 2 : 1)]);
    const data = new Float32Array(3 * parts[0].length);
    parts.forEach((d, k) => data.set(d, k * d.length));
    out.push({ name: m[1], shape: [3 * p.shape[0], ...p.shape.slice(1)], data });
  });
  if (opts.lmHead) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, c.nEmbd], data: params[0].slice() });
  return out;
}

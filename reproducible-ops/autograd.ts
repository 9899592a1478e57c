// Reverse-mode autograd over the op table: for each op a rule that emits table ops for
// the gradient of each input (docs/REPOPS.md §8). Contributions to one node's gradient are
// added in the order the consumers appear in the program, so the sum order is fixed.
import { encodeDims } from './ops/table.ts';
import { dependents, type Graph } from './program.ts';
import { numel, type Shape } from './tensor.ts';

// A rule returns, per input, a thunk that emits that input's gradient (or null: none).
// Thunks run only for inputs that depend on a parameter, so no dead gradient ops (e.g. the
// gradient of the input batch) enter the program.
type Lazy = (() => number) | null;
type GradRule = (g: Graph, node: number, gy: number) => Lazy[];

/** Sum `gy` down to `target` (undo numpy broadcasting). */
export function reduceTo(g: Graph, gy: number, target: Shape): number {
  const s = g.shape(gy);
  if (s.length === target.length && s.every((d, i) => d === target[i])) return gy;
  let cur = gy;
  const off = s.length - target.length;
  for (let ax = 0; ax < s.length; ax++) {
    const t = ax < off ? 1 : target[ax - off];
    if (t === 1 && s[ax] !== 1) cur = g.add('sum', [cur], [ax]);
  }
  return g.reshape(cur, target);
}

const sameAs = (g: Graph, node: number, i: number, x: number) => reduceTo(g, x, g.shape(g.nodes[node].inputs[i]));
const input = (g: Graph, n: number, i: number) => g.nodes[n].inputs[i];

// repops-3 (REPOPS §15.7)
const TRANSFORMER_RULES: Record<string, GradRule> = {
  bmm: (g, n, gy) => {
    const { inputs: [a, b], attrs: [ta, tb] } = g.nodes[n];
    // per batch index exactly matmul's rule
    return [
      () => (ta ? g.add('bmm', [b, gy], [tb, 1]) : g.add('bmm', [gy, b], [0, tb ? 0 : 1])),
      () => (tb ? g.add('bmm', [gy, a], [1, ta]) : g.add('bmm', [a, gy], [ta ? 0 : 1, 0])),
    ];
  },
  permute: (g, n, gy) => [
    () => {
      const perm = g.nodes[n].attrs.slice(1);
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return g.add('permute', [gy], [inv.length, ...inv]);
    },
  ],
  gather_rows: (g, n, gy) => [() => g.add('scatter_rows', [gy, input(g, n, 1)], [g.shape(input(g, n, 0))[0]]), null], // ids: no gradient
  scatter_rows: (g, n, gy) => [() => g.add('gather_rows', [gy, input(g, n, 1)]), null],
  causal_fill: (g, _n, gy) => [() => g.add('causal_fill', [gy], [0])], // filled positions do not depend on x
  // d erf(x)/dx = 2/sqrt(pi) * exp(-(x*x)), applied as (gy * 2/sqrt(pi)) * exp(-(x*x))
  erf: (g, n, gy) => [
    () => {
      const x = input(g, n, 0);
      return g.add('mul', [g.scale(gy, 2 / Math.sqrt(Math.PI)), g.add('exp', [g.add('neg', [g.add('mul', [x, x])])])]);
    },
  ],
  onehot: () => [null],
  token_windows: () => [null],
  rng_normal: () => [],
  lr_cosine: () => [],
};

const RULES: Record<string, GradRule> = {
  add: (g, n, gy) => [() => sameAs(g, n, 0, gy), () => sameAs(g, n, 1, gy)],
  sub: (g, n, gy) => [() => sameAs(g, n, 0, gy), () => sameAs(g, n, 1, g.add('neg', [gy]))],
  mul: (g, n, gy) => [
    () => sameAs(g, n, 0, g.add('mul', [gy, input(g, n, 1)])),
    () => sameAs(g, n, 1, g.add('mul', [gy, input(g, n, 0)])),
  ],
  div: (g, n, gy) => {
    const [a, b] = g.nodes[n].inputs;
    let da: number | null = null;
    const gyOverB = () => (da ??= g.add('div', [gy, b]));
    return [
      () => sameAs(g, n, 0, gyOverB()),
      // -gy*a/b^2 computed as -((gy/b)*a)/b
      () => sameAs(g, n, 1, g.add('neg', [g.add('div', [g.add('mul', [gyOverB(), a]), b])])),
    ];
  },
  neg: (g, _n, gy) => [() => g.add('neg', [gy])],
  exp: (g, n, gy) => [() => g.add('mul', [gy, n])],
  log: (g, n, gy) => [() => g.add('div', [gy, input(g, n, 0)])],
  sqrt: (g, n, gy) => [() => g.add('div', [g.scale(gy, 0.5), n])],
  relu: (g, n, gy) => [() => g.add('relu_grad', [input(g, n, 0), gy])],
  scale: (g, n, gy) => [() => g.add('scale', [gy], g.nodes[n].attrs)],
  addc: (_g, _n, gy) => [() => gy],
  matmul: (g, n, gy) => {
    const { inputs: [a, b], attrs: [ta, tb] } = g.nodes[n];
    // C = op(A) op(B); dA = dC op(B)^T (transposed back if A was), likewise dB
    return [
      () => (ta ? g.add('matmul', [b, gy], [tb, 1]) : g.add('matmul', [gy, b], [0, tb ? 0 : 1])),
      () => (tb ? g.add('matmul', [gy, a], [1, ta]) : g.add('matmul', [a, gy], [ta ? 0 : 1, 0])),
    ];
  },
  sum: (g, n, gy) => [() => g.add('expand', [gy], encodeDims(g.shape(input(g, n, 0))))],
  rowmax: () => [null], // stabiliser only: treated as a constant (no gradient)
  maxpool2d: (g, n, gy) => [() => g.add('maxpool2d_grad', [input(g, n, 0), n, gy], g.nodes[n].attrs)],
  im2col: (g, n, gy) => [
    () => {
      const [B, H, W, C] = g.shape(input(g, n, 0));
      const [k, stride, pad] = g.nodes[n].attrs;
      return g.add('col2im', [gy], [B, H, W, C, k, stride, pad]);
    },
  ],
  reshape: (g, n, gy) => [() => g.reshape(gy, g.shape(input(g, n, 0)))],
  expand: (g, n, gy) => [() => reduceTo(g, gy, g.shape(input(g, n, 0)))],
  copy: (_g, _n, gy) => [() => gy],
  ...TRANSFORMER_RULES,
};

/**
 * Append the gradient program of `loss` (a scalar node) with respect to `params`.
 * Returns the gradient node of each param (same order).
 */
export function backward(g: Graph, loss: number, params: number[]): number[] {
  if (numel(g.shape(loss)) !== 1) throw new Error(`backward: loss must be a scalar, got [${g.shape(loss)}]`);
  const live = dependents(g, params);
  const contrib = new Map<number, number[]>();
  const push = (node: number, gr: number) => {
    if (!live.has(node)) return;
    const list = contrib.get(node) ?? [];
    list.push(gr);
    contrib.set(node, list);
  };
  push(loss, g.fill(g.shape(loss), 1, 'dloss'));
  for (let n = loss; n >= 0; n--) {
    const list = contrib.get(n);
    if (!list) continue;
    let total = list[0];
    for (let i = 1; i < list.length; i++) total = g.add('add', [total, list[i]]);
    contrib.set(n, [total]);
    if (params.includes(n)) continue;
    const node = g.nodes[n];
    const rule = RULES[node.op];
    if (!rule) throw new Error(`backward: op '${node.op}' has no gradient rule`);
    const grads = rule(g, n, total);
    node.inputs.forEach((x, i) => {
      const gr = grads[i];
      if (gr && live.has(x)) push(x, gr());
    });
  }
  return params.map((p) => {
    const c = contrib.get(p);
    if (!c) throw new Error(`backward: parameter node ${p} does not influence the loss`);
    return c[0];
  });
}

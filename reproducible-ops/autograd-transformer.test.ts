// Gradient rules of the repops-3 ops and of the compositions a GPT builds from them (softmax,
// layer norm, GELU, causal attention), against central finite differences in binary64
// (test-support/grad-check.ts states the tolerances), plus the binary32 program's agreement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward } from './autograd.ts';
import { encodeDims } from './ops/table.ts';
import type { Graph } from './program.ts';
import { CaseBuilder, gradTest } from './test-support/grad-check.ts';
import { Rand } from './test-support/op-cases.ts';

const NEG_INF_BITS = 0xff800000;

for (const [ta, tb] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
  gradTest(`bmm transA=${ta} transB=${tb} ([2,3] batches of 3x5 . 5x2)`, (b) => {
    const [M, K, N] = [3, 5, 2];
    const a = b.param([2, 3, ...(ta ? [K, M] : [M, K])]), w = b.param([2, 3, ...(tb ? [N, K] : [K, N])]);
    return b.weightedLoss(b.g.add('bmm', [a, w], [ta, tb]));
  });
}
gradTest('permute [2,3,4] by [2,0,1] (gradient: inverse permute)', (b) => b.weightedLoss(b.g.add('permute', [b.param([2, 3, 4])], encodeDims([2, 0, 1]))));
gradTest('permute [2,3,2,4] by [0,2,1,3] (head split)', (b) => b.weightedLoss(b.g.add('permute', [b.param([2, 3, 2, 4])], encodeDims([0, 2, 1, 3]))));
gradTest('gather_rows [7,3] table, repeated ids (gradient: scatter_rows)', (b) => {
  const ids = b.constant([2, 5], [0, 3, 3, 6, 0, 3, 1, 1, 5, 3]);
  return b.weightedLoss(b.g.add('gather_rows', [b.param([7, 3]), ids]));
});
gradTest('scatter_rows into V=4 (gradient: gather_rows)', (b) => {
  const ids = b.constant([6], [2, 0, 2, 3, 2, 0]);
  return b.weightedLoss(b.g.add('scatter_rows', [b.param([6, 3]), ids], [4]));
});
gradTest('causal_fill -inf then exp (filled positions get no gradient)', (b) =>
  b.weightedLoss(b.g.add('exp', [b.g.add('causal_fill', [b.param([2, 4, 4])], [NEG_INF_BITS])])));
gradTest('erf over all its ranges', (b) => b.weightedLoss(b.g.add('erf', [b.param([23], -3.5, 3.5)])));

// --- compositions (docs/REPOPS.md §15.8) ---------------------------------------------------------
function softmax(g: Graph, x: number): number {
  const s = g.shape(x), last = s.length - 1;
  const e = g.add('exp', [g.add('sub', [x, g.add('rowmax', [x], [last])])]);
  return g.add('div', [e, g.add('sum', [e], [last])]);
}

function layerNorm(b: CaseBuilder, x: number, C: number): number {
  const g = b.g, last = g.shape(x).length - 1;
  const xc = g.add('sub', [x, g.scale(g.add('sum', [x], [last]), 1 / C)]);
  const variance = g.scale(g.add('sum', [g.add('mul', [xc, xc])], [last]), 1 / C);
  const rstd = g.add('div', [g.fill([1], 1), g.add('sqrt', [g.addc(variance, 1e-5)])]);
  return g.add('add', [g.add('mul', [g.add('mul', [xc, rstd]), b.param([C], 0.5, 1.5)]), b.param([C])]);
}

function gelu(g: Graph, x: number): number {
  return g.add('mul', [g.scale(x, 0.5), g.addc(g.add('erf', [g.scale(x, Math.SQRT1_2)]), 1)]);
}

gradTest('softmax over the last axis of [3,5] (rowmax a constant stabiliser)', (b) => b.weightedLoss(softmax(b.g, b.param([3, 5], -3, 3))));
gradTest('layer norm of [4,6] with affine weight and bias (eps 1e-5)', (b) => b.weightedLoss(layerNorm(b, b.param([4, 6], -2, 2), 6)));
gradTest('gelu (erf form) of [13]', (b) => b.weightedLoss(gelu(b.g, b.param([13], -4, 4))));
gradTest('causal self-attention: B=2, T=3, 2 heads of size 2', (b) => {
  const [B, T, H, hs] = [2, 3, 2, 2];
  const g = b.g;
  const heads = (x: number) => g.add('permute', [g.reshape(x, [B, T, H, hs])], encodeDims([0, 2, 1, 3]));
  const [q, k, v] = [0, 1, 2].map(() => heads(b.param([B * T, H * hs])));
  const att = g.add('causal_fill', [g.scale(g.add('bmm', [q, k], [0, 1]), 1 / Math.sqrt(hs))], [NEG_INF_BITS]);
  const y = g.add('bmm', [softmax(g, att), v], [0, 0]);
  return b.weightedLoss(g.reshape(g.add('permute', [y], encodeDims([0, 2, 1, 3])), [B * T, H * hs]));
});
gradTest('embeddings: wte[ids] + wpe, tied head logits, cross-entropy via onehot', (b) => {
  const g = b.g, [V, T, C] = [5, 3, 4];
  const wte = b.param([V, C]);
  const ids = b.constant([2, T], [4, 0, 4, 1, 1, 3]);
  const h = g.add('add', [g.add('gather_rows', [wte, ids]), b.param([T, C])]);
  const logits = g.add('matmul', [g.reshape(h, [2 * T, C]), wte], [0, 1]);
  const target = g.add('onehot', [b.constant([2 * T], [0, 4, 1, 1, 3, 2])], [V]);
  const logp = g.add('sub', [logits, g.add('log', [g.add('sum', [g.add('exp', [logits])], [1])])]);
  const nll = g.add('neg', [g.add('sum', [g.add('sum', [g.add('mul', [logp, target])], [1])], [0])]);
  return b.done(g.reshape(nll, [1]));
});

test('onehot has no gradient: a loss reaching a parameter only through onehot is rejected', () => {
  const b = new CaseBuilder(new Rand(9));
  const x = b.param([4]);
  const loss = b.g.reshape(b.g.add('sum', [b.g.add('sum', [b.g.add('onehot', [x], [3])], [1])], [0]), [1]);
  assert.throws(() => backward(b.g, loss, [x]), /parameter node \d+ does not influence the loss/);
});

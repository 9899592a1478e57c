// An independent binary64 implementation of nanoGPT's GPT forward (model.py, eval mode), written
// from the published architecture and reading nanoGPT state-dict tensors (c_attn [3C, C] split
// into q, k, v by rows, as `self.c_attn(x).split(n_embd, dim=2)` does). Tests compare the table
// program (through gptStateDict) with it.
import { erf } from 'mathjs';
import type { GptConfig, NamedTensor } from '../gpt.ts';

type Vec = Float64Array;

function byName(sd: NamedTensor[]): (n: string) => Float32Array | null {
  const m = new Map(sd.map((t) => [t.name, t.data]));
  return (n) => m.get(n) ?? null;
}

/** y[out] = W[out, in]·x (+ b), W row-major [out, in] (nn.Linear). */
function linear(x: Vec, w: Float32Array, b: Float32Array | null, out: number, rowOff = 0): Vec {
  const n = x.length, y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b[rowOff + o] : 0;
    for (let i = 0; i < n; i++) s += w[(rowOff + o) * n + i] * x[i];
    y[o] = s;
  }
  return y;
}

function layerNorm(x: Vec, w: Float32Array, b: Float32Array | null): Vec {
  const C = x.length;
  const mean = x.reduce((a, v) => a + v, 0) / C;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / C;
  const r = 1 / Math.sqrt(variance + 1e-5);
  return x.map((v, i) => (v - mean) * r * w[i] + (b ? b[i] : 0));
}

const gelu = (v: number) => 0.5 * v * (1 + (erf(v / Math.SQRT2) as number));

/** Logits [T][V] of one sequence of token ids (T <= blockSize). */
export function gpt64Logits(c: GptConfig, sd: NamedTensor[], ids: number[]): Vec[] {
  const P = byName(sd), W = (n: string) => P(n)!;
  const C = c.nEmbd, H = c.nHead, hs = C / H, T = ids.length;
  const wte = W('transformer.wte.weight'), wpe = W('transformer.wpe.weight');
  let x: Vec[] = ids.map((id, t) => Float64Array.from({ length: C }, (_, d) => wte[id * C + d] + wpe[t * C + d]));
  for (let l = 0; l < c.nLayer; l++) {
    const p = (s: string) => `transformer.h.${l}.${s}`;
    const h1 = x.map((v) => layerNorm(v, W(p('ln_1.weight')), P(p('ln_1.bias'))));
    const qkv = h1.map((v) => linear(v, W(p('attn.c_attn.weight')), P(p('attn.c_attn.bias')), 3 * C));
    const y = x.map(() => new Float64Array(C));
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++) {
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          let a = 0;
          for (let d = 0; d < hs; d++) a += qkv[t][h * hs + d] * qkv[s][C + h * hs + d];
          return a / Math.sqrt(hs);
        });
        const m = Math.max(...scores), e = scores.map((a) => Math.exp(a - m)), z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) for (let d = 0; d < hs; d++) y[t][h * hs + d] += (e[s] / z) * qkv[s][2 * C + h * hs + d];
      }
    x = x.map((v, t) => {
      const a = linear(y[t], W(p('attn.c_proj.weight')), P(p('attn.c_proj.bias')), C);
      return v.map((u, i) => u + a[i]);
    });
    x = x.map((v) => {
      const h2 = layerNorm(v, W(p('ln_2.weight')), P(p('ln_2.bias')));
      const fc = linear(h2, W(p('mlp.c_fc.weight')), P(p('mlp.c_fc.bias')), 4 * C).map(gelu);
      const o = linear(fc, W(p('mlp.c_proj.weight')), P(p('mlp.c_proj.bias')), C);
      return v.map((u, i) => u + o[i]);
    });
  }
  return x.map((v) => linear(layerNorm(v, W('transformer.ln_f.weight'), P('transformer.ln_f.bias')), wte, null, c.vocabSize));
}

/** Cross-entropy of logits at a target, in binary64. */
export function ce64(logits: Vec, target: number): number {
  const m = Math.max(...logits);
  return Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0)) + m - logits[target];
}

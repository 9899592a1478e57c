// Builds a Backend from an executor that runs kernel descriptors (native addon or WASM
// module). Ops without a fast kernel, and shapes the descriptors cannot express, use the
// reference kernels, which compute the same bits.
import { numel } from '../tensor.ts';
import { describe, FAST_OPS, FAST_OPS_3, fusedDescriptor, OP, type Descriptor } from './descriptors.ts';
import { batchKernel } from './batch.ts';
import { allocOutput, BufferPool } from './buffer-pool.ts';
import type { FusedCall } from './kernel.ts';
import type { Backend, Kernel, KernelArgs } from './reference.ts';

export interface Executor {
  /** Compute `out` (already allocated with the output's element count) from `d`. */
  exec(d: Descriptor, out: Float32Array): void;
  /** Allocate an output buffer (default: a fresh one without zero fill). */
  alloc?(n: number): Float32Array;
  /** Take back a buffer `alloc` returned (default: the backend's BufferPool). */
  release?(b: Float32Array): void;
}

/** Kernels that ship their input through unchanged (the reference aliases them too). */
function aliasesInput(op: string, a: KernelArgs): boolean {
  return op === 'expand' && a.inputs[0].length === numel(a.outShape);
}

export function fastKernel(op: string, ex: Executor, fallback: Kernel): Kernel {
  return (a: KernelArgs) => {
    const n = numel(a.outShape);
    if (n === 0 || aliasesInput(op, a)) return fallback(a);
    const d = describe(op, a);
    if (!d) return fallback(a);
    const out = ex.alloc ? ex.alloc(n) : allocOutput(n);
    ex.exec(d, out);
    return out;
  };
}

/**
 * matmul with few output columns (N < 32: a conv layer's filters) wastes vector lanes,
 * which run across columns. It runs as the transposed product instead, out^T = op(b)^T
 * op(a)^T, whose lanes run across the many rows, then transposes back. Every element is
 * still acc = +0, then acc + a(i,k)*b(k,j) for k ascending (the product commutes exactly).
 */
function matmulKernel(ex: Executor, alloc: (n: number) => Float32Array, release: (b: Float32Array) => void, fallback: Kernel): Kernel {
  const plain = fastKernel('matmul', { exec: ex.exec, alloc }, fallback);
  return (a: KernelArgs) => {
    const d = describe('matmul', a);
    if (!d) return plain(a);
    const [M, K, N, ta, tb] = d.words;
    if (!(N < 32 && M > N && K > 0)) return plain(a);
    const t = alloc(N * M);
    ex.exec({ op: OP.MATMUL, words: [N, K, M, tb ? 0 : 1, ta ? 0 : 1], consts: [], inputs: [a.inputs[1], a.inputs[0]] }, t);
    const out = alloc(M * N);
    ex.exec({ op: OP.TRANSPOSE, words: [N, M], consts: [], inputs: [t] }, out);
    release(t);
    return out;
  };
}

export function fastBackend(name: string, ex: Executor, reference: Backend): Backend {
  const pool = new BufferPool();
  const release = ex.release ?? ((b: Float32Array) => pool.release(b));
  const pooled: Executor = { exec: ex.exec, alloc: ex.alloc ?? ((n) => pool.alloc(n)) };
  const kernels: Record<string, Kernel> = {};
  for (const op of [...FAST_OPS, ...FAST_OPS_3]) kernels[op] = fastKernel(op, pooled, reference.kernels[op]!);
  kernels.matmul = matmulKernel(ex, pooled.alloc!, release, reference.kernels.matmul!);
  kernels.batch = batchKernel(pooled.alloc!);
  const fused = (c: FusedCall): Float32Array => {
    const out = pooled.alloc!(c.count);
    ex.exec(fusedDescriptor(c), out);
    return out;
  };
  return { name, kernels, release, alloc: pooled.alloc, fused };
}

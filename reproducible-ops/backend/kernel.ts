// Kernel and backend types (types only), apart from reference.ts so kernel files share them
// without importing each other.
import type { Shape } from '../tensor.ts';

export interface KernelArgs {
  inputs: Float32Array[];
  inShapes: Shape[];
  outShape: Shape;
  attrs: number[];
  seed: number;
  step: number;
}

export type Kernel = (a: KernelArgs) => Float32Array;

/** An operand of a fused step: a full input tensor, an earlier step's result, or a scalar. */
export type FusedOperand = { input: number } | { step: number } | { scalar: number };

/** One elementwise table op of a fused chain (`attr`: the bits of scale/addc's constant). */
export interface FusedStep {
  op: string;
  args: FusedOperand[];
  attr?: number;
}

/**
 * A chain of elementwise ops over tensors of `count` elements (reproducible-ops/fusion.ts):
 * up to FUSION_LIMITS.inputs full inputs and any scalars (the bits of 1-element tensors, so
 * a NaN keeps its payload);
 * the last step's result is the output. Same bits as running the steps one by one.
 */
export interface FusedCall {
  count: number;
  steps: FusedStep[];
  inputs: Float32Array[];
  scalarBits: number[];
}

/** What one fused call may hold (the OP_FUSED descriptor of native/src/k_fused.inc). */
export const FUSION_LIMITS = { inputs: 3, steps: 29, words: 37 } as const;

export interface Backend {
  name: string;
  kernels: Partial<Record<string, Kernel>>;
  /** Optional faster computation of merkle.ts dataRoot (same value; used for state hashing). */
  dataRoot?: (data: Float32Array) => Buffer;
  /** Optional: the same roots computed off the main thread (see Engine.stateHashAsync). */
  dataRootsAsync?: (tensors: Float32Array[]) => Promise<Buffer[]>;
  /** Optional: the engine hands back output buffers it no longer references (for reuse). */
  release?: (buf: Float32Array) => void;
  /** Optional: an uninitialised buffer in the backend's own memory, which its kernels read
   *  without copying (the WASM backend's kernels run in the module's memory). */
  alloc?: (n: number) => Float32Array;
  /** Optional: run a fused elementwise chain in one pass (the engine fuses when this exists). */
  fused?: (c: FusedCall) => Float32Array;
}

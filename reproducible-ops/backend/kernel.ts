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
}

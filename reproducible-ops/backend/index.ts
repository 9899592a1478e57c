// Backend registry: `--backend reference|wasm|native|auto` and `--threads N`.
// Every backend produces identical bits (backends.test.ts checks it), so the choice only
// changes speed: auto takes the fastest one that loads (native, then wasm, then reference).
import { availableParallelism } from 'node:os';
import { createNativeBackend, loadNativeAddon, nativeLoadError } from './native.ts';
import { referenceBackend, type Backend } from './reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';

export type BackendName = 'reference' | 'wasm' | 'native' | 'auto';
export const BACKEND_NAMES: BackendName[] = ['reference', 'wasm', 'native', 'auto'];

export interface BackendOptions {
  /** Threads for kernel calls (native/wasm); default: the machine's available parallelism. */
  threads?: number;
  /** Called with a one-line notice when a requested backend is unavailable and another is used. */
  notice?: (msg: string) => void;
}

export const MAX_THREADS = 16;

function checkThreads(threads: unknown): number {
  if (threads === undefined) return Math.min(MAX_THREADS, Math.max(1, availableParallelism()));
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
    throw new Error(`threads: expected an integer in [1, ${MAX_THREADS}], got ${String(threads)}`);
  return threads;
}

/** Which fast backends load here, and why the others do not. */
export function backendAvailability(): { native: boolean; wasm: boolean; nativeError: string; wasmError: string } {
  const native = loadNativeAddon() !== null, wasm = loadWasmRuntime() !== null;
  return { native, wasm, nativeError: nativeLoadError(), wasmError: wasmLoadError() };
}

/** Resolve a backend by name; falls back (native -> wasm -> reference) with a notice. */
export async function getBackend(name: BackendName = 'auto', opts: BackendOptions = {}): Promise<Backend> {
  if (!BACKEND_NAMES.includes(name)) throw new Error(`unknown backend '${name}': expected one of ${BACKEND_NAMES.join(', ')}`);
  const threads = checkThreads(opts.threads);
  const notice = opts.notice ?? ((msg: string) => console.warn(msg));
  if (name === 'reference') return referenceBackend;
  const avail = backendAvailability();
  if (name === 'native' || name === 'auto') {
    if (avail.native) return createNativeBackend({ threads });
    notice(`native backend unavailable (${avail.nativeError}); using ${avail.wasm ? 'wasm' : 'reference'}`);
  }
  if (avail.wasm) return createWasmBackend({ threads });
  notice(`wasm backend unavailable (${avail.wasmError}); using reference`);
  return referenceBackend;
}

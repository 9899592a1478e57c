// Native backend: the C kernels of native/src as a Node-API addon (built by
// native/build.mjs at install time). Works directly on the Float32Arrays' memory and
// splits large kernel calls over native threads.
import { LANES, type Exec } from './peak.ts';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Descriptor } from './descriptors.ts';
import { fastBackend, type Executor } from './fast.ts';
import { referenceBackend, type Backend } from './reference.ts';

/** The addon built by native/build.mjs; OPTRAIN_NATIVE_ADDON overrides it (tests of the fallback). */
export const NATIVE_ADDON_PATH = process.env.OPTRAIN_NATIVE_ADDON || fileURLToPath(new URL('../../native/build/optrain_native.node', import.meta.url));

interface Addon {
  run(words: Int32Array, consts: Float32Array, in0: Float32Array | null, in1: Float32Array | null, in2: Float32Array | null, out: Float32Array): void;
  setThreads(n: number): number;
  setGrain(workPerPart: number): void;
  dataRoot(data: Float32Array, out: Uint8Array): void;
  dataRootsAsync(tensors: Float32Array[]): Promise<Buffer[]>;
  setIsa(name: string): boolean;
  isa(): string;
  isas(): string[];
}

let addon: Addon | null | undefined;
let loadError = '';

/** The addon, or null (with the reason in nativeLoadError()) when it is not built/loadable. */
export function loadNativeAddon(): Addon | null {
  if (addon !== undefined) return addon;
  if (!existsSync(NATIVE_ADDON_PATH)) {
    loadError = `${NATIVE_ADDON_PATH} is missing (build it with: npm run build:native)`;
    return (addon = null);
  }
  try {
    addon = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as Addon;
  } catch (e) {
    loadError = `${NATIVE_ADDON_PATH} failed to load: ${(e as Error).message.split('\n')[0]}`;
    addon = null;
  }
  return addon;
}

export function nativeLoadError(): string {
  return loadError;
}

/** The executor whose thread count / ISA / grain the addon currently has. */
let current: Executor | null = null;

export interface NativeBackend extends Backend {
  threads: number;
  isa: string;
  /** Instruction-set flavours this CPU can run (widest first). */
  isas: string[];
  /** Vector lanes of `isa`'s kernels. */
  lanes: number;
  /** Runs one kernel descriptor (the bench's OP_PEAK ceiling kernel goes through here). */
  kernelExec: Exec;
}

/**
 * The native backend with `threads` threads and the widest instruction set the CPU has
 * (or `isa`). Thread count and ISA are process-wide settings of the addon: the last
 * backend created sets them, and every native backend object reapplies its own settings
 * before each call, so several can coexist (tests compare them).
 */
export interface NativeOptions {
  threads?: number;
  isa?: string;
  /** Work units per thread part (default 16384: a GPT step's AdamW and [B*T, C] elementwise
   *  calls then split too, best of alternating runs 75-97 ms vs 88-133 ms per step at 2
   *  threads on 2 busy cores); tests use 1 to split even tiny calls. */
  grain?: number;
}

export function createNativeBackend({ threads = 1, isa, grain = 16384 }: NativeOptions = {}): NativeBackend {
  const a = loadNativeAddon();
  if (!a) throw new Error(`native backend unavailable: ${loadError}`);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new Error(`native backend: threads must be an integer in [1, 64], got ${threads}`);
  const wantIsa = isa ?? a.isas()[0];
  if (!a.isas().includes(wantIsa)) throw new Error(`native backend: instruction set '${wantIsa}' not available here; expected one of ${a.isas().join(', ')}`);
  const words = new Int32Array(41);
  const consts = new Float32Array(4);
  let applied = false;
  const apply = () => {
    if (applied && current === ex) return;
    a.setThreads(threads);
    a.setIsa(wantIsa);
    a.setGrain(grain);
    current = ex;
    applied = true;
  };
  const ex: Executor = {
    exec(d: Descriptor, out: Float32Array) {
      apply();
      words[0] = d.op;
      for (let i = 0; i < d.words.length; i++) words[i + 1] = d.words[i];
      const w = d.words.length + 1 === words.length ? words : words.subarray(0, d.words.length + 1);
      consts.fill(0);
      for (let i = 0; i < d.consts.length; i++) consts[i] = d.consts[i];
      a.run(w, consts, d.inputs[0] ?? null, d.inputs[1] ?? null, d.inputs[2] ?? null, out);
    },
  };
  const b = fastBackend(`native(${wantIsa}, ${threads} thread${threads > 1 ? 's' : ''})`, ex, referenceBackend);
  const dataRoot = (data: Float32Array): Buffer => {
    apply();
    const out = Buffer.alloc(32);
    a.dataRoot(data, out);
    return out;
  };
  // Hashing off the main thread (while the next step runs) pays only when a core is free
  // for it. With a pool thread on every core, the hash thread takes a core the step's
  // parts wait for (MNIST MLP on 2 threads: 99k samples/s with it, 15.6% of the loop
  // waiting for hashes); the engine then hashes in the call, on the pool's threads.
  const dataRootsAsync = threads < availableParallelism() ? (tensors: Float32Array[]): Promise<Buffer[]> => a.dataRootsAsync(tensors) : undefined;
  const kernelExec: Exec = (d, out) => ex.exec(d, out);
  return { ...b, dataRoot, dataRootsAsync, threads, isa: wantIsa, isas: a.isas(), lanes: LANES[wantIsa] ?? 1, kernelExec };
}

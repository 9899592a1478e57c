// WASM SIMD backend: the C kernels of native/src compiled to wasm32 + simd128
// (wasm/build/repops.wasm). One shared linear memory holds inputs, outputs, descriptors,
// per-thread stacks and matmul scratch; worker threads run their own instances of the
// module over that memory and take parts of a call, synchronised with Atomics on a small
// control block (calls stay synchronous, as the engine expects). Output tensors are
// allocated in that memory too (TensorHeap below), so a kernel reads its inputs and writes
// its output in place; only tensors made elsewhere (JS, the reference kernels) are copied.
import { LANES, type Exec } from './peak.ts';
import { existsSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Descriptor } from './descriptors.ts';
import { allocOutput } from './buffer-pool.ts';
import { FreeList } from './free-list.ts';
import { fastBackend, type Executor } from './fast.ts';
import { referenceBackend, type Backend } from './reference.ts';
import { CTRL, CTRL_WORDS, publishBlocks, runBlocks, WORKER_SOURCE } from './wasm-worker.ts';

/** The module built by wasm/build.mjs; OPTRAIN_WASM_MODULE overrides it (tests of the fallback). */
export const WASM_MODULE_PATH = process.env.OPTRAIN_WASM_MODULE || fileURLToPath(new URL('../../wasm/build/repops.wasm', import.meta.url));

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB, the maximum the module declares
const STACK_BYTES = 256 * 1024;
const DESC_WORDS = 49; // op, n[40], c[4], in[3], out: see repops.h
const MAX_THREADS = 16;
/** Tensors stop being placed in the module's memory beyond this (the rest stays for copies). */
const TENSOR_HEAP_LIMIT = 1536 * 1024 * 1024;

interface Exports {
  run(desc: number, part: number, parts: number, scratch: number): void;
  parts(desc: number, maxParts: number, grain: number): number;
  data_root(data: number, n: number, leaves: number, out: number): void;
  desc_size(): number;
  scratch_floats(): number;
  __heap_base: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
}

/** The process-wide WASM runtime: one memory, the main instance and the worker pool. */
class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly ex: Exports;
  private readonly module: WebAssembly.Module;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4)); // see wasm-worker.ts CTRL
  private readonly workers: Worker[] = [];
  private readonly scratch: number[] = []; // matmul scratch per thread (0 = main)
  private readonly desc: number;
  private arenaBase: number;
  private f32!: Float32Array;
  private i32!: Int32Array;
  private nextStack: number;
  // Tensors in the module's memory: views released by the engine wait in `freeViews` (by
  // length: a training step allocates the same shapes every step) for reuse; a view dropped
  // without release is found by the FinalizationRegistry after garbage collection and its
  // bytes go to `free`, as do parked views when memory runs short. Wasm memory never
  // shrinks, so `free` merges neighbouring blocks and serves any size.
  private readonly ptrOf = new WeakMap<Float32Array, number>();
  private readonly freeViews = new Map<number, Float32Array[]>();
  private readonly isFree = new WeakSet<Float32Array>();
  private readonly free = new FreeList();
  private readonly collected = new FinalizationRegistry<[number, number]>(([ptr, bytes]) => this.free.give(ptr, bytes));

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.module = compileOptimized(bytes);
    this.memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
    this.ex = new WebAssembly.Instance(this.module, { env: { memory: this.memory } }).exports as unknown as Exports;
    if (this.ex.desc_size() !== DESC_WORDS * 4) throw new Error(`wasm module descriptor is ${this.ex.desc_size()} bytes, expected ${DESC_WORDS * 4}: rebuild with npm run build:wasm`);
    let top = align(this.ex.__heap_base.value as number, 64);
    this.desc = top;
    top += DESC_WORDS * 4;
    this.nextStack = align(top, 64);
    this.arenaBase = this.nextStack; // grows up as workers and scratch regions are added
    this.refreshViews();
  }

  private refreshViews(): void {
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }

  private reserve(bytes: number): number {
    const at = align(this.arenaBase, 64);
    this.arenaBase = at + bytes;
    this.ensure(this.arenaBase);
    return at;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new Error(`wasm backend: needs ${end} bytes of memory, more than the 2 GiB maximum`);
      this.memory.grow(pages);
    }
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) this.refreshViews();
  }

  /** A tensor of n elements in the module's memory (arbitrary contents), or a plain one once the heap is full. */
  alloc(n: number): Float32Array {
    const reused = this.freeViews.get(n)?.pop();
    if (reused) {
      this.isFree.delete(reused);
      return reused;
    }
    const bytes = align(n * 4, 64);
    let ptr = this.free.take(bytes);
    if (ptr === undefined && align(this.arenaBase, 64) + bytes <= TENSOR_HEAP_LIMIT) ptr = this.reserve(bytes);
    if (ptr === undefined) ptr = this.unparkViews(bytes);
    if (ptr === undefined) return allocOutput(n);
    const view = new Float32Array(this.memory.buffer, ptr, n);
    this.ptrOf.set(view, ptr);
    this.collected.register(view, [ptr, bytes], view);
    return view;
  }

  /** The heap's extent (end of the reserved memory) and its free bytes (diagnostics, tests). */
  heapStats(): { reservedEnd: number; freeBytes: number } {
    return { reservedEnd: this.arenaBase, freeBytes: this.free.bytes };
  }

  /** Memory is short: give every parked view's bytes to the free list, then take `bytes`. */
  private unparkViews(bytes: number): number | undefined {
    for (const list of this.freeViews.values())
      for (const v of list.splice(0)) {
        this.collected.unregister(v);
        this.ptrOf.delete(v); // a later use of this view as input is copied, not trusted
        this.free.give(v.byteOffset, align(v.length * 4, 64));
      }
    return this.free.take(bytes);
  }

  /** Take back a tensor `alloc` made (others are ignored: the garbage collector has them). */
  release(b: Float32Array): void {
    if (!this.ptrOf.has(b) || this.isFree.has(b)) return;
    this.isFree.add(b);
    listOf(this.freeViews, b.length).push(b);
  }

  /** Make sure `threads` threads (the caller and threads-1 workers) and their scratch exist. */
  ensureThreads(threads: number): void {
    while (this.scratch.length < threads) this.scratch.push(this.reserve(this.ex.scratch_floats() * 4));
    while (this.workers.length < threads - 1) {
      const id = this.workers.length + 1;
      const stackTop = this.reserve(STACK_BYTES) + STACK_BYTES;
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: this.module, memory: this.memory, ctrl: this.ctrl.buffer, id, stackTop, desc: this.desc, scratch: this.scratch[id] },
      });
      w.unref();
      this.workers.push(w);
    }
    // A worker must have read the current generation before the first call that needs it.
    for (let r = Atomics.load(this.ctrl, CTRL.READY); r < this.workers.length; r = Atomics.load(this.ctrl, CTRL.READY)) Atomics.wait(this.ctrl, CTRL.READY, r, 50);
  }

  exec(d: Descriptor, out: Float32Array, threads: number, grain: number): void {
    this.ensureThreads(threads);
    // Tensors of the heap are used in place; others are copied above the reserved memory.
    let end = align(this.arenaBase, 64);
    const place = (x: Float32Array): number => {
      const p = this.ptrOf.get(x);
      if (p !== undefined && !this.isFree.has(x)) return p;
      const q = end;
      end = align(end + x.length * 4, 64);
      return q;
    };
    const ptrs = d.inputs.map(place);
    const outPtr = place(out);
    this.ensure(end);
    d.inputs.forEach((x, i) => this.ptrOf.get(x) !== ptrs[i] && this.f32.set(x, ptrs[i] / 4));
    this.writeDesc(d, ptrs, outPtr);
    const parts = this.ex.parts(this.desc, threads, grain);
    if (parts > 1) this.runParallel(parts, threads);
    else this.ex.run(this.desc, 0, 1, this.scratch[0]);
    if (this.ptrOf.get(out) !== outPtr) out.set(this.f32.subarray(outPtr / 4, outPtr / 4 + out.length));
  }

  /** merkle.ts dataRoot of `data`, computed in the module (SIMD multi-buffer SHA-256). */
  dataRoot(data: Float32Array): Buffer {
    const inHeap = this.ptrOf.get(data);
    const dataPtr = inHeap ?? align(this.arenaBase, 64);
    const chunks = Math.max(1, Math.ceil(data.length / 256));
    let width = 1;
    while (width < chunks) width *= 2;
    const leavesPtr = align(inHeap === undefined ? dataPtr + data.length * 4 : this.arenaBase, 64), outPtr = leavesPtr + width * 32;
    this.ensure(outPtr + 32);
    if (inHeap === undefined) this.f32.set(data, dataPtr / 4);
    this.ex.data_root(dataPtr, data.length, leavesPtr, outPtr);
    return Buffer.from(new Uint8Array(this.memory.buffer, outPtr, 32));
  }

  private writeDesc(d: Descriptor, ptrs: number[], outPtr: number): void {
    const w = this.desc / 4;
    this.i32.fill(0, w, w + DESC_WORDS);
    this.i32[w] = d.op;
    for (let i = 0; i < d.words.length; i++) this.i32[w + 1 + i] = d.words[i];
    for (let i = 0; i < d.consts.length; i++) this.f32[w + 41 + i] = d.consts[i];
    ptrs.forEach((p, i) => (this.i32[w + 45 + i] = p));
    this.i32[w + 48] = outPtr;
  }

  /** Publish a call, claim parts here too, then wait until every part is done. */
  private runParallel(parts: number, threads: number): void {
    const c = this.ctrl;
    const call = ((Atomics.load(c, CTRL.CALL) + 1) & 0x7fff) || 1; // workers start having seen 0
    Atomics.store(c, CTRL.PENDING, parts);
    publishBlocks(c, call, parts, threads);
    Atomics.store(c, CTRL.CALL, call);
    Atomics.notify(c, CTRL.CALL);
    runBlocks(c, call, 0, (part, n) => this.ex.run(this.desc, part, n, this.scratch[0]));
    for (let spin = 0; Atomics.load(c, CTRL.PENDING) > 0 && spin < 200000; spin++);
    for (let left = Atomics.load(c, CTRL.PENDING); left > 0; left = Atomics.load(c, CTRL.PENDING)) Atomics.wait(c, CTRL.PENDING, left, 1000);
  }
}

const align = (x: number, a: number) => Math.ceil(x / a) * a;

function listOf<T>(m: Map<number, T[]>, n: number): T[] {
  let l = m.get(n);
  if (!l) m.set(n, (l = []));
  return l;
}

/**
 * Compile with every function queued for V8's optimising tier at once. With dynamic
 * tiering a kernel runs as baseline code (about half the speed) until it has been called
 * often enough; wasm has no on-stack replacement, so long calls would stay slow. The flag
 * is restored right after, so other modules compile as usual.
 */
function compileOptimized(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  v8.setFlagsFromString('--no-wasm-dynamic-tiering');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--wasm-dynamic-tiering');
  }
}

let runtime: WasmRuntime | null | undefined;
let loadError = '';

export function loadWasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  if (!existsSync(WASM_MODULE_PATH)) {
    loadError = `${WASM_MODULE_PATH} is missing (build it with: npm run build:wasm; needs clang and lld)`;
    return (runtime = null);
  }
  try {
    runtime = new WasmRuntime(new Uint8Array(readFileSync(WASM_MODULE_PATH)));
  } catch (e) {
    loadError = `${WASM_MODULE_PATH} failed to load: ${(e as Error).message.split('\n')[0]}`;
    runtime = null;
  }
  return runtime;
}

export function wasmLoadError(): string {
  return loadError;
}

export interface WasmOptions {
  threads?: number;
  /** Work units per thread part (default 65536); tests use 1 to split even tiny calls. */
  grain?: number;
}

export interface WasmBackend extends Backend {
  threads: number;
  lanes: number;
  /** Runs one kernel descriptor (the bench's OP_PEAK ceiling kernel goes through here). */
  kernelExec: Exec;
}

export function createWasmBackend({ threads = 1, grain = 65536 }: WasmOptions = {}): WasmBackend {
  const rt = loadWasmRuntime();
  if (!rt) throw new Error(`wasm backend unavailable: ${loadError}`);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new Error(`wasm backend: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
  rt.ensureThreads(threads);
  const ex: Executor = { exec: (d, out) => rt.exec(d, out, threads, grain), alloc: (n) => rt.alloc(n), release: (b) => rt.release(b) };
  const kernelExec: Exec = (d, out) => ex.exec(d, out);
  return { ...fastBackend(`wasm(${threads} thread${threads > 1 ? 's' : ''})`, ex, referenceBackend), dataRoot: (d) => rt.dataRoot(d), threads, lanes: LANES.wasm, kernelExec };
}

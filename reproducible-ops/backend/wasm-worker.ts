// Source of a WASM backend worker thread (run with `eval: true`, so it is plain CommonJS
// JavaScript, independent of the TypeScript loader). The worker instantiates the module
// over the shared memory with its own stack, then waits for a new call on the control
// block and runs parts of it, counting down `pending` for each.
// The parts of a call are cut into one contiguous block per thread, as the native pool
// does (native/src/pool.c): thread t runs block t first, so consecutive calls on the same
// shapes give each thread the same slice of the data, which stays in its core's cache;
// then it takes unclaimed parts of the other blocks, so a worker the OS has not scheduled
// does not hold the call up. Control block (Int32Array): [call counter, pending parts,
// ready workers, blocks, parts, block 0, block 1, ...], where block b = (counter & 0x7fff) << 16 |
// end << 8 | next part: a claim only succeeds for the call it names while its block has
// unclaimed parts, so a worker that wakes late never takes a part of a later call.
export const CTRL = { CALL: 0, PENDING: 1, READY: 2, BLOCKS: 3, PARTS: 4, BLOCK0: 5 } as const;
export const MAX_BLOCKS = 16;
export const CTRL_WORDS = CTRL.BLOCK0 + MAX_BLOCKS;

/** Publish the blocks of call `call` (before the call counter itself). */
export function publishBlocks(c: Int32Array, call: number, parts: number, threads: number): void {
  const n = Math.max(1, Math.min(threads, parts, MAX_BLOCKS));
  for (let b = 0; b < n; b++) {
    const start = Math.floor((parts * b) / n), end = Math.floor((parts * (b + 1)) / n);
    Atomics.store(c, CTRL.BLOCK0 + b, ((call & 0x7fff) << 16) | (end << 8) | start);
  }
  Atomics.store(c, CTRL.BLOCKS, n);
  Atomics.store(c, CTRL.PARTS, parts);
}

/** Run the unclaimed parts of call `call`, thread `tid`'s own block first (the main thread's side of the loop below). */
export function runBlocks(c: Int32Array, call: number, tid: number, run: (part: number, parts: number) => void): void {
  const n = Atomics.load(c, CTRL.BLOCKS), parts = Atomics.load(c, CTRL.PARTS);
  for (let i = 0; i < n; i++) {
    const slot = CTRL.BLOCK0 + ((tid + i) % n);
    for (;;) {
      const w = Atomics.load(c, slot);
      const part = w & 0xff, end = (w >>> 8) & 0xff;
      if (w >>> 16 !== (call & 0x7fff) || part >= end) break;
      if (Atomics.compareExchange(c, slot, w, w + 1) !== w) continue;
      run(part, parts);
      if (Atomics.sub(c, CTRL.PENDING, 1) === 1) Atomics.notify(c, CTRL.PENDING);
    }
  }
}

export const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, id, stackTop, desc, scratch } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
ex.__stack_pointer.value = stackTop;
const c = new Int32Array(ctrl);
let seen = Atomics.load(c, ${CTRL.CALL});
Atomics.add(c, ${CTRL.READY}, 1);
Atomics.notify(c, ${CTRL.READY});
for (;;) {
  let g = Atomics.load(c, ${CTRL.CALL});
  for (let spin = 0; g === seen && spin < 20000; spin++) g = Atomics.load(c, ${CTRL.CALL});
  if (g === seen) {
    Atomics.wait(c, ${CTRL.CALL}, seen);
    continue;
  }
  seen = g;
  const n = Atomics.load(c, ${CTRL.BLOCKS}), parts = Atomics.load(c, ${CTRL.PARTS});
  for (let i = 0; i < n; i++) {
    const slot = ${CTRL.BLOCK0} + ((id + i) % n);
    for (;;) {
      const w = Atomics.load(c, slot);
      const part = w & 0xff, end = (w >>> 8) & 0xff;
      if (w >>> 16 !== (g & 0x7fff) || part >= end) break;
      if (Atomics.compareExchange(c, slot, w, w + 1) !== w) continue;
      ex.run(desc, part, parts, scratch);
      if (Atomics.sub(c, ${CTRL.PENDING}, 1) === 1) Atomics.notify(c, ${CTRL.PENDING});
    }
  }
}
`;

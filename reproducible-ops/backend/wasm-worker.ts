// Source of a WASM backend worker thread (run with `eval: true`, so it is plain CommonJS
// JavaScript, independent of the TypeScript loader). The worker instantiates the module
// over the shared memory with its own stack, then waits for a new call on the control
// block and claims parts of it until none is left, counting down `pending` for each.
// Control block (Int32Array): [call counter, pending parts, ready workers, claim], where
// claim = (counter & 0x7fff) << 16 | parts << 8 | next part: a claim only succeeds for the
// call it names while it has unclaimed parts, so a worker that wakes late never takes a
// part of a later call, and a part of a worker the OS has not scheduled is taken by
// whichever thread is free.
export const CTRL = { CALL: 0, PENDING: 1, READY: 2, CLAIM: 3 } as const;

export function claimWord(call: number, parts: number): number {
  return ((call & 0x7fff) << 16) | (parts << 8);
}

/** Run unclaimed parts of call `call` (the main thread's side of the worker loop below). */
export function runClaimed(c: Int32Array, call: number, run: (part: number, parts: number) => void): void {
  for (;;) {
    const w = Atomics.load(c, CTRL.CLAIM);
    const part = w & 0xff, parts = (w >>> 8) & 0xff;
    if (w >>> 16 !== (call & 0x7fff) || part >= parts) return;
    if (Atomics.compareExchange(c, CTRL.CLAIM, w, w + 1) !== w) continue;
    run(part, parts);
    if (Atomics.sub(c, CTRL.PENDING, 1) === 1) Atomics.notify(c, CTRL.PENDING);
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
  for (;;) {
    const w = Atomics.load(c, ${CTRL.CLAIM});
    const part = w & 0xff, parts = (w >>> 8) & 0xff;
    if (w >>> 16 !== (g & 0x7fff) || part >= parts) break;
    if (Atomics.compareExchange(c, ${CTRL.CLAIM}, w, w + 1) !== w) continue;
    ex.run(desc, part, parts, scratch);
    if (Atomics.sub(c, ${CTRL.PENDING}, 1) === 1) Atomics.notify(c, ${CTRL.PENDING});
  }
}
`;

// Source of a WASM backend worker thread (run with `eval: true`, so it is plain CommonJS
// JavaScript, independent of the TypeScript loader). The worker instantiates the module
// over the shared memory with its own stack, then waits for a new generation on the
// control block, runs its part of the call and counts down `pending`.
export const GEN_STEP = 128; // generation = call counter * GEN_STEP + parts of that call

export const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, id, stackTop, desc, scratch } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
ex.__stack_pointer.value = stackTop;
const c = new Int32Array(ctrl);
let seen = Atomics.load(c, 0);
Atomics.add(c, 2, 1);
Atomics.notify(c, 2);
for (;;) {
  let g = Atomics.load(c, 0);
  for (let spin = 0; g === seen && spin < 20000; spin++) g = Atomics.load(c, 0);
  if (g === seen) {
    Atomics.wait(c, 0, seen);
    continue;
  }
  seen = g;
  const parts = g % ${GEN_STEP};
  if (id < parts) {
    ex.run(desc, id, parts, scratch);
    if (Atomics.sub(c, 1, 1) === 1) Atomics.notify(c, 1);
  }
}
`;

// The WASM backend keeps its output tensors in the module's own memory and reads them there
// (no copy in or out); tensors made elsewhere are copied. Both paths, released buffers and
// buffers the garbage collector takes back must give the reference's bits and never hand
// the same memory out twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { dataRoot } from '../merkle.ts';
import { prng, randomData } from './op-cases.ts';
import { referenceBackend, runKernel, type Backend } from './reference.ts';
import { createWasmBackend, loadWasmRuntime, wasmLoadError } from './wasm.ts';

const skip = loadWasmRuntime() ? false : wasmLoadError();
const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
const args = (inputs: Float32Array[], inShapes: number[][], outShape: number[], attrs: number[] = []) => ({ inputs, inShapes, outShape, attrs, seed: 0, step: 0 });

/** matmul -> add -> exp -> matmul, each output feeding the next call. */
function chain(b: Backend, x: Float32Array, w: Float32Array, bias: Float32Array): Float32Array[] {
  const h = runKernel(b, 'matmul', args([x, w], [[13, 24], [24, 65]], [13, 65], [0, 0]));
  const s = runKernel(b, 'add', args([h, bias], [[13, 65], [65]], [13, 65]));
  const e = runKernel(b, 'exp', args([s], [[13, 65]], [13, 65]));
  const y = runKernel(b, 'matmul', args([e, w], [[13, 65], [24, 65]], [13, 24], [0, 1]));
  return [h, s, e, y];
}

describe('wasm backend tensors in the module memory', () => {
  it('outputs live in the shared memory, are read in place, and give the reference bits at 1 and 2 threads', { skip }, () => {
    const r = prng(41);
    const x = randomData(r, 13 * 24, 'plain'), w = randomData(r, 24 * 65, 'plain'), bias = randomData(r, 65, 'plain');
    const want = chain(referenceBackend, x, w, bias).map(bits);
    for (const threads of [1, 2]) {
      const b = createWasmBackend({ threads, grain: 1 });
      const got = chain(b, x, w, bias);
      for (const t of got) assert.ok(t.buffer instanceof SharedArrayBuffer, `${threads} threads: output is not in the module memory`);
      assert.deepEqual(got.map(bits), want, `${threads} threads`);
      // The same chain from inputs that are themselves in the module memory.
      const own = (d: Float32Array) => {
        const t = b.alloc!(d.length);
        t.set(d);
        return t;
      };
      assert.deepEqual(chain(b, own(x), own(w), own(bias)).map(bits), want, `${threads} threads, inputs in place`);
      assert.equal(b.dataRoot!(got[3]).toString('hex'), dataRoot(got[3]).toString('hex'), 'dataRoot of a tensor in place');
    }
  });

  it('a released buffer is handed out once; used after release it is copied, not clobbered', { skip }, () => {
    const b = createWasmBackend({ threads: 1 });
    const a = b.alloc!(777);
    b.release!(a);
    b.release!(a); // a second release must not put it on the free list twice
    const first = b.alloc!(777), second = b.alloc!(777);
    assert.equal(first, a);
    assert.notEqual(second, a);
    assert.ok(second.byteOffset >= a.byteOffset + a.byteLength || second.byteOffset + second.byteLength <= a.byteOffset, 'two live tensors overlap');
    // A plain JS tensor is copied in: the result equals the reference.
    const r = prng(5), d = randomData(r, 777, 'plain');
    first.set(d);
    b.release!(first);
    const out = runKernel(b, 'exp', args([first], [[777]], [777]));
    assert.deepEqual(bits(out), bits(runKernel(referenceBackend, 'exp', args([d], [[777]], [777]))));
  });

  it('a tensor dropped without release goes back to the free memory after garbage collection, for any size', { skip }, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const b = createWasmBackend({ threads: 1 });
    const rt = loadWasmRuntime()!;
    const n = 3_000_000; // 12 MB, larger than anything else this file allocates
    (() => void b.alloc!(n))(); // dropped at once
    for (let i = 0; i < 50 && rt.heapStats().freeBytes < n * 4; i++) {
      gc();
      await sleep(10);
    }
    assert.ok(rt.heapStats().freeBytes >= n * 4, 'the collected tensor memory was not given back');
    const end = rt.heapStats().reservedEnd;
    const parts = [b.alloc!(n / 2), b.alloc!(n / 4), b.alloc!(n / 4)]; // other sizes fit in the freed block
    assert.equal(rt.heapStats().reservedEnd, end, 'the heap grew instead of reusing the freed block');
    for (const p of parts) assert.ok(p.buffer instanceof SharedArrayBuffer);
    const [x, y] = parts;
    assert.ok(y.byteOffset >= x.byteOffset + x.byteLength || y.byteOffset + y.byteLength <= x.byteOffset, 'two live tensors overlap');
  });
});

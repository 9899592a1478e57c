// Output buffer recycling for the fast backends. A fresh 400 KB output lands in memory no
// cache has seen, so an elementwise kernel on it costs several times the kernel itself;
// reusing buffers of dead values keeps a training step's working set in cache. The engine
// tells the backend when it drops a value (LiveBuffers counts references by buffer
// identity, because reshape/copy/expand outputs alias their inputs); the backend reuses
// only buffers it allocated itself and only for kernels that write every element.

/**
 * An output buffer without zero-filling: every fast kernel writes all of its output
 * elements, and zeroing a fresh buffer costs more than an elementwise kernel itself.
 */
export function allocOutput(n: number): Float32Array {
  return new Float32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n);
}

/** Per-length free lists of buffers this backend allocated. */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<Float32Array>();
  private pooledBytes = 0;

  constructor(private readonly maxBytes = 256 << 20, private readonly perLength = 256) {}

  /** A buffer of n elements with arbitrary contents (the caller overwrites all of it). */
  alloc(n: number): Float32Array {
    const list = this.free.get(n);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= n * 4;
      return reused;
    }
    const b = allocOutput(n);
    this.owned.add(b);
    return b;
  }

  /** Take back a buffer nobody references any more; foreign buffers are ignored. */
  release(b: Float32Array): void {
    if (!this.owned.has(b) || this.pooledBytes + b.byteLength > this.maxBytes) return;
    let list = this.free.get(b.length);
    if (!list) this.free.set(b.length, (list = []));
    if (list.length >= this.perLength || list.includes(b)) return;
    list.push(b);
    this.pooledBytes += b.byteLength;
  }
}

/** Reference counts of the values a program run holds, by buffer identity. */
export class LiveBuffers {
  private readonly refs = new Map<Float32Array, number>();

  /** `pinned` buffers (state and dataset tensors owned by the caller) are never released. */
  constructor(private readonly release: (b: Float32Array) => void, private readonly pinned: ReadonlySet<Float32Array>) {}

  hold(b: Float32Array): void {
    this.refs.set(b, (this.refs.get(b) ?? 0) + 1);
  }

  drop(b: Float32Array | null): void {
    if (!b) return;
    const n = (this.refs.get(b) ?? 1) - 1;
    if (n > 0) {
      this.refs.set(b, n);
      return;
    }
    this.refs.delete(b);
    if (!this.pinned.has(b)) this.release(b);
  }
}

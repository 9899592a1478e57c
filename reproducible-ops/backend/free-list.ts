// Free ranges of a linear memory that never shrinks (the WASM backend's tensor heap):
// address-ordered, neighbours merged on release, first fit on allocation. Blocks that
// come back one by one (released or garbage-collected tensors) thus serve later tensors
// of any size, not only of the size they had.
export class FreeList {
  private readonly ranges: { at: number; bytes: number }[] = []; // sorted by `at`, never adjacent

  /** Total free bytes. */
  get bytes(): number {
    return this.ranges.reduce((s, r) => s + r.bytes, 0);
  }

  /** Take `bytes` from the lowest range that holds them, or undefined. */
  take(bytes: number): number | undefined {
    const i = this.ranges.findIndex((r) => r.bytes >= bytes);
    if (i < 0) return undefined;
    const r = this.ranges[i], at = r.at;
    if (r.bytes === bytes) this.ranges.splice(i, 1);
    else {
      r.at += bytes;
      r.bytes -= bytes;
    }
    return at;
  }

  /** Give back [at, at + bytes), which must not overlap a free range. */
  give(at: number, bytes: number): void {
    let lo = 0, hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid].at < at) lo = mid + 1;
      else hi = mid;
    }
    const prev = this.ranges[lo - 1], next = this.ranges[lo];
    if ((prev && prev.at + prev.bytes > at) || (next && at + bytes > next.at)) throw new Error(`free list: [${at}, ${at + bytes}) is already free in part`);
    if (prev && prev.at + prev.bytes === at) {
      prev.bytes += bytes;
      if (next && prev.at + prev.bytes === next.at) {
        prev.bytes += next.bytes;
        this.ranges.splice(lo, 1);
      }
    } else if (next && at + bytes === next.at) {
      next.at = at;
      next.bytes += bytes;
    } else this.ranges.splice(lo, 0, { at, bytes });
  }
}

// The WASM heap's free list: random give/take sequences never hand out overlapping or
// still-free memory, neighbours merge back into one range, and a double free is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FreeList } from './free-list.ts';
import { prng } from './op-cases.ts';

describe('FreeList', () => {
  it('random takes and gives: live blocks never overlap, and everything merges back', () => {
    const r = prng(3), f = new FreeList(), size = 1 << 20;
    f.give(0, size);
    const live: { at: number; bytes: number }[] = [];
    for (let k = 0; k < 5000; k++) {
      if (live.length && r() < 0.45) {
        const [b] = live.splice(Math.floor(r() * live.length), 1);
        f.give(b.at, b.bytes);
      } else {
        const bytes = 64 * (1 + Math.floor(r() * 64));
        const at = f.take(bytes);
        if (at === undefined) continue;
        for (const b of live) assert.ok(at + bytes <= b.at || b.at + b.bytes <= at, `take(${bytes}) = ${at} overlaps a live block at ${b.at}`);
        assert.ok(at >= 0 && at + bytes <= size);
        live.push({ at, bytes });
      }
      assert.equal(f.bytes + live.reduce((s, b) => s + b.bytes, 0), size, 'bytes lost or made up');
    }
    for (const b of live.splice(0)) f.give(b.at, b.bytes);
    assert.equal(f.take(size), 0, 'the ranges did not merge back into one');
  });

  it('refuses to free memory that is already free', () => {
    const f = new FreeList();
    f.give(128, 64);
    assert.throws(() => f.give(128, 64), /already free/);
    assert.throws(() => f.give(64, 128), /already free/);
    f.give(64, 64);
    assert.equal(f.take(128), 64);
  });
});

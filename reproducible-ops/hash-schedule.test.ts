import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intervalOf, isLeafStep, lastLeaf, leafOfStep, leafStep, leafSteps } from './hash-schedule.ts';

test('K = 1 commits every step', () => {
  assert.deepEqual(leafSteps(5, 1), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(intervalOf(3, 5, 1), { lo: 2, hi: 3 });
});

test('leaves every K steps, the last one at T even when K does not divide T', () => {
  assert.deepEqual(leafSteps(10, 4), [0, 4, 8, 10]);
  assert.equal(lastLeaf(10, 4), 3);
  assert.deepEqual(intervalOf(3, 10, 4), { lo: 8, hi: 10 });
  assert.deepEqual(leafSteps(8, 4), [0, 4, 8]);
  assert.deepEqual(leafSteps(3, 8), [0, 3]);
});

test('every transition t >= 1 lies in exactly one interval, the one of leafOfStep(t)', () => {
  for (const [T, K] of [[1, 1], [7, 3], [10, 4], [16, 4], [5, 9]]) {
    for (let t = 1; t <= T; t++) {
      const m = leafOfStep(t, T, K);
      const { lo, hi } = intervalOf(m, T, K);
      assert.ok(lo < t && t <= hi, `T=${T} K=${K} t=${t} m=${m}`);
      assert.equal(isLeafStep(t, T, K), leafSteps(T, K).includes(t));
    }
    assert.equal(leafOfStep(0, T, K), 0);
    assert.equal(leafStep(lastLeaf(T, K), T, K), T);
  }
});

test('bad arguments name the field', () => {
  assert.throws(() => leafSteps(10, 0), /hashInterval: expected an integer in \[1, 4096\], got 0/);
  assert.throws(() => leafSteps(0, 1), /numSteps/);
  assert.throws(() => leafStep(4, 10, 4), /leaf: expected an integer in \[0, 3\], got 4/);
  assert.throws(() => intervalOf(0, 10, 4), /leaf 0/);
});

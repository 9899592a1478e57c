import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPair, sha256, ZERO32 } from './merkle.ts';
import { accClimb, accPath, accRoots, ACC_DEPTH, emptyAccRoot, traceRecord, verifyAccInsert, ZERO_HASHES } from './trace-acc.ts';

const rec = (i: number): Buffer => traceRecord(sha256(Buffer.from(`node ${i}`)), sha256(Buffer.from(`out ${i}`)));

/** Root of the full 65536-leaf tree, computed naively from its nonzero prefix (the spec definition). */
function naiveRoot(records: Buffer[]): Buffer {
  let level = records.slice();
  for (let l = 0; l < ACC_DEPTH; l++) {
    const next: Buffer[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(hashPair(level[j], level[j + 1] ?? ZERO_HASHES[l]));
    level = next.length ? next : [ZERO_HASHES[l + 1]];
  }
  return level[0];
}

test('emptyAccRoot is the depth-16 all-zero tree (the TensorProofs.sol constant)', () => {
  let z: Buffer = Buffer.from(ZERO32);
  for (let l = 0; l < 16; l++) z = hashPair(z, z);
  assert.deepEqual(emptyAccRoot(), z);
  assert.equal(emptyAccRoot().toString('hex'), '8fe6b1689256c0d385f42f5bbe2027a22c1996e110ba97c171d3e5948de92beb');
});

test('accRoots matches the naive full-tree root after every insertion', () => {
  const records = Array.from({ length: 37 }, (_, i) => rec(i));
  const roots = accRoots(records);
  assert.equal(roots.length, 37);
  for (const i of [0, 1, 2, 3, 7, 8, 16, 36]) assert.deepEqual(roots[i], naiveRoot(records.slice(0, i + 1)), `P_${i}`);
});

test('accPath proves insertion of record i into P_{i-1} and membership of k in later roots', () => {
  const records = Array.from({ length: 21 }, (_, i) => rec(i));
  const roots = accRoots(records);
  for (let i = 0; i < records.length; i++) {
    const path = accPath(records, i);
    assert.equal(path.length, ACC_DEPTH);
    const before = i ? roots[i - 1] : emptyAccRoot();
    assert.ok(verifyAccInsert(before, roots[i], i, records[i], path), `insert ${i}`);
    assert.ok(!verifyAccInsert(roots[i], before, i, records[i], path), `swapped roots ${i}`);
    assert.ok(!verifyAccInsert(before, roots[i], i ^ 1, records[i], path), `wrong slot ${i}`);
  }
  for (const [k, t] of [[0, 20], [5, 9], [20, 20]]) assert.deepEqual(accClimb(records[k], k, accPath(records, k, t)), roots[t], `record ${k} in P_${t}`);
});

// The insertion at slot 65535 (all 65536 records) is in the forge vectors (acc.bin): ~1M hashes is
// too slow for a unit test. Here: the bounds.
test('slots stop at 65535', () => {
  const records = Array.from({ length: 3 }, (_, i) => rec(i));
  const roots = accRoots(records);
  const path = accPath(records, 2);
  assert.ok(verifyAccInsert(roots[1], roots[2], 2, records[2], path));
  assert.ok(!verifyAccInsert(roots[1], roots[2], 2 + 65536, records[2], path), 'slot 65538 does not exist (no wrap-around)');
  assert.ok(!verifyAccInsert(roots[1], roots[2], 2, records[2], path.slice(1)), '15 siblings');
  assert.throws(() => accRoots(new Array(65537).fill(records[0])), /65537 records exceed the 65536 slots/);
  assert.throws(() => accPath(records, 2, 1), /need 0 <= i \(2\) <= through \(1\)/);
});

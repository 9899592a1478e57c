// The forge tests of OpSemantics/Rng/TensorProofs/NodeCodec check Solidity against COMMITTED vector
// files (rollup-contracts/test/vectors). If table.ts, rng.ts, merkle.ts or program.ts changes
// semantics, those files go stale and the forge tests would keep passing against the old meaning.
// This test regenerates them from the current TypeScript and requires byte equality.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { opVectorFiles } from '../rollup-contracts/test/vectors/op-vectors.ts';
import { proofVectorFiles } from '../rollup-contracts/test/vectors/proof-cases.ts';

const DIR = new URL('../rollup-contracts/test/vectors/', import.meta.url);
const REGEN = 'regenerate with `npx tsx rollup-contracts/test/vectors/gen-op-vectors.ts`';

function assertCommitted(files: [string, Buffer][]): void {
  for (const [name, buf] of files) {
    const p = new URL(name, DIR);
    assert.ok(existsSync(p), `${name} is missing: ${REGEN}`);
    assert.ok(readFileSync(p).equals(buf), `${name} differs from what the current TypeScript computes: ${REGEN}`);
  }
}

test('committed op-semantics vectors match ops/table.ts', () => assertCommitted(opVectorFiles()));

test('committed rng / tensor / merkle / node vectors match rng.ts, merkle.ts, program.ts', () =>
  assertCommitted(proofVectorFiles({ heavy: false })));

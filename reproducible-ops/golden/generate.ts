// Regenerates reproducible-ops/golden/*.json. Run ONLY after an intended bit change, together
// with an OPSET_VERSION bump (reproducible-ops/opset.ts) and a docs/REPOPS.md changelog entry:
//   node --import tsx reproducible-ops/golden/generate.ts
import { writeFileSync } from 'node:fs';
import { computeGolden, goldenPath, GOLDEN_JOBS, GOLDEN_OPSET } from './jobs.ts';
import { PRIMITIVES_OPS, PRIMITIVES_STRIDE, primitivesDigest } from './primitives.ts';

const write = (name: string, value: unknown) => writeFileSync(goldenPath(name), JSON.stringify(value, null, 2) + '\n');

const digest = primitivesDigest();
write('primitives', { opset: GOLDEN_OPSET, stride: PRIMITIVES_STRIDE, ops: PRIMITIVES_OPS, digest });
console.log(`primitives: digest ${digest}`);
for (const job of GOLDEN_JOBS) {
  const rec = computeGolden(job);
  write(job.name, rec);
  console.log(`${job.name}: final state ${rec.finalStateHash} (${rec.stepHashes.length} steps, opset ${rec.opset})`);
}

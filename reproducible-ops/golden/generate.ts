// Regenerates reproducible-ops/golden/*.json. Run ONLY after an intended bit change, together
// with an OPSET_VERSION bump (reproducible-ops/opset.ts) and a docs/REPOPS.md changelog entry:
//   node --import tsx reproducible-ops/golden/generate.ts
import { writeFileSync } from 'node:fs';
import { computeGolden, goldenPath, GOLDEN_JOBS } from './jobs.ts';

for (const job of GOLDEN_JOBS) {
  const rec = computeGolden(job);
  writeFileSync(goldenPath(job.name), JSON.stringify(rec, null, 2) + '\n');
  console.log(`${job.name}: final state ${rec.finalStateHash} (${rec.stepHashes.length} steps, opset ${rec.opset})`);
}

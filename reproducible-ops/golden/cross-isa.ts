// Cross-ISA check: recomputes every golden job and compares it with the committed JSON, and
// prints a digest of the primitives (f32bits) over a strided sweep of bit patterns, to be
// compared between machines. It needs no child processes and no TypeScript loader once
// bundled, so it runs under an emulated arm64 node (qemu-user):
//   npx esbuild reproducible-ops/golden/cross-isa.ts --bundle --platform=node --format=esm \
//     --outfile=/tmp/arm/a/b/cross-isa.mjs && ln -s /work/main/node_modules /tmp/arm/node_modules
//   cp reproducible-ops/golden/*.json /tmp/arm/a/b/
//   qemu-aarch64 -L /usr/aarch64-linux-gnu <arm64 node> /tmp/arm/a/b/cross-isa.mjs
// Exit status 1 if any golden record or the primitives digest differs.
import { readFileSync } from 'node:fs';
import { computeGolden, goldenPath, GOLDEN_JOBS } from './jobs.ts';
import { primitivesDigest } from './primitives.ts';

const digest = primitivesDigest();
const wantDigest = JSON.parse(readFileSync(goldenPath('primitives'), 'utf8')).digest;
let failed = digest === wantDigest ? 0 : 1;
const report: Record<string, unknown> = { arch: process.arch, node: process.version, primitivesDigest: digest === wantDigest ? `matches golden (${digest})` : `DIFFERS: ${digest}, golden ${wantDigest}` };
for (const job of GOLDEN_JOBS) {
  const want = JSON.parse(readFileSync(goldenPath(job.name), 'utf8'));
  const got = computeGolden(job);
  const same = JSON.stringify(got) === JSON.stringify(want);
  if (!same) failed++;
  report[job.name] = same ? `matches golden (final ${got.finalStateHash})` : `DIFFERS from golden: final ${got.finalStateHash}, golden ${want.finalStateHash}`;
}
console.log(JSON.stringify(report, null, 2));
process.exit(failed ? 1 : 0);

// Prints the golden record of one job as JSON on stdout, computed from scratch in this
// process. Used by test/determinism.test.ts (separate child processes) and for cross-ISA
// checks (e.g. an arm64 node under qemu-user):
//   node --import tsx reproducible-ops/golden/run-job.ts <job-name>
import { computeGolden, goldenJob } from './jobs.ts';

const name = process.argv[2];
if (!name) {
  console.error('usage: run-job.ts <job-name>');
  process.exit(2);
}
process.stdout.write(JSON.stringify(computeGolden(goldenJob(name))) + '\n');

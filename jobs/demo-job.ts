// The demo's training job: the quadrants job of jobs/quadrants-job.ts, small enough that the
// whole demo runs in about a minute.
import { writeQuadrantsJob } from './quadrants-job.ts';

/** Write dataset + job.json into `dir`; returns the job file. */
export function writeDemoJob(dir: string, name: string, steps: number): string {
  return writeQuadrantsJob(dir, { name, steps, checkpointInterval: 3, trainN: 256, testN: 64 });
}

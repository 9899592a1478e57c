// A tiny, learnable job for end-to-end tests (the quadrants job of jobs/quadrants-job.ts):
// 20 steps take well under a second.
import { writeQuadrantsJob } from '../../jobs/quadrants-job.ts';

export interface TinyJobOptions {
  steps?: number;
  checkpointInterval?: number;
  trainN?: number;
  seed?: number;
  name?: string;
  hashInterval?: number; // K (default: none in job.json, i.e. 1)
  model?: 'mlp' | 'cnn'; // cnn: a tiny conv net on the same 8x8 images
}

/** Write the dataset and job.json into `dir`; returns the job file path. */
export function writeTinyJob(dir: string, o: TinyJobOptions = {}): string {
  return writeQuadrantsJob(dir, {
    name: o.name ?? 'tiny-quadrants',
    steps: o.steps ?? 20,
    checkpointInterval: o.checkpointInterval ?? 5,
    trainN: o.trainN ?? 512,
    testN: 128,
    seed: o.seed,
    hashInterval: o.hashInterval,
    model: o.model,
  });
}

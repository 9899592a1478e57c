// The BullMQ training worker: takes a claimed job off the queue, loads and verifies its spec
// and datasets, trains (resuming from the run's newest checkpoint if an earlier worker
// died), stores checkpoints as blobs and returns the commitment. It holds no chain keys: the
// solver process that claimed the job commits the result.
import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Engine } from '../reproducible-ops/engine.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import type { BlobStore } from '../jobs/blobstore.ts';
import { isConnectionError, type DependencyHealth } from '../jobs/connectivity.ts';
import { trainWorker, type QueueTimings, type TrainJobData, type TrainJobResult } from '../jobs/queue.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { checkAgainstChain, loadJobCached } from '../commitments/job-source.ts';
import { checkTamperFits, parseSolverTamper } from '../commitments/tamper.ts';
import { TamperPlan } from '../commitments/tamper-hooks.ts';
import { runTraining } from '../commitments/train-run.ts';
import { validationLoss } from '../jobs/evaluate.ts';
import type { BlobIO } from '../commitments/run-store.ts';

export interface WorkerDeps {
  redisUrl: string;
  queueName: string;
  solver: string; // the account whose queue this is; jobs claimed by any other are refused
  redis: Redis;
  blobs: BlobIO; // checkpoints go here (the solver's blob store, local or over HTTP)
  cache: BlobStore; // dataset files fetched from elsewhere
  backend: Backend;
  timings?: QueueTimings;
  health?: DependencyHealth; // where a Redis outage is reported (once, not per retry)
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** One step trained: its batch's samples and wall-clock seconds (metrics). */
  onTrainStep?: (samples: number, seconds: number) => void;
}

export async function processTrainJob(deps: WorkerDeps, job: Job<TrainJobData, TrainJobResult>): Promise<TrainJobResult> {
  const d = job.data;
  // Training another account's job would put its checkpoints where its claimer cannot serve them.
  if (d.solver?.toLowerCase() !== deps.solver.toLowerCase())
    throw new UnrecoverableError(`job ${d.jobId} was claimed by ${d.solver ?? 'an unknown solver'}, not by this worker's solver ${deps.solver}`);
  const { job: loaded } = await loadJobCached(d.specURI, d.specHash, deps.cache);
  const engine = new Engine(loaded.setup, deps.backend);
  checkAgainstChain(engine, loaded, d);
  const tamper = d.tamper ? parseSolverTamper(d.tamper) : undefined;
  if (tamper)
    checkTamperFits(tamper, { numSteps: d.numSteps, stepProgramLength: engine.stepProgram.nodes.length, outputSize: (op) => numel(engine.stepProgram.nodes[op].shape) });
  const ks = { chainId: d.chainId, jobMarket: d.jobMarket };
  const headKey = redisKeys.checkpointHead(ks, d.runId);
  deps.log?.('training', { jobId: d.jobId, runId: d.runId, steps: d.numSteps, attempt: job.attemptsMade + 1 });
  let lastStepAt = performance.now();
  const outcome = await runTraining({
    engine,
    plan: new TamperPlan(engine, tamper),
    numSteps: d.numSteps,
    checkpointInterval: loaded.spec.checkpointInterval,
    hashInterval: loaded.spec.hashInterval,
    blobs: deps.blobs,
    head: { load: () => deps.redis.get(headKey), save: async (h) => void (await deps.redis.set(headKey, h)) },
    onProblem: (problem) => deps.log?.('checkpoint-rejected', { jobId: d.jobId, runId: d.runId, problem }),
    // informational: a validation that fails (a task without a labelled test split) publishes null, never stops training
    validate: (state) => {
      try {
        return validationLoss(engine, state.tensors.slice(0, engine.params.length), loaded.test.x, loaded.test.labels, loaded.classes);
      } catch {
        return NaN;
      }
    },
    onStep: async (step, loss) => {
      const t = performance.now();
      deps.onTrainStep?.(loaded.spec.batchSize, (t - lastStepAt) / 1000);
      const progress = { step, total: d.numSteps, loss };
      await job.updateProgress(progress);
      await deps.redis.set(redisKeys.jobProgress(ks, d.jobId), JSON.stringify(progress));
      await new Promise((r) => setImmediate(r)); // let BullMQ renew the job lock
      lastStepAt = performance.now(); // the next step's time excludes this bookkeeping
    },
  });
  await deps.redis.set(redisKeys.resultManifest(ks, d.jobId), outcome.manifestHash);
  deps.log?.('trained', { jobId: d.jobId, runId: d.runId, resumedFromStep: outcome.resumedFromStep, stepsRoot: outcome.result.stepsRoot });
  return { ...outcome.result, numSteps: d.numSteps, manifestHash: outcome.manifestHash, resumedFromStep: outcome.resumedFromStep };
}

export function startTrainWorker(deps: WorkerDeps): Worker<TrainJobData, TrainJobResult> {
  const w = trainWorker(deps.redisUrl, deps.queueName, (job) => processTrainJob(deps, job), deps.timings);
  w.on('failed', (job, err) => deps.log?.('training-failed', { jobId: job?.data.jobId, error: err.message }));
  w.on('error', (err) => (deps.health && isConnectionError(err) ? deps.health.failed(err) : deps.log?.('worker-error', { error: err.message })));
  return w;
}

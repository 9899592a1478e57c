// `optrain train <job.json>`: run a job locally, checkpointing and resuming in --out DIR.
import { join } from 'node:path';
import { UsageError } from '../../jobs/errors.ts';
import { loadJob, type LoadedJob } from '../../jobs/job.ts';
import { checkJobResources, DEFAULT_KEEP, defaultLimits, type KeepPolicy } from '../../jobs/resources.ts';
import type { Engine } from '../../reproducible-ops/engine.ts';
import { createEngine, train, type TrainResult } from '../../jobs/train.ts';
import { BACKEND_HELP, BACKEND_OPTIONS, backendChoice, resolveBackend } from '../backend-flags.ts';
import { expectPositionals, positiveIntFlag, type Command, type Io } from '../command.ts';
import { table, thousands } from '../format.ts';
import { progressSink } from '../progress.ts';

const usage = `Usage: optrain train <job.json> [options]

Train a job with bit-exact ops: the state hashes the job commits (H0, HK, H2K, ..., HT for
its hashInterval K; every step when K = 1), checkpoints, and the trained model: a classifier
with its test accuracy, as TensorFlow.js Layers artifacts; a GPT with its validation loss
(printed with the training loss every evalInterval steps), as model.safetensors + config.json
that nanoGPT's GPT class loads (sample from it with optrain generate).

Options:
  --steps N         stop after N steps (default: all of the job's steps); the hashes are
                    still those of the job, so a partial run is a prefix of the full one
  --out DIR         output directory (default: runs/<name>-<first 8 hex of jobHash>);
                    an existing DIR is resumed from its last checkpoint
  --keep-checkpoints N
                    keep only the latest N checkpoints (default: those at committed leaf
                    steps, which a dispute replays from, plus the latest 2)
  --json            print only the result as one JSON object on stdout (progress on stderr)
${BACKEND_HELP}
  -h, --help        show this help

Writes DIR/checkpoints/<step>.bin + index.json (every checkpointInterval steps and at the
end), DIR/model/model.json + weights.bin (load with tf.loadLayersModel) or, for a GPT,
DIR/model/model.safetensors + config.json and DIR/data/tokens.bin (the token ids the jobHash
covers), and DIR/result.json.
A job whose estimated memory, steps or checkpoint disk exceed this machine's limits is
refused before training (OPTRAIN_MAX_MEMORY, OPTRAIN_MAX_DISK, OPTRAIN_MAX_STEPS raise them).
Resuming verifies the checkpoints and recomputes the committed hashes they do not cover.
`;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a job locally (checkpoints, resumable, tfjs model export)',
  usage,
  options: { steps: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, 'keep-checkpoints': { type: 'string' }, ...BACKEND_OPTIONS },
  async run(args, io) {
    const [file] = expectPositionals(args, ['<job.json>'], 'train');
    const steps = positiveIntFlag(args.values.steps, '--steps', 'train');
    const keepLatest = positiveIntFlag(args.values['keep-checkpoints'], '--keep-checkpoints', 'train');
    const keep = keepLatest === undefined ? DEFAULT_KEEP : { latest: keepLatest, leaves: false };
    const choice = backendChoice(args, 'train');
    const job = loadJob(file);
    if (steps !== undefined && steps > job.steps)
      throw new UsageError(`optrain train: --steps ${steps}: expected an integer in [1, ${job.steps}] (the job has ${job.steps} steps)`);
    checkJobResources(job, { ...defaultLimits(), keep });
    const outDir = (args.values.out as string | undefined) ?? defaultOutDir(job.spec.name, job.jobHashHex);
    // Resolved last, so that a bad job is reported before any backend notice.
    const backend = await resolveBackend(choice, io);
    const engine = createEngine(job, backend);
    io.stderr.write(`optrain: training ${job.spec.name}: ${steps ?? job.steps} of ${job.steps} steps, batch ${job.spec.batchSize}, backend ${backend.name}, output ${outDir}\n`);
    const result = trainWithProgress(job, engine, { steps, outDir, keep }, io);
    io.stdout.write(args.values.json ? JSON.stringify(result) + '\n' : humanResult(result));
    return 0;
  },
};

/** Train with a progress bar (or lines) on stderr and notices for resume and evaluation. */
function trainWithProgress(job: LoadedJob, engine: Engine, opts: { steps?: number; outDir: string; keep: KeepPolicy }, io: Io): TrainResult {
  const progress = progressSink(io.stderr);
  try {
    return train(job, engine, {
      ...opts,
      onProgress: (e) => progress.update(e),
      onWarning: (msg) => {
        progress.done();
        io.stderr.write(`optrain: warning: ${msg}\n`);
      },
      onResume: (step, path) => io.stderr.write(`optrain: resuming from step ${step} (${path}); delete ${opts.outDir} to start over\n`),
      onEvaluate: (n) => {
        progress.done();
        io.stderr.write(`optrain: evaluating on ${thousands(n)} test samples\n`);
      },
      onEval: (e) => {
        progress.done();
        io.stderr.write(`step ${e.step}: trainLoss ${e.trainLoss.toFixed(4)} valLoss ${e.valLoss.toFixed(4)}\n`);
      },
    });
  } finally {
    progress.done(); // also when training fails, so the error starts on its own line
  }
}

export function defaultOutDir(name: string, jobHashHex: string): string {
  return join('runs', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}-${jobHashHex.slice(0, 8)}`);
}

function humanResult(r: TrainResult): string {
  return table([
    ['job', `${r.name} ${r.jobHash}`],
    ['steps', `${r.steps} of ${r.jobSteps}${r.resumedFromStep !== null ? ` (resumed from ${r.resumedFromStep})` : ''}`],
    ['train loss', r.diverged ? `diverged (the loss of step ${r.divergedAtStep} is not finite)` : `${r.trainLoss.toFixed(4)} (mean of the last ${Math.min(100, r.steps)} steps)`],
    r.valLoss !== undefined
      ? ['val loss', `${r.valLoss.toFixed(4)} (mean over ${thousands(r.valTokens ?? 0)} validation tokens)`]
      : ['test accuracy', `${(100 * r.testAccuracy!).toFixed(2)}%`],
    ['final state hash', r.finalStateHash],
    ['state root', `${r.stateRoot} (state hashes every ${r.hashInterval === 1 ? 'step' : `${r.hashInterval} steps`})`],
    ['model hash', r.finalModelHash],
    ['program root', r.programRoot],
    ['backend', r.backend],
    ['seconds', r.seconds.toFixed(1)],
    ['output', `${r.outDir} (model/, checkpoints/, result.json)${r.valLoss !== undefined ? `; sample with: optrain generate ${r.outDir} --prompt "..."` : ''}`],
  ]);
}

// `optrain inspect <job.json>`: what a job commits to, without training it.
import { referenceBackend } from '../../reproducible-ops/backend/reference.ts';
import { lastLeaf } from '../../reproducible-ops/hash-schedule.ts';
import { numel } from '../../reproducible-ops/tensor.ts';
import { hex0x } from '../../jobs/checkpoint.ts';
import { loadJob } from '../../jobs/job.ts';
import { bytes, checkJobResources } from '../../jobs/resources.ts';
import { createEngine } from '../../jobs/train.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table, thousands } from '../format.ts';

const usage = `Usage: optrain inspect <job.json> [--json]

Validate a job, verify its datasets, and print what it commits to: jobHash (sha256 of the
canonical resolved spec), programRoot (Merkle roots of the init and step op programs),
the parameters and the number of steps, and what it needs to run (estimated memory and
checkpoint disk). A job beyond this machine's limits is refused (see optrain train --help).

Options:
  --json            print one JSON object
  -h, --help        show this help
`;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'print a job\'s jobHash, programRoot, parameters and steps',
  usage,
  options: { json: { type: 'boolean' } },
  async run(args, io) {
    const [file] = expectPositionals(args, ['<job.json>'], 'inspect');
    const job = loadJob(file);
    const needs = checkJobResources(job);
    const engine = createEngine(job, referenceBackend); // builds the programs only; runs no ops
    const params = engine.params.map((p) => ({ name: p.name, shape: [...p.shape], size: numel(p.shape) }));
    const info = {
      name: job.spec.name,
      jobHash: hex0x(job.jobHash),
      opsetVersion: job.spec.opsetVersion,
      programRoot: hex0x(engine.programRoot()),
      steps: job.steps,
      batchSize: job.spec.batchSize,
      // a GPT job's samples are tokens: the training and validation splits
      trainSamples: job.kind === 'gpt' ? job.setup.tokens.shape[0] : job.setup.train.x.shape[0],
      testSamples: job.kind === 'gpt' ? job.val.shape[0] : job.test.x.shape[0],
      ...(job.kind === 'gpt' ? { gpt: job.config, tokenizer: job.text.tokenizer.name, evalInterval: job.spec.evalInterval } : {}),
      optimizer: job.spec.optimizer,
      seed: job.spec.seed,
      checkpointInterval: job.spec.checkpointInterval,
      hashInterval: job.spec.hashInterval,
      stateHashLeaves: lastLeaf(job.steps, job.spec.hashInterval) + 1,
      initOps: engine.initProgram.nodes.length,
      stepOps: engine.stepProgram.nodes.length,
      params,
      paramCount: params.reduce((a, p) => a + p.size, 0),
      optimizerSlots: engine.slots.map((s) => ({ name: s.name, shape: [...s.shape] })),
      resources: { memoryBytes: needs.memoryBytes, stateBytes: needs.stateBytes, checkpointsKept: needs.checkpointsKept, checkpointDiskBytes: needs.diskBytes },
      resolvedSpec: job.resolved,
    };
    if (args.values.json) {
      io.stdout.write(JSON.stringify(info) + '\n');
      return 0;
    }
    const { type, ...hp } = info.optimizer;
    io.stdout.write(
      table([
        ['name', info.name],
        ['jobHash', info.jobHash],
        ['opsetVersion', info.opsetVersion],
        ['programRoot', info.programRoot],
        job.kind === 'gpt'
          ? ['steps', `${info.steps} (batch ${info.batchSize} windows of ${job.config.blockSize} tokens; ${job.text.tokenizer.name} tokenizer, vocabulary ${job.config.vocabSize}; ${thousands(info.trainSamples)} training tokens, ${thousands(info.testSamples)} validation tokens)`]
          : ['steps', `${info.steps} (batch ${info.batchSize}, ${thousands(info.trainSamples)} training samples, ${thousands(info.testSamples)} test samples)`],
        ['optimizer', `${type} ${Object.entries(hp).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ')}`],
        ['seed', info.seed],
        ['checkpointInterval', info.checkpointInterval],
        ['hashInterval', `${info.hashInterval} (${info.stateHashLeaves} committed state hashes)`],
        ['ops', `${info.initOps} in the init program, ${info.stepOps} per step`],
        ['params', `${thousands(info.paramCount)} in ${params.length} tensors, ${info.optimizerSlots.length} optimizer slots`],
        ['resources', `~${bytes(needs.memoryBytes)} of memory, ${bytes(needs.diskBytes)} for ${thousands(needs.checkpointsKept)} kept checkpoints of ${bytes(needs.stateBytes)}`],
      ]) + params.map((p) => `  ${p.name.padEnd(24)} [${p.shape.join(', ')}]  ${thousands(p.size)}\n`).join(''),
    );
    return 0;
  },
};

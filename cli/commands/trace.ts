// `optrain trace <job.json> --step S`: the op trace of one step, as a verifier compares it.
import { existsSync } from 'node:fs';
import type { Engine, TraceRecord, TrainState } from '../../reproducible-ops/engine.ts';
import { OPS } from '../../reproducible-ops/ops/table.ts';
import { hex0x } from '../../jobs/checkpoint.ts';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { loadJob, type LoadedJob } from '../../jobs/job.ts';
import { createEngine, stateAt } from '../../jobs/train.ts';
import { BACKEND_HELP, BACKEND_OPTIONS, backendChoice, resolveBackend } from '../backend-flags.ts';
import { countProgress } from '../progress.ts';
import { expectPositionals, type Command, type Io } from '../command.ts';
import { defaultOutDir } from './train.ts';

const usage = `Usage: optrain trace <job.json> --step S [options]

Print the op trace of one training step: for every node of the step program its index,
op, inputs (node indices), output shape and output tensor root. Step S (0-based) takes
the state after S steps (hash H_S) to H_(S+1); --step init traces the init program,
which produces H_0. The state before step S is replayed from init, or from the latest
checkpoint at or before S in the run directory.

Options:
  --step S          step to trace: 0 .. steps-1, or 'init' (required)
  --op O            only node O (an index), or only nodes of op type O (e.g. matmul)
  --out DIR         run directory with checkpoints (default: the one train uses, if present)
  --json            print one JSON object
${BACKEND_HELP}
  -h, --help        show this help
`;

export const traceCommand: Command = {
  name: 'trace',
  summary: 'print the op trace (op, inputs, shape, tensor root) of one step',
  usage,
  options: { step: { type: 'string' }, op: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, ...BACKEND_OPTIONS },
  async run(args, io) {
    const [file] = expectPositionals(args, ['<job.json>'], 'trace');
    const stepFlag = args.values.step as string | undefined;
    if (stepFlag === undefined) throw new UsageError('optrain trace: --step S is required (see optrain trace --help)');
    const choice = backendChoice(args, 'trace');
    const job = loadJob(file);
    const step = parseStep(stepFlag, job.steps);
    const backend = await resolveBackend(choice, io); // after validation: notices only for valid runs
    const engine = createEngine(job, backend);
    const outDir = (args.values.out as string | undefined) ?? existingDefaultOut(job);
    const { before, records, hashBefore, hashAfter, fromCheckpoint } = traceStep(engine, job, step, outDir, io);
    const shown = filterOps(records, args.values.op as string | undefined);
    const labels = (step === 'init' ? engine.initProgram : engine.stepProgram).nodes.map((n) => n.label ?? null);
    const out = {
      jobHash: hex0x(job.jobHash),
      step,
      stateHashBefore: hashBefore,
      stateHashAfter: hashAfter,
      replayedFrom: before === null ? null : fromCheckpoint === null ? 'init' : `checkpoint ${fromCheckpoint}`,
      ops: records.length,
      records: shown.map((r) => ({ ...r, root: `0x${r.root}`, label: labels[r.index] })),
    };
    if (args.values.json) io.stdout.write(JSON.stringify(out) + '\n');
    else printTrace(io, out);
    return 0;
  },
};

function parseStep(s: string, steps: number): number | 'init' {
  if (s === 'init') return 'init';
  if (!/^[0-9]+$/.test(s) || Number(s) >= steps)
    throw new UsageError(`optrain trace: --step: expected 'init' or an integer in [0, ${steps - 1}], got '${s}'`);
  return Number(s);
}

function existingDefaultOut(job: LoadedJob): string | undefined {
  const dir = defaultOutDir(job.spec.name, job.jobHashHex);
  return existsSync(dir) ? dir : undefined;
}

function traceStep(engine: Engine, job: LoadedJob, step: number | 'init', outDir?: string, io?: Io) {
  if (step === 'init') {
    const records = engine.trace(null);
    return { before: null, records, hashBefore: null, hashAfter: hex0x(engine.stateHash(engine.init())), fromCheckpoint: null };
  }
  const replay = io ? countProgress(io.stderr, 'replaying', 'steps') : undefined;
  const { state, fromCheckpoint } = stateAt(engine, step, outDir, hex0x(job.jobHash), job.spec.opsetVersion, (msg) => io?.stderr.write(`optrain: warning: ${msg}\n`), (done, total) => replay?.update(done, total));
  replay?.done();
  const records = engine.trace(state);
  const after: TrainState = engine.step(state).state;
  return { before: state, records, hashBefore: hex0x(engine.stateHash(state)), hashAfter: hex0x(engine.stateHash(after)), fromCheckpoint };
}

function filterOps(records: TraceRecord[], op?: string): TraceRecord[] {
  if (op === undefined) return records;
  if (/^[0-9]+$/.test(op)) {
    const i = Number(op);
    if (i >= records.length) throw new UsageError(`optrain trace: --op: node index ${i} out of range (the program has ${records.length} nodes)`);
    return [records[i]];
  }
  if (!(op in OPS)) throw new UsageError(`optrain trace: --op: '${op}' is neither a node index nor an op name (ops: ${Object.keys(OPS).join(', ')})`);
  const hits = records.filter((r) => r.op === op);
  if (hits.length === 0) throw new UsageError(`optrain trace: --op: the program has no '${op}' nodes`);
  return hits;
}

function printTrace(io: Io, t: { jobHash: string; step: number | 'init'; stateHashBefore: string | null; stateHashAfter: string; replayedFrom: string | null; ops: number; records: (TraceRecord & { label: string | null })[] }): void {
  const head = t.step === 'init' ? `init program of job ${t.jobHash}: ${t.ops} ops -> H0 ${t.stateHashAfter}` : `step ${t.step} of job ${t.jobHash}: ${t.ops} ops (state replayed from ${t.replayedFrom})\n  before H${t.step}   ${t.stateHashBefore}\n  after  H${t.step + 1}   ${t.stateHashAfter}`;
  io.stdout.write(`${head}\n${'index'.padStart(6)}  ${'op'.padEnd(14)} ${'inputs'.padEnd(16)} ${'shape'.padEnd(18)} root\n`);
  for (const r of t.records)
    io.stdout.write(`${String(r.index).padStart(6)}  ${r.op.padEnd(14)} ${`[${r.inputs.join(',')}]`.padEnd(16)} ${`[${r.shape.join(',')}]`.padEnd(18)} ${r.root}${r.label ? `  ${r.label}` : ''}\n`);
}

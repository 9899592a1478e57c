// `optrain demo`: an honest job finalized and paid, then a cheating solver caught, bisected,
// slashed and the verifier paid, all on a fresh devnet that is torn down afterwards.
import { UsageError, UserError } from '../../jobs/errors.ts';
import { existsSync } from 'node:fs';
import { devnetFilePath, readDevnet } from '../../chain/devnet.ts';
import { isAlive } from '../../chain/processes.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../reproducible-ops/engine.ts';
import { numel } from '../../reproducible-ops/tensor.ts';
import { loadJob } from '../../jobs/job.ts';
import { checkTamperFits, parseSolverTamper } from '../../commitments/tamper.ts';
import { DEFAULT_DEMO_TAMPER_TEXT, DEMO_STEPS, runDemo, type DemoSummary } from '../demo-run.ts';
import { writeDemoJob } from '../../jobs/demo-job.ts';
import { firstSignal } from '../signals.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { toJson } from './job-network.ts';

const usage = `Usage: optrain demo [options]

Run the whole protocol on a fresh devnet (anvil and redis-server on free loopback ports,
contracts deployed; everything is stopped and removed at the end unless --keep), in about a minute:
  1. an honest solver trains a tiny job; the verifier replays it and finds nothing; the
     challenge window is fast-forwarded; the job is finalized and the solver paid;
  2. a cheating solver (--tamper) trains the next job; the verifier's replay catches it,
     it challenges, the dispute is bisected down to one binary32 operation that the
     contract re-executes, the solver's stake is slashed and the verifier withdraws.
Progress goes to stderr. Needs redis-server on the PATH.

Options:
  --tamper SPEC   how the cheating solver cheats (default '${DEFAULT_DEMO_TAMPER_TEXT}';
                  any solver kind of docs/TAMPER.md that fits an 8-step job; op indices
                  as printed by optrain trace)
  --keep          leave the devnet running (anvil, redis-server, blob server) and write its
                  devnet file (--devnet, default $OPTRAIN_DEVNET or .optrain/devnet.json), so
                  \`optrain explorer\` shows the demo's jobs and dispute; \`optrain devnet down\`
                  stops it
  --devnet FILE   where --keep writes the devnet file
  --json          end with a JSON summary on stdout: per job jobId, status (finalized /
                  slashed), the dispute (disputeId, moves, total gas), wall-clock seconds
  -h, --help      show this help
`;

/** The cheat must fit the demo's job (steps, ops, elements), or its solver would never claim it. */
function checkDemoTamper(text: string): void {
  const t = parseSolverTamper(text);
  const dir = mkdtempSync(join(tmpdir(), 'optrain-demo-check-'));
  try {
    const engine = new Engine(loadJob(writeDemoJob(dir, 'demo-check', DEMO_STEPS)).setup);
    const nodes = engine.stepProgram.nodes;
    checkTamperFits(t, { numSteps: DEMO_STEPS, stepProgramLength: nodes.length, outputSize: (op) => numel(nodes[op].shape) });
  } catch (e) {
    throw e instanceof UserError ? new UserError(`${e.message} (the demo's cheating job has ${DEMO_STEPS} steps)`) : e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where --keep writes the devnet file; refuses to replace one whose devnet still runs. */
function keepFile(flag: string | undefined): string {
  const file = devnetFilePath(flag);
  if (existsSync(file) && isAlive(readDevnet(file).pids.anvil)) throw new UserError(`a devnet is already running (${file}); run 'optrain devnet down' first, or pass --devnet FILE`);
  return file;
}

function report(s: DemoSummary): string {
  const rows: [string, string][] = s.jobs.map((j) => [
    `job ${j.jobId}`,
    `${j.status.padEnd(9)}  ${String(j.seconds).padStart(5)} s  ` +
      (j.dispute ? `dispute ${j.dispute.disputeId}: ${j.dispute.moves} moves, ${j.dispute.totalGas} gas, ${j.dispute.winner} won (${j.dispute.reason})` : 'no dispute'),
  ]);
  return `${table(rows)}\nverifier withdrew ${s.verifier.withdrawn} ETH; jackpot now ${s.jackpot} ETH; ${s.seconds} s in total\n`;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'a fresh devnet: an honest job paid, a cheating solver caught and slashed',
  usage,
  options: { tamper: { type: 'string' }, json: { type: 'boolean' }, keep: { type: 'boolean' }, devnet: { type: 'string' } },
  async run(args, io) {
    expectPositionals(args, [], 'demo');
    const tamper = args.values.tamper as string | undefined;
    if (tamper !== undefined) checkDemoTamper(tamper); // before anything starts: a misfit would wait for ever
    const say = (line: string) => void io.stderr.write(`[demo] ${line}\n`);
    const abort = new AbortController();
    void firstSignal().then((sig) => {
      say(`${sig}: stopping and removing the devnet`);
      abort.abort();
    });
    if (args.values.devnet !== undefined && !args.values.keep) throw new UsageError('optrain demo: --devnet FILE only goes with --keep (without it nothing is left behind)');
    const keepDevnetFile = args.values.keep ? keepFile(args.values.devnet as string | undefined) : undefined;
    const summary = await runDemo({ tamper, say, signal: abort.signal, keepDevnetFile }).catch((e) => {
      if (abort.signal.aborted) throw new UserError('demo interrupted; everything it started was stopped and removed');
      throw e instanceof UserError ? e : new UserError(`demo failed: ${(e as Error).message}`);
    });
    io.stdout.write(args.values.json ? toJson({ ...summary, ...(keepDevnetFile ? { devnetFile: keepDevnetFile } : {}) }) + '\n' : report(summary) + (keepDevnetFile ? `devnet left running: ${keepDevnetFile}; see it with \`optrain explorer\`, stop it with \`optrain devnet down\`\n` : ''));
    return 0;
  },
};

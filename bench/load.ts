// `npm run load`: the load test (not part of `npm test`; test/load-small.test.ts runs a small
// variant). Many tiny jobs on one devnet with honest, cheating and withholding solver processes,
// two verifiers and a griefer; then every property is checked from the chain (bench/load/).
import { parseArgs } from 'node:util';
import { runLoad, type LoadOptions } from './load/run.ts';
import type { LoadReport } from './load/checks.ts';

const usage = `Usage: npm run load -- [options]

Post --jobs tiny MLP and CNN jobs at once (3 submitters) on a fresh devnet worked by 3 solver
processes (honest; cheating with a bit flip at a random step; withholding its data) and 3
verifier processes (2 honest, 1 griefer), then check: every job settles correctly, every cheat
is slashed, every wei is accounted for, no nonce is stuck, no process leaks memory.
Prints jobs/min, p50/p95 post-to-settle time and gas per job. Exits 1 if a property fails.

Options:
  --jobs N              jobs to post (default 50)
  --steps N             training steps per job (default 12)
  --challenge-window S  seconds (default 60)
  --time-bank S         each side's dispute clock, seconds (default 120)
  --claim-window S      seconds (default 900)
  --seed N              the run's random choices: cheat step and op (default: random)
  --timeout-min M       give up after M minutes (default 30)
  --keep                keep the run directory (role logs) and print its path
  --json                print the report as one JSON object
  -h, --help            show this help
`;

function intFlag(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`${name}: expected a positive integer, got '${v}'`);
  return Number(v);
}

export function parseLoadArgs(argv: string[]): (LoadOptions & { json: boolean }) | 'help' {
  const { values: v } = parseArgs({
    args: argv, allowPositionals: false,
    options: {
      jobs: { type: 'string' }, steps: { type: 'string' }, 'challenge-window': { type: 'string' }, 'time-bank': { type: 'string' },
      'claim-window': { type: 'string' }, seed: { type: 'string' }, 'timeout-min': { type: 'string' }, keep: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return 'help';
  return {
    jobs: intFlag(v.jobs, '--jobs', 50), steps: intFlag(v.steps, '--steps', 12),
    challengeWindow: intFlag(v['challenge-window'], '--challenge-window', 60), timeBank: intFlag(v['time-bank'], '--time-bank', 120),
    claimWindow: intFlag(v['claim-window'], '--claim-window', 900), seed: v.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : intFlag(v.seed, '--seed', 1),
    timeoutMs: intFlag(v['timeout-min'], '--timeout-min', 30) * 60_000, keep: !!v.keep, json: !!v.json,
  };
}

export function formatReport(r: LoadReport, seed: number): string {
  const kv = (o: Record<string, number>) => Object.entries(o).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ');
  return [
    `load: ${r.jobs} jobs, seed ${seed}, cheater --tamper ${r.cheatSpec}`,
    `  outcomes        ${kv(r.outcomes)}`,
    `  disputes        ${r.disputes.opened} opened (${r.disputes.byGriefer} by the griefer, ${r.disputes.overWithheldByVerifiers} by verifiers over withheld data): ${r.disputes.challengerWon} challenger won, ${r.disputes.challengerLost} lost`,
    `  throughput      ${r.jobsPerMin} jobs/min (${r.wallSeconds} s from posting to the last settlement checked)`,
    `  post->settle    p50 ${r.settleSeconds.p50} s, p95 ${r.settleSeconds.p95} s (${r.settleSeconds.n} jobs: finalized, or slashed and never finalized)`,
    `  post->slash     p50 ${r.slashSeconds.p50} s, p95 ${r.slashSeconds.p95} s (${r.slashSeconds.n} slashes)`,
    `  gas per job     mean ${r.gasPerJob.mean.toLocaleString('en')}; by model: ${kv(r.gasPerJob.byModel)}; by outcome: ${kv(r.gasPerJob.byOutcome)}; withdrawals ${r.gasPerJob.otherTotal.toLocaleString('en')} in all; ${r.gasPerJob.txs} txs`,
    `  memory (RSS)    ${r.roles.map((x) => `${x.name} max ${x.rss.maxMiB} MiB, growth ${x.rss.growthMiB} MiB`).join('; ')}`,
    ...r.checks.map((c) => `  [${c.ok ? 'ok' : 'FAIL'}] ${c.name}: ${c.detail}`),
    ...(r.logDir ? [`  logs: ${r.logDir}`] : []),
    r.verdict,
  ].join('\n');
}

async function main(): Promise<number> {
  let o;
  try {
    o = parseLoadArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`load: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  if (o === 'help') return void process.stdout.write(usage), 0;
  const progress = o.json ? undefined : (s: string) => process.stderr.write(s + '\n');
  const report = await runLoad({ ...o, progress });
  const json = JSON.stringify({ seed: o.seed, ...report }, null, 2);
  process.stdout.write((o.json ? json : formatReport(report, o.seed)) + '\n');
  return report.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();

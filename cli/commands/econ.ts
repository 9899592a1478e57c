// `optrain econ` and `optrain econ simulate`: the market's economics (econ/) from the
// command line. Flag parsing and output only; the formulas live in econ/model.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { analyse, applyRecommendation } from '../../econ/model.ts';
import { flagOf, PARAM_NAMES, PARAM_SPECS, readParamsFile, resolveParams, type ParamName, type Params } from '../../econ/params.ts';
import { profitSvg } from '../../econ/plot.ts';
import { analysisText, simulationText } from '../../econ/report.ts';
import { selfClaimReport } from '../../econ/selfclaim.ts';
import { bestResponse, simulate, sweep, sweepCsv } from '../../econ/simulate.ts';
import { expectPositionals, positiveIntFlag, type Command, type Options, type ParsedArgs } from '../command.ts';

const PARAM_OPTIONS: Options = Object.fromEntries(PARAM_NAMES.map((n) => [flagOf(n), { type: 'string' as const }]));

const paramHelp = PARAM_NAMES.map((n) => {
  const s = PARAM_SPECS[n];
  const flag = `--${flagOf(n)} X`;
  return `  ${flag.padEnd(24)}${s.help}${s.default === null ? '' : ` (default ${s.default})`}`;
}).join('\n');

const paramsIntro = `Every value is a mathjs expression: amounts in ETH as plain numbers or with a unit
('0.5 ETH', '500 gwei'), fractions as 0.02, '2%' or '1/64', durations in seconds or '2 minute'.
--params FILE reads a JSON object of the same parameters by name (e.g. {"reward": "1 ETH",
"forcedErrorRate": "1/64"}); flags override it.

Parameters:
  --params FILE           JSON file of parameters (camelCase names as below)
${paramHelp}`;

const econUsage = `Usage: optrain econ [parameters] [--json]

The market's economics per job (docs/PROTOCOL.md §11): a cheating solver's expected profit,
a verifier's expected earnings per job and per hour of checking, the sample rate at which
cheating stops paying, the rate verifiers choose themselves, whether honest solving and
honest checking are both best responses (or the verifier's dilemma's mixed equilibrium),
and recommended parameters. Contract constants (fee, burn, jackpot shares) are
JobMarket.sol's. See also: optrain econ simulate.

${paramsIntro}

Options:
  --json                  print one JSON object
  -h, --help              show this help
`;

export const econCommand: Command = {
  name: 'econ',
  summary: "a market's economics: cheater profit, verifier earnings, equilibrium",
  usage: econUsage,
  options: { ...PARAM_OPTIONS, params: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    expectPositionals(args, [], 'econ');
    const p = paramsFrom(args);
    const a = analyse(p), selfClaim = selfClaimReport(p);
    io.stdout.write(args.values.json ? JSON.stringify({ ...a, selfClaim }) + '\n' : analysisText(a, selfClaim));
    return 0;
  },
};

const simulateUsage = `Usage: optrain econ simulate [--jobs N] [--seed S] [--out DIR] [--recommended] [parameters] [--json]

Monte-Carlo check of the formulas of optrain econ: plays N jobs leaf by leaf (every verifier
replays each interval with probability r; forced errors, cheats, prize splits as in
docs/PROTOCOL.md §11; with --self-claims k the solver's k accounts claim its own forced errors
and --forced-finders N limits the paid finders, §12.4) with a seeded RNG, compares each estimate with its formula within
3.29 standard errors (99.9%), then sweeps the sample rate (another N jobs over 12 rates)
and writes econ-sweep.csv and econ-profit.svg (cheater profit vs sample rate) to DIR.
Exits 1 if an estimate disagrees with its formula.

${paramsIntro}

Options:
  --jobs N                jobs to simulate (default 100000)
  --seed S                RNG seed, a non-negative integer (default 1)
  --out DIR               where the CSV and SVG go (default runs/econ)
  --recommended           first apply the parameters optrain econ recommends
  --json                  print one JSON object
  -h, --help              show this help
`;

export const econSimulateCommand: Command = {
  name: 'econ simulate',
  summary: 'Monte-Carlo check of the econ formulas; CSV + SVG of cheater profit vs sample rate',
  usage: simulateUsage,
  options: { ...PARAM_OPTIONS, params: { type: 'string' }, json: { type: 'boolean' }, jobs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, recommended: { type: 'boolean' } },
  async run(args, io) {
    const cmd = 'econ simulate';
    expectPositionals(args, [], cmd);
    const jobs = positiveIntFlag(args.values.jobs, '--jobs', cmd) ?? 100_000;
    if (jobs > 10_000_000) throw new UsageError(`optrain ${cmd}: --jobs: expected at most 10000000, got ${jobs}`);
    const seed = seedFlag(args.values.seed, cmd);
    let p = paramsFrom(args);
    if (args.values.recommended) p = applyRecommendation(p);
    const main = simulate(p, jobs, seed);
    const rows = sweep(p, jobs, seed);
    const dir = (args.values.out as string | undefined) ?? join('runs', 'econ');
    const files = writeOutputs(dir, p, rows);
    const agrees = main.every((e) => e.agrees) && rows.every((r) => r.estimates.every((e) => e.agrees));
    if (args.values.json) io.stdout.write(JSON.stringify({ params: p, jobs, seed, estimates: main, bestResponse: bestResponse(p, main), sweep: rows, files, agrees }) + '\n');
    else io.stdout.write(simulationText(p, jobs, main, rows, files));
    return agrees ? 0 : 1;
  },
};

function paramsFrom(args: ParsedArgs): Params {
  const file = args.values.params === undefined ? {} : readParamsFile(String(args.values.params));
  const flags: Partial<Record<ParamName, string>> = {};
  for (const n of PARAM_NAMES) {
    const v = args.values[flagOf(n)];
    if (v !== undefined) flags[n] = String(v);
  }
  return resolveParams(file, flags, `--params ${args.values.params ?? ''}`.trim());
}

function seedFlag(v: string | boolean | undefined, cmd: string): number {
  if (v === undefined) return 1;
  const s = String(v);
  if (!/^[0-9]+$/.test(s) || Number(s) > 0xffffffff) throw new UsageError(`optrain ${cmd}: --seed: expected an integer in 0..4294967295, got '${s}'`);
  return Number(s);
}

function writeOutputs(dir: string, p: Params, rows: ReturnType<typeof sweep>): string[] {
  const csv = join(dir, 'econ-sweep.csv'), svg = join(dir, 'econ-profit.svg');
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(csv, sweepCsv(rows));
    writeFileSync(svg, profitSvg(p, rows));
  } catch (e) {
    throw new UserError(`--out ${dir}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return [csv, svg];
}

// The market parameters `optrain econ` reasons about, their defaults, and how a user writes
// them: flags or a JSON file, each value a mathjs expression ("0.5 ETH", "500 gwei", "2%",
// "1/64", "36 s"). Amounts are kept in ETH as JS numbers: this is a model, not accounting
// (the contract itself accounts to the wei).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MathJsInstance, Unit } from 'mathjs';
import { UsageError, UserError } from '../jobs/errors.ts';

/** The contract's constants (rollup-contracts/src/JobMarket.sol), as fractions. */
export const CONTRACT = {
  PROTOCOL_FEE: 0.02, // PROTOCOL_FEE_BPS
  SLASH_BURN: 0.5, // SLASH_BURN_BPS
  SLASH_JACKPOT: 0.1, // SLASH_JACKPOT_BPS
  JACKPOT_PAYOUT: 0.5, // JACKPOT_PAYOUT_BPS
  JACKPOT_PAYOUT_CAP: 0.1, // JACKPOT_PAYOUT_CAP_BPS
  BOND_JACKPOT: 0.1, // BOND_JACKPOT_BPS
  LATE_SLASH_TIP: 0.1, // LATE_SLASH_TIP_BPS
  MIN_BOND_DEVNET: 0.01, // MIN_BOND = DISPUTE_GAS (10M) x 1 gwei on devnets
} as const;

type Kind = 'eth' | 'fraction' | 'seconds' | 'count' | 'whole' | 'positive';

interface Spec {
  kind: Kind;
  help: string;
  default: number | null; // null: derived from the others (see resolveParams)
}

/** Every parameter: its flag is the kebab-case of its name. */
export const PARAM_SPECS = {
  reward: { kind: 'eth', help: "the job's escrowed reward R", default: 1 },
  stake: { kind: 'eth', help: "the solver's stake S (default minStakeFor(R) at --declared-rate)", default: null },
  bond: { kind: 'eth', help: "a challenger's bond B (>= --min-bond; an honest challenger gets it back)", default: 0.05 },
  minBond: { kind: 'eth', help: 'the bond floor MIN_BOND', default: CONTRACT.MIN_BOND_DEVNET },
  forcedErrorRate: { kind: 'fraction', help: 'p, the per-job probability of a forced error (0 = today\'s protocol)', default: 0 },
  jackpot: { kind: 'eth', help: 'the jackpot J when a payout is taken', default: 1 },
  forcedShare: { kind: 'fraction', help: 'share of the jackpot paid for a found forced error (F = share x J)', default: 0.5 },
  fee: { kind: 'fraction', help: "the jackpot's funding share of each reward (PROTOCOL_FEE_BPS)", default: CONTRACT.PROTOCOL_FEE },
  sampleRate: { kind: 'fraction', help: 'r, the share of intervals each verifier replays', default: 0.25 },
  declaredRate: { kind: 'fraction', help: "q, the market's declared sample rate (MIN_SAMPLE_RATE_BPS)", default: 0.25 },
  replayCost: { kind: 'eth', help: 'c, what replaying one interval costs a verifier', default: 0.001 },
  replaySeconds: { kind: 'seconds', help: 'how long replaying one interval takes', default: 36 },
  intervals: { kind: 'count', help: 'n, hash intervals (leaves) per job', default: 100 },
  verifiers: { kind: 'count', help: 'V, independent verifiers checking every job', default: 3 },
  solveCost: { kind: 'eth', help: "C, the solver's honest compute cost per job", default: 0.1 },
  cheatGain: { kind: 'eth', help: 'G, what a wrong result is worth to the cheater beyond the reward', default: 0 },
  cheatProb: { kind: 'fraction', help: 'x, how often the solver cheats (verifier earnings, simulation)', default: 0 },
  selfClaims: { kind: 'whole', help: 'k, accounts through which the solver claims its own forced errors (PROTOCOL §12.4; 0: none)', default: 0 },
  forcedFinders: { kind: 'whole', help: "N, the market's FORCED_FINDERS: found by more accounts, a forced error pays none (PROTOCOL §12.4; 0: no limit; the equilibrium section assumes 0 or >= V)", default: 0 },
  findCost: { kind: 'eth', help: 'g, gas of one counted find (commitFind + revealFind + collectForcedPrize, ~157k gas at 1 gwei)', default: 0.000157 },
  margin: { kind: 'positive', help: 'profit margin the recommendation leaves verifiers over their cost', default: 0.2 },
  maxMissed: { kind: 'fraction', help: 'the largest share of forced errors nobody may find', default: 0.01 },
} satisfies Record<string, Spec>;

export type ParamName = keyof typeof PARAM_SPECS;
export type Params = Record<ParamName, number>;

export const PARAM_NAMES = Object.keys(PARAM_SPECS) as ParamName[];

export function flagOf(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

let mathInstance: MathJsInstance | undefined;

/** A mathjs instance that knows ETH, gwei and wei (ETH is a base unit of its own). */
function math(): MathJsInstance {
  if (mathInstance) return mathInstance;
  // Loaded on first use (synchronously, its CommonJS build): mathjs takes seconds to load
  // and plain numbers never need it.
  const { create, all } = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
  const m = create(all, {});
  m.createUnit('ETH', { aliases: ['eth', 'ether'] });
  m.createUnit('gwei', { definition: '1e-9 ETH' });
  m.createUnit('wei', { definition: '1e-18 ETH' });
  mathInstance = m;
  return m;
}

/**
 * One value as a number in the parameter's base unit (ETH, seconds, or none). `where` names
 * the flag or file field in the error.
 */
export function evaluateParam(name: ParamName, raw: unknown, where: string): number {
  const spec: Spec = PARAM_SPECS[name];
  const v = toNumber(spec.kind, raw, where);
  checkRange(spec.kind, v, where);
  return v;
}

function toNumber(kind: Kind, raw: unknown, where: string): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError(`${where}: expected ${expected(kind)}, got ${JSON.stringify(raw)}`);
  if (/^\s*[0-9]*\.?[0-9]+(e[-+]?[0-9]+)?\s*$/i.test(raw)) return Number(raw); // plain numbers skip loading mathjs
  const m = math();
  let v: unknown;
  try {
    v = m.evaluate(raw);
  } catch (e) {
    throw new UsageError(`${where}: cannot evaluate '${raw}' (${(e as Error).message}); expected ${expected(kind)}`);
  }
  if (typeof v === 'number') return v;
  if (m.typeOf(v) === 'Fraction' || m.typeOf(v) === 'BigNumber') return Number(v);
  const unit = kind === 'eth' ? 'ETH' : kind === 'seconds' ? 's' : null;
  if (m.typeOf(v) === 'Unit' && unit) {
    const u = v as Unit;
    if (u.equalBase(m.unit(`1 ${unit}`))) return u.toNumber(unit);
  }
  throw new UsageError(`${where}: '${raw}' is not ${expected(kind)}`);
}

function checkRange(kind: Kind, v: number, where: string): void {
  const bad = (what: string) => new UsageError(`${where}: expected ${what}, got ${v}`);
  if (!Number.isFinite(v)) throw bad(expected(kind));
  if (kind === 'fraction' && (v < 0 || v > 1)) throw bad('a fraction in [0, 1] (e.g. 0.25, 25%, 1/64)');
  if (kind === 'count' && (!Number.isInteger(v) || v < 1 || v > 1e6)) throw bad('an integer in 1..1000000');
  if (kind === 'whole' && (!Number.isInteger(v) || v < 0 || v > 1e6)) throw bad('an integer in 0..1000000');
  if ((kind === 'eth' || kind === 'positive') && v < 0) throw bad(`a non-negative ${kind === 'eth' ? 'amount' : 'number'}`);
  if (kind === 'seconds' && v <= 0) throw bad('a positive duration');
}

function expected(kind: Kind): string {
  switch (kind) {
    case 'eth': return "an amount in ETH (e.g. 0.5, '0.5 ETH', '500 gwei')";
    case 'fraction': return "a fraction (e.g. 0.25, '25%', '1/64')";
    case 'seconds': return "a duration (seconds, or e.g. '36 s', '2 minute')";
    case 'count': return 'a positive integer';
    case 'whole': return 'a non-negative integer';
    case 'positive': return 'a non-negative number';
  }
}

/** Parameters from a JSON file (an object of name -> number or expression string). */
export function readParamsFile(file: string): Partial<Record<ParamName, unknown>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`--params ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new UserError(`--params ${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UserError(`--params ${file}: expected a JSON object of parameters`);
  for (const k of Object.keys(obj)) {
    if (!(k in PARAM_SPECS)) throw new UserError(`--params ${file}: unknown parameter '${k}' (known: ${PARAM_NAMES.join(', ')})`);
  }
  return obj as Partial<Record<ParamName, unknown>>;
}

/** minStakeFor(R) = ceil(2R(1-q)/q) (JobMarket.minStakeFor), here in ETH without rounding. */
export function minStakeFor(reward: number, q: number): number {
  return (2 * reward * (1 - q)) / q;
}

/**
 * Merge defaults < file < flags, evaluate every value, derive the stake, and check the
 * market's own rules (stake >= minStakeFor, bond >= floor).
 */
export function resolveParams(file: Partial<Record<ParamName, unknown>>, flags: Partial<Record<ParamName, string>>, fileName = 'params file'): Params {
  const out = {} as Params;
  for (const name of PARAM_NAMES) {
    const spec: Spec = PARAM_SPECS[name];
    if (flags[name] !== undefined) out[name] = evaluateParam(name, flags[name], `--${flagOf(name)}`);
    else if (file[name] !== undefined) out[name] = evaluateParam(name, file[name], `${fileName}: ${name}`);
    else if (spec.default !== null) out[name] = spec.default;
  }
  if (out.declaredRate === 0) throw new UsageError('--declared-rate: expected a fraction in (0, 1], got 0');
  if (out.reward <= 0) throw new UsageError(`--reward: expected a positive amount, got ${out.reward}`);
  const floor = minStakeFor(out.reward, out.declaredRate);
  if (out.stake === undefined) out.stake = floor;
  else if (out.stake < floor * (1 - 1e-12)) throw new UsageError(`--stake: ${out.stake} ETH is below minStakeFor(${out.reward}) = ${fmt(floor)} ETH at declared rate ${out.declaredRate} (postJob would revert StakeBelowMinimum)`);
  if (out.bond < out.minBond) throw new UsageError(`--bond: ${out.bond} ETH is below the bond floor --min-bond ${out.minBond} ETH (postJob would revert BondBelowFloor)`);
  return out;
}

export function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : Number(x.toPrecision(6)).toString();
}

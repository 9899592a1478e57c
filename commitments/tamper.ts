// Adversarial testing hooks: `--tamper '<spec>'` makes a solver cheat (or a verifier grief)
// in one precise, reproducible way. Grammar and meaning: docs/TAMPER.md.
//   spec   := pair ("," pair)*        pair := key "=" value
//   kind=flip,step=S,op=O,elem=E,bit=B | kind=skip,step=S | kind=lr,scale=F,from=S
//   kind=batch,step=S | kind=final | kind=withhold,step=S | kind=honest | kind=grief (verifier)
//   any solver kind may add publish=none|wrong (hide the result data from verifiers)
import { UsageError, UserError } from '../jobs/errors.ts';

/**
 * What a solver publishes for verifiers: by default its blob server and result manifest.
 * none: neither (nor any dispute data); wrong: a manifest whose hashes do not rebuild stepsRoot.
 */
export const PUBLISH_MODES = ['none', 'wrong'] as const;
export type PublishMode = (typeof PUBLISH_MODES)[number];

export type SolverTamper = (
  | { kind: 'flip'; step: number; op: number; elem: number; bit: number }
  | { kind: 'skip'; step: number }
  | { kind: 'lr'; scale: number; from: number }
  | { kind: 'batch'; step: number }
  | { kind: 'final' }
  | { kind: 'withhold'; step: number }
  | { kind: 'honest' } // an honest run: only useful with publish=...
) & { publish?: PublishMode };

export type VerifierTamper = { kind: 'grief' };

export type Tamper = SolverTamper | VerifierTamper;
export type TamperRole = 'solver' | 'verifier';

type ParamKind = 'int' | 'bit' | 'float';

/** Every kind, who may use it, and its parameters in the documented order. */
const KINDS: Record<Tamper['kind'], { role: TamperRole; params: Record<string, ParamKind> }> = {
  flip: { role: 'solver', params: { step: 'int', op: 'int', elem: 'int', bit: 'bit' } },
  skip: { role: 'solver', params: { step: 'int' } },
  lr: { role: 'solver', params: { scale: 'float', from: 'int' } },
  batch: { role: 'solver', params: { step: 'int' } },
  final: { role: 'solver', params: {} },
  withhold: { role: 'solver', params: { step: 'int' } },
  honest: { role: 'solver', params: {} },
  grief: { role: 'verifier', params: {} },
};

export const TAMPER_KINDS = Object.keys(KINDS) as Tamper['kind'][];

export function kindsFor(role: TamperRole): string[] {
  return TAMPER_KINDS.filter((k) => KINDS[k].role === role);
}

function usageOf(kind: Tamper['kind']): string {
  const publish = KINDS[kind].role === 'solver' ? [`[publish=${PUBLISH_MODES.join('|')}]`] : [];
  return ['kind=' + kind, ...Object.keys(KINDS[kind].params).map((p) => `${p}=${p === 'scale' ? 'F' : p[0].toUpperCase()}`), ...publish].join(',');
}

/** Parse a tamper spec for `role`; errors name the offending key and what was expected. */
export function parseTamper(text: string, role: TamperRole): Tamper {
  const fail = (msg: string): never => {
    throw new UsageError(`--tamper '${text}': ${msg} (see docs/TAMPER.md)`); // a bad flag value: exit 2
  };
  const pairs = splitPairs(text, fail);
  const kind = pairs.get('kind');
  if (kind === undefined) fail(`missing kind=...; ${role} kinds: ${kindsFor(role).join(', ')}`);
  const def = KINDS[kind as Tamper['kind']];
  if (!def) fail(`unknown kind '${kind}'; ${role} kinds: ${kindsFor(role).join(', ')}`);
  if (def.role !== role) fail(`kind=${kind} is a ${def.role} tamper; ${role} kinds: ${kindsFor(role).join(', ')}`);
  const out: Record<string, unknown> = { kind };
  for (const [key, value] of pairs) {
    if (key === 'kind') continue;
    if (key === 'publish' && def.role === 'solver') {
      if (!(PUBLISH_MODES as readonly string[]).includes(value)) fail(`publish=${value}: expected one of ${PUBLISH_MODES.join(', ')}`);
      out.publish = value;
      continue;
    }
    const type = def.params[key];
    if (!type) fail(`kind=${kind} takes no '${key}'; usage: ${usageOf(kind as Tamper['kind'])}`);
    out[key] = parseValue(key, value, type, fail);
  }
  for (const p of Object.keys(def.params))
    if (!(p in out)) fail(`kind=${kind} needs ${p}=...; usage: ${usageOf(kind as Tamper['kind'])}`);
  return out as Tamper;
}

export function parseSolverTamper(text: string): SolverTamper {
  return parseTamper(text, 'solver') as SolverTamper;
}

function splitPairs(text: string, fail: (m: string) => never): Map<string, string> {
  const pairs = new Map<string, string>();
  if (text.trim() === '') fail('empty spec');
  for (const part of text.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*(\S+?)\s*$/.exec(part);
    if (!m) fail(`'${part}' is not key=value`);
    if (pairs.has(m![1])) fail(`'${m![1]}' given twice`);
    pairs.set(m![1], m![2]);
  }
  return pairs;
}

function parseValue(key: string, value: string, type: ParamKind, fail: (m: string) => never): number {
  if (type === 'float') {
    const x = Number(value);
    if (!/^[0-9.eE+-]+$/.test(value) || !Number.isFinite(x) || x <= 0) fail(`${key}=${value}: expected a positive finite number`);
    return x;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(Number(value))) fail(`${key}=${value}: expected a non-negative integer`);
  const n = Number(value);
  if (type === 'bit' && n > 31) fail(`${key}=${value}: expected a bit index in [0, 31] of the binary32 value`);
  return n;
}

/** Canonical text of a tamper (round-trips through parseTamper). */
export function formatTamper(t: Tamper): string {
  return Object.entries(t).map(([k, v]) => `${k}=${v}`).join(',');
}

/** What the job looks like, for range checks that need it (step count, program size, shapes). */
export interface TamperLimits {
  numSteps: number;
  stepProgramLength: number;
  outputSize(op: number): number; // numel of node op's output in the step program
}

/** Range checks against a concrete job; errors say what range was expected. */
export function checkTamperFits(t: Tamper, job: TamperLimits): void {
  const fail = (msg: string): never => {
    throw new UserError(`--tamper '${formatTamper(t)}': ${msg}`);
  };
  const step = 'step' in t ? t.step : 'from' in t ? t.from : undefined;
  if (step !== undefined && step >= job.numSteps)
    fail(`step ${step} is outside the job's steps 0..${job.numSteps - 1} (steps are 0-based: step S turns state H[S] into H[S+1])`);
  if (t.kind === 'flip') {
    if (t.op >= job.stepProgramLength) fail(`op=${t.op}: the step program has ops 0..${job.stepProgramLength - 1} (see optrain trace)`);
    const n = job.outputSize(t.op);
    if (t.elem >= n) fail(`elem=${t.elem}: op ${t.op}'s output has ${n} elements (0..${n - 1})`);
  }
}

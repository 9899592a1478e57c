// The shape of a CLI command and the flag parsing every command shares. Each command lives
// in its own file under cli/commands/ and is listed in cli/commands/index.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../jobs/errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface Command {
  name: string; // e.g. 'train', later 'job submit'
  summary: string; // one line for `optrain --help`
  usage: string; // full `optrain <name> --help` text
  options: Options;
  /** Run with parsed flags and positionals; returns the exit code. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/**
 * A command listed by name and summary whose module is imported only when it runs, so that
 * `optrain train` does not pay for loading the chain and queue libraries of other commands.
 */
export interface LazyCommand {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export type CommandEntry = Command | LazyCommand;

export function lazyCommand(name: string, summary: string, load: () => Promise<Command>): LazyCommand {
  return { name, summary, load };
}

export async function loadCommand(entry: CommandEntry): Promise<Command> {
  return 'load' in entry ? entry.load() : entry;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h' } };

/** node:util parseArgs, with its errors turned into one-line usage errors naming the command. */
export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  try {
    const r = parseArgs({ args: joinNegativeValues(argv, cmd.options), options: { ...HELP_OPTION, ...cmd.options }, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`optrain ${cmd.name}: ${describeParseError(e as NodeJS.ErrnoException)} (see optrain ${cmd.name} --help)`);
  }
}

/**
 * `--steps -1` means the value -1: parseArgs would take '-1' for an option and call the
 * value ambiguous, so a negative number after a string option is joined into `--steps=-1`
 * and gets the option's own range check and message.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([\w-]+)$/.exec(argv[i])?.[1];
    if (name && options[name]?.type === 'string' && /^-(\d|\.\d|Infinity$)/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

function describeParseError(e: NodeJS.ErrnoException): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(e.message)) return `option '${optionName(e.message)}' needs a value`;
      if (/ambiguous/.test(e.message)) return `option '${optionName(e.message)}' needs a value (to give one starting with '-', write ${optionName(e.message)}=VALUE)`;
      return `option '${optionName(e.message)}' takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    default:
      return e.message.split('\n')[0];
  }
}

function optionName(msg: string): string {
  return /(--[\w-]+)/.exec(msg)?.[1] ?? msg;
}

/** A flag value as a positive integer; `name` is the flag as typed, e.g. '--steps'. */
export function positiveIntFlag(value: string | boolean | undefined, name: string, cmd: string): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value);
  if (!/^[1-9][0-9]*$/.test(s) || !Number.isSafeInteger(Number(s)))
    throw new UsageError(`optrain ${cmd}: ${name}: expected a positive integer, got '${s}'`);
  return Number(s);
}

/** Exactly `n` positionals, named in the error (e.g. ['<job.json>']). */
export function expectPositionals(args: ParsedArgs, names: string[], cmd: string): string[] {
  if (args.positionals.length < names.length) throw new UsageError(`optrain ${cmd}: missing ${names.slice(args.positionals.length).join(' ')} (see optrain ${cmd} --help)`);
  if (args.positionals.length > names.length) throw new UsageError(`optrain ${cmd}: unexpected argument '${args.positionals[names.length]}' (see optrain ${cmd} --help)`);
  return args.positionals;
}

/** A TCP port flag: 0..65535 (0: any free port); undefined when not given. */
export function portFlag(value: string | boolean | undefined, name: string, cmd: string): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value);
  if (!/^[0-9]{1,5}$/.test(s) || Number(s) > 65535) throw new UsageError(`optrain ${cmd}: ${name}: expected a port 0..65535, got '${s}'`);
  return Number(s);
}

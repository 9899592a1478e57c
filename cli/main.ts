// optrain CLI entry: dispatch to a command, print user errors as one line.
// Exit codes: 0 ok, 1 user error (bad job, dataset, file), 2 usage error (command line),
// 70 internal error (a bug: printed with its stack).
import { readFileSync } from 'node:fs';
import { OPSET_VERSION } from '../reproducible-ops/opset.ts';
import { isUserError, UsageError } from '../jobs/errors.ts';
import { loadCommand, parseCommandArgs, type CommandEntry, type Io } from './command.ts';
import { COMMANDS } from './commands/index.ts';

export const EXIT_OK = 0;
export const EXIT_USER = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

function topHelp(commands: CommandEntry[]): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return `optrain: optimistic-rollup verifiable ML training

Usage: optrain <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

Run 'optrain <command> --help' for a command's options, 'optrain --version' for the version.
`;
}

/** Longest command name matching the start of argv (so two-word commands like 'job submit' work). */
function findCommand(argv: string[], commands: CommandEntry[]): { cmd: CommandEntry; rest: string[] } | null {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const cmd of sorted) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { cmd, rest: argv.slice(words.length) };
  }
  return null;
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }, commands = COMMANDS): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout.write(topHelp(commands));
      return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    if (argv[0] === '--version' || argv[0] === '-V') {
      io.stdout.write(`optrain ${packageVersion()} (op set ${OPSET_VERSION})\n`);
      return EXIT_OK;
    }
    const found = findCommand(argv, commands);
    if (!found) {
      const what = argv[0].startsWith('-') ? `unknown option '${argv[0]}'` : `unknown command '${argv[0]}'`;
      throw new UsageError(`optrain: ${what} (commands: ${commands.map((c) => c.name).join(', ')}; see optrain --help)`);
    }
    const cmd = await loadCommand(found.cmd);
    const args = parseCommandArgs(cmd, found.rest);
    if (args.values.help) {
      io.stdout.write(cmd.usage);
      return EXIT_OK;
    }
    return await cmd.run(args, io);
  } catch (e) {
    if (isUserError(e)) {
      io.stderr.write(`${e.message.startsWith('optrain') ? '' : 'optrain: error: '}${oneLine(e.message)}\n`);
      return e instanceof UsageError ? EXIT_USAGE : EXIT_USER;
    }
    io.stderr.write(`optrain: internal error (please report): ${(e as Error)?.stack ?? e}\n`);
    return EXIT_INTERNAL;
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

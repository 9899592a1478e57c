// Every CLI command, in the order `optrain --help` lists them. Later commands (job submit,
// solver start, verifier start, devnet, demo) add a file under cli/commands/ and a line here.
import type { Command } from '../command.ts';
import { inspectCommand } from './inspect.ts';
import { traceCommand } from './trace.ts';
import { trainCommand } from './train.ts';

export const COMMANDS: Command[] = [trainCommand, traceCommand, inspectCommand];

// Every CLI command, in the order `optrain --help` lists them. Later commands (job submit,
// solver start, verifier start, devnet, demo) add a file under cli/commands/ and a line here.
import type { Command } from '../command.ts';
import { inspectCommand } from './inspect.ts';
import { traceCommand } from './trace.ts';
import { trainCommand } from './train.ts';
import { devnetDownCommand, devnetUpCommand } from './devnet.ts';
import { jobFetchModelCommand } from './job-fetch-model.ts';
import { jobStatusCommand } from './job-status.ts';
import { jobSubmitCommand } from './job-submit.ts';
import { solverStartCommand } from './solver.ts';

export const COMMANDS: Command[] = [
  trainCommand, traceCommand, inspectCommand,
  devnetUpCommand, devnetDownCommand, jobSubmitCommand, jobStatusCommand, jobFetchModelCommand, solverStartCommand,
];

#!/usr/bin/env node
// optrain command: registers tsx so the TypeScript sources run as they are, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// The command is done: a library's leftover socket or timer (e.g. a Redis client still
// reconnecting) must not keep the process alive.
setTimeout(() => process.exit(), 500).unref();

#!/usr/bin/env node
// Run the npm-installed forge binary from the repo root with the given args:
//   node scripts/forge.mjs build | test [...]
// Inherits stdio and propagates the exit code (or the terminating signal).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const forge = path.join(root, 'node_modules/@foundry-rs/forge-linux-amd64/bin/forge');
if (!existsSync(forge)) {
  console.error(`forge binary not found at ${forge} (is @foundry-rs/forge-linux-amd64 installed?)`);
  process.exit(127);
}
const r = spawnSync(forge, process.argv.slice(2), { cwd: root, stdio: 'inherit' });
if (r.error) {
  console.error(r.error.message);
  process.exit(127);
}
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);

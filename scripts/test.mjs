#!/usr/bin/env node
// `npm test`: forge tests of rollup-contracts, then every *.test.ts with node's test runner.
// Ends with one plain summary line "N passed, M failed" over both; exits non-zero on any failure.
// Flags: --only ts|sol, and any further args are passed as test file filters (substring match).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : null;
const filters = args.filter((a, i) => a !== '--only' && (onlyIdx < 0 || i !== onlyIdx + 1)); // without --only, args[0] is a filter too
let passed = 0, failed = 0;

function run(cmd, argv, label) {
  console.log(`\n=== ${label}: ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28, env: process.env });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  return { out: `${r.stdout}\n${r.stderr}`, status: r.status ?? 1 };
}

// The type check counts as one test: a type error anywhere fails the suite.
if (only === null && filters.length === 0) {
  const { status } = run('node', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], 'typecheck');
  if (status === 0) passed += 1;
  else failed += 1;
}

if (only !== 'ts' && (filters.length === 0 || only === 'sol') && existsSync(join(root, 'foundry.toml'))) { // file filters select *.test.ts files only
  const forgeArgs = ['scripts/forge.mjs', 'test'];
  if (process.env.CI) forgeArgs.push('--fuzz-seed', '0x1');
  const { out, status } = run('node', forgeArgs, 'forge');
  const m = [...out.matchAll(/(\d+) tests passed, (\d+) failed/g)].at(-1);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (status !== 0 && (!m || Number(m[2]) === 0)) {
    console.error(`forge exited with status ${status}`);
    failed += 1;
  }
}

if (only !== 'sol') {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.') || name === 'out' || name === 'cache') continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) files.push(relative(root, p));
    }
  };
  for (const d of ['econ', 'reproducible-ops', 'jobs', 'commitments', 'chain', 'solver', 'verifier', 'arbiter', 'cli', 'test', 'bench'])
    if (existsSync(join(root, d))) walk(join(root, d));
  const chosen = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (chosen.length) {
    // --test-force-exit: a test file whose handles outlive its tests (a server a failed test
    // never closed) ends when its tests and hooks are done instead of hanging the whole run
    const { out, status } = run('node', ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec', ...chosen], 'node --test');
    const p = [...out.matchAll(/^ℹ pass (\d+)/gm)].at(-1), fl = [...out.matchAll(/^ℹ fail (\d+)/gm)].at(-1);
    if (p) passed += Number(p[1]);
    if (fl) failed += Number(fl[1]);
    if (status !== 0 && (!fl || Number(fl[1]) === 0)) {
      console.error(`node --test exited with status ${status}`);
      failed += 1;
    }
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

// Issue 10's target "the reference backend agrees on the first 20 steps" of the shakespeare-char
// job, checked in full (test/gpt-determinism.test.ts compares fewer steps to stay quick): the
// reference backend and native (2 threads; WASM when native is not built) each train N steps
// in their own `optrain train` process, in parallel, and every state hash H0..HN and every step
// loss must agree. Prints the hashes and the seconds; exits 1 on any difference.
//   npm run verify:reference [-- --steps 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadNativeAddon } from '../reproducible-ops/backend/native.ts';
import { trainRun, writeShakespeareJob } from './shakespeare-runs.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '20' } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1 || steps > 2000) throw new Error(`--steps: expected an integer in [1, 2000], got '${values.steps}'`);

const dir = mkdtempSync(join(tmpdir(), 'optrain-verify-reference-'));
try {
  const job = writeShakespeareJob(dir);
  const fast = loadNativeAddon() ? { backend: 'native', threads: 2 } : { backend: 'wasm', threads: 2 };
  console.log(`training ${steps} steps of the shakespeare-char job (valFraction 0.0001, hashInterval 1) on reference and ${fast.backend} x${fast.threads}, in parallel...`);
  const [ref, other] = await Promise.all([trainRun(job, join(dir, 'reference'), steps, 'reference'), trainRun(job, join(dir, 'fast'), steps, fast.backend, fast.threads)]);
  const bad: string[] = [];
  for (let s = 0; s <= steps; s++) if (ref.stateHashes[s] !== other.stateHashes[s]) bad.push(`H${s}: reference ${ref.stateHashes[s]} vs ${other.result.backend} ${other.stateHashes[s]}`);
  for (let s = 0; s < steps; s++) if (ref.losses[s] !== other.losses[s]) bad.push(`loss of step ${s}: reference ${ref.losses[s]} vs ${other.result.backend} ${other.losses[s]}`);
  if (ref.result.programRoot !== other.result.programRoot) bad.push(`programRoot: ${ref.result.programRoot} vs ${other.result.programRoot}`);
  console.log(`| backend | H${steps} (finalStateHash) | stateRoot | loss of step ${steps - 1} | process seconds |`);
  console.log('|---|---|---|---:|---:|');
  for (const r of [ref, other]) console.log(`| ${r.result.backend} | ${r.result.finalStateHash} | ${r.result.stateRoot} | ${r.losses[steps - 1]} | ${r.wallSeconds.toFixed(1)} |`);
  if (bad.length) {
    console.error(`MISMATCH (${bad.length}):\n${bad.slice(0, 20).join('\n')}`);
    process.exitCode = 1;
  } else console.log(`agree: all ${steps + 1} state hashes H0..H${steps}, ${steps} step losses and the programRoot (machine load average ${(await import('node:os')).loadavg()[0].toFixed(2)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

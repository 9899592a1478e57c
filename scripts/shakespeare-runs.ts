// The shakespeare-char recipe trained by `optrain train` in a separate process, with every
// step's state hash recorded: shared by test/gpt-determinism.test.ts and
// scripts/verify-reference.ts (the reference backend's 20-step agreement check).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHAKESPEARE_PATH } from '../jobs/gpt-fixtures.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'optrain.mjs');

export interface RunResult {
  finalStateHash: string;
  stateRoot: string;
  finalModelHash: string;
  programRoot: string;
  trainLoss: number;
  valLoss: number;
  backend: string;
  steps: number;
  seconds: number;
}

export interface Run {
  result: RunResult;
  stateHashes: string[]; // H0..Hsteps (hashInterval 1), from the run's checkpoint index
  losses: number[];
  wallSeconds: number; // the process, start to exit
}

/**
 * The recipe with three changes, none to a shape: the text by absolute path; valFraction
 * 0.0001 (111 validation tokens: one window, so the valLoss every partial run ends with costs
 * one forward pass instead of 1,742 windows' worth); hashInterval 1, so the checkpoint index
 * lists every step's state hash. The hashes are therefore this job's, not the recipe's.
 */
export function writeShakespeareJob(dir: string): string {
  const job = JSON.parse(readFileSync(join(ROOT, 'examples', 'shakespeare-char.json'), 'utf8'));
  job.dataset.text.path = SHAKESPEARE_PATH;
  job.dataset.text.valFraction = 0.0001;
  job.hashInterval = 1;
  const file = join(dir, 'shakespeare-char.json');
  writeFileSync(file, JSON.stringify(job, null, 2));
  return file;
}

/** `optrain train <job> --steps N --backend B [--threads T]` into `out`; rejects on a non-zero exit. */
export function trainRun(job: string, out: string, steps: number, backend: string, threads?: number): Promise<Run> {
  const args = [BIN, 'train', job, '--steps', String(steps), '--out', out, '--json', '--backend', backend];
  if (threads !== undefined) args.push('--threads', String(threads));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`optrain train --backend ${backend} --threads ${threads} exited ${code}: ${stderr}`));
      const index = JSON.parse(readFileSync(join(out, 'checkpoints', 'index.json'), 'utf8'));
      resolve({ result: JSON.parse(stdout), stateHashes: index.stateHashes, losses: index.losses, wallSeconds: (performance.now() - t0) / 1000 });
    });
  });
}

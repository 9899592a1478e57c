// `optrain train` on a GPT job and `optrain generate` on its run, as separate processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeGptJob } from '../jobs/gpt-fixtures.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'optrain.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function optrain(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function oneLineError(r: Run, code: number, re: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], re);
}

const dir = mkdtempSync(join(tmpdir(), 'optrain-generate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = join(dir, 'run');
let trained: Run;

before(async () => {
  const fx = writeGptJob(dir, { steps: 8, evalInterval: 4 });
  trained = await optrain('train', fx.file, '--out', run, '--json', '--backend', 'reference');
});

describe('optrain train + generate on a GPT job', () => {
  it('train prints trainLoss and valLoss every evalInterval steps; --json reports both', () => {
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stderr, /^step 4: trainLoss \d+\.\d{4} valLoss \d+\.\d{4}$/m);
    assert.match(trained.stderr, /^step 8: trainLoss \d+\.\d{4} valLoss \d+\.\d{4}$/m);
    const r = JSON.parse(trained.stdout);
    assert.ok(Number.isFinite(r.trainLoss) && Number.isFinite(r.valLoss), trained.stdout);
    assert.equal(r.valLoss.toFixed(4), /^step 8: .* valLoss (\S+)$/m.exec(trained.stderr)![1]);
    assert.equal(r.testAccuracy, undefined);
  });

  it('streams the prompt and the sample; the same seed gives the same text, another seed other text', async () => {
    const [a, b, c, j] = await Promise.all([
      optrain('generate', run, '--prompt', 'ROMEO:', '--tokens', '30', '--backend', 'reference'),
      optrain('generate', run, '--prompt', 'ROMEO:', '--tokens', '30', '--backend', 'reference'),
      optrain('generate', run, '--prompt', 'ROMEO:', '--tokens', '30', '--seed', '2', '--backend', 'reference'),
      optrain('generate', join(run, 'model'), '--prompt', 'ROMEO:', '--tokens', '30', '--temperature', '0.5', '--top-k', '5', '--json', '--backend', 'reference'),
    ]);
    for (const r of [a, b, c, j]) assert.equal(r.code, 0, r.stderr);
    assert.ok(a.stdout.startsWith('ROMEO:'), a.stdout);
    assert.equal(Array.from(a.stdout).length, 'ROMEO:'.length + 30 + 1); // char tokens, then a newline
    assert.equal(a.stdout, b.stdout);
    assert.notEqual(a.stdout, c.stdout);
    const o = JSON.parse(j.stdout);
    assert.equal(o.tokenIds.length, 30);
    assert.equal(o.text.length, 30);
    assert.deepEqual([o.prompt, o.temperature, o.topK, o.seed, o.tokenizer], ['ROMEO:', 0.5, 5, 1, 'char']);
  });

  it('--help explains the options; bad flags and inputs are one-line errors', async () => {
    const [help, noDir, temp, topk, prompt, empty, notGpt] = await Promise.all([
      optrain('generate', '--help'),
      optrain('generate', join(dir, 'nope')),
      optrain('generate', run, '--temperature', '0'),
      optrain('generate', run, '--top-k', '1.5'),
      optrain('generate', run, '--prompt', 'ROMEO~'),
      optrain('generate', run, '--prompt', ''),
      optrain('generate', dir),
    ]);
    assert.equal(help.code, 0);
    for (const flag of ['--prompt', '--tokens', '--temperature', '--top-k', '--seed', '--json', '--backend']) assert.ok(help.stdout.includes(flag), flag);
    oneLineError(noDir, 1, /^optrain: error: .*nope: no such run directory$/);
    oneLineError(temp, 2, /^optrain generate: --temperature: expected a number > 0, got '0'$/);
    oneLineError(topk, 2, /^optrain generate: --top-k: expected an integer >= 0 \(0 = no limit\), got '1\.5'$/);
    oneLineError(prompt, 1, /^optrain: error: --prompt: character "~" \(U\+007E\) is not in the model's vocabulary of \d+ characters$/);
    oneLineError(empty, 1, /^optrain: error: --prompt: expected at least one token/);
    oneLineError(notGpt, 1, /no GPT model here/);
  });
});

// A trained GPT's export loads into nanoGPT's GPT class in PyTorch (Debian python3-torch; the
// model is written from nanoGPT's published architecture in test/helpers/nanogpt_check.py)
// and computes the same thing: logits on fixed inputs within 1e-4 relative, the validation
// loss within 1e-3. Skipped, with a notice, only when torch is not installed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeGptJob } from '../jobs/gpt-fixtures.ts';
import { loadJob, type GptJob } from '../jobs/job.ts';
import { createEngine, train } from '../jobs/train.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { predictLogits } from '../reproducible-ops/lm-eval.ts';
import { readGptModel } from '../jobs/gpt-model.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('./helpers/nanogpt_check.py', import.meta.url).pathname;
const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
const torchMissing = probe.status === 0 ? false : `python3-torch is not installed (${PYTHON} -c 'import torch' failed: ${(probe.stderr || String(probe.error)).trim().split('\n').at(-1)}); install it with scripts/install.sh`;
if (torchMissing) process.stderr.write(`gpt-torch.test: skipped: ${torchMissing}\n`);

const dir = mkdtempSync(join(tmpdir(), 'optrain-torch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface TorchOut {
  logits: number[][];
  valLoss: number;
  windows: number;
  missing: string[];
  unexpected: string[];
  torch: string;
}

function python(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** max |a - b| / max |b|: the error relative to the logits' scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

test('nanoGPT in PyTorch loads model.safetensors + config.json and agrees on logits (1e-4) and valLoss (1e-3)', { skip: torchMissing }, async (t) => {
  // bias true exercises the c_attn bias concatenation too; 12 steps move the weights off their init
  const fx = writeGptJob(dir, { steps: 12, gpt: { bias: true, nHead: 4 } });
  const job = loadJob(fx.file) as GptJob;
  const engine = createEngine(job, referenceBackend);
  const out = join(dir, 'run');
  const result = train(job, engine, { outDir: out });
  const model = readGptModel(join(out, 'model'));
  const T = job.config.blockSize;
  const full = Array.from({ length: 2 }, (_, b) => Array.from({ length: T }, (_, t) => (b * 31 + t * 7) % job.config.vocabSize));
  const short = [[20, 43, 50, 50, 53]];
  const inputs = [full, short];
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify(inputs));
  const r = await python([SCRIPT, join(out, 'model'), join(out, 'data', 'tokens.bin'), join(dir, 'inputs.json')]);
  assert.equal(r.code, 0, r.stderr);
  const torch = JSON.parse(r.stdout) as TorchOut;
  assert.deepEqual(torch.unexpected, [], 'every exported tensor is a nanoGPT state-dict key');
  assert.deepEqual(torch.missing, Array.from({ length: job.config.nLayer }, (_, i) => `transformer.h.${i}.attn.bias`), 'only the causal-mask buffers (not parameters) are absent');
  inputs.forEach((rows, k) => {
    const ours = predictLogits(engine, model.params, rows.flat(), rows.length, rows[0].length);
    const err = relErr(ours, torch.logits[k]);
    t.diagnostic(`input ${k} [${rows.length}, ${rows[0].length}]: max logit difference ${err.toExponential(2)} of the logits' scale`);
    assert.ok(err <= 1e-4, `input ${k}: logits differ by ${err.toExponential(2)} of their scale (torch ${torch.torch})`);
  });
  assert.equal(torch.windows, Math.floor((job.val.shape[0] - 1) / T));
  t.diagnostic(`valLoss: optrain ${result.valLoss}, PyTorch ${torch.valLoss} (torch ${torch.torch})`);
  assert.ok(Math.abs(torch.valLoss - result.valLoss!) <= 1e-3, `valLoss: optrain ${result.valLoss}, PyTorch ${torch.valLoss}`);
});

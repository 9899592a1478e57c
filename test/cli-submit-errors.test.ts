// `optrain job submit` against a real devnet (anvil + redis-server): an unfunded key is named
// by its address and balance (never the key), and a job nobody can run is refused before
// anything is pinned or posted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Wallet } from 'ethers';
import { writeDevnet } from '../chain/devnet.ts';
import { REPO_ROOT } from '../chain/artifacts.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';

let net: TestDevnet;
let dir: string;
let devnetFile: string;

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-submit-errors-'));
  devnetFile = writeDevnet(net.info, join(dir, 'devnet.json'));
});

after(async () => {
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function optrain(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'optrain.mjs'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPTRAIN_PRIVATE_KEY: '' } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('an unfunded key: one line with its address and balance, no key, nothing posted', async () => {
  const job = writeTinyJob(join(dir, 'job'));
  const wallet = Wallet.createRandom();
  const r = await optrain('job', 'submit', job, '--reward', '1.5', '--stake', '9', '--devnet', devnetFile, '--private-key', wallet.privateKey);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^optrain: error: account ${wallet.address} has 0\\.0 ETH; posting this job escrows 1\\.5 ETH plus gas \\(fund the account, or sign with another --account or --private-key\\)\\n$`));
  assert.ok(!r.stderr.toLowerCase().includes(wallet.privateKey.slice(2).toLowerCase()), 'the key is not printed');
  assert.equal(await net.client('submitter').market.jobCount(), 0n, 'no job was posted');
});

test('a funded account posting a job nobody can run is refused before pinning', async () => {
  const jobDir = join(dir, 'huge');
  const file = writeTinyJob(jobDir);
  const spec = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...spec, hyperparameters: { ...spec.hyperparameters, batchSize: 1e9 } }));
  const pinned = readdirSync(net.info.blobDir).length;
  const r = await optrain('job', 'submit', file, '--reward', '1', '--devnet', devnetFile);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^optrain: error: .*job\.json: job\.hyperparameters\.batchSize \(1000000000\): needs a tensor of .* values, more than the 4294967296 one tensor can hold\n$/);
  assert.equal(readdirSync(net.info.blobDir).length, pinned, 'nothing pinned');
});

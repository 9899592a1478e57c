// The explorer as users see it, in a real headless chromium (Debian's, through puppeteer-core),
// on one devnet shared by the whole file: `optrain demo --keep`'s devnet, where an honest job
// was finalized and a tampering solver was bisected down to its one-step and slashed. The
// explorer reads the chain through a TCP proxy so the RPC can be cut off and brought back; the
// blob servers (a solver's own, the devnet's shared one) are stopped and started again at the
// same address. Also: a second cheater and a verifier with --metrics-port (their counters must
// move, and the stalled dispute's clock must tick), a job named like an XSS payload, a job an
// honest solver trained for 2,000 steps under 50 concurrent loads, and the README's screenshot
// of the dispute page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { readDevnet, stopDevnet, type DevnetInfo } from '../chain/devnet.ts';
import { freePort, killPid, stopPid } from '../chain/processes.ts';
import { createClient } from '../chain/client.ts';
import { postJob } from '../chain/actions/post-job.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import { BlobStore, serveBlobs, type BlobServer } from '../jobs/blobstore.ts';
import { canonicalJson } from '../jobs/canonical.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { loadJob } from '../jobs/job.ts';
import { writeQuadrantsJob, type QuadrantsJobOptions } from '../jobs/quadrants-job.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startExplorer, type RunningExplorer } from '../explorer/server.ts';
import { startSolver, type RunningSolver } from '../solver/start.ts';
import { startVerifier, type RunningVerifier } from '../verifier/start.ts';
import { defaultDemoTamper, type DemoSummary } from '../cli/demo-run.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/chain.ts';

const BIN = join(import.meta.dirname, '../bin/optrain.mjs');
const SCREENSHOT = join(import.meta.dirname, '../docs/explorer-dispute.png');
const XSS = '<img src=x onerror=alert(1)>';

let dir: string, devnetFile: string, info: DevnetInfo, demo: DemoSummary & { devnetFile: string };
let proxy: TcpProxy, explorer: RunningExplorer, browser: Browser;
let honest: RunningSolver; // an honest solver started by the 2,000-loss test, serving blobs on a fixed port
let sharedBlobs: BlobServer | undefined; // the shared blob server once the test brought it back in-process
const services: { stop(): Promise<void> }[] = [];

// The CLI as a user on a fresh clone runs it: in a directory of its own, no flags, no $OPTRAIN_DEVNET.
const CLI_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'OPTRAIN_DEVNET'));
const cli = (args: string[], timeout: number) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: CLI_ENV, encoding: 'utf8', timeout });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optrain-explorer-e2e-'));
  devnetFile = join(dir, '.optrain', 'devnet.json'); // the default place
  // the kept devnet's processes are detached: a crashed test run must not leave them behind
  process.on('exit', () => info && Object.values(info.pids).forEach((pid) => pid && killPid(pid)));
  const r = cli(['demo', '--keep', '--json'], 240_000);
  if (existsSync(devnetFile)) info = readDevnet(devnetFile);
  assert.equal(r.status, 0, `optrain demo --keep --json: exit ${r.status}\n${r.stderr.slice(-3000)}`);
  demo = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as DemoSummary & { devnetFile: string };
  assert.equal(demo.devnetFile, devnetFile);
  proxy = await TcpProxy.start(Number(new URL(info.rpcUrl).port));
  explorer = await startExplorer({ net: { ...info, rpcUrl: proxy.url }, port: 0, pollMs: 300 });
  browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
});

after(async () => {
  await browser?.close();
  for (const s of services) await s.stop().catch(() => undefined);
  await sharedBlobs?.close();
  await explorer?.stop();
  await proxy?.down();
  if (info) {
    // `optrain devnet down` stops what `demo --keep` left running
    const r = cli(['devnet', 'down'], 60_000);
    if (r.status !== 0) await stopDevnet(info);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /stopped .*anvil/);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page that fails the test on any script error or dialog (an executed payload would open one). */
async function openPage(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
  page.on('dialog', (d) => (problems.push(`dialog: ${d.message()}`), void d.dismiss()));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.setViewport({ width: 1200, height: 900 });
  await page.goto(explorer.url + path, { waitUntil: 'load' });
  return { page, problems };
}

const mainText = (page: Page) => page.$eval('#main', (m) => (m as HTMLElement).innerText);

test('demo --keep --json leaves its devnet: the job list shows both demo jobs with their status', async () => {
  assert.deepEqual(demo.jobs.map((j) => j.status), ['finalized', 'slashed']);
  assert.deepEqual(demo.jobs.map((j) => j.dispute?.disputeId ?? null), [null, '1'], '--json names the dispute');
  const { page, problems } = await openPage('/');
  const rows = await page.$$eval('table.jobs tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText));
  assert.ok(rows.some((r) => /demo-honest/.test(r) && /finalized/.test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => /demo-cheating/.test(r) && /slashed/.test(r)), rows.join('\n'));
  assert.deepEqual(problems, []);
  await page.close();
});

test('dispute page: the whole bisection path down to the one-step, both values, the slashed solver; screenshot for the README', async () => {
  const d = demo.jobs[1].dispute!;
  const { page, problems } = await openPage(`/disputes/${d.disputeId}`);
  const levels = await page.$$eval('ol.path li .level-name', (els) => els.map((e) => e.textContent));
  assert.deepEqual(levels.slice(0, 3), ['interval', 'step', 'op']);
  for (const l of ['element', 'accumulation']) assert.ok(levels.includes(l), `path has a ${l} level: ${levels.join(' > ')}`);
  assert.equal(levels.at(-1), 'one-step');
  const text = await mainText(page);
  assert.match(text, /op\s+matmul \(id 30, node \d+\)/);
  assert.match(text, /computed on chain\s+0x[0-9a-f]{8} = -?\d/);
  assert.match(text, /claimed\s+0x[0-9a-f]{8} = -?\d/);
  assert.ok(text.includes(`Slashed: solver ${demo.jobs[1].solver}`), text);
  const moves = await page.$$eval('table.moves tbody tr', (trs) => trs.length);
  assert.equal(moves, d.moves + 1, 'every game move plus the challenge that opened it');
  assert.deepEqual(problems, []);
  mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await page.close();
});

/** Pixels of the loss chart's canvas that are neither transparent nor white. */
async function inkedPixels(page: Page): Promise<number> {
  await page.waitForSelector('#loss-chart canvas');
  return page.$eval('#loss-chart canvas', (c) => {
    const cv = c as HTMLCanvasElement;
    const data = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) n++;
    return n;
  });
}

test('job page: spec, commitments and the loss chart drawn from the published losses', async () => {
  const { page, problems } = await openPage(`/jobs/${demo.jobs[0].jobId}`);
  const text = await mainText(page);
  for (const s of ['demo-honest', 'repops-3', 'input [64] → dense 16 relu → dense 4 linear', 'steps root', 'final model hash', 'final state (float32 LE'])
    assert.ok(text.includes(s), `job page shows '${s}'`);
  assert.ok((await inkedPixels(page)) > 300, 'the loss curve is drawn');
  const api = (await (await fetch(`${explorer.url}/api/jobs/${demo.jobs[0].jobId}`)).json()) as { losses: { train: number[]; val: [number, number][] }; leaves: { index: number; replayedBy: string[] }[] };
  assert.equal(api.losses.train.length, 8);
  // the solver published a validation loss at every checkpoint (checkpointInterval 3) and at the end
  assert.deepEqual(api.losses.val.map(([step]) => step), [3, 6, 8]);
  assert.ok(api.losses.val.every(([, loss]) => loss > 0 && loss < 10), JSON.stringify(api.losses.val));
  assert.ok(!text.includes('no validation losses published'));
  assert.equal(api.leaves.length, 9);
  // the demo's verifier samples at rate 1: it reports every leaf (H0: the init program) as replayed
  const replayed = api.leaves.filter((l) => l.replayedBy.includes(demo.verifier.address.toLowerCase())).map((l) => l.index);
  assert.deepEqual(replayed, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(await page.$$eval('table.leaves tbody tr td:nth-child(4) a.addr', (as) => as.length), 9);
  assert.deepEqual(problems, []);
  await page.close();
});

test('no Redis configured: the job\'s loss curve still comes from the solver\'s announcement on chain; the page says the replay reports are unavailable', async () => {
  // a network with no shared Redis (a real one): only the chain and the blob servers
  const bare = await startExplorer({ net: { ...info, redisUrl: undefined }, port: 0, pollMs: 300 });
  try {
    type Api = { losses: { train: number[]; val: [number, number][] } | null; lossError: string | null; manifest: { hash: string } | null; replayedNote: string; leaves: { replayedBy: string[] }[] };
    const api = await waitFor('the Redis-less explorer to read the losses', async () => {
      const r = await fetch(`${bare.url}/api/jobs/${demo.jobs[0].jobId}`);
      const v = r.ok ? ((await r.json()) as Api) : null;
      return v?.losses ? v : null;
    });
    assert.equal(api.losses!.train.length, 8);
    assert.deepEqual(api.losses!.val.map(([step]) => step), [3, 6, 8]);
    assert.equal(api.lossError, null);
    assert.equal(api.leaves.length, 9);
    assert.ok(api.leaves.every((l) => l.replayedBy.length === 0));
    assert.match(api.replayedNote, /replayed by: unavailable \(no Redis configured/);
    const html = await (await fetch(`${bare.url}/jobs/${demo.jobs[0].jobId}`)).text();
    assert.ok(html.includes('no Redis configured for this network'), 'the page says the replay reports are unavailable');
    assert.equal(bare.health.isDown('redis'), false);
  } finally {
    await bare.stop();
  }
});

test('optrain explorer --network <unknown>: a one-line error, nothing served', () => {
  const r = cli(['explorer', '--network', 'no-such-net', '--port', '0'], 30_000);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /unknown network 'no-such-net'/);
});

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  assert.ok(line, `metric ${name}{${labels}} is exported`);
  return Number(line.split(' ').at(-1));
}

test('a second cheater and a verifier with --metrics-port: counters moved; the stalled dispute clock ticks', async () => {
  const verifier: RunningVerifier = await startVerifier({
    net: info, privateKey: info.accounts[3].privateKey, dataDir: join(dir, 'verifier2'), backend: referenceBackend, sampleRate: 1, pollMs: 150, log: () => undefined, metricsPort: 0,
  });
  services.push(verifier);
  // the slashed job is open again: a new cheating solver claims and trains it
  const solver: RunningSolver = await startSolver({
    net: info, privateKey: info.accounts[5].privateKey, dataDir: join(dir, 'solver5'), backend: referenceBackend, tamper: defaultDemoTamper(dir),
    queueSuffix: `explorer${process.pid}`, pollMs: 150, log: () => undefined, metricsPort: 0,
  });
  services.push(solver);
  const disputeId = await waitFor('the second dispute', async () => [...explorer.indexer.disputes.keys()].find((id) => id !== demo.jobs[1].dispute!.disputeId) ?? null, 90_000);
  const [s, v] = await Promise.all([solver.metricsUrl!, verifier.metricsUrl!].map(async (u) => (await fetch(u)).text()));
  for (const event of ['claimed', 'committed']) assert.ok(metric(s, 'optrain_solver_jobs_total', `event="${event}"`) >= 1, event);
  assert.ok(metric(s, 'optrain_solver_steps_total') >= 8);
  assert.ok(metric(s, 'optrain_solver_samples_total') >= 8 * 32);
  assert.ok(metric(s, 'optrain_solver_gas_used_total') > 100_000);
  assert.ok(metric(s, 'optrain_solver_eth_spent_wei_total', 'kind="value"') >= 1e17, 'the stake');
  assert.ok(metric(s, 'optrain_solver_balance_wei') > 0);
  assert.ok(metric(s, 'process_cpu_user_seconds_total') > 0);
  assert.match(s, /^optrain_solver_queue_jobs\{state="completed"\} [1-9]/m);
  assert.match(s, /^optrain_solver_queue_stalled_jobs_total 0$/m);
  assert.equal(metric(v, 'optrain_verifier_results_checked_total', 'verdict="challenge"'), 1);
  assert.ok(metric(v, 'optrain_verifier_intervals_replayed_total') >= 1);
  assert.ok(metric(v, 'optrain_verifier_steps_replayed_total') >= 1);
  assert.equal(metric(v, 'optrain_verifier_disputes_total', 'outcome="opened"'), 1);
  assert.ok(metric(v, 'optrain_verifier_gas_used_total') > 100_000);
  assert.ok(metric(v, 'optrain_verifier_eth_spent_wei_total', 'kind="gas"') > 0);

  // The cheater goes away mid-dispute: its clock runs down on the page, second by second.
  await solver.stop();
  await waitFor('the solver to be the side to move', async () => {
    const d = (await (await fetch(`${explorer.url}/api/disputes/${disputeId}`)).json()) as { mover: string | null };
    return d.mover === 'solver';
  }, 30_000);
  const { page, problems } = await openPage(`/disputes/${disputeId}`);
  const read = () => page.$eval('.clock-box.running .clock', (e) => e.textContent!.split(':').reduce((a, x) => a * 60 + Number(x), 0));
  const first = await read();
  await new Promise((r) => setTimeout(r, 2_500));
  const second = await read();
  assert.ok(first - second >= 1 && first - second <= 4, `the solver's clock ticked down: ${first} s then ${second} s`);
  assert.equal(await page.$eval('.clock[data-side="challenger"]', (e) => (e as HTMLElement).dataset.running), '0', 'only the mover\'s clock runs');
  assert.deepEqual(problems, []);
  await page.close();
  await verifier.stop();
});

/** The demo's job (writeDemoJob: 8 steps, checkpoint every 3), or a variant of it. */
const jobFileOf = (name: string, o: Partial<QuadrantsJobOptions> = {}) =>
  writeQuadrantsJob(join(dir, `job-${Math.random().toString(36).slice(2)}`), { name, steps: 8, checkpointInterval: 3, trainN: 256, testN: 64, ...o });

async function submit(name: string, o: Partial<QuadrantsJobOptions> = {}): Promise<string> {
  const jobFile = jobFileOf(name, o);
  const sub = await submitJob({
    net: info, privateKey: info.accounts[1].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'), bond: parseEther('0.05'),
    claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
  });
  return String(sub.jobId);
}

test('a job named like an XSS payload is shown as text; nothing executes', async () => {
  const jobId = await submit(XSS);
  await waitFor('the explorer to name the job', async () => (await (await fetch(`${explorer.url}/api/jobs`)).json() as { jobId: string; name: string }[]).find((j) => j.jobId === jobId && j.name === XSS), 30_000);
  for (const path of ['/', `/jobs/${jobId}`]) {
    const { page, problems } = await openPage(path);
    await new Promise((r) => setTimeout(r, 2_500)); // a live refresh has swapped the content in once
    assert.ok((await mainText(page)).includes(XSS), `${path} shows the name literally`);
    assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0, `${path}: no <img> element was created`);
    assert.deepEqual(problems, [], path);
    await page.close();
  }
});

test('a job with 2,000 losses, trained and published by a real solver: 50 concurrent page loads, all complete; the chart draws all points', async (t) => {
  // An honest solver trains the job (2,000 steps of the demo's MLP take seconds) and publishes
  // its result manifest on its own blob server, announced on chain (DataAnnouncer): the explorer reads the
  // losses the way it reads any job's. Its blob server listens on a fixed port so that the
  // next test can take it down and bring it back at the same address.
  honest = await startSolver({
    net: info, privateKey: info.accounts[6].privateKey, dataDir: join(dir, 'solver6'), backend: referenceBackend, blobPort: await freePort(),
    queueSuffix: `explorer-honest${process.pid}`, pollMs: 150, log: () => undefined,
  });
  services.push(honest);
  const jobId = await submit('long-curve', { steps: 2000, checkpointInterval: 100, hashInterval: 50 });
  type Api = { status: string; losses: { train: number[]; val: [number, number][] } | null; manifest: { server: string } | null; leaves: unknown[] };
  const api = await waitFor('the explorer to read the published losses', async () => {
    const r = await fetch(`${explorer.url}/api/jobs/${jobId}`);
    const v = r.ok ? ((await r.json()) as Api) : null;
    return v?.status === 'committed' && v.losses ? v : null;
  }, 120_000, 500);
  assert.equal(api.manifest!.server, honest.blobServer!.url, 'read from the solver\'s own blob server');
  assert.equal(api.losses!.train.length, 2000);
  assert.ok(api.losses!.train.every((l) => typeof l === 'number' && Number.isFinite(l)));
  assert.ok(api.losses!.train[1999] < api.losses!.train[0], 'the model learned');
  // a validation loss at every checkpoint (checkpointInterval 100)
  assert.deepEqual(api.losses!.val.map(([step]) => step), Array.from({ length: 20 }, (_, k) => (k + 1) * 100));
  assert.equal(api.leaves.length, 2000 / 50 + 1);
  const t0 = Date.now();
  const loads = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const r = await fetch(`${explorer.url}${i % 2 ? '/api' : ''}/jobs/${jobId}`);
    return { status: r.status, body: await r.text() };
  }));
  const seconds = (Date.now() - t0) / 1000;
  t.diagnostic(`50 concurrent loads (25 pages, 25 API) answered in ${seconds} s`);
  assert.deepEqual(loads.map((l) => l.status), Array(50).fill(200), `all 50 loads answered 200 (${seconds} s)`);
  for (const l of loads.filter((_, i) => i % 2 === 0)) assert.ok(l.body.includes('id="loss-data"') && l.body.includes('2000 training steps'));
  const loaded = JSON.parse(loads[1].body) as Api;
  assert.deepEqual([loaded.losses!.train.length, loaded.losses!.val.length], [2000, 20]);
  const { page, problems } = await openPage(`/jobs/${jobId}`);
  assert.ok((await inkedPixels(page)) > 1000, 'both curves are drawn');
  assert.deepEqual(problems, []);
  await page.close();
});

const banner = (page: Page) => page.$eval('#outage', (b) => ((b as HTMLElement).hidden ? '' : b.textContent ?? ''));
const outages = async () => ((await (await fetch(`${explorer.url}/api/status`)).json()) as { outages: { dependency: string }[] }).outages.map((o) => o.dependency);

test('the solver\'s blob server goes away and comes back: the job page shows the outage, then the losses published meanwhile, without a reload or restart', async () => {
  const url = honest.blobServer!.url;
  await honest.blobServer!.close();
  // The solver keeps running: it claims, trains and commits this job and announces its result
  // manifest, which now sits behind a server nobody can reach.
  const jobId = await submit('trained-while-blobs-down');
  await waitFor('the job to be committed', async () => explorer.indexer.jobs.get(jobId)?.status === 'committed', 60_000, 250);
  const { page, problems } = await openPage(`/jobs/${jobId}`);
  await waitFor('the outage banner', async () => (await banner(page)).includes(`blobs ${url} unreachable`), 20_000, 250);
  assert.ok((await outages()).includes(`blobs ${url}`));
  assert.match(await mainText(page), /result manifest (0x)?[0-9a-f]{64} unreachable/);
  assert.equal(await page.$('#loss-chart'), null, 'no chart without the losses');
  // The same store served again at the same address (the solver's blob server restarted).
  honest.blobServer = await serveBlobs(new BlobStore(join(dir, 'solver6', 'blobs')), { port: Number(new URL(url).port), allowPut: true });
  await waitFor('the banner to clear', async () => (await banner(page)) === '', 20_000, 250);
  await waitFor('the losses on the same page', async () => (await mainText(page)).includes('8 training steps'), 20_000, 250);
  assert.ok((await inkedPixels(page)) > 300, 'the loss curve is drawn');
  assert.ok(!(await outages()).some((d) => d.startsWith('blobs')));
  assert.deepEqual(problems, []);
  await page.close();
});

/** Post a job whose spec sits in the shared blob store's directory, at the shared server's URL, while that server is down. */
async function postWhileSharedBlobsDown(name: string): Promise<string> {
  const job = loadJob(jobFileOf(name));
  // the dataset files are the demo's, already pinned; only the spec is new
  const specHash = await new BlobStore(info.blobDir).put(Buffer.from(canonicalJson(job.resolved)));
  const client = createClient({ rpcUrl: info.rpcUrl, contracts: info.contracts, privateKey: info.accounts[1].privateKey, gameArtifact: info.gameKind });
  try {
    const { jobId } = await postJob(client, {
      params: { specHash: `0x${job.jobHashHex}`, programRoot: hex0x(new Engine(job.setup).programRoot()), seed: BigInt(job.spec.seed), numSteps: BigInt(job.steps), hashInterval: job.spec.hashInterval },
      specURI: `${info.blobUrl}/blob/${specHash}`, reward: parseEther('0.01'), requiredStake: parseEther('0.1'), challengerBond: parseEther('0.05'),
      claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
    });
    return String(jobId);
  } finally {
    client.provider.destroy();
  }
}

test('the devnet\'s shared blob server goes away and comes back: the job list shows the outage, then names the job posted meanwhile', async () => {
  const { page, problems } = await openPage('/');
  assert.equal(await banner(page), '');
  await stopPid(info.pids.blobServer); // the daemon `demo --keep` left running
  await waitFor('the outage banner', async () => (await banner(page)).includes(`blobs ${info.blobUrl} unreachable`), 20_000, 250);
  const jobId = await postWhileSharedBlobsDown('posted-while-blobs-down');
  await waitFor('the job in the list (from the chain), unnamed', async () => (await page.$(`table.jobs a[href="/jobs/${jobId}"]`)) !== null, 20_000, 250);
  assert.ok(!(await mainText(page)).includes('posted-while-blobs-down'), 'its name is in the spec, on the server that is down');
  assert.ok((await outages()).includes(`blobs ${info.blobUrl}`));
  // Back at the same address, over the same directory.
  sharedBlobs = await serveBlobs(new BlobStore(info.blobDir), { port: Number(new URL(info.blobUrl!).port), allowPut: true });
  await waitFor('the banner to clear', async () => (await banner(page)) === '', 20_000, 250);
  await waitFor('the job named on the same page', async () => (await mainText(page)).includes('posted-while-blobs-down'), 20_000, 250);
  assert.deepEqual(problems, []);
  await page.close();
});

test('optrain explorer --port 0 --json (the devnet demo --keep left, found without flags): prints its URL, serves the demo, logs JSON lines, stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [BIN, 'explorer', '--port', '0', '--json'], { cwd: dir, env: CLI_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (err += b));
  try {
    const url = await waitFor('the explorer URL', async () => (/^\{"url":"([^"]+)"\}$/m.exec(out)?.[1] ?? (child.exitCode !== null ? assert.fail(`exited ${child.exitCode}: ${err}`) : null)), 60_000);
    const jobs = (await (await fetch(`${url}/api/jobs`)).json()) as { name: string; status: string; disputes: string[] }[];
    assert.ok(jobs.some((j) => j.name === 'demo-honest' && j.status === 'finalized'), JSON.stringify(jobs));
    assert.ok(jobs.some((j) => j.name === 'demo-cheating' && j.disputes.includes(demo.jobs[1].dispute!.disputeId)), JSON.stringify(jobs));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; service?: string; url?: string }).filter((e) => e.event !== undefined);
    assert.deepEqual(events.map((e) => [e.service, e.event]), [['explorer', 'explorer-started'], ['explorer', 'explorer-stopping']]);
  } finally {
    child.kill('SIGKILL');
  }
});

test('the RPC goes away and comes back: the page shows the outage, then catches up without a reload or restart', async () => {
  const { page } = await openPage('/');
  assert.equal(await banner(page), '');
  await proxy.down();
  await waitFor('the outage banner', async () => /chain unreachable/.test(await banner(page)), 20_000, 250);
  assert.deepEqual(await outages(), ['chain'], 'the JSON API says so too');
  const jobId = await submit('posted-during-outage'); // straight to anvil: only the explorer's path is cut
  await new Promise((r) => setTimeout(r, 1_000));
  assert.ok(!(await mainText(page)).includes('posted-during-outage'), 'not seen while the RPC is down');
  await proxy.up();
  await waitFor('the banner to clear', async () => (await banner(page)) === '', 20_000, 250);
  assert.deepEqual(await outages(), []);
  await waitFor('the new job on the same page', async () => (await mainText(page)).includes('posted-during-outage'), 20_000, 250);
  assert.ok(explorer.indexer.jobs.has(jobId));
  await page.close();
});

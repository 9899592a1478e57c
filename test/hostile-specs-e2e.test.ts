// Hostile job postings on a real anvil + redis-server: a submitter posts straight to the market
// (postJob, none of `job submit`'s checks) jobs whose spec cannot be trusted: bytes that do not
// hash to specHash, more than 1 MiB, not JSON, JSON that is not a job, a dataset nobody has,
// absurd resources, another programRoot, an unsupported scheme, a port where nothing listens.
// A running solver skips each with one line and no claim, and still earns an honest job posted
// alongside; a verifier facing such jobs claimed and committed anyway skips each with one line
// and still catches an unrelated cheater (docs/PROTOCOL.md §8: nobody can dispute such a job).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Engine } from '../reproducible-ops/engine.ts';
import { postJob } from '../chain/actions/post-job.ts';
import { claimJob } from '../chain/actions/claim-job.ts';
import { commitResult } from '../chain/actions/commit-result.ts';
import { getJob } from '../chain/actions/get-job.ts';
import { sendTx } from '../chain/client.ts';
import { increaseTime } from '../chain/devnet.ts';
import { putBlob, sha256Hex } from '../jobs/blobstore.ts';
import { canonicalJson } from '../jobs/canonical.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { resolveDataPath } from '../jobs/dataset.ts';
import { asClassifier, loadJob, type ClassifierJob } from '../jobs/job.ts';
import { BotsE2E, WINDOW } from './helpers/bots-e2e.ts';
import { serveHostile, type HostileServer } from './helpers/hostile-http.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { assertSolvent, BOND, logitsMatmul, netChange, REWARD, snapshotFunds, STAKE, tinyEngine } from './dispute-helpers.ts';

const h = new BotsE2E({ name: 'hostile-specs', timeBank: 120, job: { steps: 8, checkpointInterval: 3 } });
const servers: HostileServer[] = [];
let base: ClassifierJob;
before(async () => {
  await h.start();
  base = asClassifier(loadJob(writeTinyJob(join(h.dir, 'job-base'), { steps: 8, checkpointInterval: 3, trainN: 256, name: 'hostile-base' })));
  for (const s of [base.spec.dataset.train, base.spec.dataset.test]) // pinned, so a spec fails for its own fault only
    for (const f of [s.images, s.labels]) await putBlob(h.net.info.blobUrl!, readFileSync(resolveDataPath(f.path, base.spec.dir)));
});
after(async () => {
  for (const s of servers) await s.close();
  await h.stop();
});

const randomHash = () => hex0x(randomBytes(32));

/** A port where nothing listens (bound, then released). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Pin `bytes` on the devnet blob server; the URI and hash a posting would name. */
async function pinned(bytes: Buffer): Promise<{ specURI: string; specHash: string }> {
  const hash = await putBlob(h.net.info.blobUrl!, bytes);
  return { specURI: `${h.net.info.blobUrl}/blob/${hash}`, specHash: `0x${hash}` };
}

/** The base spec with some fields changed, pinned: a spec that loads only as far as its fault. */
const variant = (change: (r: Record<string, any>) => void) => {
  const r = structuredClone(base.resolved) as Record<string, any>;
  change(r);
  return pinned(Buffer.from(canonicalJson(r)));
};

interface Hostile {
  name: string;
  reason: RegExp; // what the one skip line must say
  posting: () => Promise<{ specURI: string; specHash: string; programRoot?: string; numSteps?: number }>;
}

const HOSTILE: Hostile[] = [
  { name: 'hash-mismatch', reason: /content hash mismatch/, posting: async () => {
    const s = await serveHostile('wrong');
    servers.push(s);
    const specHash = randomHash();
    return { specURI: `${s.url}/blob/${specHash.slice(2)}`, specHash };
  } },
  { name: 'over-1MiB', reason: /over the limit of 1048576 bytes/, posting: async () => {
    const s = await serveHostile('ok', { body: Buffer.alloc((1 << 20) + 1, 0x7b) });
    servers.push(s);
    return { specURI: `${s.url}/spec.json`, specHash: randomHash() };
  } },
  { name: 'not-json', reason: /the job spec is not JSON/, posting: () => pinned(Buffer.from('this is not a job spec')) },
  { name: 'not-a-job', reason: /not a resolved job spec: job\.dataset/, posting: () => pinned(Buffer.from(canonicalJson({ hello: 'world' }))) },
  { name: 'unknown-dataset', reason: /dataset file with sha256 [0-9a-f]{64} is not available/, posting: () => variant((r) => void (r.dataset.train.images.sha256 = randomHash().slice(2))) },
  { name: 'absurd-steps', reason: /job\.steps: 4000000000 steps exceeds the limit/, posting: async () => ({ ...(await variant((r) => void (r.steps = 4_000_000_000))), numSteps: 4_000_000_000 }) },
  { name: 'other-programRoot', reason: /job spec builds programRoot 0x[0-9a-f]{64}, but the job was posted with 0x1111/, posting: async () => ({ ...(await pinned(Buffer.from(canonicalJson(base.resolved)))), programRoot: `0x${'11'.repeat(32)}` }) },
  { name: 'ftp-scheme', reason: /unsupported URI 'ftp:/, posting: async () => ({ specURI: 'ftp://127.0.0.1/spec.json', specHash: randomHash() }) },
  { name: 'nobody-listens', reason: /ECONNREFUSED|refused/, posting: async () => ({ specURI: `http://127.0.0.1:${await deadPort()}/blob/x`, specHash: randomHash() }) },
];

/** Post every hostile job straight to the market; jobId -> the case. */
async function postHostile(): Promise<Map<bigint, Hostile>> {
  const submitter = h.net.client('submitter');
  const programRoot = hex0x(new Engine(base.setup).programRoot());
  const jobs = new Map<bigint, Hostile>();
  for (const c of HOSTILE) {
    const p = await c.posting();
    const params = { specHash: p.specHash, programRoot: p.programRoot ?? programRoot, seed: BigInt(base.spec.seed), numSteps: BigInt(p.numSteps ?? base.steps), hashInterval: base.spec.hashInterval };
    const { jobId } = await postJob(submitter, { params, specURI: p.specURI, reward: REWARD, requiredStake: STAKE, challengerBond: BOND, claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW });
    jobs.set(jobId, c);
  }
  return jobs;
}

/** Exactly one `event` line from `who` per hostile job, naming the job and the case's reason; none about other jobs. */
function assertOneLineEach(jobs: Map<bigint, Hostile>, who: string, event: string, jobOf: (f: Record<string, unknown>) => bigint, text: (f: Record<string, unknown>) => string): void {
  const lines = h.events.filter((e) => e.fields.who === who && e.event === event);
  for (const [jobId, c] of jobs) {
    const mine = lines.filter((e) => jobOf(e.fields) === jobId);
    assert.equal(mine.length, 1, `${c.name} (job ${jobId}): expected one ${event} line, got ${mine.length}\n${h.recent()}`);
    assert.match(text(mine[0].fields), c.reason, `${c.name} (job ${jobId})`);
  }
  assert.equal(lines.length, jobs.size, `${who}: ${event} lines about other jobs\n${h.recent()}`);
}

test('a solver skips every hostile job with one line, claims none, and still earns an honest job posted alongside', async () => {
  const chain = h.net.client('submitter');
  const solverAddr = h.net.info.accounts[2].address;
  const before = await snapshotFunds(chain, [solverAddr]);
  const solver = await h.solverFor(2, 'solver');
  try {
    const hostile = await postHostile();
    const honest = await h.submit('honest');
    await h.until('every hostile job skipped', async () => {
      const skipped = h.events.filter((e) => e.event === 'job-skipped' && e.fields.who === 'solver-solver').length;
      return skipped >= hostile.size || null;
    }, 30_000);
    await h.until('the honest job committed', async () => (await getJob(chain, honest)).status === 'Committed' || null, 60_000);
    assertOneLineEach(hostile, 'solver-solver', 'job-skipped', (f) => BigInt(f.jobId as bigint), (f) => String(f.error));
    // permanent failures are given up at once; only the unreachable spec is retried, a bounded number of times
    for (const e of h.events.filter((x) => x.event === 'job-skipped'))
      assert.equal(e.fields.attempts, hostile.get(BigInt(e.fields.jobId as bigint))!.name === 'nobody-listens' ? 5 : 1, h.recent());
    for (const jobId of hostile.keys()) assert.equal((await getJob(chain, jobId)).status, 'Open', `job ${jobId}: no claim`);
    assert.ok(!h.events.some((e) => e.event === 'claimed' && hostile.has(BigInt(e.fields.jobId as bigint))), 'no claim of a hostile job');
    assert.ok(!h.events.some((e) => e.event === 'job-error' || e.event === 'error'), h.recent());
    // the verifier checks it inside the window (else it would skip it once the window is gone)
    await h.until('the verifier to check the honest job', async () => h.events.some((e) => e.event === 'checked' && e.fields.jobId === honest) || null, 30_000);
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await h.until('the honest job finalized and paid', async () => (await getJob(chain, honest)).status === 'Finalized' && h.events.some((e) => e.event === 'withdrew' && e.fields.who === 'solver-solver'), 30_000);
    const fee = (REWARD * 200n) / 10_000n; // the market's 2% fee (to the jackpot), as in solver-honest.test.ts
    assert.equal(await netChange(chain, before, solverAddr), REWARD - fee, 'solver: the honest reward less the fee; no stake lost or locked');
    for (const jobId of hostile.keys()) await sendTx(chain, chain.market, 'cancelJob', [jobId]); // still unclaimed: the submitter takes its rewards back
    await assertSolvent(chain);
  } finally {
    await solver.stop();
  }
});

test('a verifier skips committed jobs with hostile specs with one line each and still catches a cheater', async () => {
  const chain = h.net.client('submitter');
  const gambler = h.net.client(5); // claims and commits jobs nobody can check, driven from the test
  const hostile = await postHostile();
  for (const jobId of hostile.keys()) {
    const job = await getJob(chain, jobId);
    await claimJob(gambler, jobId, STAKE);
    await commitResult(gambler, jobId, { stepsRoot: randomHash(), finalStateHash: randomHash(), finalModelHash: randomHash(), numSteps: job.params.numSteps });
  }
  const key = (jobId: bigint) => h.verifier.bot.state.commits.find(([, e]) => BigInt(e.jobId) === jobId)?.[0];
  await h.until('every hostile commitment skipped', async () => [...hostile.keys()].every((id) => h.events.some((e) => e.event === 'commit-skipped' && e.fields.commit === key(id))) || null, 30_000);
  await h.caught(4, 'flip', `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`, 'OneStep');
  const keys = new Map([...hostile.keys()].map((id) => [key(id), id]));
  assertOneLineEach(hostile, 'verifier', 'commit-skipped', (f) => keys.get(f.commit as string) ?? -1n, (f) => String(f.reason));
  for (const jobId of hostile.keys()) {
    assert.match(String(h.events.find((e) => e.event === 'commit-skipped' && keys.get(e.fields.commit as string) === jobId)!.fields.reason), new RegExp(`^job ${jobId}: its spec cannot be loaded`));
    assert.equal((await getJob(chain, jobId)).status, 'Committed', `job ${jobId}: not challenged`);
  }
  assert.ok(!h.events.some((e) => e.fields.who === 'verifier' && e.event === 'error'), h.recent());
});

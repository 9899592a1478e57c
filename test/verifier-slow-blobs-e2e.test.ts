// A solver whose blob server answers 200 and then drips one byte a second must not freeze the
// verifier bot (issue 9, defect 2): while the bot's read of that job hangs, an unrelated cheater
// (a plain bit flip, from another account) is still checked, challenged and slashed to the wei,
// and verifier.stop() returns within seconds, hanging up on the dripping server. Real anvil,
// redis-server, solver services and a raw TCP dripping server (test/helpers/hostile-http.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getJob } from '../chain/actions/get-job.ts';
import { announcedData } from '../chain/actions/announce.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startSolver } from '../solver/start.ts';
import { BotsE2E } from './helpers/bots-e2e.ts';
import { serveHostile, type HostileServer } from './helpers/hostile-http.ts';
import { logitsMatmul, tinyEngine } from './dispute-helpers.ts';

// the bot's reads would wait two minutes for the dripping server: only scheduling keeps it going
const h = new BotsE2E({ name: 'slow-blobs', timeBank: 120, job: { steps: 8, checkpointInterval: 3 }, verifier: { fetchTimeoutMs: 120_000 } });
let drip: HostileServer | undefined;
before(() => h.start());
after(async () => {
  await h.stop();
  await drip?.close();
});

/** Resolves with how long `p` took, or fails after `ms`. */
async function within(ms: number, what: string, p: Promise<unknown>): Promise<number> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms\n${h.recent()}`)), ms)));
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
  return Date.now() - t0;
}

test('a dripping blob server stalls neither the check of another cheater nor verifier.stop()', async (t) => {
  drip = await serveHostile('drip', { dripMs: 1_000 });
  const chain = h.net.client('submitter');
  // The slow solver claims job 1 (watch role: no trainer yet) and announces the dripping
  // server on chain as its public URL (what verifiers read); a trainer produces and commits the
  // result through the solver's real blob server.
  const slow = await h.solverFor(4, 'slow', undefined, { role: 'watch', publicUrl: drip.url });
  const slowJob = await h.submit('slow');
  await h.until('the slow solver to claim and announce the dripping server', async () => (await announcedData(chain, slowJob, h.net.info.accounts[4].address))?.uri === drip!.url);
  const trainer = await startSolver({
    net: h.net.info, privateKey: h.net.info.accounts[4].privateKey, role: 'train', dataDir: join(h.dir, 'trainer-slow'), backend: referenceBackend,
    queueSuffix: `slow${process.pid}`, blobUrl: slow.blobServer!.url, pollMs: 100, log: h.log('trainer-slow'),
  });
  await h.until('the slow job to be committed', async () => (await getJob(chain, slowJob)).status === 'Committed');
  await h.until('the verifier to be stuck reading the dripping server', async () => drip!.open() > 0);
  await trainer.stop();
  await slow.stop(); // so that it does not claim the cheater's job
  // An unrelated cheater, from another account: caught, challenged, slashed, every wei checked.
  await h.caught(5, 'flip', `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`, 'OneStep');
  const slowEntry = h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(slowJob))![1];
  assert.equal(slowEntry.status, 'pending', 'the slow job is still being read, not verified or skipped');
  assert.ok(drip.open() > 0, 'the read of the dripping server was still hanging while the cheater was slashed');
  const ms = await within(10_000, 'verifier.stop()', h.verifier.stop());
  assert.ok(ms < 5_000, `verifier.stop() took ${ms} ms`);
  t.diagnostic(`verifier.stop() returned in ${ms} ms with a read of the dripping server in flight`);
  await h.until('the verifier to hang up on the dripping server', async () => drip!.open() === 0, 2_000);
});

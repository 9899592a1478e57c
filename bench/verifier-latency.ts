// Commit-to-verdict latency of the verifier bot (issue 9): one honest solver commits N tiny jobs
// at about the same time; with --drip, a job whose blob server answers 200 and then drips one byte
// a second is committed first. Prints, per job, the time from the solver's commit to the
// verifier's verdict ('checked'), and how many were never checked within --cap-s.
//   node --import tsx bench/verifier-latency.ts [--jobs 5] [--drip] [--cap-s 90]
// Uses only long-standing APIs so that it also runs against older checkouts for a before/after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJob } from '../chain/actions/get-job.ts';
import { redisClient } from '../jobs/queue.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startSolver, type StartSolverOptions } from '../solver/start.ts';
import { startVerifier } from '../verifier/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { startTestDevnet } from '../test/helpers/devnet.ts';
import { writeTinyJob } from '../test/helpers/tiny-job.ts';
import { waitFor } from '../test/helpers/chain.ts';
import { serveHostile } from '../test/helpers/hostile-http.ts';
import { BOND, REWARD, STAKE } from '../test/dispute-helpers.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('jobs', '5'));
const DRIP = process.argv.includes('--drip');
const CAP_MS = Number(arg('cap-s', '90')) * 1000;

const net = await startTestDevnet({ timeBank: 600 });
const dir = mkdtempSync(join(tmpdir(), 'optrain-latency-'));
const seen = new Map<string, number>(); // `${event}:${jobId}` -> first time
const log = (who: string) => (event: string, f: Record<string, unknown>) => {
  const k = `${who}:${event}:${String(f.jobId)}`;
  if (!seen.has(k)) seen.set(k, Date.now());
};
const solverOpts = (account: number, name: string, extra: Partial<StartSolverOptions> = {}): StartSolverOptions => ({
  net: net.info, privateKey: net.info.accounts[account].privateKey, dataDir: join(dir, name), backend: referenceBackend,
  queueSuffix: `${name}${process.pid}`, pollMs: 100, log: log('solver'), ...extra,
});
const submit = async (name: string) =>
  (await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile: writeTinyJob(join(dir, `job-${name}`), { steps: 8, checkpointInterval: 3, name, trainN: 256 }),
    reward: REWARD, stake: STAKE, bond: BOND, claimWindow: 3600n, solveTime: 3600n, challengeWindow: 3600n,
  })).jobId;

const verifier = await startVerifier({
  net: net.info, privateKey: net.info.accounts[3].privateKey, dataDir: join(dir, 'verifier'), backend: referenceBackend,
  sampleRate: 1, pollMs: 100, nudgeMs: 200, log: log('verifier'),
});
const chain = net.client('submitter');
const drip = DRIP ? await serveHostile('drip', { dripMs: 1_000 }) : null;
try {
  if (drip) {
    // the slow solver's job is committed first, its advertised blob server swapped for the dripping one
    const redis = redisClient(net.info.redisUrl);
    const ks = { chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket };
    const slow = await startSolver(solverOpts(4, 'slow', { role: 'watch' }));
    const id = await submit('slow');
    await waitFor('claim', async () => redis.get(redisKeys.jobBlobServer(ks, id)), 60_000);
    await redis.set(redisKeys.jobBlobServer(ks, id), drip.url);
    const trainer = await startSolver(solverOpts(4, 'slow', { role: 'train', dataDir: join(dir, 'trainer'), blobUrl: slow.blobServer!.url }));
    await waitFor('commit', async () => (await getJob(chain, id)).status === 'Committed', 60_000);
    await trainer.stop();
    await slow.stop();
    redis.disconnect();
  }
  const honest = await startSolver(solverOpts(2, 'honest'));
  const ids: bigint[] = [];
  for (let i = 0; i < N; i++) ids.push(await submit(`honest${i}`)); // one account: one transaction at a time
  const verdict = (id: bigint) => seen.get(`verifier:checked:${id}`);
  const t0 = Date.now();
  while (Date.now() - t0 < CAP_MS && !ids.every((id) => verdict(id) !== undefined)) await new Promise((r) => setTimeout(r, 100));
  const lat = ids.map((id) => {
    const c = seen.get(`solver:committed:${id}`), v = verdict(id);
    return c !== undefined && v !== undefined ? (v - c) / 1000 : null;
  });
  const done = lat.filter((x): x is number => x !== null).sort((a, b) => a - b);
  console.log(JSON.stringify({ jobs: N, drip: DRIP, latencies_s: lat, median_s: done[Math.floor((done.length - 1) / 2)] ?? null, max_s: done.at(-1) ?? null, unchecked: N - done.length, cap_s: CAP_MS / 1000 }));
  const t1 = Date.now();
  await Promise.race([verifier.stop(), new Promise((r) => setTimeout(r, 15_000))]);
  console.log(JSON.stringify({ stop_ms: Date.now() - t1 }));
  await honest.stop();
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await drip?.close();
  await net.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(); // a verifier that did not stop would keep the process alive
}

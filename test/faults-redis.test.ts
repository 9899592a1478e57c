// Redis restarted empty (stopped, started again on the same port without persistence), twice,
// with `optrain solver start` and `optrain verifier start` running as child processes:
//  1. while a job is being trained: the solver re-adopts its claim from the chain (JobClaimed
//     events of its account), announces its blob server again, trains again and commits the
//     honest root; the verifier checks it from the solver's data;
//  2. during the challenge window: the pointer to the committed result manifest is gone too;
//     the solver finds it in its data dir by the on-chain commitment, so when a griefing
//     verifier then challenges, it defends and wins. The job is finalized and paid to the wei.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { disputesOfJob, getDispute, getJob } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { increaseTime } from '../chain/devnet.ts';
import { freePort } from '../chain/processes.ts';
import { redisKeys } from '../jobs/redis-keys.ts';
import { Faults, isJob, startRedisOn, stopProcess, WINDOW } from './helpers/faults.ts';
import type { CliProc } from './helpers/cli-procs.ts';

const f = new Faults('faults-redis');
let redis: ChildProcess | undefined;
let port: number;

before(async () => {
  port = await freePort();
  redis = await startRedisOn(port, tmpdir());
  await f.start((net) => ({ ...net, redisUrl: `redis://127.0.0.1:${port}` }));
});
afterEach(() => f.procs.stopAll()); // a failed test leaves no role running into the next one
after(async () => {
  await f.procs.stopAll();
  await stopProcess(redis);
  await f.stop();
});

/** Stop redis-server, wait until `solver` noticed, start an empty one on the same port. */
async function restartRedis(solver: CliProc): Promise<number> {
  const downs = solver.count('dependency-down');
  await stopProcess(redis);
  await f.until('the solver to notice', async () => solver.count('dependency-down') > downs, 10_000);
  redis = await startRedisOn(port, tmpdir());
  return Date.now();
}

test('Redis restarted empty mid-training and mid-window: the solver rebuilds its claims and result from the chain and its data dir; the job settles to the wei', async () => {
  const chain = f.net.client('submitter');
  const [s, v, g] = [2, 3, 4];
  const [solver, verifier] = [f.solver('solver', s, 'all'), f.verifier('verifier', v, ['--sample-rate', '1'])];
  await Promise.all([solver.until('solver-started'), verifier.until('verifier-started')]);
  const before = await f.funds([s, g]);
  const jobId = await f.submit();
  const reached = await f.trainingPast(jobId, 600);
  let t0 = await restartRedis(solver);
  await solver.until('recovered-claim', isJob(jobId), 30_000);
  console.log(`# Redis stopped at training step ${reached}; claim re-adopted ${Date.now() - t0} ms after its restart`);
  const committed = await solver.until('committed', isJob(jobId), 60_000);
  assert.equal(committed.stepsRoot, f.honestRoot, 'the honest commitment');
  const checked = await verifier.until('checked', isJob(jobId), 60_000);
  assert.equal(checked.challenge, false, 'the honest result is verified');
  assert.deepEqual(checked.withheld, [], "from the solver's data, announced again after the restart");

  t0 = await restartRedis(solver);
  const recovered = await solver.until('result-manifest-recovered', isJob(jobId), 30_000);
  console.log(`# Redis emptied in the challenge window; result manifest found again ${Date.now() - t0} ms after the restart`);
  assert.equal(await f.redis.get(redisKeys.resultManifest(f.ks, jobId)), recovered.manifest);
  const griefer = f.verifier('griefer', g, ['--tamper', 'kind=grief']);
  const disputeId = await f.until('the griefer to challenge', async () => (await disputesOfJob(chain, jobId))[0] ?? null, 60_000);
  const d = await f.until('the dispute to resolve', async () => {
    const r = await getDispute(chain, disputeId);
    return r.status === 'Active' ? null : r;
  }, 120_000);
  assert.equal(d.status, 'SolverWon', f.procs.dump());
  assert.equal((await getGame(chain, disputeId)).reason, 'OneStep');

  await increaseTime(chain.provider, Number(WINDOW) + 1);
  await f.until('finalization and the solver\'s withdrawal', async () => (await getJob(chain, jobId)).status === 'Finalized' && (await claimableOf(chain, f.net.info.accounts[s].address)) === 0n);
  await f.grieferPaidTheSolver(before, g, s);
  for (const p of [solver, verifier]) {
    assert.equal(p.count('dependency-down'), 2, `${p.name}: one line per outage while down\n${p.tail()}`);
    assert.equal(p.count('dependency-up'), 2, `${p.name}: one line per outage when back\n${p.tail()}`);
    assert.equal(p.other, '', `${p.name}: no stack traces`);
  }
  await griefer.kill('SIGTERM');
});

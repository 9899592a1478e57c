// Redis restarted empty (stopped, started again on the same port without persistence) while
// a job is being trained, with `optrain solver start` and `optrain verifier start` running as
// child processes: the solver re-adopts its claim from the chain (JobClaimed events of its
// account), re-announces its blob server, trains again, commits the honest root; the verifier
// checks the result from the solver's data; the job is finalized and paid to the wei.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { freePort } from '../arbiter/chain/processes.ts';
import { Faults, isJob, startRedisOn, stopProcess } from './helpers/faults.ts';

const f = new Faults('faults-redis');
let redis: ChildProcess | undefined;
let port: number;

before(async () => {
  port = await freePort();
  redis = await startRedisOn(port, tmpdir());
  await f.start((net) => ({ ...net, redisUrl: `redis://127.0.0.1:${port}` }));
});
after(async () => {
  await f.procs.stopAll();
  await stopProcess(redis);
  await f.stop();
});

test('Redis restarted empty mid-training: the solver rebuilds its claims from the chain, the job settles to the wei', async () => {
  const [solver, verifier] = [f.solver('solver', 2, 'all'), f.verifier('verifier', 3, ['--sample-rate', '1'])];
  await Promise.all([solver.until('solver-started'), verifier.until('verifier-started')]);
  const before = await f.funds([2]);
  const jobId = await f.submit();
  const reached = await f.trainingPast(jobId, 600);
  await stopProcess(redis);
  await solver.until('dependency-down', () => true, 10_000);
  redis = await startRedisOn(port, f.dir);
  const t0 = Date.now();
  await solver.until('recovered-claim', isJob(jobId), 30_000);
  console.log(`# Redis stopped at training step ${reached}; claim re-adopted ${Date.now() - t0} ms after its restart`);
  await f.settles(solver, 2, jobId, before, async () => {
    const checked = await verifier.until('checked', isJob(jobId), 60_000);
    assert.equal(checked.challenge, false, 'the honest result is verified');
    assert.deepEqual(checked.withheld, [], "from the solver's data, announced again after the restart");
  });
  for (const p of [solver, verifier]) {
    assert.equal(p.count('dependency-down'), 1, `${p.name}: one line while down\n${p.tail()}`);
    assert.equal(p.count('dependency-up'), 1, `${p.name}: one line when back\n${p.tail()}`);
    assert.equal(p.other, '', `${p.name}: no stack traces`);
  }
});

// One load run on one devnet: post many tiny jobs at once from several submitters while three
// solver processes (honest, cheating at a random step, withholding its data) and three verifier
// processes (two honest, one griefer) work them; then read the whole chain back and check it
// (bench/load/checks.ts). `npm run load` (bench/load.ts) and test/load-small.test.ts run this.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { callView, createClient, sendTx, withSigner, type ChainClient } from '../../chain/client.ts';
import { startDevnet, stopDevnet, writeDevnet, type DevnetInfo } from '../../chain/devnet.ts';
import { killPid } from '../../chain/processes.ts';
import { getDispute, getJob } from '../../chain/actions/get-job.ts';
import { TERMINAL_STATUSES, type JobStatus } from '../../chain/types.ts';
import { submitJob } from '../../cli/commands/job-submit.ts';
import { writeQuadrantsJob } from '../../jobs/quadrants-job.ts';
import { pickFlip, prng } from './cheat.ts';
import { readEvents, sampleRss, startRole, type RoleProcess } from './procs.ts';
import { balancesAt, readLedger, stuckNonces, type Ledger } from './ledger.ts';
import { checkRun, type LoadReport } from './checks.ts';
import { CAST, type JobPlan, type LoadOptions, type RunData } from './plan.ts';

export type { LoadOptions } from './plan.ts';

export const REWARD = parseEther('0.01'), STAKE = parseEther('0.1'), BOND = parseEther('0.05');

/** The job files: MLP and CNN alternating, a few training seeds (jobs sharing one are separate jobs all the same). */
function writeJobs(dir: string, o: LoadOptions): JobPlan[] {
  const files = new Map<string, string>();
  return Array.from({ length: o.jobs }, (_, i) => {
    const model = i % 2 ? 'cnn' : 'mlp', seed = 1000 + (i % 6);
    const key = `${model}-${seed}`;
    if (!files.has(key))
      files.set(key, writeQuadrantsJob(join(dir, 'jobs', key), {
        name: `load-${key}`, model, seed, steps: o.steps, checkpointInterval: 4, trainN: 256, testN: 64, hashInterval: model === 'cnn' ? 2 : 1,
      }));
    return { model, file: files.get(key)!, submitter: CAST.submitters[i % CAST.submitters.length] };
  });
}

function startRoles(devnetFile: string, dir: string, cheatSpec: string, jobs: number): Array<RoleProcess & { account: number }> {
  // Each solver takes at most its share at a time, so every kind of solver (honest, cheater,
  // withholder) gets work even when one of them wins every claim race on a busy machine.
  const share = ['--max-jobs', String(Math.max(1, Math.ceil(jobs / 3)))];
  const common = (account: number, name: string) => ['--devnet', devnetFile, '--account', String(account), '--json', '--backend', 'reference', '--poll-ms', '500', '--data-dir', join(dir, name)];
  const parts: Array<[string, number, string[]]> = [
    ['solver-honest', CAST.honest, ['solver', 'start', ...share]],
    ['solver-cheater', CAST.cheater, ['solver', 'start', ...share, '--tamper', cheatSpec]],
    ['solver-withholder', CAST.withholder, ['solver', 'start', ...share, '--tamper', 'kind=honest,publish=none']],
    ['verifier-a', CAST.verifiers[0], ['verifier', 'start', '--sample-rate', '1']],
    ['verifier-b', CAST.verifiers[1], ['verifier', 'start', '--sample-rate', '1']],
    ['griefer', CAST.griefer, ['verifier', 'start', '--tamper', 'kind=grief']],
  ];
  return parts.map(([name, account, cmd]) => Object.assign(startRole(name, [...cmd, ...common(account, name)], dir), { account }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitStarted(roles: RoleProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const r of roles)
    while (!readEvents(r).some((e) => String(e.event).endsWith('-started'))) {
      if (r.exitCode !== undefined || Date.now() > deadline) throw new Error(`${r.name} did not start (exit ${r.exitCode}); log ${r.logFile}:\n${readEvents(r).slice(-5).map((e) => JSON.stringify(e)).join('\n')}`);
      await sleep(200);
    }
}

/** Post every job at once (each submitter's posts in flight together: its nonce queue orders them). */
async function postAll(info: DevnetInfo, plans: JobPlan[], o: LoadOptions): Promise<void> {
  await Promise.all(plans.map(async (p) => {
    const sub = await submitJob({
      net: info, privateKey: info.accounts[p.submitter].privateKey, jobFile: p.file, reward: REWARD, stake: STAKE, bond: BOND,
      claimWindow: BigInt(o.claimWindow), solveTime: 600n, challengeWindow: BigInt(o.challengeWindow),
    });
    p.jobId = sub.jobId;
  }));
}

const ACTIVE: JobStatus[] = ['Claimed', 'Committed', 'Challenged'];

/**
 * Until every job is terminal. A job reopened after a slash and not claimed again while nothing
 * else is in flight is cancelled by its submitter (its reward refunded), as a submitter would.
 */
async function settle(c: ChainClient, info: DevnetInfo, plans: JobPlan[], o: LoadOptions, deadline: number): Promise<{ status: Map<string, JobStatus>; cancelled: string[]; timedOut?: string }> {
  const status = new Map<string, JobStatus>(), cancelled: string[] = [];
  let quietSince = 0, last = '';
  while (true) {
    for (const p of plans) status.set(String(p.jobId), (await getJob(c, p.jobId!)).status);
    const counts = [...status.values()].reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<JobStatus, number>());
    const line = [...counts].map(([s, n]) => `${s} ${n}`).join(', ');
    if (line !== last) o.progress?.(`jobs: ${line}`), (last = line);
    if ([...status.values()].every((s) => TERMINAL_STATUSES.includes(s))) return { status, cancelled };
    if (Date.now() > deadline) return { status, cancelled, timedOut: `jobs not settled: ${line}` };
    const busy = [...status.values()].some((s) => ACTIVE.includes(s));
    quietSince = busy ? 0 : quietSince || Date.now();
    if (quietSince && Date.now() - quietSince > 20_000)
      for (const p of plans.filter((q) => status.get(String(q.jobId)) === 'Open')) {
        const sub = withSigner(c, info.accounts[p.submitter].privateKey);
        await sendTx(sub, sub.market, 'cancelJob', [p.jobId]).then(() => cancelled.push(String(p.jobId)), (e) => o.progress?.(`cancel ${p.jobId}: ${(e as Error).message}`));
      }
    await sleep(2000);
  }
}

/** Until no dispute is active (co-winners of a slashed commitment are settled by their games). */
async function disputesDone(c: ChainClient, deadline: number): Promise<string | undefined> {
  while (true) {
    const n = Number(await callView<bigint>(c, c.market, 'disputeCount'));
    const active = [];
    for (let id = 1; id <= n; id++) if ((await getDispute(c, BigInt(id))).status === 'Active') active.push(id);
    if (active.length === 0) return undefined;
    if (Date.now() > deadline) return `disputes still active: ${active.join(', ')}`;
    await sleep(2000);
  }
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const dir = mkdtempSync(join(tmpdir(), 'optrain-load-'));
  const t0 = Date.now(), deadline = t0 + o.timeoutMs;
  const say = (s: string) => o.progress?.(`[${Math.round((Date.now() - t0) / 1000)}s] ${s}`);
  const info = await startDevnet({ dir: join(dir, 'devnet'), detached: false, deployVia: 'ethers', timeBank: o.timeBank, blobDaemon: true });
  const killAll = () => [info.pids.anvil, info.pids.redis, info.pids.blobServer].forEach((p) => p && killPid(p));
  process.once('exit', killAll);
  const roles: Array<RoleProcess & { account: number }> = [];
  try {
    const devnetFile = writeDevnet(info, join(dir, 'devnet.json'));
    const c = createClient({ rpcUrl: info.rpcUrl, contracts: info.contracts, gameArtifact: info.gameKind, pollingIntervalMs: 200 });
    const plans = writeJobs(dir, o);
    const rnd = prng(o.seed);
    const cheatSpec = pickFlip([...new Set(plans.map((p) => p.file))], Math.floor(rnd() * o.steps), rnd);
    say(`cheater: --tamper ${cheatSpec}`);
    const everyone = [...info.accounts.map((a) => a.address), info.contracts.jobMarket, info.contracts.disputeGame];
    const b0 = await c.provider.getBlockNumber();
    const before = { block: b0, balances: await balancesAt(c, everyone, b0) };
    mkdirSync(join(dir, 'logs'), { recursive: true });
    roles.push(...startRoles(devnetFile, join(dir, 'logs'), cheatSpec, o.jobs));
    const stopSampling = sampleRss(roles, 1000);
    await waitStarted(roles, 60_000);
    say('roles started; posting');
    const tPost = Date.now();
    await postAll(info, plans, o);
    say(`${plans.length} jobs posted`);
    const s = await settle(c, info, plans, o, deadline);
    say(s.timedOut ?? 'all jobs settled');
    const dTimeout = s.timedOut ? undefined : await disputesDone(c, Math.min(deadline, Date.now() + 3 * o.timeBank * 1000));
    await sleep(5000); // in-flight withdrawals
    stopSampling();
    const crashed = roles.filter((r) => r.exitCode !== undefined).map((r) => r.name);
    await Promise.all(roles.map((r) => r.stop()));
    await sleep(2500); // anything a stopped role sent is mined
    const b1 = await c.provider.getBlockNumber();
    const after = { block: b1, balances: await balancesAt(c, everyone, b1) };
    const stuck = await stuckNonces(c, everyone.slice(0, info.accounts.length));
    say('reading the chain back');
    const ledger = await readLedger(c, b0, b1);
    const report = await checkRun({ opts: o, info, client: c, plans, cheatSpec, roles, before, after, ledger, finalStatus: s.status, cancelled: s.cancelled, stuck, crashed, wallMs: Date.now() - tPost, timedOut: s.timedOut ?? dTimeout, dir });
    c.provider.destroy();
    return report;
  } finally {
    await Promise.all(roles.map((r) => r.stop()));
    await stopDevnet(info);
    process.removeListener('exit', killAll);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

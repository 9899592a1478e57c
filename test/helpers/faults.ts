// Shared harness of the fault tests (test/faults-*.test.ts): a devnet, the roles as
// `optrain ... start` child processes, a ~2 s training job (so it can be interrupted in the
// middle) whose honest commitment is computed in-process once, and the settlement check of a
// job that ends finalized and paid, to the wei.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { getJob } from '../../chain/actions/get-job.ts';
import { increaseTime, writeDevnet, type DevnetInfo } from '../../chain/devnet.ts';
import { BlobStore } from '../../jobs/blobstore.ts';
import { loadJob } from '../../jobs/job.ts';
import { redisClient } from '../../jobs/queue.ts';
import { redisKeys } from '../../jobs/redis-keys.ts';
import { Engine } from '../../reproducible-ops/engine.ts';
import { referenceBackend } from '../../reproducible-ops/backend/reference.ts';
import { runTraining } from '../../commitments/train-run.ts';
import { TamperPlan } from '../../commitments/tamper-hooks.ts';
import { submitJob } from '../../cli/commands/job-submit.ts';
import { startTestDevnet, type TestDevnet } from './devnet.ts';
import { writeTinyJob } from './tiny-job.ts';
import { waitFor } from './chain.ts';
import { CliProcs, type CliEvent, type CliProc } from './cli-procs.ts';
import { assertSolvent, BOND, netChange, REWARD, snapshotFunds, STAKE, type FundsSnapshot } from '../dispute-helpers.ts';

/** Long enough (~2 s of training) to be interrupted in the middle; a checkpoint every 250 steps. */
export const JOB = { steps: 2000, checkpointInterval: 250, hashInterval: 50, trainN: 256, name: 'fault-train' };
export const WINDOW = 600n;
export const LOCK_MS = 2000; // a dead worker's job is handed on after this (stalled check every 1 s)

export const isJob = (jobId: bigint) => (e: CliEvent) => String(e.jobId) === String(jobId);

/** A redis-server of our own on `port` (no persistence: a restart comes back empty). */
export async function startRedisOn(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await waitFor(`redis-server on port ${port}`, async () => /Ready to accept connections/.test(out), 10_000, 20);
  return child;
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export class Faults {
  net!: TestDevnet;
  dir!: string;
  devnetFile!: string;
  redis!: Redis;
  honestRoot!: string;
  readonly procs = new CliProcs();

  constructor(private readonly name: string, private readonly timeBank?: number) {}

  /** `info` overrides what the roles are told (e.g. a proxy's rpcUrl, another Redis). */
  async start(info: (net: DevnetInfo) => DevnetInfo | Promise<DevnetInfo> = (n) => n): Promise<void> {
    this.net = await startTestDevnet({ timeBank: this.timeBank });
    this.dir = mkdtempSync(join(tmpdir(), `optrain-${this.name}-`));
    const roles = await info(this.net.info);
    this.devnetFile = writeDevnet(roles, join(this.dir, 'devnet.json'));
    this.redis = redisClient(roles.redisUrl);
    // the honest commitment, trained here from scratch without interruption
    const engine = new Engine(loadJob(writeTinyJob(join(this.dir, 'reference'), JOB)).setup, referenceBackend);
    let head: string | null = null;
    const out = await runTraining({ engine, plan: new TamperPlan(engine, undefined), numSteps: JOB.steps, checkpointInterval: JOB.checkpointInterval, hashInterval: JOB.hashInterval,
      blobs: new BlobStore(join(this.dir, 'reference-blobs')), head: { load: async () => head, save: async (h) => void (head = h) } });
    this.honestRoot = out.result.stepsRoot;
  }

  async stop(): Promise<void> {
    await this.procs.stopAll();
    this.redis?.disconnect();
    await this.net?.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  get ks() {
    return { chainId: this.net.info.chainId, jobMarket: this.net.info.contracts.jobMarket };
  }

  /** `optrain solver start --role R` for `account`, sharing a data dir and queue with its other roles. */
  solver(name: string, account: number, role: 'all' | 'watch' | 'train', extra: string[] = []): CliProc {
    return this.procs.start(name, ['solver', 'start', '--devnet', this.devnetFile, '--account', String(account), '--role', role, '--data-dir', join(this.dir, `solver-${account}`),
      '--queue-suffix', `faults${process.pid}`, '--lock-ms', String(LOCK_MS), '--poll-ms', '100', '--backend', 'reference', ...extra]);
  }

  verifier(name: string, account: number, extra: string[] = []): CliProc {
    return this.procs.start(name, ['verifier', 'start', '--devnet', this.devnetFile, '--account', String(account), '--data-dir', join(this.dir, `verifier-${account}`),
      '--poll-ms', '100', '--backend', 'reference', ...extra]);
  }

  /** Post `job` (the same spec every time by default: the same honest root). */
  async submit(job: Parameters<typeof writeTinyJob>[1] = JOB): Promise<bigint> {
    const jobFile = writeTinyJob(join(this.dir, `job-${Math.random().toString(36).slice(2)}`), job);
    const sub = await submitJob({ net: this.net.info, privateKey: this.net.info.accounts[1].privateKey, jobFile, reward: REWARD, stake: STAKE, bond: BOND, claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW });
    return sub.jobId;
  }

  /** The step the training of `jobId` has reached (from the worker's progress key). */
  async progress(jobId: bigint): Promise<number> {
    const p = await this.redis.get(redisKeys.jobProgress(this.ks, jobId));
    return p ? (JSON.parse(p) as { step: number }).step : 0;
  }

  async trainingPast(jobId: bigint, step: number): Promise<number> {
    return waitFor(`training of job ${jobId} past step ${step}`, async () => {
      const s = await this.progress(jobId);
      return s >= step ? s : null;
    }, 60_000, 10);
  }

  /** Balances of the submitter and `accounts`, and the market's totals, before a scenario. */
  funds(accounts: number[]): Promise<FundsSnapshot> {
    return snapshotFunds(this.net.client('submitter'), [1, ...accounts].map((a) => this.net.info.accounts[a].address));
  }

  /** waitFor with every role's latest output in the failure message. */
  async until<T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, fn, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.procs.dump()}`);
    }
  }

  /** Exact balance change of `account` since `before`, net of its gas. */
  netChange(before: FundsSnapshot, account: number): Promise<bigint> {
    return netChange(this.net.client('submitter'), before, this.net.info.accounts[account].address);
  }

  /** Committed (the honest root), window passed, finalized, withdrawn: reward - 2% fee to the solver, stake back; every wei. */
  async settles(watcher: CliProc, account: number, jobId: bigint, before: FundsSnapshot, inWindow?: () => Promise<void>): Promise<CliEvent> {
    const chain = this.net.client('submitter');
    const committed = await watcher.until('committed', isJob(jobId), 60_000);
    assert.equal(committed.stepsRoot, this.honestRoot, 'the honest commitment');
    await inWindow?.();
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await watcher.until('withdrew', isJob(jobId), 60_000);
    assert.equal((await getJob(chain, jobId)).status, 'Finalized');
    const fee = (REWARD * 200n) / 10_000n;
    assert.equal(await netChange(chain, before, this.net.info.accounts[account].address), REWARD - fee, 'solver: reward - fee, stake back');
    assert.equal(await netChange(chain, before, this.net.info.accounts[1].address), -REWARD, 'submitter: pays the reward');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + fee);
    for (const k of ['totalEscrow', 'totalStakes', 'totalBonds', 'totalClaimable', 'burned'] as const) assert.equal(t[k], before.totals[k], k);
    return committed;
  }

  /**
   * An honest solver (account `s`) beat griefer `g`'s dispute and its job finalized: every wei —
   * the griefer lost its bond (10% to the jackpot, rounded up, 90% to the solver), the solver got
   * reward - fee on top, the submitter paid the reward, the market's other ledgers are unchanged.
   */
  async grieferPaidTheSolver(before: FundsSnapshot, g: number, s: number): Promise<void> {
    const chain = this.net.client('submitter');
    const fee = (REWARD * 200n) / 10_000n, bondToJackpot = (BOND * 1_000n + 9_999n) / 10_000n;
    assert.equal(await this.netChange(before, g), -BOND, 'griefer: loses its bond');
    assert.equal(await this.netChange(before, s), REWARD - fee + BOND - bondToJackpot, 'solver: reward - fee + 90% of the bond');
    assert.equal(await this.netChange(before, 1), -REWARD, 'submitter: pays the reward');
    const t = await assertSolvent(chain);
    assert.equal(t.jackpot, before.totals.jackpot + fee + bondToJackpot);
    for (const k of ['totalEscrow', 'totalStakes', 'totalBonds', 'totalClaimable', 'burned'] as const) assert.equal(t[k], before.totals[k], k);
  }
}

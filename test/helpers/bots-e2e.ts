// One devnet (anvil + redis-server), one honest verifier bot at sampleRate 1, and tampering
// solver services started per test: the harness of the end-to-end protocol tests
// (test/verifier-e2e.test.ts with hashInterval 1, test/hash-interval-e2e.test.ts with K = 4).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disputesOfJob, getDispute } from '../../chain/actions/get-job.ts';
import { getGame } from '../../chain/actions/dispute-game.ts';
import { claimableOf } from '../../chain/actions/withdraw.ts';
import { sendTx } from '../../chain/client.ts';
import type { DisputeRecord } from '../../chain/types.ts';
import { referenceBackend } from '../../reproducible-ops/backend/reference.ts';
import { startSolver, type RunningSolver, type StartSolverOptions } from '../../solver/start.ts';
import { startVerifier, type RunningVerifier, type StartVerifierOptions } from '../../verifier/start.ts';
import { submitJob } from '../../cli/commands/job-submit.ts';
import { startTestDevnet, type TestDevnet } from './devnet.ts';
import { writeTinyJob } from './tiny-job.ts';
import { waitFor } from './chain.ts';
import { assertSolvent, BOND, challengerWinSplit, netChange, REWARD, snapshotFunds, STAKE } from '../dispute-helpers.ts';

export const WINDOW = 3600n;

export interface BotsE2EOptions {
  /** Temp directory prefix. */
  name: string;
  timeBank: number;
  /** The tiny job every test submits. */
  job: { steps: number; checkpointInterval: number; hashInterval?: number };
  /** FORCED_ERROR_RATE of the market (of 2^16; default 0). */
  forcedErrorRate?: bigint;
  /** FORCED_FINDERS of the market (default 0: no limit). */
  forcedFinders?: bigint;
  /** Writes the job file of a test into `dir` instead of the tiny quadrants job (e.g. a GPT job). */
  writeJob?: (dir: string, name: string) => string;
  /** Extra options of the honest verifier bot (e.g. its read timeout). */
  verifier?: Partial<StartVerifierOptions>;
  /** The verifier bot's account (default 3; an index the test may add to net.info.accounts). */
  verifierAccount?: number;
  /** An OP Stack devnet (`devnet up --l2`): the bots and jobs live on its L2. */
  l2?: { finalizationPeriodSeconds?: number };
}

type BotEvent = { event: string; fields: Record<string, unknown> };

export class BotsE2E {
  net!: TestDevnet;
  dir!: string;
  verifier!: RunningVerifier;
  readonly events: BotEvent[] = [];

  constructor(private readonly o: BotsE2EOptions) {}

  /** A bot's log sink: events are kept, tagged with `who`, for assertions and failure messages. */
  log = (who: string) => (event: string, fields: Record<string, unknown>) => void this.events.push({ event, fields: { ...fields, who } });

  async start(): Promise<void> {
    await this.startDevnet();
    await this.startVerifier();
  }

  /** The devnet alone (then fund accounts, then startVerifier). */
  async startDevnet(): Promise<void> {
    this.net = await startTestDevnet({ timeBank: this.o.timeBank, forcedErrorRate: this.o.forcedErrorRate, forcedFinders: this.o.forcedFinders, l2: this.o.l2 });
    this.dir = mkdtempSync(join(tmpdir(), `optrain-${this.o.name}-`));
  }

  async startVerifier(): Promise<void> {
    this.verifier = await startVerifier({
      net: this.net.info, privateKey: this.net.info.accounts[this.o.verifierAccount ?? 3].privateKey, dataDir: join(this.dir, 'verifier'), backend: referenceBackend,
      sampleRate: 1, pollMs: 100, nudgeMs: 200, dataGraceMs: 3000, log: this.log('verifier'), ...this.o.verifier,
    });
  }

  async stop(): Promise<void> {
    await this.verifier?.stop();
    await this.net?.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  solverFor(account: number, name: string, tamper?: string, extra: Partial<StartSolverOptions> = {}): Promise<RunningSolver> {
    return startSolver({
      net: this.net.info, privateKey: this.net.info.accounts[account].privateKey, dataDir: join(this.dir, `solver-${name}`), backend: referenceBackend,
      tamper, queueSuffix: `${name}${process.pid}`, pollMs: 100, log: this.log(`solver-${name}`), ...extra,
    });
  }

  /** A verifier bot that challenges honest results with false claims (tamper kind=grief). */
  startGriefer(account: number): Promise<RunningVerifier> {
    return startVerifier({
      net: this.net.info, privateKey: this.net.info.accounts[account].privateKey, dataDir: join(this.dir, 'griefer'), backend: referenceBackend,
      tamper: 'kind=grief', pollMs: 100, nudgeMs: 200, log: this.log('griefer'),
    });
  }

  async submit(name: string): Promise<bigint> {
    const dir = join(this.dir, `job-${name}`);
    const jobFile = this.o.writeJob ? (mkdirSync(dir, { recursive: true }), this.o.writeJob(dir, name)) : writeTinyJob(dir, { ...this.o.job, name, trainN: 256 });
    const sub = await submitJob({
      net: this.net.info, privateKey: this.net.info.accounts[1].privateKey, jobFile, reward: REWARD, stake: STAKE, bond: BOND,
      claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW,
    });
    return sub.jobId;
  }

  /** waitFor, with the bots' latest events in the failure message. */
  async until<T>(what: string, f: () => Promise<T>, timeoutMs = 120_000): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, f, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.recent()}`);
    }
  }

  recent(): string {
    return this.events.slice(-12).map((e) => `${e.fields.who} ${e.event} ${JSON.stringify(e.fields, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`).join('\n');
  }

  /** The first dispute over `jobId` (from ChallengeOpened logs: it may open and resolve between two polls). */
  disputeOf(jobId: bigint, who: string): Promise<bigint> {
    return this.until(`${who} to challenge job ${jobId}`, async () => (await disputesOfJob(this.net.client('submitter'), jobId))[0] ?? null, 120_000);
  }

  resolved(disputeId: bigint): Promise<DisputeRecord> {
    return this.until(`dispute ${disputeId} to resolve`, async () => {
      const r = await getDispute(this.net.client('submitter'), disputeId);
      return r.status === 'Active' ? null : r;
    }, 120_000);
  }

  /**
   * A solver with `tamper` takes a fresh job; the verifier must catch it, win, and withdraw. Checks
   * the dispute's outcome and every party's balance to the wei; `duringDispute` runs once the
   * dispute is open (e.g. to let a silent solver's clock run out).
   */
  async caught(account: number, name: string, tamper: string, reason: string, duringDispute?: (disputeId: bigint) => Promise<void>): Promise<bigint> {
    const chain = this.net.client('submitter');
    const [submitter, solverAddr, verifierAddr] = [this.net.info.accounts[1].address, this.net.info.accounts[account].address, this.verifier.address];
    const before = await snapshotFunds(chain, [submitter, solverAddr, verifierAddr]);
    const solver = await this.solverFor(account, name, tamper);
    try {
      const jobId = await this.submit(name);
      const disputeId = await this.disputeOf(jobId, 'the verifier');
      if (duringDispute) await duringDispute(disputeId);
      const d = await this.resolved(disputeId);
      assert.equal(d.status, 'ChallengerWon', this.recent());
      assert.equal((await getGame(chain, disputeId)).reason, reason);
      await this.until('the verifier to withdraw its winnings', async () => (await claimableOf(chain, verifierAddr)) === 0n && this.events.some((e) => e.event === 'withdrew' && e.fields.who === 'verifier'));
      await sendTx(chain, chain.market, 'cancelJob', [jobId]); // the reopened job must not tempt the next test's solver
      // every wei: the stake is split between the verifier and the jackpot, which pays out a share
      const split = challengerWinSplit(STAKE, before.totals.jackpot);
      assert.equal(await netChange(chain, before, verifierAddr), split.toChallenger + split.payout, 'verifier: 40% of the stake + jackpot payout (bond back)');
      assert.equal(await netChange(chain, before, solverAddr), -STAKE, 'solver: loses its stake');
      assert.equal(await netChange(chain, before, submitter), -REWARD, 'submitter: reward escrowed, refunded on cancel (claimable)');
      const t = await assertSolvent(chain);
      assert.equal(t.jackpot, before.totals.jackpot + split.toJackpot - split.payout);
      assert.equal(t.totalClaimable, before.totals.totalClaimable + REWARD);
      assert.equal(t.totalEscrow, before.totals.totalEscrow);
      assert.equal(t.totalStakes, before.totals.totalStakes);
      assert.equal(t.totalBonds, before.totals.totalBonds);
      assert.equal(t.burned, before.totals.burned + split.toBurn, 'half the stake burned');
      return disputeId;
    } finally {
      await solver.stop();
    }
  }
}

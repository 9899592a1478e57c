// The verifier bot: watches ResultCommitted, checks each commitment (examine.ts) with sampling
// randomness drawn after the commit (sampling.ts), challenges what does not reproduce, plays
// every dispute it opened to the end with the arbiter state machine, and withdraws its winnings
// (the slashed stake share, its bond back and the jackpot payout). Its memory is a JSON file and
// the arbiter's dispute files in its data directory, so a killed verifier restarts where it was.
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { Engine } from '../reproducible-ops/engine.ts';
import { lastLeaf, leafStep } from '../reproducible-ops/hash-schedule.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { UserError } from '../jobs/errors.ts';
import { checkJobResources } from '../jobs/resources.ts';
import type { LoadedJob } from '../jobs/job.ts';
import { BlobStore, withFetchOptions, type FetchLimits } from '../jobs/blobstore.ts';
import { redisKeys, type KeySpace } from '../jobs/redis-keys.ts';
import { challenge } from '../chain/actions/challenge.ts';
import { activeDisputesOf, getDispute, getJob } from '../chain/actions/get-job.ts';
import { isCoWinner, settleCoWinner } from '../chain/actions/settle-co-winner.ts';
import { getJobPosting } from '../chain/actions/get-job-posting.ts';
import { claimableOf, withdraw } from '../chain/actions/withdraw.ts';
import { chainNow } from '../chain/actions/dispute-game.ts';
import { requireSigner, type ChainClient } from '../chain/client.ts';
import { EventWatcher, sleepUnlessAborted } from '../chain/events.ts';
import { toCommitment, toJobParams, type JobRecord } from '../chain/types.ts';
import { checkAgainstChain, loadJobCached } from '../commitments/job-source.ts';
import { DisputeStore } from '../arbiter/store.ts';
import { examine } from './examine.ts';
import { openChallengerPlayer } from './dispute.ts';
import { checkManifest, DataUnavailable, fetchPublishedResult, type PublishedResult } from './result-data.ts';
import { OwnReplays } from './own-replay.ts';
import { considerWithoutData, openReplayPlayer, type NoDataContext } from './unavailable.ts';
import { decodeState, encodeState, type RunManifest } from '../commitments/run-store.ts';
import { Replayer } from './replay.ts';
import { randomnessAfter, sampleLeaves, samplingSeed } from './sampling.ts';
import { termsOf, VerifierState, type CommitEntry } from './state.ts';
import { byDeadline, Lane } from './lanes.ts';
import type { Outages } from '../jobs/connectivity.ts';
import type { DisputePlayer } from '../arbiter/player.ts';
import { ForcedFinds } from './forced.ts';

/** Loads of a job spec that fail transiently (server down) before its commitment is skipped. */
const MAX_SPEC_ATTEMPTS = 3;

export type Log = (event: string, fields: Record<string, unknown>) => void;

export interface VerifierConfig {
  client: ChainClient; // signs as the verifier
  redis: Redis;
  ks: KeySpace;
  dataDir: string;
  backend: Backend;
  sampleRate: number; // (0, 1] of the leaves (intervals of hashInterval transitions); 1 replays every transition
  grief?: boolean; // kind=grief
  challengeWithheld?: boolean; // default true
  fromBlock?: number;
  nudgeMs?: number;
  dataGraceMs?: number;
  /** Commitments checked at once (default 2): downloads and replays of one job never hold up another. */
  checkConcurrency?: number;
  /** Limits of every read from a solver's server (default: OPTRAIN_FETCH_TIMEOUT_MS / OPTRAIN_MAX_BLOB_BYTES). */
  fetch?: Partial<FetchLimits>;
  /** How long stop waits for running tasks (default 3 s). */
  stopGraceMs?: number;
  /** Where RPC and Redis outages are reported once (instead of an error line per call). */
  outages?: Outages;
  log: Log;
}

export class VerifierBot {
  readonly address: string;
  readonly state: VerifierState;
  readonly disputes: DisputeStore;
  private readonly watcher: EventWatcher;
  private readonly cache: BlobStore;
  private readonly evidence: BlobStore;
  private readonly players = new Map<string, Promise<DisputePlayer>>();
  private readonly engines = new Map<string, Promise<{ loaded: LoadedJob; engine: Engine }>>();
  private readonly waitingSince = new Map<string, number>();
  private readonly deadlines = new Map<string, bigint>();
  private readonly checks: Lane;
  // a dispute is ticked again soon after an error: its clock runs
  private readonly disputeLane = new Lane({ limit: Infinity, backoffMs: 200, maxBackoffMs: 2_000 });
  private readonly replays: OwnReplays;
  /** Commitments whose job spec failed to load transiently, and how often. */
  private readonly specFailures = new Map<string, number>();
  /** Forced-error finds (docs/PROTOCOL.md §12), in a market that has them. */
  private readonly forced: ForcedFinds;

  constructor(private readonly cfg: VerifierConfig) {
    this.address = requireSigner(cfg.client, 'the verifier').address;
    this.state = new VerifierState(cfg.dataDir, this.address);
    this.disputes = new DisputeStore(join(cfg.dataDir, 'disputes'));
    this.cache = new BlobStore(join(cfg.dataDir, 'cache'));
    this.evidence = new BlobStore(join(cfg.dataDir, 'evidence'));
    this.checks = new Lane({ limit: cfg.checkConcurrency ?? 2 });
    this.replays = new OwnReplays(this.evidence);
    this.watcher = new EventWatcher(cfg.client, { cursor: this.state.cursor(), fromBlock: cfg.fromBlock ?? 0, names: ['ResultCommitted'] });
    this.forced = new ForcedFinds({ client: cfg.client, address: this.address, save: () => this.state.save(), log: cfg.log });
  }

  /**
   * Two lanes until `signal` aborts: checking commitments (bounded concurrency, earliest challenge
   * deadline first) and playing disputes (every active dispute ticked each round, whatever the
   * checks are doing). Every network read of the bot's tasks ends when `signal` aborts; tasks
   * still running after the grace period (a replay in progress) are abandoned.
   */
  async run(signal: AbortSignal, intervalMs = 500): Promise<void> {
    await withFetchOptions({ signal, ...this.cfg.fetch }, () =>
      Promise.all([this.loop(signal, intervalMs, () => this.checkRound(), true), this.loop(signal, intervalMs, () => this.disputeRound(), false)]),
    );
    const grace = this.cfg.stopGraceMs ?? 3_000;
    const left = (await Promise.all([this.checks.drain(grace), this.disputeLane.drain(grace)])).flat();
    if (left.length) this.cfg.log('stop-abandoned', { tasks: left });
  }

  /** One round of both lanes, waiting for the tasks it started (tests; `run` does not wait). */
  async tick(): Promise<void> {
    await this.checkRound();
    await this.disputeRound();
    await Promise.all([this.checks.drain(Infinity), this.disputeLane.drain(Infinity)]);
  }

  /** `readsChain`: the round always reads the chain, so its success means the node is reachable. */
  private async loop(signal: AbortSignal, intervalMs: number, round: () => Promise<void>, readsChain: boolean): Promise<void> {
    let wait = intervalMs;
    while (!signal.aborted) {
      try {
        await round();
        if (readsChain) this.cfg.outages?.rpc.ok();
        // an unreachable node or Redis is said once (Outages), and the loops back off meanwhile
        wait = this.cfg.outages?.rpc.isDown ? Math.min(wait * 2, 5_000) : intervalMs;
      } catch (e) {
        if (this.cfg.outages?.absorb(e)) wait = Math.min(wait * 2, 5_000);
        else this.cfg.log('error', { error: (e as Error).message });
      }
      await sleepUnlessAborted(wait, signal);
    }
  }

  /** New commitments in; start checking the pending ones, the earliest challenge deadline first. */
  private async checkRound(): Promise<void> {
    const batch = await this.watcher.next();
    for (const ev of batch.events) {
      const jobId = BigInt(ev.args.jobId as bigint);
      if (this.state.add(jobId, ev.blockNumber)) this.cfg.log('commit-seen', { jobId, block: ev.blockNumber });
    }
    await this.watcher.commit(batch);
    const pending = this.state.commits.filter(([key, e]) => e.status === 'pending' && !this.checks.isRunning(key));
    await this.learnDeadlines(pending);
    const ordered = byDeadline(pending, ([key]) => this.deadlines.get(key));
    this.checks.launch(ordered.map(([key, entry]) => ({ key, run: () => this.check(key, entry) })));
  }

  /** The challenge deadline of each new commitment (fixed once committed: the order of the check lane). */
  private async learnDeadlines(entries: [string, CommitEntry][]): Promise<void> {
    const unknown = entries.filter(([key]) => !this.deadlines.has(key));
    await Promise.all(
      unknown.map(async ([key, e]) => {
        const job = await getJob(this.cfg.client, BigInt(e.jobId)).catch(() => null);
        if (job) this.deadlines.set(key, job.deadline);
      }),
    );
  }

  /** One attempt at a commitment; a failure (error or unavailable data) backs the key off in its lane. */
  private async check(key: string, entry: CommitEntry): Promise<boolean> {
    const attempts = entry.attempts ?? 0;
    const ok = await this.guard(key, () => this.consider(key, entry));
    return ok && (entry.attempts ?? 0) === attempts && !this.specFailures.has(key);
  }

  /** Tick every dispute this verifier plays (each on its own, none waits for another) and withdraw winnings. */
  private async disputeRound(): Promise<void> {
    const playing = this.state.commits.filter(([, e]) => e.status === 'challenged');
    this.disputeLane.launch([
      ...playing.map(([key, entry]) => ({ key, run: () => this.guard(key, () => this.play(key, entry)) })),
      { key: 'withdraw', run: () => this.guard('withdraw', () => this.collect()) },
    ]);
  }

  private async guard(key: string, f: () => Promise<void>): Promise<boolean> {
    try {
      await f();
      return true;
    } catch (e) {
      if (!this.cfg.outages?.absorb(e)) this.cfg.log('commit-error', { commit: key, error: (e as Error).message });
      return false;
    }
  }

  /** Check a commitment once its randomness exists; challenge it if it does not hold up. */
  private async consider(key: string, entry: CommitEntry): Promise<void> {
    const jobId = BigInt(entry.jobId);
    let job = await getJob(this.cfg.client, jobId);
    // a challenge of ours that landed just before a crash: adopt it (the check below is deterministic)
    const ours = await this.ownDispute(job);
    const sealed = await this.forced.sealedMarket();
    if (ours === null) {
      // Someone else's dispute does not stop this check: disputes run concurrently, and a
      // solver's accomplice that challenges first must not keep an honest challenge out.
      if (job.status !== 'Committed' && job.status !== 'Challenged') return this.settle(key, entry, 'skipped', `job is ${job.status}`);
      if (sealed) {
        // find window, the reveal, then the challenge window (forced.ts)
        const st = await this.forced.step(entry, job);
        if (st.do === 'wait') return;
        if (st.do === 'settle') return this.settle(key, entry, st.status, st.reason);
        job = st.job; // read after the reveal, if there was one: the true root and its challenge window
      } else if (BigInt(await chainNow(this.cfg.client)) > job.deadline) return this.settle(key, entry, 'skipped', 'challenge window closed');
    }
    const since = this.waitingSince.get(key) ?? Date.now();
    this.waitingSince.set(key, since);
    const rnd = await randomnessAfter(this.cfg.client, entry.commitBlock, Date.now() - since, this.cfg.nudgeMs);
    if (!rnd) return;
    const engine = await this.loadableEngine(key, entry, job);
    if (!engine) return;
    const result = await this.publishedResult(entry, job);
    // no data before the reveal: the own replay would compare against the masked root (§12)
    if ('unavailable' in result && sealed && ours === null && (await this.forced.defer(entry, job, result.unavailable))) return;
    if ('unavailable' in result) return considerWithoutData(this.noData, key, entry, job, engine, ours, result.unavailable);
    this.replays.drop(key); // the data showed up after all
    const sampled = sampleLeaves(samplingSeed(rnd.blockHash, jobId, this.address), lastLeaf(Number(job.params.numSteps), job.params.hashInterval), this.cfg.sampleRate);
    const replayer = new Replayer(engine, result);
    const v = await examine({ engine, result, job, sampled, challengeWithheld: this.cfg.challengeWithheld ?? true, grief: !!this.cfg.grief }, replayer);
    Object.assign(entry, { randomness: rnd, sampled, replayedSteps: v.report?.replayedSteps, withheld: v.report?.withheld.map((w) => w.step) });
    this.cfg.log('checked', { jobId, sampled: sampled.length, replayedSteps: v.report?.replayedSteps ?? 0, withheld: entry.withheld, challenge: v.challenge, reason: v.reason });
    await this.announceReplays(job, sampled, v.report?.replayedSteps ?? 0, v.challenge);
    if (sealed && ours === null && (await this.forced.onVerdict(entry, job, v))) return; // a find, or a check deferred to the reveal
    if (!v.challenge) return this.settle(key, entry, 'verified', v.reason);
    // everything the dispute needs from the solver is kept locally first: a restarted verifier
    // must not depend on a solver that is gone or has stopped serving
    const pre = v.needsPreState ? await replayer.preStateFor(v.disputed) : null;
    const preStep = v.disputed > 0 ? leafStep(v.disputed - 1, result.schedule.numSteps, result.schedule.hashInterval) : -1;
    entry.evidence = { manifest: await this.evidence.put(Buffer.from(JSON.stringify(result.manifest))), preState: pre ? await this.evidence.put(encodeState({ step: preStep, tensors: pre })) : null };
    Object.assign(entry, { disputed: v.disputed, grief: v.grief, reason: v.reason, terms: termsOf(job) });
    this.state.save();
    const opened = ours === null ? await challenge(this.cfg.client, jobId, job.terms.challengerBond) : null;
    entry.disputeId = String(opened?.disputeId ?? ours);
    this.settle(key, entry, 'challenged', v.reason);
    this.cfg.log('challenged', { jobId, disputeId: entry.disputeId, leaf: v.disputed, bond: job.terms.challengerBond, gasUsed: opened?.tx.gasUsed, adopted: ours !== null, reason: v.reason });
  }

  /**
   * The job's engine, or null if this attempt could not load its spec. A spec that is broken for
   * good (wrong bytes, not a job, another programRoot: UserError), or unreachable MAX_SPEC_ATTEMPTS
   * times, skips the commitment with one line: nobody can replay such a job (docs/PROTOCOL.md §8).
   * A transient failure backs the check off quietly.
   */
  private async loadableEngine(key: string, entry: CommitEntry, job: JobRecord): Promise<Engine | null> {
    try {
      const engine = await this.engineFor(job);
      this.specFailures.delete(key);
      return engine;
    } catch (e) {
      const attempts = (this.specFailures.get(key) ?? 0) + 1;
      if (!(e instanceof UserError) && attempts < MAX_SPEC_ATTEMPTS) {
        this.specFailures.set(key, attempts);
        return null;
      }
      this.specFailures.delete(key);
      this.settle(key, entry, 'skipped', `job ${job.jobId}: its spec cannot be loaded${attempts > 1 ? ` (${attempts} attempts)` : ''}: ${(e as Error).message}`);
      return null;
    }
  }

  /** The id of a dispute this verifier opened over the job's current commitment, if any. */
  private async ownDispute(job: JobRecord): Promise<bigint | null> {
    if (job.status !== 'Challenged') return null;
    const mine = (await activeDisputesOf(this.cfg.client, job)).find((d) => d.challenger.toLowerCase() === this.address.toLowerCase());
    return mine?.disputeId ?? null;
  }

  /**
   * The solver's published result, checked against the commitment, or why it cannot be used
   * (nothing published, unreachable, or hashes that do not rebuild stepsRoot): the caller then
   * replays the job itself (unavailable.ts) instead of giving up on the commitment.
   */
  /** Say which leaves this verifier replayed (for explorers); best effort: a failed write never stops a check. */
  private async announceReplays(job: JobRecord, leaves: number[], replayedSteps: number, challenge: boolean): Promise<void> {
    const value = JSON.stringify({ round: String(job.round), stepsRoot: job.commitment.stepsRoot, leaves, replayedSteps, challenge, at: new Date().toISOString() });
    await this.cfg.redis.hset(redisKeys.verifierReplays(this.cfg.ks, job.jobId), this.address.toLowerCase(), value).catch(() => undefined);
  }

  private async publishedResult(entry: CommitEntry, job: JobRecord): Promise<PublishedResult | { unavailable: string }> {
    try {
      return await fetchPublishedResult(this.cfg.client, job, this.cfg.fromBlock ?? 0);
    } catch (e) {
      if (!(e instanceof DataUnavailable)) throw e;
      entry.attempts = (entry.attempts ?? 0) + 1;
      return { unavailable: e.message };
    }
  }

  private get noData(): NoDataContext {
    return { client: this.cfg.client, replays: this.replays, log: this.cfg.log, save: () => this.state.save(), settle: (k, e, s, r) => this.settle(k, e, s, r) };
  }

  private settle(key: string, entry: CommitEntry, status: CommitEntry['status'], reason: string): void {
    entry.status = status;
    entry.reason = reason;
    this.state.save();
    if (status === 'skipped') this.cfg.log('commit-skipped', { commit: key, reason });
  }

  /** One tick of this verifier's dispute over the entry. */
  private async play(key: string, entry: CommitEntry): Promise<void> {
    if (await this.settledAsCoWinner(key, entry)) return;
    let p = this.players.get(key);
    if (!p) {
      p = this.openPlayer(key, entry);
      p.catch(() => this.players.delete(key));
      this.players.set(key, p);
    }
    const player = await p;
    let r = await player.tick();
    while (r.status === 'moved') r = await player.tick(); // e.g. the one-step that resolves the game
    if (r.status !== 'resolved') return;
    this.players.delete(key);
    this.settle(key, entry, r.won ? 'won' : 'lost', `dispute ${entry.disputeId}: ${r.reason}`);
  }

  /**
   * Another dispute over the same commitment proved it wrong first (e.g. the solver's own
   * accomplice, front-running this one): this dispute is a co-winner; collect its bond and share
   * now instead of playing a game nobody defends any more.
   */
  private async settledAsCoWinner(key: string, entry: CommitEntry): Promise<boolean> {
    if (!entry.disputeId) return false;
    const d = await getDispute(this.cfg.client, BigInt(entry.disputeId));
    if (!(await isCoWinner(this.cfg.client, d))) return false;
    const tx = await settleCoWinner(this.cfg.client, d.disputeId);
    this.players.delete(key);
    this.settle(key, entry, 'won', `dispute ${entry.disputeId}: co-winner (the commitment was proven wrong by another dispute)`);
    this.cfg.log('co-winner-settled', { jobId: entry.jobId, disputeId: entry.disputeId, gasUsed: tx.gasUsed });
    return true;
  }

  private async openPlayer(key: string, entry: CommitEntry): Promise<DisputePlayer> {
    if (entry.mode === 'replay' && entry.terms) return this.openReplayPlayer(key, entry);
    if (!entry.terms || !entry.evidence || entry.disputed === undefined) throw new Error(`commit ${key}: challenged, but its terms / evidence were not recorded`);
    const live = await getJob(this.cfg.client, BigInt(entry.jobId));
    const job: JobRecord = { ...live, params: toJobParams(entry.terms.params), commitment: toCommitment(entry.terms.commitment) };
    const engine = await this.engineFor(job);
    const manifest = JSON.parse((await this.evidence.get(entry.evidence.manifest)).toString('utf8')) as RunManifest;
    const hashes = checkManifest(job.jobId, manifest, job.commitment, job.params.hashInterval);
    const pre = await this.localPreState(entry, job, engine, hashes);
    return openChallengerPlayer({
      client: this.cfg.client, redis: this.cfg.redis, ks: this.cfg.ks, store: this.disputes, entry, job, engine,
      hashes: async () => hashes, preState: async () => pre, dataGraceMs: this.cfg.dataGraceMs, log: this.cfg.log,
    });
  }

  private async openReplayPlayer(key: string, entry: CommitEntry): Promise<DisputePlayer> {
    const live = await getJob(this.cfg.client, BigInt(entry.jobId));
    const job: JobRecord = { ...live, params: toJobParams(entry.terms!.params), commitment: toCommitment(entry.terms!.commitment) };
    return openReplayPlayer({
      client: this.cfg.client, redis: this.cfg.redis, ks: this.cfg.ks, store: this.disputes, replays: this.replays, key, entry, job,
      engine: await this.engineFor(job), dataGraceMs: this.cfg.dataGraceMs, save: () => this.state.save(), log: this.cfg.log,
    });
  }

  /** The committed state of leaf m - 1 that the disputed leaf m starts from, as kept at challenge time, checked against that leaf. */
  private async localPreState(entry: CommitEntry, job: JobRecord, engine: Engine, hashes: Buffer[]): Promise<Float32Array[] | null> {
    const m = entry.disputed!;
    if (!entry.evidence?.preState) return null;
    const step = leafStep(m - 1, Number(job.params.numSteps), job.params.hashInterval);
    const state = decodeState(await this.evidence.get(entry.evidence.preState), engine, step, `kept pre-state of leaf ${m}`);
    if (!engine.stateHash(state).equals(hashes[m - 1])) throw new Error(`kept pre-state of leaf ${m} does not hash to the committed leaf ${m - 1} (H[${step}])`);
    return state.tensors;
  }

  /** Withdraw whatever the market credited this verifier (won disputes, forced-error shares). */
  private async collect(): Promise<void> {
    for (const [, entry] of this.state.commits.filter(([, e]) => e.forcedFind === 'counted')) {
      const fate = await this.forced.collect(entry, await getJob(this.cfg.client, BigInt(entry.jobId)));
      if (fate) (entry.forcedFind = fate), this.state.save();
    }
    if ((await claimableOf(this.cfg.client, this.address)) === 0n) return;
    const { amount, tx } = await withdraw(this.cfg.client);
    this.cfg.log('withdrew', { amount, gasUsed: tx.gasUsed });
  }

  /** The job's engine; the spec is loaded once per specHash, but every job is checked against its own posting (another job may name the same spec with another programRoot). */
  private async engineFor(job: JobRecord): Promise<Engine> {
    let e = this.engines.get(job.params.specHash);
    if (!e) {
      e = (async () => {
        const posting = await getJobPosting(this.cfg.client, job.jobId);
        const { job: loaded } = await loadJobCached(posting.specURI, job.params.specHash, this.cache);
        checkJobResources(loaded); // a job too big for this machine cannot be replayed here (UserError: skipped)
        return { loaded, engine: new Engine(loaded.setup, this.cfg.backend) };
      })();
      e.catch(() => this.engines.delete(job.params.specHash));
      this.engines.set(job.params.specHash, e);
    }
    const { loaded, engine } = await e;
    checkAgainstChain(engine, loaded, { programRoot: job.params.programRoot, numSteps: Number(job.params.numSteps), hashInterval: job.params.hashInterval, seed: String(job.params.seed) });
    return engine;
  }
}

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
import { BlobStore } from '../jobs/blobstore.ts';
import type { KeySpace } from '../jobs/redis-keys.ts';
import { challenge } from '../arbiter/chain/actions/challenge.ts';
import { disputesOfJob, getDispute, getJob } from '../arbiter/chain/actions/get-job.ts';
import { getJobPosting } from '../arbiter/chain/actions/get-job-posting.ts';
import { claimableOf, withdraw } from '../arbiter/chain/actions/withdraw.ts';
import { chainNow } from '../arbiter/chain/actions/dispute-game.ts';
import { requireSigner, type ChainClient } from '../arbiter/chain/client.ts';
import { EventWatcher, sleepUnlessAborted } from '../arbiter/chain/events.ts';
import { toCommitment, toJobParams, type JobRecord } from '../arbiter/chain/types.ts';
import { checkAgainstChain, loadJobCached } from '../solver/worker.ts';
import { DisputeStore } from '../arbiter/store.ts';
import { examine } from './examine.ts';
import { openChallengerPlayer } from './dispute.ts';
import { checkManifest, DataUnavailable, fetchPublishedResult, type PublishedResult } from './result-data.ts';
import { OwnReplays } from './own-replay.ts';
import { considerWithoutData, openReplayPlayer, type NoDataContext } from './unavailable.ts';
import { decodeState, encodeState, type RunManifest } from '../solver/run-store.ts';
import { Replayer } from './replay.ts';
import { randomnessAfter, sampleLeaves, samplingSeed } from './sampling.ts';
import { termsOf, VerifierState, type CommitEntry } from './state.ts';
import type { DisputePlayer } from '../arbiter/player.ts';

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
  private readonly engines = new Map<string, Promise<Engine>>();
  private readonly waitingSince = new Map<string, number>();
  private readonly replays: OwnReplays;

  constructor(private readonly cfg: VerifierConfig) {
    this.address = requireSigner(cfg.client, 'the verifier').address;
    this.state = new VerifierState(cfg.dataDir, this.address);
    this.disputes = new DisputeStore(join(cfg.dataDir, 'disputes'));
    this.cache = new BlobStore(join(cfg.dataDir, 'cache'));
    this.evidence = new BlobStore(join(cfg.dataDir, 'evidence'));
    this.replays = new OwnReplays(this.evidence);
    this.watcher = new EventWatcher(cfg.client, { cursor: this.state.cursor(), fromBlock: cfg.fromBlock ?? 0, names: ['ResultCommitted'] });
  }

  async run(signal: AbortSignal, intervalMs = 500): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (e) {
        this.cfg.log('error', { error: (e as Error).message });
      }
      await sleepUnlessAborted(intervalMs, signal);
    }
  }

  async tick(): Promise<void> {
    const batch = await this.watcher.next();
    for (const ev of batch.events) {
      const jobId = BigInt(ev.args.jobId as bigint);
      if (this.state.add(jobId, ev.blockNumber)) this.cfg.log('commit-seen', { jobId, block: ev.blockNumber });
    }
    await this.watcher.commit(batch);
    for (const [key, entry] of this.state.commits) {
      if (entry.status === 'pending') await this.guard(key, () => this.consider(key, entry));
      else if (entry.status === 'challenged') await this.guard(key, () => this.play(key, entry));
    }
    await this.guard('withdraw', () => this.collect());
  }

  private async guard(key: string, f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (e) {
      this.cfg.log('commit-error', { commit: key, error: (e as Error).message });
    }
  }

  /** Check a commitment once its randomness exists; challenge it if it does not hold up. */
  private async consider(key: string, entry: CommitEntry): Promise<void> {
    const jobId = BigInt(entry.jobId);
    const job = await getJob(this.cfg.client, jobId);
    // a challenge of ours that landed just before a crash: adopt it (the check below is deterministic)
    const ours = await this.ownDispute(job);
    if (ours === null) {
      if (job.status === 'Challenged') return; // someone else's dispute; look again when it is over
      if (job.status !== 'Committed') return this.settle(key, entry, 'skipped', `job is ${job.status}`);
      if (BigInt(await chainNow(this.cfg.client)) > job.deadline) return this.settle(key, entry, 'skipped', 'challenge window closed');
    }
    const since = this.waitingSince.get(key) ?? Date.now();
    this.waitingSince.set(key, since);
    const rnd = await randomnessAfter(this.cfg.client, entry.commitBlock, Date.now() - since, this.cfg.nudgeMs);
    if (!rnd) return;
    const engine = await this.engineFor(job);
    const result = await this.publishedResult(entry, job);
    if ('unavailable' in result) return considerWithoutData(this.noData, key, entry, job, engine, ours, result.unavailable);
    this.replays.drop(key); // the data showed up after all
    const sampled = sampleLeaves(samplingSeed(rnd.blockHash, jobId, this.address), lastLeaf(Number(job.params.numSteps), job.params.hashInterval), this.cfg.sampleRate);
    const replayer = new Replayer(engine, result);
    const v = await examine({ engine, result, job, sampled, challengeWithheld: this.cfg.challengeWithheld ?? true, grief: !!this.cfg.grief }, replayer);
    Object.assign(entry, { randomness: rnd, sampled, replayedSteps: v.report?.replayedSteps, withheld: v.report?.withheld.map((w) => w.step) });
    this.cfg.log('checked', { jobId, sampled: sampled.length, replayedSteps: v.report?.replayedSteps ?? 0, withheld: entry.withheld, challenge: v.challenge, reason: v.reason });
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

  /** The id of the job's active dispute if this verifier opened it. */
  private async ownDispute(job: JobRecord): Promise<bigint | null> {
    if (job.status !== 'Challenged') return null;
    for (const id of (await disputesOfJob(this.cfg.client, job.jobId)).reverse()) {
      const d = await getDispute(this.cfg.client, id);
      if (d.status === 'Active' && d.challenger.toLowerCase() === this.address.toLowerCase()) return id;
    }
    return null;
  }

  /**
   * The solver's published result, checked against the commitment, or why it cannot be used
   * (nothing published, unreachable, or hashes that do not rebuild stepsRoot): the caller then
   * replays the job itself (unavailable.ts) instead of giving up on the commitment.
   */
  private async publishedResult(entry: CommitEntry, job: JobRecord): Promise<PublishedResult | { unavailable: string }> {
    try {
      return await fetchPublishedResult(this.cfg.redis, this.cfg.ks, job.jobId, job.commitment, job.params.hashInterval);
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

  /** Withdraw whatever the market credited this verifier (won disputes). */
  private async collect(): Promise<void> {
    if ((await claimableOf(this.cfg.client, this.address)) === 0n) return;
    const { amount, tx } = await withdraw(this.cfg.client);
    this.cfg.log('withdrew', { amount, gasUsed: tx.gasUsed });
  }

  private engineFor(job: JobRecord): Promise<Engine> {
    let e = this.engines.get(job.params.specHash);
    if (!e) {
      e = (async () => {
        const posting = await getJobPosting(this.cfg.client, job.jobId);
        const { job: loaded } = await loadJobCached(posting.specURI, job.params.specHash, this.cache);
        const engine = new Engine(loaded.setup, this.cfg.backend);
        checkAgainstChain(engine, loaded, { programRoot: job.params.programRoot, numSteps: Number(job.params.numSteps), hashInterval: job.params.hashInterval, seed: String(job.params.seed) });
        return engine;
      })();
      e.catch(() => this.engines.delete(job.params.specHash));
      this.engines.set(job.params.specHash, e);
    }
    return e;
  }
}

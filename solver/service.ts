// The solver process: watches the JobMarket, claims jobs it can run, hands them to the
// training queue, commits finished results, finalizes and withdraws, and hands disputes to
// its defender. All of its memory is in Redis and on chain, so a restarted solver picks up
// exactly where it stopped: every tick re-derives what to do from on-chain job status. If Redis
// itself comes back empty, the claims are re-adopted from the chain and the result manifests
// found again in the data dir (recoverClaims).
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Engine } from '../reproducible-ops/engine.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { numel } from '../reproducible-ops/tensor.ts';
import { claimJob } from '../chain/actions/claim-job.ts';
import { checkJobResources } from '../jobs/resources.ts';
import { commitResult } from '../chain/actions/commit-result.ts';
import { announceData } from '../chain/actions/announce.ts';
import { finalize } from '../chain/actions/finalize.ts';
import { disputesOfJob, getDispute, getJob } from '../chain/actions/get-job.ts';
import { getJobPosting } from '../chain/actions/get-job-posting.ts';
import { claimableOf, withdraw } from '../chain/actions/withdraw.ts';
import { requireSigner, type ChainClient } from '../chain/client.ts';
import { EventWatcher, redisCursor, sleepUnlessAborted } from '../chain/events.ts';
import type { JobRecord } from '../chain/types.ts';
import { ChainError } from '../chain/errors.ts';
import type { BlobStore } from '../jobs/blobstore.ts';
import { Outages, type DependencyHealth } from '../jobs/connectivity.ts';
import { UserError } from '../jobs/errors.ts';
import { enqueueTraining, trainingOutcome, type TrainJobData, type TrainJobResult } from '../jobs/queue.ts';
import { redisKeys, runIdOf, trainJobId, type KeySpace } from '../jobs/redis-keys.ts';
import { loggingDefender, type DisputeDefender } from '../arbiter/dispute-hook.ts';
import { loadManifest } from '../commitments/run-store.ts';
import { findCommittedManifest } from './manifest-scan.ts';
import { checkTamperFits, formatTamper, type SolverTamper } from '../commitments/tamper.ts';
import { withheldCheckpointSteps } from '../commitments/tamper-hooks.ts';
import { checkAgainstChain, loadJobCached } from '../commitments/job-source.ts';
import { SealedFlow } from './sealed.ts';

export type Log = (event: string, fields: Record<string, unknown>) => void;

const MAX_CONSIDER_ATTEMPTS = 5;

export interface SolverConfig {
  client: ChainClient; // signs as the solver
  chainId: number;
  redis: Redis;
  queue: Queue<TrainJobData, TrainJobResult>;
  blobs: BlobStore; // where workers put checkpoints; served at blobUrl
  blobUrl: string;
  /** The address verifiers reach the blob server at (announced on chain; default blobUrl). */
  publicUrl?: string;
  cache: BlobStore;
  backend: Backend;
  tamper?: SolverTamper;
  defender?: DisputeDefender;
  finalize?: boolean; // finalize own jobs once their window passes (default true)
  withdraw?: boolean; // withdraw payouts (default true)
  fromBlock?: number; // where the event cursor starts when Redis has none
  maxJobs?: number; // at most this many claimed jobs in training at once (default: no limit)
  health?: DependencyHealth; // Redis outages are reported there once, not by every tick
  rpcUrl?: string; // named in the one line of an RPC outage
  log: Log;
}

/** consider() found this solver at its --max-jobs limit. */
class AtCapacity extends Error {}

export class SolverService {
  readonly address: string;
  readonly ks: KeySpace;
  private readonly watcher: EventWatcher;
  private readonly defender: DisputeDefender;
  /** Blob hashes this solver refuses to serve (kind=withhold). */
  readonly withheld = new Set<string>();
  private readonly retry = new Map<bigint, number>();
  /** Jobs this solver claimed and has not committed yet (what --max-jobs limits). */
  private readonly inTraining = new Set<bigint>();
  private readonly reportedFailures = new Set<string>();
  private readonly outages: Outages;
  /** Forced errors (docs/PROTOCOL.md §12): used when the market's FORCED_ERROR_RATE is not 0. */
  private readonly sealed: SealedFlow;

  constructor(private readonly cfg: SolverConfig) {
    const signer = requireSigner(cfg.client, 'the solver');
    this.address = signer.address;
    this.outages = new Outages(cfg.rpcUrl ?? cfg.client.provider._getConnection().url, (event, message) => cfg.log(event, { message }), cfg.redis, cfg.health);
    this.ks = { chainId: cfg.chainId, jobMarket: cfg.client.addresses.jobMarket };
    const cursor = redisCursor(cfg.redis, redisKeys.eventCursor(this.ks, `solver:${this.address}`));
    this.watcher = new EventWatcher(cfg.client, { cursor, fromBlock: cfg.fromBlock ?? 0, names: ['JobPosted', 'JobReopened'] });
    this.defender = cfg.defender ?? loggingDefender();
    this.sealed = new SealedFlow({ client: cfg.client, signer, redis: cfg.redis, ks: this.ks, blobs: cfg.blobs, log: cfg.log, announce: (jobId) => this.announceResult(jobId) });
  }

  /**
   * Poll until aborted; errors of one tick are logged and the next tick retries. While Redis is
   * unreachable (reported once by the health monitor) ticks back off up to 5 s instead.
   */
  async run(signal: AbortSignal, intervalMs = 500): Promise<void> {
    let wait = intervalMs;
    while (!signal.aborted) {
      try {
        if (!(await this.cfg.redis.exists(redisKeys.solverRecovered(this.ks, this.address)))) await this.recoverClaims();
        await this.tick();
        this.outages.rpc.ok();
        wait = intervalMs;
      } catch (e) {
        if (signal.aborted) break;
        if (this.outages.absorb(e)) wait = Math.min(wait * 2, 5_000);
        else this.cfg.log('error', { error: (e as Error).message });
      }
      await sleepUnlessAborted(wait, signal);
    }
  }

  /**
   * A solver that died between its claim transaction and recording the claim in Redis, or whose
   * Redis came back empty, would forget its jobs and be slashed for lateness: re-adopt every live
   * job claimed by this address (run id from the JobClaimed event's block). Runs at start and
   * whenever the marker it leaves in Redis is gone; blob server addresses are announced again.
   */
  async recoverClaims(): Promise<void> {
    this.advertised.clear();
    const c = this.cfg.client;
    const ev = c.marketIface.getEvent('JobClaimed')!;
    const topics = c.marketIface.encodeFilterTopics(ev, [null, this.address]);
    const logs = await c.provider.getLogs({ address: c.addresses.jobMarket, topics, fromBlock: this.cfg.fromBlock ?? 0, toBlock: 'latest' });
    const key = redisKeys.solverJobs(this.ks, this.address);
    for (const log of logs) {
      const jobId = BigInt(c.marketIface.parseLog({ topics: [...log.topics], data: log.data })!.args.jobId);
      if (await this.cfg.redis.hexists(key, String(jobId))) continue;
      const job = await getJob(c, jobId);
      if (job.solver.toLowerCase() !== this.address.toLowerCase() || !['Claimed', 'Committed', 'Challenged'].includes(job.status)) continue;
      const latestClaim = logs.filter((l) => l.topics[1] === log.topics[1]).at(-1)!;
      await this.cfg.redis.hset(key, String(jobId), runIdOf(jobId, latestClaim.blockNumber));
      if (job.status !== 'Claimed') await this.republishResult(job);
      this.cfg.log('recovered-claim', { jobId, status: job.status });
    }
    await this.cfg.redis.set(redisKeys.solverRecovered(this.ks, this.address), '1');
  }

  /** One round: new jobs (and ones that failed transiently), then every job this solver is responsible for. */
  async tick(): Promise<void> {
    const batch = await this.watcher.next();
    const candidates = new Set([...this.retry.keys(), ...batch.events.map((ev) => BigInt(ev.args.jobId as bigint))]);
    for (const jobId of candidates) await this.considerWithRetry(jobId);
    await this.watcher.commit(batch);
    const mine = await this.cfg.redis.hgetall(redisKeys.solverJobs(this.ks, this.address));
    for (const [jobId, runId] of Object.entries(mine))
      await this.guard(BigInt(jobId), async () => {
        await this.advertiseBlobs(BigInt(jobId));
        await this.advance(BigInt(jobId), runId);
      });
  }

  private readonly advertised = new Set<bigint>();

  /**
   * Tell verifiers where this solver serves the job's checkpoints. Done once per process for
   * every job it owns: a restarted solver serves on a new port, and a stale address would make
   * verifiers treat its checkpoints as withheld.
   */
  private async advertiseBlobs(jobId: bigint): Promise<void> {
    if (this.advertised.has(jobId) || this.cfg.tamper?.publish === 'none') return;
    await this.cfg.redis.set(redisKeys.jobBlobServer(this.ks, jobId), this.cfg.blobUrl);
    // On chain: verifiers share nothing else with this solver (not even a Redis).
    if (this.cfg.client.announcer) {
      const tx = await announceData(this.cfg.client, jobId, this.publicUrl);
      this.cfg.log('announced', { jobId, uri: this.publicUrl, tx: tx.hash });
    }
    this.advertised.add(jobId);
  }

  private get publicUrl(): string {
    return this.cfg.publicUrl ?? this.cfg.blobUrl;
  }

  /** The result manifest as published (publish=wrong: the false one; none: nothing), on chain before the commitment. */
  private async announceResult(jobId: bigint): Promise<void> {
    const hash = await this.cfg.redis.get(redisKeys.resultManifest(this.ks, jobId));
    if (!hash || !this.cfg.client.announcer) return;
    const tx = await announceData(this.cfg.client, jobId, this.publicUrl, hash);
    this.cfg.log('announced', { jobId, uri: this.publicUrl, manifest: hash, tx: tx.hash });
  }

  private async guard(jobId: bigint, f: () => Promise<void>): Promise<void> {
    // One job's trouble (an RPC hiccup, a revert) must not stop the others.
    try {
      await f();
    } catch (e) {
      if (!this.outages.absorb(e)) this.cfg.log('job-error', { jobId, error: (e as Error).message });
    }
  }

  /**
   * A job this solver cannot run (bad spec, unknown op...) is skipped for good; a transient
   * failure (RPC, blob server down) is retried on the next ticks, a few times. Either way the
   * operator reads one line per job: the retries are quiet, the skip says why and after how many.
   */
  private async considerWithRetry(jobId: bigint): Promise<void> {
    try {
      await this.consider(jobId);
      this.retry.delete(jobId);
    } catch (e) {
      if (e instanceof AtCapacity) return void this.retry.set(jobId, this.retry.get(jobId) ?? 0);
      // an unreachable node or Redis says nothing about the job: try again, without counting it
      if (this.outages.absorb(e)) return void this.retry.set(jobId, this.retry.get(jobId) ?? 0);
      const attempts = (this.retry.get(jobId) ?? 0) + 1;
      const reverted = e instanceof ChainError && e.errorName !== undefined; // a decoded revert will not change on retry
      if (!(e instanceof UserError || reverted || attempts >= MAX_CONSIDER_ATTEMPTS)) return void this.retry.set(jobId, attempts);
      this.retry.delete(jobId);
      this.cfg.log('job-skipped', { jobId, attempts, error: (e as Error).message });
    }
  }

  /** Claim an open job if this solver can run it exactly as posted. */
  private async consider(jobId: bigint): Promise<void> {
    // At capacity: look again next tick (not counted as a failed attempt), so an open job is
    // claimed as soon as a training slot frees up, or left to other solvers meanwhile.
    if (this.cfg.maxJobs !== undefined && this.inTraining.size >= this.cfg.maxJobs) throw new AtCapacity();
    const job = await getJob(this.cfg.client, jobId);
    if (job.status !== 'Open' || (await this.chainTime()) > job.claimDeadline) return;
    if (await this.cfg.redis.hexists(redisKeys.solverJobs(this.ks, this.address), String(jobId))) return;
    if (await this.cfg.redis.sismember(redisKeys.solverLost(this.ks, this.address), String(jobId))) return;
    const posting = await getJobPosting(this.cfg.client, jobId);
    const { job: loaded } = await loadJobCached(posting.specURI, job.params.specHash, this.cfg.cache);
    checkJobResources(loaded); // a job this machine cannot run is never claimed (UserError: skipped for good)
    const engine = new Engine(loaded.setup, this.cfg.backend);
    checkAgainstChain(engine, loaded, { programRoot: job.params.programRoot, numSteps: Number(job.params.numSteps), hashInterval: job.params.hashInterval, seed: String(job.params.seed) });
    if (this.cfg.tamper)
      checkTamperFits(this.cfg.tamper, { numSteps: loaded.steps, stepProgramLength: engine.stepProgram.nodes.length, outputSize: (op) => numel(engine.stepProgram.nodes[op].shape) });
    const sealed = (await this.sealed.rate()) > 0n;
    const tx = sealed ? await this.sealed.claim(job, job.terms.requiredStake) : await claimJob(this.cfg.client, jobId, job.terms.requiredStake);
    this.inTraining.add(jobId);
    const runId = runIdOf(jobId, tx.blockNumber);
    await this.cfg.redis.hset(redisKeys.solverJobs(this.ks, this.address), String(jobId), runId);
    await this.advertiseBlobs(jobId);
    this.cfg.log('claimed', { jobId, runId, stake: job.terms.requiredStake, steps: loaded.steps, tx: tx.hash });
    await this.enqueue(job, posting.specURI, runId);
  }

  private async enqueue(job: JobRecord, specURI: string, runId: string): Promise<void> {
    await enqueueTraining(this.cfg.queue, trainJobId(runId), {
      chainId: this.cfg.chainId,
      jobMarket: this.cfg.client.addresses.jobMarket,
      solver: this.address,
      jobId: String(job.jobId),
      runId,
      specURI,
      specHash: job.params.specHash,
      programRoot: job.params.programRoot,
      numSteps: Number(job.params.numSteps),
      hashInterval: job.params.hashInterval,
      seed: String(job.params.seed),
      ...(this.cfg.tamper ? { tamper: formatTamper(this.cfg.tamper) } : {}),
    });
  }

  /** Move one of this solver's jobs forward according to its on-chain status. */
  private async advance(jobId: bigint, runId: string): Promise<void> {
    const job = await getJob(this.cfg.client, jobId);
    const mineNow = job.solver.toLowerCase() === this.address.toLowerCase();
    if (job.status === 'Claimed' && mineNow) this.inTraining.add(jobId);
    else this.inTraining.delete(jobId);
    if (job.status === 'Claimed' && mineNow) return this.trainOrCommit(job, runId);
    if (job.status === 'Committed' && mineNow) return this.awaitWindow(job, runId);
    if (job.status === 'Challenged' && mineNow) return this.defend(job, runId);
    if (job.status === 'Finalized' && mineNow) await this.collect(job);
    else {
      this.cfg.log('job-lost', { jobId, status: job.status });
      await this.cfg.redis.sadd(redisKeys.solverLost(this.ks, this.address), String(jobId));
    }
    await this.cfg.redis.hdel(redisKeys.solverJobs(this.ks, this.address), String(jobId));
  }

  private async trainOrCommit(job: JobRecord, runId: string): Promise<void> {
    if ((await this.sealed.rate()) > 0n) await this.sealed.sealSoon(job); // blockhash(claim block) lives 256 blocks
    const outcome = await trainingOutcome(this.cfg.queue, trainJobId(runId));
    if (outcome.state === 'missing') {
      const posting = await getJobPosting(this.cfg.client, job.jobId);
      return this.enqueue(job, posting.specURI, runId);
    }
    if (outcome.state === 'failed' && !this.reportedFailures.has(runId)) {
      this.reportedFailures.add(runId);
      this.cfg.log('training-gave-up', { jobId: job.jobId, runId, attempts: outcome.attempts, error: outcome.reason });
      await this.reportFailure(job.jobId, outcome.attempts, outcome.reason);
    }
    if (outcome.state !== 'completed') return;
    if ((await this.chainTime()) > job.deadline) {
      // Too late to commit (anyone may now slashLate); say so once instead of reverting every tick.
      if (!this.reportedFailures.has(`late-${runId}`)) this.cfg.log('commit-deadline-missed', { jobId: job.jobId, runId, deadline: job.deadline });
      this.reportedFailures.add(`late-${runId}`);
      return;
    }
    const r = outcome.result;
    const commitment = { stepsRoot: r.stepsRoot, finalStateHash: r.finalStateHash, finalModelHash: r.finalModelHash, numSteps: BigInt(r.numSteps) };
    await this.applyPublish(job.jobId, runId); // before the commitment is seen: verifiers look only after it
    await this.applyWithhold(job.jobId); // likewise: a verifier may ask for a checkpoint the moment it sees the commitment
    const sealed = (await this.sealed.rate()) > 0n ? await this.sealed.commit(job, runId, commitment) : null; // announces the masked manifest itself
    if (!sealed) await this.announceResult(job.jobId);
    const tx = sealed ? sealed.tx : await commitResult(this.cfg.client, job.jobId, commitment);
    // the log is the operator's: it may say where the forced error is (verifiers do not read it)
    this.cfg.log('committed', { jobId: job.jobId, stepsRoot: r.stepsRoot, finalModelHash: r.finalModelHash, resumedFromStep: r.resumedFromStep, tx: tx.hash, ...(sealed ? { forced: sealed.forced, pos: sealed.pos } : {}) });
    await this.applyWithhold(job.jobId);
  }

  /** What `job status` shows for a claimed job this solver could not train (merged into its progress record). */
  private async reportFailure(jobId: bigint, attempts: number, reason: string | undefined): Promise<void> {
    const key = redisKeys.jobProgress(this.ks, jobId);
    const progress = JSON.parse((await this.cfg.redis.get(key)) ?? 'null') as Record<string, unknown> | null;
    await this.cfg.redis.set(key, JSON.stringify({ ...progress, failed: { attempts, reason: reason ?? 'unknown error', solver: this.address } }));
  }

  private async awaitWindow(job: JobRecord, runId: string): Promise<void> {
    await this.applyWithhold(job.jobId);
    if ((await this.sealed.rate()) > 0n) {
      // the find window first, then the reveal; the challenge window runs from the reveal
      if (!(await this.sealed.revealIfDue(job, runId, await this.chainTime()))) return;
      job = await getJob(this.cfg.client, job.jobId);
      if (job.status !== 'Committed') return;
    }
    if (this.cfg.finalize === false || (await this.chainTime()) <= job.deadline) return;
    const tx = await finalize(this.cfg.client, job.jobId);
    this.cfg.log('finalized', { jobId: job.jobId, tx: tx.hash });
  }

  /** Disputes seen resolved (or over an earlier commitment of the job): never looked up again. */
  private readonly resolvedDisputes = new Set<bigint>();

  /** Hand every active dispute over the job's current commitment to the defender (several may run at once). */
  private async defend(job: JobRecord, runId: string): Promise<void> {
    const manifestHash = await this.committedManifest(job.jobId, runId);
    for (const disputeId of await disputesOfJob(this.cfg.client, job.jobId)) {
      if (this.resolvedDisputes.has(disputeId)) continue;
      const d = await getDispute(this.cfg.client, disputeId);
      if (d.status !== 'Active' || d.round !== job.round) {
        this.resolvedDisputes.add(disputeId);
        continue;
      }
      await this.guard(job.jobId, () => this.defender.onDispute({
        client: this.cfg.client, job, disputeId, runId, manifestHash, blobs: this.cfg.blobs,
        engine: () => this.engineFor(job), tamper: this.cfg.tamper, log: this.cfg.log,
      }));
    }
  }

  private async collect(job: JobRecord): Promise<void> {
    if (this.cfg.withdraw === false) return;
    if ((await claimableOf(this.cfg.client, this.address)) === 0n) return;
    const { amount, tx } = await withdraw(this.cfg.client);
    this.cfg.log('withdrew', { jobId: job.jobId, amount, tx: tx.hash });
  }

  /**
   * A committed job whose result manifest pointer is gone from Redis (emptied): find the manifest
   * in the data dir by the on-chain commitment and point at it again, so verifiers get the data
   * and a dispute can be defended.
   */
  private async republishResult(job: JobRecord): Promise<void> {
    const key = redisKeys.resultManifest(this.ks, job.jobId);
    if (this.cfg.tamper?.publish || (await this.cfg.redis.exists(key))) return;
    const hash = await findCommittedManifest(this.cfg.blobs, job.params.specHash, job.commitment);
    if (!hash) return void this.cfg.log('result-manifest-missing', { jobId: job.jobId, stepsRoot: job.commitment.stepsRoot });
    await this.cfg.redis.set(key, hash);
    this.cfg.log('result-manifest-recovered', { jobId: job.jobId, manifest: hash });
  }

  /** The manifest this solver committed from: with publish=..., the run's own head (the public entry is hidden or false). */
  private async committedManifest(jobId: bigint, runId: string): Promise<string | null> {
    if (this.cfg.tamper?.publish) return this.cfg.redis.get(redisKeys.checkpointHead(this.ks, runId));
    return this.cfg.redis.get(redisKeys.resultManifest(this.ks, jobId));
  }

  /**
   * publish=none: take down the job's blob server address and result manifest; publish=wrong:
   * replace the manifest with one whose first leaf hash is off by one bit (it no longer rebuilds
   * stepsRoot). The run's own head still points at the real manifest (committedManifest).
   */
  private async applyPublish(jobId: bigint, runId: string): Promise<void> {
    const mode = this.cfg.tamper?.publish;
    if (!mode) return;
    const keys = { manifest: redisKeys.resultManifest(this.ks, jobId), blobs: redisKeys.jobBlobServer(this.ks, jobId) };
    if (mode === 'none') {
      await this.cfg.redis.del(keys.manifest, keys.blobs);
      this.cfg.log('publishing-nothing', { jobId });
      return;
    }
    const head = await this.cfg.redis.get(redisKeys.checkpointHead(this.ks, runId));
    if (!head) throw new Error(`job ${jobId}: publish=wrong, but run ${runId} has no manifest head`);
    const m = await loadManifest(this.cfg.blobs, head);
    const h = m.stateHashes[0];
    const wrong = { ...m, stateHashes: [h.slice(0, -1) + (h.endsWith('0') ? '1' : '0'), ...m.stateHashes.slice(1)] };
    const hash = await this.cfg.blobs.put(Buffer.from(JSON.stringify(wrong)));
    await this.cfg.redis.set(keys.manifest, hash);
    this.cfg.log('publishing-wrong-manifest', { jobId, manifest: hash, real: head });
  }

  /** kind=withhold: stop serving the checkpoint a verifier needs to replay the tampered step. */
  private async applyWithhold(jobId: bigint): Promise<void> {
    if (this.cfg.tamper?.kind !== 'withhold') return;
    const hash = await this.cfg.redis.get(redisKeys.resultManifest(this.ks, jobId));
    if (!hash) return;
    const m = await loadManifest(this.cfg.blobs, hash);
    const steps = withheldCheckpointSteps(this.cfg.tamper, m.checkpoints.map((c) => c.step));
    for (const c of m.checkpoints) if (steps.includes(c.step) && !this.withheld.has(c.blob)) {
      this.withheld.add(c.blob);
      this.cfg.log('withholding', { jobId, step: c.step, blob: c.blob });
    }
  }

  private readonly engines = new Map<string, Promise<Engine>>();

  private engineFor(job: JobRecord): Promise<Engine> {
    let e = this.engines.get(job.params.specHash);
    if (!e) {
      e = getJobPosting(this.cfg.client, job.jobId)
        .then((p) => loadJobCached(p.specURI, job.params.specHash, this.cfg.cache))
        .then(({ job: loaded }) => new Engine(loaded.setup, this.cfg.backend));
      e.catch(() => this.engines.delete(job.params.specHash));
      this.engines.set(job.params.specHash, e);
    }
    return e;
  }

  private async chainTime(): Promise<bigint> {
    const b = await this.cfg.client.provider.getBlock('latest');
    return BigInt(b!.timestamp);
  }
}

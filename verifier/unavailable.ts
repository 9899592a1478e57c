// What the verifier does with a commitment whose published data it cannot use: the solver serves
// no blob server or result manifest, or a manifest whose leaf hashes do not rebuild the committed
// stepsRoot. Data the challenger cannot get is the solver's loss, but only if the result is
// wrong: the verifier replays the whole job itself (own-replay.ts) and compares its own stepsRoot
// and final model root with the commitment.
//   equal        verified (an honest solver that publishes nothing keeps its reward)
//   different    challenge; the dispute finds the leaf with the steps-tree descent
//                (arbiter/steps-descent.ts) and plays the rest from the verifier's own states
//   not done     keep waiting while the window allows; with less than max(30 s, 20% of the
//                window) left, challenge anyway and finish the replay during the dispute
// Such a commitment is never skipped.
import type { Engine } from '../reproducible-ops/engine.ts';
import type { Redis } from 'ioredis';
import type { KeySpace } from '../jobs/redis-keys.ts';
import { challenge } from '../chain/actions/challenge.ts';
import { chainNow } from '../chain/actions/dispute-game.ts';
import type { ChainClient } from '../chain/client.ts';
import type { JobRecord } from '../chain/types.ts';
import { RemoteDisputeData } from '../arbiter/dispute-data.ts';
import { announcedData } from '../chain/actions/announce.ts';
import { DisputePlayer } from '../arbiter/player.ts';
import { ReplayChallengerParty } from '../arbiter/replay-challenger-party.ts';
import type { DisputeStore } from '../arbiter/store.ts';
import { mustChallengeNow, type FullReplay, type OwnReplays } from './own-replay.ts';
import { termsOf, type CommitEntry, type CommitStatus } from './state.ts';

export type Log = (event: string, fields: Record<string, unknown>) => void;

export interface NoDataContext {
  client: ChainClient;
  replays: OwnReplays;
  log: Log;
  save(): void;
  settle(key: string, entry: CommitEntry, status: CommitStatus, reason: string): void;
}

/** One look at a commitment whose data is unusable (`why`); `ours`: a dispute this verifier already opened over it. */
export async function considerWithoutData(ctx: NoDataContext, key: string, entry: CommitEntry, job: JobRecord, engine: Engine, ours: bigint | null, why: string): Promise<void> {
  const T = Number(job.params.numSteps), K = job.params.hashInterval;
  const first = entry.dataError === undefined;
  entry.dataError = why;
  const replay = await ctx.replays.of(key, engine, T, K, entry.ownLeaves);
  if (first) ctx.log('data-unavailable', { jobId: job.jobId, reason: why, action: 'replaying the whole job' });
  if (replay.error) {
    ctx.replays.drop(key); // the next look starts it over
    throw new Error(`job ${job.jobId}: own replay failed: ${replay.error}`);
  }
  const own = replay.peek();
  if (!own) {
    const left = Number(job.deadline) - (await chainNow(ctx.client));
    if (ours === null && !mustChallengeNow(left, Number(job.terms.challengeWindow))) return ctx.save();
    return challengeByReplay(ctx, key, entry, job, ours, `${why}; own replay unfinished (${replay.progress}) with ${left} s of the window left: challenging, the replay finishes during the dispute`);
  }
  if (!entry.ownLeaves) entry.ownLeaves = await ctx.replays.keep(own);
  Object.assign(entry, { replayedSteps: own.steps, replayMs: own.ms });
  ctx.log('replayed', { jobId: job.jobId, steps: own.steps, ms: own.ms, stepsRoot: own.stepsRoot, committed: job.commitment.stepsRoot });
  const c = job.commitment;
  if (own.stepsRoot !== c.stepsRoot.toLowerCase())
    return challengeByReplay(ctx, key, entry, job, ours, `${why}; own replay rebuilds stepsRoot ${own.stepsRoot}, not the committed ${c.stepsRoot}`);
  if (own.finalModelRoot !== c.finalModelHash.toLowerCase())
    return challengeByReplay(ctx, key, entry, job, ours, `${why}; own replay ends in model root ${own.finalModelRoot}, not the committed finalModelHash ${c.finalModelHash}`);
  if (ours !== null) return challengeByReplay(ctx, key, entry, job, ours, `${why}; own replay reproduces the commitment, but a challenge of this verifier is already open`);
  ctx.settle(key, entry, 'verified', `${why}; own replay of all ${own.steps} steps (${own.ms} ms) rebuilds stepsRoot and finalModelHash`);
}

async function challengeByReplay(ctx: NoDataContext, key: string, entry: CommitEntry, job: JobRecord, ours: bigint | null, reason: string): Promise<void> {
  Object.assign(entry, { mode: 'replay', reason, terms: termsOf(job) });
  ctx.save(); // the terms are kept before the challenge: a restart adopts the dispute with them
  const opened = ours === null ? await challenge(ctx.client, job.jobId, job.terms.challengerBond) : null;
  entry.disputeId = String(opened?.disputeId ?? ours);
  ctx.settle(key, entry, 'challenged', reason);
  ctx.log('challenged', { jobId: job.jobId, disputeId: entry.disputeId, mode: 'replay', bond: job.terms.challengerBond, gasUsed: opened?.tx.gasUsed, adopted: ours !== null, reason });
}

export interface ReplayPlayerOptions {
  client: ChainClient;
  redis: Redis;
  ks: KeySpace;
  store: DisputeStore;
  replays: OwnReplays;
  key: string;
  entry: CommitEntry;
  job: JobRecord; // with the challenged terms
  engine: Engine;
  dataGraceMs?: number;
  save(): void;
  log: Log;
}

/** The verifier's player for a dispute it opened from its own replay (the replay may still be running). */
export async function openReplayPlayer(o: ReplayPlayerOptions): Promise<DisputePlayer> {
  const { entry, job } = o;
  if (entry.disputeId === undefined) throw new Error(`job ${entry.jobId}: challenged by replay without a dispute id`);
  const schedule = { numSteps: Number(job.params.numSteps), hashInterval: job.params.hashInterval };
  const track = (r: FullReplay): FullReplay => {
    void r.done.then(async (own) => {
      if (entry.ownLeaves) return;
      Object.assign(entry, { ownLeaves: await o.replays.keep(own), replayedSteps: own.steps, replayMs: own.ms });
      o.save();
      const agrees = own.stepsRoot === job.commitment.stepsRoot.toLowerCase() && own.finalModelRoot === job.commitment.finalModelHash.toLowerCase();
      o.log('replayed', { jobId: job.jobId, disputeId: entry.disputeId, steps: own.steps, ms: own.ms, stepsRoot: own.stepsRoot, agrees });
    }, (e: Error) => o.log('replay-failed', { jobId: job.jobId, disputeId: entry.disputeId, error: e.message, action: 'starting over' }));
    return r;
  };
  let replay = track(await o.replays.of(o.key, o.engine, schedule.numSteps, schedule.hashInterval, entry.ownLeaves));
  const ownLeaves = (): Buffer[] | null => {
    if (replay.error) replay = track(o.replays.restart(o.key, o.engine, schedule.numSteps, schedule.hashInterval));
    return replay.peek()?.hashes ?? null;
  };
  const party = new ReplayChallengerParty({ engine: o.engine, schedule, ownLeaves, source: new RemoteDisputeData(async () => (await announcedData(o.client, job.jobId, job.solver))?.uri ?? null) });
  return new DisputePlayer({
    client: o.client, disputeId: BigInt(entry.disputeId), jobId: job.jobId, party,
    job: { params: job.params, commitment: job.commitment }, store: o.store, log: o.log, dataGraceMs: o.dataGraceMs,
    extra: { mode: 'replay', reason: entry.reason },
  });
}

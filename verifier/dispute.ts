// The verifier's side of a dispute it opened: an arbiter challenger party built from the
// solver's checked leaf hashes, the leaf the verifier disputes, the committed state of the leaf
// before it (kept locally when the verifier challenged) and the solver's published dispute data;
// a griefing verifier plays the same party with a false view of the first training step.
import type { Redis } from 'ioredis';
import type { Engine } from '../reproducible-ops/engine.ts';
import type { KeySpace } from '../jobs/redis-keys.ts';
import type { ChainClient } from '../chain/client.ts';
import type { JobRecord } from '../chain/types.ts';
import { ChallengerParty } from '../arbiter/challenger-party.ts';
import { RemoteDisputeData } from '../arbiter/dispute-data.ts';
import { announcedData } from '../chain/actions/announce.ts';
import { DisputePlayer, type Log } from '../arbiter/player.ts';
import type { DisputeStore } from '../arbiter/store.ts';
import { griefTransform, griefTransition } from './examine.ts';
import type { CommitEntry } from './state.ts';

export interface ChallengerPlayerOptions {
  client: ChainClient;
  redis: Redis;
  ks: KeySpace;
  store: DisputeStore;
  entry: CommitEntry;
  job: JobRecord;
  engine: Engine;
  /** The solver's checked leaf hashes (fetched when first needed). */
  hashes: () => Promise<Buffer[]>;
  /** Tensors of the committed leaf m - 1 for the disputed leaf m (null for m = 0 or when never needed). */
  preState: () => Promise<Float32Array[] | null>;
  dataGraceMs?: number;
  log: Log;
}

export function openChallengerPlayer(o: ChallengerPlayerOptions): DisputePlayer {
  const { entry, job } = o;
  if (entry.disputeId === undefined || entry.disputed === undefined) throw new Error(`job ${entry.jobId}: challenged without a dispute id / leaf`);
  const disputed = entry.disputed;
  const party = new ChallengerParty({
    engine: o.engine,
    hashes: o.hashes,
    schedule: { numSteps: Number(job.params.numSteps), hashInterval: job.params.hashInterval },
    disputed,
    preState: o.preState,
    transform: entry.grief ? griefTransform(o.engine) : undefined,
    transformAt: entry.grief ? griefTransition(Number(job.params.numSteps)) : undefined,
    source: new RemoteDisputeData(async () => (await announcedData(o.client, job.jobId, job.solver))?.uri ?? null),
  });
  return new DisputePlayer({
    client: o.client, disputeId: BigInt(entry.disputeId), jobId: job.jobId, party,
    job: { params: job.params, commitment: job.commitment }, store: o.store, log: o.log, dataGraceMs: o.dataGraceMs,
    extra: { disputed, reason: entry.reason, grief: !!entry.grief },
  });
}

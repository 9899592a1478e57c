// The solver's published result, fetched and checked before anything is trusted: the run
// manifest (found through the job's entries in Redis: blob server URL and manifest hash), whose
// per-step state hashes must rebuild the committed stepsRoot and end in the committed final state
// hash, and checkpoint blobs, each checked by content hash and by recomputing its state hash
// against the committed H[step]. Anything missing, refused or wrong is reported as unavailable.
import type { Redis } from 'ioredis';
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { fetchBlob } from '../jobs/blobstore.ts';
import { redisKeys, type KeySpace } from '../jobs/redis-keys.ts';
import { decodeState, RUN_MANIFEST_FORMAT, type CheckpointRef, type RunManifest } from '../solver/run-store.ts';
import type { Commitment } from '../arbiter/chain/types.ts';

export interface PublishedResult {
  blobUrl: string;
  manifest: RunManifest;
  hashes: Buffer[]; // H[0..T], checked against stepsRoot
}

export class DataUnavailable extends Error {}

/** The solver's manifest for `jobId`, checked against the on-chain commitment. */
export async function fetchPublishedResult(redis: Redis, ks: KeySpace, jobId: bigint, c: Commitment): Promise<PublishedResult> {
  const blobUrl = await redis.get(redisKeys.jobBlobServer(ks, jobId));
  const manifestHash = await redis.get(redisKeys.resultManifest(ks, jobId));
  if (!blobUrl || !manifestHash) throw new DataUnavailable(`job ${jobId}: the solver published no ${!blobUrl ? 'blob server' : 'result manifest'}`);
  let manifest: RunManifest;
  try {
    manifest = JSON.parse((await fetchBlob(blobUrl, manifestHash)).toString('utf8')) as RunManifest;
  } catch (e) {
    throw new DataUnavailable(`job ${jobId}: result manifest ${manifestHash}: ${(e as Error).message}`);
  }
  return { blobUrl, manifest, hashes: checkManifest(jobId, manifest, c) };
}

/** The manifest's state hashes, if they are exactly the ones the commitment is built from. */
export function checkManifest(jobId: bigint, m: RunManifest, c: Commitment): Buffer[] {
  const T = Number(c.numSteps);
  const bad = (why: string) => new DataUnavailable(`job ${jobId}: result manifest ${why}`);
  if (m.format !== RUN_MANIFEST_FORMAT) throw bad(`has format ${JSON.stringify(m.format)}, expected "${RUN_MANIFEST_FORMAT}"`);
  if (!Array.isArray(m.stateHashes) || m.stateHashes.length !== T + 1) throw bad(`lists ${m.stateHashes?.length} state hashes, the commitment has ${T + 1}`);
  const hashes = m.stateHashes.map((h) => Buffer.from(String(h).replace(/^0x/, ''), 'hex'));
  if (hashes.some((h) => h.length !== 32)) throw bad('has a state hash that is not 32 bytes');
  const root = hex0x(merkleRoot(hashes));
  if (root !== c.stepsRoot.toLowerCase()) throw bad(`state hashes rebuild stepsRoot ${root}, the chain has ${c.stepsRoot}`);
  if (hex0x(hashes[T]) !== c.finalStateHash.toLowerCase()) throw bad(`ends in H[${T}] ${hex0x(hashes[T])}, the chain's finalStateHash is ${c.finalStateHash}`);
  return hashes;
}

/** A checkpoint's state, verified byte for byte and against the committed H[step]; null if withheld or wrong. */
export async function fetchCheckpoint(r: PublishedResult, ref: CheckpointRef, engine: Engine): Promise<{ state: TrainState } | { error: string }> {
  if (!(Number.isInteger(ref.step) && ref.step >= 0 && ref.step < r.hashes.length)) return { error: `checkpoint step ${ref.step} is outside 0..${r.hashes.length - 1}` };
  try {
    const state = decodeState(await fetchBlob(r.blobUrl, ref.blob), engine, ref.step, `checkpoint ${ref.blob}`);
    const got = engine.stateHash(state);
    if (!got.equals(r.hashes[ref.step])) return { error: `checkpoint of step ${ref.step} hashes to ${hex0x(got)}, the committed H[${ref.step}] is ${hex0x(r.hashes[ref.step])}` };
    return { state };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

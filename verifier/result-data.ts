// The solver's published result, fetched and checked before anything is trusted: the run
// manifest (found through the solver's announcement on chain, DataAnnouncer: blob server URL and
// manifest hash; verifier and solver share nothing else), whose
// M + 1 leaf state hashes (H[min(mK, T)], K = the job's hashInterval) must rebuild the committed
// stepsRoot and end in the committed final state hash, and checkpoint blobs, each checked by
// content hash and by recomputing its state hash: against the committed leaf at a leaf step,
// else against the hash the manifest claims for it (a checkpoint inside an interval is committed
// only through the leaf that ends the interval: the replayer checks that). Anything missing,
// refused or wrong is reported as unavailable.
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { isLeafStep, lastLeaf, leafOfStep } from '../reproducible-ops/hash-schedule.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { fetchBlob } from '../jobs/blobstore.ts';
import { decodeState, encodedStateBytes, RUN_MANIFEST_FORMAT, type CheckpointRef, type RunManifest } from '../commitments/run-store.ts';
import type { Commitment, JobRecord } from '../chain/types.ts';
import type { ChainClient } from '../chain/client.ts';
import { announcedData } from '../chain/actions/announce.ts';
import type { Schedule } from '../arbiter/interval.ts';

export interface PublishedResult {
  blobUrl: string;
  manifest: RunManifest;
  hashes: Buffer[]; // the M + 1 committed leaf hashes (H[0..T] when K = 1), checked against stepsRoot
  schedule: Schedule;
}

export class DataUnavailable extends Error {}

/** The solver's manifest for `jobId`, checked against the on-chain commitment. */
export async function fetchPublishedResult(client: ChainClient, job: Pick<JobRecord, 'jobId' | 'solver' | 'commitment' | 'params'>, fromBlock = 0): Promise<PublishedResult> {
  const { jobId, commitment: c } = job;
  const hashInterval = job.params.hashInterval;
  // Only the job's solver's own announcement counts; its content is checked below.
  const a = await announcedData(client, jobId, job.solver, fromBlock);
  const blobUrl = a?.uri ?? null;
  const manifestHash = a?.manifestHash ?? null;
  if (!blobUrl || !manifestHash) throw new DataUnavailable(`job ${jobId}: the solver published no ${!blobUrl ? 'blob server' : 'result manifest'}`);
  let manifest: RunManifest;
  try {
    manifest = JSON.parse((await fetchBlob(blobUrl, manifestHash)).toString('utf8')) as RunManifest;
  } catch (e) {
    throw new DataUnavailable(`job ${jobId}: result manifest ${manifestHash}: ${(e as Error).message}`);
  }
  return { blobUrl, manifest, hashes: checkManifest(jobId, manifest, c, hashInterval), schedule: { numSteps: Number(c.numSteps), hashInterval } };
}

/** The manifest's leaf hashes, if they are exactly the ones the commitment is built from (K = the job's on-chain hashInterval). */
export function checkManifest(jobId: bigint, m: RunManifest, c: Commitment, hashInterval: number): Buffer[] {
  const T = Number(c.numSteps);
  const bad = (why: string) => new DataUnavailable(`job ${jobId}: result manifest ${why}`);
  if (m.format !== RUN_MANIFEST_FORMAT) throw bad(`has format ${JSON.stringify(m.format)}, expected "${RUN_MANIFEST_FORMAT}"`);
  const K = m.hashInterval ?? 1;
  if (K !== hashInterval) throw bad(`has hashInterval ${K}, the job was posted with hashInterval ${hashInterval}`);
  const M = lastLeaf(T, K);
  if (!Array.isArray(m.stateHashes) || m.stateHashes.length !== M + 1) throw bad(`lists ${m.stateHashes?.length} state hashes, the commitment has ${M + 1} leaves (T = ${T}, hashInterval ${K})`);
  const hashes = m.stateHashes.map((h) => Buffer.from(String(h).replace(/^0x/, ''), 'hex'));
  if (hashes.some((h) => h.length !== 32)) throw bad('has a state hash that is not 32 bytes');
  const root = hex0x(merkleRoot(hashes));
  if (root !== c.stepsRoot.toLowerCase()) throw bad(`state hashes rebuild stepsRoot ${root}, the chain has ${c.stepsRoot}`);
  if (hex0x(hashes[M]) !== c.finalStateHash.toLowerCase()) throw bad(`ends in H[${T}] ${hex0x(hashes[M])}, the chain's finalStateHash is ${c.finalStateHash}`);
  return hashes;
}

/**
 * A checkpoint's state, verified byte for byte and against H[step]: the committed leaf at a leaf
 * step, else the hash the manifest lists for it (not committed: see Replayer); error if withheld or wrong.
 */
export async function fetchCheckpoint(r: PublishedResult, ref: CheckpointRef, engine: Engine): Promise<{ state: TrainState } | { error: string }> {
  const { numSteps: T, hashInterval: K } = r.schedule;
  if (!(Number.isInteger(ref.step) && ref.step >= 0 && ref.step <= T)) return { error: `checkpoint step ${ref.step} is outside 0..${T}` };
  const leaf = isLeafStep(ref.step, T, K);
  const want = leaf ? hex0x(r.hashes[leafOfStep(ref.step, T, K)]) : String(ref.stateHash).toLowerCase();
  try {
    const state = decodeState(await fetchBlob(r.blobUrl, ref.blob, { expectedSize: encodedStateBytes(engine) }), engine, ref.step, `checkpoint ${ref.blob}`);
    const got = hex0x(engine.stateHash(state));
    if (got !== want) return { error: `checkpoint of step ${ref.step} hashes to ${got}, the ${leaf ? 'committed' : "manifest's"} H[${ref.step}] is ${want}` };
    return { state };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

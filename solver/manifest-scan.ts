// Finding a committed run's manifest in the solver's own blob store, for when the pointer to it
// (kept in Redis) is gone: Redis restarted empty or was flushed. Without it the solver could
// neither serve its data to verifiers nor defend a dispute over its commitment. The blob store
// is content-addressed, so a manifest found here is exactly the bytes that were written; it is
// taken only if its leaf hashes rebuild the on-chain stepsRoot and its result is the commitment.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Commitment } from '../chain/types.ts';
import type { BlobStore } from '../jobs/blobstore.ts';
import { loadManifest } from '../commitments/run-store.ts';
import { stepsRootOf } from '../commitments/train-run.ts';

const HEX64 = /^[0-9a-f]{64}$/;

/** Hash of the manifest in `blobs` whose run is `specHash`'s and whose result is `c`; null if there is none. */
export async function findCommittedManifest(blobs: BlobStore, specHash: string, c: Commitment): Promise<string | null> {
  const want = (h: string) => h.toLowerCase();
  for (const name of await readdir(blobs.dir)) {
    if (!HEX64.test(name) || !(await looksLikeManifest(join(blobs.dir, name)))) continue;
    const m = await loadManifest(blobs, name).catch(() => null); // checkpoints and other blobs are not manifests
    if (!m?.result || want(m.jobHash) !== want(specHash) || BigInt(m.numSteps) !== c.numSteps) continue;
    const r = m.result;
    if (want(r.stepsRoot) !== want(c.stepsRoot) || want(r.finalStateHash) !== want(c.finalStateHash) || want(r.finalModelHash) !== want(c.finalModelHash)) continue;
    if (m.stateHashes.length > 0 && want(stepsRootOf(m.stateHashes)) === want(c.stepsRoot)) return name;
  }
  return null;
}

/** Canonical JSON starts with `{"`: read only the first bytes of every blob (checkpoints are float32 data). */
async function looksLikeManifest(path: string): Promise<boolean> {
  const f = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await f.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf.toString('latin1') === '{"';
  } finally {
    await f.close();
  }
}

// Where the explorer reads what is not on chain: the job spec (at its specURI, checked against
// the on-chain specHash) and the solver's result manifest (hash and blob server from the solver's
// DataAnnouncer announcement on chain, newest wins; bytes on that server or the devnet's shared
// one). Redis is optional: only the verifiers' self-reported replays are read there. Everything fetched is verified by hash and
// cached by hash (immutable); a source that is down is recorded in Health and retried on the
// next request.
import type { Redis } from 'ioredis';
import { BlobRejected, fetchBlob } from '../jobs/blobstore.ts';
import { UserError } from '../jobs/errors.ts';
import { redisKeys, type KeySpace } from '../jobs/redis-keys.ts';
import type { ChainClient } from '../chain/client.ts';
import { announcedData } from '../chain/actions/announce.ts';
import type { ResolvedSpec } from '../jobs/job.ts';
import { fetchSpec, blobBaseOf } from '../commitments/job-source.ts';
import { RUN_MANIFEST_FORMAT, type RunManifest } from '../commitments/run-store.ts';
import { blobServer, type Health } from './health.ts';

const READ_TIMEOUT_MS = 3_000;
const MAX_MANIFEST_BYTES = 64 << 20;

/** A result manifest may also carry validation losses as [step, loss] pairs (every evalInterval steps). */
export type PublishedManifest = RunManifest & { valLosses?: [number, number | null][] };

export interface VerifierReplay {
  verifier: string;
  leaves: number[];
  replayedSteps: number;
  challenge: boolean;
  stepsRoot: string;
}

export interface ManifestRead {
  manifest: PublishedManifest;
  hash: string;
  server: string;
}

export class Sources {
  private readonly specs = new Map<string, ResolvedSpec>();
  private readonly manifests = new Map<string, PublishedManifest>();

  constructor(private readonly client: ChainClient, private readonly fromBlock: number, private readonly redis: Redis | null, private readonly ks: KeySpace, private readonly health: Health, private readonly sharedBlobUrl?: string) {}

  /** Whether the verifiers' self-reported replays can be read at all (they live in Redis only). */
  get hasRedis(): boolean {
    return this.redis !== null;
  }

  /** The verified job spec, or the reason it cannot be read now. */
  async spec(specURI: string, specHash: string): Promise<{ spec: ResolvedSpec | null; error: string | null }> {
    const hit = this.specs.get(specHash);
    if (hit) return { spec: hit, error: null };
    const server = /^https?:\/\//.test(specURI) ? blobServer(specURI) : null;
    try {
      const { resolved } = await fetchSpec(specURI, specHash);
      this.specs.set(specHash, resolved);
      if (server) this.health.ok(server);
      return { spec: resolved, error: null };
    } catch (e) {
      if (server && unreachable(e)) this.health.failed(server, e);
      return { spec: null, error: (e as Error).message };
    }
  }

  /** The job's published result manifest, as its solver announced it on chain (null: nothing published yet). */
  async manifest(jobId: string, solver: string | null, specURI: string): Promise<{ read: ManifestRead | null; error: string | null }> {
    if (!solver) return { read: null, error: null };
    let hash: string | null, server: string | null;
    try {
      // only the job's solver's announcements count; the newest wins (announcedData)
      const a = await announcedData(this.client, BigInt(jobId), solver, this.fromBlock);
      [hash, server] = [a?.manifestHash ?? null, a?.uri ?? null];
      this.health.ok('chain');
    } catch (e) {
      this.health.failed('chain', e);
      return { read: null, error: `chain (DataAnnouncer): ${(e as Error).message}` };
    }
    if (!hash) return { read: null, error: null };
    const cached = this.manifests.get(hash);
    if (cached) return { read: { manifest: cached, hash, server: server ?? '' }, error: null };
    // The solver's own server first; the shared one keeps results after a solver left (demo --keep).
    const servers = [...new Set([server, this.sharedBlobUrl, blobBaseOf(specURI)].filter((s): s is string => !!s))];
    const errors: string[] = [];
    const down: [string, unknown][] = [];
    for (const base of servers) {
      try {
        const bytes = await fetchBlob(base, hash, { timeoutMs: READ_TIMEOUT_MS, maxBytes: MAX_MANIFEST_BYTES });
        const m = JSON.parse(bytes.toString('utf8')) as PublishedManifest;
        if (m.format !== RUN_MANIFEST_FORMAT) return { read: null, error: `result manifest ${hash}: format ${JSON.stringify(m.format)}, expected ${RUN_MANIFEST_FORMAT}` };
        this.manifests.set(hash, m);
        // Delivered: a solver's server that is gone no longer hides anything (demo --keep's solvers left).
        for (const b of servers) this.health.ok(blobServer(b));
        return { read: { manifest: m, hash, server: base }, error: null };
      } catch (e) {
        errors.push(`${base}: ${(e as Error).message}`);
        if (unreachable(e)) down.push([base, e]);
        else this.health.ok(blobServer(base)); // it answered (without the manifest): up
      }
    }
    for (const [base, e] of down) this.health.failed(blobServer(base), e);
    return { read: null, error: `result manifest ${hash} unreachable: ${errors.join('; ')}` };
  }

  /** What verifiers say they replayed for the job: address -> {leaves, replayedSteps, challenge, stepsRoot} (self-reported). */
  async replays(jobId: string): Promise<VerifierReplay[]> {
    if (!this.redis) return [];
    try {
      const all = await this.redis.hgetall(redisKeys.verifierReplays(this.ks, jobId));
      this.health.ok('redis');
      return Object.entries(all).flatMap(([verifier, json]) => {
        try {
          const r = JSON.parse(json) as Omit<VerifierReplay, 'verifier'>;
          return Array.isArray(r.leaves) ? [{ verifier, leaves: r.leaves.filter((x) => Number.isInteger(x)), replayedSteps: Number(r.replayedSteps) || 0, challenge: !!r.challenge, stepsRoot: String(r.stepsRoot ?? '') }] : [];
        } catch {
          return []; // not ours to trust or show
        }
      });
    } catch (e) {
      this.health.failed('redis', e);
      return [];
    }
  }

  /** A blob the manifest names (the final checkpoint), from the server that served the manifest. */
  async blob(server: string, hash: string, expectedSize?: number): Promise<Buffer> {
    return fetchBlob(server, hash, { timeoutMs: 30_000, ...(expectedSize ? { expectedSize } : { maxBytes: 1 << 30 }) });
  }
}

/** A server that did not answer (refused, reset, timed out), as opposed to one that answered no. */
export function unreachable(e: unknown): boolean {
  if (e instanceof UserError || e instanceof BlobRejected) return false;
  return !/: HTTP \d{3}\b/.test((e as Error)?.message ?? '');
}

// Data availability during a dispute. Three challenger moves need values that only the solver
// holds, because the game names them directly instead of bisecting on chain:
//   disputeLink  which post-state leaf differs  -> the solver's post-state slot roots
//   pickElement  which output element differs   -> the solver's output tensor of the node
//   pickAcc      which accumulation step is off -> the solver's accumulator sequence
// The defender publishes each of them as soon as it has committed to the matching root on chain
// (postTrace, revealRecord, postFold): the bytes go to its blob store (served by its blob server)
// and their hashes into one Redis hash per dispute. The challenger fetches them and checks every
// value against the root on chain before using it; data that is missing or does not match is
// treated as withheld: the challenger then forces it on chain with the data sub-game
// (data-game.ts), which costs moves and gas but no trust.
import type { Redis } from 'ioredis';
import { dataRoot } from '../reproducible-ops/merkle.ts';
import { fetchBlob } from '../jobs/blobstore.ts';
import { redisKeys, type KeySpace } from '../jobs/redis-keys.ts';
import type { BlobIO } from '../commitments/run-store.ts';
import type { TransitionRun } from './transition.ts';
import { hex } from './proofs.ts';

/** Redis hash of one dispute's published data (namespaced like jobs/redis-keys.ts). */
export function disputeDataKey(ks: KeySpace, disputeId: bigint): string {
  return `optrain:${ks.chainId}:${ks.jobMarket.toLowerCase()}:dispute:${disputeId}:data`;
}

export interface PostSlots {
  modelSlots: Buffer[];
  optSlots: Buffer[];
}

/** What the solver publishes (solver side). */
export interface DisputeDataSink {
  publishPost(disputeId: bigint, run: TransitionRun): Promise<void>;
  publishNode(disputeId: bigint, node: number, data: Float32Array): Promise<void>;
  publishFold(disputeId: bigint, node: number, element: number, seq: Float32Array): Promise<void>;
}

/** What the challenger reads (unverified: the strategy checks it against the chain). */
export interface DisputeDataSource {
  postSlots(disputeId: bigint): Promise<PostSlots | null>;
  nodeOutput(disputeId: bigint, node: number): Promise<Float32Array | null>;
  foldSequence(disputeId: bigint, node: number, element: number): Promise<Float32Array | null>;
}

const bytesOf = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

function floatsOf(b: Buffer): Float32Array {
  if (b.length % 4) throw new Error(`dispute data blob of ${b.length} bytes is not a float32 array`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export class RedisDisputeData implements DisputeDataSink, DisputeDataSource {
  /**
   * `blobs`: where a publishing solver stores the bytes. `jobId`: a reading challenger finds the
   * solver's blob server through the job's entry (redisKeys.jobBlobServer).
   */
  /**
   * `blobUrl`: where this solver serves `blobs` now (published with the data: a restarted solver's
   * blob server may listen on another port than the one recorded when it claimed the job).
   */
  constructor(private readonly redis: Redis, private readonly ks: KeySpace, private readonly blobs?: BlobIO, private readonly jobId?: bigint, private readonly blobUrl?: string) {}

  async publishPost(disputeId: bigint, run: TransitionRun): Promise<void> {
    const slots = { modelSlots: run.modelSlots.map(hex), optSlots: run.optSlots.map(hex) };
    await this.redis.hset(disputeDataKey(this.ks, disputeId), 'post', JSON.stringify(slots));
  }

  async publishNode(disputeId: bigint, node: number, data: Float32Array): Promise<void> {
    await this.putBlob(disputeId, `node:${node}`, bytesOf(data));
  }

  async publishFold(disputeId: bigint, node: number, element: number, seq: Float32Array): Promise<void> {
    await this.putBlob(disputeId, `fold:${node}:${element}`, bytesOf(seq));
  }

  private async putBlob(disputeId: bigint, field: string, bytes: Buffer): Promise<void> {
    if (!this.blobs) throw new Error('RedisDisputeData: publishing needs the solver blob store');
    const hash = await this.blobs.put(bytes);
    await this.redis.hset(disputeDataKey(this.ks, disputeId), field, hash, ...(this.blobUrl ? ['url', this.blobUrl] : []));
  }

  async postSlots(disputeId: bigint): Promise<PostSlots | null> {
    const raw = await this.redis.hget(disputeDataKey(this.ks, disputeId), 'post');
    if (!raw) return null;
    const j = JSON.parse(raw) as { modelSlots: string[]; optSlots: string[] };
    const buf = (h: string) => Buffer.from(h.slice(2), 'hex');
    return { modelSlots: j.modelSlots.map(buf), optSlots: j.optSlots.map(buf) };
  }

  async nodeOutput(disputeId: bigint, node: number): Promise<Float32Array | null> {
    return this.getFloats(disputeId, `node:${node}`);
  }

  async foldSequence(disputeId: bigint, node: number, element: number): Promise<Float32Array | null> {
    return this.getFloats(disputeId, `fold:${node}:${element}`);
  }

  /** Missing entry, unreachable or withholding server, bad bytes: all mean "not available". */
  private async getFloats(disputeId: bigint, field: string): Promise<Float32Array | null> {
    const [hash, published] = await this.redis.hmget(disputeDataKey(this.ks, disputeId), field, 'url');
    if (!hash) return null;
    const url = published ?? (this.jobId === undefined ? null : await this.redis.get(redisKeys.jobBlobServer(this.ks, this.jobId)));
    if (!url) return null;
    try {
      return floatsOf(await fetchBlob(url, hash));
    } catch {
      return null;
    }
  }
}

/** A solver's published data of one dispute, as its blob server serves it at /dispute/<id>. */
export async function disputeIndex(redis: Redis, ks: KeySpace, disputeId: bigint): Promise<Record<string, string> | null> {
  const h = await redis.hgetall(disputeDataKey(ks, disputeId));
  return Object.keys(h).length ? h : null;
}

/**
 * The challenger's side when it shares nothing with the solver but the chain: `locate` gives the
 * solver's blob server as announced on chain (DataAnnouncer); the dispute's index comes from
 * its /dispute/<id>, the values from its blobs. Every value is checked by the caller against
 * roots on chain, so a lying index costs the solver, not the challenger.
 */
export class RemoteDisputeData implements DisputeDataSource {
  constructor(private readonly locate: () => Promise<string | null>) {}

  private async index(disputeId: bigint): Promise<{ url: string; fields: Record<string, string> } | null> {
    try {
      const url = await this.locate();
      if (!url) return null;
      const r = await fetch(`${url}/dispute/${disputeId}`, { signal: AbortSignal.timeout(30_000) });
      if (!r.ok) return null;
      const fields = (await r.json()) as Record<string, string>;
      // blobs come from the announced address: an index's own 'url' may be the solver's private one
      return fields && typeof fields === 'object' ? { url, fields } : null;
    } catch {
      return null; // unreachable, withholding or garbage: "not available" (the data game forces it)
    }
  }

  async postSlots(disputeId: bigint): Promise<PostSlots | null> {
    const raw = (await this.index(disputeId))?.fields.post;
    if (typeof raw !== 'string') return null;
    try {
      const j = JSON.parse(raw) as { modelSlots: string[]; optSlots: string[] };
      const buf = (h: string) => Buffer.from(String(h).slice(2), 'hex');
      return { modelSlots: j.modelSlots.map(buf), optSlots: j.optSlots.map(buf) };
    } catch {
      return null;
    }
  }

  async nodeOutput(disputeId: bigint, node: number): Promise<Float32Array | null> {
    return this.getFloats(disputeId, `node:${node}`);
  }

  async foldSequence(disputeId: bigint, node: number, element: number): Promise<Float32Array | null> {
    return this.getFloats(disputeId, `fold:${node}:${element}`);
  }

  private async getFloats(disputeId: bigint, field: string): Promise<Float32Array | null> {
    const idx = await this.index(disputeId);
    const hash = idx?.fields[field];
    if (!idx || typeof hash !== 'string') return null;
    try {
      return floatsOf(await fetchBlob(idx.url, hash));
    } catch {
      return null;
    }
  }
}

/** Checks of published data against what the solver committed to on chain. */
export function matchesDataRoot(data: Float32Array | null, expectedRoot: string): data is Float32Array {
  return data !== null && hex(dataRoot(data)) === expectedRoot.toLowerCase();
}


// The solver's side of forced errors (docs/PROTOCOL.md §12), used when the market's
// FORCED_ERROR_RATE is not 0. The secret of a claim is the hash of the solver's own signature over
// (chain, market, job, round), so a restarted solver re-derives it and nobody else can. At commit
// the randomness R = keccak(secret ‖ blockhash(claim block)) decides whether leaf `pos` is masked;
// the masked leaf list is what the solver publishes (result manifest) and commits (stepsRoot), with
// keccak(trueRoot ‖ secret) beside it. The published manifest never lists the checkpoint at leaf
// `slot` (= pos when forced, the same formula's leaf otherwise), so its absence says nothing and its
// hash cannot give X away to a verifier that did not replay. After the find window the solver
// reveals; then the true manifest is published again and disputes run over the true root.
import { getBytes, keccak256, type Wallet } from 'ethers';
import type { Redis } from 'ioredis';
import { lastLeaf, leafStep } from '../reproducible-ops/hash-schedule.ts';
import { merkleLevels, merkleProof, merkleRoot } from '../reproducible-ops/merkle.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import type { BlobStore } from '../jobs/blobstore.ts';
import { redisKeys, type KeySpace } from '../jobs/redis-keys.ts';
import { loadManifest, type RunManifest } from '../commitments/run-store.ts';
import type { ChainClient, TxResult } from '../chain/client.ts';
import type { Commitment, JobRecord } from '../chain/types.ts';
import { drawForced, maskedLeaf, randomnessOf, rootCommitOf, secretHashOf } from '../chain/forced.ts';
import { claimJobSealed, commitSealed, forcedErrorRate, revealResult, sealEntropy, sealedOf } from '../chain/actions/forced.ts';

export type Log = (event: string, fields: Record<string, unknown>) => void;

export interface SealedDeps {
  client: ChainClient;
  signer: Wallet;
  redis: Redis;
  ks: KeySpace;
  blobs: BlobStore;
  log: Log;
  /** Announce the job's current result manifest on chain (DataAnnouncer), after it is set. */
  announce: (jobId: bigint) => Promise<void>;
}

export class SealedFlow {
  private rateP: Promise<bigint> | null = null;

  constructor(private readonly d: SealedDeps) {}

  /** FORCED_ERROR_RATE (read once; immutable). */
  rate(): Promise<bigint> {
    this.rateP ??= forcedErrorRate(this.d.client);
    this.rateP.catch(() => (this.rateP = null));
    return this.rateP;
  }

  /** This solver's secret for the job's next commitment (round = commitments made so far). */
  secret(jobId: bigint, round: bigint): string {
    const what = `optrain forced-error secret: chain ${this.d.ks.chainId}, market ${this.d.ks.jobMarket.toLowerCase()}, job ${jobId}, round ${round}`;
    return keccak256(this.d.signer.signMessageSync(what));
  }

  claim(job: JobRecord, stake: bigint): Promise<TxResult> {
    return claimJobSealed(this.d.client, job.jobId, stake, secretHashOf(this.secret(job.jobId, job.round)));
  }

  /** Record blockhash(claim block) soon after the claim (it is readable for 256 blocks only). */
  async sealSoon(job: JobRecord): Promise<void> {
    const s = await sealedOf(this.d.client, job.jobId);
    if (s.entropy !== ZERO) return;
    if (BigInt(await this.d.client.provider.getBlockNumber()) <= s.claimBlock) return; // not readable in the claim block
    const tx = await sealEntropy(this.d.client, job.jobId);
    this.d.log('entropy-sealed', { jobId: job.jobId, tx: tx.hash });
  }

  /**
   * Mask, publish and commit: `runId`'s head manifest holds the true leaves; the masked manifest
   * becomes the job's published result before the commitment is sent.
   */
  async commit(job: JobRecord, runId: string, c: Commitment): Promise<{ tx: TxResult; forced: boolean; pos: number }> {
    await this.sealSoon(job);
    const s = await sealedOf(this.d.client, job.jobId);
    // the draw needs the sealed entropy: committing unsealed would seal it only in the commit itself
    if (s.entropy === ZERO) throw new Error(`job ${job.jobId}: the entropy of claim block ${s.claimBlock} is not sealed yet; committing on a later tick`);
    const secret = this.secret(job.jobId, job.round);
    const trueManifest = await this.trueManifest(runId);
    const m = await loadManifest(this.d.blobs, trueManifest);
    const T = Number(job.params.numSteps), K = job.params.hashInterval;
    const { forced, pos, slot } = drawForced(randomnessOf(secret, s.entropy), await this.rate(), lastLeaf(T, K));
    const headRoot = hex0x(merkleRoot(m.stateHashes.map((h) => getBytes(h))));
    if (headRoot !== c.stepsRoot.toLowerCase()) throw new Error(`job ${job.jobId}: run ${runId}'s manifest ${trueManifest} rebuilds stepsRoot ${headRoot}, the result has ${c.stepsRoot}`);
    const stateHashes = m.stateHashes.map((h, i) => (forced && i === pos ? maskedLeaf(h, secret) : h));
    const hidden = slot > 0 ? leafStep(slot, T, K) : -1;
    const masked: RunManifest = { ...m, stateHashes, checkpoints: m.checkpoints.filter((cp) => cp.step !== hidden) };
    const maskedHash = await this.d.blobs.put(Buffer.from(JSON.stringify(masked)));
    await this.d.redis.set(redisKeys.resultManifest(this.d.ks, job.jobId), maskedHash);
    await this.d.announce(job.jobId); // on chain before the commitment: verifiers look only after it
    const stepsRoot = hex0x(merkleRoot(stateHashes.map((h) => getBytes(h))));
    const tx = await commitSealed(this.d.client, job.jobId, { ...c, stepsRoot }, rootCommitOf(c.stepsRoot, secret));
    return { tx, forced, pos };
  }

  /**
   * After the find window, reveal (secret, true root and, for a forced job, X with its path);
   * then publish the true manifest again. Returns whether the job is revealed.
   */
  async revealIfDue(job: JobRecord, runId: string, now: bigint): Promise<boolean> {
    const s = await sealedOf(this.d.client, job.jobId);
    if (s.revealed) return true;
    if (now <= job.deadline) return false;
    const secret = this.secret(job.jobId, job.round - 1n); // the round counter moved on at the commit
    const trueManifest = await this.trueManifest(runId);
    const m = await loadManifest(this.d.blobs, trueManifest);
    const leaves = m.stateHashes.map((h) => getBytes(h));
    const levels = merkleLevels(leaves);
    const trueRoot = hex0x(Buffer.from(levels.at(-1)![0]));
    const T = Number(job.params.numSteps), K = job.params.hashInterval;
    const { forced, pos } = drawForced(randomnessOf(secret, s.entropy), await this.rate(), lastLeaf(T, K));
    const path = forced ? merkleProof(levels, pos).map(hex0x) : [];
    const tx = await revealResult(this.d.client, job.jobId, secret, trueRoot, forced ? m.stateHashes[pos] : ZERO, path);
    await this.d.redis.set(redisKeys.resultManifest(this.d.ks, job.jobId), trueManifest);
    await this.d.announce(job.jobId); // the newest announcement wins: verifiers now fetch the true manifest
    this.d.log('revealed', { jobId: job.jobId, forced, pos: forced ? pos : undefined, trueRoot, gasUsed: tx.gasUsed, tx: tx.hash });
    return true;
  }

  private async trueManifest(runId: string): Promise<string> {
    const h = await this.d.redis.get(redisKeys.checkpointHead(this.d.ks, runId));
    if (!h) throw new Error(`run ${runId}: no manifest head to commit or reveal from`);
    return h;
  }
}

const ZERO = `0x${'0'.repeat(64)}`;

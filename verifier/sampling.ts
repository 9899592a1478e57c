// Which leaves of the steps tree a verifier replays (a leaf m >= 1 stands for its interval of
// transitions ((m-1)K, min(mK, T)]; with hashInterval K = 1 a leaf is one transition). The choice must be unpredictable to the solver when it
// commits, or a cheater would lie only where nobody looks. The seed is therefore the hash of
// the first block AFTER the block that holds the ResultCommitted event: it did not exist when the
// solver signed its commitment, and the solver does not produce it. Mixed with the job id and the
// verifier's address, every verifier samples a different, reproducible set (a restarted verifier
// re-derives the same one).
//   seed      = sha256(blockhash(commitBlock + 1) || u256be jobId || verifier address)
//   sampled m <=> u32be(sha256(seed || u32be m)) < rate * 2^32      (m = 0..M; m = 0 is init)
// A devnet with automine makes no block until the next transaction; the verifier waits for one,
// and after `nudgeMs` asks the node to mine an empty block (evm_mine), which it cannot bias.
import { getBytes } from 'ethers';
import { sha256 } from '../reproducible-ops/merkle.ts';
import type { ChainClient } from '../chain/client.ts';

export function samplingSeed(blockHash: string, jobId: bigint, verifier: string): Buffer {
  const id = Buffer.alloc(32);
  id.writeBigUInt64BE(jobId & 0xffffffffffffffffn, 24);
  if (jobId >> 64n) throw new Error(`job id ${jobId} does not fit the sampling encoding`);
  return sha256(getBytes(blockHash), id, getBytes(verifier));
}

/** The leaves 0..lastLeaf chosen at `rate` (1 = all of them), ascending. */
export function sampleLeaves(seed: Buffer, lastLeaf: number, rate: number): number[] {
  if (!(rate > 0 && rate <= 1)) throw new Error(`sample rate ${rate}: expected a number in (0, 1]`);
  const out: number[] = [];
  const threshold = rate * 2 ** 32;
  const mb = Buffer.alloc(4);
  for (let m = 0; m <= lastLeaf; m++) {
    mb.writeUInt32BE(m);
    if (rate === 1 || sha256(seed, mb).readUInt32BE(0) < threshold) out.push(m);
  }
  return out;
}

export interface Randomness {
  blockNumber: number;
  blockHash: string;
}

/**
 * The hash of block commitBlock + 1, or null while it does not exist yet. `waitedMs` is how long
 * the caller has been waiting; past `nudgeMs` an empty block is requested (devnet only; on other
 * chains the request fails harmlessly and blocks come anyway).
 */
export async function randomnessAfter(c: ChainClient, commitBlock: number, waitedMs: number, nudgeMs = 1_000): Promise<Randomness | null> {
  const head = await c.provider.getBlockNumber();
  if (head <= commitBlock) {
    if (waitedMs >= nudgeMs) await c.provider.send('evm_mine', []).catch(() => undefined);
    return null;
  }
  const b = await c.provider.getBlock(commitBlock + 1);
  if (!b?.hash) return null;
  return { blockNumber: b.number, blockHash: b.hash };
}

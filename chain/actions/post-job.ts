// JobMarket.postJob: escrow `reward` and publish a training job.
import { ChainError } from '../errors.ts';
import { sendTx, type ChainClient, type TxResult } from '../client.ts';
import type { JobParams } from '../types.ts';
import { findEvent } from './receipt-events.ts';
import { MAX_HASH_INTERVAL } from '../../reproducible-ops/hash-schedule.ts';

export interface PostJobArgs {
  params: JobParams;
  specURI: string;
  reward: bigint;
  requiredStake: bigint;
  challengerBond: bigint;
  claimWindow: bigint; // seconds
  solveTime: bigint;
  challengeWindow: bigint;
}

export async function postJob(c: ChainClient, a: PostJobArgs): Promise<{ jobId: bigint; tx: TxResult }> {
  // the market would revert BadHashInterval; say which field is wrong before paying for a tx
  const k = a.params.hashInterval;
  if (!Number.isInteger(k) || k < 1 || k > MAX_HASH_INTERVAL) {
    throw new ChainError(`postJob: params.hashInterval: expected an integer in [1, ${MAX_HASH_INTERVAL}], got ${k}`);
  }
  const tx = await sendTx(c, c.market, 'postJob', [
    a.params, a.specURI, a.requiredStake, a.challengerBond, a.claimWindow, a.solveTime, a.challengeWindow,
  ], a.reward);
  const ev = findEvent(c, tx, 'JobPosted');
  if (!ev) throw new ChainError(`postJob: transaction ${tx.hash} emitted no JobPosted event`);
  return { jobId: BigInt(ev.args.jobId as bigint), tx };
}

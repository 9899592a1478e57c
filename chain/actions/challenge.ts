// JobMarket.challenge: lock the job's challenger bond and open a dispute in the game.
import { ChainError } from '../errors.ts';
import { sendTx, type ChainClient, type TxResult } from '../client.ts';
import { findEvent } from './receipt-events.ts';

export async function challenge(c: ChainClient, jobId: bigint, bond: bigint): Promise<{ disputeId: bigint; tx: TxResult }> {
  const tx = await sendTx(c, c.market, 'challenge', [jobId], bond);
  const ev = findEvent(c, tx, 'ChallengeOpened');
  if (!ev) throw new ChainError(`challenge: transaction ${tx.hash} emitted no ChallengeOpened event`);
  return { disputeId: BigInt(ev.args.disputeId as bigint), tx };
}

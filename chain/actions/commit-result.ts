// JobMarket.commitResult: publish stepsRoot / finalStateHash / finalModelHash; starts the
// challenge window.
import { sendTx, type ChainClient, type TxResult } from '../client.ts';
import type { Commitment } from '../types.ts';

export async function commitResult(c: ChainClient, jobId: bigint, commitment: Commitment): Promise<TxResult> {
  return sendTx(c, c.market, 'commitResult', [jobId, commitment]);
}

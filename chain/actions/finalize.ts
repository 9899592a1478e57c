// JobMarket.finalize: anyone may call once the challenge window has passed.
import { sendTx, type ChainClient, type TxResult } from '../client.ts';

export async function finalize(c: ChainClient, jobId: bigint): Promise<TxResult> {
  return sendTx(c, c.market, 'finalize', [jobId]);
}

// JobMarket.claimJob: lock exactly the job's required stake.
import { sendTx, type ChainClient, type TxResult } from '../client.ts';

export async function claimJob(c: ChainClient, jobId: bigint, stake: bigint): Promise<TxResult> {
  return sendTx(c, c.market, 'claimJob', [jobId], stake);
}

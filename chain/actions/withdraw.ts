// JobMarket.withdraw: pull the caller's whole claimable balance.
import { sendTx, callView, type ChainClient, type TxResult } from '../client.ts';
import { requireSigner } from '../client.ts';

export async function withdraw(c: ChainClient): Promise<{ amount: bigint; tx: TxResult }> {
  const me = requireSigner(c, 'withdraw').address;
  const amount = await callView<bigint>(c, c.market, 'claimable', [me]);
  const tx = await sendTx(c, c.market, 'withdraw', []);
  return { amount, tx };
}

export async function claimableOf(c: ChainClient, account: string): Promise<bigint> {
  return callView<bigint>(c, c.market, 'claimable', [account]);
}

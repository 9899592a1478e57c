// A service that will send transactions says at start when its account cannot pay for them:
// the address and balance in one line (never the key), instead of failing later inside a tick.
import { formatEther } from 'ethers';
import type { ChainClient } from '../client.ts';

export async function warnIfUnfunded(c: ChainClient, address: string, needs: string, log: (event: string, fields: Record<string, unknown>) => void): Promise<void> {
  try {
    const balance = await c.provider.getBalance(address);
    if (balance === 0n) log('warning', { message: `account ${address} has 0.0 ETH; ${needs}: fund it, or start with another --account / --private-key` });
  } catch (e) {
    log('warning', { message: `could not read the balance of ${address}: ${(e as Error).message}` });
  }
}

// Chain-side test helpers: exact gas accounting and polling for a condition.
import type { JsonRpcProvider } from 'ethers';

/** Total wei `address` paid for gas in blocks [fromBlock, head] (every tx it sent). */
export async function gasSpent(provider: JsonRpcProvider, address: string, fromBlock: number): Promise<bigint> {
  const head = await provider.getBlockNumber();
  let total = 0n;
  for (let b = fromBlock; b <= head; b++) {
    const block = await provider.getBlock(b, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== address.toLowerCase()) continue;
      const r = await provider.getTransactionReceipt(tx.hash);
      total += r!.gasUsed * r!.gasPrice;
    }
  }
  return total;
}

/** Poll `f` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, f: () => Promise<T>, timeoutMs = 180_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

// Chain-side test helpers: exact gas accounting and polling for a condition.
import { toQuantity, type JsonRpcProvider } from 'ethers';
import { l1DataFee } from '../../chain/op-bridge.ts';
import { PREDEPLOYS } from '../../chain/op-stack.ts';

/** What `address` paid for its transactions in blocks [fromBlock, head], by kind of fee. */
export interface FeesPaid {
  /** gasUsed × effectiveGasPrice, summed. */
  execution: bigint;
  /** OP Stack L2s: the L1 data fee charged on top; 0 on L1 and plain anvil. */
  l1Data: bigint;
  /** The transactions, oldest first. */
  hashes: string[];
}

/**
 * Every fee `address` paid in blocks [fromBlock, head], from raw receipts. An OP Stack L2's
 * balances also move by the L1 data fee: a node's receipts carry it as l1Fee (ethers drops the
 * field), anvil --network optimism (1.7) charges it without reporting it, so where the receipt
 * has none and GasPriceOracle is predeployed, l1DataFee's Fjord cost of the signed transaction.
 */
export async function feesPaid(provider: JsonRpcProvider, address: string, fromBlock: number): Promise<FeesPaid> {
  const head = await provider.getBlockNumber();
  const opStack = (await provider.getCode(PREDEPLOYS.GasPriceOracle)) !== '0x';
  const fees: FeesPaid = { execution: 0n, l1Data: 0n, hashes: [] };
  for (let b = fromBlock; b <= head; b++) {
    const block = (await provider.send('eth_getBlockByNumber', [toQuantity(b), true])) as { transactions: { hash: string; from: string }[] } | null;
    for (const tx of block?.transactions ?? []) {
      if (tx.from.toLowerCase() !== address.toLowerCase()) continue;
      const r = (await provider.send('eth_getTransactionReceipt', [tx.hash])) as { gasUsed: string; effectiveGasPrice: string; l1Fee?: string | null };
      fees.execution += BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
      fees.l1Data += r.l1Fee != null ? BigInt(r.l1Fee) : opStack ? await l1DataFee(provider, tx.hash) : 0n;
      fees.hashes.push(tx.hash);
    }
  }
  return fees;
}

/** Total wei `address` paid for gas in blocks [fromBlock, head] (every tx it sent, with any L1 data fee). */
export async function gasSpent(provider: JsonRpcProvider, address: string, fromBlock: number): Promise<bigint> {
  const f = await feesPaid(provider, address, fromBlock);
  return f.execution + f.l1Data;
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

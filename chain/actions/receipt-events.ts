// Decode JobMarket events from a mined transaction's receipt.
import type { ChainClient, TxResult } from '../client.ts';

export interface ReceiptEvent {
  name: string;
  args: Record<string, unknown>;
}

export function receiptEvents(c: ChainClient, tx: TxResult): ReceiptEvent[] {
  const out: ReceiptEvent[] = [];
  for (const log of tx.receipt.logs) {
    if (log.address.toLowerCase() !== c.addresses.jobMarket.toLowerCase()) continue;
    const parsed = c.marketIface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed) out.push({ name: parsed.name, args: parsed.args.toObject(true) });
  }
  return out;
}

export function findEvent(c: ChainClient, tx: TxResult, name: string): ReceiptEvent | undefined {
  return receiptEvents(c, tx).find((e) => e.name === name);
}

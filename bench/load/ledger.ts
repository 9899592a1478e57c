// What the chain says happened during a load run: every receipt of every block (gas paid per
// account, gas attributed to the job a transaction concerns) and every market/game event, with
// block timestamps. Read once at the end, from the blocks themselves (eth_getBlockReceipts).
import type { Interface, LogDescription } from 'ethers';
import type { ChainClient } from '../../chain/client.ts';

export interface ChainEvent {
  name: string;
  args: Record<string, unknown>;
  block: number;
  time: number; // block timestamp (s)
}

export interface Ledger {
  /** Wei each sender paid for gas (gasUsed x effectiveGasPrice), lower-case address. */
  gasWei: Map<string, bigint>;
  /** Gas units per job id; transactions no job can be named for (withdrawals) under 'other'. */
  gasByJob: Map<string, bigint>;
  events: ChainEvent[];
  txCount: number;
}

interface RawReceipt {
  from: string;
  gasUsed: string;
  effectiveGasPrice: string;
  logs: Array<{ address: string; topics: string[]; data: string }>;
}

function parse(ifaces: Array<[string, Interface | undefined]>, log: RawReceipt['logs'][number]): LogDescription | null {
  for (const [address, iface] of ifaces) {
    if (!iface || log.address.toLowerCase() !== address.toLowerCase()) continue;
    try {
      return iface.parseLog({ topics: log.topics, data: log.data });
    } catch {
      return null; // an event of a library contract the ABI does not list
    }
  }
  return null;
}

function argsOf(d: LogDescription): Record<string, unknown> {
  return Object.fromEntries(d.fragment.inputs.map((p, i) => [p.name, d.args[i]]));
}

/** Scan blocks (fromBlock, toBlock]. */
export async function readLedger(c: ChainClient, fromBlock: number, toBlock: number): Promise<Ledger> {
  const ifaces: Array<[string, Interface | undefined]> = [[c.addresses.jobMarket, c.marketIface], [c.addresses.disputeGame, c.gameIface]];
  const gasWei = new Map<string, bigint>(), gasByJob = new Map<string, bigint>(), events: ChainEvent[] = [];
  const jobOfDispute = new Map<string, string>();
  let txCount = 0;
  for (let b = fromBlock + 1; b <= toBlock; b++) {
    const hex = '0x' + b.toString(16);
    const [receipts, block] = await Promise.all([
      c.provider.send('eth_getBlockReceipts', [hex]) as Promise<RawReceipt[]>,
      c.provider.send('eth_getBlockByNumber', [hex, false]) as Promise<{ timestamp: string }>,
    ]);
    const time = Number(block.timestamp);
    for (const r of receipts) {
      txCount++;
      const from = r.from.toLowerCase(), gas = BigInt(r.gasUsed);
      gasWei.set(from, (gasWei.get(from) ?? 0n) + gas * BigInt(r.effectiveGasPrice));
      let job: string | undefined;
      for (const log of r.logs) {
        const d = parse(ifaces, log);
        if (!d) continue;
        const args = argsOf(d);
        events.push({ name: d.name, args, block: b, time });
        if (d.name === 'ChallengeOpened') jobOfDispute.set(String(args.disputeId), String(args.jobId));
        job ??= args.jobId !== undefined ? String(args.jobId) : args.disputeId !== undefined ? jobOfDispute.get(String(args.disputeId)) : undefined;
      }
      const key = job ?? 'other';
      gasByJob.set(key, (gasByJob.get(key) ?? 0n) + gas);
    }
  }
  return { gasWei, gasByJob, events, txCount };
}

/** Sum of the balances of `addresses` at `block`. */
export async function balancesAt(c: ChainClient, addresses: string[], block: number): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const a of addresses) out.set(a.toLowerCase(), await c.provider.getBalance(a, block));
  return out;
}

/** Accounts whose pending nonce is ahead of their mined one (a transaction stuck in the pool). */
export async function stuckNonces(c: ChainClient, addresses: string[]): Promise<Array<{ address: string; latest: number; pending: number }>> {
  const out = [];
  for (const address of addresses) {
    const [latest, pending] = await Promise.all([c.provider.getTransactionCount(address, 'latest'), c.provider.getTransactionCount(address, 'pending')]);
    if (latest !== pending) out.push({ address, latest, pending });
  }
  return out;
}

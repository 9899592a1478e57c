// A dispute's history read back from the chain: every DisputeGame transaction that emitted an
// event for the dispute (each move emits one; all of them index the dispute id), with the move
// name, the sender and the gas it used. Independent of either bot's local files, so it also
// counts the moves of a party that crashed before recording them.
import type { ChainClient } from '../chain/client.ts';
import { gameContract } from '../chain/actions/dispute-game.ts';
import { getGame } from '../chain/actions/dispute-game.ts';

export interface DisputeMoveRecord {
  move: string;
  from: string;
  tx: string;
  block: number;
  gasUsed: bigint;
}

export interface DisputeSummary {
  disputeId: bigint;
  moves: DisputeMoveRecord[];
  totalGas: bigint;
  resolved: boolean;
  challengerWon: boolean;
  reason: string;
}

export async function disputeSummary(c: ChainClient, disputeId: bigint, fromBlock = 0): Promise<DisputeSummary> {
  const game = gameContract(c);
  const iface = c.gameIface!;
  const topic = '0x' + disputeId.toString(16).padStart(64, '0');
  const logs = await c.provider.getLogs({ address: c.addresses.disputeGame, fromBlock, toBlock: 'latest', topics: [null, topic] });
  const txs = [...new Set(logs.map((l) => l.transactionHash))];
  const moves: DisputeMoveRecord[] = [];
  for (const hash of txs) {
    const [tx, receipt] = await Promise.all([c.provider.getTransaction(hash), c.provider.getTransactionReceipt(hash)]);
    if (!tx || !receipt) continue;
    // GameOpened comes from JobMarket.challenge, not from a move on the game
    if (tx.to?.toLowerCase() !== String(game.target).toLowerCase()) continue;
    const move = iface.parseTransaction({ data: tx.data, value: tx.value })?.name ?? 'unknown';
    moves.push({ move, from: tx.from, tx: hash, block: receipt.blockNumber, gasUsed: receipt.gasUsed });
  }
  moves.sort((a, b) => a.block - b.block);
  const g = await getGame(c, disputeId);
  return {
    disputeId,
    moves,
    totalGas: moves.reduce((a, m) => a + m.gasUsed, 0n),
    resolved: g.phase === 'Resolved',
    challengerWon: g.challengerWon,
    reason: g.reason,
  };
}

// DisputeGame: reading a dispute's state and sending moves. Every move goes through sendTx, so a
// rejected move becomes a ChainError naming the call and the game's custom error (e.g.
// "DisputeGame.pickStep(1, …) reverted: BadProof(kind=0, index=3, …)").
import { Contract } from 'ethers';
import { callView, sendTx, type ChainClient, type TxResult } from '../client.ts';
import { ChainError } from '../errors.ts';
import { toGameState, type GameState } from '../../game-state.ts';

/** The moves of docs/PROTOCOL.md, as the DisputeGame ABI names them. */
export const GAME_MOVES = [
  'revealFinal', 'pickStep', 'postTrace', 'disputeLink', 'proveLink', 'startTrace', 'revealAcc', 'chooseAcc',
  'revealRecord', 'pickElement', 'openElement', 'postFold', 'pickAcc', 'openAcc', 'oneStep', 'claimTimeout',
] as const;
export type GameMove = (typeof GAME_MOVES)[number];

const contracts = new WeakMap<ChainClient, Contract>();

/** The DisputeGame contract, connected to the client's signer when it has one. */
export function gameContract(c: ChainClient): Contract {
  let g = contracts.get(c);
  if (!g) {
    if (!c.gameIface) throw new ChainError(`no DisputeGame ABI loaded (is out/DisputeGame.sol/DisputeGame.json built? run \`npm run build:contracts\`)`);
    g = new Contract(c.addresses.disputeGame, c.gameIface, c.signer ?? c.provider);
    contracts.set(c, g);
  }
  return g;
}

/** A dispute's full state; phase None for an id that was never opened. */
export async function getGame(c: ChainClient, disputeId: bigint): Promise<GameState> {
  const raw = await callView<Record<string, unknown>>(c, gameContract(c), 'getGame', [disputeId]);
  return toGameState(disputeId, raw);
}

/** Send one move (`args` without the dispute id). */
export async function sendMove(c: ChainClient, move: GameMove, disputeId: bigint, args: unknown[]): Promise<TxResult> {
  return sendTx(c, gameContract(c), move, [disputeId, ...args]);
}

/** Timestamp of the latest block: the clock the game's time banks are measured against. */
export async function chainNow(c: ChainClient): Promise<number> {
  const b = await c.provider.getBlock('latest');
  if (!b) throw new ChainError('the node returned no latest block');
  return b.timestamp;
}

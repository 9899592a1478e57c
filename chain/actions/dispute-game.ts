// DisputeGame: reading a dispute's state and sending moves. Every move goes through sendTx, so a
// rejected move becomes a ChainError naming the call and the game's custom error (e.g.
// "DisputeGame.pickStep(1, …) reverted: BadProof(kind=0, index=3, …)").
import { Contract, ethers } from 'ethers';
import { callView, sendTx, type ChainClient, type TxResult } from '../client.ts';
import { ChainError } from '../errors.ts';
import { toGameState, type GameState } from '../game-state.ts';

/** The moves of docs/PROTOCOL.md, as the DisputeGame ABI names them. */
export const GAME_MOVES = [
  'revealFinal', 'pickStep', 'postTrace', 'disputeLink', 'proveLink', 'startTrace', 'revealAcc', 'chooseAcc',
  'revealRecord', 'pickElement', 'openElement', 'postFold', 'pickAcc', 'openAcc', 'oneStep', 'claimTimeout',
  'requestData', 'requestStateTree', 'requestStepsTree', 'revealChildren', 'chooseChild', 'revealChunk',
  'postMids', 'pickMid',
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

/** Solver, in AwaitMids: post H[lo+1..hi-1] of the disputed interval (0x-hex, exactly hi - lo - 1). */
export async function postMids(c: ChainClient, disputeId: bigint, mids: string[]): Promise<TxResult> {
  return sendMove(c, 'postMids', disputeId, [mids]);
}

/**
 * Challenger, in AwaitMidPick: dispute transition lo + i + 1, from seq[i] to seq[i + 1] where
 * seq = [H[lo], ...mids, H[hi]]. `mids` must be exactly what the solver posted (see `postedMids`).
 */
export async function pickMid(c: ChainClient, disputeId: bigint, i: number, mids: string[]): Promise<TxResult> {
  return sendMove(c, 'pickMid', disputeId, [i, mids]);
}

/** Timestamp of the latest block: the clock the game's time banks are measured against. */
export async function chainNow(c: ChainClient): Promise<number> {
  const b = await c.provider.getBlock('latest');
  if (!b) throw new ChainError('the node returned no latest block');
  return b.timestamp;
}

/** Decoded events of one dispute named `name` (all game events index the dispute id first). */
async function disputeEvents(c: ChainClient, disputeId: bigint, name: string): Promise<{ args: Record<string, unknown>; txHash: string }[]> {
  const iface = gameContract(c).interface;
  const ev = iface.getEvent(name);
  if (!ev) throw new ChainError(`DisputeGame ABI has no ${name} event`);
  const logs = await c.provider.getLogs({ address: c.addresses.disputeGame, fromBlock: 0, toBlock: 'latest', topics: iface.encodeFilterTopics(ev, [disputeId]) });
  return logs.map((l) => ({ args: iface.parseLog({ topics: [...l.topics], data: l.data })!.args.toObject(true), txHash: l.transactionHash }));
}

/** The post-state roots the solver supplied in postTrace (they are checked against H[j], not stored). */
export async function postTraceRoots(c: ChainClient, disputeId: bigint): Promise<{ postModelRoot: string; postOptRoot: string } | null> {
  const posted = (await disputeEvents(c, disputeId, 'TracePosted')).at(-1);
  if (!posted) return null;
  const tx = await c.provider.getTransaction(posted.txHash);
  const call = tx && gameContract(c).interface.parseTransaction({ data: tx.data, value: tx.value });
  if (!call || call.name !== 'postTrace') return null;
  const t = call.args[1] as { postModelRoot: string; postOptRoot: string };
  return { postModelRoot: t.postModelRoot, postOptRoot: t.postOptRoot };
}

/** Leaf chunk `index` of data target `target` as the solver put it on chain with revealChunk. */
export async function revealedChunk(c: ChainClient, disputeId: bigint, target: number, index: number): Promise<Buffer | null> {
  const evs = await disputeEvents(c, disputeId, 'DataChunkRevealed');
  const hit = evs.find((e) => Number(e.args.target) === target && Number(e.args.index) === index);
  return hit ? Buffer.from(String(hit.args.chunk).slice(2), 'hex') : null;
}

/** The mids of the latest MidsPosted event of the dispute (0x-hex), null before the solver posted. */
export async function postedMids(c: ChainClient, disputeId: bigint): Promise<string[] | null> {
  const iface = gameContract(c).interface;
  const ev = iface.getEvent('MidsPosted');
  if (!ev) throw new ChainError('DisputeGame ABI has no MidsPosted event (rebuild the contracts: npm run build:contracts)');
  const logs = await c.provider.getLogs({ address: c.addresses.disputeGame, fromBlock: 0, toBlock: 'latest', topics: iface.encodeFilterTopics(ev, [disputeId]) });
  const last = logs.at(-1);
  if (!last) return null;
  // read the array off the Result itself: toObject(true) turns a one-element array into an object
  const mids = iface.parseLog({ topics: [...last.topics], data: last.data })!.args.getValue('mids') as unknown[];
  return Array.from(mids, String);
}

/** The disputed leaf's interval from the latest IntervalPicked event (null if none was picked). */
export interface PickedInterval {
  m: number;
  lo: number;
  hi: number;
  preHash: string; // H[lo]
  postHash: string; // H[hi]
}

export async function pickedInterval(c: ChainClient, disputeId: bigint): Promise<PickedInterval | null> {
  const last = (await disputeEvents(c, disputeId, 'IntervalPicked')).at(-1);
  if (!last) return null;
  const a = last.args;
  return { m: Number(a.m), lo: Number(a.lo), hi: Number(a.hi), preHash: String(a.preHash), postHash: String(a.postHash) };
}

/** One revealChildren of the data sub-game: the children of node (height, index). */
export interface RevealedChildren {
  height: number;
  index: number;
  left: string;
  right: string;
}

/**
 * The nodes the solver revealed while descending data target `target` (ElementLib.DATA_*).
 * DataChildrenRevealed does not name its target: a reveal belongs to the DataRequested before
 * it (each target is requested at most once per dispute, and a descent runs to its leaf before
 * another can start).
 */
export async function revealedChildren(c: ChainClient, disputeId: bigint, target: number): Promise<RevealedChildren[]> {
  const iface = gameContract(c).interface;
  const [req, rev] = [iface.getEvent('DataRequested'), iface.getEvent('DataChildrenRevealed')];
  if (!req || !rev) throw new ChainError('DisputeGame ABI has no DataRequested / DataChildrenRevealed event');
  const logs = await c.provider.getLogs({ address: c.addresses.disputeGame, fromBlock: 0, toBlock: 'latest', topics: [[req.topicHash, rev.topicHash], ethers.zeroPadValue(ethers.toBeHex(disputeId), 32)] });
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const out: RevealedChildren[] = [];
  let current = -1;
  for (const l of logs) {
    const ev = iface.parseLog({ topics: [...l.topics], data: l.data })!;
    if (ev.name === 'DataRequested') current = Number(ev.args.target);
    else if (current === target) out.push({ height: Number(ev.args.height), index: Number(ev.args.index), left: String(ev.args.left), right: String(ev.args.right) });
  }
  return out;
}

/** What the dispute strategy reads from chain beyond the game state. */
export interface GameReader {
  postTraceRoots(disputeId: bigint): Promise<{ postModelRoot: string; postOptRoot: string } | null>;
  revealedChunk(disputeId: bigint, target: number, index: number): Promise<Buffer | null>;
  postedMids(disputeId: bigint): Promise<string[] | null>;
  revealedChildren(disputeId: bigint, target: number): Promise<RevealedChildren[]>;
}

export function gameReader(c: ChainClient): GameReader {
  return {
    postTraceRoots: (id) => postTraceRoots(c, id),
    revealedChunk: (id, t, i) => revealedChunk(c, id, t, i),
    postedMids: (id) => postedMids(c, id),
    revealedChildren: (id, t) => revealedChildren(c, id, t),
  };
}

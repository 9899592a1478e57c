// JobMarket's forced-error surface (docs/PROTOCOL.md §12): the sealed claim and commit, the solver's
// reveal, a verifier's find (commit, reveal, collect), and the views the bots read.
import { callView, sendTx, type ChainClient, type TxResult } from '../client.ts';
import type { Commitment } from '../types.ts';

export interface SealedRecord {
  secretHash: string;
  entropy: string;
  trueRootCommit: string;
  stateRoot: string;
  forcedLeaf: string;
  claimBlock: bigint;
  pos: number;
  finds: number;
  revealed: boolean;
  forced: boolean;
  settled: boolean;
  prize: bigint;
}

/** The market's FORCED_ERROR_RATE (of 2^16); 0: no forced errors, the unsealed flow. */
export async function forcedErrorRate(c: ChainClient): Promise<bigint> {
  return BigInt(await callView<bigint>(c, c.market, 'FORCED_ERROR_RATE'));
}

export async function sealedOf(c: ChainClient, jobId: bigint): Promise<SealedRecord> {
  const r = await callView<Record<string, unknown>>(c, c.market, 'sealedOf', [jobId]);
  return {
    secretHash: String(r.secretHash), entropy: String(r.entropy), trueRootCommit: String(r.trueRootCommit), stateRoot: String(r.stateRoot),
    forcedLeaf: String(r.forcedLeaf), claimBlock: BigInt(r.claimBlock as bigint), pos: Number(r.pos), finds: Number(r.finds),
    revealed: Boolean(r.revealed), forced: Boolean(r.forced), settled: Boolean(r.settled), prize: BigInt(r.prize as bigint),
  };
}

export const finderStatus = async (c: ChainClient, jobId: bigint, round: bigint, finder: string): Promise<number> =>
  Number(await callView<bigint>(c, c.market, 'finderStatus', [jobId, round, finder]));

export const claimJobSealed = (c: ChainClient, jobId: bigint, stake: bigint, secretHash: string): Promise<TxResult> =>
  sendTx(c, c.market, 'claimJobSealed', [jobId, secretHash], stake);

export const sealEntropy = (c: ChainClient, jobId: bigint): Promise<TxResult> => sendTx(c, c.market, 'sealEntropy', [jobId]);

export const commitSealed = (c: ChainClient, jobId: bigint, commitment: Commitment, trueRootCommit: string): Promise<TxResult> =>
  sendTx(c, c.market, 'commitSealed', [jobId, commitment, trueRootCommit]);

export const revealResult = (c: ChainClient, jobId: bigint, secret: string, trueRoot: string, forcedLeaf: string, path: string[]): Promise<TxResult> =>
  sendTx(c, c.market, 'revealResult', [jobId, secret, trueRoot, forcedLeaf, path]);

export const commitFind = (c: ChainClient, jobId: bigint, findHash: string): Promise<TxResult> => sendTx(c, c.market, 'commitFind', [jobId, findHash]);

export const revealFind = (c: ChainClient, jobId: bigint, leaf: number, trueLeaf: string, salt: string): Promise<TxResult> =>
  sendTx(c, c.market, 'revealFind', [jobId, leaf, trueLeaf, salt]);

export const collectForcedPrize = (c: ChainClient, jobId: bigint): Promise<TxResult> => sendTx(c, c.market, 'collectForcedPrize', [jobId]);

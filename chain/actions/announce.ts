// DataAnnouncer: a solver says on chain where it serves a job's data; a verifier (or the
// submitter fetching the model) finds it there. Only announcements sent by the job's solver
// count, and the newest wins (a restarted solver may serve from another address).
import { ZeroHash, type EventLog } from 'ethers';
import { sendTx, type ChainClient, type TxResult } from '../client.ts';
import { ChainError } from '../errors.ts';

export interface Announcement {
  /** Base URL of the solver's blob server (the newest announced). */
  uri: string;
  /** sha256 (0x hex) of the newest announced result manifest, or null before the result. */
  manifestHash: string | null;
  blockNumber: number;
}

export async function announceData(c: ChainClient, jobId: bigint, uri: string, manifestHash?: string): Promise<TxResult> {
  if (!c.announcer) throw new ChainError('announcing data needs a DataAnnouncer: the network profile has no contracts.dataAnnouncer (redeploy with optrain deploy / devnet up)');
  const hash = manifestHash ? `0x${manifestHash.replace(/^0x/, '').toLowerCase()}` : ZeroHash;
  return sendTx(c, c.announcer, 'announce', [jobId, hash, uri]);
}

/** What `solver` announced for `jobId` (null: nothing yet, or no DataAnnouncer deployed). */
export async function announcedData(c: ChainClient, jobId: bigint, solver: string, fromBlock = 0): Promise<Announcement | null> {
  if (!c.announcer) return null;
  const logs = (await c.announcer.queryFilter(c.announcer.filters.DataAnnounced(jobId, solver), fromBlock)) as EventLog[];
  let uri: string | null = null, manifestHash: string | null = null, blockNumber = 0;
  for (const l of logs) {
    // the indexed solver is the filter; checked again so a node's loose filtering cannot let another sender in
    if (String(l.args.solver).toLowerCase() !== solver.toLowerCase() || BigInt(l.args.jobId) !== jobId) continue;
    uri = String(l.args.uri);
    if (l.args.manifestHash !== ZeroHash) manifestHash = String(l.args.manifestHash).slice(2).toLowerCase();
    blockNumber = l.blockNumber;
  }
  return uri === null ? null : { uri, manifestHash, blockNumber };
}

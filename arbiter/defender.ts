// The solver's dispute defender (arbiter/dispute-hook.ts): the solver service calls onDispute on
// every tick while one of its jobs is challenged; each call advances that dispute by at most one
// move of the arbiter state machine. The defender keeps a player per dispute in memory and its
// small state on disk, and rebuilds both from the run manifest and the chain after a restart.
import type { Redis } from 'ioredis';
import type { KeySpace } from '../jobs/redis-keys.ts';
import type { DisputeContext, DisputeDefender } from './dispute-hook.ts';
import { loadManifest } from '../commitments/run-store.ts';
import { RedisDisputeData } from './dispute-data.ts';
import { DisputePlayer } from './player.ts';
import { SolverParty } from './solver-party.ts';
import { DisputeStore } from './store.ts';

export interface ArbiterDefenderOptions {
  /** Where each dispute's state file goes (e.g. <solver data dir>/disputes). */
  stateDir: string;
  /** Publishing the solver's dispute data for challengers (without it they force it on chain with the data sub-game). */
  redis?: Redis;
  keySpace?: KeySpace;
  /** Where the solver's blob server serves `ctx.blobs` now (published with the dispute data). */
  blobUrl?: string;
}

export function arbiterDefender(o: ArbiterDefenderOptions): DisputeDefender {
  const store = new DisputeStore(o.stateDir);
  const players = new Map<bigint, Promise<DisputePlayer>>();

  async function playerFor(ctx: DisputeContext): Promise<DisputePlayer> {
    if (!ctx.manifestHash) throw new Error(`job ${ctx.job.jobId}: no result manifest recorded, nothing to defend from`);
    const manifest = await loadManifest(ctx.blobs, ctx.manifestHash);
    const engine = await ctx.engine();
    // a solver that publishes nothing (tamper publish=none) keeps its dispute data to itself too
    const sink = o.redis && o.keySpace && ctx.tamper?.publish !== 'none' ? new RedisDisputeData(o.redis, o.keySpace, ctx.blobs, undefined, o.blobUrl) : undefined;
    const party = new SolverParty({ engine, manifest, blobs: ctx.blobs, tamper: ctx.tamper, sink });
    ctx.log('dispute-defending', { jobId: ctx.job.jobId, disputeId: ctx.disputeId, resumedMoves: store.load(ctx.disputeId)?.moves.length ?? 0 });
    return new DisputePlayer({
      client: ctx.client, disputeId: ctx.disputeId, jobId: ctx.job.jobId, party,
      job: { params: ctx.job.params, commitment: ctx.job.commitment }, store, log: ctx.log,
    });
  }

  return {
    async onDispute(ctx) {
      let p = players.get(ctx.disputeId);
      if (!p) {
        p = playerFor(ctx);
        p.catch(() => players.delete(ctx.disputeId));
        players.set(ctx.disputeId, p);
      }
      const r = await (await p).tick();
      if (r.status === 'resolved') players.delete(ctx.disputeId);
    },
  };
}

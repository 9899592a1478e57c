// Where the solver defends its commitments. The solver service calls the defender on every
// tick while one of its jobs is Challenged; the arbiter/ state machine (bisection moves,
// Merkle proofs, one-step call) plugs in here. A defender must be resumable: it is handed
// the whole context each time and must derive its next move from on-chain game state.
import type { Engine } from '../reproducible-ops/engine.ts';
import type { ChainClient } from '../chain/client.ts';
import type { JobRecord } from '../chain/types.ts';
import type { BlobIO } from '../commitments/run-store.ts';
import type { SolverTamper } from '../commitments/tamper.ts';

export interface DisputeContext {
  client: ChainClient;
  job: JobRecord;
  disputeId: bigint;
  runId: string;
  /** Hash of the run manifest (state hashes, checkpoints) the solver committed from. */
  manifestHash: string | null;
  blobs: BlobIO;
  /** The job's engine (spec fetched and verified, datasets loaded), built once per job. */
  engine: () => Promise<Engine>;
  tamper?: SolverTamper; // a tampering solver keeps lying consistently (TamperPlan) or stops answering
  log: (event: string, fields: Record<string, unknown>) => void;
}

export interface DisputeDefender {
  onDispute(ctx: DisputeContext): Promise<void>;
}

/** Until the arbiter client lands: report the dispute once and let the game's clock run. */
export function loggingDefender(): DisputeDefender {
  const reported = new Set<bigint>();
  return {
    async onDispute(ctx) {
      if (reported.has(ctx.disputeId)) return;
      reported.add(ctx.disputeId);
      ctx.log('dispute-unanswered', { jobId: ctx.job.jobId, disputeId: ctx.disputeId, reason: 'no dispute-game client is plugged in (arbiter/ state machine pending)' });
    },
  };
}

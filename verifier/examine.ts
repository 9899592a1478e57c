// What the verifier does with one commitment: wait for the sampling randomness, fetch and check
// the solver's published result, replay the sampled leaves (intervals of hashInterval K
// transitions; single transitions when K = 1) and the final model hash, and decide whether (and
// which leaf of the steps tree) to challenge.
//   fault           a sampled leaf's interval does not reproduce its committed state, or the final
//                   model hash is not the last state's: challenge it
//   data withheld   the solver refused checkpoints it must serve during the challenge window:
//                   challenge the leaf of the first transition after the refused checkpoint (a data
//                   availability challenge; the verifier still replayed from earlier data, so it
//                   plays with true claims: a solver that then answers honestly wins the bond,
//                   one that keeps withholding loses on its clock). Off with challengeWithheld=false.
//   grief           (adversarial tests) challenge an honest result with a false view
import type { Engine } from '../reproducible-ops/engine.ts';
import { lastLeaf, leafOfStep } from '../reproducible-ops/hash-schedule.ts';
import { opDef } from '../reproducible-ops/ops/table.ts';
import type { NodeTransform } from '../reproducible-ops/engine.ts';
import { flipTransform } from '../commitments/tamper-hooks.ts';
import type { JobRecord } from '../chain/types.ts';
import { Replayer, type CheckReport } from './replay.ts';
import type { PublishedResult } from './result-data.ts';

export type Verdict =
  | { challenge: false; report: CheckReport; reason: string }
  // disputed: the leaf m to name in pickStep (the transition itself when K = 1)
  | { challenge: true; report: CheckReport | null; disputed: number; reason: string; grief?: boolean; needsPreState: boolean };

export interface ExamineOptions {
  engine: Engine;
  result: PublishedResult;
  job: JobRecord;
  sampled: number[];
  challengeWithheld: boolean;
  grief: boolean;
}

export async function examine(o: ExamineOptions, replayer = new Replayer(o.engine, o.result)): Promise<Verdict> {
  const { numSteps: T, hashInterval: K } = o.result.schedule;
  if (o.grief) return { challenge: true, report: null, disputed: griefLeaf(T, K), reason: 'kind=grief: challenging an honest result with a false view', grief: true, needsPreState: true };
  const report = await replayer.check(o.sampled, o.job.commitment.finalModelHash);
  const f = report.fault;
  if (f?.kind === 'leaf') return { challenge: true, report, disputed: f.m, reason: `leaf ${f.m} (H[${Math.min(f.m * K, T)}]) does not reproduce from the committed state before it`, needsPreState: true };
  // the game decides this at revealFinal, before any leaf is named
  if (f?.kind === 'final-model') return { challenge: true, report, disputed: lastLeaf(T, K), reason: `the last state's model root is ${f.modelRoot}, not the committed finalModelHash`, needsPreState: false };
  if (report.withheld.length && o.challengeWithheld) {
    const c = Math.min(...report.withheld.map((w) => w.step));
    return { challenge: true, report, disputed: leafOfStep(Math.min(c + 1, T), T, K), reason: `the solver withholds its checkpoint of step ${c} (${report.withheld[0].error})`, needsPreState: true };
  }
  return { challenge: false, report, reason: report.withheld.length ? 'checkpoints withheld, but the replay from earlier data reproduces every sampled state' : 'every sampled leaf reproduces its committed state' };
}

/** The transition a griefer lies about: the first training step ... */
export function griefTransition(numSteps: number): number {
  return Math.min(1, numSteps);
}

/** ... and the leaf it disputes: the one whose interval holds that step. */
export function griefLeaf(numSteps: number, hashInterval: number): number {
  return leafOfStep(griefTransition(numSteps), numSteps, hashInterval);
}

/** A griefer's false view: one flipped bit in the first fold op's output of the disputed step. */
export function griefTransform(engine: Engine): NodeTransform {
  const node = engine.stepProgram.nodes.findIndex((n) => opDef(n.op).sem.kind === 'fold');
  if (node < 0) throw new Error('kind=grief: the step program has no fold op to misstate');
  return flipTransform(node, 0, 30);
}

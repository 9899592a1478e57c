// Local prediction of the contract's one-step re-execution: what OneStepProver will compute for
// the disputed element (map op) or accumulation step (fold op), from the inputs both sides agreed
// on. A party calls `oneStep` only when the prediction says it wins.
import type { Engine } from '../reproducible-ops/engine.ts';
import { fromBits, toBits } from '../reproducible-ops/f32.ts';
import { opDef } from '../reproducible-ops/ops/table.ts';
import type { GameState } from '../chain/game-state.ts';
import { readsOf } from './proofs.ts';
import { elemCtx, type TransitionRun } from './transition.ts';

export interface OneStepPrediction {
  computed: number; // binary32 bits the contract will compute
  claimed: number; // the solver's bits it is compared with
  challengerWins: boolean;
}

export function predictOneStep(eng: Engine, run: TransitionRun, g: GameState): OneStepPrediction {
  const i = g.agreedLen, e = g.element;
  const node = run.program.nodes[i];
  const sem = opDef(node.op).sem;
  const ctx = elemCtx(eng, run, i);
  const fold = sem.kind === 'fold';
  const vals = readsOf(eng, run, i, e, fold ? g.foldIndex : null).map(([slot, idx]) => run.outputs[node.inputs[slot]][idx]);
  let computed: number;
  if (sem.kind === 'map') computed = sem.f(vals, e, ctx);
  else if (sem.kind === 'fold') computed = sem.step(fromBits(g.accK), vals, ctx, e, g.foldIndex);
  else throw new Error(`node ${i} (${node.op}) is a source op: there is no one-step for it`);
  const claimed = fold ? g.accNext : g.value;
  const bits = toBits(computed);
  return { computed: bits, claimed, challengerWins: bits !== claimed >>> 0 };
}

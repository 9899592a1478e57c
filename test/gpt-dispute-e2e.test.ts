// The whole protocol on a GPT job (issue 10 item 6), on a real anvil + redis-server: the solver
// service claims and trains a tiny 2-layer GPT, the verifier bot replays it and, when the solver
// lied, challenges and wins the dispute game down to a one-step of the lying op. Four lies, one per
// part of a transformer step: (a) one element of the attention softmax forward, (b) the LayerNorm
// backward, (c) the token-embedding scatter-add gradient at a repeated token (the game descends
// into the fold over positions), (d) the AdamW update of the last step. Each ends with the liar's
// stake slashed and every wei accounted for (BotsE2E.caught); an honest GPT job is finalized and
// paid. The gas of both parties over each dispute is read back from the chain (disputeSummary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { disputeSummary } from '../arbiter/dispute-summary.ts';
import { runTransition } from '../arbiter/transition.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { getJob } from '../chain/actions/get-job.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { increaseTime } from '../chain/devnet.ts';
import { writeGptJob } from '../jobs/gpt-fixtures.ts';
import { loadJob } from '../jobs/job.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import { BotsE2E, WINDOW } from './helpers/bots-e2e.ts';
import { assertSolvent, netChange, REWARD, snapshotFunds } from './dispute-helpers.ts';

const STEPS = 6;
const HASH_INTERVAL = 2;
const BATCH = 2;
const BLOCK = 8;
const EMBD = 16;

/** The tiny GPT every test submits: 2 layers, 2 heads, nEmbd 16, blockSize 8, batch 2, K = 2. */
function writeJob(dir: string, name: string): string {
  return writeGptJob(dir, {
    name, steps: STEPS, chars: 3000, gpt: { nEmbd: EMBD, blockSize: BLOCK },
    extra: {
      checkpointInterval: 3, hashInterval: HASH_INTERVAL,
      hyperparameters: {
        optimizer: { adamw: { lr: 0.003, betas: [0.9, 0.99], weightDecay: 0.1, eps: 1e-8 } },
        lrSchedule: { warmup: 2, total: STEPS, min: 0.0003 }, gradClip: 1.0, batchSize: BATCH,
      },
    },
  }).file;
}

const h = new BotsE2E({ name: 'gpt-dispute-e2e', timeBank: 120, job: { steps: STEPS, checkpointInterval: 3, hashInterval: HASH_INTERVAL }, writeJob });
let engine: Engine;
before(async () => {
  await h.start();
  engine = new Engine(loadJob(writeJob(h.dir, 'probe')).setup, referenceBackend);
});
after(() => h.stop());

const program = () => engine.stepProgram;
/** The step-program node labelled `label` (labels are not hashed: they only name nodes). */
function labelled(label: string): number {
  const i = program().nodes.findIndex((n) => n.label === label);
  assert.ok(i >= 0, `no step-program node labelled ${JSON.stringify(label)}`);
  return i;
}

/** Honest outputs of every node of step S (transition S + 1). */
function honestStep(S: number): Float32Array[] {
  let s = engine.init();
  for (let t = 0; t < S; t++) s = engine.step(s).state;
  return runTransition(engine, S + 1, s.tensors).outputs;
}

interface Measured { repeated?: { token: number; positions: number[] }; step: number; node: string; moves: string[]; gas: bigint; bySide: { solver: bigint; challenger: bigint }; oneStep: bigint; challenge: bigint; foldIndex?: number }
const measured: Record<string, Measured> = {};

/** A tamper caught by a one-step at op `op` of transition S + 1; returns the final game state. */
async function caughtAtOneStep(account: number, name: string, S: number, op: number, elem: number, bit: number) {
  const disputeId = await h.caught(account, name, `kind=flip,step=${S},op=${op},elem=${elem},bit=${bit}`, 'OneStep');
  const chain = h.net.client('submitter');
  const g = await getGame(chain, disputeId);
  assert.equal(g.step, S + 1, 'the game narrowed to the tampered transition');
  assert.equal(g.agreedLen, op, `the one-step is on node ${op} (${program().nodes[op].op} ${program().nodes[op].label ?? ''})`);
  assert.equal(g.element, elem, 'on the flipped element');
  const file = h.verifier.bot.disputes.load(disputeId)!;
  assert.equal(file.moves.at(-1)!.move, 'oneStep');
  assert.equal(file.extra.disputed, Math.ceil((S + 1) / HASH_INTERVAL), 'the verifier challenged the first wrong leaf, the one ending the interval of step S');
  const s = await disputeSummary(chain, disputeId);
  const side = (who: string) => s.moves.filter((m) => m.from.toLowerCase() === who.toLowerCase()).reduce((a, m) => a + m.gasUsed, 0n);
  const n = program().nodes[op];
  const opened = h.events.find((e) => e.event === 'challenged' && e.fields.who === 'verifier' && String(e.fields.disputeId) === String(disputeId));
  assert.ok(opened && opened.fields.gasUsed !== undefined, 'the verifier logged its challenge transaction');
  measured[name] = {
    step: S, node: `${op} ${n.op} ${n.label ?? ''}`.trim(), moves: s.moves.map((m) => `${m.move}:${m.gasUsed}`), gas: s.totalGas,
    bySide: { solver: side(g.solver), challenger: side(g.challenger) }, oneStep: s.moves.at(-1)!.gasUsed, challenge: BigInt(opened.fields.gasUsed as bigint), ...(n.op === 'scatter_rows' ? { foldIndex: g.foldIndex } : {}),
  };
  assert.equal(s.moves.at(-1)!.move, 'oneStep');
  assert.equal(measured[name].bySide.solver + measured[name].bySide.challenger, s.totalGas, 'every move is one of the two parties\'');
  // issue 10's target: a whole GPT dispute (the challenge and every move of both sides) <= 5M gas
  const whole = s.totalGas + measured[name].challenge;
  assert.ok(whole <= 5_000_000n, `a whole GPT dispute <= 5M gas, measured ${whole}`);
  return { g, file };
}

test('(a) one element of the attention softmax forward: slashed by a one-step on the softmax div', async () => {
  const op = labelled('h0 att softmax');
  const [B, H, T] = program().nodes[op].shape;
  assert.deepEqual([B, H, T], [BATCH, 2, BLOCK]);
  // batch 1, head 1, query 5, key 2: below the causal diagonal, a probability strictly inside (0, 1)
  const elem = ((1 * H + 1) * T + 5) * T + 2;
  const p = honestStep(1)[op][elem];
  assert.ok(p > 0 && p < 1, `att[1,1,5,2] = ${p}`);
  await caughtAtOneStep(4, 'softmax', 1, op, elem, 22);
});

test('(b) the LayerNorm backward: slashed by a one-step on the gradient through rstd', async () => {
  // the final LayerNorm's backward node dy·w·rstd (the gradient reaching xc through y = xc·rstd·w)
  const rstd = labelled('transformer.ln_f rstd'), out = labelled('transformer.ln_f out');
  const dloss = labelled('dloss');
  const op = program().nodes.findIndex((n, i) => i > dloss && n.op === 'mul' && n.inputs.includes(rstd) && n.shape.join() === program().nodes[out].shape.join());
  assert.ok(op > dloss, 'the LayerNorm backward multiplies by rstd');
  const elem = 3 * EMBD + 5;
  assert.notEqual(honestStep(2)[op][elem], 0);
  await caughtAtOneStep(5, 'layernorm', 2, op, elem, 22);
});

test('(c) the embedding scatter-add gradient at a repeated token: the game descends into the fold to that position', async () => {
  const gather = labelled('wte[ids]');
  const ids = program().nodes[gather].inputs[1];
  const op = program().nodes.findIndex((n) => n.op === 'scatter_rows' && n.inputs[1] === ids);
  assert.ok(op > gather, 'the wte gradient is a scatter_rows over the same ids');
  // a corrupted output keeps every accumulator honest but the last (claimedFoldSequence): the game
  // bisects the fold over the N positions down to k = N - 1, so pick a step whose last token repeats
  const N = BATCH * BLOCK;
  const S = [0, 1, 2, 3, 4, 5].find((s) => { const x = honestStep(s)[ids]; return x.indexOf(x[N - 1]) < N - 1; });
  assert.ok(S !== undefined, 'some step\'s batch ends in a repeated token');
  const x = honestStep(S)[ids], token = x[N - 1];
  const positions = [...x.keys()].filter((n) => x[n] === token);
  assert.ok(positions.length >= 2, `token ${token} at positions ${positions}`);
  const elem = token * EMBD + 3;
  const { g, file } = await caughtAtOneStep(6, 'scatter', S, op, elem, 22);
  assert.equal(program().nodes[g.agreedLen].op, 'scatter_rows');
  assert.ok(file.moves.some((m) => m.move === 'pickAcc'), 'the challenger descended into the fold');
  const k = g.foldIndex;
  // fold step k adds position k's row (REPOPS §15: scatter_rows folds over n ascending)
  assert.equal(k, N - 1, 'only the last accumulator was corrupted');
  assert.ok(positions.includes(k) && positions.some((n) => n < k), `the fold index ${k} is a position of token ${token}, which also occurs earlier (${positions})`);
  measured.scatter.repeated = { token, positions };
});

test('(d) the AdamW update of the last step: slashed by a one-step on the update', async () => {
  const op = labelled('adamw update 8'); // transformer.h.0.mlp.c_fc.weight
  await caughtAtOneStep(7, 'adamw', STEPS - 1, op, 7, 22);
});

test('an honest GPT job: trained by the solver service, replayed by the verifier bot, finalized and paid', async () => {
  const chain = h.net.client('submitter');
  const solverAddr = h.net.info.accounts[2].address;
  const before = await snapshotFunds(chain, [solverAddr]);
  const solver = await h.solverFor(2, 'honest');
  try {
    const jobId = await h.submit('honest');
    await h.until('the verifier to replay the honest job', async () => h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))?.[1].status === 'verified');
    assert.equal(h.verifier.bot.state.commits.find(([, e]) => e.jobId === String(jobId))![1].replayedSteps, STEPS);
    await increaseTime(chain.provider, Number(WINDOW) + 1);
    await h.until('finalization and the solver\'s withdrawal', async () => (await getJob(chain, jobId)).status === 'Finalized' && (await claimableOf(chain, solverAddr)) === 0n);
    const fee = (REWARD * 200n) / 10_000n;
    assert.equal(await netChange(chain, before, solverAddr), REWARD - fee, 'solver: reward - fee');
    assert.equal((await assertSolvent(chain)).jackpot, before.totals.jackpot + fee);
  } finally {
    await solver.stop();
  }
  console.log(`gpt dispute gas: ${JSON.stringify(measured, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}`);
});

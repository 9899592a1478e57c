// The arbiter state machine against the real DisputeGame on anvil (+ Redis for the solver's
// dispute data): for each kind of lie a solver can commit, an honest challenger bisects it down
// to the move that exposes it and wins; a griefing challenger with a false view loses to the
// honest solver. Both players run in-process and tick against each other; every move is a real
// transaction checked by the contracts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { getDispute } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { flipTransform } from '../commitments/tamper-hooks.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { toBits } from '../reproducible-ops/f32.ts';
import type { Engine } from '../reproducible-ops/engine.ts';
import { commitLocalRun, logitsMatmul, playDispute, stepNode, tinyEngine, type CommittedRun, type DisputeOutcome } from './dispute-helpers.ts';

let net: TestDevnet;
let dir: string;
let redis: Redis;
let eng: Engine;
const servers: CommittedRun[] = [];

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-dispute-arbiter-'));
  redis = new Redis(net.info.redisUrl);
  eng = tinyEngine(dir);
});
after(async () => {
  for (const r of servers) await r.server.close();
  redis?.disconnect();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ks = () => ({ chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket });

/** Commit a run as anvil account `solver` and dispute it from account 3 (the verifier). */
async function disputeOf(name: string, solver: number, tamper?: string, grief?: Parameters<typeof playDispute>[0]['grief']): Promise<DisputeOutcome & { run: CommittedRun }> {
  const solverClient = net.client(solver);
  const run = await commitLocalRun({ submitter: net.client('submitter'), solver: solverClient, redis, ks: ks(), dir, name, tamper });
  servers.push(run);
  const out = await playDispute({ run, solver: solverClient, challenger: net.client('verifier'), redis, ks: ks(), dir: join(dir, name), grief });
  return { ...out, run };
}

async function assertOutcome(o: DisputeOutcome, challengerWon: boolean, reason: string): Promise<void> {
  const g = await getGame(net.client('verifier'), o.disputeId);
  assert.equal(g.phase, 'Resolved');
  assert.equal(g.challengerWon, challengerWon, `moves: ${o.moves.map((m) => m.move).join(' ')}`);
  assert.equal(g.reason, reason);
  const d = await getDispute(net.client('verifier'), o.disputeId);
  assert.equal(d.status, challengerWon ? 'ChallengerWon' : 'SolverWon');
  assert.equal(o.challenger.status === 'resolved' && o.challenger.won, challengerWon);
  for (const m of o.moves) assert.ok(m.gasUsed > 0n && m.gasUsed < 1_000_000n, `${m.move} used ${m.gasUsed} gas`);
}

const names = (o: DisputeOutcome) => o.moves.map((m) => m.move);

test('flip of a matmul element (a fold): bisected to the record, the element and the accumulation step; one-step slashes', async () => {
  const mm = stepNode(eng, 'matmul');
  const o = await disputeOf('flip-fold', 4, `kind=flip,step=2,op=${mm},elem=37,bit=30`);
  await assertOutcome(o, true, 'OneStep');
  assert.equal(o.disputed, 3, 'engine step 2 is transition 3');
  const m = names(o);
  assert.deepEqual(m.slice(0, 4), ['revealFinal', 'pickStep', 'postTrace', 'startTrace']);
  assert.deepEqual(m.slice(-7), ['revealRecord', 'pickElement', 'openElement', 'postFold', 'pickAcc', 'openAcc', 'oneStep']);
  const n = eng.stepProgram.nodes.length;
  assert.equal(m.filter((x) => x === 'revealAcc').length, Math.ceil(Math.log2(n)), `ceil(log2 ${n}) bisection rounds`);
  const g = await getGame(net.client('verifier'), o.disputeId);
  assert.equal(g.agreedLen, mm, 'the disputed record is the flipped matmul');
  assert.equal(g.element, 37);
});

test('flip of a parameter update element (a map op): one-step on the sub node', async () => {
  const update = stepNode(eng, 'sub', 0, (n) => eng.stepProgram.nodes[n.inputs[0]].op === 'state');
  const o = await disputeOf('flip-map', 5, `kind=flip,step=0,op=${update},elem=3,bit=22`);
  await assertOutcome(o, true, 'OneStep');
  assert.equal(o.disputed, 1);
  assert.deepEqual(names(o).slice(-4), ['revealRecord', 'pickElement', 'openElement', 'oneStep']);
  assert.equal((await getGame(net.client('verifier'), o.disputeId)).agreedLen, update);
});

test('skip: the copy node that should write the new state is caught', async () => {
  const o = await disputeOf('skip', 6, 'kind=skip,step=4');
  await assertOutcome(o, true, 'OneStep');
  assert.equal(o.disputed, 5);
  assert.equal((await getGame(net.client('verifier'), o.disputeId)).agreedLen, stepNode(eng, 'copy'), 'the first copy node');
});

test('lr: the scale node that applies the learning rate is caught', async () => {
  const o = await disputeOf('lr', 7, 'kind=lr,scale=2,from=1');
  await assertOutcome(o, true, 'OneStep');
  assert.equal(o.disputed, 2);
  const g = await getGame(net.client('verifier'), o.disputeId);
  assert.equal(g.agreedLen, stepNode(eng, 'scale', 0, (n) => n.attrs[0] === toBits(0.1)), 'the first node that applies the learning rate');
});

test('batch: the batch op gathered the wrong rows; one-step reads the dataset', async () => {
  const o = await disputeOf('batch', 8, 'kind=batch,step=3');
  await assertOutcome(o, true, 'OneStep');
  assert.equal(o.disputed, 4);
  assert.equal((await getGame(net.client('verifier'), o.disputeId)).agreedLen, stepNode(eng, 'batch'), 'batch x');
});

test('final: revealFinal exposes a committed model hash that is not the last state', async () => {
  const o = await disputeOf('final', 9, 'kind=final');
  await assertOutcome(o, true, 'FinalModelMismatch');
  assert.deepEqual(names(o), ['revealFinal']);
});

test('grief at the init program (j = 0): a false rng output loses to the honest solver', async () => {
  const o = await disputeOf('grief-init', 4, undefined, { j: 0, transform: flipTransform(0, 5, 27) });
  await assertOutcome(o, false, 'OneStep');
  assert.equal(names(o)[1], 'pickStep');
  assert.equal((await getGame(net.client('verifier'), o.disputeId)).step, 0);
});

test('grief with a false fold value: the honest accumulator sequence wins the one-step', async () => {
  const o = await disputeOf('grief-fold', 5, undefined, { j: 2, transform: flipTransform(logitsMatmul(eng), 9, 29) });
  await assertOutcome(o, false, 'OneStep');
  assert.deepEqual(names(o).slice(-4), ['postFold', 'pickAcc', 'openAcc', 'oneStep']);
  const total = o.moves.reduce((a, m) => a + m.gasUsed, 0n);
  assert.ok(total < 10_000_000n, `whole dispute ${total} gas`);
});

// The data sub-game against the real DisputeGame on anvil: a cheater that publishes none of its
// dispute data (output tensor, accumulator sequence, post-state leaves) still loses, because the
// challenger makes it reveal its Merkle trees on chain down to the leaf it lied about; with no
// state hashes published either, a challenger with its own replay descends stepsRoot first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Engine } from '../reproducible-ops/engine.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { loadJob } from '../jobs/job.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { increaseTime } from '../chain/devnet.ts';
import type { DisputeParty } from '../arbiter/party.ts';
import type { SolverParty } from '../arbiter/solver-party.ts';
import { runTransition } from '../arbiter/transition.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { commitLocalRun, honestStates, playDispute, stepNode, tinyEngine, type CommittedRun } from './dispute-helpers.ts';
import { DATA_STEPS } from '../chain/game-state.ts';
import type { RedisDisputeData } from '../arbiter/dispute-data.ts';
import { ReplayChallengerParty } from '../arbiter/replay-challenger-party.ts';

const TIME_BANK = 600;
let net: TestDevnet;
let dir: string;
let redis: Redis;
let eng: Engine;
const runs: CommittedRun[] = [];

before(async () => {
  net = await startTestDevnet({ timeBank: TIME_BANK });
  dir = mkdtempSync(join(tmpdir(), 'optrain-dispute-data-'));
  redis = new Redis(net.info.redisUrl);
  eng = tinyEngine(dir);
});
after(async () => {
  for (const r of runs) await r.server.close();
  redis?.disconnect();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ks = () => ({ chainId: net.info.chainId, jobMarket: net.info.contracts.jobMarket });

async function play(name: string, solver: number, tamper: string, opts: Partial<Parameters<typeof playDispute>[0]>) {
  const run = await commitLocalRun({ submitter: net.client('submitter'), solver: net.client(solver), redis, ks: ks(), dir, name, tamper });
  runs.push(run);
  const out = await playDispute({ run, solver: net.client(solver), challenger: net.client('verifier'), redis, ks: ks(), dir: join(dir, name), publish: false, ...opts });
  return { ...out, game: await getGame(net.client('verifier'), out.disputeId) };
}

test('an unpublished output tensor and accumulator sequence are forced on chain; the flipped multiply-add is still caught', async () => {
  const mm = stepNode(eng, 'matmul'); // [32, 16]: two chunks, a data tree of height 1; K = 64 terms: one chunk
  // an element in the second chunk that relu passes on (positive), so the flip reaches the state
  const job = new Engine(loadJob(writeTinyJob(join(dir, 'values'), { steps: 6, checkpointInterval: 3, trainN: 128 })).setup, referenceBackend);
  const pre = job.step(job.init()).state;
  const out = runTransition(job, 2, pre.tensors).outputs[mm];
  const e = out.findIndex((v, i) => i >= 256 && v > 0.25);
  const o = await play('withheld-fold', 4, `kind=flip,step=1,op=${mm},elem=${e},bit=22`, {});
  assert.equal(o.game.phase, 'Resolved');
  assert.deepEqual([o.game.challengerWon, o.game.reason], [true, 'OneStep']);
  const m = o.moves.map((x) => x.move);
  const record = m.indexOf('revealRecord');
  assert.deepEqual(m.slice(record), [
    'revealRecord',
    'requestData', 'revealChildren', 'chooseChild', 'revealChunk', // output: root -> chunk 1
    'pickElement', 'openElement', 'postFold',
    'requestData', 'revealChunk', // the 65-entry sequence is one chunk: the root is the leaf
    'pickAcc', 'openAcc', 'oneStep',
  ]);
  assert.equal(o.game.element, e, 'the element the revealed chunk showed to differ');
});

test('unpublished post-state leaves: the challenger descends the model tree to the leaf and disputes its link; the solver cannot prove it', async () => {
  // a skip that keeps its trace honest: every copy output is right, but the post-state is the pre-state
  const S = 3;
  const postOnlyLiar = (base: SolverParty): DisputeParty => ({
    side: 'solver', engine: base.engine,
    committedHashes: () => base.committedHashes(),
    schedule: () => base.schedule(),
    finalRoots: () => base.finalRoots(),
    transition: async (j) => {
      if (j !== S + 1) return base.transition(j);
      const pre = (await base.stateAt(S)).tensors;
      return runTransition(base.engine, j, pre, { postTransform: () => pre });
    },
  });
  const o = await play('withheld-link', 5, `kind=skip,step=${S}`, {
    solverView: postOnlyLiar,
    onStall: () => increaseTime(net.client('verifier').provider, TIME_BANK + 1),
  });
  assert.deepEqual([o.game.challengerWon, o.game.reason], [true, 'Timeout']);
  const m = o.moves.map((x) => x.move);
  const depth = Math.ceil(Math.log2(eng.params.length));
  assert.deepEqual(m.slice(m.indexOf('postTrace')), [
    'postTrace', 'requestStateTree', ...Array(depth).fill(['revealChildren', 'chooseChild']).flat(), 'disputeLink', 'claimTimeout',
  ]);
  assert.equal(o.game.linkTree, 0);
});

/** Plays `tamper`'s run against a challenger that has only its own replay of the job (`ownLeaves`), not the solver's hashes. */
async function playFromReplay(name: string, solver: number, tamper: string | undefined, ownLeaves: (honest: Buffer[]) => Buffer[], opts: Partial<Parameters<typeof playDispute>[0]>) {
  const run = await commitLocalRun({ submitter: net.client('submitter'), solver: net.client(solver), redis, ks: ks(), dir, name, tamper });
  runs.push(run);
  const T = Number(run.job.params.numSteps);
  const own = ownLeaves(honestStates(run.engine, T).map((s) => run.engine.stateHash(s)));
  const challengerParty = (source: RedisDisputeData) => new ReplayChallengerParty({ engine: run.engine, schedule: { numSteps: T, hashInterval: 1 }, ownLeaves: () => own, source });
  const out = await playDispute({ run, solver: net.client(solver), challenger: net.client('verifier'), redis, ks: ks(), dir: join(dir, name), publish: false, challengerParty, ...opts });
  return { ...out, T, game: await getGame(net.client('verifier'), out.disputeId) };
}

const descentOf = (T: number) => ['requestStepsTree', ...Array(Math.ceil(Math.log2(T + 1))).fill(['revealChildren', 'chooseChild']).flat(), 'pickStep'];

test('no hashes published: a challenger with its own replay descends stepsRoot (restarted mid-descent), picks the first wrong leaf and wins the one-step', async () => {
  const mm = stepNode(eng, 'matmul');
  let restarted = false;
  const o = await playFromReplay('steps-descent', 6, `kind=flip,step=2,op=${mm},elem=37,bit=30`, (honest) => honest, {
    restartWhen: (g) => (restarted = g.phase === 'AwaitDataChoice' && g.dataTarget === DATA_STEPS && g.dataHeight === 1),
  });
  assert.ok(restarted, 'both bots were rebuilt in the middle of the descent');
  assert.deepEqual([o.game.challengerWon, o.game.reason], [true, 'OneStep']);
  const m = o.moves.map((x) => x.move);
  assert.deepEqual(m.slice(0, m.indexOf('pickStep') + 1), ['revealFinal', ...descentOf(o.T)]);
  assert.equal(o.game.step, 3, 'engine step 2 is transition 3, reached without the solver\'s hash list');
  assert.equal(m.at(-1), 'oneStep');
});

test('an honest solver challenged through the steps tree (a griefer\'s false replay) reveals its nodes and wins on the griefer\'s clock', async () => {
  const o = await playFromReplay('steps-grief', 7, undefined, (honest) => honest.map((h, m) => (m >= 3 ? Buffer.alloc(32, m) : h)), {
    onStall: () => increaseTime(net.client('verifier').provider, TIME_BANK + 1),
  });
  assert.deepEqual([o.game.challengerWon, o.game.reason], [false, 'Timeout']);
  const m = o.moves.map((x) => x.move);
  assert.deepEqual(m, ['revealFinal', ...descentOf(o.T), 'postTrace', 'claimTimeout'], 'the honest trace leaves the griefer nothing to dispute');
  assert.equal(o.game.step, 3, 'the griefer\'s first false leaf');
});

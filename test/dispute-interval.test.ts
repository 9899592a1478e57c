// The interval round of the dispute game (hashInterval K > 1) played by the arbiter on a real
// DisputeGame on anvil: a job of 10 steps with K = 4 commits leaves H[0], H[4], H[8], H[10];
// pickStep names a leaf, the solver posts the hashes inside its interval (postMids), the
// challenger names the first wrong transition (pickMid) and the game goes on with that real
// transition to the one-step. Covers a full interval, the short last interval (8, 10], a lie in
// the interval's last transition, and a griefer against an honest solver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { getGame } from '../chain/actions/dispute-game.ts';
import { getDispute } from '../chain/actions/get-job.ts';
import type { Engine } from '../reproducible-ops/engine.ts';
import { griefTransform } from '../verifier/examine.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { commitLocalRun, logitsMatmul, playDispute, tinyEngine, type CommittedRun, type DisputeOutcome } from './dispute-helpers.ts';

const K = 4;
const STEPS = 10;
let net: TestDevnet;
let dir: string;
let redis: Redis;
let eng: Engine;
const runs: CommittedRun[] = [];

before(async () => {
  net = await startTestDevnet();
  dir = mkdtempSync(join(tmpdir(), 'optrain-dispute-interval-'));
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

type PlayOptions = Parameters<typeof playDispute>[0];

async function disputeOf(name: string, solver: number, tamper?: string, grief?: PlayOptions['grief'], restartWhen?: PlayOptions['restartWhen']): Promise<DisputeOutcome & { run: CommittedRun }> {
  const solverClient = net.client(solver);
  const run = await commitLocalRun({ submitter: net.client('submitter'), solver: solverClient, redis, ks: ks(), dir, name, tamper, steps: STEPS, hashInterval: K });
  runs.push(run);
  const out = await playDispute({ run, solver: solverClient, challenger: net.client('verifier'), redis, ks: ks(), dir: join(dir, name), grief, restartWhen });
  return { ...out, run };
}

/** The outcome on chain and the transition the game ended up disputing. */
async function assertOutcome(o: DisputeOutcome, challengerWon: boolean, reason: string, step: number): Promise<void> {
  const g = await getGame(net.client('verifier'), o.disputeId);
  assert.equal(g.phase, 'Resolved');
  assert.equal(g.challengerWon, challengerWon, `moves: ${o.moves.map((m) => m.move).join(' ')}`);
  assert.equal(g.reason, reason);
  assert.equal(g.step, step, 'the game went on with the real transition pickMid named');
  assert.equal(g.hashInterval, K);
  assert.notEqual(g.midsHash, '0x' + '00'.repeat(32), 'postMids stored the hash of the mids');
  assert.equal((await getDispute(net.client('verifier'), o.disputeId)).status, challengerWon ? 'ChallengerWon' : 'SolverWon');
  for (const m of o.moves) assert.ok(m.gasUsed > 0n && m.gasUsed < 1_000_000n, `${m.move} used ${m.gasUsed} gas`);
}

const names = (o: DisputeOutcome) => o.moves.map((m) => m.move);

test('a flipped logit in transition 6 (inside leaf 2\'s interval (4, 8]): pickStep(2) -> postMids -> pickMid -> one-step, challenger wins', async () => {
  const o = await disputeOf('flip-mid', 4, `kind=flip,step=5,op=${logitsMatmul(eng)},elem=10,bit=22`);
  assert.equal(o.run.manifest.stateHashes.length, 4, 'leaves H[0], H[4], H[8], H[10]');
  assert.equal(o.disputed, 2);
  await assertOutcome(o, true, 'OneStep', 6);
  assert.deepEqual(names(o).slice(0, 5), ['revealFinal', 'pickStep', 'postMids', 'pickMid', 'postTrace']);
  assert.deepEqual(names(o).slice(-6), ['pickElement', 'openElement', 'postFold', 'pickAcc', 'openAcc', 'oneStep']);
});

test('a lie in the last transition of an interval: every mid agrees, pickMid names the interval end', async () => {
  const o = await disputeOf('flip-end', 5, `kind=flip,step=7,op=${logitsMatmul(eng)},elem=10,bit=22`); // transition 8 = leaf 2
  assert.equal(o.disputed, 2);
  await assertOutcome(o, true, 'OneStep', 8);
  assert.deepEqual(names(o).slice(0, 4), ['revealFinal', 'pickStep', 'postMids', 'pickMid']);
});

test('the short last interval (8, 10]: one mid, the lie at transition 9 is found', async () => {
  const o = await disputeOf('flip-last', 6, `kind=flip,step=8,op=${logitsMatmul(eng)},elem=10,bit=22`);
  assert.equal(o.disputed, 3);
  await assertOutcome(o, true, 'OneStep', 9);
  assert.deepEqual(names(o).slice(0, 4), ['revealFinal', 'pickStep', 'postMids', 'pickMid']);
});

test('kind=skip inside an interval (H[6] = the tensors of H[5]): the solver posts its skipped mid, pickMid names transition 6', async () => {
  const o = await disputeOf('skip-mid', 4, 'kind=skip,step=5');
  assert.equal(o.disputed, 2);
  await assertOutcome(o, true, 'OneStep', 6);
  assert.deepEqual(names(o).slice(0, 5), ['revealFinal', 'pickStep', 'postMids', 'pickMid', 'postTrace']);
});

test('a griefer with a false view of transition 2 loses to the honest solver\'s mids', async () => {
  const o = await disputeOf('grief', 7, undefined, { j: 2, transform: griefTransform(eng) });
  assert.equal(o.disputed, 1);
  await assertOutcome(o, false, 'OneStep', 2);
  assert.deepEqual(names(o).slice(0, 4), ['revealFinal', 'pickStep', 'postMids', 'pickMid']);
});

for (const phase of ['AwaitMids', 'AwaitMidPick'] as const)
  test(`both players rebuilt from scratch in ${phase}: the interval round resumes from chain state and the dispute is won`, async () => {
    let restarted = false;
    const o = await disputeOf(`resume-${phase}`, phase === 'AwaitMids' ? 8 : 9, `kind=flip,step=5,op=${logitsMatmul(eng)},elem=10,bit=22`, undefined, (g) => (restarted = g.phase === phase));
    assert.ok(restarted, `the game passed through ${phase}`);
    await assertOutcome(o, true, 'OneStep', 6);
    assert.deepEqual(names(o).slice(0, 5), ['revealFinal', 'pickStep', 'postMids', 'pickMid', 'postTrace'], 'each move once');
  });

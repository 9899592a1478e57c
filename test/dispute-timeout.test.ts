// Chess clocks on a real anvil + redis-server (small time bank, evm_increaseTime): a party that
// stops answering in the middle of the trace bisection loses on its clock, and the other side's
// bot claims the timeout. Both directions: a griefing verifier that goes away loses its bond to
// the honest solver; a cheating solver that goes away loses its stake to the verifier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disputesOfJob, getDispute, getJob } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { increaseTime } from '../chain/devnet.ts';
import { disputeSummary } from '../arbiter/dispute-summary.ts';
import { moverOf, type GameState } from '../chain/game-state.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startSolver } from '../solver/start.ts';
import { startVerifier } from '../verifier/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { assertSolvent, BOND, logitsMatmul, netChange, REWARD, snapshotFunds, STAKE, tinyEngine } from './dispute-helpers.ts';

const TIME_BANK = 60;
let net: TestDevnet;
let dir: string;

before(async () => {
  net = await startTestDevnet({ timeBank: TIME_BANK });
  dir = mkdtempSync(join(tmpdir(), 'optrain-dispute-timeout-'));
});
after(async () => {
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function submit(name: string): Promise<bigint> {
  const jobFile = writeTinyJob(join(dir, `job-${name}`), { steps: 6, checkpointInterval: 3, name, trainN: 256 });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: REWARD, stake: STAKE, bond: BOND,
    claimWindow: 3600n, solveTime: 3600n, challengeWindow: 3600n,
  });
  return sub.jobId;
}

const bisecting = (g: GameState) => (g.phase === 'AwaitAcc' || g.phase === 'AwaitAccChoice') && g.disputedLen - g.agreedLen <= 39;

/** Stop `quitter` mid-bisection, wait until it is its turn, and let its clock run out. */
async function abandon(disputeId: bigint, quitter: { stop(): Promise<void> }, side: 'solver' | 'challenger'): Promise<void> {
  const chain = net.client('submitter');
  await waitFor('the bisection to be under way', async () => bisecting(await getGame(chain, disputeId)), 60_000, 20);
  await quitter.stop();
  const g = await waitFor(`the ${side} to be the side to move`, async () => {
    const now = await getGame(chain, disputeId);
    return moverOf(now.phase) === side ? now : null;
  }, 30_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await getGame(chain, disputeId), g, `the game waits for the ${side}`);
  await increaseTime(chain.provider, TIME_BANK + 1);
}

async function resolution(disputeId: bigint) {
  return waitFor(`dispute ${disputeId} to resolve`, async () => {
    const d = await getDispute(net.client('submitter'), disputeId);
    return d.status === 'Active' ? null : d;
  }, 60_000);
}

test('a griefing verifier that stops answering loses on its clock; the honest solver claims the timeout and the bond', async () => {
  const chain = net.client('submitter');
  const solverAddr = net.info.accounts[2].address, griefAddr = net.info.accounts[3].address;
  const before = await snapshotFunds(chain, [solverAddr, griefAddr]);
  const solver = await startSolver({ net: net.info, privateKey: net.info.accounts[2].privateKey, dataDir: join(dir, 'solver'), backend: referenceBackend, queueSuffix: `timeout-a${process.pid}`, pollMs: 100, log: () => undefined });
  const griefer = await startVerifier({ net: net.info, privateKey: net.info.accounts[3].privateKey, dataDir: join(dir, 'griefer'), backend: referenceBackend, tamper: 'kind=grief', pollMs: 100, nudgeMs: 200, log: () => undefined });
  try {
    const jobId = await submit('grief-timeout');
    const disputeId = await waitFor('the griefer to challenge', async () => (await disputesOfJob(chain, jobId))[0] ?? null, 60_000);
    await abandon(disputeId, griefer, 'challenger');
    const d = await resolution(disputeId);
    assert.equal(d.status, 'SolverWon');
    assert.equal((await getGame(chain, disputeId)).reason, 'Timeout');
    const moves = (await disputeSummary(chain, disputeId)).moves;
    assert.equal(moves.at(-1)!.move, 'claimTimeout');
    assert.equal(moves.at(-1)!.from.toLowerCase(), solverAddr.toLowerCase(), 'the solver claimed it');
    assert.equal(await netChange(chain, before, griefAddr), -BOND, 'the griefer lost its bond');
    assert.equal(await claimableOf(chain, solverAddr), BOND - (BOND * 1_000n) / 10_000n, "90% of the bond is the solver's");
    await assertSolvent(chain);
  } finally {
    await griefer.stop();
    await solver.stop();
  }
});

test('a cheating solver that stops answering loses on its clock; the verifier claims the timeout and the stake', async () => {
  const chain = net.client('submitter');
  const verifier = await startVerifier({ net: net.info, privateKey: net.info.accounts[5].privateKey, dataDir: join(dir, 'verifier'), backend: referenceBackend, sampleRate: 1, pollMs: 100, nudgeMs: 200, log: () => undefined });
  const cheater = await startSolver({
    net: net.info, privateKey: net.info.accounts[4].privateKey, dataDir: join(dir, 'cheater'), backend: referenceBackend,
    tamper: `kind=flip,step=2,op=${logitsMatmul(tinyEngine(dir))},elem=10,bit=22`, queueSuffix: `timeout-b${process.pid}`, pollMs: 100, log: () => undefined,
  });
  try {
    const jobId = await submit('cheat-timeout');
    const disputeId = await waitFor('the verifier to challenge', async () => (await disputesOfJob(chain, jobId))[0] ?? null, 60_000);
    await abandon(disputeId, cheater, 'solver');
    const d = await resolution(disputeId);
    assert.equal(d.status, 'ChallengerWon');
    assert.equal((await getGame(chain, disputeId)).reason, 'Timeout');
    const last = (await disputeSummary(chain, disputeId)).moves.at(-1)!;
    assert.deepEqual([last.move, last.from.toLowerCase()], ['claimTimeout', verifier.address.toLowerCase()]);
    await waitFor('the verifier to withdraw', async () => (await claimableOf(chain, verifier.address)) === 0n);
    await assertSolvent(chain);
  } finally {
    await verifier.stop();
    await cheater.stop();
  }
});

// Crash and resume in the middle of a dispute, on a real anvil + redis-server: the verifier and a
// cheating solver are stopped (in-process) or SIGKILLed (as `optrain ... start` child processes)
// while the trace bisection is under way; restarted on the same data directories (and Redis),
// both pick the dispute up from chain state plus their files, and the verifier still wins.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disputesOfJob, getDispute, getJob } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { sendTx } from '../chain/client.ts';
import { writeDevnet } from '../chain/devnet.ts';
import { disputeSummary } from '../arbiter/dispute-summary.ts';
import { DisputeStore } from '../arbiter/store.ts';
import type { GameState } from '../chain/game-state.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { startSolver } from '../solver/start.ts';
import { startVerifier } from '../verifier/start.ts';
import { submitJob } from '../cli/commands/job-submit.ts';
import { startTestDevnet, type TestDevnet } from './helpers/devnet.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';
import { waitFor } from './helpers/chain.ts';
import { BOND, logitsMatmul, REWARD, STAKE, tinyEngine } from './dispute-helpers.ts';

let TAMPER: string; // a flip of one logits element at step 4 (node index derived from the program)
const BIN = join(import.meta.dirname, '../bin/optrain.mjs');
let net: TestDevnet;
let dir: string;
let devnetFile: string;
const children = new Set<ChildProcess>();
const events: string[] = [];
const log = (who: string) => (event: string, f: Record<string, unknown>) =>
  void events.push(`${who} ${event} ${JSON.stringify(f, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);

before(async () => {
  net = await startTestDevnet({ timeBank: 600 });
  dir = mkdtempSync(join(tmpdir(), 'optrain-dispute-resume-'));
  devnetFile = writeDevnet(net.info, join(dir, 'devnet.json'));
  TAMPER = `kind=flip,step=4,op=${logitsMatmul(tinyEngine(dir))},elem=10,bit=22`;
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function submit(name: string): Promise<bigint> {
  const jobFile = writeTinyJob(join(dir, `job-${name}`), { steps: 8, checkpointInterval: 3, name, trainN: 256 });
  const sub = await submitJob({
    net: net.info, privateKey: net.info.accounts[1].privateKey, jobFile, reward: REWARD, stake: STAKE, bond: BOND,
    claimWindow: 3600n, solveTime: 3600n, challengeWindow: 3600n,
  });
  return sub.jobId;
}

/** The game is in the middle of the trace bisection (some rounds done, some to go). */
const midBisection = (g: GameState) => (g.phase === 'AwaitAcc' || g.phase === 'AwaitAccChoice') && g.disputedLen - g.agreedLen <= 39 && g.disputedLen - g.agreedLen > 2;

async function disputeOf(jobId: bigint): Promise<bigint> {
  return waitFor(`a dispute over job ${jobId}`, async () => (await disputesOfJob(net.client('submitter'), jobId))[0] ?? null, 120_000);
}

async function resolved(disputeId: bigint) {
  try {
    return await waitFor(`dispute ${disputeId} to resolve`, async () => {
      const d = await getDispute(net.client('submitter'), disputeId);
      return d.status === 'Active' ? null : d;
    }, 60_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${events.slice(-15).join('\n')}`);
  }
}

test('verifier and solver services stopped mid-bisection and restarted: the dispute continues and is won', async () => {
  const chain = net.client('submitter');
  const vDir = join(dir, 'verifier-a'), sDir = join(dir, 'solver-a');
  const start = () => Promise.all([
    startVerifier({ net: net.info, privateKey: net.info.accounts[3].privateKey, dataDir: vDir, backend: referenceBackend, sampleRate: 1, pollMs: 100, nudgeMs: 200, log: log('verifier') }),
    startSolver({ net: net.info, privateKey: net.info.accounts[4].privateKey, dataDir: sDir, backend: referenceBackend, tamper: TAMPER, queueSuffix: `resume-a${process.pid}`, pollMs: 100, log: log('solver') }),
  ]);
  let [verifier, solver] = await start();
  const jobId = await submit('resume-a');
  const disputeId = await disputeOf(jobId);
  await waitFor('the bisection to be under way', async () => midBisection(await getGame(chain, disputeId)), 60_000, 20);
  await Promise.all([verifier.stop(), solver.stop()]);
  const frozen = await getGame(chain, disputeId);
  assert.ok(frozen.phase !== 'Resolved', `stopped mid-dispute (${frozen.phase})`);
  const movesBefore = new DisputeStore(join(vDir, 'disputes')).load(disputeId)!.moves.length;
  assert.ok(movesBefore >= 3, `the verifier had made ${movesBefore} moves`);

  [verifier, solver] = await start();
  try {
    const d = await resolved(disputeId);
    assert.equal(d.status, 'ChallengerWon');
    await waitFor('the verifier to withdraw', async () => (await claimableOf(chain, verifier.address)) === 0n);
    // the verifier's file kept the moves from before the stop and appended the rest: exactly its moves on chain
    const file = new DisputeStore(join(vDir, 'disputes')).load(disputeId)!;
    const onChain = (await disputeSummary(chain, disputeId)).moves.filter((m) => m.from.toLowerCase() === verifier.address.toLowerCase());
    assert.deepEqual(file.moves.map((m) => m.tx), onChain.map((m) => m.tx));
    assert.ok(file.moves.length > movesBefore);
    assert.deepEqual(file.outcome, { challengerWon: true, reason: 'OneStep', won: true });
    await sendTx(chain, chain.market, 'cancelJob', [jobId]); // keep the reopened job away from the next test's solver
  } finally {
    await Promise.all([verifier.stop(), solver.stop()]);
  }
});

/** `optrain <args>` as a child process; resolves once it printed its started event. */
async function spawnCli(args: string[], started: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, ...args, '--devnet', devnetFile, '--json', '--poll-ms', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  await waitFor(`${args.slice(0, 2).join(' ')} to start`, async () => out.includes(`"event":"${started}"`) || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`optrain ${args.join(' ')} exited ${child.exitCode}:\n${out}`);
  return child;
}

test('verifier and solver processes SIGKILLed mid-bisection and restarted: the dispute is still won', async () => {
  const chain = net.client('submitter');
  const verifierArgs = ['verifier', 'start', '--account', '3', '--data-dir', join(dir, 'verifier-b'), '--sample-rate', '1'];
  const solverArgs = ['solver', 'start', '--account', '5', '--data-dir', join(dir, 'solver-b'), '--tamper', TAMPER, '--queue-suffix', `resume-b${process.pid}`];
  let [v, s] = await Promise.all([spawnCli(verifierArgs, 'verifier-started'), spawnCli(solverArgs, 'solver-started')]);
  const jobId = await submit('resume-b');
  const disputeId = await disputeOf(jobId);
  await waitFor('the bisection to be under way', async () => midBisection(await getGame(chain, disputeId)), 60_000, 20);
  v.kill('SIGKILL');
  s.kill('SIGKILL');
  await waitFor('both processes to die', async () => v.exitCode !== null || v.signalCode !== null ? s.exitCode !== null || s.signalCode !== null : false, 10_000);
  const frozen = await getGame(chain, disputeId);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await getGame(chain, disputeId), frozen, 'nobody moves while both are down');
  assert.ok(frozen.phase !== 'Resolved');

  [v, s] = await Promise.all([spawnCli(verifierArgs, 'verifier-started'), spawnCli(solverArgs, 'solver-started')]);
  try {
    const d = await resolved(disputeId);
    assert.equal(d.status, 'ChallengerWon');
    assert.equal((await getGame(chain, disputeId)).reason, 'OneStep');
    await waitFor('the verifier to withdraw', async () => (await claimableOf(chain, net.info.accounts[3].address)) === 0n);
  } finally {
    v.kill('SIGTERM');
    s.kill('SIGTERM');
  }
});

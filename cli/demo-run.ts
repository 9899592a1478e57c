// `optrain demo`: the whole story on a fresh devnet, with the real processes' code in one
// process: an honest solver's job is verified, finalized and paid; then a cheating solver
// (--tamper, default a flipped bit) is caught by the verifier, bisected down to one binary32
// operation, slashed, and the verifier withdraws its winnings. Progress goes to `say`; the
// result is a summary per job (status, dispute moves and gas, wall-clock seconds).
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatEther, parseEther } from 'ethers';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import { loadJob } from '../jobs/job.ts';
import { BlobStore, serveBlobs } from '../jobs/blobstore.ts';
import { disputesOfJob, getDispute, getJob, getMarketTotals } from '../chain/actions/get-job.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { createClient, type ChainClient } from '../chain/client.ts';
import { hasArtifact } from '../chain/artifacts.ts';
import { increaseTime, ROLE_ACCOUNTS, startDevnet, stopDevnet, writeDevnet, type DevnetInfo } from '../chain/devnet.ts';
import { killPid } from '../chain/processes.ts';
import { disputeSummary } from '../arbiter/dispute-summary.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import { moverOf } from '../chain/game-state.ts';
import { startSolver, type RunningSolver } from '../solver/start.ts';
import { submitJob } from './commands/job-submit.ts';
import { writeDemoJob } from '../jobs/demo-job.ts';
import { startVerifier, type RunningVerifier } from '../verifier/start.ts';

/** What the default cheater does (its op index is read off the demo job's step program). */
export const DEFAULT_DEMO_TAMPER_TEXT = 'kind=flip,step=3,op=<the logits matmul>,elem=10,bit=22';

/** The default cheat: one bit of one logit at step 3 (every logit reaches the loss, so it propagates). */
export function defaultDemoTamper(dir: string): string {
  const engine = new Engine(loadJob(writeDemoJob(join(dir, 'probe-job'), 'demo-probe', STEPS)).setup);
  const logits = engine.stepProgram.nodes.flatMap((n, i) => (n.op === 'matmul' ? [i] : []))[1];
  return `kind=flip,step=3,op=${logits},elem=10,bit=22`;
}
export const DEMO_STEPS = 8;
const STEPS = DEMO_STEPS;
const WINDOW = 600n;
const CHEATER_ACCOUNT = 4;

export interface DemoJob {
  jobId: string;
  solver: string;
  tamper: string | null;
  status: 'finalized' | 'slashed';
  seconds: number;
  dispute: { disputeId: string; moves: number; totalGas: string; moveNames: string[]; winner: 'solver' | 'challenger'; reason: string } | null;
}

export interface DemoSummary {
  jobs: DemoJob[];
  verifier: { address: string; withdrawn: string };
  jackpot: string;
  seconds: number;
}

export interface DemoOptions {
  tamper?: string;
  say: (line: string) => void;
  /** Abort (SIGINT/SIGTERM): the demo stops waiting, and stops and removes everything it started. */
  signal?: AbortSignal;
  /**
   * Leave the devnet running (anvil, redis-server and the blob server detached) and write its
   * devnet file here, so `optrain explorer` can show it and `optrain devnet down` stops it.
   * The solvers' published results are copied to the devnet's blob server before they stop.
   */
  keepDevnetFile?: string;
}

interface Ctx {
  info: DevnetInfo;
  chain: ChainClient;
  dir: string;
  say: (line: string) => void;
  withdrawn: bigint;
  signal?: AbortSignal;
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'optrain-demo-'));
  // Backstop for an exit that skips the finally below: redis-server runs daemonized and would
  // outlive us, and the temp dir would stay.
  let info: DevnetInfo | undefined;
  const onExit = () => {
    if (info && !o.keepDevnetFile) for (const pid of [info.pids.anvil, info.pids.redis]) killPid(pid);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const stops: (() => Promise<void>)[] = [];
  try {
    if (!['JobMarket', 'OpSemanticsExt', 'OneStepProver', 'DisputeGame'].every((n) => hasArtifact(n))) o.say('compiling the contracts with forge first (once per checkout; solc-js takes a few minutes)');
    o.say('starting a fresh devnet: anvil + redis-server on free ports, JobMarket + OneStepProver + DisputeGame deployed');
    const keep = o.keepDevnetFile;
    info = await startDevnet(keep ? { dir: dirname(keep), detached: true, blobDaemon: true, deployVia: 'ethers', timeBank: 600 } : { dir, detached: false, deployVia: 'ethers', timeBank: 600 });
    const devnet = info;
    if (keep) {
      writeDevnet(devnet, keep);
      stops.push(async () => copyBlobs(dir, devnet.blobDir));
    } else {
      stops.push(() => stopDevnet(devnet).then(() => undefined));
      const blobs = await serveBlobs(new BlobStore(info.blobDir), { allowPut: true });
      stops.push(() => blobs.close());
      info.blobUrl = blobs.url;
    }
    o.signal?.throwIfAborted();
    const chain = createClient({ rpcUrl: info.rpcUrl, contracts: info.contracts, gameArtifact: info.gameKind, pollingIntervalMs: 100 });
    stops.push(async () => chain.provider.destroy());
    const ctx: Ctx = { info, chain, dir, say: o.say, withdrawn: 0n, signal: o.signal };
    o.say(`devnet up: ${info.rpcUrl} (chain ${info.chainId}), redis ${info.redisUrl}; JobMarket ${info.contracts.jobMarket}`);
    const verifier = await startVerifier({
      net: info, privateKey: info.accounts[ROLE_ACCOUNTS.verifier].privateKey, dataDir: join(dir, 'verifier'), backend: referenceBackend,
      sampleRate: 1, pollMs: 150, nudgeMs: 300, log: narrate(ctx, 'verifier'),
    });
    stops.push(() => verifier.stop());
    o.signal?.throwIfAborted();
    o.say(`verifier ${verifier.address} watching (sample rate 1: it replays every step of these tiny jobs)`);
    const honest = await honestJob(ctx, verifier, stops);
    const cheat = await cheatingJob(ctx, verifier, o.tamper ?? defaultDemoTamper(dir), stops);
    const totals = await getMarketTotals(chain);
    return { jobs: [honest, cheat], verifier: { address: verifier.address, withdrawn: formatEther(ctx.withdrawn) }, jackpot: formatEther(totals.jackpot), seconds: secondsSince(t0) };
  } catch (e) {
    // A failed or interrupted demo leaves nothing running, --keep or not.
    if (o.keepDevnetFile && info) {
      const devnet = info;
      stops.push(async () => void (await stopDevnet(devnet), rmSync(o.keepDevnetFile!, { force: true })));
    }
    throw e;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', onExit);
  }
}

async function startDemoSolver(ctx: Ctx, account: number, name: string, tamper?: string): Promise<RunningSolver> {
  return startSolver({
    net: ctx.info, privateKey: ctx.info.accounts[account].privateKey, dataDir: join(ctx.dir, `solver-${name}`), backend: referenceBackend,
    tamper, queueSuffix: name, pollMs: 150, log: narrate(ctx, `${name} solver`),
  });
}

/** The solvers' checkpoints and result manifests, into the devnet's shared blob store (content-addressed: a plain copy). */
function copyBlobs(workDir: string, blobDir: string): void {
  for (const sub of existsSync(workDir) ? readdirSync(workDir).filter((d) => d.startsWith('solver-')) : []) {
    const from = join(workDir, sub, 'blobs');
    if (!existsSync(from)) continue;
    for (const f of readdirSync(from)) if (/^[0-9a-f]{64}$/.test(f)) copyFileSync(join(from, f), join(blobDir, f));
  }
}

async function submit(ctx: Ctx, name: string): Promise<bigint> {
  const jobFile = writeDemoJob(join(ctx.dir, `job-${name}`), `demo-${name}`, STEPS);
  const sub = await submitJob({
    net: ctx.info, privateKey: ctx.info.accounts[ROLE_ACCOUNTS.submitter].privateKey, jobFile, reward: parseEther('0.01'),
    stake: parseEther('0.1'), bond: parseEther('0.05'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: WINDOW,
  });
  ctx.say(`submitter posted job ${sub.jobId} (${STEPS}-step MLP, reward 0.01 ETH, solver stake 0.1 ETH, challenger bond 0.05 ETH)`);
  return sub.jobId;
}

async function honestJob(ctx: Ctx, verifier: RunningVerifier, stops: (() => Promise<void>)[]): Promise<DemoJob> {
  const t0 = Date.now();
  const solver = await startDemoSolver(ctx, ROLE_ACCOUNTS.solver, 'honest');
  stops.push(() => solver.stop());
  const jobId = await submit(ctx, 'honest');
  await until(ctx, `job ${jobId} to be committed`, async () => (await getJob(ctx.chain, jobId)).status === 'Committed');
  await until(ctx, `the verifier to check job ${jobId}`, async () => verifierEntry(verifier, jobId) === 'verified');
  ctx.say(`fast-forwarding the ${WINDOW} s challenge window (evm_increaseTime)`);
  await increaseTime(ctx.chain.provider, Number(WINDOW) + 1);
  await until(ctx, `job ${jobId} to be finalized and paid`, async () => (await getJob(ctx.chain, jobId)).status === 'Finalized' && (await claimableOf(ctx.chain, solver.address)) === 0n);
  await solver.stop(); // its successor is the cheater; an honest solver would take the next job
  return { jobId: String(jobId), solver: solver.address, tamper: null, status: 'finalized', seconds: secondsSince(t0), dispute: null };
}

async function cheatingJob(ctx: Ctx, verifier: RunningVerifier, tamper: string, stops: (() => Promise<void>)[]): Promise<DemoJob> {
  const t0 = Date.now();
  ctx.say(`a cheating solver joins: --tamper '${tamper}'`);
  const solver = await startDemoSolver(ctx, CHEATER_ACCOUNT, 'cheating', tamper);
  stops.push(() => solver.stop());
  const fromBlock = await ctx.chain.provider.getBlockNumber();
  const jobId = await submit(ctx, 'cheating');
  const disputeId = await until(ctx, `the verifier to challenge job ${jobId}`, async () => (await disputesOfJob(ctx.chain, jobId))[0] ?? null);
  const d = await resolveDispute(ctx, disputeId);
  await until(ctx, 'the verifier to withdraw', async () => (await claimableOf(ctx.chain, verifier.address)) === 0n);
  const s = await disputeSummary(ctx.chain, disputeId, fromBlock);
  ctx.say(`dispute ${disputeId}: ${s.moves.length} moves, ${s.totalGas} gas in total; ${d.status === 'ChallengerWon' ? 'the solver was slashed' : 'the solver defended its result'} (${s.reason})`);
  return {
    jobId: String(jobId), solver: solver.address, tamper, status: d.status === 'ChallengerWon' ? 'slashed' : 'finalized', seconds: secondsSince(t0),
    dispute: {
      disputeId: String(disputeId), moves: s.moves.length, totalGas: String(s.totalGas), moveNames: s.moves.map((m) => m.move),
      winner: s.challengerWon ? 'challenger' : 'solver', reason: s.reason,
    },
  };
}

/**
 * Wait for the dispute to end. A side that stops answering (e.g. --tamper kind=withhold) would
 * make the demo wait out its whole time bank: after 5 s without a move the clock is fast-forwarded.
 */
async function resolveDispute(ctx: Ctx, disputeId: bigint) {
  let last = '', since = Date.now();
  return until(ctx, `dispute ${disputeId} to resolve`, async () => {
    const r = await getDispute(ctx.chain, disputeId);
    if (r.status !== 'Active') return r;
    const g = await getGame(ctx.chain, disputeId);
    const turn = `${g.phase}:${g.turnStartedAt}:${g.step}:${g.agreedLen}:${g.disputedLen}`;
    if (turn !== last) [last, since] = [turn, Date.now()];
    else if (Date.now() - since > 5_000) {
      ctx.say(`the ${moverOf(g.phase)} has not moved for 5 s (${g.phase}): fast-forwarding its ${ctx.info.timeBank} s clock`);
      await increaseTime(ctx.chain.provider, ctx.info.timeBank + 1);
      since = Date.now();
    }
    return null;
  });
}

function verifierEntry(verifier: RunningVerifier, jobId: bigint): string | undefined {
  return verifier.bot.state.commits.find(([, c]) => c.jobId === String(jobId))?.[1].status;
}

/** Poll until `f` gives a truthy value (3 minutes at most: the demo is meant to take about one). */
async function until<T>(ctx: Ctx, what: string, f: () => Promise<T>): Promise<NonNullable<T>> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (ctx.signal?.aborted) throw new Error('interrupted');
    const v = await f();
    if (v) return v as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`demo: timed out waiting for ${what}`);
}

const secondsSince = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;

/** Bot events as readable progress lines (the interesting ones). */
function narrate(ctx: Ctx, who: string) {
  return (event: string, f: Record<string, unknown>) => {
    if (who === 'verifier' && event === 'withdrew') ctx.withdrawn += f.amount as bigint;
    const line = describe(event, f);
    if (line) ctx.say(`${who}: ${line}`);
  };
}

function describe(event: string, f: Record<string, unknown>): string | null {
  switch (event) {
    case 'claimed': return `claimed job ${f.jobId} (staked ${formatEther(f.stake as bigint)} ETH)`;
    case 'committed': return `trained and committed job ${f.jobId}: stepsRoot ${String(f.stepsRoot).slice(0, 18)}…`;
    case 'checked': return `replayed ${f.replayedSteps} steps of job ${f.jobId}: ${f.reason}`;
    case 'challenged': return `challenged job ${f.jobId} (dispute ${f.disputeId}, leaf ${f.leaf}): ${f.reason}`;
    case 'dispute-move': return `${f.move} (${f.gasUsed} gas)`;
    case 'dispute-silent': return `does not move in ${f.phase}: ${f.reason}`;
    case 'dispute-data-withheld': return `forces the data on chain (data sub-game): ${f.reason}`;
    case 'dispute-resolved': return `dispute ${f.disputeId} over: ${f.won ? 'won' : 'lost'} (${f.reason})`;
    case 'finalized': return `finalized job ${f.jobId}`;
    case 'withdrew': return `withdrew ${formatEther(f.amount as bigint)} ETH`;
    case 'job-lost': return `lost job ${f.jobId} (it is ${f.status} again)`;
    case 'error': case 'commit-error': case 'job-error': case 'dispute-error': return `error: ${f.error}`;
    default: return null;
  }
}

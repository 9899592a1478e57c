// Helpers of the dispute tests: a job committed on a real devnet from a run trained locally with
// the solver's own training loop (commitments/train-run.ts + tamper plan), and two in-process dispute
// players (solver and challenger) ticking against each other until the game resolves.
import { join } from 'node:path';
import { parseEther } from 'ethers';
import type { Redis } from 'ioredis';
import { Engine } from '../reproducible-ops/engine.ts';
import { referenceBackend } from '../reproducible-ops/backend/reference.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { BlobStore, serveBlobs, type BlobServer } from '../jobs/blobstore.ts';
import { loadJob } from '../jobs/job.ts';
import { redisKeys, type KeySpace } from '../jobs/redis-keys.ts';
import { postJob } from '../chain/actions/post-job.ts';
import { claimJob } from '../chain/actions/claim-job.ts';
import { commitResult } from '../chain/actions/commit-result.ts';
import { challenge } from '../chain/actions/challenge.ts';
import type { ChainClient } from '../chain/client.ts';
import { runTraining } from '../commitments/train-run.ts';
import { TamperPlan } from '../commitments/tamper-hooks.ts';
import { parseSolverTamper } from '../commitments/tamper.ts';
import type { RunManifest } from '../commitments/run-store.ts';
import { firstDivergence } from '../arbiter/bisect.ts';
import { lastLeaf, leafOfStep, leafStep } from '../reproducible-ops/hash-schedule.ts';
import { ChallengerParty } from '../arbiter/challenger-party.ts';
import { RedisDisputeData } from '../arbiter/dispute-data.ts';
import { DisputePlayer, type TickResult } from '../arbiter/player.ts';
import { SolverParty } from '../arbiter/solver-party.ts';
import type { DisputeParty } from '../arbiter/party.ts';
import { DisputeStore } from '../arbiter/store.ts';
import type { NodeTransform, TrainState } from '../reproducible-ops/engine.ts';
import type { JobRecord } from '../chain/types.ts';
import { getJob, getMarketTotals, type MarketTotals } from '../chain/actions/get-job.ts';
import { getGame } from '../chain/actions/dispute-game.ts';
import type { GameState } from '../chain/game-state.ts';
import { gasSpent } from './helpers/chain.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';

export const STAKE = parseEther('0.1');
export const BOND = parseEther('0.05');
// the market refuses a stake under 6x the reward (minStakeFor at the devnet's 25% sample rate)
export const REWARD = parseEther('0.01');

export interface CommittedRun {
  job: JobRecord;
  engine: Engine;
  manifest: RunManifest;
  blobs: BlobStore;
  server: BlobServer;
  tamper?: string;
}

/** Train `jobFile` locally (tampered or not), post it, claim it as `solver`, commit the result. */
export async function commitLocalRun(a: { submitter: ChainClient; solver: ChainClient; redis: Redis; ks: KeySpace; dir: string; name: string; tamper?: string; steps?: number; hashInterval?: number }): Promise<CommittedRun> {
  const jobFile = writeTinyJob(join(a.dir, a.name), { steps: a.steps ?? 6, checkpointInterval: 3, name: a.name, trainN: 128, hashInterval: a.hashInterval });
  const loaded = loadJob(jobFile);
  const engine = new Engine(loaded.setup, referenceBackend);
  const blobs = new BlobStore(join(a.dir, a.name, 'blobs'));
  let head: string | null = null;
  const tamper = a.tamper ? parseSolverTamper(a.tamper) : undefined;
  const out = await runTraining({
    engine, plan: new TamperPlan(engine, tamper), numSteps: loaded.steps, checkpointInterval: 3, hashInterval: loaded.spec.hashInterval, blobs,
    head: { load: async () => head, save: async (h) => void (head = h) },
  });
  const params = { specHash: hex0x(engine.setup.specHash), programRoot: hex0x(engine.programRoot()), seed: BigInt(loaded.spec.seed), numSteps: BigInt(loaded.steps), hashInterval: loaded.spec.hashInterval };
  const { jobId } = await postJob(a.submitter, {
    params, specURI: `file://${jobFile}`, reward: REWARD, requiredStake: STAKE, challengerBond: BOND,
    claimWindow: 3600n, solveTime: 3600n, challengeWindow: 3600n,
  });
  await claimJob(a.solver, jobId, STAKE);
  const r = out.result;
  await commitResult(a.solver, jobId, { stepsRoot: r.stepsRoot, finalStateHash: r.finalStateHash, finalModelHash: r.finalModelHash, numSteps: BigInt(loaded.steps) });
  const server = await serveBlobs(blobs);
  await a.redis.set(redisKeys.jobBlobServer(a.ks, jobId), server.url);
  return { job: await getJob(a.submitter, jobId), engine, manifest: out.manifest, blobs, server, tamper: a.tamper };
}

/** The honest states of the job, from init. */
export function honestStates(engine: Engine, steps: number): TrainState[] {
  const s = [engine.init()];
  while (s.length <= steps) s.push(engine.step(s.at(-1)!).state);
  return s;
}

export interface DisputeOutcome {
  disputeId: bigint;
  solver: TickResult;
  challenger: TickResult;
  moves: { side: string; move: string; gasUsed: bigint }[];
  disputed: number; // the leaf named by pickStep (the transition when hashInterval = 1)
}

/**
 * Challenge `run` and play it out between the run's solver and a challenger that recomputes
 * honestly (or, with `grief`, believes `grief.transform` at transition `grief.j`). The challenger
 * disputes the first leaf it disagrees with (the leaf holding grief.j for a griefer).
 */
export async function playDispute(a: {
  run: CommittedRun; solver: ChainClient; challenger: ChainClient; redis: Redis; ks: KeySpace; dir: string;
  grief?: { j: number; transform: NodeTransform }; maxTicks?: number;
  /** false: the solver publishes no dispute data (the challenger must use the data sub-game). */
  publish?: boolean;
  /** Replace the solver's view (e.g. a liar with a different consistent story). */
  solverView?: (base: SolverParty) => DisputeParty;
  /** Replace the challenger's party (e.g. one that plays from its own replay, without the solver's hashes). */
  challengerParty?: (source: RedisDisputeData) => DisputeParty;
  /** Called once when neither side can move (e.g. to let a silent side's clock run out). */
  onStall?: () => Promise<void>;
  /** Once this holds after a tick, both players are rebuilt from scratch over their dispute files (a restart). */
  restartWhen?: (g: GameState) => boolean | Promise<boolean>;
}): Promise<DisputeOutcome> {
  const { run } = a;
  const { disputeId } = await challenge(a.challenger, run.job.jobId, BOND);
  const schedule = { numSteps: Number(run.job.params.numSteps), hashInterval: run.job.params.hashInterval };
  const { numSteps: T, hashInterval: K } = schedule;
  const hashes = run.manifest.stateHashes.map((h) => Buffer.from(h.slice(2), 'hex')); // the leaves
  const honest = honestStates(run.engine, T);
  // every state agrees (kind=final): the game ends at revealFinal, before a leaf is named
  const disputed = a.grief ? leafOfStep(a.grief.j, T, K) : ((await firstDivergence(hashes, async (m) => run.engine.stateHash(honest[leafStep(m, T, K)]))) ?? lastLeaf(T, K));
  const store = new DisputeStore(join(a.dir, 'disputes'));
  const data = new RedisDisputeData(a.redis, a.ks, run.blobs, run.job.jobId);
  const terms = { params: run.job.params, commitment: run.job.commitment };
  // fresh parties and players over the same dispute files: what a restarted bot builds
  const players = () => {
    const base = new SolverParty({ engine: run.engine, manifest: run.manifest, blobs: run.blobs, tamper: run.tamper ? parseSolverTamper(run.tamper) : undefined, sink: a.publish === false ? undefined : data });
    const solverParty = a.solverView ? a.solverView(base) : base;
    const challengerParty = a.challengerParty ? a.challengerParty(data) : new ChallengerParty({
      engine: run.engine, hashes, schedule, disputed, preState: async () => (disputed === 0 ? null : honest[leafStep(disputed - 1, T, K)].tensors),
      transform: a.grief?.transform, transformAt: a.grief?.j, source: data,
    });
    const log = () => undefined;
    return [
      new DisputePlayer({ client: a.solver, disputeId, jobId: run.job.jobId, party: solverParty, job: terms, store: new DisputeStore(join(a.dir, 'disputes-solver')), log }),
      new DisputePlayer({ client: a.challenger, disputeId, jobId: run.job.jobId, party: challengerParty, job: terms, store, log, dataGraceMs: 0 }),
    ];
  };
  let [sp, cp] = players();
  const restart = async () => {
    if (!a.restartWhen || !(await a.restartWhen(await getGame(a.challenger, disputeId)))) return;
    a.restartWhen = undefined;
    [sp, cp] = players();
  };
  let s: TickResult | undefined, c: TickResult | undefined;
  for (let i = 0; i < (a.maxTicks ?? 200); i++) {
    s = await sp.tick();
    await restart();
    c = await cp.tick();
    await restart();
    if (s.status === 'resolved' && c.status === 'resolved') break;
    if (s.status !== 'moved' && c.status !== 'moved' && s.status !== 'resolved') {
      const stall = a.onStall;
      a.onStall = undefined;
      if (!stall) throw new Error(`dispute ${disputeId} stalled: solver ${JSON.stringify(s)}, challenger ${JSON.stringify(c)}`);
      await stall();
    }
  }
  const moves = [...sp.file.moves.map((m) => ({ side: 'solver', ...m })), ...cp.file.moves.map((m) => ({ side: 'challenger', ...m }))]
    .sort((x, y) => x.block - y.block)
    .map((m) => ({ side: m.side, move: m.move, gasUsed: BigInt(m.gasUsed) }));
  return { disputeId, solver: s!, challenger: c!, moves, disputed };
}

/** Balances and market totals before a scenario, to check every wei afterwards. */
export interface FundsSnapshot {
  block: number;
  balances: Map<string, bigint>;
  totals: MarketTotals;
}

export async function snapshotFunds(c: ChainClient, addresses: string[]): Promise<FundsSnapshot> {
  const block = await c.provider.getBlockNumber();
  const balances = new Map<string, bigint>();
  for (const a of addresses) balances.set(a.toLowerCase(), await c.provider.getBalance(a, block));
  return { block, balances, totals: await getMarketTotals(c) };
}

/** Exact change of `address`'s balance since `s`, net of the gas it paid. */
export async function netChange(c: ChainClient, s: FundsSnapshot, address: string): Promise<bigint> {
  const now = await c.provider.getBalance(address);
  return now - s.balances.get(address.toLowerCase())! + (await gasSpent(c.provider, address, s.block + 1));
}

/** JobMarket's solvency invariant: its balance is exactly what its ledgers owe. */
export async function assertSolvent(c: ChainClient): Promise<MarketTotals> {
  const t = await getMarketTotals(c);
  const bal = await c.provider.getBalance(c.addresses.jobMarket);
  const ledgers = t.totalEscrow + t.totalStakes + t.totalBonds + t.jackpot + t.totalClaimable + t.coWinnerPool + t.burned + t.forcedPool;
  if (bal !== ledgers) throw new Error(`JobMarket holds ${bal} wei, its ledgers add up to ${ledgers}`);
  return t;
}

/**
 * JobMarket economics of a won challenge with a single winning dispute (contract constants, basis
 * points): 50% of the stake burned and 10% to the jackpot (both rounded up), the rest to the
 * challenger with the jackpot payout min(50% of the jackpot, 10% of the stake).
 */
export function challengerWinSplit(stake: bigint, jackpotBefore: bigint): { toBurn: bigint; toJackpot: bigint; toChallenger: bigint; payout: bigint } {
  const up = (x: bigint, bps: bigint) => (x * bps + 9_999n) / 10_000n;
  const toBurn = up(stake, 5_000n), toJackpot = up(stake, 1_000n);
  const byJackpot = ((jackpotBefore + toJackpot) * 5_000n) / 10_000n, byStake = (stake * 1_000n) / 10_000n;
  const payout = byJackpot < byStake ? byJackpot : byStake;
  return { toBurn, toJackpot, toChallenger: stake - toBurn - toJackpot, payout };
}

/** The tiny job's engine (node indices of its step program are derived from it, never pinned). */
export function tinyEngine(dir: string): Engine {
  return new Engine(loadJob(writeTinyJob(join(dir, 'probe-job'), { steps: 2, name: 'probe' })).setup, referenceBackend);
}

/** Index of the n-th node of `op` in the step program that satisfies `where`. */
export function stepNode(engine: Engine, op: string, n = 0, where: (node: Engine['stepProgram']['nodes'][number]) => boolean = () => true): number {
  const hits = engine.stepProgram.nodes.flatMap((node, i) => (node.op === op && where(node) ? [i] : []));
  if (n >= hits.length) throw new Error(`the step program has ${hits.length} matching ${op} nodes, not ${n + 1}`);
  return hits[n];
}

/** The matmul producing the logits (its every element reaches the loss, so a flip always propagates). */
export const logitsMatmul = (e: Engine) => stepNode(e, 'matmul', 1);

// A dispute as the explorer shows it: both parties and bonds, the two chess clocks, every move
// with its gas and transaction, the narrowing interval -> step -> op -> element (-> accumulation
// index) read from the game's events, the op's name and shapes, both claimed values and the
// verdict with its payouts.
import { formatEther } from 'ethers';
import { BlobStore } from '../jobs/blobstore.ts';
import { getGame, chainNow } from '../chain/actions/dispute-game.ts';
import { moverOf, REASONS } from '../chain/game-state.ts';
import type { ChainEvent } from '../chain/events.ts';
import { loadJobCached } from '../commitments/job-source.ts';
import { Engine } from '../reproducible-ops/engine.ts';
import { OPS_BY_ID } from '../reproducible-ops/ops/table.ts';
import type { DisputeRow, Indexer } from './indexer.ts';

export interface Level {
  level: 'interval' | 'step' | 'op' | 'element' | 'accumulation' | 'one-step';
  label: string;
  total: number; // size of the range this level narrows
  lo: number; // the disputed part [lo, hi) of it
  hi: number;
}

export interface DisputeView {
  disputeId: string;
  jobId: string;
  solver: string;
  challenger: string;
  bond: string;
  stake: string | null;
  phase: string | null;
  mover: string | null;
  clocks: { solver: number; challenger: number; turnStartedAt: number; chainNow: number; running: 'solver' | 'challenger' | null } | null;
  moves: { move: string; from: string; tx: string; block: number; gasUsed: string }[];
  totalGas: string;
  path: Level[];
  op: { node: number; opId: number; name: string; numel: number; shape: number[] | null; inputShapes: number[][] | null } | null;
  values: { computed: FloatText; claimed: FloatText; element: number | null } | null;
  verdict: { challengerWon: boolean; reason: string; slashed: string; payouts: { to: string; amount: string; why: string }[] } | null;
  gameError: string | null;
}

export interface FloatText {
  bits: number;
  hex: string;
  decimal: string;
}

export function floatText(bits: number): FloatText {
  const u = new Uint32Array([bits >>> 0]);
  const f = new Float32Array(u.buffer)[0];
  return { bits: u[0], hex: `0x${u[0].toString(16).padStart(8, '0')}`, decimal: Object.is(f, -0) ? '-0' : String(f) };
}

const txCache = new Map<string, { move: string; from: string; block: number; gasUsed: bigint }>();

/** Every transaction that touched the dispute, with its move name and gas (cached: mined txs never change). */
async function movesOf(ix: Indexer, d: DisputeRow): Promise<DisputeView['moves']> {
  const hashes = [d.openedTx, ...new Set(d.events.filter((e) => e.contract === 'DisputeGame').map((e) => e.txHash))];
  const out: DisputeView['moves'] = [];
  for (const hash of [...new Set(hashes)]) {
    let m = txCache.get(hash);
    if (!m) {
      const [tx, receipt] = await Promise.all([ix.client.provider.getTransaction(hash), ix.client.provider.getTransactionReceipt(hash)]);
      if (!tx || !receipt) continue;
      const toGame = tx.to?.toLowerCase() === ix.client.addresses.disputeGame.toLowerCase();
      const name = toGame ? ix.client.gameIface?.parseTransaction({ data: tx.data, value: tx.value })?.name : ix.client.marketIface.parseTransaction({ data: tx.data, value: tx.value })?.name;
      m = { move: name ?? 'unknown', from: tx.from, block: receipt.blockNumber, gasUsed: receipt.gasUsed };
      txCache.set(hash, m);
    }
    out.push({ move: m.move, from: m.from, tx: hash, block: m.block, gasUsed: String(m.gasUsed) });
  }
  return out.sort((a, b) => a.block - b.block);
}

const n = (x: unknown) => Number(x as bigint);

/** The narrowing, one row per event that shrank the disputed range. */
export function narrowing(events: ChainEvent[], numSteps: number | null): Level[] {
  const path: Level[] = [];
  let traceN = 0, numel = 0, foldLen = 0;
  for (const ev of events) {
    const a = ev.args;
    switch (ev.name) {
      case 'IntervalPicked':
        path.push({ level: 'interval', label: `leaf interval ${a.m}: steps ${a.lo}..${a.hi}`, total: numSteps ?? n(a.hi), lo: n(a.lo), hi: n(a.hi) });
        break;
      case 'StepPicked':
        // with hash interval 1 the challenged leaf is this one transition: the interval level is the step itself
        if (!path.some((l) => l.level === 'interval'))
          path.push({ level: 'interval', label: `leaf ${a.step}: the one transition ending at H[${a.step}] (hash interval 1)`, total: numSteps ?? n(a.step), lo: Math.max(0, n(a.step) - 1), hi: Math.max(1, n(a.step)) });
        // transition j takes H[j-1] to H[j] (j = 0: the init program)
        path.push({ level: 'step', label: n(a.step) === 0 ? 'the init program (H[0])' : `transition ${a.step}: H[${n(a.step) - 1}] → H[${a.step}]`, total: numSteps ?? n(a.step), lo: Math.max(0, n(a.step) - 1), hi: Math.max(1, n(a.step)) });
        break;
      case 'TracePosted':
      case 'TraceBisectionStarted':
        traceN = n(a.n);
        break;
      case 'AccChosen':
        path.push({ level: 'op', label: `ops ${a.agreedLen}..${a.disputedLen} of ${traceN}`, total: traceN, lo: n(a.agreedLen), hi: n(a.disputedLen) });
        break;
      case 'RecordRevealed':
        numel = n(a.numel);
        path.push({ level: 'op', label: `op ${a.node} (${opName(n(a.opId))}, ${numel} elements)`, total: traceN || n(a.node) + 1, lo: n(a.node), hi: n(a.node) + 1 });
        break;
      case 'ElementPicked':
        path.push({ level: 'element', label: `element ${a.element} of ${numel}`, total: numel || n(a.element) + 1, lo: n(a.element), hi: n(a.element) + 1 });
        break;
      case 'FoldPosted':
        foldLen = n(a.foldLen);
        break;
      case 'FoldStepPicked':
        path.push({ level: 'accumulation', label: `accumulation index ${a.k} of ${foldLen}`, total: foldLen || n(a.k) + 1, lo: n(a.k), hi: n(a.k) + 1 });
        break;
      case 'OneStepExecuted':
        path.push({ level: 'one-step', label: `one ${opName(n(a.opId))} re-executed on chain`, total: 1, lo: 0, hi: 1 });
        break;
    }
  }
  return path;
}

export function opName(id: number): string {
  return OPS_BY_ID.get(id)?.name ?? `op ${id}`;
}

/** The disputed node's output and input shapes, from the job's step program (null when the job cannot be loaded). */
async function nodeShapes(ix: Indexer, jobId: string, node: number, cacheDir: string): Promise<{ shape: number[]; inputShapes: number[][] } | null> {
  const row = ix.jobs.get(jobId);
  if (!row) return null;
  try {
    const { job } = await loadJobCached(row.specURI, row.specHash, new BlobStore(cacheDir));
    const nodes = engineFor(row.specHash, () => new Engine(job.setup)).stepProgram.nodes;
    const nd = nodes[node];
    return nd ? { shape: [...nd.shape], inputShapes: nd.inputs.map((i) => [...(nodes[i]?.shape ?? [])]) } : null;
  } catch {
    return null;
  }
}

const engines = new Map<string, Engine>();
function engineFor(key: string, make: () => Engine): Engine {
  let e = engines.get(key);
  if (!e) engines.set(key, (e = make()));
  return e;
}

export async function disputeView(ix: Indexer, d: DisputeRow, cacheDir: string): Promise<DisputeView> {
  const job = ix.jobs.get(d.jobId);
  const ev = (name: string) => d.events.find((e) => e.name === name);
  let game: Awaited<ReturnType<typeof getGame>> | null = null, now = 0, gameError: string | null = null;
  try {
    [game, now] = await Promise.all([getGame(ix.client, BigInt(d.disputeId)), chainNow(ix.client)]);
  } catch (e) {
    gameError = (e as Error).message.split('\n')[0];
  }
  const moves = await movesOf(ix, d).catch(() => []);
  const rec = ev('RecordRevealed'), one = ev('OneStepExecuted'), picked = ev('ElementPicked');
  const shapes = rec ? await nodeShapes(ix, d.jobId, n(rec.args.node), cacheDir) : null;
  const stakeEv = ix.ledger(d.solver).find((e) => e.kind === 'staked' && e.jobId === d.jobId);
  return {
    disputeId: d.disputeId, jobId: d.jobId, solver: d.solver, challenger: d.challenger, bond: formatEther(d.bond), stake: stakeEv ? formatEther(stakeEv.amount) : null,
    phase: game?.phase ?? null, mover: game && game.phase !== 'Resolved' ? moverOf(game.phase) : null,
    clocks: game ? { solver: game.solverBank, challenger: game.challengerBank, turnStartedAt: game.turnStartedAt, chainNow: now, running: game.phase === 'Resolved' ? null : moverOf(game.phase) } : null,
    moves, totalGas: String(moves.reduce((a, m) => a + BigInt(m.gasUsed), 0n)),
    path: narrowing(d.events, job ? Number(game?.numSteps ?? 0) || null : null),
    op: rec ? { node: n(rec.args.node), opId: n(rec.args.opId), name: opName(n(rec.args.opId)), numel: n(rec.args.numel), shape: shapes?.shape ?? null, inputShapes: shapes?.inputShapes ?? null } : null,
    values: one ? { computed: floatText(n(one.args.computed)), claimed: floatText(n(one.args.claimed)), element: picked ? n(picked.args.element) : null } : null,
    verdict: verdictOf(d),
    gameError,
  };
}

function verdictOf(d: DisputeRow): DisputeView['verdict'] {
  const res = d.events.find((e) => e.name === 'GameResolved');
  if (!res) return null;
  const payouts: { to: string; amount: string; why: string }[] = [];
  let slashed = 'nobody';
  for (const e of d.events) {
    const a = e.args;
    if (e.name === 'ChallengerWon') payouts.push({ to: String(a.challenger), amount: formatEther((a.share as bigint) + (a.bondReturned as bigint)), why: `share of the slashed stake ${formatEther(a.share as bigint)} ETH + bond returned ${formatEther(a.bondReturned as bigint)} ETH` });
    if (e.name === 'SolverSlashed') {
      slashed = `solver ${a.solver}`;
      payouts.push({ to: 'jackpot', amount: formatEther(a.toJackpot as bigint), why: `of the solver's ${formatEther(a.stake as bigint)} ETH stake (${formatEther(a.burned as bigint)} ETH burned)` });
    }
    if (e.name === 'ChallengerLost') {
      slashed = `challenger ${d.challenger} (bond)`;
      payouts.push({ to: String(a.solver), amount: formatEther(a.bondShare as bigint), why: "share of the challenger's bond" });
    }
  }
  return { challengerWon: Boolean(res.args.challengerWon), reason: reasonName(res.args.reason), slashed, payouts };
}

const reasonName = (r: unknown) => REASONS[n(r)] ?? `reason ${r}`;

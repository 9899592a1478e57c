// The data behind each page, as plain JSON-able objects (bigint as decimal strings): the JSON
// API returns them as they are and the HTML pages render them, so both always agree.
import { formatEther } from 'ethers';
import { getJob, getMarketTotals } from '../chain/actions/get-job.ts';
import { claimableOf } from '../chain/actions/withdraw.ts';
import { jsonable } from '../chain/types.ts';
import { leafStep, lastLeaf } from '../reproducible-ops/hash-schedule.ts';
import type { ResolvedSpec } from '../jobs/job.ts';
import type { Indexer, JobRow } from './indexer.ts';
import type { Sources } from './sources.ts';

export interface JobListItem {
  jobId: string;
  name: string | null;
  status: string;
  reward: string; // ETH
  solver: string | null;
  postedAt: number | null;
  disputes: string[];
}

export function jobList(ix: Indexer, names: (row: JobRow) => string | null): JobListItem[] {
  return [...ix.jobs.values()].reverse().map((j) => ({
    jobId: j.jobId, name: names(j), status: j.status, reward: formatEther(j.reward), solver: j.solver, postedAt: j.postedAt, disputes: j.disputes,
  }));
}

export interface JobView {
  jobId: string;
  status: string;
  chainStatus: string | null;
  submitter: string;
  solver: string | null;
  reward: string;
  postedAt: number | null;
  postedBlock: number;
  specURI: string;
  specHash: string;
  programRoot: string | null;
  numSteps: string | null;
  hashInterval: number | null;
  terms: Record<string, string> | null;
  spec: SpecSummary | null;
  specError: string | null;
  commitment: { round: string; stepsRoot: string; finalStateHash: string; finalModelHash: string; challengeDeadline: string | null; tx: string | null } | null;
  leaves: { index: number; step: number; hash: string; challenged: string[]; replayedBy: string[] }[];
  replays: { verifier: string; leaves: number[]; replayedSteps: number; challenge: boolean }[];
  losses: { train: (number | null)[]; val: [number, number | null][] } | null;
  lossError: string | null;
  manifest: { hash: string; server: string; finalCheckpoint: string | null } | null;
  replayedNote: string;
  disputes: { disputeId: string; challenger: string; status: string }[];
  chainError: string | null;
}

export interface SpecSummary {
  name: string;
  opsetVersion: string;
  model: string;
  dataset: string;
  hyperparameters: string;
  seed: number;
  steps: number;
  hashInterval: number;
}

export function summarizeSpec(s: ResolvedSpec): SpecSummary {
  return {
    name: String(s.name), opsetVersion: String(s.opsetVersion), model: modelSummary(s.model),
    dataset: datasetSummary(s.dataset),
    hyperparameters: JSON.stringify(s.hyperparameters), seed: s.seed, steps: s.steps, hashInterval: s.hashInterval ?? 1,
  };
}

function datasetSummary(d: ResolvedSpec['dataset']): string {
  if ('text' in d) return `text ${short(d.text.sha256)} (${d.text.tokenizer} tokens: ${d.text.tokens.train} train, ${d.text.tokens.val} validation)`;
  return `train images ${short(d.train?.images?.sha256)}, labels ${short(d.train?.labels?.sha256)}; test images ${short(d.test?.images?.sha256)}`;
}

function modelSummary(m: unknown): string {
  const o = m as { inputShape?: number[]; layers?: { type?: string; units?: number; filters?: number; kernelSize?: number; activation?: string }[] };
  if (o && Array.isArray(o.layers))
    return `input [${(o.inputShape ?? []).join('×')}] → ` + o.layers.map((l) => [l.type, l.units ?? l.filters, l.kernelSize && `${l.kernelSize}×${l.kernelSize}`, l.activation].filter(Boolean).join(' ')).join(' → ');
  const text = JSON.stringify(m);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

const short = (h: unknown) => (typeof h === 'string' ? `${h.slice(0, 10)}…` : '?');

export async function jobView(ix: Indexer, src: Sources, row: JobRow): Promise<JobView> {
  const [chain, spec, man, reported] = await Promise.all([
    getJob(ix.client, BigInt(row.jobId)).then((j) => ({ j, e: null }), (e: Error) => ({ j: null, e: e.message })),
    src.spec(row.specURI, row.specHash),
    src.manifest(row.jobId, row.solver, row.specURI),
    src.replays(row.jobId),
  ]);
  // only reports about the commitment shown count (a reopened job's earlier round had other leaves)
  const replays = reported.filter((r) => r.stepsRoot === row.commitment?.stepsRoot).map(({ stepsRoot: _, ...r }) => r);
  const j = chain.j;
  const m = man.read?.manifest;
  const T = j ? Number(j.params.numSteps) : m?.numSteps ?? 0;
  const K = j ? j.params.hashInterval : m?.hashInterval ?? 1;
  const challengedLeaves = challengedLeafMap(ix, row, K);
  const leaves = (m?.stateHashes ?? []).map((hash, index) => ({
    index, step: leafStep(index, T, K), hash, challenged: challengedLeaves.get(index) ?? [], replayedBy: replays.filter((r) => r.leaves.includes(index)).map((r) => r.verifier),
  }));
  const cm = row.commitment;
  return {
    jobId: row.jobId, status: row.status, chainStatus: j?.status ?? null, submitter: row.submitter, solver: row.solver, reward: formatEther(row.reward),
    postedAt: row.postedAt, postedBlock: row.postedBlock, specURI: row.specURI, specHash: row.specHash,
    programRoot: j?.params.programRoot ?? null, numSteps: j ? String(j.params.numSteps) : null, hashInterval: j?.params.hashInterval ?? null,
    terms: j ? (jsonable(j.terms) as Record<string, string>) : null,
    spec: spec.spec ? summarizeSpec(spec.spec) : null, specError: spec.error,
    commitment: cm ? {
      round: j ? String(j.round) : '?', stepsRoot: cm.stepsRoot, finalStateHash: cm.finalStateHash, finalModelHash: cm.finalModelHash,
      challengeDeadline: row.challengeDeadline !== null ? String(row.challengeDeadline) : null, tx: row.commitTx,
    } : null,
    leaves,
    losses: m ? { train: m.losses.map((l) => (typeof l === 'number' && Number.isFinite(l) ? l : null)), val: (m.valLosses ?? []).filter((p) => Array.isArray(p) && p.length === 2) } : null,
    lossError: man.error,
    manifest: man.read ? { hash: man.read.hash, server: man.read.server, finalCheckpoint: m!.checkpoints.find((c) => c.step === T && m!.result)?.blob ?? null } : null,
    replays,
    replayedNote: leaves.length ? `${lastLeaf(T, K) + 1} leaves; replayed by: ${src.hasRedis ? 'what verifiers report in Redis (self-reported; a verifier may also check silently)' : 'unavailable (no Redis configured for this network: verifiers report their replays there)'}; disputed in: leaves a dispute went through` : '',
    disputes: row.disputes.map((id) => ({ disputeId: id, challenger: ix.disputes.get(id)?.challenger ?? '', status: disputeOutcome(ix, id) })),
    chainError: chain.e,
  };
}

/** Leaf index -> disputes whose bisection went through it (from IntervalPicked, or StepPicked with K = 1). */
function challengedLeafMap(ix: Indexer, row: JobRow, K: number): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const id of row.disputes) {
    for (const ev of ix.disputes.get(id)?.events ?? []) {
      // IntervalPicked names the leaf; a one-transition leaf (K = 1) shows up as StepPicked j, leaf ceil(j / K)
      const leaf = ev.name === 'IntervalPicked' ? Number(ev.args.m as bigint) : ev.name === 'StepPicked' && K === 1 ? Number(ev.args.step as bigint) : null;
      if (leaf !== null) out.set(leaf, [...(out.get(leaf) ?? []), id]);
    }
  }
  return out;
}

export function disputeOutcome(ix: Indexer, disputeId: string): string {
  const evs = ix.disputes.get(disputeId)?.events ?? [];
  const res = evs.find((e) => e.name === 'GameResolved');
  if (!res) return 'active';
  return res.args.challengerWon ? 'challenger won' : 'solver won';
}

export interface AccountView {
  address: string;
  balance: string | null;
  claimable: string | null;
  earned: string;
  slashed: string;
  entries: { kind: string; amount: string; jobId?: string; disputeId?: string; block: number; tx: string }[];
  jackpot: { balance: string | null; history: { kind: string; amount: string; jackpotAfter: string | null; jobId?: string; block: number; tx: string }[] };
  chainError: string | null;
}

const EARNING_KINDS = new Set(['credited', 'tip']);

export async function accountView(ix: Indexer, address: string): Promise<AccountView> {
  const entries = ix.ledgers.get(address.toLowerCase()) ?? [];
  const sum = (f: (k: string) => boolean) => formatEther(entries.filter((e) => f(e.kind)).reduce((a, e) => a + e.amount, 0n));
  let balance: string | null = null, claimable: string | null = null, jackpot: string | null = null, chainError: string | null = null;
  try {
    const [b, c, t] = await Promise.all([ix.client.provider.getBalance(address), claimableOf(ix.client, address), getMarketTotals(ix.client)]);
    [balance, claimable, jackpot] = [formatEther(b), formatEther(c), formatEther(t.jackpot)];
  } catch (e) {
    chainError = (e as Error).message.split('\n')[0];
  }
  return {
    address, balance, claimable, chainError,
    earned: sum((k) => EARNING_KINDS.has(k)),
    slashed: sum((k) => k.startsWith('slashed') || k === 'bond lost'),
    entries: entries.map((e) => ({ ...e, amount: formatEther(e.amount) })),
    jackpot: { balance: jackpot, history: ix.jackpot.map((e) => ({ ...e, amount: formatEther(e.amount), jackpotAfter: e.jackpotAfter === null ? null : formatEther(e.jackpotAfter) })) },
  };
}

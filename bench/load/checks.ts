// The properties a load run must satisfy, and its numbers, computed from what the chain recorded
// (bench/load/ledger.ts) and what the role processes logged. A failed property names what failed.
import { getMarketTotals } from '../../chain/actions/get-job.ts';
import type { ChainEvent } from './ledger.ts';
import { looksLeaky, readEvents, rssStats, type RssStats } from './procs.ts';
import { CAST, type RunData } from './plan.ts';

export interface Check { name: string; ok: boolean; detail: string }

export interface LoadReport {
  ok: boolean;
  verdict: string;
  jobs: number;
  cheatSpec: string;
  wallSeconds: number;
  jobsPerMin: number;
  settleSeconds: { p50: number; p95: number; n: number }; // post -> finalize (or -> slash for jobs never finalized)
  slashSeconds: { p50: number; p95: number; n: number }; // post -> each slash
  outcomes: Record<string, number>; // final job statuses
  disputes: { opened: number; challengerWon: number; challengerLost: number; byGriefer: number; overWithheldByVerifiers: number };
  gasPerJob: { mean: number; byModel: Record<string, number>; byOutcome: Record<string, number>; otherTotal: number; txs: number };
  roles: Array<{ name: string; account: number; rss: RssStats; jobErrors: number }>;
  checks: Check[];
  logDir?: string;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0;
};
const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
const lc = (a: unknown) => String(a).toLowerCase();

export async function checkRun(d: RunData): Promise<LoadReport> {
  const ev = (name: string, job?: string) => d.ledger.events.filter((e) => e.name === name && (job === undefined || String(e.args.jobId) === job));
  const addr = (i: number) => lc(d.info.accounts[i].address);
  const [honest, cheater, withholder, griefer] = [addr(CAST.honest), addr(CAST.cheater), addr(CAST.withholder), addr(CAST.griefer)];
  const verifiers = CAST.verifiers.map(addr);
  const jobIds = d.plans.map((p) => String(p.jobId));
  const checks: Check[] = [];
  const check = (name: string, problems: string[], okDetail: string) => checks.push({ name, ok: problems.length === 0, detail: problems.length ? problems.slice(0, 8).join('; ') + (problems.length > 8 ? `; ... (${problems.length} in all)` : '') : okDetail });

  check('run completed', d.timedOut ? [d.timedOut] : [], `in ${Math.round(d.wallMs / 1000)} s`);

  // settlement of every job and every commitment
  const jobProblems: string[] = [];
  for (const id of jobIds) {
    const commits = ev('ResultCommitted', id), slashes = ev('SolverSlashed', id), fin = ev('JobFinalized', id);
    const st = d.finalStatus.get(id);
    const cheats = commits.filter((e) => lc(e.args.solver) === cheater).length, cheatSlashed = slashes.filter((e) => lc(e.args.solver) === cheater).length;
    if (cheats !== cheatSlashed) jobProblems.push(`job ${id}: the cheater committed ${cheats}x, slashed ${cheatSlashed}x`);
    for (const s of slashes) if (lc(s.args.solver) !== cheater) jobProblems.push(`job ${id}: honest solver ${s.args.solver} slashed (round ${s.args.round})`);
    if (st === 'Finalized' && ![honest, withholder].includes(lc(fin[0]?.args.solver))) jobProblems.push(`job ${id}: finalized for ${fin[0]?.args.solver}`);
    if ((st === 'Cancelled' || st === 'Expired') && slashes.length === 0) jobProblems.push(`job ${id}: ${st} without ever being slashed (never claimed?)`);
    if (st !== 'Finalized' && st !== 'Cancelled' && st !== 'Expired') jobProblems.push(`job ${id}: ${st} at the end`);
  }
  for (const e of ev('SolverSlashedLate')) jobProblems.push(`job ${e.args.jobId}: ${e.args.solver} slashed for lateness`);
  check('every job settled correctly', jobProblems, `${jobIds.length} jobs: honest results finalized, every cheat slashed, reopened jobs claimed again or cancelled`);

  // disputes: the expected side won each one
  const opened = ev('ChallengeOpened'), won = new Set(ev('ChallengerWon').map((e) => String(e.args.disputeId))), lost = new Set(ev('ChallengerLost').map((e) => String(e.args.disputeId)));
  const dProblems: string[] = [];
  for (const o of opened) {
    const id = String(o.args.disputeId), overCheat = lc(o.args.solver) === cheater, who = lc(o.args.challenger);
    const outcome = won.has(id) ? 'won' : lost.has(id) ? 'lost' : 'unresolved';
    // a griefer's false claims may lose even against a cheater's wrong commitment: only that its game ended is required
    const expected = overCheat && who === griefer ? outcome : overCheat ? 'won' : 'lost';
    if (outcome === 'unresolved' || outcome !== expected) dProblems.push(`dispute ${id} (job ${o.args.jobId}, solver ${o.args.solver}, challenger ${who}): ${outcome}`);
    // a verifier may challenge a withholder's honest result when its own replay cannot finish in the window (verifier/unavailable.ts)
    if (!overCheat && verifiers.includes(who) && lc(o.args.solver) !== withholder) dProblems.push(`dispute ${id}: honest verifier ${who} challenged an honest result of ${o.args.solver}`);
  }
  check('every dispute resolved for the right side', dProblems, `${opened.length} disputes`);

  const cheaterCommits = ev('ResultCommitted').filter((e) => lc(e.args.solver) === cheater).length;
  const participation = [
    ...(cheaterCommits === 0 ? ['the cheater committed no result'] : []),
    ...(ev('ResultCommitted').some((e) => lc(e.args.solver) === withholder) ? [] : ['the withholder committed no result']),
    ...(opened.some((e) => lc(e.args.challenger) === griefer) ? [] : ['the griefer opened no dispute']),
  ];
  check('every cheater slashed', participation, `${cheaterCommits} cheating commitments, all slashed`);

  // every wei: balances of every account and contract, before = after + gas
  const sum = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);
  const gas = [...d.ledger.gasWei.values()].reduce((a, b) => a + b, 0n);
  const drift = sum(d.before.balances) - sum(d.after.balances) - gas;
  const totals = await getMarketTotals(d.client);
  const marketBal = d.after.balances.get(lc(d.info.contracts.jobMarket))!;
  const ledgers = totals.totalEscrow + totals.totalStakes + totals.totalBonds + totals.jackpot + totals.totalClaimable + totals.coWinnerPool + totals.burned;
  check('every wei accounted for', [
    ...(drift !== 0n ? [`balances before - after - gas = ${drift} wei`] : []),
    ...(marketBal !== ledgers ? [`JobMarket holds ${marketBal} wei, its ledgers add up to ${ledgers}`] : []),
    ...(['totalEscrow', 'totalStakes', 'totalBonds', 'coWinnerPool'] as const).filter((k) => totals[k] !== 0n).map((k) => `${k} = ${totals[k]} after every job settled`),
  ], `${d.after.balances.size} balances + ${gas} wei gas; market ${marketBal} = ledgers (burned ${totals.burned}, jackpot ${totals.jackpot}, claimable ${totals.totalClaimable})`);

  check('no nonce stuck', d.stuck.map((s) => `${s.address}: latest ${s.latest}, pending ${s.pending}`), `${d.info.accounts.length} accounts: pending == latest`);

  const roles = d.roles.map((r) => ({ name: r.name, account: r.account, rss: rssStats(r.rss), jobErrors: readEvents(r).filter((e) => e.event === 'job-error').length }));
  check('every role ran to the end and stopped cleanly', d.roles.flatMap((r) => [
    ...(d.crashed.includes(r.name) ? [`${r.name} exited during the run (code ${r.exitCode}); log ${r.logFile}`] : []),
    ...(!d.crashed.includes(r.name) && r.exitCode !== 0 ? [`${r.name} exited ${r.exitCode} on SIGTERM`] : []),
  ]), `${d.roles.length} processes`);
  check('no process leaks memory', roles.filter((r) => looksLeaky(r.rss)).map((r) => `${r.name}: ${r.rss.warmMiB} MiB -> +${r.rss.growthMiB} MiB`), roles.map((r) => `${r.name} max ${r.rss.maxMiB} MiB (${r.rss.growthMiB >= 0 ? '+' : ''}${r.rss.growthMiB})`).join(', '));

  return { ...metrics(d, ev, jobIds), roles, checks, ok: checks.every((c) => c.ok), verdict: verdict(checks, d.plans.length), cheatSpec: d.cheatSpec, jobs: jobIds.length };
}

function metrics(d: RunData, ev: (name: string, job?: string) => ChainEvent[], jobIds: string[]) {
  const settle: number[] = [], slash: number[] = [], ends: number[] = [];
  const posted = new Map(ev('JobPosted').map((e) => [String(e.args.jobId), e.time]));
  for (const id of jobIds) {
    const t0 = posted.get(id)!, fin = ev('JobFinalized', id)[0], sl = ev('SolverSlashed', id);
    for (const s of sl) slash.push(s.time - t0);
    const end = fin?.time ?? sl[0]?.time;
    if (end !== undefined) settle.push(end - t0);
    const last = [fin, ...ev('JobCancelled', id), ...ev('JobExpired', id), ...sl].filter(Boolean).map((e) => e!.time);
    if (last.length) ends.push(Math.max(...last));
  }
  const first = Math.min(...posted.values()), span = Math.max(1, Math.max(first, ...ends) - first);
  const gasOf = (id: string) => Number(d.ledger.gasByJob.get(id) ?? 0n);
  const outcomeOf = (id: string) => (ev('SolverSlashed', id).length ? 'slashed' : ev('ChallengeOpened', id).length ? 'disputed-upheld' : 'undisputed');
  const group = (key: (id: string, i: number) => string) => {
    const g: Record<string, number[]> = {};
    jobIds.forEach((id, i) => (g[key(id, i)] ??= []).push(gasOf(id)));
    return Object.fromEntries(Object.entries(g).map(([k, v]) => [`${k} (${v.length})`, mean(v)]));
  };
  const outcomes: Record<string, number> = {};
  for (const s of d.finalStatus.values()) outcomes[s] = (outcomes[s] ?? 0) + 1;
  if (d.cancelled.length) outcomes['of which cancelled at the end'] = d.cancelled.length;
  const opened = ev('ChallengeOpened');
  return {
    wallSeconds: Math.round(d.wallMs / 1000),
    jobsPerMin: Math.round((ends.length / (span / 60)) * 10) / 10,
    settleSeconds: { p50: pct(settle, 50), p95: pct(settle, 95), n: settle.length },
    slashSeconds: { p50: pct(slash, 50), p95: pct(slash, 95), n: slash.length },
    outcomes,
    disputes: { opened: opened.length, challengerWon: ev('ChallengerWon').length, challengerLost: ev('ChallengerLost').length, byGriefer: opened.filter((e) => lc(e.args.challenger) === lc(d.info.accounts[CAST.griefer].address)).length,
      overWithheldByVerifiers: opened.filter((e) => lc(e.args.solver) === lc(d.info.accounts[CAST.withholder].address) && CAST.verifiers.some((v) => lc(d.info.accounts[v].address) === lc(e.args.challenger))).length },
    gasPerJob: { mean: mean(jobIds.map(gasOf)), byModel: group((_id, i) => d.plans[i].model), byOutcome: group(outcomeOf), otherTotal: Number(d.ledger.gasByJob.get('other') ?? 0n), txs: d.ledger.txCount },
    logDir: d.opts.keep ? d.dir : undefined,
  };
}

function verdict(checks: Check[], n: number): string {
  const failed = checks.filter((c) => !c.ok);
  return failed.length === 0 ? `PASS: ${n} jobs, all ${checks.length} properties hold` : `FAIL: ${failed.map((c) => c.name).join(', ')}`;
}

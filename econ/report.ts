// Human-readable text for `optrain econ` and `optrain econ simulate`.
import type { Analysis } from './model.ts';
import type { SelfClaimReport } from './selfclaim.ts';
import { CONTRACT, fmt, type Params } from './params.ts';
import { bestResponse, type Estimate, type SweepRow } from './simulate.ts';

const eth = (x: number) => `${fmt(x)} ETH`;
const pct = (x: number) => `${fmt(x * 100)}%`;

function rows(list: [string, string][]): string {
  const w = Math.max(...list.map(([k]) => k.length));
  return list.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

export function paramsText(p: Params): string {
  return rows([
    ['reward R', eth(p.reward)], ['stake S', eth(p.stake)], ['bond B', `${eth(p.bond)} (floor ${eth(p.minBond)})`],
    ['forced-error rate p', fmt(p.forcedErrorRate)], ['jackpot J', `${eth(p.jackpot)}, forced-error prize ${pct(p.forcedShare)} of it`],
    ['jackpot funding (fee)', pct(p.fee)], ['sample rate r', `${fmt(p.sampleRate)} (declared q = ${fmt(p.declaredRate)})`],
    ['job', `${p.intervals} intervals, replay ${eth(p.replayCost)} and ${fmt(p.replaySeconds)} s each; honest compute ${eth(p.solveCost)}`],
    ['verifiers V', String(p.verifiers)], ['cheat gain G, cheat prob x', `${eth(p.cheatGain)}, ${fmt(p.cheatProb)}`],
    ['forced finders N (seats)', p.forcedFinders === 0 ? 'no limit' : String(p.forcedFinders)],
    ['self-claim accounts k, find gas g', `${p.selfClaims}, ${eth(p.findCost)}`],
  ]);
}

export function analysisText(a: Analysis, sc?: SelfClaimReport): string {
  const { solver: s, verifier: v, equilibrium: e, recommended: r } = a;
  const out = ['Parameters', paramsText(a.params), 'Solver (expected profit per job)'];
  out.push(rows([
    ['honest', eth(s.honestProfit)],
    ['cheat, one wrong interval', eth(s.cheatOneInterval)],
    ['cheat, no work at all', eth(s.cheatNoWork)],
    ['best cheat', `${eth(s.bestCheat.profit)} (${s.bestCheat.k} wrong interval${s.bestCheat.k > 1 ? 's' : ''}): cheating ${s.cheatingPays ? 'PAYS more than honest work' : 'does not pay'}`],
    ['minStakeFor(R)', `${eth(s.minStakeFor)} at declared rate q`],
  ]));
  out.push('Verifier (each, expected)');
  out.push(rows([
    ['per job', `income ${eth(v.forcedIncome + v.cheatIncome)} (forced errors ${eth(v.forcedIncome)}, slashes ${eth(v.cheatIncome)}), replay cost ${eth(v.replayCost)}, net ${eth(v.net)}`],
    ['per hour of checking', `income ${eth(v.incomePerHour)}, cost ${eth(v.costPerHour)}, net ${eth(v.netPerHour)}`],
    ['forced errors missed', a.params.forcedErrorRate > 0 ? pct(a.missedForced) : 'n/a (p = 0: no forced errors)'],
  ]));
  out.push('Equilibrium');
  const eqRows: [string, string][] = [
    ['deterring sample rate r_s', Number.isFinite(e.deterringRate) ? `${fmt(e.deterringRate)} (below it some cheat beats honest work)` : 'none: no sample rate makes cheating unprofitable (raise the stake)'],
    ['at r, cheating stops paying from stake', Number.isFinite(e.deterringStake) ? eth(Math.max(0, e.deterringStake)) : 'none (r = 0: nobody checks)'],
    ['at r, checking pays from forced-error rate p', e.checkingForcedRate <= 1 ? fmt(e.checkingForcedRate) : `none <= 1 (the prize F = ${eth(a.forcedPrize)} is too small for a replay at r)`],
    ['verifiers\' own rate r_v', `${fmt(e.verifierRate)} (what checking is worth to them facing honest solvers)`],
  ];
  if (e.honest) eqRows.push(['honest equilibrium', `yes: r_v >= r_s, honest solving and checking at ${fmt(e.verifierRate)} are best responses`]);
  else if (e.mixed) eqRows.push(['honest equilibrium', `NO (verifier's dilemma): r_v < r_s; mixed equilibrium: verifiers check at ${fmt(e.mixed.rate)}, solvers cheat (${e.mixed.k} wrong interval${e.mixed.k > 1 ? 's' : ''}) on ${pct(e.mixed.cheatProb)} of jobs, ${pct(e.mixed.wrongFinalized)} of jobs finalize a wrong result`]);
  out.push(rows(eqRows));
  out.push('Recommended (every verifier checks everything and earns its cost plus the margin)');
  out.push(rows([
    ['sample rate', fmt(r.sampleRate)], ['forced-error rate p', fmt(r.forcedErrorRate)], ['forced finders N', `${r.forcedFinders} (= V: a self-claim beyond the verifiers pays nobody, §12.4)`], ['stake', eth(r.stake)],
    ['jackpot', eth(r.jackpotNeeded)],
    ['jackpot funding needed', `${pct(r.feeNeeded)} of each reward (contract fee: ${pct(CONTRACT.PROTOCOL_FEE)}: ${r.feeSufficient ? 'sufficient' : 'NOT sufficient, the jackpot would drain'}); at 2% one replay of a job may cost at most ${eth(r.maxReplayAtContractFee)} (this job: ${eth(a.params.intervals * a.params.replayCost)})`],
  ]));
  if (sc && a.params.forcedErrorRate > 0) out.push(selfClaimText(a.params, sc));
  return out.join('\n');
}

/** The solver that claims its own forced errors through other accounts (PROTOCOL §12.4). */
function selfClaimText(p: Params, sc: SelfClaimReport): string {
  const { best, honest, given } = sc;
  const list: [string, string][] = [];
  if (given.k > 0) list.push([`with k = ${given.k} accounts`, `solver gains ${eth(given.gain)} per job; each verifier's forced-error net ${eth(given.verifierNet)} (without: ${eth(honest.verifierNet)}); jackpot pays ${eth(given.drain)} per job in prizes (without: ${eth(honest.drain)})`]);
  list.push(
    ['best self-claim', best.k === 0 ? 'none: one find\'s gas exceeds its share' : `k* = ${best.k} accounts: solver gains ${eth(best.gain)} per job (${pct(best.shareOfPrize)} of each prize, at most p·F = ${eth(p.forcedErrorRate * p.forcedShare * p.jackpot)})`],
    ['if it waits to see the honest finds', `it gains ${eth(sc.adaptiveGain)} per job (k chosen per job, after the FindCommitted events)`],
    ['then each verifier (forced errors)', `net ${eth(best.verifierNet)} per job (without self-claims: ${eth(honest.verifierNet)}): ${best.verifierNet > 0 ? 'still paid' : 'checking NO LONGER PAYS'}`],
    ['then the jackpot pays in prizes', `${eth(best.drain)} per job (without: ${eth(honest.drain)}), ${eth(best.drain * best.shareOfPrize)} of it to the solver's accounts (their gas ${eth(p.forcedErrorRate * best.k * p.findCost)})`],
    ['without seats, a prize robust to it', `(r = 1, p = 1) F >= V((1 + m)nc)²/g = ${eth(sc.robustPrize)} per forced error (today F = ${eth(p.forcedShare * p.jackpot)})`],
  );
  const w = sc.withSeats;
  if (p.forcedFinders === 0) list.push([`with FORCED_FINDERS = V = ${w.seats}`, `(recommended) best self-claim ${w.best.k === 0 ? 'none: every account beyond the seats makes the prize pay nobody' : `k* = ${w.best.k}, gain ${eth(w.best.gain)}`}; waiting for the honest finds ${eth(w.adaptiveGain)}; each verifier's forced-error net ${eth(w.best.verifierNet)}`]);
  return ['Self-claiming solver (it knows its forced error; docs/PROTOCOL.md §12.4)', rows(list)].join('\n');
}

export function estimatesText(list: Estimate[]): string {
  return rows(list.map((e) => [e.name, Number.isNaN(e.sim) ? `no forced error occurred in this run: cannot check (formula ${fmt(e.formula)}; raise --jobs)` : `sim ${fmt(e.sim)} ± ${fmt(1.96 * e.se)} (95%), formula ${fmt(e.formula)}: ${e.agrees ? 'agrees' : 'DISAGREES'}`]));
}

export function simulationText(p: Params, jobs: number, main: Estimate[], sweep: SweepRow[], files: string[]): string {
  const out = ['Parameters', paramsText(p), `Simulation at r = ${fmt(p.sampleRate)} (${jobs} jobs; agreement = within 3.29 standard errors, 99.9%)`, estimatesText(main)];
  const br = bestResponse(p, main);
  out.push(`A best-responding solver: ${br.simulated} by the simulation, ${br.formula} by the formulas (honest work earns ${fmt(p.reward * (1 - p.fee) - p.solveCost)} ETH)\n`);
  out.push('Cheater profit vs sample rate (best of one wrong interval / no work)');
  out.push(rows(sweep.map((r) => {
    const best = r.estimates.slice(0, 2).reduce((a, b) => (b.sim > a.sim ? b : a));
    return [`r = ${r.rate}`, `${fmt(best.sim)} ETH (${best.name.replace('cheater profit, ', '')}); all estimates ${r.estimates.every((e) => e.agrees) ? 'agree' : 'DO NOT all agree'}`];
  })));
  if (files.length) out.push(`Wrote ${files.join(', ')}\n`);
  return out.join('\n');
}

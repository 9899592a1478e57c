// The main content of each page, rendered from the same view objects the JSON API returns.
import { addrLink, ago, esc, facts, hashText, jsonBlock, seg, table, txText } from './html.ts';
import type { AccountView, JobListItem, JobView } from './views.ts';
import type { DisputeView, Level } from './dispute-view.ts';

const statusBadge = (s: string) => `<span class="status status-${esc(s.replace(/[^a-z-]/g, '-'))}">${esc(s)}</span>`;

export function jobsMain(jobs: JobListItem[], now: number): string {
  const rows = jobs.map((j) => [
    `<a href="/jobs/${seg(j.jobId)}">${esc(j.jobId)}</a>`, j.name === null ? '<span class="muted">-</span>' : esc(j.name), statusBadge(j.status),
    `${esc(j.reward)} ETH`, addrLink(j.solver), esc(ago(j.postedAt, now)),
    j.disputes.map((d) => `<a href="/disputes/${seg(d)}">#${esc(d)}</a>`).join(' '),
  ]);
  return `<h1>Jobs</h1>${table(['job', 'name', 'status', 'reward', 'solver', 'age', 'disputes'], rows, 'jobs')}`;
}

export function jobMain(v: JobView, now: number): string {
  const s = v.spec;
  const spec = s
    ? facts([['name', esc(s.name)], ['op set', esc(s.opsetVersion)], ['model', esc(s.model)], ['dataset', esc(s.dataset)], ['hyperparameters', `<code>${esc(s.hyperparameters)}</code>`], ['seed', esc(s.seed)], ['steps', esc(s.steps)], ['hash interval', esc(s.hashInterval)], ['job hash', hashText(v.specHash)]])
    : `<p class="warn">spec not readable: ${esc(v.specError ?? 'unknown')}</p>${facts([['job hash', hashText(v.specHash)], ['spec URI', esc(v.specURI)]])}`;
  const c = v.commitment;
  const commitment = c
    ? facts([['round', esc(c.round)], ['steps root', hashText(c.stepsRoot)], ['final state hash', hashText(c.finalStateHash)], ['final model hash', hashText(c.finalModelHash)], ['challenge deadline', c.challengeDeadline ? esc(new Date(Number(c.challengeDeadline) * 1000).toISOString()) : '-'], ['tx', txText(c.tx)]])
    : '<p class="muted">not committed yet</p>';
  const leaves = table(['leaf', 'step', 'state hash', 'replayed by', 'disputed in'], v.leaves.map((l) => [esc(l.index), esc(l.step), hashText(l.hash), l.replayedBy.map(addrLink).join(' '), l.challenged.map((d) => `<a href="/disputes/${seg(d)}">#${esc(d)}</a>`).join(' ')]), 'leaves');
  const model = c
    ? facts([['model hash', hashText(c.finalModelHash)], ['download', v.manifest?.finalCheckpoint
      ? `<a href="/api/jobs/${seg(v.jobId)}/checkpoint" download>final state (float32 LE, every slot)</a> · <a href="/api/jobs/${seg(v.jobId)}/manifest">result manifest</a> · as TensorFlow.js files: <code>optrain job fetch-model ${esc(v.jobId)} --out DIR</code>`
      : '<span class="muted">no final checkpoint published</span>']])
    : '<p class="muted">no model yet</p>';
  return `<h1>Job ${esc(v.jobId)} ${statusBadge(v.status)}</h1>
${v.chainError ? `<p class="warn">chain: ${esc(v.chainError)}</p>` : ''}
<section><h2>Overview</h2>${facts([['submitter', addrLink(v.submitter)], ['solver', addrLink(v.solver)], ['reward', `${esc(v.reward)} ETH`], ['posted', `${esc(ago(v.postedAt, now))} (block ${esc(v.postedBlock)})`], ['on-chain status', esc(v.chainStatus ?? '-')], ['program root', hashText(v.programRoot)], ['steps', esc(v.numSteps ?? '-')], ['disputes', v.disputes.map((d) => `<a href="/disputes/${seg(d.disputeId)}">#${esc(d.disputeId)}</a> (${esc(d.status)})`).join(', ') || 'none']])}</section>
<section><h2>Spec</h2>${spec}</section>
<section><h2>Loss</h2>${lossSection(v)}</section>
<section><h2>Commitment</h2>${commitment}<h3>Leaves</h3><p class="muted">${esc(v.replayedNote)}</p>${leaves}</section>
<section><h2>Model</h2>${model}</section>`;
}

function lossSection(v: JobView): string {
  if (!v.losses) return `<p class="muted">${esc(v.lossError ?? 'the solver has not published its per-step losses yet')}</p>`;
  const val = v.losses.val.length ? '' : '<p class="muted">no validation losses published (the manifest has no valLosses)</p>';
  return `<div class="chart" id="loss-chart" data-source="loss-data"></div>${jsonBlock('loss-data', v.losses)}${val}<p class="muted">${esc(v.losses.train.length)} training steps</p>`;
}

export function disputeMain(v: DisputeView): string {
  const clocks = v.clocks
    ? `<div class="clocks">${(['solver', 'challenger'] as const).map((side) => `<div class="clock-box${v.clocks!.running === side ? ' running' : ''}"><div>${esc(side)} clock</div><div class="clock" data-side="${side}" data-bank="${esc(v.clocks![side])}" data-started="${esc(v.clocks!.turnStartedAt)}" data-chainnow="${esc(v.clocks!.chainNow)}" data-running="${v.clocks!.running === side ? '1' : '0'}">${esc(clockText(v.clocks!.running === side ? v.clocks![side] - (v.clocks!.chainNow - v.clocks!.turnStartedAt) : v.clocks![side]))}</div></div>`).join('')}</div>`
    : `<p class="warn">game state not readable: ${esc(v.gameError ?? '')}</p>`;
  const moves = table(['#', 'move', 'by', 'gas', 'block', 'tx'], v.moves.map((m, i) => [esc(i + 1), esc(m.move), who(v, m.from), esc(m.gasUsed), esc(m.block), txText(m.tx)]), 'moves');
  return `<h1>Dispute ${esc(v.disputeId)} <span class="muted">over</span> <a href="/jobs/${seg(v.jobId)}">job ${esc(v.jobId)}</a></h1>
<section><h2>Parties</h2>${facts([['solver', `${addrLink(v.solver)} (stake ${esc(v.stake ?? '?')} ETH)`], ['challenger', `${addrLink(v.challenger)} (bond ${esc(v.bond)} ETH)`], ['phase', esc(v.phase ?? '-')], ['to move', esc(v.mover ?? 'nobody (resolved)')]])}${clocks}</section>
<section><h2>Narrowing</h2>${pathPicture(v.path)}${opFacts(v)}</section>
<section><h2>Verdict</h2>${verdict(v)}</section>
<section><h2>Moves (${esc(v.moves.length)}, ${esc(v.totalGas)} gas)</h2>${moves}</section>`;
}

function who(v: DisputeView, from: string): string {
  const side = from.toLowerCase() === v.solver.toLowerCase() ? 'solver' : from.toLowerCase() === v.challenger.toLowerCase() ? 'challenger' : 'other';
  return `${esc(side)} ${addrLink(from)}`;
}

export function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
}

/** Nested bars: each row is the range one move narrowed, the highlighted part what stays disputed. */
function pathPicture(path: Level[]): string {
  if (!path.length) return '<p class="muted">no narrowing moves yet</p>';
  const rows = path.map((l) => {
    const total = Math.max(1, l.total);
    const left = (100 * l.lo) / total, width = Math.max(0.8, (100 * (l.hi - l.lo)) / total);
    return `<li class="level level-${esc(l.level)}"><span class="level-name">${esc(l.level)}</span><span class="bar"><span class="sel" style="left:${left.toFixed(3)}%;width:${Math.min(width, 100 - left).toFixed(3)}%"></span></span><span class="level-label">${esc(l.label)}</span></li>`;
  });
  return `<ol class="path">${rows.join('')}</ol>`;
}

function opFacts(v: DisputeView): string {
  const rows: [string, string][] = [];
  if (v.op) {
    rows.push(['op', `${esc(v.op.name)} (id ${esc(v.op.opId)}, node ${esc(v.op.node)})`]);
    rows.push(['shapes', v.op.shape ? `output [${esc(v.op.shape.join('×'))}]; inputs ${v.op.inputShapes!.map((s) => `[${esc(s.join('×'))}]`).join(', ')}` : `${esc(v.op.numel)} output elements (job spec not loadable for shapes)`]);
  }
  if (v.values) {
    if (v.values.element !== null) rows.push(['element', esc(v.values.element)]);
    rows.push(['computed on chain', `<code>${esc(v.values.computed.hex)}</code> = ${esc(v.values.computed.decimal)}`]);
    rows.push(['claimed', `<code>${esc(v.values.claimed.hex)}</code> = ${esc(v.values.claimed.decimal)}`]);
  }
  return rows.length ? facts(rows) : '';
}

function verdict(v: DisputeView): string {
  if (!v.verdict) return '<p class="muted">not resolved yet</p>';
  const d = v.verdict;
  const pay = table(['to', 'amount', 'why'], d.payouts.map((p) => [p.to === 'jackpot' ? 'jackpot' : addrLink(p.to), `${esc(p.amount)} ETH`, esc(p.why)]));
  return `<p class="verdict">${esc(d.challengerWon ? 'Challenger won' : 'Solver won')} (${esc(d.reason)}). Slashed: <strong class="slashed">${esc(d.slashed)}</strong></p>${pay}`;
}

export function accountMain(v: AccountView): string {
  const entries = table(['what', 'amount', 'job', 'dispute', 'block', 'tx'], v.entries.map((e) => [esc(e.kind), `${esc(e.amount)} ETH`, e.jobId ? `<a href="/jobs/${seg(e.jobId)}">${esc(e.jobId)}</a>` : '', e.disputeId ? `<a href="/disputes/${seg(e.disputeId)}">${esc(e.disputeId)}</a>` : '', esc(e.block), txText(e.tx)]));
  const jackpot = table(['what', 'amount', 'jackpot after', 'job', 'block', 'tx'], v.jackpot.history.map((e) => [esc(e.kind), `${esc(e.amount)} ETH`, e.jackpotAfter === null ? '' : `${esc(e.jackpotAfter)} ETH`, e.jobId ? `<a href="/jobs/${seg(e.jobId)}">${esc(e.jobId)}</a>` : '', esc(e.block), txText(e.tx)]));
  return `<h1>Account <code>${esc(v.address)}</code></h1>
${v.chainError ? `<p class="warn">chain: ${esc(v.chainError)}</p>` : ''}
<section>${facts([['balance', `${esc(v.balance ?? '?')} ETH`], ['claimable in the market', `${esc(v.claimable ?? '?')} ETH`], ['earned (credited)', `${esc(v.earned)} ETH`], ['slashed / bonds lost', `${esc(v.slashed)} ETH`]])}</section>
<section><h2>History</h2>${entries}</section>
<section><h2>Jackpot: ${esc(v.jackpot.balance ?? '?')} ETH</h2>${jackpot}</section>`;
}

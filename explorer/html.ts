// HTML building blocks. Every value that comes from the chain, a blob or a URL goes through
// esc() (or attr()/json() for its context); nothing is ever concatenated into markup raw.
// The pages also carry a Content-Security-Policy without inline scripts (see server.ts), so a
// value that slipped through could still not run.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

/** A URL path segment (ids, addresses) inside an href. */
export function seg(v: unknown): string {
  return esc(encodeURIComponent(String(v ?? '')));
}

/** JSON for a <script type="application/json"> block: no '<' can close the element. */
export function jsonBlock(id: string, data: unknown): string {
  const text = JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return `<script type="application/json" id="${esc(id)}">${text}</script>`;
}

export const shortHex = (h: unknown) => {
  const s = String(h ?? '');
  return s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s;
};

export function addrLink(a: string | null | undefined): string {
  if (!a || /^0x0{40}$/i.test(a)) return '<span class="muted">none</span>';
  return `<a class="addr" href="/accounts/${seg(a)}" title="${esc(a)}">${esc(shortHex(a))}</a>`;
}

export function hashText(h: string | null | undefined): string {
  return h ? `<code title="${esc(h)}">${esc(h)}</code>` : '<span class="muted">-</span>';
}

export function txText(h: string | null | undefined): string {
  return h ? `<code class="tx" title="${esc(h)}">${esc(shortHex(h))}</code>` : '';
}

export function table(head: string[], rows: string[][], cls = ''): string {
  if (!rows.length) return '<p class="muted">none yet</p>';
  return `<table class="${esc(cls)}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Key/value rows; values are markup the caller built with esc() and friends. */
export function facts(rows: [string, string][]): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

export function ago(unixSeconds: number | null, nowSeconds: number): string {
  if (unixSeconds === null) return '-';
  const s = Math.max(0, nowSeconds - unixSeconds);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export interface Shell {
  title: string;
  /** The JSON API behind the page (the client polls it to know when to refresh). */
  api: string;
  version: number;
  chainLabel: string;
  outages: { dependency: string; error: string; since: number }[];
  main: string;
}

export function outageBanner(outages: Shell['outages']): string {
  const text = outages.map((o) => `${o.dependency} unreachable since ${new Date(o.since).toISOString().slice(11, 19)} UTC (${o.error})`).join('; ');
  return `<div id="outage" class="banner" role="alert"${outages.length ? '' : ' hidden'}>${esc(text ? `Outage: ${text}. Showing what was last read; catching up when it is back.` : '')}</div>`;
}

export function page(s: Shell): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(s.title)} · optrain explorer</title>
<link rel="stylesheet" href="/static/uplot/uPlot.min.css"><link rel="stylesheet" href="/static/app/app.css">
</head><body data-api="${esc(s.api)}" data-version="${esc(s.version)}" data-outages="${esc(s.outages.map((o) => o.dependency).join(' '))}">
<header><a class="brand" href="/">optrain explorer</a><span class="muted">${esc(s.chainLabel)}</span></header>
${outageBanner(s.outages)}
<main id="main">${s.main}</main>
<script src="/static/uplot/uPlot.iife.min.js"></script><script src="/static/app/app.js"></script>
</body></html>`;
}

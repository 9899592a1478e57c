// optrain explorer client: the page arrives rendered; this script keeps it live. It polls
// /api/status, shows an outage banner while a dependency (or the explorer itself) is
// unreachable, swaps in fresh page content when something changed, ticks the dispute clocks
// and draws the loss chart with uPlot. Nothing here builds markup from data: content comes
// from the server already escaped, numbers go to uPlot and textContent.
(() => {
  'use strict';
  const POLL_MS = 2000;
  const REFRESH_MS = 10000; // deadlines and balances change without new events
  const body = document.body;
  let version = body.dataset.version;
  let outageKey = body.dataset.outages || ''; // which dependencies were down when the content was rendered
  let lastRefresh = Date.now();
  let loadedAt = Date.now();
  let charts = [];

  function banner(text) {
    const b = document.getElementById('outage');
    if (!b) return;
    b.textContent = text;
    b.hidden = !text;
  }

  function outageText(outages) {
    if (!outages.length) return '';
    return 'Outage: ' + outages.map((o) => o.dependency + ' unreachable since ' + new Date(o.since).toISOString().slice(11, 19) + ' UTC (' + o.error + ')').join('; ') + '. Showing what was last read; catching up when it is back.';
  }

  async function refresh() {
    const url = new URL(location.href);
    url.searchParams.set('fragment', '1');
    const r = await fetch(url, { cache: 'no-store' });
    if (!r.ok) return;
    const html = await r.text();
    const main = document.getElementById('main');
    // Server-rendered, server-escaped markup of our own origin (the same as the initial page).
    main.innerHTML = html;
    loadedAt = Date.now();
    lastRefresh = Date.now();
    drawCharts();
    tickClocks();
  }

  async function poll() {
    try {
      const r = await fetch('/api/status', { cache: 'no-store' });
      const s = await r.json();
      banner(outageText(s.outages));
      const key = s.outages.map((o) => o.dependency).join(' ');
      // A dependency coming back (or going away) changes what the content can show (a job's
      // losses on a blob server that was down) even when no new event was indexed.
      const changed = String(s.version) !== String(version) || key !== outageKey;
      version = s.version;
      outageKey = key;
      body.dataset.version = String(s.version);
      if (changed || Date.now() - lastRefresh > REFRESH_MS) await refresh();
    } catch (e) {
      banner('Outage: the explorer server is not reachable (' + (e && e.message) + '); retrying.');
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  function clockText(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h + ':' + String(m).padStart(2, '0') + ':' + String(r).padStart(2, '0');
  }

  function tickClocks() {
    for (const el of document.querySelectorAll('.clock')) {
      const bank = Number(el.dataset.bank);
      if (el.dataset.running !== '1') { el.textContent = clockText(bank); continue; }
      const chainNow = Number(el.dataset.chainnow) + (Date.now() - loadedAt) / 1000;
      el.textContent = clockText(bank - (chainNow - Number(el.dataset.started)));
    }
  }

  function drawCharts() {
    for (const c of charts) c.destroy();
    charts = [];
    for (const el of document.querySelectorAll('.chart[data-source]')) {
      const src = document.getElementById(el.dataset.source);
      if (!src || typeof uPlot === 'undefined') continue;
      const d = JSON.parse(src.textContent);
      const n = d.train.length;
      const xs = Array.from({ length: n }, (_, i) => i);
      const val = new Array(n).fill(null);
      for (const [step, loss] of d.val) if (step >= 0 && step < n) val[step] = loss;
      const width = Math.max(300, Math.min(900, el.clientWidth || 900));
      const opts = {
        width, height: 300, title: 'loss per step',
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, { label: 'loss' }],
        series: [{ label: 'step' }, { label: 'train', stroke: '#1f77b4', width: 1.5 }, { label: 'validation', stroke: '#d62728', width: 2, spanGaps: true, points: { show: true, size: 5 } }],
      };
      charts.push(new uPlot(opts, [xs, d.train, val], el));
    }
  }

  drawCharts();
  tickClocks();
  setInterval(tickClocks, 250);
  setTimeout(poll, POLL_MS);
})();

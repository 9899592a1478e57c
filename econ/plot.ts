// A hand-written SVG of cheater profit versus sample rate (log x axis): simulated means with
// their 95% intervals as points and bars, the formulas as lines, honest profit as a dashed
// reference. No plotting library: the chart is a few dozen elements.
import { cheatProfit, honestProfit } from './model.ts';
import type { Params } from './params.ts';
import type { SweepRow } from './simulate.ts';

const W = 800, H = 440, L = 80, R = 260, T = 40, B = 60;

export function profitSvg(p: Params, rows: SweepRow[]): string {
  const rates = rows.map((r) => r.rate);
  const x0 = Math.log10(Math.min(...rates)), x1 = Math.log10(Math.max(...rates));
  const series = [
    { name: 'cheater profit, one wrong interval', k: 1, color: '#d62728' },
    { name: 'cheater profit, no work', k: p.intervals, color: '#1f77b4' },
  ];
  const pts = rows.flatMap((r) => r.estimates.filter((e) => series.some((s) => s.name === e.name)).flatMap((e) => [e.sim - 1.96 * e.se, e.sim + 1.96 * e.se]));
  const honest = honestProfit(p);
  const ys = [...pts, honest, -p.stake, p.reward + p.cheatGain, 0];
  const y0 = Math.min(...ys), y1 = Math.max(...ys);
  const px = (r: number) => L + ((Math.log10(r) - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (v: number) => T + (1 - (v - y0) / (y1 - y0 || 1)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${L}" y="22" font-size="14">Expected solver profit per job (ETH) vs verifier sample rate (V = ${p.verifiers}, n = ${p.intervals})</text>`);
  axes(out, rates, px, py, y0, y1);
  out.push(`<line x1="${L}" x2="${W - R}" y1="${py(honest).toFixed(1)}" y2="${py(honest).toFixed(1)}" stroke="#2ca02c" stroke-dasharray="6 4"/>`);
  legend(out, 0, '#2ca02c', `honest profit ${round(honest)}`, true);
  series.forEach((s, i) => {
    const line = logGrid(x0, x1).map((r) => `${px(r).toFixed(1)},${py(cheatProfit(p, s.k, r)).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${line}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    for (const row of rows) {
      const e = row.estimates.find((q) => q.name === s.name);
      if (!e) continue;
      const x = px(row.rate).toFixed(1);
      out.push(`<line x1="${x}" x2="${x}" y1="${py(e.sim - 1.96 * e.se).toFixed(1)}" y2="${py(e.sim + 1.96 * e.se).toFixed(1)}" stroke="${s.color}"/>`);
      out.push(`<circle cx="${x}" cy="${py(e.sim).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    legend(out, i + 1, s.color, s.name, false);
  });
  out.push(`<text x="${W - R + 10}" y="${T + 100}" fill="#555">lines: formulas (§11)</text>`);
  out.push(`<text x="${W - R + 10}" y="${T + 116}" fill="#555">dots, bars: simulation, 95% CI</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function axes(out: string[], rates: number[], px: (r: number) => number, py: (v: number) => number, y0: number, y1: number): void {
  out.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>`);
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/>`);
  for (const r of rates) {
    out.push(`<line x1="${px(r).toFixed(1)}" x2="${px(r).toFixed(1)}" y1="${H - B}" y2="${H - B + 5}" stroke="black"/>`);
    out.push(`<text x="${px(r).toFixed(1)}" y="${H - B + 18}" text-anchor="middle">${r}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">sample rate r (share of intervals each verifier replays, log scale)</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = y0 + ((y1 - y0) * i) / 5;
    out.push(`<text x="${L - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${round(v)}</text>`);
    out.push(`<line x1="${L}" x2="${W - R}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#eee"/>`);
  }
  if (y0 < 0 && y1 > 0) out.push(`<line x1="${L}" x2="${W - R}" y1="${py(0).toFixed(1)}" y2="${py(0).toFixed(1)}" stroke="#999"/>`);
}

function legend(out: string[], i: number, color: string, text: string, dashed: boolean): void {
  const y = T + 10 + i * 22;
  out.push(`<line x1="${W - R + 10}" x2="${W - R + 30}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
  out.push(`<text x="${W - R + 36}" y="${y + 4}">${escapeXml(text)}</text>`);
}

function logGrid(x0: number, x1: number): number[] {
  return Array.from({ length: 121 }, (_, i) => 10 ** (x0 + ((x1 - x0) * i) / 120));
}

function round(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

// Plain-text tables of bench results (the README's Benchmarks section uses the same layout).
import type { MatmulRow, MatmulShareRow } from './matmul.ts';
import { pctSpread } from './interleave.ts';
import type { HashShareRow } from './hash-share.ts';
import { hashShareOf, syncHashShareOf, type TrainRow } from './train.ts';

const pad = (s: string, n: number) => s.padEnd(n);

export function printMatmul(rows: MatmulRow[], log: (s: string) => void): void {
  const impls = [...new Set(rows.map((r) => `${r.impl} x${r.threads}`))];
  const shapes = [...new Set(rows.map((r) => r.shape))];
  log('\nmatmul GFLOP/s per wall second (per CPU second of the process in parentheses), best of rounds');
  log(`| shape | ${impls.join(' | ')} |`);
  log(`|---|${impls.map(() => '---:').join('|')}|`);
  for (const s of shapes) {
    const cells = impls.map((i) => {
      const r = rows.find((x) => x.shape === s && `${x.impl} x${x.threads}` === i);
      return r ? `${r.gflops.toFixed(1)} (${r.cpuGflops.toFixed(1)})` : '-';
    });
    log(`| ${s} | ${cells.join(' | ')} |`);
  }
}

export function printMatmulShares(rows: MatmulShareRow[], log: (s: string) => void): void {
  log('\nmatmul share of the no-FMA ceiling, rounds interleaved with it: median (spread over rounds)');
  log('| shape | impl | threads | GFLOP/s | ceiling GFLOP/s | share of ceiling | rounds |');
  log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows)
    log(`| ${r.shape} | ${r.impl} | ${r.threads} | ${r.gflops.median.toFixed(1)} (${pctSpread(r.gflops)}) | ${r.ceiling.median.toFixed(1)} (${pctSpread(r.ceiling)}) | ${(r.share.median * 100).toFixed(1)}% (${(r.share.min * 100).toFixed(1)}-${(r.share.max * 100).toFixed(1)}%) | ${r.rounds} |`);
}

export function printTrain(rows: TrainRow[], hashShare: number | null, log: (s: string) => void): void {
  const K = rows.find((r) => r.hashInterval !== undefined)?.hashInterval ?? 1;
  log(`\nMNIST MLP (784-128-10, batch 64, SGD momentum) training, state hashed every ${K} steps (hashInterval K = ${K})`);
  log(`| ${pad('impl', 22)} | threads | steps | samples/s | samples/CPU-s | seconds | test accuracy | hash wait (pipelined, K=${K}) | sync hash (share at K=${K}) |`);
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const wait = r.hashSeconds === undefined ? '-' : `${(hashShareOf(r) * 100).toFixed(1)}%`;
    const sync = r.syncHashMs === undefined ? '-' : `${r.syncHashMs.toFixed(2)} ms = ${(syncHashShareOf(r) * 100).toFixed(1)}%`;
    const perCpu = r.cpuSeconds ? ((r.steps * 64) / r.cpuSeconds).toFixed(0) : '-';
    log(`| ${pad(r.impl, 22)} | ${r.threads} | ${r.steps} | ${r.samplesPerSec.toFixed(0)} | ${perCpu} | ${r.seconds.toFixed(2)} | ${r.testAccuracy.toFixed(4)} | ${wait} | ${sync} |`);
  }
  if (hashShare !== null) log(`state hashing share of step time (fastest backend, synchronous hash every K=${K} steps): ${(hashShare * 100).toFixed(2)}%`);
  const hashes = new Set(rows.filter((r) => r.stateHash && r.steps === rows.find((x) => x.stateHash)!.steps).map((r) => r.stateHash));
  if (hashes.size > 1) log('WARNING: engine backends that ran the same steps ended in different state hashes');
}

/** One line per model and backend: step and hash time, and the share at each K measured. */
export function printHashShares(rows: HashShareRow[], log: (s: string) => void): void {
  const Ks = [...new Set(rows.map((r) => r.hashInterval))].sort((a, b) => a - b);
  log('\nstate hash share of step time: (hash / K) / (step + hash / K), synchronous hash every K steps');
  log(`| model | impl | threads | step ms | hash ms | ${Ks.map((K) => `K=${K}`).join(' | ')} |`);
  log(`|---|---|---:|---:|---:|${Ks.map(() => '---:').join('|')}|`);
  const keys = [...new Set(rows.map((r) => `${r.model}|${r.impl}|${r.threads}`))];
  for (const key of keys) {
    const group = rows.filter((r) => `${r.model}|${r.impl}|${r.threads}` === key);
    const g = group[0];
    const cells = Ks.map((K) => {
      const r = group.find((x) => x.hashInterval === K);
      return r ? `${(r.share * 100).toFixed(2)}%` : '-';
    });
    log(`| ${g.model} | ${g.impl} | ${g.threads} | ${g.stepMs.toFixed(2)} | ${g.hashMs.toFixed(3)} | ${cells.join(' | ')} |`);
  }
}

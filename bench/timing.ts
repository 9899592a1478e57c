// Timing helpers. Shared machines are noisy (other processes steal cores), so a rate is
// taken from the best of several rounds: the round least disturbed by others is the
// closest to what the code itself costs. Every round runs the same work.

export interface Timed {
  seconds: number; // best wall seconds per call
  cpuSeconds: number; // best process CPU seconds per call (all threads; robust to other load)
  calls: number; // calls measured in total
}

/** Process CPU seconds so far (user + system, all threads). */
export function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** Best seconds per call of `fn` over rounds of about `roundSeconds` each. */
export async function bestTime(fn: () => unknown | Promise<unknown>, opts: { rounds?: number; roundSeconds?: number; warmup?: number } = {}): Promise<Timed> {
  const { rounds = 5, roundSeconds = 0.2, warmup = 1 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const t0 = performance.now();
  await fn();
  const once = Math.max(1e-6, (performance.now() - t0) / 1000);
  const perRound = Math.max(1, Math.round(roundSeconds / once));
  let best = Infinity, bestCpu = Infinity, calls = 1;
  for (let r = 0; r < rounds; r++) {
    const s = performance.now(), c = cpuSeconds();
    for (let i = 0; i < perRound; i++) await fn();
    best = Math.min(best, (performance.now() - s) / 1000 / perRound);
    bestCpu = Math.min(bestCpu, (cpuSeconds() - c) / perRound);
    calls += perRound;
  }
  return { seconds: best, cpuSeconds: bestCpu, calls };
}

/** Load average over the last minute: printed with results so noisy runs can be spotted. */
export async function loadAverage(): Promise<number> {
  const { loadavg } = await import('node:os');
  return loadavg()[0];
}

// The solver's Prometheus metrics (served by `solver start --metrics-port P`): training
// throughput, the job lifecycle, disputes, the BullMQ queue, plus chain/metrics.ts's gas, ETH,
// balance and process metrics. Lifecycle counters follow the service's own structured events,
// so a metric moves exactly when the corresponding log line is written.
import type { Queue, Worker } from 'bullmq';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { ChainClient } from '../chain/client.ts';
import { serviceMetrics, type ServiceMetrics } from '../chain/metrics.ts';
import type { Log } from './service.ts';

export interface SolverMetrics extends ServiceMetrics {
  /** Wrap the service's logger: every event also updates its counters. */
  log(inner: Log): Log;
  /** One training step of `samples` samples (batch size) took `seconds`. */
  step(samples: number, seconds: number): void;
  /** Queue depth gauges and the stalled-job counter for this solver's BullMQ queue and worker. */
  watchQueue(queue: Queue, worker?: Worker): void;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

export function solverMetrics(client: ChainClient, address: string): SolverMetrics {
  const base = serviceMetrics('solver', client, address);
  const r = [base.registry], p = base.prefix;
  const steps = new Counter({ name: `${p}steps_total`, help: 'training steps computed (rate() gives steps per second)', registers: r });
  const samples = new Counter({ name: `${p}samples_total`, help: 'training samples (batch rows) processed', registers: r });
  const stepSeconds = new Histogram({ name: `${p}step_duration_seconds`, help: 'wall-clock time of one training step', buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60], registers: r });
  const jobs = new Counter({ name: `${p}jobs_total`, help: 'jobs by lifecycle event: claimed, committed, finalized, lost', labelNames: ['event'], registers: r });
  const disputes = new Counter({ name: `${p}disputes_total`, help: 'disputes against this solver: opened (defending), won, lost', labelNames: ['outcome'], registers: r });
  const moves = new Counter({ name: `${p}dispute_moves_total`, help: 'dispute game moves this solver sent', registers: r });
  const withdrawn = new Counter({ name: `${p}withdrawn_wei_total`, help: 'ETH withdrawn from the market (payouts, returned stakes)', registers: r });
  const stalled = new Counter({ name: `${p}queue_stalled_jobs_total`, help: 'training jobs BullMQ found stalled (a worker stopped renewing its lock)', registers: r });
  for (const event of ['claimed', 'committed', 'finalized', 'lost']) jobs.inc({ event }, 0);
  for (const outcome of ['opened', 'won', 'lost']) disputes.inc({ outcome }, 0);
  const queues: Queue[] = [];
  new Gauge({
    name: `${p}queue_jobs`, help: 'training jobs in this solver\'s BullMQ queue, by state (read at scrape time)', labelNames: ['state'], registers: r,
    async collect() {
      this.reset();
      for (const q of queues) {
        try {
          const counts = await q.getJobCounts(...QUEUE_STATES);
          for (const s of QUEUE_STATES) this.inc({ state: s }, counts[s] ?? 0);
        } catch {
          // Redis unreachable: no queue numbers rather than stale ones
        }
      }
    },
  });
  return {
    ...base,
    log(inner) {
      return (event, fields) => {
        if (event === 'claimed' || event === 'committed' || event === 'finalized') jobs.inc({ event });
        if (event === 'job-lost') jobs.inc({ event: 'lost' });
        if (event === 'dispute-defending') disputes.inc({ outcome: 'opened' });
        if (event === 'dispute-resolved') disputes.inc({ outcome: fields.won ? 'won' : 'lost' });
        if (event === 'dispute-move') moves.inc();
        if (event === 'withdrew' && typeof fields.amount === 'bigint') withdrawn.inc(Number(fields.amount));
        inner(event, fields);
      };
    },
    step(n, seconds) {
      steps.inc();
      samples.inc(n);
      stepSeconds.observe(seconds);
    },
    watchQueue(queue, worker) {
      queues.push(queue);
      worker?.on('stalled', () => stalled.inc());
    },
  };
}

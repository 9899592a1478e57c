// The verifier's Prometheus metrics (served by `verifier start --metrics-port P`): results
// checked, intervals and steps replayed, disputes opened/won/lost, withdrawals, plus
// chain/metrics.ts's gas, ETH, balance and process metrics. Counters follow the bot's own
// structured events, so a metric moves exactly when the corresponding log line is written.
import { Counter } from 'prom-client';
import type { ChainClient } from '../chain/client.ts';
import { serviceMetrics, type ServiceMetrics } from '../chain/metrics.ts';
import type { Log } from './bot.ts';

export interface VerifierMetrics extends ServiceMetrics {
  log(inner: Log): Log;
}

export function verifierMetrics(client: ChainClient, address: string): VerifierMetrics {
  const base = serviceMetrics('verifier', client, address);
  const r = [base.registry], p = base.prefix;
  const checked = new Counter({ name: `${p}results_checked_total`, help: 'committed results checked, by verdict', labelNames: ['verdict'], registers: r });
  const intervals = new Counter({ name: `${p}intervals_replayed_total`, help: 'sampled leaf intervals replayed', registers: r });
  const steps = new Counter({ name: `${p}steps_replayed_total`, help: 'training steps replayed (sampled checks and replays around withheld data)', registers: r });
  const disputes = new Counter({ name: `${p}disputes_total`, help: 'disputes this verifier opened, won and lost', labelNames: ['outcome'], registers: r });
  const moves = new Counter({ name: `${p}dispute_moves_total`, help: 'dispute game moves this verifier sent', registers: r });
  const withdrawn = new Counter({ name: `${p}withdrawn_wei_total`, help: 'ETH withdrawn from the market (bond, slashed stake share, jackpot)', registers: r });
  for (const verdict of ['ok', 'challenge']) checked.inc({ verdict }, 0);
  for (const outcome of ['opened', 'won', 'lost']) disputes.inc({ outcome }, 0);
  return {
    ...base,
    log(inner) {
      return (event, fields) => {
        if (event === 'checked') {
          checked.inc({ verdict: fields.challenge ? 'challenge' : 'ok' });
          intervals.inc(Number(fields.sampled ?? 0));
          steps.inc(Number(fields.replayedSteps ?? 0));
        }
        if (event === 'replayed') steps.inc(Number(fields.steps ?? 0));
        if (event === 'challenged') disputes.inc({ outcome: 'opened' });
        if (event === 'dispute-resolved') disputes.inc({ outcome: fields.won ? 'won' : 'lost' });
        if (event === 'dispute-move') moves.inc();
        if (event === 'withdrew' && typeof fields.amount === 'bigint') withdrawn.inc(Number(fields.amount));
        inner(event, fields);
      };
    },
  };
}

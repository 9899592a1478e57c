// Prometheus metrics shared by the long-running services (solver, verifier): a registry with the
// default process metrics, the gas and ETH every transaction of the service's account spent
// (fed by ChainClient.onTx), the account's balance (read at scrape time) and an HTTP endpoint
// serving GET /metrics. Role-specific counters live in solver/metrics.ts and verifier/metrics.ts.
import Fastify from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChainClient, TxResult } from './client.ts';

export interface ServiceMetrics {
  registry: Registry;
  prefix: string; // e.g. optrain_solver_
  /** Count one mined transaction of this account (gas used, fee and value in wei). */
  onTx(r: TxResult, value?: bigint): void;
}

/** Wei amounts exceed 2^53: a counter takes a float, so bigints go in as Number (exact to ~15 digits, plenty for alerting). */
const wei = (x: bigint) => Number(x);

export function serviceMetrics(role: 'solver' | 'verifier', client: ChainClient, address: string): ServiceMetrics {
  const registry = new Registry();
  const prefix = `optrain_${role}_`;
  collectDefaultMetrics({ register: registry });
  const txs = new Counter({ name: `${prefix}transactions_total`, help: 'transactions this account sent and saw mined', labelNames: ['method'], registers: [registry] });
  const gas = new Counter({ name: `${prefix}gas_used_total`, help: 'gas used by this account\'s mined transactions', registers: [registry] });
  const spent = new Counter({ name: `${prefix}eth_spent_wei_total`, help: 'ETH this account spent: kind=gas fees paid, kind=value sent (stakes, bonds)', labelNames: ['kind'], registers: [registry] });
  new Gauge({
    name: `${prefix}balance_wei`, help: 'the account\'s ETH balance (read at scrape time; absent when the RPC is unreachable)', registers: [registry],
    async collect() {
      try {
        this.set(wei(await client.provider.getBalance(address)));
      } catch {
        this.reset(); // no stale number while the RPC is down
      }
    },
  });
  return {
    registry, prefix,
    onTx(r, value = 0n) {
      const method = r.method ?? 'unknown';
      txs.inc({ method });
      gas.inc(wei(r.gasUsed));
      const price = r.receipt.gasPrice ?? 0n;
      spent.inc({ kind: 'gas' }, wei(r.gasUsed * price));
      if (value > 0n) spent.inc({ kind: 'value' }, wei(value));
    },
  };
}

export interface MetricsServer {
  url: string; // http://HOST:PORT/metrics
  close(): Promise<void>;
}

/** Serve `registry` at GET /metrics on `port` (0: any free port). */
export async function serveMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  const address = await app.listen({ port, host });
  return { url: `${address}/metrics`, close: () => app.close() };
}

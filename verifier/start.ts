// Assemble a verifier process: chain client, Redis (where solvers announce their blob servers,
// result manifests and dispute data) and the bot loop. Used by `optrain verifier start`, the
// demo and the tests.
import { resolve } from 'node:path';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { rulesOf } from '../chain/networks.ts';
import { callView, createClient, type ChainClient, type ContractAddresses } from '../chain/client.ts';
import { DependencyHealth, Outages, settlesWithin } from '../jobs/connectivity.ts';
import { redisClient, redisName } from '../jobs/queue.ts';
import { parseTamper } from '../commitments/tamper.ts';
import { VerifierBot, type Log } from './bot.ts';
import { warnIfUnfunded } from '../chain/actions/funds.ts';
import { serveMetrics } from '../chain/metrics.ts';
import { verifierMetrics } from './metrics.ts';

export interface VerifierNetwork {
  rpcUrl: string;
  redisUrl: string;
  chainId: number;
  contracts: ContractAddresses;
  gameKind?: string;
  startBlock?: number;
  /** Profile name, confirmations and fee cap (chain/networks.ts); devnets need none. */
  name?: string;
  confirmations?: number;
  gas?: { maxFeeGwei?: number };
}

export interface StartVerifierOptions {
  net: VerifierNetwork;
  privateKey: string;
  dataDir: string;
  backend: Backend;
  sampleRate?: number; // default 0.25
  tamper?: string; // 'kind=grief'
  challengeWithheld?: boolean;
  pollMs?: number;
  nudgeMs?: number;
  dataGraceMs?: number;
  /** Total time for one read from a solver's server (default OPTRAIN_FETCH_TIMEOUT_MS, else 60 s). */
  fetchTimeoutMs?: number;
  /** Largest blob of unknown size read from a solver (default OPTRAIN_MAX_BLOB_BYTES, else 1 GiB). */
  maxBlobBytes?: number;
  checkConcurrency?: number;
  log: Log;
  /** Serve Prometheus metrics at http://127.0.0.1:P/metrics (0: any free port). */
  metricsPort?: number;
}

export interface RunningVerifier {
  bot: VerifierBot;
  address: string;
  /** http://127.0.0.1:P/metrics when started with metricsPort. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

export const DEFAULT_SAMPLE_RATE = 0.25;

export async function startVerifier(o: StartVerifierOptions): Promise<RunningVerifier> {
  const grief = o.tamper !== undefined && parseTamper(o.tamper, 'verifier').kind === 'grief';
  const client = createClient({ rpcUrl: o.net.rpcUrl, contracts: o.net.contracts, privateKey: o.privateKey, gameArtifact: o.net.gameKind, rules: rulesOf(o.net), pollingIntervalMs: 100 });
  const metrics = o.metricsPort !== undefined ? verifierMetrics(client, client.signer!.address) : undefined;
  if (metrics) client.onTx = metrics.onTx;
  const log: Log = metrics ? metrics.log(o.log) : o.log;
  const metricsServer = metrics ? await serveMetrics(metrics.registry, o.metricsPort!) : undefined; // before anything runs: a taken port fails the start cleanly
  // A Redis outage is one line when it starts and one when it ends, not a stack per retry.
  const say = (event: string, message: string) => log(event, { message });
  const redisHealth = new DependencyHealth(redisName(o.net.redisUrl), say);
  const redis = redisClient(o.net.redisUrl, redisHealth);
  const outages = new Outages(o.net.rpcUrl, say, redis, redisHealth);
  const bot = new VerifierBot({
    client, redis, ks: { chainId: o.net.chainId, jobMarket: o.net.contracts.jobMarket }, dataDir: resolve(o.dataDir), backend: o.backend,
    sampleRate: o.sampleRate ?? DEFAULT_SAMPLE_RATE, grief, challengeWithheld: o.challengeWithheld, fromBlock: o.net.startBlock,
    nudgeMs: o.nudgeMs, dataGraceMs: o.dataGraceMs, checkConcurrency: o.checkConcurrency, outages, log: log,
    fetch: { ...(o.fetchTimeoutMs ? { timeoutMs: o.fetchTimeoutMs } : {}), ...(o.maxBlobBytes ? { maxBytes: o.maxBlobBytes } : {}) },
  });
  const abort = new AbortController();
  const loop = bot.run(abort.signal, o.pollMs ?? 500);
  log('verifier-started', { address: bot.address, sampleRate: o.sampleRate ?? DEFAULT_SAMPLE_RATE, tamper: o.tamper, dataDir: resolve(o.dataDir) });
  await warnIfBelowDeclaredRate(client, o.sampleRate ?? DEFAULT_SAMPLE_RATE, log);
  await warnIfUnfunded(client, bot.address, 'a challenge locks the job\'s bond, and every move costs gas', log);
  let stopping: Promise<void> | undefined;
  const shutdown = async () => {
    abort.abort();
    await metricsServer?.close();
    // Bounded: a tick stuck on an unreachable Redis fails once the client is disconnected.
    if (!(await settlesWithin(loop, 1_500))) {
      redis.disconnect();
      await settlesWithin(loop, 300); // a disconnected client may never settle a pending command: abandon it
    }
    redis.disconnect();
    client.provider.destroy();
  };
  return { bot, address: bot.address, metricsUrl: metricsServer?.url, stop: () => (stopping ??= shutdown()) };
}

/**
 * The market sizes every job's minimum stake on its declared sample rate (JobMarket.minStakeFor):
 * a verifier checking less than that leaves cheating profitable unless others check more. Say so.
 */
async function warnIfBelowDeclaredRate(client: ChainClient, sampleRate: number, log: Log): Promise<void> {
  try {
    const q = Number(await callView<bigint>(client, client.market, 'MIN_SAMPLE_RATE_BPS')) / 10_000;
    if (sampleRate < q) log('warning', { message: `--sample-rate ${sampleRate} is below the market's declared minimum sample rate ${q}: job stakes are sized for checks at ${q} (see docs/PROTOCOL.md §2.1); cheating may pay unless other verifiers check more` });
  } catch (e) {
    log('warning', { message: `could not read the market's declared sample rate: ${(e as Error).message}` });
  }
}

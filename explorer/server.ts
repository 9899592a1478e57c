// `optrain explorer`: a fastify app over the Indexer (chain events), Sources (spec, result
// manifests) and the view builders. Pages are rendered on the server, so a browser (or a DOM
// dump) has the content before any script runs; the client script only polls /api/status and
// swaps in fresh page content, ticks the clocks and draws the loss chart with uPlot.
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Redis } from 'ioredis';
import { createClient } from '../chain/client.ts';
import type { DevnetInfo } from '../chain/devnet.ts';
import { jsonable } from '../chain/types.ts';
import { redisClient } from '../jobs/queue.ts';
import { blobServer, Health } from './health.ts';
import { Indexer } from './indexer.ts';
import { Sources } from './sources.ts';
import { accountView, jobList, jobView, type JobView } from './views.ts';
import { disputeView } from './dispute-view.ts';
import { esc, page } from './html.ts';
import { accountMain, disputeMain, jobMain, jobsMain } from './pages.ts';

export type ExplorerNetwork = Pick<DevnetInfo, 'rpcUrl' | 'chainId' | 'contracts'> & Partial<Pick<DevnetInfo, 'redisUrl' | 'gameKind' | 'startBlock' | 'blobUrl'>>;

export interface ExplorerOptions {
  net: ExplorerNetwork;
  port?: number; // 0: any free port
  host?: string;
  pollMs?: number;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

export interface RunningExplorer {
  url: string;
  indexer: Indexer;
  health: Health;
  app: FastifyInstance;
  stop(): Promise<void>;
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const ID = /^[0-9]{1,30}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const JOB_VIEW_TTL_MS = 1_000;

const here = dirname(fileURLToPath(import.meta.url));
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

export async function startExplorer(o: ExplorerOptions): Promise<RunningExplorer> {
  const health = new Health((event, fields) => o.log?.(event, fields));
  const client = createClient({ rpcUrl: o.net.rpcUrl, contracts: o.net.contracts, gameArtifact: o.net.gameKind, pollingIntervalMs: 1_000, chainId: o.net.chainId });
  const indexer = new Indexer(client, health, o.net.startBlock ?? 0);
  const redis: Redis | null = o.net.redisUrl ? redisClient(o.net.redisUrl) : null;
  const sources = new Sources(client, o.net.startBlock ?? 0, redis, { chainId: o.net.chainId, jobMarket: o.net.contracts.jobMarket }, health, o.net.blobUrl);
  const cacheDir = mkdtempSync(join(tmpdir(), 'optrain-explorer-'));
  const names = new Map<string, string>();
  const jobViews = new Map<string, { at: number; version: number; p: Promise<JobView> }>();

  const cachedJobView = (jobId: string): Promise<JobView> => {
    const hit = jobViews.get(jobId);
    if (hit && hit.version === indexer.version && Date.now() - hit.at < JOB_VIEW_TTL_MS) return hit.p;
    const p = jobView(indexer, sources, indexer.jobs.get(jobId)!);
    jobViews.set(jobId, { at: Date.now(), version: indexer.version, p });
    p.then((v) => v.spec && names.set(jobId, v.spec.name), () => jobViews.delete(jobId));
    return p;
  };

  // One round of background work: index new events, learn the names of new jobs, probe the
  // shared blob server and every blob server that is down (so its banner clears when it is back).
  const tick = async () => {
    await indexer.poll();
    for (const j of indexer.jobs.values()) {
      if (names.has(j.jobId)) continue;
      const { spec } = await sources.spec(j.specURI, j.specHash);
      if (spec) (names.set(j.jobId, String(spec.name)), indexer.version++);
    }
    const probes = new Set([...(o.net.blobUrl ? [o.net.blobUrl] : []), ...health.downBlobServers()]);
    await Promise.all([...probes].map((url) => probeBlobs(url, health)));
  };
  let stopped = false;
  await tick(); // the first page served already has what is on chain, names included
  const loop = (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, o.pollMs ?? 1_000));
      if (!stopped) await tick();
    }
  })();

  const app = Fastify({ logger: false });
  await app.register(fastifyStatic, { root: uplotDir, prefix: '/static/uplot/' });
  await app.register(fastifyStatic, { root: join(here, 'public'), prefix: '/static/app/', decorateReply: false });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff');
    return payload;
  });

  const nowSeconds = () => indexer.headTime;
  const chainLabel = () => `chain ${o.net.chainId} · block ${indexer.head} · JobMarket ${o.net.contracts.jobMarket}`;
  const html = (reply: FastifyReply, fragment: boolean, title: string, api: string, main: string, status = 200) => {
    reply.code(status).type('text/html; charset=utf-8');
    return fragment ? main : page({ title, api, version: indexer.version, chainLabel: chainLabel(), outages: health.outages(), main });
  };
  const notFound = (reply: FastifyReply, what: string) => html(reply, false, 'not found', '/api/status', `<h1>Not found</h1><p>${esc(what)}</p>`, 404);
  type Req = { params: Record<string, string>; query: Record<string, string> };

  app.get('/api/status', async () => ({ version: indexer.version, head: indexer.head, outages: health.outages() }));
  app.get('/api/jobs', async () => jsonable(jobList(indexer, (j) => names.get(j.jobId) ?? null)));
  app.get('/', async (req, reply) => html(reply, (req as Req).query.fragment === '1', 'jobs', '/api/jobs', jobsMain(jobList(indexer, (j) => names.get(j.jobId) ?? null), nowSeconds())));

  app.get('/api/jobs/:jobId', async (req, reply) => {
    const { jobId } = (req as Req).params;
    if (!ID.test(jobId) || !indexer.jobs.has(jobId)) return reply.code(404).send({ error: `job ${jobId} not found (indexed jobs: ${indexer.jobs.size})` });
    return jsonable(await cachedJobView(jobId));
  });
  app.get('/jobs/:jobId', async (req, reply) => {
    const { params, query } = req as Req;
    if (!ID.test(params.jobId) || !indexer.jobs.has(params.jobId)) return notFound(reply, `job ${params.jobId} is not on this chain (yet)`);
    return html(reply, query.fragment === '1', `job ${params.jobId}`, `/api/jobs/${params.jobId}`, jobMain(await cachedJobView(params.jobId), nowSeconds()));
  });
  app.get('/api/jobs/:jobId/manifest', async (req, reply) => {
    const v = ID.test((req as Req).params.jobId) && indexer.jobs.has((req as Req).params.jobId) ? await cachedJobView((req as Req).params.jobId) : null;
    if (!v?.manifest) return reply.code(404).send({ error: 'no result manifest published' });
    return reply.type('application/json').send(await sources.blob(v.manifest.server, v.manifest.hash));
  });
  app.get('/api/jobs/:jobId/checkpoint', async (req, reply) => {
    const v = ID.test((req as Req).params.jobId) && indexer.jobs.has((req as Req).params.jobId) ? await cachedJobView((req as Req).params.jobId) : null;
    if (!v?.manifest?.finalCheckpoint) return reply.code(404).send({ error: 'no final checkpoint published' });
    const bytes = await sources.blob(v.manifest.server, v.manifest.finalCheckpoint);
    return reply.type('application/octet-stream').header('content-disposition', `attachment; filename="job-${v.jobId}-final-state.bin"`).send(bytes);
  });

  const disputeOf = (id: string) => (ID.test(id) ? indexer.disputes.get(id) : undefined);
  app.get('/api/disputes/:disputeId', async (req, reply) => {
    const d = disputeOf((req as Req).params.disputeId);
    if (!d) return reply.code(404).send({ error: `dispute ${(req as Req).params.disputeId} not found` });
    return jsonable(await disputeView(indexer, d, cacheDir));
  });
  app.get('/disputes/:disputeId', async (req, reply) => {
    const { params, query } = req as Req;
    const d = disputeOf(params.disputeId);
    if (!d) return notFound(reply, `dispute ${params.disputeId} is not on this chain (yet)`);
    return html(reply, query.fragment === '1', `dispute ${params.disputeId}`, `/api/disputes/${params.disputeId}`, disputeMain(await disputeView(indexer, d, cacheDir)));
  });

  app.get('/api/accounts/:address', async (req, reply) => {
    const { address } = (req as Req).params;
    if (!ADDRESS.test(address)) return reply.code(400).send({ error: `address: expected 0x and 40 hex digits, got '${address}'` });
    return jsonable(await accountView(indexer, address));
  });
  app.get('/accounts/:address', async (req, reply) => {
    const { params, query } = req as Req;
    if (!ADDRESS.test(params.address)) return notFound(reply, `'${params.address}' is not an address (0x and 40 hex digits)`);
    return html(reply, query.fragment === '1', `account ${params.address}`, `/api/accounts/${params.address}`, accountMain(await accountView(indexer, params.address)));
  });

  const address = await app.listen({ port: o.port ?? 8080, host: o.host ?? '127.0.0.1' });
  o.log?.('explorer-started', { url: address, rpcUrl: o.net.rpcUrl });
  return {
    url: address.replace('[::1]', '127.0.0.1'),
    indexer, health, app,
    stop: async () => {
      stopped = true;
      await app.close();
      await loop;
      redis?.disconnect();
      client.provider.destroy();
    },
  };
}

async function probeBlobs(url: string, health: Health): Promise<void> {
  const dep = blobServer(url);
  try {
    const r = await fetch(`${url.replace(/\/$/, '')}/health`, { signal: AbortSignal.timeout(2_000) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    health.ok(dep);
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause?.message;
    health.failed(dep, new Error(`GET ${url}/health: ${cause ?? (e as Error).message}`));
  }
}

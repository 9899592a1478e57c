// Content-addressed blob store: files on disk named by the sha256 of their bytes, served over
// HTTP on a loopback port (GET/HEAD /blob/<hex>, optional PUT). Every reader, local or remote,
// re-hashes what it got and rejects anything that does not match the hash it asked for.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HEX64 = /^[0-9a-f]{64}$/;

export class BlobError extends Error {}

/**
 * The source answered, and what it gave is wrong for good (bytes that do not hash to what was
 * asked, more bytes than the limit, a URI scheme nobody serves): retrying cannot help, unlike a
 * BlobError for an unreachable or stalling server.
 */
export class BlobRejected extends BlobError {}

/** Why a read was cut short (its own timer or the caller's signal); reported as a BlobError naming the read. */
class Cutoff extends Error {}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Accepts `abc…` or `0xabc…` (64 hex digits) and returns the bare lower-case form. */
export function normalizeHash(hash: string): string {
  const h = hash.toLowerCase().replace(/^0x/, '');
  if (!HEX64.test(h)) throw new BlobError(`not a sha256 hash: '${hash}' (expected 64 hex digits)`);
  return h;
}

export function verifyBytes(bytes: Uint8Array, expected: string, source: string): Buffer {
  const want = normalizeHash(expected);
  const got = sha256Hex(bytes);
  if (got !== want) throw new BlobRejected(`${source}: content hash mismatch: expected sha256 ${want}, got ${got} (${bytes.length} bytes)`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class BlobStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(hash: string): string {
    return join(this.dir, normalizeHash(hash));
  }

  has(hash: string): boolean {
    return existsSync(this.path(hash));
  }

  /**
   * Store bytes; returns their hash. Atomic (temp file + rename), idempotent. A file already
   * there is kept only if it still hashes right: a copy corrupted on disk is replaced, not
   * left to be served (or resumed from) again.
   */
  async put(bytes: Uint8Array): Promise<string> {
    const hash = sha256Hex(bytes);
    const dest = this.path(hash);
    if (existsSync(dest) && sha256Hex(await readFile(dest)) === hash) return hash;
    const tmp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, dest);
    return hash;
  }

  /** Read and verify a blob (a corrupted file on disk is an error, not data). */
  async get(hash: string): Promise<Buffer> {
    const p = this.path(hash);
    if (!existsSync(p)) throw new BlobError(`blob ${normalizeHash(hash)} not found in ${this.dir}`);
    return verifyBytes(await readFile(p), hash, p);
  }
}

export interface BlobServer {
  url: string; // http://127.0.0.1:PORT
  close(): Promise<void>;
}

export interface ServeOptions {
  port?: number; // 0 / undefined: any free port
  /** Accept PUT /blob/<hash> (the body must hash to <hash>). */
  allowPut?: boolean;
  /** Refuse to serve these blobs (the solver's `withhold` tamper). */
  withhold?: (hash: string) => boolean;
  /**
   * GET /dispute/<id>: the index of one dispute's published data (field -> blob hash), from the
   * serving party's own state. Unauthenticated on purpose: readers check every value they
   * fetch through it against roots on chain.
   */
  disputeIndex?: (disputeId: bigint) => Promise<Record<string, string> | null>;
}

export async function serveBlobs(store: BlobStore, opts: ServeOptions = {}): Promise<BlobServer> {
  const server = createServer((req, res) => {
    handle(store, opts, req, res).catch((e) => reply(res, 500, `internal error: ${(e as Error).message}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text + '\n');
}

async function handle(store: BlobStore, opts: ServeOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^\/blob\/([0-9a-fA-Fx]+)$/.exec(req.url ?? '');
  if (req.url === '/health') return reply(res, 200, 'ok');
  const d = /^\/dispute\/([0-9]{1,78})$/.exec(req.url ?? '');
  if (d && opts.disputeIndex && req.method === 'GET') {
    const index = await opts.disputeIndex(BigInt(d[1]));
    if (!index) return reply(res, 404, `dispute ${d[1]}: nothing published`);
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(index));
  }
  if (!m) return reply(res, 404, `unknown path ${req.url}: expected /blob/<sha256 hex>`);
  let hash: string;
  try {
    hash = normalizeHash(m[1]);
  } catch (e) {
    return reply(res, 400, (e as Error).message);
  }
  if (req.method === 'PUT') return handlePut(store, opts, hash, req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, `method ${req.method} not allowed`);
  if (opts.withhold?.(hash)) return reply(res, 403, `blob ${hash} withheld`);
  if (!store.has(hash)) return reply(res, 404, `blob ${hash} not found`);
  const bytes = await store.get(hash);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

async function handlePut(store: BlobStore, opts: ServeOptions, hash: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!opts.allowPut) return reply(res, 405, 'this blob server is read-only');
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const got = sha256Hex(body);
  if (got !== hash) return reply(res, 400, `body hashes to ${got}, not ${hash}`);
  await store.put(body);
  reply(res, 201, hash);
}

/** Fetch a blob by hash from a server's base URL; verifies every byte (see fetchVerified for the limits). */
export async function fetchBlob(baseUrl: string, hash: string, opts: FetchOptions = {}): Promise<Buffer> {
  return fetchVerified(`${baseUrl.replace(/\/$/, '')}/blob/${normalizeHash(hash)}`, hash, opts);
}

/** Upload a blob to a server that accepts PUT; returns its hash. Bounded by the same deadline and abort signal as reads. */
export async function putBlob(baseUrl: string, bytes: Uint8Array, opts: FetchOptions = {}): Promise<string> {
  const hash = sha256Hex(bytes);
  const url = `${baseUrl.replace(/\/$/, '')}/blob/${hash}`;
  const o = resolveOptions(opts);
  const d = deadline(o);
  try {
    const res = await fetch(url, { method: 'PUT', body: Buffer.from(bytes) as unknown as BodyInit, signal: d.signal });
    if (res.status !== 201) throw new BlobError(`PUT ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 300).replace(/\s+/g, ' ').trim()}`);
    return hash;
  } catch (e) {
    if (e instanceof BlobError) throw e;
    throw new BlobError(`PUT ${url}: ${d.reason() ?? ((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message)}`);
  } finally {
    d.dispose();
  }
}

/**
 * Fetch the bytes behind a URI and check them against `expectedHash`:
 * `file://…` reads the file; `http(s)://…` downloads it, within a total deadline, an abort signal
 * and a size cap (the blob's expected size when the caller knows it, else the global cap), so a
 * server that drips, never stops, lies about its length or resets cannot hold the reader.
 */
export async function fetchVerified(uri: string, expectedHash: string, opts: FetchOptions = {}): Promise<Buffer> {
  const want = normalizeHash(expectedHash);
  const o = resolveOptions(opts);
  if (uri.startsWith('file://')) return verifyBytes(await readLocal(uri, want, o), want, uri);
  if (!/^https?:\/\//.test(uri)) throw new BlobRejected(`unsupported URI '${uri}': expected file://, http:// or https://`);
  return verifyBytes(await httpGet(uri, want, o), want, uri);
}

async function readLocal(uri: string, want: string, o: ResolvedOptions): Promise<Buffer> {
  const path = fileURLToPath(uri);
  try {
    const cap = o.expectedSize ?? o.maxBytes;
    const { size } = await stat(path);
    if (size > cap) throw new BlobRejected(`${uri}: file of ${size} bytes is over the limit of ${cap} bytes (expected sha256 ${want})`);
    return await readFile(path);
  } catch (e) {
    if (e instanceof BlobError) throw e;
    throw new BlobError(`${uri}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

// node:http rather than fetch: on abort, undici's fetch rejects but leaves the socket open, so a
// dripping server would keep a connection per attempt; destroying the request hangs up for real.
function httpGet(uri: string, want: string, o: ResolvedOptions, hops = 0): Promise<Buffer> {
  const t0 = Date.now();
  return new Promise<Buffer>((resolve, reject) => {
    let received = 0;
    let declared: number | null = null;
    let started = false; // a response has arrived: a closed connection now means a short body
    const fail = (what: string, progress = false, rejected = false) => new (rejected ? BlobRejected : BlobError)(`GET ${uri}: ${what} (${progress ? `${received} bytes received; ` : ''}expected sha256 ${want})`);
    let settled = false;
    const finish = (err: Error | null, bytes?: Buffer | Promise<Buffer>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (!Buffer.isBuffer(bytes)) req.destroy(); // hang up on an error or a redirect; a read body keeps its keep-alive socket
      if (err) reject(err);
      else resolve(bytes!);
    };
    const onResponse = (res: IncomingMessage) => {
      started = true;
      const status = res.statusCode ?? 0;
      const next = res.headers.location;
      if (status >= 300 && status < 400 && next && hops < 5) return finish(null, httpGet(new URL(next, uri).href, want, { ...o, timeoutMs: Math.max(1, t0 + o.timeoutMs - Date.now()) }, hops + 1));
      if (status < 200 || status >= 300) return void errorText(res).then((t) => finish(fail(`HTTP ${status}${t ? ` ${t}` : ''}`)));
      const cl = res.headers['content-length'];
      declared = cl !== undefined && /^[0-9]+$/.test(cl) ? Number(cl) : null;
      const cap = o.expectedSize ?? o.maxBytes;
      if (declared !== null && o.expectedSize !== undefined && declared !== o.expectedSize) return finish(fail(`Content-Length ${declared}, expected ${o.expectedSize} bytes`, false, true));
      if (declared !== null && declared > cap) return finish(fail(`Content-Length ${declared} is over the limit of ${cap} bytes`, false, true));
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        received += c.length;
        if (received > cap) return finish(fail(`body over ${cap} bytes`, false, true)); // stop at once and hang up
        chunks.push(c);
      });
      res.on('error', () => undefined); // reported through 'close' below
      res.on('close', () => {
        if (!res.complete) return finish(fail(`connection closed after ${received}${declared !== null ? ` of ${declared}` : ''} bytes`));
        if (o.expectedSize !== undefined && received !== o.expectedSize) return finish(fail(`body of ${received} bytes, expected ${o.expectedSize}`));
        finish(null, Buffer.concat(chunks, received));
      });
    };
    const req = (uri.startsWith('https:') ? httpsRequest : httpRequest)(uri, { method: 'GET' }, onResponse);
    req.on('error', (e: NodeJS.ErrnoException) => finish(fail(started ? `connection closed after ${received} bytes` : networkError(e))));
    req.end();
    const timer = setTimeout(() => finish(fail(`timeout after ${o.timeoutMs / 1000} s`, true)), o.timeoutMs);
    const onAbort = () => finish(fail(`aborted${abortText(o.signal?.reason)}`, true));
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Limits of one network read. Unset fields come from the surrounding withFetchOptions scope, then the environment. */
export interface FetchOptions {
  /** Total time for the whole read (connect, headers and body), in ms. */
  timeoutMs?: number;
  /** Largest body accepted when the expected size is unknown. */
  maxBytes?: number;
  /** Ends the read at once (e.g. verifier.stop()). */
  signal?: AbortSignal;
  /** The blob's exact size when the caller knows it (a checkpoint: from the model's state size); also the cap. */
  expectedSize?: number;
}

export type FetchLimits = Required<Pick<FetchOptions, 'timeoutMs' | 'maxBytes'>>;

export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 60_000, maxBytes: 1 << 30 };

/** OPTRAIN_FETCH_TIMEOUT_MS and OPTRAIN_MAX_BLOB_BYTES, else the defaults. */
export function fetchLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): FetchLimits {
  const num = (name: string, unit: string, dflt: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return dflt;
    if (!/^[1-9][0-9]*$/.test(v.trim())) throw new Error(`${name}='${v}': expected a positive integer (${unit})`);
    return Number(v);
  };
  return { timeoutMs: num('OPTRAIN_FETCH_TIMEOUT_MS', 'milliseconds', DEFAULT_FETCH_LIMITS.timeoutMs), maxBytes: num('OPTRAIN_MAX_BLOB_BYTES', 'bytes', DEFAULT_FETCH_LIMITS.maxBytes) };
}

type ScopeOptions = Omit<FetchOptions, 'expectedSize'>;
type ResolvedOptions = FetchLimits & Pick<FetchOptions, 'signal' | 'expectedSize'>;

// Why a scope: the reads of one verifier task happen deep inside code it only calls (result data,
// replay, dispute data, job loading); the bot sets its stop signal and limits once around the
// task instead of threading a signal through every signature on the way.
const scope = new AsyncLocalStorage<ScopeOptions>();
let envLimits: FetchLimits | undefined; // read at the first fetch, so a bad variable fails with its name

/** Run `f` with these limits and abort signal applied to every read it makes (nested scopes combine their signals). */
export function withFetchOptions<T>(o: ScopeOptions, f: () => T): T {
  const outer = scope.getStore();
  return scope.run({ ...outer, ...o, signal: anySignal(outer?.signal, o.signal) }, f);
}

function resolveOptions(o: FetchOptions): ResolvedOptions {
  const s = scope.getStore() ?? {};
  envLimits ??= fetchLimitsFromEnv();
  return {
    timeoutMs: o.timeoutMs ?? s.timeoutMs ?? envLimits.timeoutMs,
    maxBytes: o.maxBytes ?? s.maxBytes ?? envLimits.maxBytes,
    signal: anySignal(s.signal, o.signal),
    expectedSize: o.expectedSize,
  };
}

function anySignal(a?: AbortSignal, b?: AbortSignal): AbortSignal | undefined {
  return a && b ? AbortSignal.any([a, b]) : (a ?? b);
}

/** One signal for a request: its own timer and the caller's signal; `reason()` says which fired. */
function deadline(o: ResolvedOptions): { signal: AbortSignal; reason(): string | null; dispose(): void } {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Cutoff(`timeout after ${o.timeoutMs / 1000} s`)), o.timeoutMs);
  const onAbort = () => ctl.abort(new Cutoff(`aborted${abortText(o.signal?.reason)}`));
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ctl.signal,
    reason: () => (ctl.signal.reason instanceof Cutoff ? ctl.signal.reason.message : null),
    dispose: () => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      ctl.abort();
    },
  };
}

function abortText(reason: unknown): string {
  return reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
}

/** The start of an error response's body, on one line (a hostile server's error page is not read to its end). */
function errorText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, 300).replace(/\s+/g, ' ').trim());
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      if ((n += c.length) >= 300) done();
    });
    res.on('error', () => undefined);
    res.on('close', done);
  });
}

/** A socket error before any response, in words. */
function networkError(e: NodeJS.ErrnoException): string {
  if (e.message === 'socket hang up') return 'connection closed before the response';
  if (e.code === 'ECONNRESET') return 'connection reset (ECONNRESET)';
  if (e.code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  return e.code ? `${e.message} (${e.code})` : e.message;
}

/** A blob server used as a store (workers on other machines upload checkpoints with PUT). */
export class RemoteBlobStore {
  constructor(readonly baseUrl: string) {}

  put(bytes: Uint8Array): Promise<string> {
    return putBlob(this.baseUrl, bytes);
  }

  get(hash: string): Promise<Buffer> {
    return fetchBlob(this.baseUrl, hash);
  }
}

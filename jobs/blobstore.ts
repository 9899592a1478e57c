// Content-addressed blob store: files on disk named by the sha256 of their bytes, served over
// HTTP on a loopback port (GET/HEAD /blob/<hex>, optional PUT). Every reader, local or remote,
// re-hashes what it got and rejects anything that does not match the hash it asked for.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HEX64 = /^[0-9a-f]{64}$/;

export class BlobError extends Error {}

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
  if (got !== want) throw new BlobError(`${source}: content hash mismatch: expected sha256 ${want}, got ${got} (${bytes.length} bytes)`);
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

  /** Store bytes; returns their hash. Atomic (temp file + rename), idempotent. */
  async put(bytes: Uint8Array): Promise<string> {
    const hash = sha256Hex(bytes);
    const dest = this.path(hash);
    if (existsSync(dest)) return hash;
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

/** Fetch a blob by hash from a server's base URL; verifies every byte. */
export async function fetchBlob(baseUrl: string, hash: string): Promise<Buffer> {
  return fetchVerified(`${baseUrl.replace(/\/$/, '')}/blob/${normalizeHash(hash)}`, hash);
}

/** Upload a blob to a server that accepts PUT; returns its hash. */
export async function putBlob(baseUrl: string, bytes: Uint8Array): Promise<string> {
  const hash = sha256Hex(bytes);
  const url = `${baseUrl.replace(/\/$/, '')}/blob/${hash}`;
  const res = await fetch(url, { method: 'PUT', body: Buffer.from(bytes) as unknown as BodyInit });
  if (res.status !== 201) throw new BlobError(`PUT ${url}: HTTP ${res.status} ${(await res.text()).trim()}`);
  return hash;
}

/**
 * Fetch the bytes behind a URI and check them against `expectedHash`:
 * `file://…` reads the file; `http(s)://…` downloads it.
 */
export async function fetchVerified(uri: string, expectedHash: string): Promise<Buffer> {
  if (uri.startsWith('file://')) {
    const path = fileURLToPath(uri);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new BlobError(`${uri}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    return verifyBytes(bytes, expectedHash, uri);
  }
  if (!/^https?:\/\//.test(uri)) throw new BlobError(`unsupported URI '${uri}': expected file://, http:// or https://`);
  let res: Response;
  try {
    res = await fetch(uri);
  } catch (e) {
    throw new BlobError(`GET ${uri}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  if (!res.ok) throw new BlobError(`GET ${uri}: HTTP ${res.status} ${(await res.text()).trim()}`);
  return verifyBytes(new Uint8Array(await res.arrayBuffer()), expectedHash, uri);
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

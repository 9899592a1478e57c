// The content-addressed blob store: on disk and over HTTP, every read is verified against
// the hash asked for; PUT must match its name; withheld blobs are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:http';
import { BlobStore, fetchBlob, fetchVerified, putBlob, serveBlobs, sha256Hex, type BlobServer } from '../jobs/blobstore.ts';

let dir: string, store: BlobStore, server: BlobServer, readOnly: BlobServer;
const withheld = new Set<string>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optrain-blobs-'));
  store = new BlobStore(join(dir, 'store'));
  server = await serveBlobs(store, { allowPut: true, withhold: (h) => withheld.has(h) });
  readOnly = await serveBlobs(store);
});
after(async () => {
  await server?.close();
  await readOnly?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('put is idempotent and get returns the bytes; a corrupted file on disk is an error', async () => {
  const bytes = Buffer.from('hello blobs');
  const h = await store.put(bytes);
  assert.equal(h, sha256Hex(bytes));
  assert.equal(await store.put(bytes), h);
  assert.deepEqual(await store.get(h), bytes);
  assert.deepEqual(await store.get(`0x${h.toUpperCase()}`), bytes, '0x-prefixed and upper-case hashes are accepted');
  writeFileSync(store.path(h), 'tampered');
  await assert.rejects(store.get(h), new RegExp(`content hash mismatch: expected sha256 ${h}, got ${sha256Hex(Buffer.from('tampered'))}`));
  await assert.rejects(store.get('ab'), /not a sha256 hash: 'ab' \(expected 64 hex digits\)/);
  await assert.rejects(store.get('0'.repeat(64)), /blob 0{64} not found/);
});

test('HTTP: PUT checks the body against the name, GET/HEAD serve verified bytes, withheld blobs get 403', async () => {
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
  const h = await putBlob(server.url, bytes);
  assert.deepEqual(await fetchBlob(server.url, h), bytes);
  const head = await fetch(`${server.url}/blob/${h}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '3000');
  const wrong = await fetch(`${server.url}/blob/${'1'.repeat(64)}`, { method: 'PUT', body: bytes });
  assert.equal(wrong.status, 400);
  assert.match(await wrong.text(), new RegExp(`body hashes to ${h}, not 1{64}`));
  await assert.rejects(putBlob(readOnly.url, Buffer.from('x')), /HTTP 405 this blob server is read-only/);
  withheld.add(h);
  await assert.rejects(fetchBlob(server.url, h), new RegExp(`HTTP 403 blob ${h} withheld`));
  withheld.delete(h);
  await assert.rejects(fetchBlob(server.url, '2'.repeat(64)), /HTTP 404 blob 2{64} not found/);
});

test('clients reject bytes that do not match the hash they asked for, naming the source', async () => {
  const good = Buffer.from('the real spec');
  const h = await store.put(good);
  const other = sha256Hex(Buffer.from('another spec'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, good);
  const uri = pathToFileURL(file).href;
  assert.deepEqual(await fetchVerified(uri, h), good);
  await assert.rejects(fetchVerified(uri, other), new RegExp(`${uri}: content hash mismatch: expected sha256 ${other}, got ${h}`));
  // A lying server (answers every request with the same bytes) is caught by the client.
  const liar = createServer((_req, res) => res.end(good));
  await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
  const liarUrl = `http://127.0.0.1:${(liar.address() as { port: number }).port}`;
  try {
    await assert.rejects(fetchBlob(liarUrl, other), new RegExp(`${liarUrl}/blob/${other}: content hash mismatch: expected sha256 ${other}, got ${h}`));
  } finally {
    liar.close();
  }
  // Our own server refuses to serve a file whose bytes do not match its name.
  writeFileSync(store.path(other), good);
  await assert.rejects(fetchVerified(`${readOnly.url}/blob/${other}`, other), /HTTP 500 internal error: .*content hash mismatch/);
  await assert.rejects(fetchVerified('ftp://x/y', h), /unsupported URI 'ftp:\/\/x\/y': expected file:\/\/, http:\/\/ or https:\/\//);
  await assert.rejects(fetchVerified(pathToFileURL(join(dir, 'missing')).href, h), /cannot read \(ENOENT\)/);
});

// Network reads from a counterparty's server end promptly, whatever the server does: a body that
// drips, never ends, is larger than allowed, is the wrong bytes, a reset connection or a lying
// Content-Length. Every failure is one line naming the URL, the hash and what went wrong. Real
// TCP servers on free ports (test/helpers/hostile-http.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:http';
import { fetchBlob, fetchLimitsFromEnv, fetchVerified, sha256Hex, withFetchOptions } from '../jobs/blobstore.ts';
import { serveHostile, type HostileMode, type HostileServer } from './helpers/hostile-http.ts';

const servers: HostileServer[] = [];
const dir = mkdtempSync(join(tmpdir(), 'optrain-blob-fetch-'));
after(async () => {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const BODY = Buffer.from('the checkpoint the verifier wants');
const H = sha256Hex(BODY);

async function hostile(mode: HostileMode, dripMs = 2_000): Promise<HostileServer> {
  const s = await serveHostile(mode, { body: mode === 'wrong' ? Buffer.from('other bytes') : BODY, dripMs });
  servers.push(s);
  return s;
}

/** The promise's rejection message and how long it took to come. */
async function failure(p: Promise<unknown>): Promise<{ message: string; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
  } catch (e) {
    return { message: (e as Error).message, ms: Date.now() - t0 };
  }
  assert.fail('expected the read to fail');
}

const oneLine = (m: string) => assert.ok(!m.includes('\n'), `one line: ${m}`);

async function hungUp(s: HostileServer): Promise<void> {
  for (let i = 0; i < 50 && s.open() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(s.open(), 0, 'the client closed the connection');
}

test('a server that answers 200 and then drips one byte every 200 ms: the read times out after its total deadline', async () => {
  const s = await hostile('drip', 200); // a byte every 200 ms: an idle timer alone would never fire
  const f = await failure(fetchBlob(s.url, H, { timeoutMs: 1_500 }));
  assert.match(f.message, new RegExp(`^GET ${s.url}/blob/${H}: timeout after 1\\.5 s \\(\\d+ bytes received; expected sha256 ${H}\\)$`));
  assert.ok(f.ms >= 1_400 && f.ms < 3_000, `took ${f.ms} ms`);
  oneLine(f.message);
  await hungUp(s);
});

test('an abort signal (verifier.stop) ends a dripping read at once, explicitly or from the surrounding scope', async () => {
  const s = await hostile('drip');
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(new Error('verifier stopping')), 200);
  const f = await failure(fetchBlob(s.url, H, { signal: ctl.signal, timeoutMs: 60_000 }));
  assert.match(f.message, new RegExp(`^GET ${s.url}/blob/${H}: aborted: verifier stopping \\(0 bytes received; expected sha256 ${H}\\)$`));
  assert.ok(f.ms < 1_000, `took ${f.ms} ms`);
  // the bot sets the signal once for all reads of a task: no signature down the call chain needs it
  const scoped = new AbortController();
  const read = withFetchOptions({ signal: scoped.signal, timeoutMs: 60_000 }, () => Promise.resolve().then(() => fetchBlob(s.url, H)));
  setTimeout(() => scoped.abort(), 200);
  const g = await failure(read);
  assert.match(g.message, /: aborted \(0 bytes received; expected sha256 /);
  assert.ok(g.ms < 1_000, `took ${g.ms} ms`);
  await hungUp(s);
  const pre = new AbortController();
  pre.abort();
  assert.match((await failure(fetchBlob(s.url, H, { signal: pre.signal }))).message, /: aborted \(/, 'an already aborted signal does not even connect');
});

test('an endless body is cut off as soon as it passes the size cap; a declared oversize body is refused before reading', async () => {
  const s = await hostile('huge');
  const f = await failure(fetchBlob(s.url, H, { maxBytes: 1 << 20 }));
  assert.match(f.message, new RegExp(`^GET ${s.url}/blob/${H}: body over 1048576 bytes \\(expected sha256 ${H}\\)$`));
  assert.ok(f.ms < 2_000, `took ${f.ms} ms`);
  await hungUp(s);
  const d = await hostile('huge-declared');
  const g = await failure(fetchBlob(d.url, H));
  assert.match(g.message, new RegExp(`^GET ${d.url}/blob/${H}: Content-Length 10000000000 is over the limit of \\d+ bytes \\(expected sha256 ${H}\\)$`));
  await hungUp(d);
  // a blob whose size the caller knows (a checkpoint: 4 bytes per float32 of the model's state)
  const ok = await hostile('ok');
  const e = await failure(fetchBlob(ok.url, H, { expectedSize: 10 }));
  assert.match(e.message, new RegExp(`^GET ${ok.url}/blob/${H}: Content-Length ${BODY.length}, expected 10 bytes \\(expected sha256 ${H}\\)$`));
  assert.deepEqual(await fetchBlob(ok.url, H, { expectedSize: BODY.length }), BODY);
  const h = await hostile('huge');
  assert.match((await failure(fetchBlob(h.url, H, { expectedSize: 5000 }))).message, /: body over 5000 bytes \(/, 'the expected size is the cap');
});

test('wrong bytes, a reset connection and a Content-Length longer than the body are clear one-line errors', async () => {
  const w = await hostile('wrong');
  const f = await failure(fetchBlob(w.url, H));
  assert.match(f.message, new RegExp(`^${w.url}/blob/${H}: content hash mismatch: expected sha256 ${H}, got ${sha256Hex(Buffer.from('other bytes'))} \\(11 bytes\\)$`));
  const r = await hostile('reset');
  const g = await failure(fetchBlob(r.url, H));
  assert.match(g.message, new RegExp(`^GET ${r.url}/blob/${H}: (connection reset \\(ECONNRESET\\)|connection closed before the response) \\(expected sha256 ${H}\\)$`));
  oneLine(g.message);
  const s = await hostile('short');
  const e = await failure(fetchBlob(s.url, H));
  assert.match(e.message, new RegExp(`^GET ${s.url}/blob/${H}: connection closed after ${BODY.length} of ${BODY.length + 100} bytes \\(expected sha256 ${H}\\)$`));
});

test('file:// reads obey the size cap too; limits come from the environment with clear errors', async () => {
  const file = join(dir, 'big');
  writeFileSync(file, Buffer.alloc(4096));
  const uri = pathToFileURL(file).href;
  assert.match((await failure(fetchVerified(uri, H, { maxBytes: 1000 }))).message, new RegExp(`^${uri}: file of 4096 bytes is over the limit of 1000 bytes \\(expected sha256 ${H}\\)$`));
  assert.deepEqual(fetchLimitsFromEnv({ OPTRAIN_FETCH_TIMEOUT_MS: '2500', OPTRAIN_MAX_BLOB_BYTES: '1000' }), { timeoutMs: 2500, maxBytes: 1000 });
  assert.throws(() => fetchLimitsFromEnv({ OPTRAIN_FETCH_TIMEOUT_MS: 'soon' }), /^\w*Error: OPTRAIN_FETCH_TIMEOUT_MS='soon': expected a positive integer \(milliseconds\)$/);
  assert.throws(() => fetchLimitsFromEnv({ OPTRAIN_MAX_BLOB_BYTES: '0' }), /^\w*Error: OPTRAIN_MAX_BLOB_BYTES='0': expected a positive integer \(bytes\)$/);
});

test('redirects are followed within the same deadline (at most 5); an endless error page is not read to its end', async () => {
  const ok = await hostile('ok');
  const srv = createServer((req, res) => {
    if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
    if (req.url === '/error') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const more = () => { while (!res.destroyed && res.write('oops '.repeat(1000))); };
      res.on('drain', more);
      return more();
    }
    res.writeHead(302, { location: `${ok.url}/blob/${H}` }).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  try {
    assert.deepEqual(await fetchVerified(`${url}/moved`, H), BODY);
    assert.match((await failure(fetchVerified(`${url}/loop`, H))).message, new RegExp(`^GET ${url}/loop: HTTP 302 \\(expected sha256 ${H}\\)$`));
    const f = await failure(fetchVerified(`${url}/error`, H));
    assert.match(f.message, new RegExp(`^GET ${url}/error: HTTP 500 (oops )+\\S* \\(expected sha256 ${H}\\)$`));
    assert.ok(f.message.length < 500, 'the error names only the start of the page');
  } finally {
    srv.closeAllConnections();
    srv.close();
  }
});

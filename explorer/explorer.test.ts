// Pure parts of the explorer: escaping in every context, the narrowing read from game events
// (hash interval 1 and K > 1), binary32 values in hex and decimal, the clock text, outages
// tracked per blob server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainEvent } from '../chain/events.ts';
import { esc, jsonBlock, seg } from './html.ts';
import { floatText, narrowing } from './dispute-view.ts';
import { clockText } from './pages.ts';
import { blobServer, Health } from './health.ts';
import { unreachable } from './sources.ts';
import { BlobError, BlobRejected } from '../jobs/blobstore.ts';
import { UserError } from '../jobs/errors.ts';

const ev = (name: string, args: Record<string, unknown>): ChainEvent => ({ contract: 'DisputeGame', name, args, blockNumber: 1, logIndex: 0, txHash: '0x' });

test('esc, seg and jsonBlock leave no markup a value could open', () => {
  assert.equal(esc(`<img src=x onerror="alert(1)">'&\``), '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;&#96;');
  assert.equal(seg('../a b<'), '..%2Fa%20b%3C');
  const block = jsonBlock('d', { name: '</script><script>alert(1)</script>' });
  assert.equal(block.match(/<\/script>/g)?.length, 1, 'only the block\'s own end tag');
  assert.deepEqual(JSON.parse(block.replace(/^<script[^>]*>|<\/script>$/g, '')), { name: '</script><script>alert(1)</script>' });
});

test('narrowing with hash interval 1: leaf = transition, then ops, element, accumulation index, one-step', () => {
  const path = narrowing([
    ev('StepPicked', { step: 4n }), ev('TracePosted', { n: 76n }), ev('AccChosen', { agreedLen: 0n, disputedLen: 38n }), ev('AccChosen', { agreedLen: 15n, disputedLen: 16n }),
    ev('RecordRevealed', { node: 15n, opId: 30n, numel: 128n }), ev('ElementPicked', { element: 10n }), ev('FoldPosted', { foldLen: 16n }), ev('FoldStepPicked', { k: 15n }),
    ev('OneStepExecuted', { opId: 30n, computed: 1n, claimed: 2n }),
  ], 8);
  assert.deepEqual(path.map((l) => [l.level, l.lo, l.hi, l.total]), [
    ['interval', 3, 4, 8], ['step', 3, 4, 8], ['op', 0, 38, 76], ['op', 15, 16, 76], ['op', 15, 16, 76], ['element', 10, 11, 128], ['accumulation', 15, 16, 16], ['one-step', 0, 1, 1],
  ]);
  assert.equal(path[4].label, 'op 15 (matmul, 128 elements)');
});

test('narrowing with hash interval K > 1: the picked leaf interval comes first, then the transition inside it', () => {
  const path = narrowing([ev('IntervalPicked', { m: 3n, lo: 100n, hi: 150n }), ev('MidsPosted', {}), ev('StepPicked', { step: 117n })], 200);
  assert.deepEqual(path.map((l) => [l.level, l.lo, l.hi, l.total]), [['interval', 100, 150, 200], ['step', 116, 117, 200]]);
  assert.equal(path[0].label, 'leaf interval 3: steps 100..150');
});

test('binary32 values in hex and decimal; clock text', () => {
  assert.deepEqual(floatText(0x3f800000), { bits: 0x3f800000, hex: '0x3f800000', decimal: '1' });
  assert.equal(floatText(0xbec12c02).decimal, String(Math.fround(-0.3772888779640198)));
  assert.equal(floatText(0x80000000).decimal, '-0');
  assert.equal(floatText(0x7fc00000).decimal, 'NaN');
  assert.deepEqual([clockText(0), clockText(59.9), clockText(3601), clockText(-5)], ['0:00:00', '0:00:59', '1:00:01', '0:00:00']);
});

test('blob servers are tracked one by one: the shared server answering does not clear a solver server that is down', () => {
  const events: string[] = [];
  const h = new Health((event, f) => events.push(`${event} ${f.dependency}`));
  const solver = blobServer('http://127.0.0.1:4001/blob/ab'), shared = blobServer('http://127.0.0.1:4000');
  assert.equal(solver, 'blobs http://127.0.0.1:4001');
  h.failed(solver, new Error('GET http://127.0.0.1:4001/blob/ab: connect ECONNREFUSED 127.0.0.1:4001\nmore'));
  h.ok(shared);
  h.failed(solver, new Error('again'));
  assert.deepEqual(h.outages().map((o) => [o.dependency, o.error]), [[solver, 'again']]);
  assert.deepEqual(h.downBlobServers(), ['http://127.0.0.1:4001']);
  h.ok(solver);
  assert.deepEqual([h.outages(), h.downBlobServers()], [[], []]);
  assert.deepEqual(events, [`dependency-down ${solver}`, `dependency-up ${solver}`], 'one log line when the outage starts, one when it ends');
});

test('unreachable: a server that did not answer, not one that answered no', () => {
  assert.equal(unreachable(new BlobError('GET http://h/blob/ab: connect ECONNREFUSED 127.0.0.1:1 (expected sha256 ab)')), true);
  assert.equal(unreachable(new BlobError('GET http://h/blob/ab: timed out after 3000 ms (expected sha256 ab)')), true);
  assert.equal(unreachable(new BlobError('GET http://h/blob/ab: HTTP 404 not found (expected sha256 ab)')), false);
  assert.equal(unreachable(new BlobRejected('GET http://h/blob/ab: Content-Length 9 is over the limit')), false);
  assert.equal(unreachable(new UserError('job spec: wrong bytes')), false);
});

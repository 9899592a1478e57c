// Outages: which dependency a connection failure is blamed on, and that each outage is said
// once when it starts and once when it ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyHealth, Outages } from './connectivity.ts';

function setup(status = 'ready') {
  const said: string[] = [];
  const say = (event: string, message: string) => void said.push(`${event}: ${message}`);
  const redis = { status };
  // grace 0: every failure counts at once (the grace itself has its own test below)
  const o = new Outages('http://127.0.0.1:44665', say, redis, new DependencyHealth('redis at 127.0.0.1:6379', say, 0), 0);
  return { o, said, redis };
}

const refused = (port: number) => new Error(`JobMarket.claimable(0x90F7…) failed: connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED)`);

test('a refused node connection is one line while down and one when back, however often it fails', () => {
  const { o, said } = setup();
  for (let i = 0; i < 20; i++) assert.equal(o.absorb(refused(44665)), true);
  o.rpc.ok();
  o.rpc.ok();
  assert.equal(said.length, 2, said.join('\n'));
  assert.match(said[0], /^dependency-down: rpc node at 127\.0\.0\.1:44665 is not reachable \(ECONNREFUSED\); retrying with backoff$/);
  assert.match(said[1], /^dependency-up: rpc node at 127\.0\.0\.1:44665 is reachable again \(after \d+ s\)$/);
});

test('while the Redis client is not connected, connection failures are Redis\' (not the node\'s)', () => {
  const { o, said } = setup('reconnecting');
  assert.equal(o.absorb(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })), true);
  assert.deepEqual(said, ['dependency-down: redis at 127.0.0.1:6379 is not reachable (ECONNREFUSED); retrying with backoff']);
  assert.equal(o.rpc.isDown, false);
});

test('another server\'s refused connection (a solver\'s blob server) and non-connection errors are not outages', () => {
  const { o, said } = setup();
  assert.equal(o.absorb(new Error('fetch http://127.0.0.1:5555/blob/ab: connect ECONNREFUSED 127.0.0.1:5555')), false);
  assert.equal(o.absorb(new Error('JobMarket.commitResult reverted: NotSolver()')), false);
  assert.deepEqual(said, []);
});

test('a failure the next attempt overcomes within the grace is not an outage; one that lasts is said once each way', async () => {
  const said: string[] = [];
  const h = new DependencyHealth('rpc node at 127.0.0.1:1', (event, message) => void said.push(`${event}: ${message}`), 50);
  const refusedErr = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  h.failed(refusedErr);
  h.ok();
  assert.deepEqual(said, [], 'a blip says nothing');
  h.failed(refusedErr);
  assert.equal(h.isDown, true);
  await new Promise((r) => setTimeout(r, 80));
  h.failed(refusedErr);
  h.failed(refusedErr);
  h.ok();
  assert.equal(said.length, 2, said.join('\n'));
  assert.match(said[0], /^dependency-down: rpc node at 127\.0\.0\.1:1 is not reachable \(ECONNREFUSED\)/);
  assert.match(said[1], /^dependency-up: /);
});

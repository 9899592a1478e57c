// The verifier's scheduling lanes without a chain: bounded concurrency, most urgent first, a
// stuck task holds only its own slot, failing keys back off, drain waits a bounded time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breather, byDeadline, Lane, type LaneTask } from './lanes.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A task whose run is resolved by hand; `calls` counts its starts. */
function manual(key: string) {
  let finish!: (ok: boolean) => void;
  const t = { key, calls: 0, finish: (ok: boolean) => finish(ok), run: () => (t.calls++, new Promise<boolean>((r) => (finish = r))) };
  return t;
}

test('byDeadline: earliest first, unknown deadlines last in their given order', () => {
  const items = [{ k: 'a', d: 30n }, { k: 'b' }, { k: 'c', d: 10n }, { k: 'd' }, { k: 'e', d: 20n }] as { k: string; d?: bigint }[];
  assert.deepEqual(byDeadline(items, (i) => i.d).map((i) => i.k), ['c', 'e', 'a', 'b', 'd']);
});

test('a lane runs at most `limit` tasks, in the order given, never the same key twice at once', async () => {
  const lane = new Lane({ limit: 2 });
  const [a, b, c] = [manual('a'), manual('b'), manual('c')];
  assert.deepEqual(lane.launch([a, b, c]), ['a', 'b']);
  assert.deepEqual(lane.launch([a, b, c]), [], 'no free slot, and a / b are already running');
  b.finish(true);
  await sleep(0);
  assert.deepEqual(lane.launch([a, b, c]), ['b'], 'the freed slot goes to the first due task; a is still running');
  assert.equal(a.calls, 1);
  a.finish(true);
  b.finish(true);
  await sleep(0);
  assert.deepEqual(lane.launch([c]), ['c']);
  c.finish(true);
  assert.deepEqual(await lane.drain(1_000), []);
});

test('a stuck task holds one slot: every other task keeps running through the other', async () => {
  const lane = new Lane({ limit: 2 });
  const stuck = manual('stuck');
  lane.launch([stuck]);
  let done = 0;
  for (let i = 0; i < 5; i++) {
    const t: LaneTask = { key: `job${i}`, run: async () => (done++, true) };
    assert.deepEqual(lane.launch([stuck, t]), [`job${i}`]);
    await sleep(0);
  }
  assert.equal(done, 5);
  assert.deepEqual(await lane.drain(50), ['stuck'], 'drain gives up after its grace period and names what is still running');
  stuck.finish(true);
});

test('a failing key backs off exponentially (a thrown error counts as a failure); success resets it', async () => {
  const lane = new Lane({ limit: 1, backoffMs: 1_000, maxBackoffMs: 2_000 });
  let runs = 0;
  let ok = false;
  const t: LaneTask = { key: 'x', run: async () => (runs++, ok) };
  const later = (ms: number) => Date.now() + ms; // launch at a given time instead of sleeping through the back-off
  lane.launch([t]);
  await lane.drain(1_000);
  assert.deepEqual(lane.launch([t], later(500)), [], 'first failure: backing off for 1 s');
  assert.deepEqual(lane.launch([t], later(1_100)), ['x']);
  await lane.drain(1_000);
  assert.deepEqual(lane.launch([t], later(1_500)), [], 'second failure: 2 s');
  ok = true;
  assert.deepEqual(lane.launch([t], later(2_100)), ['x']);
  await lane.drain(1_000);
  assert.deepEqual(lane.launch([t]), ['x'], 'a success clears the back-off');
  await lane.drain(1_000);
  assert.equal(runs, 4);
  const boom: LaneTask = { key: 'boom', run: async () => { throw new Error('boom'); } };
  lane.launch([boom]);
  await lane.drain(1_000);
  assert.deepEqual(lane.launch([boom]), [], 'an error backs off like a failure');
});

test('retries of failed keys never take the last free slot: fresh work always gets one', async () => {
  const lane = new Lane({ limit: 2, backoffMs: 1 });
  const [f1, f2] = [manual('f1'), manual('f2')];
  lane.launch([f1, f2]);
  f1.finish(false);
  f2.finish(false);
  await lane.drain(1_000);
  const later = Date.now() + 10;
  assert.deepEqual(lane.launch([f1, f2], later), ['f1'], 'one slot for retries');
  const fresh = manual('fresh');
  assert.deepEqual(lane.launch([f2, fresh], later), ['fresh'], 'the other one is kept for a job never tried');
  f1.finish(true);
  fresh.finish(true);
  await lane.drain(1_000);
});

test('breather: long synchronous work with yield points lets timers (the other lanes) run', async () => {
  const busy = async (yieldPoint?: () => Promise<void>) => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const until = Date.now() + 200;
    while (Date.now() < until) {
      for (let i = 0; i < 1e4; i++) Math.sqrt(i); // one "step"
      await yieldPoint?.();
    }
    clearInterval(timer);
    return ticks;
  };
  assert.equal(await busy(), 0, 'without yield points the timer never fires');
  assert.ok((await busy(breather(20))) >= 4, 'with them it fires about every 20 ms');
});

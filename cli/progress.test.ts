import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duration } from './format.ts';
import { countProgress, progressSink } from './progress.ts';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 120, write: (s: string) => writes.push(s) } };
}

const ev = (step: number, total = 10) => ({ step, total, loss: 0.5, samplesPerSecond: 1234.4, etaSeconds: 75 });

describe('progress', () => {
  it('draws one cli-progress bar line on a terminal, with loss, rate and ETA, and ends the line when done', () => {
    const { writes, stream } = fakeStream(true);
    const p = progressSink(stream);
    p.update(ev(1));
    p.update(ev(10));
    p.done();
    p.done();
    const out = writes.join('');
    assert.match(out, /\[#+\.+\] step 1\/10  loss 0\.5000  1,234 samples\/s  ETA 1m15s/);
    assert.match(out, /\[#+\] step 10\/10  loss 0\.5000  1,234 samples\/s  ETA 1m15s/);
    assert.equal(out.split('\n').length, 2, 'redrawn in place: one newline, at the end');
    assert.ok(out.endsWith('\n'));
  });

  it('prints plain lines every 10 s and at the end when not a terminal', () => {
    let now = 0;
    const { writes, stream } = fakeStream(false);
    const p = progressSink(stream, () => now);
    p.update(ev(1));
    now = 10_001;
    p.update(ev(2));
    now = 10_002;
    p.update(ev(3));
    p.update(ev(10));
    p.done();
    assert.deepEqual(writes, ['step 2/10  loss 0.5000  1,234 samples/s  ETA 1m15s\n', 'step 10/10  loss 0.5000  1,234 samples/s  ETA 1m15s\n']);
  });

  it('counts a task (replayed steps) with a bar, rate and ETA on a terminal; a line every 10 s otherwise (none for a short task)', () => {
    const tty = fakeStream(true);
    const bar = countProgress(tty.stream, 'replaying', 'steps');
    bar.update(1, 4);
    bar.update(4, 4);
    bar.done();
    const out = tty.writes.join('');
    assert.match(out, /replaying \[#+\.+\] 1\/4 steps  [\d,]+ steps\/s  ETA /);
    assert.match(out, /replaying \[#+\] 4\/4 steps  [\d,]+ steps\/s  ETA 0s/);
    assert.ok(out.endsWith('\n'));
    let now = 0;
    const plain = fakeStream(false);
    const lines = countProgress(plain.stream, 'replaying', 'steps', () => now);
    lines.update(1, 4);
    now = 10_001;
    lines.update(2, 4);
    lines.update(4, 4);
    lines.done();
    assert.deepEqual(plain.writes, ['replaying 2/4 steps\n']);
  });

  it('formats durations', () => {
    assert.deepEqual([duration(0), duration(59.4), duration(61), duration(3725), duration(Infinity)], ['0s', '59s', '1m01s', '1h02m', '?']);
  });
});

// Training progress on stderr: a redrawn bar on a terminal, plain periodic lines otherwise
// (logs and CI), so stdout stays free for the result (and is pure JSON with --json).
import type { ProgressEvent } from '../jobs/train.ts';
import { duration, thousands } from './format.ts';

export interface ProgressSink {
  update(e: ProgressEvent): void;
  done(): void;
}

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_MS = 100;
const LINE_EVERY_MS = 10_000;

export function progressSink(stream: ProgressStream, now: () => number = () => performance.now()): ProgressSink {
  return stream.isTTY ? ttyBar(stream, now) : plainLines(stream, now);
}

function stats(e: ProgressEvent): string {
  const loss = Number.isFinite(e.loss) ? e.loss.toFixed(4) : String(e.loss);
  return `loss ${loss}  ${thousands(e.samplesPerSecond)} samples/s  ETA ${duration(e.etaSeconds)}`;
}

function ttyBar(stream: ProgressStream, now: () => number): ProgressSink {
  let last = -Infinity;
  let drawn = false;
  return {
    update(e) {
      const t = now();
      if (t - last < REDRAW_MS && e.step !== e.total) return;
      last = t;
      const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 70));
      const filled = Math.round((width * e.step) / e.total);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      stream.write(`\r\x1b[K${bar} step ${e.step}/${e.total}  ${stats(e)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n'); // idempotent: later output starts on a fresh line
      drawn = false;
    },
  };
}

function plainLines(stream: ProgressStream, now: () => number): ProgressSink {
  let last = now();
  return {
    update(e) {
      const t = now();
      if (t - last < LINE_EVERY_MS && e.step !== e.total) return;
      last = t;
      stream.write(`step ${e.step}/${e.total}  ${stats(e)}\n`);
    },
    done() {},
  };
}

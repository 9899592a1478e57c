// Training progress on stderr: a redrawn bar (cli-progress) on a terminal, plain periodic lines otherwise
// (logs and CI), so stdout stays free for the result (and is pure JSON with --json).
import type { ProgressEvent } from '../jobs/train.ts';
import { SingleBar } from 'cli-progress';
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

const LINE_EVERY_MS = 10_000;

export function progressSink(stream: ProgressStream, now: () => number = () => performance.now()): ProgressSink {
  return stream.isTTY ? ttyBar(stream) : plainLines(stream, now);
}

function stats(e: ProgressEvent): string {
  const loss = Number.isFinite(e.loss) ? e.loss.toFixed(4) : String(e.loss);
  return `loss ${loss}  ${thousands(e.samplesPerSecond)} samples/s  ETA ${duration(e.etaSeconds)}`;
}

/** A cli-progress bar redrawn in place (at most 10 times a second); done() ends its line. */
function ttyBar(stream: ProgressStream): ProgressSink {
  let bar: SingleBar | null = null;
  return {
    update(e) {
      const loss = Number.isFinite(e.loss) ? e.loss.toFixed(4) : String(e.loss);
      const payload = { loss, rate: thousands(e.samplesPerSecond), etaText: duration(e.etaSeconds) };
      if (bar) return void bar.update(e.step, payload);
      bar = new SingleBar({
        stream: stream as unknown as NodeJS.WritableStream,
        format: '[{bar}] step {value}/{total}  loss {loss}  {rate} samples/s  ETA {etaText}',
        barsize: Math.max(10, Math.min(30, (stream.columns ?? 80) - 70)), barCompleteChar: '#', barIncompleteChar: '.', fps: 10, hideCursor: false,
      });
      bar.start(e.total, e.step, payload);
    },
    done() {
      bar?.stop(); // idempotent: later output starts on a fresh line
      bar = null;
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

export interface CountSink {
  update(done: number, total: number): void;
  done(): void;
}

/**
 * Progress of a countable task without a loss (replaying steps, waiting for blocks): a
 * cli-progress bar with its rate and ETA on a terminal; off a terminal a line every 10 s (none for a task shorter than that).
 */
export function countProgress(stream: ProgressStream, label: string, unit: string, now: () => number = () => performance.now()): CountSink {
  if (!stream.isTTY) {
    let last = now();
    return {
      update(done, total) {
        const t = now();
        if (t - last < LINE_EVERY_MS) return; // a short task says nothing at all
        last = t;
        stream.write(`${label} ${done}/${total} ${unit}\n`);
      },
      done() {},
    };
  }
  let bar: SingleBar | null = null;
  let started = 0;
  return {
    update(done, total) {
      const rate = { rate: thousands(done / Math.max(1e-3, (now() - started) / 1000)) };
      if (bar) return void bar.update(done, rate);
      started = now();
      bar = new SingleBar({
        stream: stream as unknown as NodeJS.WritableStream,
        format: `${label} [{bar}] {value}/{total} ${unit}  {rate} ${unit}/s  ETA {eta_formatted}`,
        barsize: Math.max(10, Math.min(30, (stream.columns ?? 80) - 60)), barCompleteChar: '#', barIncompleteChar: '.', fps: 10, hideCursor: false,
      });
      bar.start(total, done, { rate: '0' });
    },
    done() {
      bar?.stop();
      bar = null;
    },
  };
}

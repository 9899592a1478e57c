// The verifier's own replay of a whole job, for commitments whose published data it cannot use
// (no blob server or result manifest, or a manifest that does not rebuild stepsRoot). Training is
// deterministic (init program, then T steps of the step program; docs/REPOPS.md), so the honest
// leaf hashes H[min(mK, T)] (reproducible-ops/hash-schedule.ts) and the final model root follow
// from the job spec alone. The replay runs in the background, yielding to the event loop, so the
// bot keeps ticking (and can challenge before the window closes) while it runs.
import { performance } from 'node:perf_hooks';
import type { Engine, TrainState } from '../reproducible-ops/engine.ts';
import { isLeafStep } from '../reproducible-ops/hash-schedule.ts';
import { merkleRoot } from '../reproducible-ops/merkle.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import type { BlobStore } from '../jobs/blobstore.ts';

export interface OwnLeaves {
  hashes: Buffer[]; // M + 1 leaf hashes
  stepsRoot: string;
  finalModelRoot: string;
  steps: number; // transitions replayed
  ms: number;
}

/** Yield to the event loop after this much uninterrupted stepping. */
const SLICE_MS = 20;

export class FullReplay {
  readonly done: Promise<OwnLeaves>;
  private result: OwnLeaves | null = null;
  /** Why the replay failed (e.g. the engine threw), once it has. */
  error: string | null = null;
  private reached = 0;
  private stopped = false;

  /** `kept`: an already finished replay (its hashes kept as evidence by an earlier process). */
  constructor(private readonly engine: Engine, readonly numSteps: number, readonly hashInterval: number, kept?: OwnLeaves) {
    this.result = kept ?? null;
    this.done = kept ? Promise.resolve(kept) : this.run().then((r) => (this.result = r));
    this.done.catch((e: Error) => (this.error = e.message)); // reported by whoever looks next
  }

  /** The result once the replay has finished, else null. */
  peek(): OwnLeaves | null {
    return this.result;
  }

  get progress(): string {
    return `${this.reached}/${this.numSteps} steps`;
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<OwnLeaves> {
    await new Promise((r) => setImmediate(r)); // never inside the caller's tick: it decides on what is finished
    const t0 = performance.now();
    const { engine, numSteps: T, hashInterval: K } = this;
    let s: TrainState = engine.init();
    const hashes = [engine.stateHash(s)];
    let slice = performance.now();
    while (s.step < T) {
      if (this.stopped) throw new Error(`own replay stopped at step ${s.step}`);
      s = engine.step(s).state;
      this.reached = s.step;
      if (isLeafStep(s.step, T, K)) hashes.push(engine.stateHash(s));
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
    }
    return { hashes, stepsRoot: hex0x(merkleRoot(hashes)), finalModelRoot: hex0x(engine.modelHash(s)), steps: T, ms: Math.round(performance.now() - t0) };
  }
}

/** The replays of one verifier, by commit key; finished ones are kept in its evidence store. */
export class OwnReplays {
  private readonly running = new Map<string, FullReplay>();

  constructor(private readonly evidence: BlobStore) {}

  /** The replay of commit `key` (started if it is not running; loaded if an earlier process kept it). */
  async of(key: string, engine: Engine, numSteps: number, hashInterval: number, kept?: string): Promise<FullReplay> {
    let r = this.running.get(key);
    if (r) return r;
    r = new FullReplay(engine, numSteps, hashInterval, kept ? decodeLeaves(await this.evidence.get(kept), kept) : undefined);
    this.running.set(key, r);
    return r;
  }

  /** Start commit `key`'s replay over (after it failed). */
  restart(key: string, engine: Engine, numSteps: number, hashInterval: number): FullReplay {
    this.drop(key);
    const r = new FullReplay(engine, numSteps, hashInterval);
    this.running.set(key, r);
    return r;
  }

  /** Stop and forget a replay that is no longer needed (the published data showed up). */
  drop(key: string): void {
    this.running.get(key)?.stop();
    this.running.delete(key);
  }

  /** Keep a finished replay's result; returns its evidence blob hash. */
  keep(leaves: OwnLeaves): Promise<string> {
    return this.evidence.put(Buffer.from(JSON.stringify({ ...leaves, hashes: leaves.hashes.map(hex0x) })));
  }
}

function decodeLeaves(bytes: Buffer, where: string): OwnLeaves {
  const o = JSON.parse(bytes.toString('utf8')) as Omit<OwnLeaves, 'hashes'> & { hashes: string[] };
  if (!Array.isArray(o.hashes) || typeof o.stepsRoot !== 'string') throw new Error(`kept own replay ${where}: expected {hashes: string[], stepsRoot, ...}`);
  return { ...o, hashes: o.hashes.map((h) => Buffer.from(h.slice(2), 'hex')) };
}

/**
 * Whether to challenge before the own replay has finished: when less than max(30 s, 20% of the
 * window) is left. The dispute then starts with the solver's revealFinal, and the challenger's
 * time bank only runs once it must name a leaf, by which time the replay has usually finished.
 */
export function mustChallengeNow(secondsLeft: number, windowSeconds: number): boolean {
  return secondsLeft < Math.max(30, 0.2 * windowSeconds);
}

// Up/down state of what the explorer reads from: the chain's RPC, Redis (where solvers announce
// their result manifests) and the blob servers. Pages show a banner for every dependency that
// is down; the next successful read clears it.
export type Dependency = 'chain' | 'redis' | 'blobs';

export interface DependencyState {
  down: boolean;
  since: number | null; // ms epoch of the first failure of the current outage
  error: string | null;
}

export type HealthLog = (event: 'dependency-down' | 'dependency-up', fields: Record<string, unknown>) => void;

export class Health {
  private readonly state = new Map<Dependency, DependencyState>();

  /** `log` hears each outage once when it starts and once when it ends. */
  constructor(private readonly log: HealthLog = () => undefined) {}

  failed(dep: Dependency, e: unknown): void {
    const prev = this.state.get(dep);
    const error = oneLine(e);
    if (!prev?.down) this.log('dependency-down', { dependency: dep, error });
    this.state.set(dep, { down: true, since: prev?.down ? prev.since! : Date.now(), error });
  }

  ok(dep: Dependency): void {
    const prev = this.state.get(dep);
    if (prev?.down) this.log('dependency-up', { dependency: dep, seconds: Math.round((Date.now() - prev.since!) / 1000) });
    this.state.set(dep, { down: false, since: null, error: null });
  }

  isDown(dep: Dependency): boolean {
    return this.state.get(dep)?.down ?? false;
  }

  /** Every dependency that is down, with how long and why. */
  outages(): { dependency: Dependency; since: number; error: string }[] {
    return [...this.state].filter(([, s]) => s.down).map(([dependency, s]) => ({ dependency, since: s.since!, error: s.error ?? '' }));
  }
}

function oneLine(e: unknown): string {
  const m = (e as { shortMessage?: string; message?: string })?.shortMessage ?? (e as Error)?.message ?? String(e);
  return m.split('\n')[0].slice(0, 300);
}

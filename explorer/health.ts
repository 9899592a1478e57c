// Up/down state of what the explorer reads from: the chain's RPC (where solvers announce their
// result manifests), Redis (optional: the verifiers' replay reports) and each blob server (the
// devnet's shared one, every solver's own).
// Pages show a banner for every dependency that is down; the next successful read or probe
// clears it. Blob servers are tracked one by one: the shared server answering must not hide
// that the solver's server holding a job's losses is gone (nor make the banner flicker).
export type Dependency = 'chain' | 'redis' | `blobs ${string}`;

const BLOBS = 'blobs ';

/** The dependency name of the blob server at `url` (its origin: one server, whatever the path). */
export function blobServer(url: string): Dependency {
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // not a URL: keep it as given, it still names the server in the banner
  }
  return `${BLOBS}${origin}`;
}

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

  /** Base URLs of the blob servers that are down now (to probe them until they are back). */
  downBlobServers(): string[] {
    return [...this.state].filter(([d, s]) => s.down && d.startsWith(BLOBS)).map(([d]) => d.slice(BLOBS.length));
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

// Backend registry: `--backend reference|wasm|native|auto`.
import { referenceBackend, type Backend } from './reference.ts';

export type BackendName = 'reference' | 'wasm' | 'native' | 'auto';
export const BACKEND_NAMES: BackendName[] = ['reference', 'wasm', 'native', 'auto'];

export interface BackendOptions {
  threads?: number;
  /** Called with a one-line notice when a requested backend is unavailable and another is used. */
  notice?: (msg: string) => void;
}

/** Resolve a backend by name. Fast backends register here as they land. */
export async function getBackend(name: BackendName = 'auto', _opts: BackendOptions = {}): Promise<Backend> {
  if (!BACKEND_NAMES.includes(name)) throw new Error(`unknown backend '${name}': expected one of ${BACKEND_NAMES.join(', ')}`);
  if (name === 'reference' || name === 'auto') return referenceBackend;
  throw new Error(`backend '${name}' is not available in this build`);
}

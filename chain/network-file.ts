// Which network a read-only tool (the explorer) talks to: `--devnet FILE` is a devnet file as
// `devnet up` writes it; `--network NAME` is looked up as .optrain/NAME.json, the same format.
// This is the one place that maps a name to endpoints, so a registry of named networks can
// replace the lookup without touching its callers.
import { join } from 'node:path';
import { readDevnet, type DevnetInfo } from './devnet.ts';

export interface NetworkChoice {
  network?: string;
  devnet?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The endpoints and contract addresses of the chosen network (default: the devnet file). */
export function resolveNetwork(choice: NetworkChoice): DevnetInfo {
  if (choice.network !== undefined && choice.devnet !== undefined) throw new Error('--network and --devnet: give one of them, not both');
  if (choice.network === undefined) return readDevnet(choice.devnet);
  if (!NAME.test(choice.network)) throw new Error(`--network: expected a network name (letters, digits, '.', '_', '-'), got '${choice.network}'`);
  return readDevnet(join('.optrain', `${choice.network}.json`));
}

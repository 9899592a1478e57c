// `--backend reference|wasm|native|auto` and `--threads N`, shared by commands that run ops.
import { BACKEND_NAMES, getBackend, type BackendName } from '../reproducible-ops/backend/index.ts';
import type { Backend } from '../reproducible-ops/backend/reference.ts';
import { UsageError, UserError } from '../jobs/errors.ts';
import { positiveIntFlag, type Io, type Options, type ParsedArgs } from './command.ts';

export const BACKEND_OPTIONS: Options = {
  backend: { type: 'string' },
  threads: { type: 'string' },
};

export const BACKEND_HELP = `  --backend B       op backend: ${BACKEND_NAMES.join(', ')} (default auto: the fastest available;
                    every backend produces identical bits)
  --threads N       worker threads for backends that use them`;

export interface BackendChoice {
  name: BackendName;
  threads?: number;
}

/** Check --backend and --threads (usage errors, exit 2) without loading anything. */
export function backendChoice(args: ParsedArgs, cmd: string): BackendChoice {
  const name = (args.values.backend as string | undefined) ?? 'auto';
  if (!BACKEND_NAMES.includes(name as BackendName))
    throw new UsageError(`optrain ${cmd}: --backend: expected one of ${BACKEND_NAMES.join(', ')}, got '${name}'`);
  return { name: name as BackendName, threads: positiveIntFlag(args.values.threads, '--threads', cmd) };
}

/** Load the chosen backend; fallbacks are announced on stderr as one `optrain: ...` line. */
export async function resolveBackend(choice: BackendChoice, io: Io): Promise<Backend> {
  try {
    return await getBackend(choice.name, { threads: choice.threads, notice: (msg) => io.stderr.write(`optrain: ${msg}\n`) });
  } catch (e) {
    throw new UserError(`--backend ${choice.name}: ${(e as Error).message}`);
  }
}

export async function backendFromFlags(args: ParsedArgs, cmd: string, io: Io): Promise<Backend> {
  return resolveBackend(backendChoice(args, cmd), io);
}

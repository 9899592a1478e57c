// Turn ethers' revert errors into one readable line naming the contract call, the custom
// error and its arguments, e.g.
//   JobMarket.claimJob(3) reverted: WrongStake(expected=1000000000000000000, sent=0)
import type { Interface, ErrorDescription } from 'ethers';

export class ChainError extends Error {
  constructor(
    message: string,
    readonly errorName?: string,
    readonly errorArgs?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ChainError';
  }
}

/** Find the revert data (0x...) anywhere in an ethers error (it nests differently per path). */
export function revertData(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (x: unknown): string | undefined => {
    if (!x || typeof x !== 'object' || seen.has(x)) return undefined;
    seen.add(x);
    const o = x as Record<string, unknown>;
    if (typeof o.data === 'string' && /^0x[0-9a-fA-F]{8}/.test(o.data)) return o.data;
    for (const k of ['error', 'info', 'cause', 'data']) {
      const found = visit(o[k]);
      if (found) return found;
    }
    return undefined;
  };
  return visit(e);
}

function formatArg(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatArg).join(', ')}]`;
  return String(v);
}

export function describeError(desc: ErrorDescription): { text: string; args: Record<string, unknown> } {
  const args: Record<string, unknown> = {};
  const parts = desc.fragment.inputs.map((input, i) => {
    const name = input.name || `arg${i}`;
    args[name] = desc.args[i];
    return `${name}=${formatArg(desc.args[i])}`;
  });
  return { text: `${desc.name}(${parts.join(', ')})`, args };
}

/** Rethrowable ChainError for a failed call `what` (e.g. "JobMarket.claimJob(3)"). */
export function decodeRevert(e: unknown, what: string, ifaces: Interface[]): ChainError {
  if (e instanceof ChainError) return e;
  const data = revertData(e);
  if (data) {
    for (const iface of ifaces) {
      let desc: ErrorDescription | null = null;
      try {
        desc = iface.parseError(data);
      } catch {
        desc = null;
      }
      if (desc) {
        const { text, args } = describeError(desc);
        return new ChainError(`${what} reverted: ${text}`, desc.name, args);
      }
    }
    return new ChainError(`${what} reverted with unknown error data ${data.slice(0, 74)}`);
  }
  const o = e as { shortMessage?: string; message?: string; code?: string; error?: { message?: string } };
  // "could not coalesce error" says nothing: the node's own message is in `error`.
  const detail = o.code === 'UNKNOWN_ERROR' && o.error?.message ? `: ${o.error.message}` : '';
  return new ChainError(`${what} failed: ${o.shortMessage ?? o.message ?? String(e)}${detail}${o.code ? ` (${o.code})` : ''}`);
}

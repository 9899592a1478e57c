// Flags shared by the commands that talk to a network: which devnet file, which account,
// --json; plus ETH amount and duration parsing with one-line usage errors.
import { parseEther } from 'ethers';
import { ZeroAddress } from 'ethers';
import { ROLE_ACCOUNTS } from '../../chain/devnet.ts';
import { checkChainId, createClient } from '../../chain/client.ts';
import { resolveNetwork, rulesOf, type ResolvedNetwork } from '../../chain/networks.ts';
import { decryptKeystoreFile } from '../../chain/keystore.ts';
import { getPassword } from '../password.ts';
import { UsageError, UserError } from '../../jobs/errors.ts';
import type { Options, ParsedArgs } from '../command.ts';

/** Flags of the commands that only read the chain. */
export const READ_NETWORK_OPTIONS: Options = {
  network: { type: 'string' },
  devnet: { type: 'string' },
  json: { type: 'boolean' },
};

export const READ_NETWORK_HELP = `  --network NAME      network profile (./optrain.networks.json, ~/.config/optrain/networks.json
                      or built-in: devnet, op-devnet, op-sepolia, optimism, base; default devnet)
  --devnet FILE       devnet file of the devnet network (default $OPTRAIN_DEVNET or .optrain/devnet.json)
  --json              machine-readable output on stdout`;

export const NETWORK_OPTIONS: Options = {
  network: { type: 'string' },
  devnet: { type: 'string' },
  account: { type: 'string' },
  'private-key': { type: 'string' },
  keystore: { type: 'string' },
  json: { type: 'boolean' },
};

export const NETWORK_HELP = `  --network NAME      network profile (./optrain.networks.json, ~/.config/optrain/networks.json
                      or built-in: devnet, op-devnet, op-sepolia, optimism, base; default devnet)
  --devnet FILE       devnet file of the devnet network (default $OPTRAIN_DEVNET or .optrain/devnet.json)
  --account N         sign with the devnet's account N (see the devnet file)
  --keystore FILE     sign with the key in this encrypted JSON keystore (optrain account new|import);
                      the password from $OPTRAIN_PASSWORD, else asked without echo
  --private-key KEY   sign with this key instead (or set OPTRAIN_PRIVATE_KEY; for devnets)
  --json              machine-readable output on stdout`;

/** n of secp256k1: a private key is an integer in [1, n - 1]. */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface Network {
  info: ResolvedNetwork;
  privateKey: string;
}

/**
 * The network of --network (default devnet, from --devnet or the default devnet file), with
 * its RPC checked to serve the profile's chain id: a wrong or unreachable RPC is one line
 * before any key is unlocked or anything sent.
 */
export async function resolvedNetworkFromFlags(args: ParsedArgs): Promise<ResolvedNetwork> {
  const info = resolveNetwork((args.values.network as string | undefined) ?? 'devnet', { devnetFile: args.values.devnet as string | undefined });
  const probe = createClient({ rpcUrl: info.rpcUrl, contracts: { jobMarket: ZeroAddress, disputeGame: ZeroAddress }, rules: rulesOf(info) });
  try {
    await checkChainId(probe);
  } catch (e) {
    throw new UserError((e as Error).message);
  } finally {
    probe.provider.destroy();
  }
  return info;
}

export async function networkFromFlags(args: ParsedArgs, cmd: string, role: keyof typeof ROLE_ACCOUNTS): Promise<Network> {
  // a malformed key is a usage error, reported before any RPC is asked anything
  const flagKey = args.values.keystore === undefined ? (args.values['private-key'] as string | undefined) : undefined;
  if (flagKey !== undefined) checkPrivateKey(flagKey, '--private-key', cmd);
  const info = await resolvedNetworkFromFlags(args);
  return { info, privateKey: await signerKeyFromFlags(args, cmd, info.accounts, role) };
}

/**
 * The signing key: --keystore (decrypted with the password), else --private-key or
 * OPTRAIN_PRIVATE_KEY, else a devnet account (--account N or the role's default).
 */
export async function signerKeyFromFlags(args: ParsedArgs, cmd: string, accounts: { privateKey: string }[], role?: keyof typeof ROLE_ACCOUNTS): Promise<string> {
  const keystore = args.values.keystore as string | undefined;
  if (keystore !== undefined) {
    if (args.values['private-key'] !== undefined || args.values.account !== undefined) throw new UsageError(`optrain ${cmd}: --keystore: give one of --keystore, --private-key or --account`);
    return (await decryptKeystoreFile(keystore, await getPassword(`Password for ${keystore}: `))).privateKey;
  }
  const key = (args.values['private-key'] as string | undefined) ?? (process.env.OPTRAIN_PRIVATE_KEY || undefined); // empty = unset
  if (key !== undefined) return checkPrivateKey(key, args.values['private-key'] !== undefined ? '--private-key' : 'OPTRAIN_PRIVATE_KEY', cmd);
  const raw = args.values.account as string | undefined;
  if (accounts.length === 0 || (raw === undefined && role === undefined))
    throw new UsageError(`optrain ${cmd}: no signer: pass --keystore FILE (or --private-key KEY / OPTRAIN_PRIVATE_KEY)`);
  const idx = raw === undefined ? ROLE_ACCOUNTS[role!] : Number(raw);
  if (!Number.isInteger(idx) || idx < 0 || idx >= accounts.length)
    throw new UsageError(`optrain ${cmd}: --account: expected an index in [0, ${accounts.length - 1}], got '${raw}'`);
  return accounts[idx].privateKey;
}

/** A well-formed secp256k1 private key; the key itself is never echoed, valid or not. */
export function checkPrivateKey(key: string, from: string, cmd: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError(`optrain ${cmd}: ${from}: expected 0x followed by 64 hex digits`);
  const k = BigInt(key);
  if (k === 0n || k >= SECP256K1_ORDER) throw new UsageError(`optrain ${cmd}: ${from}: not a valid secp256k1 private key (it must be nonzero and below the curve order)`);
  return key;
}

/** A positive ETH amount like `1.5` -> wei. */
export function ethFlag(value: string | boolean | undefined, name: string, cmd: string, fallback?: string): bigint {
  const s = value === undefined ? fallback : String(value);
  if (s === undefined) throw new UsageError(`optrain ${cmd}: ${name} is required (an amount in ETH, e.g. ${name} 1.5)`);
  let wei: bigint;
  try {
    wei = parseEther(s);
  } catch {
    throw new UsageError(`optrain ${cmd}: ${name}: expected an amount in ETH like 1.5, got '${s}'`);
  }
  if (wei <= 0n) throw new UsageError(`optrain ${cmd}: ${name}: expected a positive amount, got '${s}'`);
  return wei;
}

/** A duration like `90`, `90s`, `15m`, `2h`, `1d` -> seconds. */
export function durationFlag(value: string | boolean | undefined, name: string, cmd: string, fallback: string): bigint {
  const s = value === undefined ? fallback : String(value);
  const m = /^([1-9][0-9]*)([smhd]?)$/.exec(s);
  if (!m) throw new UsageError(`optrain ${cmd}: ${name}: expected a duration like 600, 10m, 2h or 1d, got '${s}'`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return BigInt(m[1]) * BigInt(unit);
}

/** JSON with bigints as decimal strings. */
export function toJson(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

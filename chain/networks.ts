// Network profiles: which chain a command talks to. `--network NAME` is looked up in
// ./optrain.networks.json (the project), then ~/.config/optrain/networks.json (the user), then
// the built-ins. A profile names the chain id (checked against the RPC before anything is
// signed), the RPC, optrain's contract addresses (written by `optrain deploy`), the OP Stack
// L1 side for L2s, how many confirmations make an event final, and a cap on fees.
// `devnet` and `op-devnet` are resolved from the devnet file their `devnet up` wrote.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isAddress } from 'ethers';
import { UserError } from '../jobs/errors.ts';
import { readDevnet, type DevnetInfo } from './devnet.ts';
import type { Account } from './processes.ts';
import type { GameKind } from './deploy.ts';
import type { NetworkRules } from './client.ts';

/** The OP Stack contracts on L1 of an L2 (superchain-registry names, without "Proxy"). */
export interface L1Profile {
  chainId: number;
  rpcUrl: string;
  optimismPortal?: string;
  l1StandardBridge?: string;
  l1CrossDomainMessenger?: string;
  /** Pre-fault-proof chains (and the local op-devnet) prove withdrawals against outputs here. */
  l2OutputOracle?: string;
  /** Fault-proof chains prove withdrawals against dispute games created here. */
  disputeGameFactory?: string;
  [other: string]: string | number | undefined;
}

export interface OptrainContracts {
  jobMarket: string;
  disputeGame: string;
  oneStepProver?: string;
  dataAnnouncer?: string;
}

export interface NetworkProfile {
  name: string;
  chainId: number;
  rpcUrl: string;
  /** Absent until `optrain deploy --network NAME` wrote them. */
  contracts?: OptrainContracts;
  l1?: L1Profile;
  /** Blocks on top of a transaction or event before it is treated as final (default 1). */
  confirmations?: number;
  gas?: { maxFeeGwei?: number };
  /** This party's own Redis (queue and state; parties share nothing but the chain). */
  redisUrl?: string;
  /** Where `job submit` pins specs and datasets (an HTTP blob server) or keeps them (a dir). */
  blobUrl?: string;
  blobDir?: string;
  /** Block of the deployment: event scans need not start earlier. */
  startBlock?: number;
  timeBank?: number;
  /** Resolve rpcUrl, contracts and accounts from this devnet file (devnet, op-devnet). */
  devnetFile?: string;
}

/** A profile resolved for the roles: everything they read from a devnet file today. */
export interface ResolvedNetwork {
  name: string;
  rpcUrl: string;
  redisUrl: string;
  chainId: number;
  contracts: OptrainContracts;
  gameKind: GameKind;
  startBlock?: number;
  timeBank?: number;
  /** Only devnets have well-known accounts. */
  accounts: Account[];
  blobDir: string;
  blobUrl?: string;
  confirmations: number;
  gas: { maxFeeGwei?: number };
  l1?: L1Profile;
  /** Where the profile came from (a file, or 'built-in'); deploy writes back there. */
  source: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const PROJECT_NETWORKS_FILE = 'optrain.networks.json';
/** The file the l2 helper's `devnet up --l2` writes: a devnet file whose chain is the L2, plus `l1`. */
export const OP_DEVNET_FILE = '.optrain/op-devnet.json';

export function userNetworksFile(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'optrain', 'networks.json');
}

export const BUILT_IN_NETWORKS: NetworkProfile[] = [
  { name: 'devnet', chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', devnetFile: '' }, // '' = --devnet / $OPTRAIN_DEVNET / .optrain/devnet.json
  { name: 'op-devnet', chainId: 901, rpcUrl: 'http://127.0.0.1:9545', devnetFile: OP_DEVNET_FILE },
  // L1 addresses: ethereum-optimism/superchain-registry, superchain/configs/{sepolia,mainnet}/*.toml
  {
    name: 'op-sepolia', chainId: 11155420, rpcUrl: 'https://sepolia.optimism.io', confirmations: 1,
    l1: {
      chainId: 11155111, rpcUrl: 'https://ethereum-sepolia-rpc.publicnode.com',
      optimismPortal: '0x16Fc5058F25648194471939df75CF27A2fdC48BC', l1StandardBridge: '0xFBb0621E0B23b5478B630BD55a5f21f67730B0F1',
      l1CrossDomainMessenger: '0x58Cc85b8D04EA49cC6DBd3CbFFd00B4B8D6cb3ef', disputeGameFactory: '0x05F9613aDB30026FFd634f38e5C4dFd30a197Fa1',
    },
  },
  {
    name: 'optimism', chainId: 10, rpcUrl: 'https://mainnet.optimism.io', confirmations: 1,
    l1: {
      chainId: 1, rpcUrl: 'https://ethereum-rpc.publicnode.com',
      optimismPortal: '0xbEb5Fc579115071764c7423A4f12eDde41f106Ed', l1StandardBridge: '0x99C9fc46f92E8a1c0deC1b1747d010903E884bE1',
      l1CrossDomainMessenger: '0x25ace71c97B33Cc4729CF772ae268934F7ab5fA1', disputeGameFactory: '0xe5965Ab5962eDc7477C8520243A95517CD252fA9',
    },
  },
  {
    name: 'base', chainId: 8453, rpcUrl: 'https://mainnet.base.org', confirmations: 1,
    l1: {
      chainId: 1, rpcUrl: 'https://ethereum-rpc.publicnode.com',
      optimismPortal: '0x49048044D57e1C92A77f79988d21Fa8fAF74E97e', l1StandardBridge: '0x3154Cf16ccdb4C6d922629664174b904d80F2C35',
      l1CrossDomainMessenger: '0x866E82a600A1414e583f7F13623F1aC5d58b0Afa', disputeGameFactory: '0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e',
      l2OutputOracle: '0x56315b90c40730925ec5485cf004d835058518A0',
    },
  },
];

export interface NetworkSources {
  /** Directory holding optrain.networks.json (default: the working directory). */
  projectDir?: string;
  /** The user's networks file (default ~/.config/optrain/networks.json). */
  userFile?: string;
  /** The devnet file `devnet` resolves to (default $OPTRAIN_DEVNET or .optrain/devnet.json). */
  devnetFile?: string;
}

function projectFile(s: NetworkSources): string {
  return resolve(s.projectDir ?? '.', PROJECT_NETWORKS_FILE);
}

/** Profiles of one networks file: `[profile, ...]` or `{ "networks": [profile, ...] }`. */
export function readNetworksFile(file: string): NetworkProfile[] {
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { networks?: unknown })?.networks;
  if (!Array.isArray(list)) throw new UserError(`${file}: expected an array of network profiles or {"networks": [...]}`);
  return list.map((p, i) => validateProfile(p, `${file}: networks[${i}]`));
}

/** Every known profile by name: project over user over built-in. */
export function listNetworks(s: NetworkSources = {}): { profile: NetworkProfile; source: string }[] {
  const byName = new Map<string, { profile: NetworkProfile; source: string }>();
  for (const p of BUILT_IN_NETWORKS) byName.set(p.name, { profile: p, source: 'built-in' });
  for (const file of [s.userFile ?? userNetworksFile(), projectFile(s)])
    for (const p of readNetworksFile(file)) byName.set(p.name, { profile: p, source: file });
  return [...byName.values()];
}

export function findNetwork(name: string, s: NetworkSources = {}): { profile: NetworkProfile; source: string } {
  const all = listNetworks(s);
  const hit = all.find((n) => n.profile.name === name);
  if (!hit) throw new UserError(`unknown network '${name}' (known: ${all.map((n) => n.profile.name).join(', ')}; add it to ./${PROJECT_NETWORKS_FILE} or ${userNetworksFile()})`);
  return hit;
}

/** A profile ready for the roles; contracts must be deployed (see `optrain deploy`). */
export function resolveNetwork(name: string, s: NetworkSources = {}): ResolvedNetwork {
  const { profile: p, source } = findNetwork(name, s);
  if (p.devnetFile !== undefined) return fromDevnetFile(p, source, s);
  if (!p.contracts) throw new UserError(`network '${name}' (${source}): no contracts deployed yet; run 'optrain deploy --network ${name}' or add "contracts" to its profile`);
  return {
    name, rpcUrl: p.rpcUrl, chainId: p.chainId, contracts: p.contracts, gameKind: 'DisputeGame',
    redisUrl: p.redisUrl ?? (process.env.OPTRAIN_REDIS_URL || DEFAULT_REDIS_URL),
    startBlock: p.startBlock, timeBank: p.timeBank, accounts: [],
    blobDir: resolve(p.blobDir ?? join('.optrain', name, 'blobs')), blobUrl: p.blobUrl,
    confirmations: p.confirmations ?? 1, gas: p.gas ?? {}, l1: p.l1, source,
  };
}

function fromDevnetFile(p: NetworkProfile, source: string, s: NetworkSources): ResolvedNetwork {
  let d: DevnetInfo & { l1?: L1Profile; name?: string };
  try {
    d = readDevnet(p.devnetFile || s.devnetFile);
  } catch (e) {
    throw new UserError(`network '${p.name}': ${(e as Error).message}`);
  }
  return {
    ...d, name: p.name, gameKind: d.gameKind ?? 'DisputeGame', accounts: d.accounts ?? [],
    confirmations: p.confirmations ?? 1, gas: p.gas ?? {}, l1: d.l1 ?? p.l1, source,
  };
}

/** Write `contracts` (and the deployment block) into the profile of `name` where it lives. */
export function saveDeployment(name: string, update: Pick<NetworkProfile, 'contracts' | 'startBlock' | 'timeBank'>, s: NetworkSources = {}): string {
  const { profile, source } = findNetwork(name, s);
  // A built-in profile is copied into the project file, which then overrides it.
  const file = source === 'built-in' ? projectFile(s) : source;
  const list = readNetworksFile(file);
  const i = list.findIndex((p) => p.name === name);
  const next = { ...(i >= 0 ? list[i] : profile), ...update };
  if (i >= 0) list[i] = next;
  else list.push(next);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ networks: list }, null, 2) + '\n');
  return file;
}

const num = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function validateProfile(raw: unknown, where: string): NetworkProfile {
  const p = raw as NetworkProfile;
  if (!p || typeof p !== 'object') throw new UserError(`${where}: expected an object`);
  if (typeof p.name !== 'string' || !/^[\w.-]+$/.test(p.name)) throw new UserError(`${where}.name: expected a name of letters, digits, '.', '_' or '-'`);
  const at = `${where} (${p.name})`;
  if (!num(p.chainId) || p.chainId === 0) throw new UserError(`${at}.chainId: expected a positive integer`);
  if (typeof p.rpcUrl !== 'string' || !/^(https?|wss?):\/\//.test(p.rpcUrl)) throw new UserError(`${at}.rpcUrl: expected an http(s) or ws(s) URL`);
  if (p.confirmations !== undefined && (!num(p.confirmations) || p.confirmations < 1)) throw new UserError(`${at}.confirmations: expected an integer >= 1`);
  const cap = p.gas?.maxFeeGwei;
  if (cap !== undefined && !(typeof cap === 'number' && cap > 0 && Number.isFinite(cap))) throw new UserError(`${at}.gas.maxFeeGwei: expected a positive number`);
  for (const [k, v] of Object.entries(p.contracts ?? {})) if (!isAddress(v)) throw new UserError(`${at}.contracts.${k}: expected an address, got '${v}'`);
  if (p.contracts && (!p.contracts.jobMarket || !p.contracts.disputeGame)) throw new UserError(`${at}.contracts: expected jobMarket and disputeGame`);
  if (p.l1 !== undefined) {
    if (!num(p.l1.chainId) || typeof p.l1.rpcUrl !== 'string') throw new UserError(`${at}.l1: expected chainId and rpcUrl`);
    for (const [k, v] of Object.entries(p.l1)) if (k !== 'chainId' && k !== 'rpcUrl' && typeof v === 'string' && !isAddress(v)) throw new UserError(`${at}.l1.${k}: expected an address, got '${v}'`);
  }
  return p;
}

/** What the chain client enforces for a network (chain id before signing, confirmations, fee cap). */
export function rulesOf(n: { name?: string; chainId: number; confirmations?: number; gas?: { maxFeeGwei?: number } }): NetworkRules {
  return { network: n.name, chainId: n.chainId, confirmations: n.confirmations, maxFeeGwei: n.gas?.maxFeeGwei };
}

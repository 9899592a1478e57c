// A local devnet: anvil + redis-server on free loopback ports, the contracts deployed, and a
// devnet file ({rpcUrl, redisUrl, chainId, contracts, accounts, ...}) that every command reads
// by default. `up` starts the processes detached (they outlive the CLI); `down` stops them by
// the pids recorded in the file.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { deployContracts, type DeployVia, type GameKind } from './deploy.ts';
import type { ContractAddresses } from './client.ts';
import { isAlive, startAnvil, startBlobDaemon, startRedis, stopPid, type Account, type AnvilOptions } from './processes.ts';
import type { OpL1Contracts } from './op-stack.ts';

export const DEFAULT_DEVNET_FILE = '.optrain/devnet.json';

/** Which anvil account plays which role (indices into `accounts`). */
export const ROLE_ACCOUNTS = { deployer: 0, submitter: 1, solver: 2, verifier: 3 } as const;

export interface DevnetInfo {
  rpcUrl: string;
  redisUrl: string;
  chainId: number;
  contracts: ContractAddresses & { oneStepProver?: string; opSemanticsExt?: string };
  gameKind: GameKind;
  /** Seconds of each side's dispute clock. */
  timeBank: number;
  /** Block before the deployment: event watchers need not scan earlier. */
  startBlock: number;
  /** The market's FORCED_ERROR_RATE (of 2^16) at deployment; absent in files from before it was recorded. */
  forcedErrorRate?: number;
  /** The market's FORCED_FINDERS (0: no limit; docs/PROTOCOL.md §12.4). */
  forcedFinders?: number;
  accounts: Account[];
  /** Where the devnet's shared blob store keeps its files, and its HTTP endpoint (if started). */
  blobDir: string;
  blobUrl?: string;
  pids: { anvil: number; redis: number; blobServer?: number; l1Anvil?: number; standins?: number };
  /** `devnet up --l2`: this chain is an OP Stack L2 and `l1` its L1 (chain/devnet-l2.ts). */
  l1?: L1Info;
  redisPidFile: string;
  startedAt: string;
}

/** The L1 of an OP Stack devnet; the shape of a network profile's `l1` (chain/networks.ts L1Profile). */
export interface L1Info extends OpL1Contracts {
  rpcUrl: string;
  chainId: number;
  /** L1 block before the OP Stack deployment. */
  startBlock: number;
  submissionInterval: number;
  finalizationPeriodSeconds: number;
  /** Index into `accounts` of the devnet output proposer stand-in (on L1). */
  proposerAccount: number;
  [other: string]: string | number | undefined;
}

export function devnetFilePath(path?: string): string {
  return resolve(path ?? process.env.OPTRAIN_DEVNET ?? DEFAULT_DEVNET_FILE);
}

export function readDevnet(path?: string): DevnetInfo {
  const file = devnetFilePath(path);
  if (!existsSync(file)) throw new Error(`devnet file not found: ${file} (start one with \`optrain devnet up\`, or pass --devnet FILE)`);
  let info: DevnetInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as DevnetInfo;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  for (const field of ['rpcUrl', 'redisUrl', 'chainId', 'contracts', 'accounts'] as const)
    if (info[field] === undefined) throw new Error(`${file}: missing field '${field}'`);
  return info;
}

export function writeDevnet(info: DevnetInfo, path?: string): string {
  const file = devnetFilePath(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(info, null, 2) + '\n');
  return file;
}

export interface UpOptions {
  /** Directory for logs, pid files and blobs (default: the devnet file's directory). */
  dir?: string;
  /** Detach anvil so it outlives this process (CLI); tests keep it attached. */
  detached?: boolean;
  /** Also start the shared blob server as a detached process (CLI; tests serve blobs in-process). */
  blobDaemon?: boolean;
  /** How to deploy (default: the forge deploy script when present). */
  deployVia?: DeployVia;
  /** Dispute clock per side in seconds (default 1 day). */
  timeBank?: number;
  /** FORCED_ERROR_RATE of the market (of 2^16; default 0: no forced errors). */
  forcedErrorRate?: bigint;
  /** FORCED_FINDERS of the market (default 0: no limit). */
  forcedFinders?: bigint;
  /** Seconds between blocks on an idle chain (default DEFAULT_BLOCK_TIME; 0: none). */
  blockTime?: number;
  /** Chain id / network family of the devnet's anvil (devnet up --l2: an OP Stack L2). */
  anvil?: Pick<AnvilOptions, 'chainId' | 'network' | 'name'>;
}

/** Start anvil + redis and deploy; on any failure, stop what was started. */
export async function startDevnet(opts: UpOptions = {}): Promise<DevnetInfo> {
  const dir = resolve(opts.dir ?? dirname(devnetFilePath()));
  mkdirSync(dir, { recursive: true });
  const anvil = await startAnvil({ dir, detached: opts.detached, blockTime: opts.blockTime, ...opts.anvil });
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    redis = await startRedis({ dir });
    const dep = await deployContracts(anvil.rpcUrl, anvil.accounts[ROLE_ACCOUNTS.deployer].privateKey, { via: opts.deployVia, timeBank: opts.timeBank, forcedErrorRate: opts.forcedErrorRate, forcedFinders: opts.forcedFinders });
    const blobDir = join(dir, 'blobs');
    const blob = opts.blobDaemon ? await startBlobDaemon({ dir, blobDir }) : undefined;
    return {
      rpcUrl: anvil.rpcUrl,
      redisUrl: redis.redisUrl,
      chainId: anvil.chainId,
      contracts: dep.contracts,
      gameKind: dep.gameKind,
      timeBank: dep.timeBank,
      startBlock: dep.startBlock,
      forcedErrorRate: dep.forcedErrorRate,
      forcedFinders: dep.forcedFinders,
      accounts: anvil.accounts,
      blobDir,
      ...(blob ? { blobUrl: blob.blobUrl } : {}),
      pids: { anvil: anvil.pid, redis: redis.pid, ...(blob ? { blobServer: blob.pid } : {}) },
      redisPidFile: redis.pidFile,
      startedAt: new Date().toISOString(),
    };
  } catch (e) {
    await stopPid(anvil.pid);
    if (redis) await stopPid(redis.pid);
    throw e;
  }
}

/** Stop every process recorded in `info`; returns which ones were still running. */
export async function stopDevnet(info: DevnetInfo): Promise<{ stopped: string[] }> {
  const live = Object.entries(info.pids).filter(([name, pid]) => pid && isAlive(pid) && runs(pid, PROCESS_NAMES[name as keyof typeof PROCESS_NAMES]));
  await Promise.all(live.map(([, pid]) => stopPid(pid)));
  const stopped = live.map(([name]) => name);
  if (info.redisPidFile) rmSync(info.redisPidFile, { force: true });
  return { stopped };
}

// A recorded pid may have been reused by an unrelated process after a reboot: only stop it
// when its command line still names the program we started.
const PROCESS_NAMES = { anvil: 'anvil', redis: 'redis-server', blobServer: 'blob', l1Anvil: 'anvil', standins: 'op-standins' } as const;

function runs(pid: number, name: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name);
  } catch {
    return true; // no /proc (not Linux): trust the pid file
  }
}

/** Anvil time travel: advance the clock and mine a block so `block.timestamp` moves. */
export async function increaseTime(provider: { send(m: string, p: unknown[]): Promise<unknown> }, seconds: number): Promise<void> {
  await provider.send('evm_increaseTime', [seconds]);
  await provider.send('evm_mine', []);
}

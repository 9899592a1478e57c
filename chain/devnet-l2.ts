// `optrain devnet up --l2`: an OP Stack devnet. An L1 anvil carries the OP Stack L1 contracts
// (chain/op-stack.ts); the devnet's own anvil runs with --network optimism as the L2 and carries
// the predeploys plus optrain's contracts, Redis and the blob server as on a plain devnet. The
// devnet file describes the L2 (so every command works on it unchanged) and its `l1` field the
// L1. Two DEVNET STAND-INS run as one detached process (chain/op-standins-daemon.ts): a deposit
// relayer and an output proposer, where a real chain has op-node and op-proposer.
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from './artifacts.ts';
import { makeProvider } from './client.ts';
import { devnetFilePath, ROLE_ACCOUNTS, startDevnet, stopDevnet, type DevnetInfo, type UpOptions } from './devnet.ts';
import { deployOpL1, installL2Predeploys, OP_MAINNET_SCALARS, type OpStackConfig } from './op-stack.ts';
import { killPid, startAnvil, stopPid } from './processes.ts';

/** Chain ids of the OP devnet convention (op-e2e / the sdk's local devnet): L1 900, L2 901. */
export const OP_DEVNET_CHAIN_IDS = { l1: 900, l2: 901 } as const;
/** The output proposer stand-in signs from this anvil account on L1 (no role uses it). */
export const PROPOSER_ACCOUNT = 8;

export interface L2UpOptions extends UpOptions {
  /** L2 blocks per proposed output (default 5). */
  submissionInterval?: number;
  /** Seconds an output / a proven withdrawal must age before finalizing (default 12; OP Mainnet: 7 days). */
  finalizationPeriodSeconds?: number;
}

export async function startL2Devnet(opts: L2UpOptions = {}): Promise<DevnetInfo> {
  const dir = resolve(opts.dir ?? dirname(devnetFilePath()));
  const l1 = await startAnvil({ dir, detached: opts.detached, blockTime: opts.blockTime, chainId: OP_DEVNET_CHAIN_IDS.l1, name: 'l1-anvil' });
  let info: DevnetInfo | undefined;
  try {
    info = await startDevnet({ ...opts, dir, anvil: { chainId: OP_DEVNET_CHAIN_IDS.l2, network: 'optimism', name: 'l2-anvil' } });
    const l1p = makeProvider(l1.rpcUrl, 100), l2p = makeProvider(info.rpcUrl, 100);
    try {
      const cfg: OpStackConfig = {
        submissionInterval: opts.submissionInterval ?? 5,
        finalizationPeriodSeconds: opts.finalizationPeriodSeconds ?? 12,
        proposer: l1.accounts[PROPOSER_ACCOUNT].address,
        challenger: l1.accounts[ROLE_ACCOUNTS.deployer].address,
        ...OP_MAINNET_SCALARS,
      };
      const startBlock = await l1p.getBlockNumber();
      const contracts = await deployOpL1(l1p, l1.accounts[ROLE_ACCOUNTS.deployer].privateKey, cfg, await l2p.getBlockNumber());
      await installL2Predeploys(l2p, l1p, contracts, cfg, info.accounts[ROLE_ACCOUNTS.deployer].privateKey);
      const configFile = join(dir, 'op-standins.json');
      writeFileSync(configFile, JSON.stringify({
        l1RpcUrl: l1.rpcUrl, l2RpcUrl: info.rpcUrl, contracts, proposerKey: l1.accounts[PROPOSER_ACCOUNT].privateKey,
        fees: OP_MAINNET_SCALARS, fromBlock: startBlock,
      }, null, 2) + '\n', { mode: 0o600 });
      const standins = await startStandinsDaemon(dir, configFile, !!opts.detached);
      return {
        ...info,
        l1: { rpcUrl: l1.rpcUrl, chainId: l1.chainId, ...contracts, startBlock, submissionInterval: cfg.submissionInterval, finalizationPeriodSeconds: cfg.finalizationPeriodSeconds, proposerAccount: PROPOSER_ACCOUNT },
        pids: { ...info.pids, l1Anvil: l1.pid, standins },
      };
    } finally {
      l1p.destroy();
      l2p.destroy();
    }
  } catch (e) {
    if (info) await stopDevnet(info);
    await stopPid(l1.pid);
    throw e;
  }
}

/** Spawn the stand-ins and wait for their first log line (they are polling by then). */
async function startStandinsDaemon(dir: string, configFile: string, detached: boolean): Promise<number> {
  const logPath = join(dir, 'op-standins.log');
  const logFd = openSync(logPath, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'chain/op-standins-daemon.ts'), configFile], { cwd: REPO_ROOT, detached, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  if (detached) child.unref();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (existsSync(logPath) && /stand-ins/.test(readFileSync(logPath, 'utf8'))) return child.pid!;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  killPid(child.pid);
  throw new Error(`devnet stand-ins did not start (log ${logPath}):\n${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-1000) : ''}`);
}

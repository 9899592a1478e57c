// Test devnet: a fresh anvil + redis-server + deployed contracts per test file (with `l2`: the
// OP Stack pair of `devnet up --l2`, its L1 anvil and stand-ins too), stopped in `after()` and,
// as a backstop, on process exit or SIGINT/SIGTERM (so a failing or interrupted test run does
// not leave daemons behind).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, withSigner, type ChainClient } from '../../chain/client.ts';
import { ROLE_ACCOUNTS, startDevnet, writeDevnet, type DevnetInfo } from '../../chain/devnet.ts';
import { startL2Devnet } from '../../chain/devnet-l2.ts';
import { killPid } from '../../chain/processes.ts';
import { BlobStore, serveBlobs } from '../../jobs/blobstore.ts';

export interface TestDevnet {
  info: DevnetInfo;
  dir: string;
  /** The devnet file (what `--devnet FILE` of the CLI reads), written once the devnet is up. */
  file: string;
  /** A client signing as the given role's anvil account. */
  client(role: keyof typeof ROLE_ACCOUNTS | number): ChainClient;
  stop(): Promise<void>;
}

const live = new Set<DevnetInfo>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const info of live) for (const pid of Object.values(info.pids)) killPid(pid);
    live.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
}

/**
 * Tests deploy with ethers from forge's artifacts (the deploy script's exact transactions,
 * without a forge compile per test file); the CLI test in devnet.test.ts covers the script.
 */
export async function startTestDevnet(opts: { timeBank?: number; forcedErrorRate?: bigint; forcedFinders?: bigint; l2?: { finalizationPeriodSeconds?: number } } = {}): Promise<TestDevnet> {
  installExitHooks();
  const dir = mkdtempSync(join(tmpdir(), 'optrain-devnet-'));
  const up = { dir, detached: false, deployVia: 'ethers' as const, timeBank: opts.timeBank ?? 3600, forcedErrorRate: opts.forcedErrorRate, forcedFinders: opts.forcedFinders };
  const info = await (opts.l2 ? startL2Devnet({ ...up, ...opts.l2 }) : startDevnet(up));
  live.add(info);
  // The shared blob server (submitters pin specs and datasets) runs in-process in tests.
  const blobServer = await serveBlobs(new BlobStore(info.blobDir), { allowPut: true });
  info.blobUrl = blobServer.url;
  const file = writeDevnet(info, join(dir, 'devnet.json'));
  const clients: ChainClient[] = [];
  const base = createClient({ rpcUrl: info.rpcUrl, contracts: info.contracts, gameArtifact: info.gameKind, pollingIntervalMs: 50 });
  clients.push(base);
  return {
    info,
    dir,
    file,
    client(role) {
      const idx = typeof role === 'number' ? role : ROLE_ACCOUNTS[role];
      const c = withSigner(base, info.accounts[idx].privateKey);
      clients.push(c);
      return c;
    },
    async stop() {
      await blobServer.close();
      base.provider.destroy();
      live.delete(info);
      const { stopDevnet } = await import('../../chain/devnet.ts');
      await stopDevnet(info);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `optrain devnet up|down`: a local chain (anvil), Redis and blob server on free loopback
// ports with the contracts deployed; the devnet file records endpoints, addresses, accounts
// and pids, and every other command reads it by default.
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { devnetFilePath, readDevnet, startDevnet, stopDevnet, writeDevnet, type DevnetInfo } from '../../chain/devnet.ts';
import { startL2Devnet } from '../../chain/devnet-l2.ts';
import { OP_DEVNET_FILE } from '../../chain/networks.ts';
import type { DeployVia } from '../../chain/deploy.ts';
import { DEFAULT_BLOCK_TIME, isAlive } from '../../chain/processes.ts';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { durationFlag, toJson } from './job-network.ts';
import { forcedErrorRateFlag, forcedErrorRateText, forcedFindersFlag } from './deploy.ts';

const OPTIONS = { devnet: { type: 'string' as const }, json: { type: 'boolean' as const } };
const UP_OPTIONS = { ...OPTIONS, 'time-bank': { type: 'string' as const }, deploy: { type: 'string' as const }, 'block-time': { type: 'string' as const }, l2: { type: 'boolean' as const }, 'finalization-period': { type: 'string' as const }, 'forced-error-rate': { type: 'string' as const }, 'forced-finders': { type: 'string' as const } };
const FLAGS_HELP = `  --devnet FILE   devnet file (default $OPTRAIN_DEVNET or .optrain/devnet.json)
  --json          machine-readable output
  -h, --help      show this help`;

function summary(file: string, info: DevnetInfo): string {
  return table([
    ['devnet file', file],
    ['rpc', `${info.rpcUrl} (chain id ${info.chainId})`],
    ['redis', info.redisUrl],
    ['blob server', `${info.blobUrl ?? '-'} (${info.blobDir})`],
    ['JobMarket', info.contracts.jobMarket],
    ['DisputeGame', `${info.contracts.disputeGame} (time bank ${info.timeBank} s per side)`],
    ['forced errors', forcedErrorRateText(BigInt(info.forcedErrorRate ?? 0), BigInt(info.forcedFinders ?? 0))],
    ...(info.l1
      ? ([
          ['L1 (OP Stack)', `${info.l1.rpcUrl} (chain id ${info.l1.chainId}); L2 above runs anvil --network optimism`],
          ['OptimismPortal', info.l1.optimismPortal],
          ['L2OutputOracle', `${info.l1.l2OutputOracle} (output every ${info.l1.submissionInterval} L2 blocks, finalization ${info.l1.finalizationPeriodSeconds} s)`],
          ['L1StandardBridge', info.l1.l1StandardBridge],
          ['stand-ins', `DEVNET deposit relayer + output proposer (not op-node/op-proposer), pid ${info.pids.standins}`],
        ] as [string, string][])
      : []),
    ['accounts', `0 deployer ${info.accounts[0].address}, 1 submitter ${info.accounts[1].address}, 2 solver ${info.accounts[2].address}, 3 verifier ${info.accounts[3].address}`],
  ]);
}

export const devnetUpCommand: Command = {
  name: 'devnet up',
  summary: 'start anvil, redis-server and a blob server; deploy the contracts (--l2: an OP Stack L1/L2 pair)',
  usage: `Usage: optrain devnet up [options]

Start anvil (npm) and redis-server on free loopback ports plus the shared blob server,
deploy the contracts, and write the devnet file that every other command reads.
Stop everything with 'optrain devnet down'.

With --l2 the devnet is an OP Stack pair: an L1 anvil with OptimismPortal, L2OutputOracle,
L1CrossDomainMessenger, L1StandardBridge, SystemConfig and SuperchainConfig (published
@eth-optimism/contracts-bedrock artifacts), and the devnet's anvil runs --network optimism as
the L2 with the predeploys at 0x4200… and optrain's contracts. Devnet stand-ins relay deposits
and propose outputs (no op-node/op-proposer). Move ETH with 'optrain bridge deposit|withdraw'.

Options:
  --time-bank T   each side's dispute clock (default 1d; 600, 10m, 2h, 1d)
  --block-time S  mine a block every S seconds even when idle, so deadlines pass without
                  other traffic (default ${DEFAULT_BLOCK_TIME}; 0: only on transactions)
  --deploy HOW    script (default: forge script rollup-contracts/script/Deploy.s.sol) or
                  ethers (the same transactions from forge's out/ artifacts, no compile;
                  also the fallback when the script is absent)
  --forced-error-rate P  forced errors (docs/PROTOCOL.md §12): P a fraction (1/64, 0.5%,
                  0.015625) or a count of 2^16 (1024); default 0 (off) or
                  $OPTRAIN_FORCED_ERROR_RATE (a count)
  --forced-finders N  a forced error found by more than N accounts pays none of them
                  (PROTOCOL §12.4: the number of verifiers; default 0, no limit)
  --l2            an OP Stack L1 + L2 pair (see above)
  --finalization-period T  --l2: withdrawal finalization window (default 12s; OP Mainnet 7d)
${FLAGS_HELP}
`,
  options: UP_OPTIONS,
  async run(args, io) {
    expectPositionals(args, [], 'devnet up');
    const timeBank = Number(durationFlag(args.values['time-bank'], '--time-bank', 'devnet up', '1d'));
    const via = args.values.deploy as string | undefined; // default: the script when present
    const rawBlockTime = (args.values['block-time'] as string | undefined) ?? String(DEFAULT_BLOCK_TIME);
    if (!/^(0|[1-9][0-9]{0,4})$/.test(rawBlockTime)) throw new UsageError(`optrain devnet up: --block-time: expected whole seconds (0 to disable), got '${rawBlockTime}'`);
    if (via !== undefined && via !== 'script' && via !== 'ethers') throw new UsageError(`optrain devnet up: --deploy: expected script or ethers, got '${via}'`);
    const forcedErrorRate = forcedErrorRateFlag(args.values['forced-error-rate'], 'devnet up');
    const forcedFinders = forcedFindersFlag(args.values['forced-finders'], 'devnet up');
    // The OP devnet has its own file (the op-devnet network profile reads it), so a plain
    // devnet and an OP devnet can run side by side.
    const file = args.values.l2 && args.values.devnet === undefined ? resolve(OP_DEVNET_FILE) : devnetFilePath(args.values.devnet as string | undefined);
    if (existsSync(file)) {
      const old = readDevnet(file);
      if (isAlive(old.pids.anvil)) throw new UserError(`a devnet is already running (${file}, anvil pid ${old.pids.anvil}); run 'optrain devnet down' first`);
    }
    const up = { dir: args.values.l2 ? join(dirname(file), 'op-devnet') : dirname(file), detached: true, blobDaemon: true, deployVia: via as DeployVia | undefined, timeBank, forcedErrorRate, forcedFinders, blockTime: Number(rawBlockTime) };
    const finalizationPeriodSeconds = Number(durationFlag(args.values['finalization-period'], '--finalization-period', 'devnet up', '12'));
    const start = args.values.l2 ? startL2Devnet({ ...up, finalizationPeriodSeconds }) : startDevnet(up);
    const info = await start.catch((e) => {
      throw new UserError(`devnet up failed: ${(e as Error).message}`);
    });
    writeDevnet(info, file);
    io.stdout.write(args.values.json ? toJson({ file, ...info }) + '\n' : summary(file, info));
    return 0;
  },
};

export const devnetDownCommand: Command = {
  name: 'devnet down',
  summary: 'stop the devnet started by devnet up',
  usage: `Usage: optrain devnet down [options]

Stop the anvil, redis-server and blob server recorded in the devnet file, and remove the file.
Without --devnet it stops the default devnet and the OP devnet of 'devnet up --l2' (both
anvils, the stand-ins), whichever are running.

Options:
${FLAGS_HELP}
`,
  options: OPTIONS,
  async run(args, io) {
    expectPositionals(args, [], 'devnet down');
    const file = devnetFilePath(args.values.devnet as string | undefined);
    const opFile = resolve(OP_DEVNET_FILE);
    // Explicit --devnet: that file only (missing: an error). Default: whichever devnets exist.
    const files = args.values.devnet !== undefined || !existsSync(opFile) ? [file] : existsSync(file) && file !== opFile ? [file, opFile] : [opFile];
    const results: { file: string; stopped: string[] }[] = [];
    for (const f of files) {
      let info: DevnetInfo;
      try {
        info = readDevnet(f);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const { stopped } = await stopDevnet(info);
      rmSync(f, { force: true });
      results.push({ file: f, stopped });
    }
    const text = results.map((r) => `stopped ${r.stopped.length ? r.stopped.join(', ') : 'nothing (already stopped)'}; removed ${r.file}\n`).join('');
    io.stdout.write(args.values.json ? toJson(results.length === 1 ? results[0] : { devnets: results }) + '\n' : text);
    return 0;
  },
};

// `optrain devnet up|down`: a local chain (anvil), Redis and blob server on free loopback
// ports with the contracts deployed; the devnet file records endpoints, addresses, accounts
// and pids, and every other command reads it by default.
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { devnetFilePath, readDevnet, startDevnet, stopDevnet, writeDevnet, type DevnetInfo } from '../../chain/devnet.ts';
import { DEFAULT_BLOCK_TIME, isAlive } from '../../chain/processes.ts';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { durationFlag, toJson } from './job-network.ts';

const OPTIONS = { devnet: { type: 'string' as const }, json: { type: 'boolean' as const } };
const UP_OPTIONS = { ...OPTIONS, 'time-bank': { type: 'string' as const }, deploy: { type: 'string' as const }, 'block-time': { type: 'string' as const } };
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
    ['accounts', `0 deployer ${info.accounts[0].address}, 1 submitter ${info.accounts[1].address}, 2 solver ${info.accounts[2].address}, 3 verifier ${info.accounts[3].address}`],
  ]);
}

export const devnetUpCommand: Command = {
  name: 'devnet up',
  summary: 'start anvil, redis-server and a blob server; deploy the contracts',
  usage: `Usage: optrain devnet up [options]

Start anvil (npm) and redis-server on free loopback ports plus the shared blob server,
deploy the contracts, and write the devnet file that every other command reads.
Stop everything with 'optrain devnet down'.

Options:
  --time-bank T   each side's dispute clock (default 1d; 600, 10m, 2h, 1d)
  --block-time S  mine a block every S seconds even when idle, so deadlines pass without
                  other traffic (default ${DEFAULT_BLOCK_TIME}; 0: only on transactions)
  --deploy HOW    script (default: forge script rollup-contracts/script/Deploy.s.sol) or
                  ethers (the same transactions from forge's out/ artifacts, no compile;
                  also the fallback when the script is absent)
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
    const file = devnetFilePath(args.values.devnet as string | undefined);
    if (existsSync(file)) {
      const old = readDevnet(file);
      if (isAlive(old.pids.anvil)) throw new UserError(`a devnet is already running (${file}, anvil pid ${old.pids.anvil}); run 'optrain devnet down' first`);
    }
    const info = await startDevnet({ dir: dirname(file), detached: true, blobDaemon: true, deployVia: via, timeBank, blockTime: Number(rawBlockTime) }).catch((e) => {
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

Options:
${FLAGS_HELP}
`,
  options: OPTIONS,
  async run(args, io) {
    expectPositionals(args, [], 'devnet down');
    const file = devnetFilePath(args.values.devnet as string | undefined);
    let info: DevnetInfo;
    try {
      info = readDevnet(file);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    const { stopped } = await stopDevnet(info);
    rmSync(file, { force: true });
    io.stdout.write(args.values.json ? toJson({ file, stopped }) + '\n' : `stopped ${stopped.length ? stopped.join(', ') : 'nothing (already stopped)'}; removed ${file}\n`);
    return 0;
  },
};

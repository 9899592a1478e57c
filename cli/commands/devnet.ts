// `optrain devnet up|down`: a local chain (anvil), Redis and blob server on free loopback
// ports with the contracts deployed; the devnet file records endpoints, addresses, accounts
// and pids, and every other command reads it by default.
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { devnetFilePath, readDevnet, startDevnet, stopDevnet, writeDevnet, type DevnetInfo } from '../../arbiter/chain/devnet.ts';
import { isAlive } from '../../arbiter/chain/processes.ts';
import { UserError } from '../../jobs/errors.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { toJson } from './job-network.ts';

const OPTIONS = { devnet: { type: 'string' as const }, json: { type: 'boolean' as const } };
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
    [info.gameKind === 'DisputeGame' ? 'DisputeGame' : 'dispute game', `${info.contracts.disputeGame}${info.gameKind === 'DisputeGame' ? '' : ` (${info.gameKind}: test stand-in, disputes cannot be played yet)`}`],
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
${FLAGS_HELP}
`,
  options: OPTIONS,
  async run(args, io) {
    expectPositionals(args, [], 'devnet up');
    const file = devnetFilePath(args.values.devnet as string | undefined);
    if (existsSync(file)) {
      const old = readDevnet(file);
      if (isAlive(old.pids.anvil)) throw new UserError(`a devnet is already running (${file}, anvil pid ${old.pids.anvil}); run 'optrain devnet down' first`);
    }
    const info = await startDevnet({ dir: dirname(file), detached: true, blobDaemon: true }).catch((e) => {
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

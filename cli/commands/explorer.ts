// `optrain explorer`: serve the web explorer (explorer/server.ts) until SIGINT/SIGTERM.
import { UserError } from '../../jobs/errors.ts';
import { startExplorer } from '../../explorer/server.ts';
import { firstSignal } from '../signals.ts';
import { expectPositionals, portFlag, type Command } from '../command.ts';
import { READ_NETWORK_HELP, resolvedNetworkFromFlags, toJson } from './job-network.ts';
import { logFormatFlag, serviceLogger } from '../service-log.ts';

const usage = `Usage: optrain explorer [options]

Serve a web explorer of the market: every job with its status and live updates, a job's spec,
loss curves, commitments and model; a dispute's parties, bonds, clocks, moves, the narrowing
down to one binary32 operation and the verdict; accounts' earnings and slashes and the jackpot.
Pages: /, /jobs/<id>, /disputes/<id>, /accounts/<address>; the same data as JSON under /api/.
An RPC, Redis or blob server that goes away is shown as an outage and caught up on when it is back.

Options:
${READ_NETWORK_HELP.split('\n').filter((l) => !l.includes('--json') && !l.includes('machine-readable')).join('\n')}
  --port P            HTTP port on 127.0.0.1 (default 8080; 0: any free port)
  --host H            interface to listen on (default 127.0.0.1)
  --json              print the URL as one JSON object ({"url": ...}) instead of a line
  --log-format F      json (one JSON object per event) or pretty (one readable line per event;
                      default, json with --json): startup and outages of the RPC, Redis, blobs
  -h, --help          show this help
`;

export const explorerCommand: Command = {
  name: 'explorer',
  summary: 'a web explorer of jobs, disputes and accounts (loss curves, clocks, bisection)',
  usage,
  options: { devnet: { type: 'string' }, network: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' }, 'log-format': { type: 'string' } },
  async run(args, io) {
    expectPositionals(args, [], 'explorer');
    const port = portFlag(args.values.port, '--port', 'explorer') ?? 8080;
    // the same profiles and chain-id check as every chain-facing command, before anything is served
    const net = await resolvedNetworkFromFlags(args);
    const { log } = serviceLogger(io, logFormatFlag(args.values['log-format'], !!args.values.json, 'explorer'), 'explorer');
    const stopSignal = firstSignal();
    const ex = await startExplorer({ net, port, host: args.values.host as string | undefined, log }).catch((e) => {
      throw new UserError(`explorer: ${(e as Error).message}`);
    });
    io.stdout.write(args.values.json ? toJson({ url: ex.url }) + '\n' : `explorer at ${ex.url} (chain ${net.chainId}, ${net.rpcUrl}); Ctrl-C stops it\n`);
    await stopSignal;
    log('explorer-stopping', {});
    await ex.stop();
    return 0;
  },
};

// `optrain solver start`: the long-running solver (watch the market, claim, train through the
// BullMQ queue, commit, finalize, withdraw, defend disputes) until SIGINT/SIGTERM.
import { join } from 'node:path';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { startSolver, type SolverRole } from '../../solver/start.ts';
import { parseSolverTamper } from '../../commitments/tamper.ts';
import { BACKEND_HELP, BACKEND_OPTIONS, backendFromFlags } from '../backend-flags.ts';
import { firstSignal } from '../signals.ts';
import { expectPositionals, portFlag, positiveIntFlag, type Command } from '../command.ts';
import { NETWORK_HELP, NETWORK_OPTIONS, networkFromFlags } from './job-network.ts';
import { LOG_FORMAT_HELP, logFormatFlag, serviceLogger } from '../service-log.ts';
import { Wallet } from 'ethers';

const ROLES: SolverRole[] = ['all', 'watch', 'train'];

const usage = `Usage: optrain solver start [options]

Run a solver until interrupted: watch the JobMarket for jobs, claim the ones this machine
can run exactly as posted, train them through the BullMQ queue on the devnet's Redis
(checkpoints in a content-addressed blob store served over HTTP; a crashed worker's job is
retried and resumes from its last checkpoint), commit the result, finalize, withdraw, and
defend disputes.

Options:
  --role R            all (default), watch (chain side only: claim/commit/serve blobs) or
                      train (a queue worker only; run more of them to use more cores)
  --data-dir DIR      checkpoint blobs and dataset cache (default .optrain/solver-<address>);
                      watch and train processes of one machine share it
  --blob-url URL      (--role train on another machine) upload checkpoints to the solver's
                      blob server at URL (printed by its solver-started event)
  --blob-port N       port of the blob server (default: any free port)
  --public-url URL    the address verifiers reach this solver's blob server at (behind a
                      proxy or NAT), announced on chain with every claimed job and result
                      (default: the server's own http://127.0.0.1:PORT)
  --tamper SPEC       cheat in one precise way, for adversarial tests (docs/TAMPER.md), e.g.
                      'kind=flip,step=3,op=12,elem=0,bit=30'
  --max-jobs N        claim at most N jobs at a time (counted until each is committed); open
                      jobs beyond that are left to other solvers or claimed when one commits
  --poll-ms N         chain polling interval (default 500)
  --lock-ms N         queue lock duration: a dead worker's job is retried after this
                      (default 30000)
  --queue-suffix S    use a separate training queue (isolates test runs)
${BACKEND_HELP}
${NETWORK_HELP}
                      (--json: one JSON object per event, one per line)
  --metrics-port P    serve Prometheus metrics at http://127.0.0.1:P/metrics (0: any free port)
${LOG_FORMAT_HELP}
  -h, --help          show this help
`;

function publicUrlFlag(value: string | boolean | undefined, cmd: string): string | undefined {
  if (value === undefined) return undefined;
  const s = String(value).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(s)) throw new UsageError(`optrain ${cmd}: --public-url: expected an http(s) URL like http://203.0.113.7:8080, got '${value}'`);
  return s;
}

export const solverStartCommand: Command = {
  name: 'solver start',
  summary: 'run a solver: claim jobs, train, commit, defend disputes',
  usage,
  options: {
    ...NETWORK_OPTIONS, ...BACKEND_OPTIONS,
    role: { type: 'string' }, 'data-dir': { type: 'string' }, tamper: { type: 'string' },
    'poll-ms': { type: 'string' }, 'max-jobs': { type: 'string' }, 'lock-ms': { type: 'string' }, 'queue-suffix': { type: 'string' }, 'blob-url': { type: 'string' }, 'public-url': { type: 'string' }, 'blob-port': { type: 'string' },
    'metrics-port': { type: 'string' }, 'log-format': { type: 'string' },
  },
  async run(args, io) {
    const cmd = 'solver start';
    expectPositionals(args, [], cmd);
    const v = args.values;
    const role = (v.role as string | undefined) ?? 'all';
    if (!ROLES.includes(role as SolverRole)) throw new UsageError(`optrain ${cmd}: --role: expected one of ${ROLES.join(', ')}, got '${role}'`);
    if (v.tamper !== undefined) parseSolverTamper(String(v.tamper)); // fail fast on a bad spec
    const { info, privateKey } = await networkFromFlags(args, cmd, 'solver');
    const backend = await backendFromFlags(args, cmd, io);
    const address = new Wallet(privateKey).address;
    const lockMs = positiveIntFlag(v['lock-ms'], '--lock-ms', cmd);
    const { log } = serviceLogger(io, logFormatFlag(v['log-format'], !!v.json, cmd), 'solver');
    const metricsPort = portFlag(v['metrics-port'], '--metrics-port', cmd);
    const stopSignal = firstSignal(); // from here on: a signal during startup stops too
    const solver = await startSolver({
      net: info, privateKey, role: role as SolverRole, backend, log,
      dataDir: (v['data-dir'] as string | undefined) ?? join('.optrain', `solver-${address.slice(2, 10).toLowerCase()}`),
      tamper: v.tamper as string | undefined,
      pollMs: positiveIntFlag(v['poll-ms'], '--poll-ms', cmd),
      maxJobs: positiveIntFlag(v['max-jobs'], '--max-jobs', cmd),
      timings: lockMs ? { lockDurationMs: lockMs, stalledIntervalMs: Math.max(250, Math.floor(lockMs / 2)) } : undefined,
      queueSuffix: v['queue-suffix'] as string | undefined,
      blobUrl: v['blob-url'] as string | undefined,
      metricsPort,
      publicUrl: publicUrlFlag(v['public-url'], cmd),
      blobPort: positiveIntFlag(v['blob-port'], '--blob-port', cmd),
    }).catch((e) => {
      throw e instanceof UserError ? e : new UserError((e as Error).message);
    });
    if (solver.metricsUrl) log('metrics-serving', { url: solver.metricsUrl });
    await stopSignal;
    log('solver-stopping', { address });
    await solver.stop();
    return 0;
  },
};

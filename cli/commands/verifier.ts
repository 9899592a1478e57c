// `optrain verifier start`: the long-running watchdog (check committed results by sampled
// replay, challenge what does not reproduce, play the dispute, withdraw) until SIGINT/SIGTERM.
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { parseTamper } from '../../commitments/tamper.ts';
import { DEFAULT_SAMPLE_RATE, startVerifier } from '../../verifier/start.ts';
import { BACKEND_HELP, BACKEND_OPTIONS, backendFromFlags } from '../backend-flags.ts';
import { firstSignal } from '../signals.ts';
import { expectPositionals, portFlag, positiveIntFlag, type Command } from '../command.ts';
import { NETWORK_HELP, NETWORK_OPTIONS, networkFromFlags } from './job-network.ts';
import { LOG_FORMAT_HELP, logFormatFlag, serviceLogger } from '../service-log.ts';

const usage = `Usage: optrain verifier start [options]

Run a verifier until interrupted. For every committed result it draws the committed states
(leaves: one every hashInterval steps) to check from the hash of the first block after the
commit (randomness the solver could not know when it committed), fetches the solver's
committed state hashes and checkpoints (every byte checked against its hash and against the
committed stepsRoot; withheld data is replayed around, from init if necessary), replays the
sampled intervals up to their leaves and checks the final model hash. On a mismatch it challenges and plays the dispute game down to the
one-step verification, then withdraws the slashed stake share, its bond and the jackpot
payout. A solver that refuses its checkpoints is challenged too (data availability).
State is kept in the data directory, so a restarted verifier resumes its disputes.

Options:
  --sample-rate R     fraction of leaves (intervals) to replay, in (0, 1] (default ${DEFAULT_SAMPLE_RATE});
                      1 replays everything
  --data-dir DIR      state, dispute files and dataset cache
                      (default .optrain/verifier-<address>)
  --tolerate-withheld do not challenge a solver that refuses checkpoints when the replay
                      from earlier data reproduces its result
  --tamper SPEC       adversarial tests only: 'kind=grief' challenges honest results and
                      plays with false claims (docs/TAMPER.md)
  --poll-ms N         chain polling interval (default 500)
  --fetch-timeout-s N total time allowed for one read from a solver's blob server (default
                      $OPTRAIN_FETCH_TIMEOUT_MS / 1000, else 60); a slower read counts as unavailable
  --max-blob-bytes N  largest blob of unknown size read from a solver (default
                      $OPTRAIN_MAX_BLOB_BYTES, else 1 GiB; checkpoints must be their exact state size)
  --check-concurrency N  committed results checked at once (default 2); disputes never wait for them
${BACKEND_HELP}
${NETWORK_HELP}
                      (--json: one JSON object per event, one per line)
  --metrics-port P    serve Prometheus metrics at http://127.0.0.1:P/metrics (0: any free port)
${LOG_FORMAT_HELP}
  -h, --help          show this help
`;

function sampleRateFlag(value: string | boolean | undefined, cmd: string): number {
  if (value === undefined) return DEFAULT_SAMPLE_RATE;
  const s = String(value), r = Number(s);
  if (!/^[0-9.eE+-]+$/.test(s) || !(r > 0 && r <= 1)) throw new UsageError(`optrain ${cmd}: --sample-rate: expected a number in (0, 1], got '${s}'`);
  return r;
}

const seconds = (s: number | undefined) => (s === undefined ? undefined : s * 1000);

export const verifierStartCommand: Command = {
  name: 'verifier start',
  summary: 'run a verifier: replay sampled steps, challenge, play disputes, withdraw',
  usage,
  options: {
    ...NETWORK_OPTIONS, ...BACKEND_OPTIONS,
    'sample-rate': { type: 'string' }, 'data-dir': { type: 'string' }, tamper: { type: 'string' },
    'tolerate-withheld': { type: 'boolean' }, 'poll-ms': { type: 'string' },
    'fetch-timeout-s': { type: 'string' }, 'max-blob-bytes': { type: 'string' }, 'check-concurrency': { type: 'string' },
    'metrics-port': { type: 'string' }, 'log-format': { type: 'string' },
  },
  async run(args, io) {
    const cmd = 'verifier start';
    expectPositionals(args, [], cmd);
    const v = args.values;
    const sampleRate = sampleRateFlag(v['sample-rate'], cmd);
    if (v.tamper !== undefined) parseTamper(String(v.tamper), 'verifier'); // fail fast on a bad spec
    const { info, privateKey } = await networkFromFlags(args, cmd, 'verifier');
    const backend = await backendFromFlags(args, cmd, io);
    const address = new Wallet(privateKey).address;
    const { log } = serviceLogger(io, logFormatFlag(v['log-format'], !!v.json, cmd), 'verifier');
    const metricsPort = portFlag(v['metrics-port'], '--metrics-port', cmd);
    const stopSignal = firstSignal(); // from here on: a signal during startup stops too
    const verifier = await startVerifier({
      net: info, privateKey, backend, log, sampleRate,
      dataDir: (v['data-dir'] as string | undefined) ?? join('.optrain', `verifier-${address.slice(2, 10).toLowerCase()}`),
      tamper: v.tamper as string | undefined,
      challengeWithheld: !v['tolerate-withheld'],
      pollMs: positiveIntFlag(v['poll-ms'], '--poll-ms', cmd),
      fetchTimeoutMs: seconds(positiveIntFlag(v['fetch-timeout-s'], '--fetch-timeout-s', cmd)),
      maxBlobBytes: positiveIntFlag(v['max-blob-bytes'], '--max-blob-bytes', cmd),
      checkConcurrency: positiveIntFlag(v['check-concurrency'], '--check-concurrency', cmd),
      metricsPort,
    }).catch((e) => {
      throw e instanceof UserError ? e : new UserError((e as Error).message);
    });
    if (verifier.metricsUrl) log('metrics-serving', { url: verifier.metricsUrl });
    await stopSignal;
    log('verifier-stopping', { address });
    await verifier.stop();
    return 0;
  },
};

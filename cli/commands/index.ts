// Every CLI command, in the order `optrain --help` lists them. Later commands (job submit,
// solver start, verifier start, devnet, demo) add a file under cli/commands/ and a line here.
// Commands that pull in heavy libraries (ethers, bullmq, ioredis) are registered lazily with
// their name and summary repeated here; cli.test.ts checks the copies match the modules.
import { lazyCommand, type CommandEntry } from '../command.ts';
import { generateCommand } from './generate.ts';
import { inspectCommand } from './inspect.ts';
import { traceCommand } from './trace.ts';
import { trainCommand } from './train.ts';

export const COMMANDS: CommandEntry[] = [
  trainCommand,
  traceCommand,
  inspectCommand,
  generateCommand,
  lazyCommand('devnet up', 'start anvil, redis-server and a blob server; deploy the contracts (--l2: an OP Stack L1/L2 pair)', async () => (await import('./devnet.ts')).devnetUpCommand),
  lazyCommand('devnet down', 'stop the devnet started by devnet up', async () => (await import('./devnet.ts')).devnetDownCommand),
  lazyCommand('deploy', "deploy the contracts to a network profile's chain and record their addresses", async () => (await import('./deploy.ts')).deployCommand),
  lazyCommand('bridge deposit', 'move ETH from L1 to the OP Stack L2 (sdk depositETH) and wait for it on L2', async () => (await import('./bridge.ts')).bridgeDepositCommand),
  lazyCommand('bridge withdraw', 'move ETH from the OP Stack L2 to L1: initiate, prove, finalize (resumable)', async () => (await import('./bridge.ts')).bridgeWithdrawCommand),
  lazyCommand('bridge status', "an account's L1/L2 balances and its withdrawals' progress", async () => (await import('./bridge.ts')).bridgeStatusCommand),
  lazyCommand('job submit', 'pin a job spec and post it with an escrowed reward', async () => (await import('./job-submit.ts')).jobSubmitCommand),
  lazyCommand('job status', "a job's on-chain status, commitment and training progress", async () => (await import('./job-status.ts')).jobStatusCommand),
  lazyCommand('job fetch-model', "download a finalized job's model and check its hash against the chain", async () => (await import('./job-fetch-model.ts')).jobFetchModelCommand),
  lazyCommand('solver start', 'run a solver: claim jobs, train, commit, defend disputes', async () => (await import('./solver.ts')).solverStartCommand),
  lazyCommand('verifier start', 'run a verifier: replay sampled steps, challenge, play disputes, withdraw', async () => (await import('./verifier.ts')).verifierStartCommand),
  lazyCommand('account new', 'create a new key in an encrypted JSON keystore', async () => (await import('./account.ts')).accountNewCommand),
  lazyCommand('account import', 'encrypt an existing private key into a keystore', async () => (await import('./account.ts')).accountImportCommand),
  lazyCommand('account list', 'list the keystores and their addresses', async () => (await import('./account.ts')).accountListCommand),
  lazyCommand('econ', "a market's economics: cheater profit, verifier earnings, equilibrium", async () => (await import('./econ.ts')).econCommand),
  lazyCommand('econ simulate', 'Monte-Carlo check of the econ formulas; CSV + SVG of cheater profit vs sample rate', async () => (await import('./econ.ts')).econSimulateCommand),
  lazyCommand('explorer', 'a web explorer of jobs, disputes and accounts (loss curves, clocks, bisection)', async () => (await import('./explorer.ts')).explorerCommand),
  lazyCommand('demo', 'a fresh devnet: an honest job paid, a cheating solver caught and slashed', async () => (await import('./demo.ts')).demoCommand),
];

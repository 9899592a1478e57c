// `optrain deploy --network NAME`: deploy JobMarket, OneStepProver and DisputeGame to the
// network of a profile and write their addresses into that profile (chain/networks.ts).
import { Wallet } from 'ethers';
import { DEFAULT_TIME_BANK, deployContracts } from '../../chain/deploy.ts';
import { findNetwork, rulesOf, saveDeployment } from '../../chain/networks.ts';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { durationFlag, signerKeyFromFlags, toJson } from './job-network.ts';

const usage = `Usage: optrain deploy --network NAME [options]

Deploy optrain's contracts (JobMarket, OpSemanticsExt, OneStepProver, DisputeGame wired together, and the DataAnnouncer) to the
network of profile NAME and write their addresses and the deployment block into the profile
(./optrain.networks.json for a built-in profile, else the file that defines it). The RPC must
serve the profile's chainId; fees respect its gas.maxFeeGwei and each transaction waits for
its confirmations. Devnets deploy in 'optrain devnet up'.

Options:
  --network NAME      the profile (required), e.g. op-sepolia
  --keystore FILE     sign with this keystore (password from $OPTRAIN_PASSWORD or a prompt)
  --private-key KEY   sign with this key instead (or OPTRAIN_PRIVATE_KEY)
  --time-bank T       each side's dispute clock (default 1d; 600, 10m, 2h, 1d)
  --json              machine-readable output on stdout
  -h, --help          show this help
`;

export const deployCommand: Command = {
  name: 'deploy',
  summary: "deploy the contracts to a network profile's chain and record their addresses",
  usage,
  options: { network: { type: 'string' }, keystore: { type: 'string' }, 'private-key': { type: 'string' }, 'time-bank': { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const cmd = 'deploy';
    expectPositionals(args, [], cmd);
    const name = args.values.network as string | undefined;
    if (!name) throw new UsageError(`optrain ${cmd}: --network NAME is required`);
    const timeBank = Number(durationFlag(args.values['time-bank'], '--time-bank', cmd, `${DEFAULT_TIME_BANK}`));
    const { profile } = findNetwork(name);
    if (profile.devnetFile !== undefined) throw new UserError(`network '${name}': its contracts come from its devnet file; 'optrain devnet up' deploys them`);
    const key = await signerKeyFromFlags(args, cmd, []);
    const d = await deployContracts(profile.rpcUrl, key, { via: 'ethers', timeBank, rules: rulesOf(profile) }).catch((e) => {
      const msg = (e as Error).message.split('\n')[0];
      throw e instanceof UserError ? e : new UserError(msg.startsWith('network ') ? msg : `deploy to network '${name}': ${msg}`);
    });
    const file = saveDeployment(name, { contracts: d.contracts, startBlock: d.startBlock, timeBank: d.timeBank });
    const out = { network: name, chainId: profile.chainId, deployer: new Wallet(key).address, ...d.contracts, startBlock: d.startBlock, timeBank: d.timeBank, profile: file };
    io.stdout.write(args.values.json ? toJson(out) + '\n' : table(Object.entries(out).map(([k, v]) => [k, String(v)])));
    return 0;
  },
};

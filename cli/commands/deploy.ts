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
  --forced-error-rate P  forced errors (docs/PROTOCOL.md §12): P a fraction (1/64, 0.5%,
                      0.015625) or a count of 2^16 (1024); default 0 (off) or
                      $OPTRAIN_FORCED_ERROR_RATE (a count)
  --forced-finders N  a forced error found by more than N accounts pays none of them
                      (PROTOCOL §12.4: set it to the number of verifiers; default 0, no limit)
  --json              machine-readable output on stdout
  -h, --help          show this help
`;

export const deployCommand: Command = {
  name: 'deploy',
  summary: "deploy the contracts to a network profile's chain and record their addresses",
  usage,
  options: { network: { type: 'string' }, keystore: { type: 'string' }, 'private-key': { type: 'string' }, 'time-bank': { type: 'string' }, 'forced-error-rate': { type: 'string' }, 'forced-finders': { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const cmd = 'deploy';
    expectPositionals(args, [], cmd);
    const name = args.values.network as string | undefined;
    if (!name) throw new UsageError(`optrain ${cmd}: --network NAME is required`);
    const timeBank = Number(durationFlag(args.values['time-bank'], '--time-bank', cmd, `${DEFAULT_TIME_BANK}`));
    const forcedErrorRate = forcedErrorRateFlag(args.values['forced-error-rate'], cmd);
    const forcedFinders = forcedFindersFlag(args.values['forced-finders'], cmd);
    const { profile } = findNetwork(name);
    if (profile.devnetFile !== undefined) throw new UserError(`network '${name}': its contracts come from its devnet file; 'optrain devnet up' deploys them`);
    const key = await signerKeyFromFlags(args, cmd, []);
    const d = await deployContracts(profile.rpcUrl, key, { via: 'ethers', timeBank, forcedErrorRate, forcedFinders, rules: rulesOf(profile) }).catch((e) => {
      const msg = (e as Error).message.split('\n')[0];
      throw e instanceof UserError ? e : new UserError(msg.startsWith('network ') ? msg : `deploy to network '${name}': ${msg}`);
    });
    const file = saveDeployment(name, { contracts: d.contracts, startBlock: d.startBlock, timeBank: d.timeBank });
    const out = { network: name, chainId: profile.chainId, deployer: new Wallet(key).address, ...d.contracts, startBlock: d.startBlock, timeBank: d.timeBank, forcedErrorRate: d.forcedErrorRate, forcedFinders: d.forcedFinders, profile: file };
    io.stdout.write(args.values.json ? toJson(out) + '\n' : table(Object.entries(out).map(([k, v]) => [k, String(v)])));
    return 0;
  },
};

const RATE_ONE = 1n << 16n; // JobMarket's FORCED_ERROR_RATE is a count of 2^16
const RATE_EXPECTED = 'a fraction in [0, 1] (1/64, 0.5%, 0.015625) or a count of 2^16 in 2..65536 (1024)';

/**
 * --forced-error-rate P as JobMarket's FORCED_ERROR_RATE (of 2^16), or undefined when absent.
 * A value up to 1 is a fraction (so 1 means every job; the smallest rate is 1/65536), an
 * integer from 2 up is a count of 2^16; a fraction is rounded to the nearest count, and one
 * that rounds to 0 is refused rather than silently turning forced errors off.
 */
export function forcedErrorRateFlag(value: string | boolean | undefined, cmd: string): bigint | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  const bad = (why = '') => new UsageError(`optrain ${cmd}: --forced-error-rate: expected ${RATE_EXPECTED}, got '${s}'${why}`);
  let num: bigint, den: bigint; // the value as the exact fraction num/den
  const m = /^([0-9]+)(?:\.([0-9]+))?(%?)$/.exec(s) ?? /^([0-9]+)\/([0-9]+)()$/.exec(s);
  if (!m || s.length > 40) throw bad();
  if (s.includes('/')) [num, den] = [BigInt(m[1]), BigInt(m[2])];
  else [num, den] = [BigInt(m[1] + (m[2] ?? '')), 10n ** BigInt((m[2] ?? '').length) * (m[3] ? 100n : 1n)];
  if (den === 0n) throw bad(' (division by zero)');
  if (num > den) {
    // above 1: a count of 2^16, written as a plain integer
    if (s.includes('/') || s.includes('.') || s.includes('%')) throw bad(' (a fraction above 1)');
    if (num > RATE_ONE) throw bad(' (a count above 2^16)');
    return num;
  }
  const count = (num * RATE_ONE * 2n + den) / (2n * den); // round half up
  if (num > 0n && count === 0n) throw bad(' (rounds to 0 of 2^16; the smallest rate is 1/65536)');
  return count;
}

/** --forced-finders N as JobMarket's FORCED_FINDERS (0: no limit), or undefined when absent. */
export function forcedFindersFlag(value: string | boolean | undefined, cmd: string): bigint | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!/^[0-9]{1,10}$/.test(s) || BigInt(s) > 0xffffffffn) throw new UsageError(`optrain ${cmd}: --forced-finders: expected a whole number of finders in 0..4294967295 (0: no limit), got '${s}'`);
  return BigInt(s);
}

/** A market's forced errors for people: "1024/65536 (p = 0.015625), at most 3 paid finders" or "off". */
export function forcedErrorRateText(rate: bigint, finders = 0n): string {
  if (rate === 0n) return 'off (p = 0)';
  return `${rate}/65536 (p = ${Number(rate) / 65536}), ${finders === 0n ? 'no limit on' : `at most ${finders}`} paid finders`;
}

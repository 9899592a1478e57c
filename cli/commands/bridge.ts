// `optrain bridge deposit|withdraw|status`: ETH between an OP Stack L2 and its L1 (the devnet
// of `optrain devnet up --l2`, or a profile with an `l1`), through @eth-optimism/sdk
// (packages/op-bridge). Progress lines go to stderr; the result (or --json) to stdout.
// The network: --network NAME, else the devnet file of --devnet FILE, else op-devnet.
import { join, dirname } from 'node:path';
import { formatEther } from 'ethers';
import { checkChains, describeCost, openSession, readWithdrawals, type BridgeSession } from '../../chain/op-bridge.ts';
import { withdraw } from '../../chain/op-withdraw.ts';
import { ChainError } from '../../chain/errors.ts';
import { UserError } from '../../jobs/errors.ts';
import { expectPositionals, type Command, type Io, type ParsedArgs } from '../command.ts';
import { table } from '../format.ts';
import { durationFlag, ethFlag, NETWORK_HELP, NETWORK_OPTIONS, networkFromFlags, toJson } from './job-network.ts';

const OPTIONS = { ...NETWORK_OPTIONS, state: { type: 'string' as const }, timeout: { type: 'string' as const } };
const STATE_HELP = `  --state FILE        withdrawal state file (default withdrawals.json next to --devnet FILE,
                      else .optrain/withdrawals.json)`;
const BRIDGE_NETWORK_HELP = NETWORK_HELP.replace(/default devnet\)/, 'default op-devnet,\n                      or the devnet file of --devnet FILE)');

function stateFile(args: ParsedArgs): string {
  const devnet = args.values.devnet as string | undefined;
  return (args.values.state as string | undefined) ?? join(devnet ? dirname(devnet) : '.optrain', 'withdrawals.json');
}

/** Open a bridge session for the command's account; chain errors become one-line user errors. */
async function withSession<T>(args: ParsedArgs, cmd: string, f: (s: BridgeSession) => Promise<T>): Promise<T> {
  // An explicit devnet file is the 'devnet' profile's source; without one the OP devnet's file.
  const network = (args.values.network as string | undefined) ?? (args.values.devnet !== undefined ? 'devnet' : 'op-devnet');
  const net = await networkFromFlags({ ...args, values: { ...args.values, network } }, cmd, 'solver');
  const s = openSession(net.info, net.privateKey, `network '${network}' (${net.info.source})`);
  try {
    return await f(s);
  } catch (e) {
    if (e instanceof ChainError || e instanceof UserError) throw new UserError(`optrain ${cmd}: ${e.message}`);
    throw new UserError(`optrain ${cmd}: ${((e as Error).message ?? String(e)).split('\n')[0].slice(0, 300)}`);
  } finally {
    s.close();
  }
}

const progressTo = (io: Io) => (line: string) => io.stderr.write(`${line}\n`);

export const bridgeDepositCommand: Command = {
  name: 'bridge deposit',
  summary: 'move ETH from L1 to the OP Stack L2 (sdk depositETH) and wait for it on L2',
  usage: `Usage: optrain bridge deposit --amount ETH [options]

Deposit ETH from L1 into the L2 through L1StandardBridge (@eth-optimism/sdk depositETH) and
wait until the L2 balance shows it. Needs a devnet started with 'optrain devnet up --l2'.

Options:
  --amount ETH        amount to deposit, e.g. 2
  --timeout T         how long to wait for the L2 (default 2m)
${BRIDGE_NETWORK_HELP}
`,
  options: { ...OPTIONS, amount: { type: 'string' } },
  async run(args, io) {
    expectPositionals(args, [], 'bridge deposit');
    const amount = ethFlag(args.values.amount, '--amount', 'bridge deposit');
    const timeoutMs = Number(durationFlag(args.values.timeout, '--timeout', 'bridge deposit', '2m')) * 1000;
    const r = await withSession(args, 'bridge deposit', async (s) => (await import('../../chain/op-bridge.ts')).deposit(s, amount, progressTo(io), timeoutMs));
    io.stdout.write(args.values.json ? toJson(r) + '\n' : table([
      ['account', r.account],
      ['deposited', `${formatEther(r.amountWei)} ETH`],
      ['L1 tx', `${r.l1.hash}: ${describeCost(r.l1)}`],
      ['L2 deposit tx', r.l2RelayTx],
      ['balances', `L1 ${formatEther(r.l1BalanceWei)} ETH, L2 ${formatEther(r.l2BalanceWei)} ETH`],
    ]));
    return 0;
  },
};

export const bridgeWithdrawCommand: Command = {
  name: 'bridge withdraw',
  summary: 'move ETH from the OP Stack L2 to L1: initiate, prove, finalize (resumable)',
  usage: `Usage: optrain bridge withdraw [--amount ETH] [options]

Withdraw ETH from the L2 to L1: initiate on L2 (L2StandardBridge), wait for an output
proposal covering it, prove it on L1 (OptimismPortal), wait out the finalization window, and
finalize on L1. Every step is recorded in the state file as soon as it is mined; running the
command again (without --amount) continues the account's pending withdrawal.

Options:
  --amount ETH        amount to withdraw (starts a new withdrawal)
  --timeout T         stop waiting after T (default 10m; the withdrawal stays resumable)
${STATE_HELP}
${BRIDGE_NETWORK_HELP}
`,
  options: { ...OPTIONS, amount: { type: 'string' } },
  async run(args, io) {
    expectPositionals(args, [], 'bridge withdraw');
    const amountWei = args.values.amount === undefined ? undefined : ethFlag(args.values.amount, '--amount', 'bridge withdraw');
    const timeoutMs = Number(durationFlag(args.values.timeout, '--timeout', 'bridge withdraw', '10m')) * 1000;
    const file = stateFile(args);
    const r = await withSession(args, 'bridge withdraw', (s) => withdraw(s, { amountWei, stateFile: file, timeoutMs }, progressTo(io)));
    const w = r.withdrawal;
    io.stdout.write(args.values.json ? toJson({ ...r, stateFile: file }) + '\n' : table([
      ['account', w.account],
      ['withdrawal', `${formatEther(w.amountWei)} ETH: ${r.done ? 'finalized on L1' : `${w.status} (run again to continue)`}`],
      ['L2 initiate', `${w.initiate.hash}: ${describeCost(w.initiate)}`],
      ['L1 prove', w.prove ? `${w.prove.hash}: ${describeCost(w.prove)}` : '-'],
      ['L1 finalize', w.finalize ? `${w.finalize.hash}: ${describeCost(w.finalize)}` : '-'],
      ['balances', `L1 ${formatEther(r.l1BalanceWei)} ETH, L2 ${formatEther(r.l2BalanceWei)} ETH`],
      ['state file', file],
    ]));
    return 0;
  },
};

export const bridgeStatusCommand: Command = {
  name: 'bridge status',
  summary: "an account's L1/L2 balances and its withdrawals' progress",
  usage: `Usage: optrain bridge status [options]

Show the account's balances on L1 and L2 and the live status of every withdrawal recorded in
the state file (STATE_ROOT_NOT_PUBLISHED, READY_TO_PROVE, IN_CHALLENGE_PERIOD, READY_FOR_RELAY,
RELAYED).

Options:
${STATE_HELP}
${BRIDGE_NETWORK_HELP}
`,
  options: OPTIONS,
  async run(args, io) {
    expectPositionals(args, [], 'bridge status');
    const file = stateFile(args);
    const r = await withSession(args, 'bridge status', async (s) => {
      await checkChains(s);
      const mine = readWithdrawals(file).filter((w) => w.l2ChainId === s.net.chainId && w.account.toLowerCase() === s.address.toLowerCase());
      const withdrawals = [];
      for (const w of mine) withdrawals.push({ ...w, status: await s.bridge.withdrawalStatus(w.initiate.hash) });
      return { account: s.address, l1BalanceWei: await s.l1.getBalance(s.address), l2BalanceWei: await s.l2.getBalance(s.address), withdrawals };
    });
    io.stdout.write(args.values.json ? toJson({ ...r, stateFile: file }) + '\n' : table([
      ['account', r.account],
      ['balances', `L1 ${formatEther(r.l1BalanceWei)} ETH, L2 ${formatEther(r.l2BalanceWei)} ETH`],
      ...r.withdrawals.map((w, i): [string, string] => [`withdrawal ${i + 1}`, `${formatEther(w.amountWei)} ETH ${w.status} (L2 tx ${w.initiate.hash})`]),
      ...(r.withdrawals.length ? [] : [['withdrawals', 'none recorded'] as [string, string]]),
    ]));
    return 0;
  },
};

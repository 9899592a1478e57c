// DEVNET STAND-IN process (`optrain devnet up --l2`): the deposit relayer and output proposer of
// chain/op-standins.ts, run detached until `optrain devnet down` stops it by pid.
// argv: <config.json> written by chain/devnet-l2.ts.
import { readFileSync } from 'node:fs';
import { makeProvider } from './client.ts';
import { runStandins } from './op-standins.ts';
import type { OpL1Contracts } from './op-stack.ts';

interface StandinConfig {
  l1RpcUrl: string;
  l2RpcUrl: string;
  contracts: OpL1Contracts;
  proposerKey: string;
  fees: { baseFeeScalar: number; blobBaseFeeScalar: number };
  fromBlock: number;
}

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as StandinConfig;
const abort = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => abort.abort());
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
log(`devnet stand-ins (NOT op-node/op-proposer): relaying deposits from L1 block ${cfg.fromBlock}, proposing outputs to ${cfg.contracts.l2OutputOracle}`);
await runStandins({ l1: makeProvider(cfg.l1RpcUrl, 200), l2: makeProvider(cfg.l2RpcUrl, 200), contracts: cfg.contracts, proposerKey: cfg.proposerKey, fees: cfg.fees, fromBlock: cfg.fromBlock, log }, abort.signal);
process.exit(0);

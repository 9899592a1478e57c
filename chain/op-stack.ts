// The OP Stack bridge contracts on a local L1/L2 anvil pair, from the published artifacts of
// @eth-optimism/contracts-bedrock (forge-artifacts/, bytecode + ABI; no compilation here).
//   L1: SuperchainConfig, SystemConfig, L2OutputOracle, OptimismPortal, L1CrossDomainMessenger,
//       L1StandardBridge, each an implementation behind a Proxy initialised in one
//       upgradeToAndCall (every implementation's constructor initialises it with zeros, so the
//       implementations themselves can never be used directly).
//   L2: the predeploys at their canonical 0x4200… addresses via anvil_setCode (none of them has
//       immutables), then initialised in place: L2CrossDomainMessenger and L2StandardBridge learn
//       their L1 peers, L1Block gets the L1 fee parameters that GasPriceOracle reads.
// ethers v6 only: the sdk (ethers v5) lives in packages/op-bridge and never deploys anything.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { AbiCoder, Contract, ContractFactory, Interface, JsonRpcProvider, Wallet, concat, keccak256, toBeHex, zeroPadValue, type InterfaceAbi } from 'ethers';
import { REPO_ROOT } from './artifacts.ts';

/** contracts-bedrock is packages/op-bridge's dependency: resolve it from there (hoisted or not). */
export function bedrockArtifactsDir(): string {
  try {
    return join(dirname(createRequire(join(REPO_ROOT, 'packages/op-bridge/package.json')).resolve('@eth-optimism/contracts-bedrock/package.json')), 'forge-artifacts');
  } catch {
    throw new Error('@eth-optimism/contracts-bedrock is not installed (a dependency of packages/op-bridge): run npm install');
  }
}

export const PREDEPLOYS = {
  L2CrossDomainMessenger: '0x4200000000000000000000000000000000000007',
  GasPriceOracle: '0x420000000000000000000000000000000000000F',
  L2StandardBridge: '0x4200000000000000000000000000000000000010',
  L1Block: '0x4200000000000000000000000000000000000015',
  L2ToL1MessagePasser: '0x4200000000000000000000000000000000000016',
} as const;

/** The L2's system account: only it may write L1Block's values (op-node's first tx of every L2 block). */
export const DEPOSITOR_ACCOUNT = '0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001';

export interface OpL1Contracts {
  superchainConfig: string;
  systemConfig: string;
  l2OutputOracle: string;
  optimismPortal: string;
  l1CrossDomainMessenger: string;
  l1StandardBridge: string;
}

export interface OpStackConfig {
  /** L2 blocks between two proposed outputs. */
  submissionInterval: number;
  /** Seconds from an output's proposal (and a withdrawal's proof) until withdrawals may finalize. */
  finalizationPeriodSeconds: number;
  /** Who may propose outputs (the devnet proposer stand-in's account). */
  proposer: string;
  challenger: string;
  /** L1 data fee parameters (Ecotone/Fjord): OP Mainnet's scalars by default. */
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
}

/** OP Mainnet's Ecotone scalars (SystemConfig on L1 since March 2024). */
export const OP_MAINNET_SCALARS = { baseFeeScalar: 5227, blobBaseFeeScalar: 1_014_213 };

/** ResourceMetering's default (Constants.DEFAULT_RESOURCE_CONFIG in contracts-bedrock). */
const DEFAULT_RESOURCE_CONFIG = {
  maxResourceLimit: 20_000_000,
  elasticityMultiplier: 10,
  baseFeeMaxChangeDenominator: 8,
  minimumBaseFee: 1_000_000_000,
  systemTxMaxGas: 1_000_000,
  maximumBaseFee: (1n << 128n) - 1n,
};
const L2_GAS_LIMIT = 30_000_000;
const ZERO = '0x0000000000000000000000000000000000000000';

interface BedrockArtifact {
  abi: InterfaceAbi;
  bytecode: { object: string };
  deployedBytecode: { object: string };
}

const cache = new Map<string, BedrockArtifact>();

export function bedrockArtifact(name: string): BedrockArtifact {
  let a = cache.get(name);
  if (!a) {
    const file = join(bedrockArtifactsDir(), `${name}.sol`, `${name}.json`);
    try {
      a = JSON.parse(readFileSync(file, 'utf8')) as BedrockArtifact;
    } catch (e) {
      throw new Error(`OP Stack artifact ${name} not readable at ${file} (is @eth-optimism/contracts-bedrock installed? run npm install): ${(e as Error).message}`);
    }
    cache.set(name, a);
  }
  return a;
}

export const bedrockInterface = (name: string): Interface => new Interface(bedrockArtifact(name).abi);

/** Deploy one artifact's creation code (no constructor arguments unless given). */
async function deployArtifact(name: string, signer: Wallet, args: unknown[] = []): Promise<string> {
  const a = bedrockArtifact(name);
  const c = await new ContractFactory(a.abi, a.bytecode.object, signer).deploy(...args);
  await c.waitForDeployment();
  return c.getAddress();
}

/**
 * Deploy the L1 side. `l2StartBlock` anchors the output oracle at the L2's current head.
 * Every transaction waits for its receipt, so the deployer's nonces stay in order.
 */
export async function deployOpL1(l1: JsonRpcProvider, deployerKey: string, cfg: OpStackConfig, l2StartBlock: number): Promise<OpL1Contracts> {
  const deployer = new Wallet(deployerKey, l1);
  const names = ['SuperchainConfig', 'SystemConfig', 'L2OutputOracle', 'OptimismPortal', 'L1CrossDomainMessenger', 'L1StandardBridge'] as const;
  const proxies: Record<string, string> = {};
  for (const n of names) proxies[n] = await deployArtifact('Proxy', deployer, [deployer.address]);
  const p = proxies as Record<(typeof names)[number], string>;
  const init: Record<(typeof names)[number], unknown[]> = {
    SuperchainConfig: [deployer.address, false],
    SystemConfig: [
      deployer.address, cfg.baseFeeScalar, cfg.blobBaseFeeScalar, zeroPadValue(deployer.address, 32), L2_GAS_LIMIT, deployer.address,
      DEFAULT_RESOURCE_CONFIG, '0xff00000000000000000000000000000000000901',
      { l1CrossDomainMessenger: p.L1CrossDomainMessenger, l1ERC721Bridge: ZERO, l1StandardBridge: p.L1StandardBridge, disputeGameFactory: ZERO, optimismPortal: p.OptimismPortal, optimismMintableERC20Factory: ZERO, gasPayingToken: ZERO },
    ],
    // startingTimestamp 0: the devnet L2 mines a block per transaction and per idle second, so
    // its blocks have no fixed spacing; anchoring the oracle's block-time arithmetic at 0 keeps
    // computeL2Timestamp(n) in the past and never refuses an output as "from the future".
    L2OutputOracle: [cfg.submissionInterval, 1, l2StartBlock, 0, cfg.proposer, cfg.challenger, cfg.finalizationPeriodSeconds],
    OptimismPortal: [p.L2OutputOracle, p.SystemConfig, p.SuperchainConfig],
    L1CrossDomainMessenger: [p.SuperchainConfig, p.OptimismPortal, p.SystemConfig],
    L1StandardBridge: [p.L1CrossDomainMessenger, p.SuperchainConfig, p.SystemConfig],
  };
  const proxyIface = bedrockInterface('Proxy');
  for (const n of names) {
    const impl = await deployArtifact(n, deployer);
    const data = bedrockInterface(n).encodeFunctionData('initialize', init[n]);
    const proxy = new Contract(p[n], proxyIface, deployer);
    await (await proxy.getFunction('upgradeToAndCall')(impl, data)).wait();
  }
  return {
    superchainConfig: p.SuperchainConfig,
    systemConfig: p.SystemConfig,
    l2OutputOracle: p.L2OutputOracle,
    optimismPortal: p.OptimismPortal,
    l1CrossDomainMessenger: p.L1CrossDomainMessenger,
    l1StandardBridge: p.L1StandardBridge,
  };
}

/** Install the L2 predeploys (code + initialisation) and point them at the L1 contracts. */
export async function installL2Predeploys(l2: JsonRpcProvider, l1: JsonRpcProvider, l1c: OpL1Contracts, cfg: OpStackConfig, funderKey: string): Promise<void> {
  for (const [name, addr] of Object.entries(PREDEPLOYS)) await l2.send('anvil_setCode', [addr, bedrockArtifact(name).deployedBytecode.object]);
  const funder = new Wallet(funderKey, l2);
  const messenger = new Contract(PREDEPLOYS.L2CrossDomainMessenger, bedrockInterface('L2CrossDomainMessenger'), funder);
  await (await messenger.getFunction('initialize')(l1c.l1CrossDomainMessenger)).wait();
  const bridge = new Contract(PREDEPLOYS.L2StandardBridge, bedrockInterface('L2StandardBridge'), funder);
  await (await bridge.getFunction('initialize')(l1c.l1StandardBridge)).wait();
  await updateL1BlockValues(l2, l1, cfg);
  // GasPriceOracle switches formula once, as on a real chain at the Ecotone and Fjord forks.
  await asDepositor(l2, PREDEPLOYS.GasPriceOracle, bedrockInterface('GasPriceOracle').encodeFunctionData('setEcotone'));
  await asDepositor(l2, PREDEPLOYS.GasPriceOracle, bedrockInterface('GasPriceOracle').encodeFunctionData('setFjord'));
}

/**
 * Copy the latest L1 block's number, time, base fee and hash (and the fee scalars) into L1Block,
 * as op-node's L1 attributes deposit does at the start of every L2 block. GasPriceOracle's L1
 * data fee reads these. The blob base fee is anvil's (1 wei without blobs).
 */
export async function updateL1BlockValues(l2: JsonRpcProvider, l1: JsonRpcProvider, cfg: Pick<OpStackConfig, 'baseFeeScalar' | 'blobBaseFeeScalar'>): Promise<void> {
  const block = (await l1.send('eth_getBlockByNumber', ['latest', false])) as { number: string; timestamp: string; baseFeePerGas: string; hash: string };
  const blobBaseFee = BigInt((await l1.send('eth_blobBaseFee', []).catch(() => '0x1')) as string);
  await setL1BlockValues(l2, { number: BigInt(block.number), timestamp: BigInt(block.timestamp), baseFee: BigInt(block.baseFeePerGas), blobBaseFee, hash: block.hash }, cfg);
}

export interface L1Attributes {
  number: bigint;
  timestamp: bigint;
  baseFee: bigint;
  blobBaseFee: bigint;
  hash: string;
}

/** L1Block.setL1BlockValuesEcotone as the depositor (GasPriceOracle's L1 fee inputs). */
export async function setL1BlockValues(l2: JsonRpcProvider, a: L1Attributes, cfg: Pick<OpStackConfig, 'baseFeeScalar' | 'blobBaseFeeScalar'>): Promise<void> {
  // setL1BlockValuesEcotone() takes packed calldata: scalars (u32,u32), sequence (u64), time,
  // number (u64 each), base fee, blob base fee, hash, batcher hash (32 bytes each).
  const data = concat([
    bedrockInterface('L1Block').getFunction('setL1BlockValuesEcotone')!.selector,
    toBeHex(cfg.baseFeeScalar, 4), toBeHex(cfg.blobBaseFeeScalar, 4), toBeHex(0, 8),
    toBeHex(a.timestamp, 8), toBeHex(a.number, 8),
    toBeHex(a.baseFee, 32), toBeHex(a.blobBaseFee, 32), a.hash, toBeHex(0, 32),
  ]);
  await asDepositor(l2, PREDEPLOYS.L1Block, data);
}

/** Only the fee predeploys (L1Block, GasPriceOracle on Fjord): enough for GasPriceOracle.getL1Fee. */
export async function installFeePredeploys(l2: JsonRpcProvider): Promise<void> {
  for (const name of ['L1Block', 'GasPriceOracle'] as const) await l2.send('anvil_setCode', [PREDEPLOYS[name], bedrockArtifact(name).deployedBytecode.object]);
  await asDepositor(l2, PREDEPLOYS.GasPriceOracle, bedrockInterface('GasPriceOracle').encodeFunctionData('setEcotone'));
  await asDepositor(l2, PREDEPLOYS.GasPriceOracle, bedrockInterface('GasPriceOracle').encodeFunctionData('setFjord'));
}

/** A system deposit transaction from the depositor account (no gas price, no signature). */
export async function asDepositor(l2: JsonRpcProvider, to: string, data: string): Promise<void> {
  const hash = (await l2.send('eth_sendTransaction', [{
    type: '0x7e', from: DEPOSITOR_ACCOUNT, to, value: '0x0', mint: '0x0', gas: '0xf4240', data, isSystemTx: false,
    sourceHash: zeroPadValue(toBeHex(BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))), 32),
  }])) as string;
  const r = await l2.waitForTransaction(hash);
  if (!r || r.status !== 1) throw new Error(`L2 system deposit to ${to} failed (tx ${hash})`);
}

/** The output root of an L2 block (Hashing.hashOutputRootProof, version 0). */
export async function outputRootAt(l2: JsonRpcProvider, blockNumber: number): Promise<{ root: string; stateRoot: string; storageRoot: string; blockHash: string }> {
  const tag = toBeHex(blockNumber);
  const block = (await l2.send('eth_getBlockByNumber', [tag, false])) as { stateRoot: string; hash: string };
  const proof = (await l2.send('eth_getProof', [PREDEPLOYS.L2ToL1MessagePasser, [], tag])) as { storageHash: string };
  const encoded = AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes32', 'bytes32', 'bytes32'], [toBeHex(0, 32), block.stateRoot, proof.storageHash, block.hash]);
  return { root: keccak256(encoded), stateRoot: block.stateRoot, storageRoot: proof.storageHash, blockHash: block.hash };
}

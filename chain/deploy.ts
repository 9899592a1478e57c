// Deploy the optrain contracts to a devnet chain: JobMarket (game unset), OpSemanticsExt (the
// repops-3 op semantics), OneStepProver(ext), DisputeGame(market, prover, timeBank), then
// market.setDisputeGame(game), then DataAnnouncer (where solvers say where they serve a job's
// data) — exactly the order of rollup-contracts/script/Deploy.s.sol.
//   via 'script': run that forge script (the authoritative deployment; `optrain devnet up`).
//                 Fast once forge's build cache is warm, slow (solc-js) when it has to compile.
//   via 'ethers': the same transactions from forge's out/ artifacts with ethers (tests: no
//                 compilation, ~0.3 s). Both give the same addresses for the same deployer nonce.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ContractFactory, Contract, Wallet } from 'ethers';
import { ensureBuilt, loadArtifact, REPO_ROOT } from './artifacts.ts';
import { feeOverrides, makeProvider, verifyChainId, type ContractAddresses, type NetworkRules } from './client.ts';

export type GameKind = 'DisputeGame';
export type DeployVia = 'script' | 'ethers';

export const DEPLOY_SCRIPT = 'rollup-contracts/script/Deploy.s.sol';
export const DEFAULT_TIME_BANK = 86_400;

export interface Deployment {
  contracts: ContractAddresses & { oneStepProver: string; opSemanticsExt: string; dataAnnouncer: string };
  gameKind: GameKind;
  timeBank: number;
  startBlock: number;
  /** The market's FORCED_ERROR_RATE (of 2^16; 0: no forced errors). */
  forcedErrorRate: number;
  /** The market's FORCED_FINDERS (0: no limit). */
  forcedFinders: number;
}

/**
 * The market's economic floors on devnets (the defaults of Deploy.s.sol): bond floor = 10M gas at
 * 1 gwei = 0.01 ETH; declared minimum sample rate 25% (the verifier bot's default), so a job
 * needs a stake of at least 6x its reward (JobMarket.minStakeFor). No forced errors unless asked
 * (`forcedErrorRate`, of 2^16: docs/PROTOCOL.md §12) and no limit on a forced error's paid
 * finders unless asked (`forcedFinders`: §12.4).
 */
export const MARKET_CONFIG = { referenceGasPrice: 1_000_000_000n, minSampleRateBps: 2_500n, forcedErrorRate: 0n, forcedFinders: 0n };

export async function deployContracts(rpcUrl: string, deployerKey: string, opts: { via?: DeployVia; timeBank?: number; forcedErrorRate?: bigint; forcedFinders?: bigint; rules?: NetworkRules } = {}): Promise<Deployment> {
  // default: OPTRAIN_FORCED_ERROR_RATE, as the deploy script reads it (0: no forced errors)
  const env = process.env.OPTRAIN_FORCED_ERROR_RATE ?? '0';
  if (opts.forcedErrorRate === undefined && !/^[0-9]{1,6}$/.test(env)) throw new Error(`OPTRAIN_FORCED_ERROR_RATE: expected a count of 2^16 in 0..65536, got '${env}'`);
  const rate = opts.forcedErrorRate ?? BigInt(env);
  if (rate < 0n || rate > 1n << 16n) throw new Error(`forced error rate ${rate}: expected 0..65536 (of 2^16)`);
  const envSeats = process.env.OPTRAIN_FORCED_FINDERS ?? '0';
  if (opts.forcedFinders === undefined && !/^[0-9]{1,10}$/.test(envSeats)) throw new Error(`OPTRAIN_FORCED_FINDERS: expected a whole number of finders (0: no limit), got '${envSeats}'`);
  const seats = opts.forcedFinders ?? BigInt(envSeats);
  if (seats < 0n || seats > 0xffffffffn) throw new Error(`forced finders ${seats}: expected 0..4294967295`);
  const timeBank = opts.timeBank ?? DEFAULT_TIME_BANK;
  if (!Number.isInteger(timeBank) || timeBank < 1 || timeBank >= 2 ** 48) throw new Error(`time bank ${timeBank}: expected whole seconds in [1, 2^48)`);
  const via = opts.via ?? (existsSync(join(REPO_ROOT, DEPLOY_SCRIPT)) ? 'script' : 'ethers');
  const market = { ...MARKET_CONFIG, forcedErrorRate: rate, forcedFinders: seats };
  const d = via === 'script' ? deployWithScript(rpcUrl, deployerKey, timeBank, market) : await deployWithEthers(rpcUrl, deployerKey, timeBank, market, opts.rules ?? {});
  return { ...d, forcedErrorRate: Number(rate), forcedFinders: Number(seats) };
}

type MarketConfig = typeof MARKET_CONFIG;

function deployWithScript(rpcUrl: string, deployerKey: string, timeBank: number, market: MarketConfig): Omit<Deployment, 'forcedErrorRate' | 'forcedFinders'> {
  // foundry.toml lets scripts write under deployments/ only.
  mkdirSync(join(REPO_ROOT, 'deployments'), { recursive: true });
  const out = join('deployments', `.devnet-${process.pid}-${Date.now()}.json`);
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/forge.mjs'), 'script', `${DEPLOY_SCRIPT}:Deploy`, '--rpc-url', rpcUrl, '--broadcast', '--private-key', deployerKey], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, OPTRAIN_DEPLOY_OUT: out, OPTRAIN_TIME_BANK: String(timeBank), OPTRAIN_FORCED_ERROR_RATE: String(market.forcedErrorRate), OPTRAIN_FORCED_FINDERS: String(market.forcedFinders) }, maxBuffer: 1 << 26,
  });
  const outPath = join(REPO_ROOT, out);
  try {
    if (r.status !== 0 || !existsSync(outPath)) throw new Error(`forge script ${DEPLOY_SCRIPT} failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-2000)}`);
    const d = JSON.parse(readFileSync(outPath, 'utf8')) as { jobMarket: string; disputeGame: string; oneStepProver: string; opSemanticsExt: string; dataAnnouncer: string; timeBank: number; startBlock: number };
    return { contracts: { jobMarket: d.jobMarket, disputeGame: d.disputeGame, oneStepProver: d.oneStepProver, opSemanticsExt: d.opSemanticsExt, dataAnnouncer: d.dataAnnouncer }, gameKind: 'DisputeGame', timeBank: d.timeBank, startBlock: d.startBlock };
  } finally {
    rmSync(outPath, { force: true });
  }
}

async function deployWithEthers(rpcUrl: string, deployerKey: string, timeBank: number, marketConfig: MarketConfig, rules: NetworkRules): Promise<Omit<Deployment, 'forcedErrorRate' | 'forcedFinders'>> {
  ensureBuilt(['JobMarket', 'OpSemanticsExt', 'OneStepProver', 'DisputeGame', 'DataAnnouncer']);
  const provider = makeProvider(rpcUrl, 100);
  const deployer = new Wallet(deployerKey, provider);
  // A real network's profile: right chain before signing, fee cap, confirmations.
  const tx = async () => feeOverrides({ provider, rules }, 'deploy');
  const conf = rules.confirmations ?? 1;
  try {
    await verifyChainId(provider, rules);
    const startBlock = await provider.getBlockNumber();
    const market = await deploy('JobMarket', deployer, ['0x0000000000000000000000000000000000000000', marketConfig], await tx(), conf);
    const ext = await deploy('OpSemanticsExt', deployer, [], await tx(), conf);
    const prover = await deploy('OneStepProver', deployer, [await ext.getAddress()], await tx(), conf);
    const game = await deploy('DisputeGame', deployer, [await market.getAddress(), await prover.getAddress(), timeBank], await tx(), conf);
    await (await market.getFunction('setDisputeGame')(await game.getAddress(), await tx())).wait(conf);
    const announcer = await deploy('DataAnnouncer', deployer, [], await tx(), conf);
    return {
      contracts: {
        jobMarket: await market.getAddress(),
        disputeGame: await game.getAddress(),
        oneStepProver: await prover.getAddress(),
        opSemanticsExt: await ext.getAddress(),
        dataAnnouncer: await announcer.getAddress(),
      },
      gameKind: 'DisputeGame',
      timeBank,
      startBlock,
    };
  } finally {
    provider.destroy();
  }
}

async function deploy(name: string, signer: Wallet, args: unknown[], overrides: Record<string, bigint> = {}, confirmations = 1): Promise<Contract> {
  const art = loadArtifact(name);
  const c = await new ContractFactory(art.abi, art.bytecode, signer).deploy(...args, overrides);
  await c.deploymentTransaction()!.wait(confirmations);
  return c as Contract;
}

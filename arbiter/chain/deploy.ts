// Deploy the optrain contracts to a devnet chain.
// Until rollup-contracts/script/Deploy.s.sol (JobMarket + the real DisputeGame) lands, the
// market is wired to the test stand-in JobMarketMockGame: jobs can be posted, claimed,
// committed and finalized, but disputes cannot be played (the mock only records `open`).
import { ContractFactory, Contract, Wallet } from 'ethers';
import { ensureBuilt, loadArtifact } from './artifacts.ts';
import { makeProvider, type ContractAddresses } from './client.ts';

export type GameKind = 'DisputeGame' | 'JobMarketMockGame';

export interface Deployment {
  contracts: ContractAddresses;
  gameKind: GameKind;
}

export async function deployContracts(rpcUrl: string, deployerKey: string): Promise<Deployment> {
  ensureBuilt(['JobMarket', 'JobMarketMockGame']);
  const provider = makeProvider(rpcUrl, 100);
  const deployer = new Wallet(deployerKey, provider);
  try {
    const game = await deploy('JobMarketMockGame', deployer, []);
    const market = await deploy('JobMarket', deployer, [await game.getAddress()]);
    const tx = await game.getFunction('setMarket')(await market.getAddress());
    await tx.wait();
    return { contracts: { jobMarket: await market.getAddress(), disputeGame: await game.getAddress() }, gameKind: 'JobMarketMockGame' };
  } finally {
    provider.destroy();
  }
}

async function deploy(name: string, signer: Wallet, args: unknown[]): Promise<Contract> {
  const art = loadArtifact(name);
  const factory = new ContractFactory(art.abi, art.bytecode, signer);
  const c = await factory.deploy(...args);
  await c.waitForDeployment();
  return c as Contract;
}

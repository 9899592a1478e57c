// optrain's narrow bridge to an OP Stack chain. @eth-optimism/sdk 3.x needs ethers v5, the rest
// of optrain uses ethers v6: this package is the only place v5 exists, and its interface speaks
// plain strings and bigints (no ethers objects cross it). It moves ETH only:
//   deposit (L1 → L2, CrossChainMessenger.depositETH) and waiting for its relay,
//   withdrawal initiate (L2), status, prove and finalize (L1) by the L2 transaction's hash.
import { ethers } from 'ethers';
import { CrossChainMessenger, MessageStatus } from '@eth-optimism/sdk';

export interface BridgeEndpoints {
  l1RpcUrl: string;
  l1ChainId: number;
  l2RpcUrl: string;
  l2ChainId: number;
  /** The account's key; used for both layers (one EOA, the same address on L1 and L2). */
  privateKey: string;
  /** l2OutputOracle: chains proving against outputs (the local devnet); disputeGameFactory: fault-proof chains (OptimismPortal2). */
  contracts: { optimismPortal: string; l1CrossDomainMessenger: string; l1StandardBridge: string; l2OutputOracle?: string; disputeGameFactory?: string };
  pollingIntervalMs?: number;
}

/** A mined transaction as the CLI reports it. */
export interface MinedTx {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  /** gasUsed × effectiveGasPrice: what the sender paid for execution on that layer. */
  executionFee: bigint;
}

export type WithdrawalStatus = 'STATE_ROOT_NOT_PUBLISHED' | 'READY_TO_PROVE' | 'IN_CHALLENGE_PERIOD' | 'READY_FOR_RELAY' | 'RELAYED';
export type DepositStatus = 'UNCONFIRMED_L1_TO_L2_MESSAGE' | 'FAILED_L1_TO_L2_MESSAGE' | 'RELAYED';

export interface Bridge {
  address: string;
  depositETH(amountWei: bigint): Promise<MinedTx>;
  /** Wait until the deposit's message is relayed on L2; returns the L2 relay transaction. */
  waitForDeposit(l1TxHash: string, timeoutMs: number): Promise<{ l2TxHash: string; status: DepositStatus }>;
  withdrawETH(amountWei: bigint): Promise<MinedTx>;
  withdrawalStatus(l2TxHash: string): Promise<WithdrawalStatus>;
  prove(l2TxHash: string): Promise<MinedTx>;
  finalize(l2TxHash: string): Promise<MinedTx>;
  /** The L1 finalization window in seconds (L2OutputOracle.FINALIZATION_PERIOD_SECONDS). */
  challengePeriodSeconds(): Promise<number>;
  close(): void;
}

const ZERO = ethers.constants.AddressZero;

export function openBridge(e: BridgeEndpoints): Bridge {
  const l1 = new ethers.providers.StaticJsonRpcProvider(e.l1RpcUrl, e.l1ChainId);
  const l2 = new ethers.providers.StaticJsonRpcProvider(e.l2RpcUrl, e.l2ChainId);
  l1.pollingInterval = l2.pollingInterval = e.pollingIntervalMs ?? 250;
  const l1Signer = new ethers.Wallet(e.privateKey, l1);
  const l2Signer = new ethers.Wallet(e.privateKey, l2);
  const messenger = new CrossChainMessenger({
    l1ChainId: e.l1ChainId,
    l2ChainId: e.l2ChainId,
    l1SignerOrProvider: l1Signer,
    l2SignerOrProvider: l2Signer,
    bedrock: true,
    contracts: {
      l1: {
        AddressManager: ZERO, StateCommitmentChain: ZERO, CanonicalTransactionChain: ZERO, BondManager: ZERO,
        OptimismPortal: e.contracts.optimismPortal,
        // The sdk picks the proof path by the portal's version (>= 3: fault proofs, via these two).
        OptimismPortal2: e.contracts.optimismPortal,
        L2OutputOracle: e.contracts.l2OutputOracle ?? ZERO,
        DisputeGameFactory: e.contracts.disputeGameFactory ?? ZERO,
        L1CrossDomainMessenger: e.contracts.l1CrossDomainMessenger,
        L1StandardBridge: e.contracts.l1StandardBridge,
      },
    },
  });
  const mined = async (tx: ethers.providers.TransactionResponse): Promise<MinedTx> => {
    const r = await tx.wait();
    if (r.status !== 1) throw new Error(`transaction ${tx.hash} reverted`);
    const gasUsed = r.gasUsed.toBigInt(), price = r.effectiveGasPrice.toBigInt();
    return { hash: r.transactionHash, blockNumber: r.blockNumber, gasUsed, effectiveGasPrice: price, executionFee: gasUsed * price };
  };
  return {
    address: l1Signer.address,
    // The sdk estimates gas through the provider without a sender unless told one: the
    // zero address has no funds, so name the sender.
    depositETH: async (amount) => mined(await messenger.depositETH(amount.toString(), { overrides: { from: l1Signer.address } as ethers.Overrides })),
    async waitForDeposit(l1TxHash, timeoutMs) {
      const receipt = await messenger.waitForMessageReceipt(l1TxHash, { timeoutMs, pollIntervalMs: e.pollingIntervalMs ?? 250 });
      const status = receipt.receiptStatus === 1 ? 'RELAYED' : 'FAILED_L1_TO_L2_MESSAGE';
      return { l2TxHash: receipt.transactionReceipt.transactionHash, status };
    },
    withdrawETH: async (amount) => mined(await messenger.withdrawETH(amount.toString(), { overrides: { from: l2Signer.address } as ethers.Overrides })),
    async withdrawalStatus(l2TxHash) {
      const s = await messenger.getMessageStatus(l2TxHash);
      const name = MessageStatus[s] as string;
      if (!['STATE_ROOT_NOT_PUBLISHED', 'READY_TO_PROVE', 'IN_CHALLENGE_PERIOD', 'READY_FOR_RELAY', 'RELAYED'].includes(name))
        throw new Error(`transaction ${l2TxHash} is not an L2 → L1 withdrawal (status ${name})`);
      return name as WithdrawalStatus;
    },
    prove: async (l2TxHash) => mined(await messenger.proveMessage(l2TxHash)),
    finalize: async (l2TxHash) => mined(await messenger.finalizeMessage(l2TxHash)),
    challengePeriodSeconds: () => messenger.getChallengePeriodSeconds(),
    close() {
      l1.removeAllListeners();
      l2.removeAllListeners();
    },
  };
}

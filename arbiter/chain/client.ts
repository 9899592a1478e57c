// A connection to the optrain contracts: provider, optional signer, JobMarket (and the dispute
// game's interface, so errors bubbling up from the game decode too). Actions live one per file
// in ./actions and take a ChainClient as their first argument.
import { Contract, Interface, JsonRpcProvider, Wallet, type ContractTransactionReceipt, type TransactionReceipt } from 'ethers';
import { loadInterface, hasArtifact } from './artifacts.ts';
import { decodeRevert, ChainError } from './errors.ts';

export interface ContractAddresses {
  jobMarket: string;
  disputeGame: string;
}

export interface ChainClient {
  provider: JsonRpcProvider;
  signer?: Wallet;
  addresses: ContractAddresses;
  market: Contract; // connected to the signer when there is one
  marketIface: Interface;
  gameIface?: Interface;
  /** Every interface whose custom errors may appear in a revert from our calls. */
  errorIfaces: Interface[];
  /** Serialises this client's transactions so concurrent callers never race on nonces. */
  txQueue: { tail: Promise<unknown> };
}

export interface ClientOptions {
  rpcUrl: string;
  contracts: ContractAddresses;
  privateKey?: string;
  /** Dispute game artifact name (default DisputeGame); its ABI decodes game errors and events. */
  gameArtifact?: string;
  pollingIntervalMs?: number;
}

export function makeProvider(rpcUrl: string, pollingIntervalMs = 250): JsonRpcProvider {
  const p = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: pollingIntervalMs });
  return p;
}

export function createClient(opts: ClientOptions): ChainClient {
  const provider = makeProvider(opts.rpcUrl, opts.pollingIntervalMs);
  const signer = opts.privateKey ? new Wallet(opts.privateKey, provider) : undefined;
  const marketIface = loadInterface('JobMarket');
  const gameName = opts.gameArtifact ?? 'DisputeGame';
  const gameIface = hasArtifact(gameName) ? loadInterface(gameName) : undefined;
  const market = new Contract(opts.contracts.jobMarket, marketIface, signer ?? provider);
  return {
    provider,
    signer,
    addresses: opts.contracts,
    market,
    marketIface,
    gameIface,
    errorIfaces: gameIface ? [marketIface, gameIface] : [marketIface],
    txQueue: { tail: Promise.resolve() },
  };
}

/** The same connection with another signer (e.g. the submitter and the solver in one test). */
export function withSigner(c: ChainClient, privateKey: string): ChainClient {
  const signer = new Wallet(privateKey, c.provider);
  return { ...c, signer, market: c.market.connect(signer) as Contract, txQueue: { tail: Promise.resolve() } };
}

export function requireSigner(c: ChainClient, what: string): Wallet {
  if (!c.signer) throw new ChainError(`${what} needs a signer: pass a private key (--private-key or OPTRAIN_PRIVATE_KEY) or --account N`);
  return c.signer;
}

export interface TxResult {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
}

/**
 * Send `contract.method(...args)` from the client's signer and wait for it to be mined.
 * Reverts (at estimation or on chain) become a ChainError naming the call and custom error.
 */
export async function sendTx(c: ChainClient, contract: Contract, method: string, args: unknown[], value?: bigint): Promise<TxResult> {
  const what = `${contractLabel(c, contract)}.${method}(${args.map(shortArg).join(', ')})`;
  requireSigner(c, what);
  const run = async (): Promise<TxResult> => {
    try {
      const fn = contract.getFunction(method);
      const overrides = value !== undefined ? { value } : {};
      // An exact estimate can run out of gas when the tx lands a second later: gas may depend on
      // block.timestamp (the dispute game's chess clock rewrites its storage only when time has
      // passed). Headroom costs nothing; only gas used is paid.
      const estimate = await fn.estimateGas(...args, overrides);
      const tx = await fn(...args, { ...overrides, gasLimit: estimate + estimate / 4n + 10_000n });
      const receipt = (await tx.wait()) as ContractTransactionReceipt | null;
      if (!receipt) throw new ChainError(`${what}: transaction ${tx.hash} was dropped`);
      return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, receipt };
    } catch (e) {
      throw decodeRevert(e, what, c.errorIfaces);
    }
  };
  const next = c.txQueue.tail.then(run, run);
  c.txQueue.tail = next.catch(() => undefined);
  return next;
}

/** Read-only call with the same error decoding. */
export async function callView<T>(c: ChainClient, contract: Contract, method: string, args: unknown[] = []): Promise<T> {
  try {
    return (await contract.getFunction(method).staticCall(...args)) as T;
  } catch (e) {
    throw decodeRevert(e, `${contractLabel(c, contract)}.${method}(${args.map(shortArg).join(', ')})`, c.errorIfaces);
  }
}

function contractLabel(c: ChainClient, contract: Contract): string {
  const addr = String(contract.target).toLowerCase();
  if (addr === c.addresses.jobMarket.toLowerCase()) return 'JobMarket';
  if (addr === c.addresses.disputeGame.toLowerCase()) return 'DisputeGame';
  return addr;
}

function shortArg(a: unknown): string {
  if (typeof a === 'bigint' || typeof a === 'number') return String(a);
  if (typeof a === 'string') return a.length > 20 ? `${a.slice(0, 10)}…` : a;
  return '{…}';
}

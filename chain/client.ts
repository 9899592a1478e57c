// A connection to the optrain contracts: provider, optional signer, JobMarket (and the dispute
// game's interface, so errors bubbling up from the game decode too). Actions live one per file
// in ./actions and take a ChainClient as their first argument.
import { Contract, formatUnits, Interface, JsonRpcProvider, Network, parseUnits, Wallet, type ContractTransactionReceipt, type TransactionReceipt } from 'ethers';
import { loadInterface, hasArtifact } from './artifacts.ts';
import { decodeRevert, ChainError } from './errors.ts';

export interface ContractAddresses {
  jobMarket: string;
  disputeGame: string;
  /** Where solvers announce their data (absent on deployments older than it). */
  dataAnnouncer?: string;
}

export interface ChainClient {
  provider: JsonRpcProvider;
  signer?: Wallet;
  addresses: ContractAddresses;
  market: Contract; // connected to the signer when there is one
  announcer?: Contract; // DataAnnouncer, connected likewise
  marketIface: Interface;
  gameIface?: Interface;
  /** Every interface whose custom errors may appear in a revert from our calls. */
  errorIfaces: Interface[];
  /** Told about every transaction sendTx saw mined (metrics: gas and ETH spent). */
  onTx?: (r: TxResult, value?: bigint) => void;
  /** The network profile's rules for this connection (chain.ts checks them before signing). */
  rules: NetworkRules;
}

export interface NetworkRules {
  /** Profile name for error messages. */
  network?: string;
  /** The chain id the RPC must report before anything is signed. */
  chainId?: number;
  /** Blocks on top of a transaction before its receipt counts (default 1). */
  confirmations?: number;
  /** Cap on maxFeePerGas, in gwei. */
  maxFeeGwei?: number;
}

export interface ClientOptions {
  rpcUrl: string;
  contracts: ContractAddresses;
  privateKey?: string;
  /** Dispute game artifact name (default DisputeGame); its ABI decodes game errors and events. */
  gameArtifact?: string;
  pollingIntervalMs?: number;
  /**
   * The chain id, when known: the provider then never asks the node for it, so a node that is
   * down at startup is an ordinary failed request (no "failed to detect network" retry loop).
   */
  chainId?: number;
  /** Chain id check, confirmations and fee cap of the network profile. */
  rules?: NetworkRules;
}

export function makeProvider(rpcUrl: string, pollingIntervalMs = 250, chainId?: number): JsonRpcProvider {
  const network = chainId === undefined ? undefined : Network.from(chainId);
  const p = new JsonRpcProvider(rpcUrl, network, { staticNetwork: network ?? true, cacheTimeout: -1, pollingInterval: pollingIntervalMs });
  return p;
}

export function createClient(opts: ClientOptions): ChainClient {
  const provider = makeProvider(opts.rpcUrl, opts.pollingIntervalMs, opts.chainId ?? opts.rules?.chainId);
  const signer = opts.privateKey ? new Wallet(opts.privateKey, provider) : undefined;
  const marketIface = loadInterface('JobMarket');
  const gameName = opts.gameArtifact ?? 'DisputeGame';
  const gameIface = hasArtifact(gameName) ? loadInterface(gameName) : undefined;
  const market = new Contract(opts.contracts.jobMarket, marketIface, signer ?? provider);
  const announcer = opts.contracts.dataAnnouncer ? new Contract(opts.contracts.dataAnnouncer, loadInterface('DataAnnouncer'), signer ?? provider) : undefined;
  return {
    provider,
    signer,
    addresses: opts.contracts,
    market,
    announcer,
    marketIface,
    gameIface,
    errorIfaces: gameIface ? [marketIface, gameIface] : [marketIface],
    rules: opts.rules ?? {},
  };
}

const verified = new WeakMap<JsonRpcProvider, Promise<void>>();

/**
 * The RPC must serve the profile's chain: asked once per connection, before the first
 * signature (a key signing for the wrong chain could be replayed there). A mismatch or an
 * unreachable RPC is one line naming the network; nothing is sent.
 */
export function checkChainId(c: ChainClient): Promise<void> {
  return verifyChainId(c.provider, c.rules);
}

export function verifyChainId(provider: JsonRpcProvider, rules: NetworkRules): Promise<void> {
  const want = rules.chainId;
  if (want === undefined) return Promise.resolve();
  let p = verified.get(provider);
  if (!p) {
    const name = rules.network ? `network '${rules.network}'` : 'network';
    const url = provider._getConnection().url;
    p = (async () => {
      let got: bigint;
      try {
        got = BigInt((await withTimeout(provider.send('eth_chainId', []), 15_000)) as string);
      } catch (e) {
        throw new ChainError(`${name}: RPC ${url} is unreachable (${oneLine(e)}); nothing sent`);
      }
      if (got !== BigInt(want)) throw new ChainError(`${name}: RPC ${url} serves chain id ${got}, the profile expects ${want}; nothing sent`);
    })();
    verified.set(provider, p);
    p.catch(() => verified.delete(provider)); // an RPC that was down may come back
  }
  return p;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function oneLine(e: unknown): string {
  const o = e as { code?: string; message?: string; error?: { message?: string } };
  return (o?.error?.message ?? o?.message ?? String(e)).split('\n')[0].slice(0, 200);
}

/** maxFeePerGas / maxPriorityFeePerGas under the profile's cap (none without a cap). */
export async function feeOverrides(c: { provider: JsonRpcProvider; rules: NetworkRules }, what: string): Promise<Record<string, bigint>> {
  if (c.rules.maxFeeGwei === undefined) return {};
  const cap = parseUnits(c.rules.maxFeeGwei.toFixed(9), 'gwei');
  const [fd, block] = await Promise.all([c.provider.getFeeData(), c.provider.getBlock('latest')]);
  const base = block?.baseFeePerGas ?? 0n;
  if (base > cap) throw new ChainError(`${what}: the base fee is ${formatUnits(base, 'gwei')} gwei, above the network's gas.maxFeeGwei ${c.rules.maxFeeGwei}; nothing sent`);
  const maxFee = fd.maxFeePerGas !== null && fd.maxFeePerGas < cap ? fd.maxFeePerGas : cap;
  const tip = fd.maxPriorityFeePerGas ?? 0n;
  return { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip < maxFee - base ? tip : maxFee - base };
}

/** The same connection with another signer (e.g. the submitter and the solver in one test). */
export function withSigner(c: ChainClient, privateKey: string): ChainClient {
  const signer = new Wallet(privateKey, c.provider);
  return { ...c, signer, market: c.market.connect(signer) as Contract, announcer: c.announcer?.connect(signer) as Contract | undefined };
}

export function requireSigner(c: ChainClient, what: string): Wallet {
  if (!c.signer) throw new ChainError(`${what} needs a signer: pass a private key (--private-key or OPTRAIN_PRIVATE_KEY) or --account N`);
  return c.signer;
}

export interface TxResult {
  method?: string;
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
}

/**
 * Send `contract.method(...args)` from the client's signer and wait for it to be mined.
 * Reverts (at estimation or on chain) become a ChainError naming the call and custom error.
 * One signer's transactions are serialised within the process (every client of that key
 * shares one queue), and a nonce taken by another process is retried with a fresh one.
 */
export async function sendTx(c: ChainClient, contract: Contract, method: string, args: unknown[], value?: bigint): Promise<TxResult> {
  const what = `${contractLabel(c, contract)}.${method}(${args.map(shortArg).join(', ')})`;
  const signer = requireSigner(c, what);
  await checkChainId(c);
  const once = async (): Promise<TxResult> => {
    const fn = contract.getFunction(method);
    const overrides = { ...(value !== undefined ? { value } : {}), ...(await feeOverrides(c, what)) };
    // An exact estimate can run out of gas when the tx lands a second later: gas may depend on
    // block.timestamp (the dispute game's chess clock rewrites its storage only when time has
    // passed). Headroom costs nothing; only gas used is paid.
    const estimate = await fn.estimateGas(...args, overrides);
    // The wallet reads the pending nonce afresh for every send (no nonce cache to go stale).
    const tx = await fn(...args, { ...overrides, gasLimit: estimate + estimate / 4n + 10_000n });
    const receipt = (await tx.wait(c.rules.confirmations ?? 1)) as ContractTransactionReceipt | null;
    if (!receipt) throw new ChainError(`${what}: transaction ${tx.hash} was dropped`);
    const result = { method, hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, receipt };
    c.onTx?.(result, value);
    return result;
  };
  const run = async (): Promise<TxResult> => {
    try {
      return await retryNonce(once, what);
    } catch (e) {
      throw decodeRevert(e, what, c.errorIfaces);
    }
  };
  return serialise(`${c.addresses.jobMarket}:${signer.address}`.toLowerCase(), run);
}

const NONCE_ATTEMPTS = 16;

/**
 * Another process sending from the same key can take the nonce between our read and our send
 * (NONCE_EXPIRED, or a same-nonce replacement): the transaction never entered the pool, so
 * sending it again with the next pending nonce is safe. Jittered backoff spreads the racers.
 */
async function retryNonce<T>(f: () => Promise<T>, what: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (!isNonceError(e)) throw e;
      if (attempt >= NONCE_ATTEMPTS)
        throw new ChainError(`${what}: nonce still taken after ${NONCE_ATTEMPTS} attempts: another process keeps sending from this account; send from one process or use separate accounts`);
      await new Promise((r) => setTimeout(r, Math.min(25 * attempt, 400) + Math.random() * Math.min(100 * attempt, 800)));
    }
  }
}

function isNonceError(e: unknown): boolean {
  const o = e as { code?: string; message?: string; error?: { message?: string } } | null;
  if (o?.code === 'NONCE_EXPIRED' || o?.code === 'REPLACEMENT_UNDERPRICED') return true;
  // Node errors ethers could not classify (UNKNOWN_ERROR) carry the RPC's own message inside.
  // "already imported/known": another process signed the byte-identical transaction (same call,
  // same nonce); that one is theirs, ours still has to go out with the next nonce.
  const text = `${o?.message ?? ''} ${o?.error?.message ?? ''}`;
  return /nonce too low|nonce has already been used|already known|already imported|replacement transaction underpriced/i.test(text);
}

/** Per-key promise chains: one signer's sends run one after another in this process. */
const queues = new Map<string, Promise<unknown>>();

function serialise<T>(key: string, f: () => Promise<T>): Promise<T> {
  const next = (queues.get(key) ?? Promise.resolve()).then(f, f);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  // Drop the entry once idle so the map does not grow with every key ever used.
  void tail.then(() => queues.get(key) === tail && queues.delete(key));
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
  if (addr === c.addresses.dataAnnouncer?.toLowerCase()) return 'DataAnnouncer';
  return addr;
}

function shortArg(a: unknown): string {
  if (typeof a === 'bigint' || typeof a === 'number') return String(a);
  if (typeof a === 'string') return a.length > 20 ? `${a.slice(0, 10)}…` : a;
  return '{…}';
}

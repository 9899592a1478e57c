// Network profiles on a real anvil: `optrain deploy --network N` deploys and writes the
// addresses into ./optrain.networks.json; `job submit --network N` then posts on it, honouring
// the profile's confirmations and fee cap; an unknown network, a chain id the RPC does not
// serve, an RPC that is down and a fee cap under the base fee are one-line errors with
// nothing sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, id, parseUnits } from 'ethers';
import { freePort, startAnvil, stopPid, type AnvilProcess } from '../chain/processes.ts';
import { BUILT_IN_NETWORKS, readNetworksFile } from '../chain/networks.ts';
import { writeTinyJob } from './helpers/tiny-job.ts';

const BIN = join(import.meta.dirname, '../bin/optrain.mjs');
let dir: string, anvil: AnvilProcess, provider: JsonRpcProvider, downUrl: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optrain-networks-'));
  anvil = await startAnvil({ dir, detached: false });
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true });
  downUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const profiles = [
    { name: 'local', chainId: anvil.chainId, rpcUrl: anvil.rpcUrl, confirmations: 3, gas: { maxFeeGwei: 40 } },
    { name: 'wrong-id', chainId: 11155420, rpcUrl: anvil.rpcUrl, contracts: { jobMarket: `0x${'11'.repeat(20)}`, disputeGame: `0x${'22'.repeat(20)}` } },
    { name: 'down', chainId: anvil.chainId, rpcUrl: downUrl },
  ];
  writeFileSync(join(dir, 'optrain.networks.json'), JSON.stringify({ networks: profiles }, null, 2));
});
after(async () => {
  provider?.destroy();
  await stopPid(anvil?.pid);
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI in the project dir, asynchronously (anvil is a child of this process). */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), OPTRAIN_DEVNET: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { status, stdout, stderr };
}

const deployer = () => anvil.accounts[0];

async function nothingSentBy(address: string, f: () => Promise<void>): Promise<void> {
  const [nonce, balance] = [await provider.getTransactionCount(address), await provider.getBalance(address)];
  await f();
  assert.equal(await provider.getTransactionCount(address), nonce, 'no transaction sent');
  assert.equal(await provider.getBalance(address), balance, 'nothing spent');
}

test('built-in profiles: public chain ids and the OP Stack L1 contracts', () => {
  const by = Object.fromEntries(BUILT_IN_NETWORKS.map((p) => [p.name, p]));
  assert.deepEqual(['devnet', 'op-devnet', 'op-sepolia', 'optimism', 'base'].map((n) => by[n] !== undefined), [true, true, true, true, true]);
  assert.deepEqual([by['op-sepolia'].chainId, by.optimism.chainId, by.base.chainId], [11155420, 10, 8453]);
  assert.deepEqual([by['op-sepolia'].l1!.chainId, by.optimism.l1!.chainId, by.base.l1!.chainId], [11155111, 1, 1]);
  for (const n of ['op-sepolia', 'optimism', 'base']) for (const k of ['optimismPortal', 'l1StandardBridge', 'l1CrossDomainMessenger', 'disputeGameFactory']) assert.match(String(by[n].l1![k]), /^0x[0-9a-fA-F]{40}$/, `${n}.l1.${k}`);
});

test('bad networks are one line and send nothing: unknown name, wrong chain id, RPC down', async () => {
  await nothingSentBy(deployer().address, async () => {
    const key = { OPTRAIN_PRIVATE_KEY: deployer().privateKey };
    const unknown = await cli(['deploy', '--network', 'nope'], key);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^optrain: error: unknown network 'nope' \(known: devnet, op-devnet, op-sepolia, optimism, base, local, wrong-id, down; add it to \.\/optrain\.networks\.json or .*\)\n$/);
    const wrong = await cli(['deploy', '--network', 'wrong-id'], key);
    assert.equal(wrong.status, 1);
    assert.equal(wrong.stderr, `optrain: error: network 'wrong-id': RPC ${anvil.rpcUrl} serves chain id ${anvil.chainId}, the profile expects 11155420; nothing sent\n`);
    const badSeats = await cli(['deploy', '--network', 'local', '--forced-error-rate', '1/64', '--forced-finders', '-1'], key);
    assert.equal(badSeats.status, 2);
    assert.equal(badSeats.stderr, "optrain deploy: --forced-finders: expected a whole number of finders in 0..4294967295 (0: no limit), got '-1'\n");
    const down = await cli(['deploy', '--network', 'down'], key);
    assert.equal(down.status, 1);
    assert.match(down.stderr, new RegExp(`^optrain: error: network 'down': RPC ${downUrl} is unreachable \\(.*\\); nothing sent\\n$`));
    const status = await cli(['job', 'status', '1', '--network', 'wrong-id']);
    assert.equal(status.status, 1);
    assert.match(status.stderr, /^optrain: error: network 'wrong-id': RPC .* serves chain id 31337, the profile expects 11155420; nothing sent\n$/);
  });
});

test('deploy --network writes the addresses into the profile; job submit --network honours confirmations and the fee cap', async () => {
  const d = await cli(['deploy', '--network', 'local', '--forced-error-rate', '0.5%', '--forced-finders', '2', '--json'], { OPTRAIN_PRIVATE_KEY: deployer().privateKey });
  assert.equal(d.status, 0, d.stderr);
  const out = JSON.parse(d.stdout) as { jobMarket: string; disputeGame: string; oneStepProver: string; opSemanticsExt: string; dataAnnouncer: string; forcedErrorRate: number; forcedFinders: number; profile: string };
  assert.deepEqual([out.forcedErrorRate, out.forcedFinders], [328, 2], '0.5% of 2^16, rounded');
  assert.equal(BigInt(await provider.call({ to: out.jobMarket, data: id('FORCED_ERROR_RATE()').slice(0, 10) })), 328n);
  assert.equal(BigInt(await provider.call({ to: out.jobMarket, data: id('FORCED_FINDERS()').slice(0, 10) })), 2n);
  const local = readNetworksFile(join(dir, 'optrain.networks.json')).find((p) => p.name === 'local')!;
  const deployed = { jobMarket: out.jobMarket, disputeGame: out.disputeGame, oneStepProver: out.oneStepProver, opSemanticsExt: out.opSemanticsExt, dataAnnouncer: out.dataAnnouncer };
  assert.deepEqual(local.contracts, deployed);
  for (const a of Object.values(deployed)) assert.notEqual(await provider.getCode(a), '0x', `code at ${a}`);
  const jobFile = writeTinyJob(join(dir, 'job'), { steps: 4 });
  const submitter = anvil.accounts[1];
  const sub = await cli(['job', 'submit', jobFile, '--network', 'local', '--reward', '0.01', '--stake', '0.1', '--json'], { OPTRAIN_PRIVATE_KEY: submitter.privateKey });
  assert.equal(sub.status, 0, sub.stderr);
  const r = JSON.parse(sub.stdout) as { jobId: string; tx: string };
  assert.equal(r.jobId, '1');
  const [tx, receipt] = [await provider.getTransaction(r.tx), await provider.getTransactionReceipt(r.tx)];
  assert.ok(tx!.maxFeePerGas! <= parseUnits('40', 'gwei'), `maxFeePerGas ${tx!.maxFeePerGas} under the 40 gwei cap`);
  // the command returned only once the receipt had 3 confirmations
  assert.ok((await provider.getBlockNumber()) >= receipt!.blockNumber + 2, 'three confirmations');
});

test('a fee cap under the base fee is one line and nothing is sent', async () => {
  const file = join(dir, 'optrain.networks.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { networks: { name: string; gas?: { maxFeeGwei: number } }[] };
  const local = json.networks.find((p) => p.name === 'local')!;
  json.networks.push({ ...local, name: 'capped', gas: { maxFeeGwei: 0.000000001 } });
  writeFileSync(file, JSON.stringify(json));
  const submitter = anvil.accounts[1];
  await nothingSentBy(submitter.address, async () => {
    const r = await cli(['job', 'submit', writeTinyJob(join(dir, 'job2'), { steps: 4 }), '--network', 'capped', '--reward', '0.01', '--stake', '0.1'], { OPTRAIN_PRIVATE_KEY: submitter.privateKey });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^optrain: error: JobMarket\.postJob\(.*\): the base fee is [0-9.]+ gwei, above the network's gas\.maxFeeGwei 1e-9; nothing sent\n$/);
  });
});

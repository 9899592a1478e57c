// The OP Stack devnet end to end through the CLI, on real anvils (L1 + L2 --network optimism)
// on free ports: `devnet up --l2`, deposit 2 ETH with the sdk, withdraw 1 ETH through the
// output proposal, prove and finalize (interrupted once and resumed from the state file), and
// every wei on both layers: what each layer's transactions cost, the deposit minted on L2, the
// ETH locked in and released from OptimismPortal. Bad amounts are one-line errors with no
// transaction sent (the account's nonce does not move).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Transaction, parseEther } from 'ethers';
import { isAlive, killPid, stopPid } from '../chain/processes.ts';
import { l1FeeOfBytes } from '../chain/op-bridge.ts';
import type { DevnetInfo } from '../chain/devnet.ts';
import { inProcessCli } from './helpers/cli-inproc.ts';

const dir = mkdtempSync(join(tmpdir(), 'optrain-l2-'));
const file = join(dir, 'devnet.json');
let info: DevnetInfo | undefined;
after(() => {
  for (const pid of Object.values(info?.pids ?? {})) killPid(pid); // only if the test failed before devnet down
  rmSync(dir, { recursive: true, force: true });
});

const { cli, ok } = inProcessCli(file);

test('devnet up --l2, deposit 2 ETH, withdraw 1 ETH through prove/finalize: every wei on both layers', { timeout: 180_000 }, async () => {
  const up = await ok('devnet', 'up', '--l2', '--deploy', 'ethers', '--finalization-period', '6');
  info = JSON.parse(readFileSync(file, 'utf8')) as DevnetInfo;
  assert.equal(up.chainId, 901);
  assert.equal(info.l1?.chainId, 900);
  const l1 = new JsonRpcProvider(info.l1!.rpcUrl, undefined, { staticNetwork: true });
  const l2 = new JsonRpcProvider(info.rpcUrl, undefined, { staticNetwork: true });
  try {
    const me = info.accounts[2].address; // the bridge commands' default account (the solver)
    const portal = info.l1!.optimismPortal;
    assert.equal((await l2.getCode('0x4200000000000000000000000000000000000016')).length > 2, true, 'L2ToL1MessagePasser predeployed');
    assert.ok((await l2.getCode(info.contracts.jobMarket)).length > 2, "optrain's JobMarket on the L2");

    // Amounts above the balance: one line, nothing sent.
    const l1Nonce = await l1.getTransactionCount(me), l2Nonce = await l2.getTransactionCount(me);
    const [tooMuch, tooMuchOut] = await Promise.all([cli('bridge', 'deposit', '--amount', '20000'), cli('bridge', 'withdraw', '--amount', '20000')]);
    assert.equal(tooMuch.status, 1);
    assert.match(tooMuch.stderr, /^optrain bridge deposit: deposit of 20000\.0 ETH is above the L1 balance [\d.]+ ETH of 0x[0-9a-fA-F]{40} \(gas comes on top\); nothing sent\n$/);
    assert.equal(tooMuchOut.status, 1);
    assert.match(tooMuchOut.stderr, /^optrain bridge withdraw: withdrawal of 20000\.0 ETH is above the L2 balance [\d.]+ ETH .*nothing sent\n$/);
    assert.equal(await l1.getTransactionCount(me), l1Nonce);
    assert.equal(await l2.getTransactionCount(me), l2Nonce);

    // Deposit: L1 pays amount + L1 gas, L2 receives exactly the amount, the portal holds it.
    const l1Start = await l1.getBalance(me), l2Start = await l2.getBalance(me), portalStart = await l1.getBalance(portal);
    const dep = await ok('bridge', 'deposit', '--amount', '2');
    assert.equal(dep.amountWei, parseEther('2').toString());
    assert.equal(BigInt(dep.l1.executionFeeWei), BigInt(dep.l1.gasUsed) * BigInt(dep.l1.gasPriceWei));
    const l1AfterDeposit = l1Start - parseEther('2') - BigInt(dep.l1.executionFeeWei);
    assert.equal(await l1.getBalance(me), l1AfterDeposit);
    assert.equal(await l2.getBalance(me), l2Start + parseEther('2'));
    assert.equal(await l1.getBalance(portal), portalStart + parseEther('2'));

    // Withdraw, interrupted after a second (timeout), then resumed from the state file.
    const first = await ok('bridge', 'withdraw', '--amount', '1', '--timeout', '1');
    assert.equal(first.done, false);
    assert.notEqual(first.withdrawal.status, 'RELAYED');
    const init = first.withdrawal.initiate;
    assert.equal(BigInt(init.executionFeeWei), BigInt(init.gasUsed) * BigInt(init.gasPriceWei));
    // The L1 data fee reported is GasPriceOracle's for this very transaction (unsigned, at its
    // block), and the L2 (op-revm) charged exactly that on top of execution.
    const tx = (await l2.getTransaction(init.hash))!;
    assert.equal(BigInt(init.l1DataFeeWei), await l1FeeOfBytes(l2, Transaction.from(tx).unsignedSerialized, tx.blockNumber!));
    assert.ok(BigInt(init.l1DataFeeWei) > 0n, 'the L2 knows the L1 base fee (L1Block set by the stand-in)');
    const l2AfterWithdraw = l2Start + parseEther('2') - parseEther('1') - BigInt(init.executionFeeWei) - BigInt(init.l1DataFeeWei);
    assert.equal(await l2.getBalance(me), l2AfterWithdraw, 'L2: the amount, the execution fee and the L1 data fee');

    const resumed = await ok('bridge', 'withdraw');
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.done, true);
    const w = resumed.withdrawal;
    assert.equal(w.status, 'RELAYED');
    assert.equal(w.initiate.hash, init.hash);
    assert.equal(await l1.getBalance(me), l1AfterDeposit + parseEther('1') - BigInt(w.prove.executionFeeWei) - BigInt(w.finalize.executionFeeWei));
    assert.equal(await l2.getBalance(me), l2AfterWithdraw);
    assert.equal(await l1.getBalance(portal), portalStart + parseEther('1'), 'the portal released exactly 1 ETH');

    const [status, again] = await Promise.all([ok('bridge', 'status'), cli('bridge', 'withdraw')]);
    assert.deepEqual(status.withdrawals.map((x: { status: string }) => x.status), ['RELAYED']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^optrain bridge withdraw: no pending withdrawal of 0x[0-9a-fA-F]{40} in .*withdrawals\.json: give --amount to start one\n$/);

    // The L1 goes down: one line naming it, nothing sent on the L2 either.
    const l2NonceNow = await l2.getTransactionCount(me);
    await stopPid(info.pids.l1Anvil);
    const down1 = await cli('bridge', 'deposit', '--amount', '1');
    assert.equal(down1.status, 1);
    assert.match(down1.stderr, /^optrain bridge deposit: L1 RPC http:\/\/127\.0\.0\.1:\d+ is not answering \(.*\); nothing sent\n$/);
    assert.equal(await l2.getTransactionCount(me), l2NonceNow);
  } finally {
    l1.destroy();
    l2.destroy();
  }
  const down = await ok('devnet', 'down');
  assert.deepEqual([...down.stopped].sort(), ['anvil', 'blobServer', 'redis', 'standins']);
  for (const pid of Object.values(info.pids)) assert.equal(isAlive(pid), false, `pid ${pid} stopped`);
  assert.equal(existsSync(file), false);
});

// The acceptance test of the OP Stack L2 (issue 11): the whole protocol on the L2 of a
// `devnet up --l2` pair (real anvils, L1 + L2 --network optimism, the OP Stack bridge and its
// devnet stand-ins, on free ports). A solver and a verifier with nothing on either layer get
// L1 ETH, deposit it into the L2 through the bridge (`optrain bridge deposit`), the tampering
// solver (kind=flip) takes a job posted on the L2, the verifier bot (sample rate 1) catches it
// and wins the dispute on a one-step proof, withdraws its winnings from the market, and
// `optrain bridge withdraw` brings exactly those winnings home to L1 (initiate, output
// proposal, prove, finalization window, finalize). Every wei on both layers: L1 balances move
// by deposits, the withdrawal and L1 gas (receipts' gasUsed × effectiveGasPrice); L2 balances
// by deposits, stake, bond, winnings, the withdrawal and L2 fees with the L1 data fee (anvil
// charges it without a receipt l1Fee field: Fjord's cost of each signed transaction, from
// chain/op-bridge.ts l1DataFee); OptimismPortal and L2ToL1MessagePasser hold what crossed; the
// market stays solvent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JsonRpcProvider, Wallet, formatEther, parseEther, toQuantity } from 'ethers';
import { PREDEPLOYS } from '../chain/op-stack.ts';
import { BotsE2E } from './helpers/bots-e2e.ts';
import { feesPaid, type FeesPaid } from './helpers/chain.ts';
import { inProcessCli } from './helpers/cli-inproc.ts';
import { assertSolvent, challengerWinSplit, logitsMatmul, snapshotFunds, STAKE, tinyEngine } from './dispute-helpers.ts';

const L1_START = parseEther('3');
const DEPOSIT = parseEther('0.5');
const h = new BotsE2E({ name: 'l2-dispute-e2e', timeBank: 120, job: { steps: 8, checkpointInterval: 3 }, l2: { finalizationPeriodSeconds: 4 }, verifierAccount: 11 });
before(() => h.startDevnet());
after(() => h.stop());

const fmt = (f: FeesPaid) => `${f.hashes.length} txs, ${f.execution} wei execution + ${f.l1Data} wei L1 data`;

test('OP Stack L2: deposit from L1, a tampering solver loses its dispute on the L2, the verifier takes its winnings home to L1: every wei on both layers', { timeout: 300_000 }, async (t) => {
  const info = h.net.info;
  const chain = h.net.client('submitter');
  const l2 = chain.provider;
  const l1 = new JsonRpcProvider(info.l1!.rpcUrl, undefined, { staticNetwork: true });
  const { ok } = inProcessCli(h.net.file);
  try {
    // Two fresh accounts (devnet accounts 10 and 11): empty on both layers, L1 ETH only.
    const [solver, verifier] = [Wallet.createRandom(), Wallet.createRandom()];
    info.accounts.push({ address: solver.address, privateKey: solver.privateKey }, { address: verifier.address, privateKey: verifier.privateKey });
    for (const w of [solver, verifier]) {
      assert.equal(await l2.getBalance(w.address), 0n);
      await l1.send('anvil_setBalance', [w.address, toQuantity(L1_START)]);
    }
    const portal = info.l1!.optimismPortal;
    const l1Block = await l1.getBlockNumber();
    const portalStart = await l1.getBalance(portal);

    // Deposits: L1 pays the amount and its gas, the L2 receives exactly the amount.
    const [depS, depV] = await Promise.all([solver, verifier].map((w) => ok('bridge', 'deposit', '--amount', formatEther(DEPOSIT), '--private-key', w.privateKey)));
    for (const [w, dep] of [[solver, depS], [verifier, depV]] as const) {
      const l1Fees = await feesPaid(l1, w.address, l1Block + 1);
      assert.deepEqual(l1Fees.hashes, [dep.l1.hash], 'one L1 transaction: the deposit');
      assert.equal(l1Fees.execution, BigInt(dep.l1.executionFeeWei), 'the L1 fee reported is the receipt\'s');
      assert.equal(l1Fees.l1Data, 0n);
      assert.equal(await l1.getBalance(w.address), L1_START - DEPOSIT - l1Fees.execution);
      assert.equal(await l2.getBalance(w.address), DEPOSIT, 'the L2 holds exactly the deposit');
    }
    assert.equal(await l1.getBalance(portal), portalStart + 2n * DEPOSIT, 'OptimismPortal locked both deposits');

    // The dispute on the L2, played by the bots with nothing but the deposited ETH.
    await h.startVerifier();
    const before = await snapshotFunds(chain, [solver.address, verifier.address]);
    const tamper = `kind=flip,step=5,op=${logitsMatmul(tinyEngine(h.dir))},elem=10,bit=22`;
    const started = Date.now();
    const disputeId = await h.caught(10, 'flip', tamper, 'OneStep'); // ChallengerWon, every party's L2 change net of fees
    t.diagnostic(`dispute ${disputeId}: job posted to winnings withdrawn in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await h.verifier.stop(); // the bridge signs as the verifier next: no second sender of its nonces
    const split = challengerWinSplit(STAKE, before.totals.jackpot);
    const winnings = split.toChallenger + split.payout;

    // L2, from zero: the deposit, the stake or the winnings, and every fee with its L1 data fee.
    const feesS = await feesPaid(l2, solver.address, before.block + 1);
    const feesV = await feesPaid(l2, verifier.address, before.block + 1);
    t.diagnostic(`L2 fees: solver ${fmt(feesS)}; verifier ${fmt(feesV)}`);
    assert.equal(await l2.getBalance(solver.address), DEPOSIT - STAKE - feesS.execution - feesS.l1Data, 'solver on L2: deposit - stake - fees');
    const verifierL2 = DEPOSIT + winnings - feesV.execution - feesV.l1Data;
    assert.equal(await l2.getBalance(verifier.address), verifierL2, 'verifier on L2: deposit + winnings (bond back) - fees');
    assert.ok(feesS.l1Data > 0n && feesV.l1Data > 0n, 'the L2 charged L1 data fees (the balances above hold them to the wei)');

    // The winnings home to L1: initiate on L2, proven after the output proposal, finalized after the window.
    const passerStart = await l2.getBalance(PREDEPLOYS.L2ToL1MessagePasser);
    const l2Mark = await l2.getBlockNumber();
    const wd = await ok('bridge', 'withdraw', '--amount', formatEther(winnings), '--private-key', verifier.privateKey);
    assert.equal(wd.done, true);
    const w = wd.withdrawal;
    assert.equal(w.status, 'RELAYED');
    assert.equal(w.amountWei, winnings.toString());
    const init = await feesPaid(l2, verifier.address, l2Mark + 1);
    assert.deepEqual(init.hashes, [w.initiate.hash], 'one L2 transaction: the initiation');
    assert.deepEqual([init.execution, init.l1Data], [BigInt(w.initiate.executionFeeWei), BigInt(w.initiate.l1DataFeeWei)], 'the bridge reports the receipt\'s fees');
    assert.equal(await l2.getBalance(verifier.address), verifierL2 - winnings - init.execution - init.l1Data, 'verifier on L2 after the withdrawal');
    assert.equal(await l2.getBalance(PREDEPLOYS.L2ToL1MessagePasser), passerStart + winnings, 'L2ToL1MessagePasser holds the withdrawn ETH');

    // L1: the deposits out, the winnings in, L1 gas for deposit, prove and finalize.
    const l1S = await feesPaid(l1, solver.address, l1Block + 1), l1V = await feesPaid(l1, verifier.address, l1Block + 1);
    assert.deepEqual(l1V.hashes, [depV.l1.hash, w.prove.hash, w.finalize.hash]);
    assert.equal(l1V.execution, BigInt(depV.l1.executionFeeWei) + BigInt(w.prove.executionFeeWei) + BigInt(w.finalize.executionFeeWei));
    t.diagnostic(`L1 fees: solver ${fmt(l1S)}; verifier ${fmt(l1V)}; winnings ${winnings} wei`);
    assert.equal(await l1.getBalance(solver.address), L1_START - DEPOSIT - l1S.execution, 'solver on L1: the deposit and its gas');
    assert.equal(await l1.getBalance(verifier.address), L1_START - DEPOSIT + winnings - l1V.execution, 'verifier on L1: deposit out, winnings in, gas');
    assert.equal(await l1.getBalance(portal), portalStart + 2n * DEPOSIT - winnings, 'the portal released exactly the winnings');
    // across both layers the verifier gained its winnings less every fee it paid on either
    const total = (await l1.getBalance(verifier.address)) + (await l2.getBalance(verifier.address));
    assert.equal(total, L1_START + winnings - l1V.execution - feesV.execution - feesV.l1Data - init.execution - init.l1Data);
    t.diagnostic(`verifier across both layers: +${total - L1_START} wei (winnings ${winnings} - fees)`);
    await assertSolvent(chain);
  } finally {
    l1.destroy();
  }
});

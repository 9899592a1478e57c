// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Status, DisputeStatus} from "../src/lib/JobMarketTypes.sol";
import {Reason} from "../src/lib/GameTypes.sol";
import {Fixture, FxVariant} from "./helpers/DisputeFixtures.sol";
import {DisputeGamePlayers} from "./helpers/DisputeGamePlayers.sol";

/// @notice End to end with both real contracts: challenge -> full game -> resolveDispute ->
///         payouts, every balance checked to the wei (tests run at gas price 0, so ETH balances
///         move only by the amounts paid).
contract DisputeGameMarketTest is DisputeGamePlayers {
    uint256 internal constant JACKPOT_SEED = 3 ether;

    function setUp() public override {
        super.setUp();
        vm.deal(stranger, JACKPOT_SEED);
        vm.prank(stranger);
        market.fundJackpot{value: JACKPOT_SEED}();
    }

    function _assertSolvent() internal view {
        assertEq(
            address(market).balance,
            market.totalEscrow() + market.totalStakes() + market.totalBonds() + market.jackpot()
                + market.totalClaimable() + market.coWinnerPool() + market.burned(),
            "market solvency"
        );
    }

    function _withdrawAll(address who) internal returns (uint256 paid) {
        uint256 before = who.balance;
        vm.prank(who);
        market.withdraw();
        paid = who.balance - before;
    }

    /// @dev A cheating solver (bit flip in a matmul output, a fold op) loses the one-step:
    ///      stake 2: 50% (1) burned, 10% (0.2) to the jackpot, 0.8 to the challenger, + bond 1
    ///      back, + jackpot payout min(50% of 3.2, 10% of 2) = 0.2  => challenger receives
    ///      exactly 2.0 ether.
    function test_resolveDispute_cheatingSolverSlashed_succeeds() public {
        Fixture memory fx = _load("mlp");
        FxVariant memory x = fx.variants[3]; // matmul#0 at transition 1
        assertEq(x.label, "matmul#0 at transition 1");
        uint256 c0 = challenger.balance;
        uint256 s0 = solver.balance;
        uint256 sub0 = submitter.balance;

        uint256 id = _playCheater(fx, x, 42, true);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.OneStep));
        assertEq(uint8(market.getDispute(id).status), uint8(DisputeStatus.ChallengerWon));
        uint256 jobId = market.getDispute(id).jobId;

        assertEq(market.claimable(challenger), 2 ether, "stake - 50% - 10% + bond + payout");
        assertEq(market.burned(), 1 ether);
        assertEq(market.claimable(solver), 0);
        assertEq(market.jackpot(), JACKPOT_SEED + 0.2 ether - 0.2 ether);
        assertEq(market.totalStakes(), 0);
        assertEq(market.totalBonds(), 0);
        assertEq(market.totalEscrow(), REWARD, "the reward stays escrowed for the next solver");
        assertEq(uint8(market.statusOf(jobId)), uint8(Status.Open));
        _assertSolvent();

        assertEq(_withdrawAll(challenger), 2 ether);
        assertEq(challenger.balance, c0 - BOND + 2 ether, "challenger: +1 ether net");
        assertEq(solver.balance, s0 - STAKE, "solver: lost its stake");
        assertEq(submitter.balance, sub0 - REWARD, "submitter: reward still escrowed");
        assertEq(address(market).balance, REWARD + JACKPOT_SEED + 1 ether, "escrow + jackpot + burned");
        _assertSolvent();
    }

    /// @dev An honest solver beats a griefer: 90% of the bond (0.9) to the solver, 10% (0.1) to
    ///      the jackpot; the job is Committed again with its remaining challenge window and then
    ///      finalizes: reward 0.3 - 2% fee (0.006, to the jackpot) + stake 2 back.
    function test_resolveDispute_grieferLosesBond_succeeds() public {
        Fixture memory fx = _load("mlp");
        uint256 c0 = challenger.balance;
        uint256 s0 = solver.balance;
        uint256 sub0 = submitter.balance;

        uint256 id = _playGriefer(fx, 4); // seed 4: plays to a fold one-step
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.OneStep));
        assertEq(uint8(market.getDispute(id).status), uint8(DisputeStatus.SolverWon));
        uint256 jobId = market.getDispute(id).jobId;
        assertEq(uint8(market.statusOf(jobId)), uint8(Status.Committed));
        assertEq(market.claimable(solver), 0.9 ether);
        assertEq(market.claimable(challenger), 0);
        assertEq(market.jackpot(), JACKPOT_SEED + 0.1 ether);
        _assertSolvent();

        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        market.finalize(jobId);
        assertEq(market.claimable(solver), 0.9 ether + REWARD - 0.006 ether + STAKE);
        assertEq(market.jackpot(), JACKPOT_SEED + 0.1 ether + 0.006 ether);
        assertEq(_withdrawAll(solver), 3.194 ether);
        assertEq(solver.balance, s0 + 1.194 ether, "solver: reward - fee + 90% of the bond");
        assertEq(challenger.balance, c0 - BOND, "griefer: lost its bond");
        assertEq(submitter.balance, sub0 - REWARD);
        assertEq(address(market).balance, JACKPOT_SEED + 0.106 ether);
        assertEq(market.totalEscrow() + market.totalStakes() + market.totalBonds() + market.totalClaimable(), 0);
        _assertSolvent();
    }

    /// @dev A solver that stops answering loses exactly like a liar.
    function test_resolveDispute_solverTimesOut_slashed_succeeds() public {
        Fixture memory fx = _load("mlp");
        uint256 id = _openDispute(fx, _honestCommitment(fx));
        _timeOut(id);
        _assertResolved(id, true);
        assertEq(market.claimable(challenger), 2 ether);
        assertEq(market.claimable(stranger), 0, "claiming a timeout earns nothing");
        _assertSolvent();
    }
}

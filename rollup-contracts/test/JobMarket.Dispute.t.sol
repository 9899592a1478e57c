// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {JobMarketTestBase} from "./helpers/JobMarketTestBase.sol";
import {JobMarketMockGame} from "./mocks/JobMarketMockGame.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {Job, Dispute, Status, DisputeStatus} from "../src/lib/JobMarketTypes.sol";
import "../src/lib/JobMarketErrors.sol";

/// @notice Unit tests: challenge, resolveDispute.
contract JobMarket_Dispute_Test is JobMarketTestBase {
    ////////////////////////////////////////////////////////////////
    //                         challenge                          //
    ////////////////////////////////////////////////////////////////

    function test_challenge_opensGame_succeeds() public {
        uint256 jobId = _committedJob();
        vm.warp(block.timestamp + 1 hours);

        vm.expectEmit(address(market));
        emit ChallengeOpened(1, jobId, challenger, solver, BOND);
        vm.expectCall(address(game), abi.encodeCall(game.open, (1, jobId, solver, challenger, _params(), _commitment())));
        uint256 disputeId = _challenge(jobId);

        assertEq(disputeId, 1);
        assertEq(market.disputeCount(), 1);
        Dispute memory d = _dispute(disputeId);
        assertEq(d.jobId, jobId);
        assertEq(d.challenger, challenger);
        assertEq(d.solver, solver);
        assertEq(d.bond, BOND);
        assertEq(d.round, 1);
        _assertDisputeStatus(disputeId, DisputeStatus.Active);
        _assertStatus(jobId, Status.Challenged);
        assertEq(_job(jobId).openDisputes, 1);
        assertEq(_job(jobId).deadline.raw(), _now() - 1 hours + CHALLENGE_WINDOW, "the window is not paused");
        assertEq(market.totalBonds(), BOND);

        JobMarketMockGame.Opened memory o = game.opened(disputeId);
        assertEq(game.openCount(), 1);
        assertEq(o.jobId, jobId);
        assertEq(o.solver, solver);
        assertEq(o.challenger, challenger);
        assertEq(o.job.programRoot, _params().programRoot);
        assertEq(o.c.stepsRoot, _commitment().stepsRoot);
        _assertSolvent();
    }

    function test_challenge_atDeadline_succeeds() public {
        uint256 jobId = _committedJob();
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        uint256 disputeId = _challenge(jobId);
        _assertDisputeStatus(disputeId, DisputeStatus.Active);
    }

    function test_challenge_bySolver_succeeds() public {
        uint256 jobId = _committedJob();
        uint256 disputeId = _challengeAs(jobId, solver);
        assertEq(_dispute(disputeId).challenger, solver);
    }

    function test_challenge_wrongBond_reverts() public {
        uint256 jobId = _committedJob();
        vm.startPrank(challenger);
        vm.expectRevert(abi.encodeWithSelector(WrongBond.selector, BOND, BOND - 1));
        market.challenge{value: BOND - 1}(jobId);
        vm.expectRevert(abi.encodeWithSelector(WrongBond.selector, BOND, BOND + 1));
        market.challenge{value: BOND + 1}(jobId);
        vm.stopPrank();
    }

    function test_challenge_windowClosed_reverts() public {
        uint256 jobId = _committedJob();
        Job memory j = _job(jobId);
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(ChallengeWindowClosed.selector, jobId, j.deadline));
        market.challenge{value: BOND}(jobId);
    }

    function test_challenge_whileChallenged_opensConcurrentDispute_succeeds() public {
        uint256 jobId = _committedJob();
        uint256 first = _challenge(jobId);
        uint256 second = _challengeAs(jobId, stranger);
        assertEq(second, first + 1);
        assertEq(_job(jobId).openDisputes, 2);
        assertEq(market.totalBonds(), 2 * BOND);
        _assertDisputeStatus(first, DisputeStatus.Active);
        _assertDisputeStatus(second, DisputeStatus.Active);
        _assertSolvent();
    }

    function test_challenge_whileChallengedAfterDeadline_reverts() public {
        uint256 jobId = _committedJob();
        _challenge(jobId);
        Job memory j = _job(jobId);
        vm.warp(j.deadline.raw() + 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ChallengeWindowClosed.selector, jobId, j.deadline));
        market.challenge{value: BOND}(jobId);
    }

    function test_challenge_notCommitted_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Claimed));
        market.challenge{value: BOND}(jobId);
    }

    function test_challenge_unknownJob_reverts() public {
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(UnknownJob.selector, 2));
        market.challenge{value: BOND}(2);
    }

    function test_challenge_gameReverts_reverts() public {
        uint256 jobId = _committedJob();
        game.setMarket(IJobMarket(address(0xdead))); // the mock now rejects the market's `open`
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(JobMarketMockGame.OnlyMarket.selector, address(market)));
        market.challenge{value: BOND}(jobId);
        _assertStatus(jobId, Status.Committed); // whole challenge rolled back
    }

    ////////////////////////////////////////////////////////////////
    //                resolveDispute: access control              //
    ////////////////////////////////////////////////////////////////

    function test_resolveDispute_notGame_reverts() public {
        uint256 jobId = _committedJob();
        uint256 disputeId = _challenge(jobId);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, challenger, address(game)));
        market.resolveDispute(disputeId, true);
    }

    function test_resolveDispute_unknownDispute_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeNotActive.selector, 9, DisputeStatus.None));
        game.resolve(9, true);
    }

    function test_resolveDispute_alreadyResolved_reverts() public {
        uint256 jobId = _committedJob();
        uint256 disputeId = _challenge(jobId);
        game.resolve(disputeId, false);
        vm.expectRevert(abi.encodeWithSelector(DisputeNotActive.selector, disputeId, DisputeStatus.SolverWon));
        game.resolve(disputeId, true);

        uint256 disputeId2 = _challenge(jobId);
        game.resolve(disputeId2, true);
        // A second report of a won dispute is what a co-winner settled early looks like: no effect.
        uint256 claimableBefore = market.claimable(challenger);
        uint256 jackpotBefore = market.jackpot();
        game.resolve(disputeId2, false);
        assertEq(market.claimable(challenger), claimableBefore);
        assertEq(market.claimable(solver), BOND - _bpsUp(BOND, market.BOND_JACKPOT_BPS()));
        assertEq(market.jackpot(), jackpotBefore);
        _assertDisputeStatus(disputeId2, DisputeStatus.ChallengerWon);
        _assertSolvent();
    }

    ////////////////////////////////////////////////////////////////
    //                resolveDispute: challenger won              //
    ////////////////////////////////////////////////////////////////

    function test_resolveDispute_challengerWon_succeeds() public {
        uint256 jobId = _committedJob();
        uint256 disputeId = _challenge(jobId);

        // stake 2: 1 burned, 0.2 to the jackpot, payout min(0.2 / 2, 0.2) = 0.1 => share 0.9
        uint256 toBurn = 1 ether;
        uint256 toJackpot = 0.2 ether;
        uint256 payout = 0.1 ether;
        uint256 share = 0.9 ether;
        vm.expectEmit(address(market));
        emit SolverSlashed(jobId, solver, 1, STAKE, toBurn, toJackpot, payout, 1, share);
        vm.expectEmit(address(market));
        emit JobReopened(jobId, _job(jobId).claimDeadline);
        vm.expectEmit(address(market));
        emit ChallengerWon(disputeId, jobId, challenger, share, BOND);
        game.resolve(disputeId, true);

        _assertDisputeStatus(disputeId, DisputeStatus.ChallengerWon);
        Job memory j = _job(jobId);
        _assertStatus(jobId, Status.Open);
        assertEq(j.solver, address(0));
        assertEq(j.openDisputes, 0);
        assertEq(j.commitment.stepsRoot, bytes32(0));
        assertEq(j.reward, REWARD);
        assertEq(market.claimable(challenger), share + BOND);
        assertEq(market.claimable(solver), 0);
        assertEq(market.jackpot(), toJackpot - payout);
        assertEq(market.burned(), toBurn);
        assertEq(market.coWinnerPool(), 0);
        assertEq(market.totalStakes(), 0);
        assertEq(market.totalBonds(), 0);
        assertEq(market.totalEscrow(), REWARD);
        _assertSolvent();
    }

    function test_resolveDispute_challengerWonBigJackpot_payoutCappedByStake_succeeds() public {
        vm.prank(stranger);
        market.fundJackpot{value: 100 ether}();
        uint256 jobId = _committedJob();
        uint256 disputeId = _challenge(jobId);
        game.resolve(disputeId, true);

        uint256 toJackpot = _bps(STAKE, market.SLASH_JACKPOT_BPS());
        uint256 payout = _bps(STAKE, market.JACKPOT_PAYOUT_CAP_BPS());
        uint256 toBurn = _bps(STAKE, market.SLASH_BURN_BPS());
        assertEq(market.claimable(challenger), STAKE - toBurn - toJackpot + BOND + payout);
        // The winner gets half the stake; the jackpot is not drained; half is burned.
        assertEq(market.claimable(challenger), STAKE / 2 + BOND);
        assertEq(market.jackpot(), 100 ether + toJackpot - payout);
        _assertSolvent();
    }

    function test_resolveDispute_challengerWonClaimWindowOver_expires_succeeds() public {
        uint256 jobId = _committedJob();
        uint256 disputeId = _challenge(jobId);
        vm.warp(block.timestamp + CLAIM_WINDOW + 1);
        vm.expectEmit(address(market));
        emit JobExpired(jobId, submitter, REWARD);
        game.resolve(disputeId, true);
        _assertStatus(jobId, Status.Expired);
        assertEq(market.claimable(submitter), REWARD);
        assertEq(market.totalEscrow(), 0);
        _assertSolvent();
    }

    function test_resolveDispute_challengerWon_newSolverFinalizes_succeeds() public {
        uint256 jobId = _committedJob();
        game.resolve(_challenge(jobId), true);
        _claimAs(jobId, stranger);
        _commitAs(jobId, stranger);
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        market.finalize(jobId);
        uint256 fee = _bps(REWARD, market.PROTOCOL_FEE_BPS());
        assertEq(market.claimable(stranger), REWARD - fee + STAKE);
        _assertStatus(jobId, Status.Finalized);
        _assertSolvent();
    }

    ////////////////////////////////////////////////////////////////
    //                resolveDispute: challenger lost             //
    ////////////////////////////////////////////////////////////////

    function test_resolveDispute_challengerLost_succeeds() public {
        uint256 jobId = _committedJob();
        vm.warp(block.timestamp + 1 days);
        uint256 disputeId = _challenge(jobId);
        vm.warp(block.timestamp + 5 days); // the game takes longer than the whole window

        uint256 toJackpot = _bps(BOND, market.BOND_JACKPOT_BPS());
        uint64 deadline = _now() - 6 days + CHALLENGE_WINDOW; // never paused: already past
        vm.expectEmit(address(market));
        emit ChallengerLost(disputeId, jobId, solver, BOND - toJackpot, _ts(deadline));
        game.resolve(disputeId, false);

        _assertDisputeStatus(disputeId, DisputeStatus.SolverWon);
        Job memory j = _job(jobId);
        _assertStatus(jobId, Status.Committed);
        assertEq(j.solver, solver);
        assertEq(j.openDisputes, 0);
        assertEq(j.deadline.raw(), deadline);
        assertEq(j.commitment.stepsRoot, _commitment().stepsRoot);
        assertEq(market.claimable(solver), BOND - toJackpot);
        assertEq(market.claimable(challenger), 0);
        assertEq(market.jackpot(), toJackpot);
        assertEq(market.totalStakes(), STAKE);
        assertEq(market.totalBonds(), 0);
        _assertSolvent();
    }

    function test_resolveDispute_challengerLost_nextChallenger_succeeds() public {
        uint256 jobId = _committedJob();
        game.resolve(_challenge(jobId), false);
        uint256 disputeId = _challengeAs(jobId, stranger);
        assertEq(disputeId, 2);
        uint256 toJackpot = _bps(STAKE, market.SLASH_JACKPOT_BPS());
        uint256 toBurn = _bps(STAKE, market.SLASH_BURN_BPS());
        uint256 jackpotBefore = market.jackpot(); // the first challenger's forfeited bond share
        assertEq(jackpotBefore, _bps(BOND, market.BOND_JACKPOT_BPS()));
        uint256 payout = (jackpotBefore + toJackpot) / 2; // below the stake cap here
        assertLt(payout, _bps(STAKE, market.JACKPOT_PAYOUT_CAP_BPS()));
        game.resolve(disputeId, true);
        assertEq(market.claimable(stranger), STAKE - toBurn - toJackpot + BOND + payout);
        assertEq(market.jackpot(), jackpotBefore + toJackpot - payout);
        _assertSolvent();
    }

    function test_resolveDispute_challengerLost_thenFinalize_succeeds() public {
        uint256 jobId = _committedJob();
        game.resolve(_challenge(jobId), false);
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        market.finalize(jobId);
        uint256 fee = _bps(REWARD, market.PROTOCOL_FEE_BPS());
        assertEq(market.claimable(solver), REWARD - fee + STAKE + BOND - _bps(BOND, market.BOND_JACKPOT_BPS()));
        _assertSolvent();
    }
}

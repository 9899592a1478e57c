// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {JobMarketTestBase} from "./helpers/JobMarketTestBase.sol";
import {JobMarket} from "../src/JobMarket.sol";
import {Job, Status} from "../src/lib/JobMarketTypes.sol";
import "../src/lib/JobMarketErrors.sol";

/// @notice A recipient that tries to re-enter `withdraw` from its receive hook.
contract JobMarketReentrantRecipient {
    JobMarket internal immutable market;
    bool public reentered;

    constructor(JobMarket m) {
        market = m;
    }

    function claim(uint256 jobId, uint256 stake) external {
        market.claimJob{value: stake}(jobId);
    }

    function withdraw() external {
        market.withdraw();
    }

    receive() external payable {
        reentered = true;
        market.withdraw(); // reverts (ReentrancyGuard), which makes the outer transfer fail
    }
}

/// @notice A recipient that rejects ETH.
contract JobMarketRejectingRecipient {
    function withdraw(JobMarket m) external {
        m.withdraw();
    }
}

/// @notice Unit tests: finalize, withdraw, and a full happy path.
contract JobMarket_Finalize_Test is JobMarketTestBase {
    ////////////////////////////////////////////////////////////////
    //                          finalize                          //
    ////////////////////////////////////////////////////////////////

    function test_finalize_afterWindow_succeeds() public {
        uint256 jobId = _committedJob();
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);

        uint256 fee = _bps(REWARD, market.PROTOCOL_FEE_BPS());
        vm.expectEmit(address(market));
        emit JackpotFunded(keeper, fee, fee);
        vm.expectEmit(address(market));
        emit Credited(solver, REWARD - fee + STAKE);
        vm.expectEmit(address(market));
        emit JobFinalized(jobId, solver, REWARD - fee + STAKE, fee);
        vm.prank(keeper);
        market.finalize(jobId);

        _assertStatus(jobId, Status.Finalized);
        assertEq(market.claimable(solver), REWARD - fee + STAKE);
        assertEq(market.claimable(keeper), 0);
        assertEq(market.jackpot(), fee);
        assertEq(market.totalEscrow(), 0);
        assertEq(market.totalStakes(), 0);
        _assertSolvent();
    }

    function test_finalize_windowOpen_reverts() public {
        uint256 jobId = _committedJob();
        Job memory j = _job(jobId);
        vm.expectRevert(abi.encodeWithSelector(ChallengeWindowOpen.selector, jobId, j.deadline));
        market.finalize(jobId);
        vm.warp(block.timestamp + CHALLENGE_WINDOW); // exactly at the deadline: still challengeable
        vm.expectRevert(abi.encodeWithSelector(ChallengeWindowOpen.selector, jobId, j.deadline));
        market.finalize(jobId);
    }

    function test_finalize_disputeActive_reverts() public {
        uint256 jobId = _committedJob();
        _challenge(jobId);
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Challenged));
        market.finalize(jobId);
    }

    /// @dev Disputes no longer pause the window (an honest verifier never needs the pause: it can
    ///      challenge while another dispute runs), so a lost dispute that outlived the window lets
    ///      the job finalize right away, and one that ended early leaves the deadline unchanged.
    function test_finalize_lostDisputeDoesNotPauseWindow_succeeds() public {
        uint256 jobId = _committedJob();
        uint256 deadline = _job(jobId).deadline.raw();
        vm.warp(block.timestamp + CHALLENGE_WINDOW - 1 hours);
        uint256 disputeId = _challenge(jobId);
        vm.warp(block.timestamp + 30 minutes);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Challenged));
        market.finalize(jobId);
        game.resolve(disputeId, false);
        Job memory j = _job(jobId);
        assertEq(j.deadline.raw(), deadline);
        vm.expectRevert(abi.encodeWithSelector(ChallengeWindowOpen.selector, jobId, j.deadline));
        market.finalize(jobId);
        vm.warp(deadline + 1);
        market.finalize(jobId);
        _assertStatus(jobId, Status.Finalized);
    }

    function test_finalize_twice_reverts() public {
        uint256 jobId = _committedJob();
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        market.finalize(jobId);
        uint256 credited = market.claimable(solver);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Finalized));
        market.finalize(jobId);
        assertEq(market.claimable(solver), credited);
    }

    function test_finalize_finalizedJobIsFrozen_reverts() public {
        uint256 jobId = _committedJob();
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        market.finalize(jobId);
        bytes memory notInStatus = abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Finalized);

        vm.expectRevert(notInStatus);
        vm.prank(submitter);
        market.cancelJob(jobId);
        vm.expectRevert(notInStatus);
        vm.prank(stranger);
        market.claimJob{value: STAKE}(jobId);
        vm.expectRevert(notInStatus);
        vm.prank(solver);
        market.commitResult(jobId, _commitment());
        vm.expectRevert(notInStatus);
        market.slashLate(jobId);
        vm.expectRevert(notInStatus);
        vm.prank(challenger);
        market.challenge{value: BOND}(jobId);
    }

    function test_finalize_claimed_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Claimed));
        market.finalize(jobId);
    }

    function test_finalize_unknownJob_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(UnknownJob.selector, 4));
        market.finalize(4);
    }

    ////////////////////////////////////////////////////////////////
    //                          withdraw                          //
    ////////////////////////////////////////////////////////////////

    function test_withdraw_sendsClaimable_succeeds() public {
        uint256 jobId = _post();
        vm.prank(submitter);
        market.cancelJob(jobId);

        uint256 before = submitter.balance;
        vm.expectEmit(address(market));
        emit Withdrawn(submitter, REWARD);
        vm.prank(submitter);
        uint256 sent = market.withdraw();

        assertEq(sent, REWARD);
        assertEq(submitter.balance, before + REWARD);
        assertEq(market.claimable(submitter), 0);
        assertEq(market.totalClaimable(), 0);
        assertEq(address(market).balance, 0);
        _assertSolvent();
    }

    function test_withdraw_nothing_reverts() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(NothingToWithdraw.selector, stranger));
        market.withdraw();
    }

    function test_withdraw_twice_reverts() public {
        uint256 jobId = _post();
        vm.startPrank(submitter);
        market.cancelJob(jobId);
        market.withdraw();
        vm.expectRevert(abi.encodeWithSelector(NothingToWithdraw.selector, submitter));
        market.withdraw();
        vm.stopPrank();
    }

    function test_withdraw_reentrant_reverts() public {
        JobMarketReentrantRecipient attacker = new JobMarketReentrantRecipient(market);
        vm.deal(address(attacker), STAKE);
        uint256 jobId = _post();
        attacker.claim(jobId, STAKE);
        vm.warp(block.timestamp + SOLVE_TIME + 1);
        vm.prank(address(attacker));
        market.slashLate(jobId); // the attacker earns the tip
        uint256 tip = market.claimable(address(attacker));
        assertGt(tip, 0);

        vm.expectRevert(abi.encodeWithSelector(TransferFailed.selector, address(attacker), tip));
        attacker.withdraw();
        assertEq(market.claimable(address(attacker)), tip); // rolled back, nothing lost or doubled
        _assertSolvent();
    }

    function test_withdraw_rejectingRecipient_reverts() public {
        JobMarketRejectingRecipient r = new JobMarketRejectingRecipient();
        vm.deal(address(r), STAKE);
        uint256 jobId = _post();
        vm.prank(address(r));
        market.claimJob{value: STAKE}(jobId);
        vm.warp(block.timestamp + SOLVE_TIME + 1);
        vm.prank(address(r));
        market.slashLate(jobId);
        uint256 tip = market.claimable(address(r));

        vm.expectRevert(abi.encodeWithSelector(TransferFailed.selector, address(r), tip));
        r.withdraw(market);
        assertEq(market.claimable(address(r)), tip);
    }

    ////////////////////////////////////////////////////////////////
    //                         Happy path                         //
    ////////////////////////////////////////////////////////////////

    function test_lifecycle_everyoneWithdraws_succeeds() public {
        uint256 jobId = _committedJob();
        game.resolve(_challenge(jobId), false); // a wrong challenge is defended
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        market.finalize(jobId);

        uint256 solverBefore = solver.balance;
        vm.prank(solver);
        uint256 sent = market.withdraw();
        assertEq(solver.balance, solverBefore + sent);
        // Only the jackpot is left: the fee and the forfeited bond share.
        assertEq(
            address(market).balance,
            _bps(REWARD, market.PROTOCOL_FEE_BPS()) + _bps(BOND, market.BOND_JACKPOT_BPS())
        );
        assertEq(address(market).balance, market.jackpot());
        _assertSolvent();
    }
}

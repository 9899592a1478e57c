// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {JobMarketTestBase} from "./helpers/JobMarketTestBase.sol";
import {Commitment} from "../src/interfaces/IDisputeGame.sol";
import {Job, Status} from "../src/lib/JobMarketTypes.sol";
import "../src/lib/JobMarketErrors.sol";

/// @notice Unit tests: claimJob, commitResult, slashLate.
contract JobMarket_Solve_Test is JobMarketTestBase {
    ////////////////////////////////////////////////////////////////
    //                          claimJob                          //
    ////////////////////////////////////////////////////////////////

    function test_claimJob_exactStake_succeeds() public {
        uint256 jobId = _post();
        vm.expectEmit(address(market));
        emit JobClaimed(jobId, solver, STAKE, _ts(_now() + SOLVE_TIME));
        _claim(jobId);

        Job memory j = _job(jobId);
        _assertStatus(jobId, Status.Claimed);
        assertEq(j.solver, solver);
        assertEq(j.deadline.raw(), _now() + SOLVE_TIME);
        assertEq(market.totalStakes(), STAKE);
        _assertSolvent();
    }

    function test_claimJob_atClaimDeadline_succeeds() public {
        uint256 jobId = _post();
        vm.warp(block.timestamp + CLAIM_WINDOW);
        _claim(jobId);
        _assertStatus(jobId, Status.Claimed);
    }

    function test_claimJob_submitterMayClaim_succeeds() public {
        uint256 jobId = _post();
        _claimAs(jobId, submitter);
        assertEq(_job(jobId).solver, submitter);
    }

    function test_claimJob_wrongStake_reverts() public {
        uint256 jobId = _post();
        vm.startPrank(solver);
        vm.expectRevert(abi.encodeWithSelector(WrongStake.selector, STAKE, STAKE - 1));
        market.claimJob{value: STAKE - 1}(jobId);
        vm.expectRevert(abi.encodeWithSelector(WrongStake.selector, STAKE, STAKE + 1));
        market.claimJob{value: STAKE + 1}(jobId);
        vm.expectRevert(abi.encodeWithSelector(WrongStake.selector, STAKE, 0));
        market.claimJob(jobId);
        vm.stopPrank();
    }

    function test_claimJob_claimWindowClosed_reverts() public {
        uint256 jobId = _post();
        Job memory j = _job(jobId);
        vm.warp(block.timestamp + CLAIM_WINDOW + 1);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(ClaimWindowClosed.selector, jobId, j.claimDeadline));
        market.claimJob{value: STAKE}(jobId);
    }

    function test_claimJob_alreadyClaimed_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Claimed));
        market.claimJob{value: STAKE}(jobId);
    }

    function test_claimJob_cancelled_reverts() public {
        uint256 jobId = _post();
        vm.prank(submitter);
        market.cancelJob(jobId);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Cancelled));
        market.claimJob{value: STAKE}(jobId);
    }

    function test_claimJob_unknownJob_reverts() public {
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(UnknownJob.selector, 1));
        market.claimJob{value: STAKE}(1);
    }

    ////////////////////////////////////////////////////////////////
    //                        commitResult                        //
    ////////////////////////////////////////////////////////////////

    function test_commitResult_onTime_succeeds() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(address(market));
        emit ResultCommitted(jobId, solver, _commitment(), _ts(_now() + CHALLENGE_WINDOW));
        _commit(jobId);

        Job memory j = _job(jobId);
        _assertStatus(jobId, Status.Committed);
        assertEq(j.deadline.raw(), _now() + CHALLENGE_WINDOW);
        assertEq(j.commitment.stepsRoot, _commitment().stepsRoot);
        assertEq(j.commitment.finalStateHash, _commitment().finalStateHash);
        assertEq(j.commitment.finalModelHash, _commitment().finalModelHash);
        assertEq(j.commitment.numSteps, NUM_STEPS);
        _assertSolvent();
    }

    function test_commitResult_atDeadline_succeeds() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.warp(block.timestamp + SOLVE_TIME);
        _commit(jobId);
        _assertStatus(jobId, Status.Committed);
    }

    function test_commitResult_notSolver_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, stranger, solver));
        market.commitResult(jobId, _commitment());
    }

    function test_commitResult_deadlinePassed_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        Job memory j = _job(jobId);
        vm.warp(block.timestamp + SOLVE_TIME + 1);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(CommitDeadlinePassed.selector, jobId, j.deadline));
        market.commitResult(jobId, _commitment());
    }

    function test_commitResult_wrongNumSteps_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        Commitment memory c = _commitment();
        c.numSteps = NUM_STEPS + 1;
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(WrongNumSteps.selector, NUM_STEPS, NUM_STEPS + 1));
        market.commitResult(jobId, c);
    }

    function test_commitResult_notClaimed_reverts() public {
        uint256 jobId = _post();
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Open));
        market.commitResult(jobId, _commitment());
    }

    function test_commitResult_twice_reverts() public {
        uint256 jobId = _committedJob();
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Committed));
        market.commitResult(jobId, _commitment());
    }

    function test_commitResult_unknownJob_reverts() public {
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(UnknownJob.selector, 3));
        market.commitResult(3, _commitment());
    }

    ////////////////////////////////////////////////////////////////
    //                         slashLate                          //
    ////////////////////////////////////////////////////////////////

    function test_slashLate_reopens_succeeds() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.warp(block.timestamp + SOLVE_TIME + 1);

        uint256 tip = _bps(STAKE, market.LATE_SLASH_TIP_BPS());
        vm.expectEmit(address(market));
        emit SolverSlashedLate(jobId, solver, keeper, STAKE, tip);
        vm.expectEmit(address(market));
        emit JobReopened(jobId, _job(jobId).claimDeadline);
        vm.prank(keeper);
        market.slashLate(jobId);

        Job memory j = _job(jobId);
        _assertStatus(jobId, Status.Open);
        assertEq(j.solver, address(0));
        assertEq(j.deadline.raw(), 0);
        assertEq(market.claimable(keeper), tip);
        assertEq(market.claimable(solver), 0);
        assertEq(market.jackpot(), STAKE - tip);
        assertEq(market.totalStakes(), 0);
        assertEq(market.totalEscrow(), REWARD);
        _assertSolvent();

        // A new solver can claim the reopened job and the old one gets nothing back.
        _claimAs(jobId, stranger);
        assertEq(_job(jobId).solver, stranger);
    }

    function test_slashLate_claimWindowOver_expires_succeeds() public {
        uint256 jobId = _post();
        vm.warp(block.timestamp + CLAIM_WINDOW - 1);
        _claim(jobId);
        vm.warp(block.timestamp + SOLVE_TIME + 1);

        vm.expectEmit(address(market));
        emit JobExpired(jobId, submitter, REWARD);
        vm.prank(keeper);
        market.slashLate(jobId);

        _assertStatus(jobId, Status.Expired);
        assertEq(market.claimable(submitter), REWARD);
        assertEq(market.totalEscrow(), 0);
        _assertSolvent();

        vm.prank(submitter);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Expired));
        market.cancelJob(jobId);
    }

    function test_slashLate_solverSelfSlash_succeeds() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.warp(block.timestamp + SOLVE_TIME + 1);
        vm.prank(solver);
        market.slashLate(jobId);
        // Self-slashing recovers only the tip.
        assertEq(market.claimable(solver), _bps(STAKE, market.LATE_SLASH_TIP_BPS()));
    }

    function test_slashLate_atDeadline_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        Job memory j = _job(jobId);
        vm.warp(block.timestamp + SOLVE_TIME);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(CommitDeadlineNotPassed.selector, jobId, j.deadline));
        market.slashLate(jobId);
    }

    function test_slashLate_committed_reverts() public {
        uint256 jobId = _committedJob();
        vm.warp(block.timestamp + SOLVE_TIME + 1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Committed));
        market.slashLate(jobId);
    }

    function test_slashLate_open_reverts() public {
        uint256 jobId = _post();
        vm.warp(block.timestamp + SOLVE_TIME + 1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Open));
        market.slashLate(jobId);
    }

    function test_slashLate_unknownJob_reverts() public {
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(UnknownJob.selector, 5));
        market.slashLate(5);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {JobMarketTestBase} from "./helpers/JobMarketTestBase.sol";
import {JobMarket} from "../src/JobMarket.sol";
import {testMarketConfig} from "./helpers/MarketConfigs.sol";
import {JobParams} from "../src/interfaces/IDisputeGame.sol";
import {Job, JobTerms, Status, Duration} from "../src/lib/JobMarketTypes.sol";
import "../src/lib/JobMarketErrors.sol";

/// @notice Unit tests: constructor, setDisputeGame, postJob, cancelJob, fundJackpot, views.
contract JobMarket_Setup_Test is JobMarketTestBase {
    ////////////////////////////////////////////////////////////////
    //                  constructor / setDisputeGame              //
    ////////////////////////////////////////////////////////////////

    function test_constructor_withGame_succeeds() public {
        vm.expectEmit(vm.computeCreateAddress(address(this), vm.getNonce(address(this))));
        emit DisputeGameSet(address(game));
        JobMarket m = new JobMarket(address(game), testMarketConfig());
        assertEq(address(m.disputeGame()), address(game));
        assertEq(m.DEPLOYER(), address(this));
        assertEq(m.jobCount(), 0);
        assertEq(m.jackpot(), 0);
    }

    /// @dev The accumulators a first slash writes (jackpot, totalClaimable, burned; storage slots
    ///      6, 7 and 9, `forge inspect JobMarket storageLayout`) store SLOT_SENTINEL (1 wei of
    ///      bookkeeping, no ETH) from the start, so that slash never writes them from zero; the
    ///      getters read 0 and the contract holds nothing.
    function test_constructor_accumulatorSlotsNonzero_succeeds() public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        (uint256 jackpotSlot, uint256 claimableSlot, uint256 burnedSlot) = (6, 7, 9);
        assertEq(uint256(vm.load(address(m), bytes32(jackpotSlot))), 1, "jackpot slot");
        assertEq(uint256(vm.load(address(m), bytes32(claimableSlot))), 1, "totalClaimable slot");
        assertEq(uint256(vm.load(address(m), bytes32(burnedSlot))), 1, "burned slot");
        assertEq(m.jackpot() + m.totalClaimable() + m.burned(), 0);
        assertEq(address(m).balance, 0);
    }

    function test_constructor_zeroGame_succeeds() public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        assertEq(address(m.disputeGame()), address(0));
    }

    function test_setDisputeGame_deployer_succeeds() public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        vm.expectEmit(address(m));
        emit DisputeGameSet(address(game));
        m.setDisputeGame(address(game));
        assertEq(address(m.disputeGame()), address(game));
    }

    function test_setDisputeGame_notDeployer_reverts() public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, stranger, address(this)));
        m.setDisputeGame(address(game));
    }

    function test_setDisputeGame_alreadySet_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeGameAlreadySet.selector, address(game)));
        market.setDisputeGame(address(game));

        JobMarket m = new JobMarket(address(0), testMarketConfig());
        m.setDisputeGame(address(game));
        vm.expectRevert(abi.encodeWithSelector(DisputeGameAlreadySet.selector, address(game)));
        m.setDisputeGame(address(market));
    }

    function test_setDisputeGame_noCode_reverts() public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        vm.expectRevert(abi.encodeWithSelector(NotAContract.selector, stranger));
        m.setDisputeGame(stranger);
    }

    function test_postJob_gameNotSet_reverts() public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        vm.prank(submitter);
        vm.expectRevert(DisputeGameNotSet.selector);
        m.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
    }

    function test_fundJackpot_gameNotSet_reverts() public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        vm.prank(stranger);
        vm.expectRevert(DisputeGameNotSet.selector);
        m.fundJackpot{value: 1 ether}();
    }

    ////////////////////////////////////////////////////////////////
    //                          postJob                           //
    ////////////////////////////////////////////////////////////////

    function test_postJob_escrowsReward_succeeds() public {
        JobTerms memory terms = JobTerms({
            requiredStake: STAKE,
            challengerBond: BOND,
            claimWindow: Duration.wrap(CLAIM_WINDOW),
            solveTime: Duration.wrap(SOLVE_TIME),
            challengeWindow: Duration.wrap(CHALLENGE_WINDOW)
        });
        vm.expectEmit(address(market));
        emit JobPosted(
            1, submitter, _params().specHash, REWARD, _params(), terms, _ts(_now() + CLAIM_WINDOW), SPEC_URI
        );
        uint256 jobId = _post();

        assertEq(jobId, 1);
        assertEq(market.jobCount(), 1);
        Job memory j = _job(jobId);
        assertEq(j.submitter, submitter);
        _assertStatus(jobId, Status.Open);
        assertEq(j.claimDeadline.raw(), _now() + CLAIM_WINDOW);
        assertEq(j.solver, address(0));
        assertEq(j.reward, REWARD);
        assertEq(j.terms.requiredStake, STAKE);
        assertEq(j.terms.challengerBond, BOND);
        assertEq(Duration.unwrap(j.terms.solveTime), SOLVE_TIME);
        assertEq(Duration.unwrap(j.terms.challengeWindow), CHALLENGE_WINDOW);
        assertEq(j.params.programRoot, _params().programRoot);
        assertEq(j.params.seed, 42);
        assertEq(j.params.numSteps, NUM_STEPS);
        assertEq(market.totalEscrow(), REWARD);
        assertEq(address(market).balance, REWARD);
        _assertSolvent();
    }

    function test_postJob_sequentialIds_succeeds() public {
        assertEq(_post(), 1);
        assertEq(_post(), 2);
        assertEq(_post(), 3);
        assertEq(market.totalEscrow(), 3 * REWARD);
    }

    function test_postJob_zeroReward_reverts() public {
        vm.prank(submitter);
        vm.expectRevert(ZeroReward.selector);
        market.postJob(_params(), SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
    }

    function test_postJob_zeroStake_reverts() public {
        vm.prank(submitter);
        vm.expectRevert(ZeroStake.selector);
        market.postJob{value: REWARD}(_params(), SPEC_URI, 0, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
    }

    function test_postJob_zeroBond_reverts() public {
        vm.prank(submitter);
        vm.expectRevert(ZeroBond.selector);
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, 0, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
    }

    function test_postJob_zeroSteps_reverts() public {
        JobParams memory p = _params();
        p.numSteps = 0;
        vm.prank(submitter);
        vm.expectRevert(ZeroSteps.selector);
        market.postJob{value: REWARD}(p, SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
    }

    function test_postJob_zeroDuration_reverts() public {
        uint64 max = market.MAX_DURATION();
        vm.startPrank(submitter);
        vm.expectRevert(abi.encodeWithSelector(DurationOutOfRange.selector, 0, max));
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, 0, SOLVE_TIME, CHALLENGE_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DurationOutOfRange.selector, 0, max));
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, CLAIM_WINDOW, 0, CHALLENGE_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DurationOutOfRange.selector, 0, max));
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, 0);
        vm.stopPrank();
    }

    function test_postJob_durationTooLong_reverts() public {
        uint64 tooLong = market.MAX_DURATION() + 1;
        uint64 max = market.MAX_DURATION();
        vm.startPrank(submitter);
        vm.expectRevert(abi.encodeWithSelector(DurationOutOfRange.selector, tooLong, max));
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, tooLong, SOLVE_TIME, CHALLENGE_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DurationOutOfRange.selector, tooLong, max));
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, CLAIM_WINDOW, tooLong, CHALLENGE_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DurationOutOfRange.selector, tooLong, max));
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, tooLong);
        vm.stopPrank();
    }

    function test_postJob_maxDuration_succeeds() public {
        uint64 max = market.MAX_DURATION();
        vm.prank(submitter);
        uint256 jobId = market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, max, max, max);
        assertEq(_job(jobId).claimDeadline.raw(), _now() + max);
    }

    ////////////////////////////////////////////////////////////////
    //                         cancelJob                          //
    ////////////////////////////////////////////////////////////////

    function test_cancelJob_open_succeeds() public {
        uint256 jobId = _post();
        vm.expectEmit(address(market));
        emit Credited(submitter, REWARD);
        vm.expectEmit(address(market));
        emit JobCancelled(jobId, submitter, REWARD);
        vm.prank(submitter);
        market.cancelJob(jobId);

        _assertStatus(jobId, Status.Cancelled);
        assertEq(market.claimable(submitter), REWARD);
        assertEq(market.totalEscrow(), 0);
        _assertSolvent();
    }

    function test_cancelJob_afterClaimWindow_succeeds() public {
        uint256 jobId = _post();
        vm.warp(block.timestamp + CLAIM_WINDOW + 1);
        vm.prank(submitter);
        market.cancelJob(jobId);
        assertEq(market.claimable(submitter), REWARD);
    }

    function test_cancelJob_notSubmitter_reverts() public {
        uint256 jobId = _post();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, stranger, submitter));
        market.cancelJob(jobId);
    }

    function test_cancelJob_unknownJob_reverts() public {
        vm.prank(submitter);
        vm.expectRevert(abi.encodeWithSelector(UnknownJob.selector, 7));
        market.cancelJob(7);
    }

    function test_cancelJob_claimed_reverts() public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.prank(submitter);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Claimed));
        market.cancelJob(jobId);
    }

    function test_cancelJob_twice_reverts() public {
        uint256 jobId = _post();
        vm.startPrank(submitter);
        market.cancelJob(jobId);
        vm.expectRevert(abi.encodeWithSelector(NotInStatus.selector, jobId, Status.Cancelled));
        market.cancelJob(jobId);
        vm.stopPrank();
        assertEq(market.claimable(submitter), REWARD);
    }

    ////////////////////////////////////////////////////////////////
    //                    fundJackpot / views                     //
    ////////////////////////////////////////////////////////////////

    function test_fundJackpot_donation_succeeds() public {
        vm.expectEmit(address(market));
        emit JackpotFunded(stranger, 3 ether, 3 ether);
        vm.prank(stranger);
        market.fundJackpot{value: 3 ether}();
        assertEq(market.jackpot(), 3 ether);
        _assertSolvent();
    }

    function test_fundJackpot_zeroValue_reverts() public {
        vm.prank(stranger);
        vm.expectRevert(ZeroValue.selector);
        market.fundJackpot();
    }

    function test_receive_plainTransfer_reverts() public {
        vm.prank(stranger);
        (bool ok,) = address(market).call{value: 1 ether}("");
        assertFalse(ok);
    }

    function test_getJob_unknownJob_succeeds() public view {
        Job memory j = _job(99);
        assertEq(uint8(j.status), uint8(Status.None));
        assertEq(j.submitter, address(0));
        assertEq(_dispute(99).challenger, address(0));
    }

    function test_jackpotPayout_formula_succeeds() public {
        // Empty jackpot: nothing to pay.
        assertEq(market.jackpotPayout(STAKE), 0);
        // Small jackpot: half of it.
        vm.prank(stranger);
        market.fundJackpot{value: 0.1 ether}();
        assertEq(market.jackpotPayout(STAKE), 0.05 ether);
        // Large jackpot: capped at the stake's slash share.
        vm.prank(stranger);
        market.fundJackpot{value: 100 ether}();
        assertEq(market.jackpotPayout(STAKE), _bps(STAKE, market.JACKPOT_PAYOUT_CAP_BPS()));
    }

    function test_constants_collusionBound_succeeds() public view {
        assertLe(market.JACKPOT_PAYOUT_CAP_BPS(), market.SLASH_JACKPOT_BPS());
        assertEq(market.PROTOCOL_FEE_BPS(), 200);
        assertEq(market.SLASH_JACKPOT_BPS(), 1_000);
        assertEq(market.LATE_SLASH_TIP_BPS(), 1_000);
        assertEq(market.BOND_JACKPOT_BPS(), 1_000);
        assertEq(market.JACKPOT_PAYOUT_BPS(), 5_000);
    }
}

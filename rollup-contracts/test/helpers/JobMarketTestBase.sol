// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {JobMarket} from "../../src/JobMarket.sol";
import {testMarketConfig} from "./MarketConfigs.sol";
import {Commitment, JobParams} from "../../src/interfaces/IDisputeGame.sol";
import {IJobMarketEvents} from "../../src/lib/JobMarketEvents.sol";
import {Job, Dispute, Status, DisputeStatus, Timestamp} from "../../src/lib/JobMarketTypes.sol";
import {JobMarketMockGame} from "../mocks/JobMarketMockGame.sol";

/// @notice Shared fixture for the JobMarket unit and fuzz tests.
abstract contract JobMarketTestBase is Test, IJobMarketEvents {
    JobMarket internal market;
    JobMarketMockGame internal game;

    address internal submitter = makeAddr("submitter");
    address internal solver = makeAddr("solver");
    address internal challenger = makeAddr("challenger");
    address internal keeper = makeAddr("keeper");
    address internal stranger = makeAddr("stranger");

    uint256 internal constant REWARD = 0.3 ether; // minStakeFor(0.3 ether) = 1.8 ether <= STAKE
    uint256 internal constant STAKE = 2 ether;
    uint256 internal constant BOND = 1 ether;
    uint64 internal constant CLAIM_WINDOW = 1 days;
    uint64 internal constant SOLVE_TIME = 6 hours;
    uint64 internal constant CHALLENGE_WINDOW = 2 days;
    uint64 internal constant NUM_STEPS = 1000;
    string internal constant SPEC_URI = "ipfs://spec";

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        game = new JobMarketMockGame();
        market = new JobMarket(address(game), testMarketConfig());
        game.setMarket(market);
        vm.deal(submitter, 1_000 ether);
        vm.deal(solver, 1_000 ether);
        vm.deal(challenger, 1_000 ether);
        vm.deal(stranger, 1_000 ether);
    }

    ////////////////////////////////////////////////////////////////
    //                          Fixtures                          //
    ////////////////////////////////////////////////////////////////

    function _params() internal pure returns (JobParams memory) {
        return JobParams({
            specHash: keccak256("spec"),
            programRoot: keccak256("program"),
            seed: 42,
            numSteps: NUM_STEPS,
            hashInterval: 1
        });
    }

    function _commitment() internal pure returns (Commitment memory) {
        return Commitment({
            stepsRoot: keccak256("steps"),
            finalStateHash: keccak256("state"),
            finalModelHash: keccak256("model"),
            numSteps: NUM_STEPS
        });
    }

    function _post() internal returns (uint256 jobId) {
        vm.prank(submitter);
        jobId = market.postJob{value: REWARD}(
            _params(), SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW
        );
    }

    function _claim(uint256 jobId) internal {
        _claimAs(jobId, solver);
    }

    function _claimAs(uint256 jobId, address who) internal {
        vm.deal(who, who.balance + STAKE);
        vm.prank(who);
        market.claimJob{value: STAKE}(jobId);
    }

    function _commit(uint256 jobId) internal {
        _commitAs(jobId, solver);
    }

    function _commitAs(uint256 jobId, address who) internal {
        vm.prank(who);
        market.commitResult(jobId, _commitment());
    }

    function _challenge(uint256 jobId) internal returns (uint256 disputeId) {
        return _challengeAs(jobId, challenger);
    }

    function _challengeAs(uint256 jobId, address who) internal returns (uint256 disputeId) {
        vm.deal(who, who.balance + BOND);
        vm.prank(who);
        disputeId = market.challenge{value: BOND}(jobId);
    }

    /// @dev Posted, claimed and committed job.
    function _committedJob() internal returns (uint256 jobId) {
        jobId = _post();
        _claim(jobId);
        _commit(jobId);
    }

    ////////////////////////////////////////////////////////////////
    //                          Helpers                           //
    ////////////////////////////////////////////////////////////////

    function _job(uint256 jobId) internal view returns (Job memory) {
        return market.getJob(jobId);
    }

    function _dispute(uint256 disputeId) internal view returns (Dispute memory) {
        return market.getDispute(disputeId);
    }

    function _status(uint256 jobId) internal view returns (Status) {
        return market.statusOf(jobId);
    }

    function _now() internal view returns (uint64) {
        return uint64(block.timestamp);
    }

    function _ts(uint256 t) internal pure returns (Timestamp) {
        // casting to 'uint64' is safe because tests only pass block times plus short durations
        // forge-lint: disable-next-line(unsafe-typecast)
        return Timestamp.wrap(uint64(t));
    }

    function _bps(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return amount * bps / 10_000;
    }

    /// @dev `_bps` rounded up (the shares the market keeps: burn, jackpot, forfeited bond).
    function _bpsUp(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return (amount * bps + 9_999) / 10_000;
    }

    /// @dev The solvency identity that must hold after every call.
    function _assertSolvent() internal view {
        assertEq(
            address(market).balance,
            market.totalEscrow() + market.totalStakes() + market.totalBonds() + market.jackpot()
                + market.totalClaimable() + market.coWinnerPool() + market.burned(),
            "solvency"
        );
    }

    function _assertStatus(uint256 jobId, Status expected) internal view {
        assertEq(uint8(_status(jobId)), uint8(expected), "job status");
    }

    function _assertDisputeStatus(uint256 disputeId, DisputeStatus expected) internal view {
        assertEq(uint8(_dispute(disputeId).status), uint8(expected), "dispute status");
    }
}

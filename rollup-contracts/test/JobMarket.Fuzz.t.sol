// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {JobMarketTestBase} from "./helpers/JobMarketTestBase.sol";
import {JobMarket} from "../src/JobMarket.sol";
import {testMarketConfig} from "./helpers/MarketConfigs.sol";
import {Commitment, JobParams} from "../src/interfaces/IDisputeGame.sol";
import {Job, Status, Duration} from "../src/lib/JobMarketTypes.sol";
import "../src/lib/JobMarketErrors.sol";

/// @notice Fuzz tests for every external entry point (amounts and timings).
contract JobMarket_Fuzz_Test is JobMarketTestBase {
    uint256 internal constant MAX_AMOUNT = 1e30; // far above any real ETH amount

    struct Terms {
        uint256 reward;
        uint256 stake;
        uint256 bond;
        uint64 claimWindow;
        uint64 solveTime;
        uint64 challengeWindow;
    }

    function _bound(Terms memory t) internal view returns (Terms memory) {
        uint64 max = market.MAX_DURATION();
        t.reward = bound(t.reward, 1, MAX_AMOUNT / 7);
        t.stake = bound(t.stake, market.minStakeFor(t.reward), MAX_AMOUNT);
        t.bond = bound(t.bond, market.MIN_BOND(), MAX_AMOUNT);
        t.claimWindow = uint64(bound(t.claimWindow, 1, max));
        t.solveTime = uint64(bound(t.solveTime, 1, max));
        t.challengeWindow = uint64(bound(t.challengeWindow, 1, max));
        return t;
    }

    function _postWith(Terms memory t) internal returns (uint256 jobId) {
        vm.deal(submitter, t.reward);
        vm.prank(submitter);
        jobId = market.postJob{value: t.reward}(
            _params(), SPEC_URI, t.stake, t.bond, t.claimWindow, t.solveTime, t.challengeWindow
        );
    }

    function _claimWith(uint256 jobId, address who, uint256 stake) internal {
        vm.deal(who, stake);
        vm.prank(who);
        market.claimJob{value: stake}(jobId);
    }

    function _committedWith(Terms memory t) internal returns (uint256 jobId) {
        jobId = _postWith(t);
        _claimWith(jobId, solver, t.stake);
        _commit(jobId);
    }

    function _challengeWith(uint256 jobId, address who, uint256 bond) internal returns (uint256) {
        vm.deal(who, bond);
        vm.prank(who);
        return market.challenge{value: bond}(jobId);
    }

    ////////////////////////////////////////////////////////////////
    //                   postJob / cancelJob                      //
    ////////////////////////////////////////////////////////////////

    function testFuzz_postJob_validTerms_succeeds(Terms memory t) public {
        t = _bound(t);
        uint256 jobId = _postWith(t);
        Job memory j = _job(jobId);
        assertEq(j.reward, t.reward);
        assertEq(j.terms.requiredStake, t.stake);
        assertEq(j.terms.challengerBond, t.bond);
        assertEq(j.claimDeadline.raw(), _now() + t.claimWindow);
        assertEq(Duration.unwrap(j.terms.solveTime), t.solveTime);
        assertEq(market.totalEscrow(), t.reward);
        _assertSolvent();
    }

    /// @dev Any K is accepted iff 1 <= K <= 4096, stored with the job and hashed into the
    ///      dispute's paramsHash (the market passes job.params to the game unchanged).
    function testFuzz_postJob_hashInterval_succeeds(uint32 k) public {
        JobParams memory p = _params();
        p.hashInterval = k;
        vm.prank(submitter);
        if (k == 0 || k > 4096) {
            vm.expectRevert(abi.encodeWithSelector(BadHashInterval.selector, k, 4096));
            market.postJob{value: REWARD}(p, SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
            return;
        }
        uint256 jobId =
            market.postJob{value: REWARD}(p, SPEC_URI, STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
        assertEq(_job(jobId).params.hashInterval, k);
        assertEq(keccak256(abi.encode(_job(jobId).params)), keccak256(abi.encode(p)));
        _assertSolvent();
    }

    function testFuzz_postJob_durationOutOfRange_reverts(uint64 d, uint8 which) public {
        uint64 max = market.MAX_DURATION();
        vm.assume(d == 0 || d > max);
        uint64[3] memory ds = [CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW];
        ds[which % 3] = d;
        vm.prank(submitter);
        vm.expectRevert(abi.encodeWithSelector(DurationOutOfRange.selector, d, max));
        market.postJob{value: REWARD}(_params(), SPEC_URI, STAKE, BOND, ds[0], ds[1], ds[2]);
    }

    function testFuzz_cancelJob_onlySubmitter_reverts(address caller) public {
        vm.assume(caller != submitter);
        uint256 jobId = _post();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, caller, submitter));
        market.cancelJob(jobId);
    }

    function testFuzz_cancelJob_anyTime_succeeds(Terms memory t, uint64 wait) public {
        t = _bound(t);
        uint256 jobId = _postWith(t);
        vm.warp(block.timestamp + bound(wait, 0, 10 * 365 days));
        vm.prank(submitter);
        market.cancelJob(jobId);
        assertEq(market.claimable(submitter), t.reward);
        _assertSolvent();
    }

    ////////////////////////////////////////////////////////////////
    //                  claimJob / commitResult                   //
    ////////////////////////////////////////////////////////////////

    function testFuzz_claimJob_wrongStake_reverts(uint256 sent) public {
        sent = bound(sent, 0, MAX_AMOUNT);
        vm.assume(sent != STAKE);
        uint256 jobId = _post();
        vm.deal(solver, sent);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(WrongStake.selector, STAKE, sent));
        market.claimJob{value: sent}(jobId);
    }

    function testFuzz_claimJob_timing_succeeds(Terms memory t, uint64 wait) public {
        t = _bound(t);
        uint256 jobId = _postWith(t);
        wait = uint64(bound(wait, 0, 2 * uint256(t.claimWindow)));
        vm.warp(block.timestamp + wait);
        if (wait > t.claimWindow) {
            vm.expectRevert(abi.encodeWithSelector(ClaimWindowClosed.selector, jobId, _job(jobId).claimDeadline));
        }
        _claimWith(jobId, solver, t.stake);
        if (wait <= t.claimWindow) assertEq(market.totalStakes(), t.stake);
        _assertSolvent();
    }

    function testFuzz_commitResult_timing_succeeds(Terms memory t, uint64 wait) public {
        t = _bound(t);
        uint256 jobId = _postWith(t);
        _claimWith(jobId, solver, t.stake);
        wait = uint64(bound(wait, 0, 2 * uint256(t.solveTime)));
        vm.warp(block.timestamp + wait);
        if (wait > t.solveTime) {
            vm.expectRevert(abi.encodeWithSelector(CommitDeadlinePassed.selector, jobId, _job(jobId).deadline));
        }
        _commit(jobId);
        if (wait <= t.solveTime) assertEq(_job(jobId).deadline.raw(), _now() + t.challengeWindow);
    }

    function testFuzz_commitResult_wrongNumSteps_reverts(uint64 steps) public {
        vm.assume(steps != NUM_STEPS);
        uint256 jobId = _post();
        _claim(jobId);
        Commitment memory c = _commitment();
        c.numSteps = steps;
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(WrongNumSteps.selector, NUM_STEPS, steps));
        market.commitResult(jobId, c);
    }

    function testFuzz_commitResult_notSolver_reverts(address caller) public {
        vm.assume(caller != solver);
        uint256 jobId = _post();
        _claim(jobId);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, caller, solver));
        market.commitResult(jobId, _commitment());
    }

    ////////////////////////////////////////////////////////////////
    //                         slashLate                          //
    ////////////////////////////////////////////////////////////////

    function testFuzz_slashLate_splitsStake_succeeds(Terms memory t, uint64 claimAt, uint64 lateBy) public {
        t = _bound(t);
        uint256 jobId = _postWith(t);
        vm.warp(block.timestamp + bound(claimAt, 0, t.claimWindow));
        _claimWith(jobId, solver, t.stake);
        vm.warp(block.timestamp + t.solveTime + bound(lateBy, 1, 30 days));
        bool expires = _job(jobId).claimDeadline.isPast();

        vm.prank(keeper);
        market.slashLate(jobId);

        uint256 tip = _bps(t.stake, market.LATE_SLASH_TIP_BPS());
        assertEq(market.claimable(keeper), tip);
        assertEq(market.jackpot(), t.stake - tip);
        assertEq(market.totalStakes(), 0);
        _assertStatus(jobId, expires ? Status.Expired : Status.Open);
        assertEq(market.claimable(submitter), expires ? t.reward : 0);
        assertEq(market.totalEscrow(), expires ? 0 : t.reward);
        _assertSolvent();
    }

    function testFuzz_slashLate_early_reverts(uint64 wait) public {
        uint256 jobId = _post();
        _claim(jobId);
        vm.warp(block.timestamp + bound(wait, 0, SOLVE_TIME));
        vm.expectRevert(abi.encodeWithSelector(CommitDeadlineNotPassed.selector, jobId, _job(jobId).deadline));
        market.slashLate(jobId);
    }

    ////////////////////////////////////////////////////////////////
    //                  challenge / resolveDispute                //
    ////////////////////////////////////////////////////////////////

    function testFuzz_challenge_wrongBond_reverts(uint256 sent) public {
        sent = bound(sent, 0, MAX_AMOUNT);
        vm.assume(sent != BOND);
        uint256 jobId = _committedJob();
        vm.deal(challenger, sent);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(WrongBond.selector, BOND, sent));
        market.challenge{value: sent}(jobId);
    }

    function testFuzz_challenge_timing_succeeds(Terms memory t, uint64 wait) public {
        t = _bound(t);
        uint256 jobId = _committedWith(t);
        wait = uint64(bound(wait, 0, 2 * uint256(t.challengeWindow)));
        vm.warp(block.timestamp + wait);
        uint256 deadline = _job(jobId).deadline.raw();
        if (wait > t.challengeWindow) {
            vm.expectRevert(abi.encodeWithSelector(ChallengeWindowClosed.selector, jobId, _job(jobId).deadline));
        }
        uint256 disputeId = _challengeWith(jobId, challenger, t.bond);
        if (wait <= t.challengeWindow) {
            assertEq(_dispute(disputeId).round, 1);
            assertEq(_job(jobId).deadline.raw(), deadline, "a dispute does not pause the window");
            assertEq(market.totalBonds(), t.bond);
        }
        _assertSolvent();
    }

    function testFuzz_resolveDispute_challengerWon_succeeds(Terms memory t, uint256 seed, uint64 gameTime) public {
        t = _bound(t);
        seed = bound(seed, 0, MAX_AMOUNT);
        if (seed > 0) {
            vm.deal(stranger, seed);
            vm.prank(stranger);
            market.fundJackpot{value: seed}();
        }
        uint256 jobId = _committedWith(t);
        uint256 disputeId = _challengeWith(jobId, challenger, t.bond);
        vm.warp(block.timestamp + bound(gameTime, 0, 30 days));
        bool expires = _job(jobId).claimDeadline.isPast();

        uint256 toBurn = _bpsUp(t.stake, market.SLASH_BURN_BPS());
        uint256 toJackpot = _bpsUp(t.stake, market.SLASH_JACKPOT_BPS());
        uint256 payout = (seed + toJackpot) * market.JACKPOT_PAYOUT_BPS() / 10_000;
        uint256 cap = _bps(t.stake, market.JACKPOT_PAYOUT_CAP_BPS());
        if (payout > cap) payout = cap;
        game.resolve(disputeId, true);

        assertEq(market.claimable(challenger), t.stake - toBurn - toJackpot + t.bond + payout);
        assertLe(market.claimable(challenger), t.stake / 2 + t.bond); // the winner gets at most half
        assertEq(market.jackpot(), seed + toJackpot - payout);
        assertEq(market.burned(), toBurn);
        assertEq(market.claimable(solver), 0);
        _assertStatus(jobId, expires ? Status.Expired : Status.Open);
        _assertSolvent();
    }

    function testFuzz_resolveDispute_challengerLost_windowNotPaused_succeeds(
        Terms memory t,
        uint64 challengeAt,
        uint64 gameTime
    ) public {
        t = _bound(t);
        uint256 jobId = _committedWith(t);
        uint256 deadline = _now() + t.challengeWindow;
        challengeAt = uint64(bound(challengeAt, 0, t.challengeWindow));
        vm.warp(block.timestamp + challengeAt);
        uint256 disputeId = _challengeWith(jobId, challenger, t.bond);
        vm.warp(block.timestamp + bound(gameTime, 0, 400 days));
        game.resolve(disputeId, false);

        assertEq(_job(jobId).deadline.raw(), deadline, "the window ran on during the dispute");
        uint256 toJackpot = _bpsUp(t.bond, market.BOND_JACKPOT_BPS()); // rounded against the griefer
        assertGt(toJackpot, 0);
        assertEq(market.claimable(solver), t.bond - toJackpot);
        assertEq(market.jackpot(), toJackpot);
        _assertStatus(jobId, Status.Committed);
        _assertSolvent();
    }

    function testFuzz_resolveDispute_notGame_reverts(address caller, bool challengerWon) public {
        vm.assume(caller != address(game));
        uint256 jobId = _committedJob();
        uint256 disputeId = _challenge(jobId);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, caller, address(game)));
        market.resolveDispute(disputeId, challengerWon);
    }

    /// @dev Collusion bound: a submitter+solver+challenger ring that commits garbage and "catches"
    ///      itself loses at least half its stake, whatever the jackpot holds.
    function testFuzz_resolveDispute_selfChallengeRing_neverProfits(Terms memory t, uint256 seed) public {
        t = _bound(t);
        seed = bound(seed, 0, MAX_AMOUNT);
        if (seed > 0) {
            vm.deal(stranger, seed);
            vm.prank(stranger);
            market.fundJackpot{value: seed}();
        }
        address ring = makeAddr("ring");
        uint256 start = t.reward + t.stake + t.bond;
        vm.deal(ring, start);
        vm.startPrank(ring);
        uint256 jobId = market.postJob{value: t.reward}(
            _params(), SPEC_URI, t.stake, t.bond, t.claimWindow, t.solveTime, t.challengeWindow
        );
        market.claimJob{value: t.stake}(jobId);
        market.commitResult(jobId, _commitment());
        uint256 disputeId = market.challenge{value: t.bond}(jobId);
        vm.stopPrank();
        game.resolve(disputeId, true);
        vm.startPrank(ring);
        market.cancelJob(jobId);
        market.withdraw();
        vm.stopPrank();
        assertLe(ring.balance, start - (t.stake + 1) / 2);
        _assertSolvent();
    }

    ////////////////////////////////////////////////////////////////
    //                 finalize / withdraw / jackpot              //
    ////////////////////////////////////////////////////////////////

    function testFuzz_finalize_payout_succeeds(Terms memory t, uint64 wait) public {
        t = _bound(t);
        uint256 jobId = _committedWith(t);
        wait = uint64(bound(wait, 0, 2 * uint256(t.challengeWindow)));
        vm.warp(block.timestamp + wait);
        if (wait <= t.challengeWindow) {
            vm.expectRevert(abi.encodeWithSelector(ChallengeWindowOpen.selector, jobId, _job(jobId).deadline));
            market.finalize(jobId);
            return;
        }
        market.finalize(jobId);
        uint256 fee = _bps(t.reward, market.PROTOCOL_FEE_BPS());
        assertEq(market.claimable(solver), t.reward - fee + t.stake);
        assertEq(market.jackpot(), fee);
        assertEq(market.totalEscrow() + market.totalStakes(), 0);
        _assertSolvent();
    }

    function testFuzz_withdraw_everything_succeeds(Terms memory t) public {
        t = _bound(t);
        uint256 jobId = _committedWith(t);
        vm.warp(block.timestamp + t.challengeWindow + 1);
        market.finalize(jobId);
        vm.prank(solver);
        uint256 sent = market.withdraw();
        assertEq(solver.balance, sent);
        assertEq(address(market).balance, market.jackpot());
        _assertSolvent();
    }

    function testFuzz_fundJackpot_accumulates_succeeds(uint256 a, uint256 b) public {
        a = bound(a, 1, MAX_AMOUNT);
        b = bound(b, 1, MAX_AMOUNT);
        vm.deal(stranger, a + b);
        vm.startPrank(stranger);
        market.fundJackpot{value: a}();
        market.fundJackpot{value: b}();
        vm.stopPrank();
        assertEq(market.jackpot(), a + b);
        _assertSolvent();
    }

    function testFuzz_setDisputeGame_notDeployer_reverts(address caller) public {
        JobMarket m = new JobMarket(address(0), testMarketConfig());
        vm.assume(caller != address(this));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(Unauthorized.selector, caller, address(this)));
        m.setDisputeGame(address(game));
    }

    function testFuzz_jackpotPayout_boundedBySlashShare_succeeds(uint256 jackpotSeed, uint256 stake) public {
        jackpotSeed = bound(jackpotSeed, 1, MAX_AMOUNT);
        stake = bound(stake, 0, MAX_AMOUNT);
        vm.deal(stranger, jackpotSeed);
        vm.prank(stranger);
        market.fundJackpot{value: jackpotSeed}();
        uint256 p = market.jackpotPayout(stake);
        assertLe(p, _bps(stake, market.SLASH_JACKPOT_BPS()));
        assertLe(p, market.jackpot());
    }
}

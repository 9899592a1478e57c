// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {console} from "forge-std/console.sol";
import {Status, Sealed, Timestamp, MarketConfig} from "../src/lib/JobMarketTypes.sol";
import {Commitment} from "../src/interfaces/IDisputeGame.sol";
import {JobMarketMockGame} from "./mocks/JobMarketMockGame.sol";
import "../src/lib/JobMarketErrors.sol";
import {ForcedTestBase, SealedRun} from "./helpers/ForcedTestBase.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {JobMarket} from "../src/JobMarket.sol";
import {testMarketConfig} from "./helpers/MarketConfigs.sol";

/// @notice Every path of a forced error (docs/PROTOCOL.md §12) with p = 1: found, missed, fake
///         claims, copied claims, a lie disguised as forced, no reveal, windows, entropy.
contract JobMarket_Forced_Test is ForcedTestBase {
    bytes32 internal constant SECRET = keccak256("s1");
    bytes32 internal constant SALT = keccak256("salt");
    uint256 internal constant NO_LIE = type(uint256).max;

    function _forcedRun() internal returns (SealedRun memory r) {
        r = _run(STEPS, SECRET, NO_LIE);
        assertTrue(r.forced, "p = 1: every job with >= 3 leaves is forced");
        assertTrue(r.pos >= 1 && r.pos < STEPS, "pos is never leaf 0 nor the last leaf");
    }

    function test_found_finderPaid_solverNotSlashed_trueResultFinalized() public {
        SealedRun memory r = _forcedRun();
        assertEq(market.getJob(r.jobId).commitment.stepsRoot, r.stateRoot, "before the reveal: the masked root");
        _commitFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _pastDeadline(r.jobId);
        uint256 jackpotBefore = market.jackpot();
        vm.expectEmit(true, false, false, false, address(market));
        emit ResultRevealed(r.jobId, r.trueRoot, true, r.pos, _honest(r.pos), 0, Timestamp.wrap(0));
        _reveal(r);
        uint256 prize = jackpotBefore * market.FORCED_PRIZE_BPS() / 10_000;
        assertEq(market.forcedPool(), prize, "prize held");
        assertEq(market.getJob(r.jobId).commitment.stepsRoot, r.trueRoot, "after the reveal: the true root");
        _revealFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _pastDeadline(r.jobId);
        market.finalize(r.jobId);
        assertEq(uint8(market.statusOf(r.jobId)), uint8(Status.Finalized));
        uint256 fee = REWARD * 200 / 10_000;
        assertEq(market.claimable(solver), REWARD - fee + STAKE, "solver: reward - fee + whole stake");
        vm.prank(finder);
        market.collectForcedPrize(r.jobId);
        assertEq(market.claimable(finder), prize, "finder: the whole prize");
        assertEq(market.forcedPool(), 0);
        assertEq(market.jackpot(), jackpotBefore - prize + fee);
        vm.prank(finder);
        vm.expectRevert(abi.encodeWithSelector(NoForcedPrize.selector, r.jobId, finder));
        market.collectForcedPrize(r.jobId);
    }

    function test_found_twoFinders_equalShares_dustToJackpot() public {
        market.fundJackpot{value: 3}(); // odd prize
        SealedRun memory r = _forcedRun();
        _commitFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _commitFind(finder2, r.jobId, r.pos, _honest(r.pos), keccak256("other salt"));
        _pastDeadline(r.jobId);
        _reveal(r);
        uint256 prize = market.forcedPool();
        _revealFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _revealFind(finder2, r.jobId, r.pos, _honest(r.pos), keccak256("other salt"));
        vm.expectRevert(abi.encodeWithSelector(FindRejected.selector, r.jobId, "already counted"));
        _revealFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _pastDeadline(r.jobId);
        uint256 jackpotBefore = market.jackpot();
        market.finalize(r.jobId);
        uint256 share = prize / 2;
        assertEq(market.jackpot(), jackpotBefore + (prize - 2 * share) + REWARD * 200 / 10_000, "dust + fee");
        vm.prank(finder);
        market.collectForcedPrize(r.jobId);
        vm.prank(finder2);
        market.collectForcedPrize(r.jobId);
        assertEq(market.claimable(finder), share);
        assertEq(market.claimable(finder2), share);
        assertEq(market.forcedPool(), 0);
    }

    function test_missed_prizeBackToJackpot_missOnChain() public {
        SealedRun memory r = _forcedRun();
        _pastDeadline(r.jobId);
        uint256 jackpotBefore = market.jackpot();
        _reveal(r);
        _pastDeadline(r.jobId);
        vm.expectEmit(true, false, false, true, address(market));
        emit ForcedErrorSettled(r.jobId, r.pos, 0, 0);
        market.finalize(r.jobId);
        assertEq(market.jackpot(), jackpotBefore + REWARD * 200 / 10_000, "nothing lost but the fee gained");
        assertEq(market.forcedPool(), 0);
        assertEq(market.claimable(solver), REWARD - REWARD * 200 / 10_000 + STAKE);
    }

    function test_fakeClaims_rejected() public {
        SealedRun memory r = _forcedRun();
        uint256 other = r.pos == 1 ? 2 : 1;
        _commitFind(finder, r.jobId, r.pos, keccak256("wrong"), SALT); // right leaf, wrong hash
        _commitFind(finder, r.jobId, other, _honest(other), SALT); // a leaf that is not forced
        _commitFind(finder, r.jobId, r.pos, r.masked[r.pos], SALT); // the masked leaf itself
        _pastDeadline(r.jobId);
        _reveal(r);
        vm.expectRevert(abi.encodeWithSelector(NotTheForcedError.selector, r.jobId, r.pos));
        _revealFind(finder, r.jobId, r.pos, keccak256("wrong"), SALT);
        vm.expectRevert(abi.encodeWithSelector(NotTheForcedError.selector, r.jobId, other));
        _revealFind(finder, r.jobId, other, _honest(other), SALT);
        vm.expectRevert(abi.encodeWithSelector(NotTheForcedError.selector, r.jobId, r.pos));
        _revealFind(finder, r.jobId, r.pos, r.masked[r.pos], SALT);
        // never committed: even the right answer is refused
        vm.expectRevert(abi.encodeWithSelector(FindNotCommitted.selector, r.jobId, finder2));
        _revealFind(finder2, r.jobId, r.pos, _honest(r.pos), SALT);
    }

    function test_unforcedJob_findsRejected_trueRootMustEqualCommitted() public {
        SealedRun memory r = _run(1, SECRET, NO_LIE); // 2 leaves: never forced
        assertFalse(r.forced);
        _commitFind(finder, r.jobId, 1, _honest(1), SALT);
        _pastDeadline(r.jobId);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(BadReveal.selector, r.jobId, "trueRoot"));
        market.revealResult(r.jobId, SECRET, keccak256("other"), bytes32(0), new bytes32[](0));
        _reveal(r);
        vm.expectRevert(abi.encodeWithSelector(NotTheForcedError.selector, r.jobId, 1));
        _revealFind(finder, r.jobId, 1, _honest(1), SALT);
        _pastDeadline(r.jobId);
        market.finalize(r.jobId);
        assertEq(market.forcedPool(), 0);
    }

    function test_copiedClaim_paysNobodyButTheOriginal() public {
        SealedRun memory r = _forcedRun();
        bytes32 h = _findHash(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        vm.prank(copier); // the copier front-runs with the exact hash it saw in the mempool
        market.commitFind(r.jobId, h);
        _commitFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _pastDeadline(r.jobId);
        // after the find window the copier learns X from the reveal, too late to commit its own
        vm.expectRevert(abi.encodeWithSelector(FindRejected.selector, r.jobId, "find window closed"));
        _commitFind(copier, r.jobId, r.pos, _honest(r.pos), SALT);
        _reveal(r);
        vm.expectRevert(abi.encodeWithSelector(FindRejected.selector, r.jobId, "find window closed"));
        _commitFind(copier, r.jobId, r.pos, _honest(r.pos), SALT);
        // the copied reveal (same arguments, another sender) hashes to another find
        vm.expectRevert(abi.encodeWithSelector(FindNotCommitted.selector, r.jobId, copier));
        _revealFind(copier, r.jobId, r.pos, _honest(r.pos), SALT);
        _revealFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _pastDeadline(r.jobId);
        market.finalize(r.jobId);
        vm.prank(copier);
        vm.expectRevert(abi.encodeWithSelector(NoForcedPrize.selector, r.jobId, copier));
        market.collectForcedPrize(r.jobId);
        vm.prank(finder);
        market.collectForcedPrize(r.jobId);
        assertGt(market.claimable(finder), 0);
        assertEq(market.claimable(copier), 0);
    }

    /// @notice A copier that front-runs the find hash against another job (or the same one)
    ///         cannot take the original's commitment away.
    function test_copiedHash_againstAnotherJob_doesNotBlockTheOriginal() public {
        SealedRun memory other = _run(STEPS, keccak256("other"), NO_LIE);
        SealedRun memory r = _forcedRun();
        bytes32 h = _findHash(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        vm.prank(copier);
        market.commitFind(other.jobId, h);
        vm.prank(copier);
        market.commitFind(r.jobId, h);
        _commitFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _pastDeadline(r.jobId);
        _reveal(r);
        _revealFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        assertEq(market.sealedOf(r.jobId).finds, 1);
    }

    function test_solverCannotCountItsOwnForcedError() public {
        SealedRun memory r = _forcedRun();
        _commitFind(solver, r.jobId, r.pos, _honest(r.pos), SALT);
        _pastDeadline(r.jobId);
        _reveal(r);
        vm.expectRevert(abi.encodeWithSelector(FindRejected.selector, r.jobId, "the solver's own forced error"));
        _revealFind(solver, r.jobId, r.pos, _honest(r.pos), SALT);
    }

    /// @notice The solver lies at the forced position and reveals its lie as X: an honest finder's
    ///         find does not match, the normal dispute over trueRoot slashes the solver, the prize
    ///         goes back to the jackpot and the accomplice that "found" X gets nothing.
    function test_lieDisguisedAsForced_disputedAndSlashed() public {
        bytes32 secret = SECRET;
        // the lie sits at the leaf the claim will draw as forced
        SealedRun memory r = _run(STEPS, secret, _posWith(secret));
        assertTrue(r.forced && r.leaves[r.pos] != _honest(r.pos), "the lie is at pos");
        address accomplice = copier;
        _commitFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _commitFind(accomplice, r.jobId, r.pos, r.leaves[r.pos], SALT);
        _pastDeadline(r.jobId);
        _reveal(r); // the proof is consistent: the lie is "the true leaf"
        uint256 prize = market.forcedPool();
        assertGt(prize, 0);
        vm.expectRevert(abi.encodeWithSelector(NotTheForcedError.selector, r.jobId, r.pos));
        _revealFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
        _revealFind(accomplice, r.jobId, r.pos, r.leaves[r.pos], SALT);
        vm.prank(finder);
        uint256 disputeId = market.challenge{value: BOND}(r.jobId);
        JobMarketMockGame.Opened memory o = game.opened(disputeId);
        assertEq(o.c.stepsRoot, r.trueRoot, "the game judges the true root");
        uint256 jackpotBefore = market.jackpot();
        game.resolve(disputeId, true);
        // reopened, or expired: the 1-day claim window is over by now
        assertEq(uint8(market.statusOf(r.jobId)), uint8(Status.Expired), "expired (reward refunded)");
        assertEq(market.claimable(submitter), REWARD, "the submitter's reward back");
        assertEq(market.forcedPool(), 0, "prize released");
        assertGe(market.jackpot(), jackpotBefore + prize, "prize back (plus the slash share, minus the payout)");
        assertGt(market.claimable(finder), BOND, "the honest challenger is paid");
        vm.prank(accomplice);
        vm.expectRevert(abi.encodeWithSelector(NoForcedPrize.selector, r.jobId, accomplice));
        market.collectForcedPrize(r.jobId);
    }

    /// @dev The forced position the next claim will draw with `secret` (claim block = now).
    function _posWith(bytes32 secret) internal view returns (uint256 pos) {
        bool forced;
        (forced, pos) = _draw(secret, _claimBlockHash(), STEPS);
        assertTrue(forced);
    }

    function test_noReveal_slashedAsLate_afterRevealDeadline() public {
        SealedRun memory r = _forcedRun();
        vm.expectRevert(abi.encodeWithSelector(NotRevealed.selector, r.jobId));
        market.challenge{value: BOND}(r.jobId);
        Timestamp findDeadline = market.getJob(r.jobId).deadline;
        _pastDeadline(r.jobId);
        vm.expectRevert(abi.encodeWithSelector(NotRevealed.selector, r.jobId));
        market.finalize(r.jobId);
        Timestamp closes = Timestamp.wrap(findDeadline.raw() + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(RevealWindow.selector, r.jobId, findDeadline, closes));
        market.slashLate(r.jobId);
        vm.warp(closes.raw() + 1);
        bytes32[] memory path = GameMerkle.proof(r.leaves, r.pos); // (sha256 is a call: not after expectRevert)
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(RevealWindow.selector, r.jobId, findDeadline, closes));
        market.revealResult(r.jobId, SECRET, r.trueRoot, r.leaves[r.pos], path);
        uint256 jackpotBefore = market.jackpot();
        vm.prank(keeper);
        market.slashLate(r.jobId);
        assertEq(market.claimable(keeper), STAKE / 10, "the keeper's tip");
        assertEq(market.jackpot(), jackpotBefore + STAKE - STAKE / 10);
        assertEq(uint8(market.statusOf(r.jobId)), uint8(Status.Expired), "claim window over: expired, reward back");
        assertEq(market.claimable(submitter), REWARD);
    }

    function test_reveal_beforeFindDeadline_reverts() public {
        SealedRun memory r = _forcedRun();
        Timestamp d = market.getJob(r.jobId).deadline;
        bytes32[] memory path = GameMerkle.proof(r.leaves, r.pos);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(RevealWindow.selector, r.jobId, d, Timestamp.wrap(d.raw() + WINDOW)));
        market.revealResult(r.jobId, SECRET, r.trueRoot, r.leaves[r.pos], path);
    }

    function test_badReveals_revert() public {
        SealedRun memory r = _forcedRun();
        _pastDeadline(r.jobId);
        bytes32[] memory path = GameMerkle.proof(r.leaves, r.pos);
        vm.startPrank(solver);
        vm.expectRevert(abi.encodeWithSelector(BadReveal.selector, r.jobId, "secret"));
        market.revealResult(r.jobId, keccak256("guess"), r.trueRoot, r.leaves[r.pos], path);
        vm.expectRevert(abi.encodeWithSelector(BadReveal.selector, r.jobId, "trueRoot"));
        market.revealResult(r.jobId, SECRET, r.stateRoot, r.leaves[r.pos], path);
        vm.expectRevert(abi.encodeWithSelector(BadReveal.selector, r.jobId, "forced leaf proof"));
        market.revealResult(r.jobId, SECRET, r.trueRoot, keccak256("not X"), path);
        bytes32[] memory short = new bytes32[](path.length - 1);
        for (uint256 i; i < short.length; i++) short[i] = path[i];
        vm.expectRevert(abi.encodeWithSelector(BadReveal.selector, r.jobId, "forced leaf proof"));
        market.revealResult(r.jobId, SECRET, r.trueRoot, r.leaves[r.pos], short);
        path[0] = bytes32(uint256(path[0]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(BadReveal.selector, r.jobId, "forced leaf proof"));
        market.revealResult(r.jobId, SECRET, r.trueRoot, r.leaves[r.pos], path);
        vm.stopPrank();
    }

    function test_entropy_unavailable_inClaimBlock_andAfter256Blocks() public {
        uint256 jobId = _post(STEPS);
        vm.prank(solver);
        market.claimJobSealed{value: STAKE}(jobId, keccak256(abi.encodePacked(SECRET)));
        uint256 claimBlock = block.number;
        vm.expectRevert(abi.encodeWithSelector(EntropyUnavailable.selector, jobId, claimBlock));
        market.sealEntropy(jobId);
        vm.roll(claimBlock + 257);
        vm.expectRevert(abi.encodeWithSelector(EntropyUnavailable.selector, jobId, claimBlock));
        market.sealEntropy(jobId);
        Commitment memory c = Commitment(bytes32(0), bytes32(0), bytes32(0), STEPS);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(EntropyUnavailable.selector, jobId, claimBlock));
        market.commitSealed(jobId, c, bytes32(0));
    }

    function test_wrongFlow_reverts() public {
        uint256 jobId = _post(STEPS);
        vm.prank(solver);
        vm.expectRevert(abi.encodeWithSelector(WrongFlow.selector, true));
        market.claimJob{value: STAKE}(jobId);
        JobMarket plain = new JobMarket(address(game), testMarketConfig());
        vm.expectRevert(abi.encodeWithSelector(WrongFlow.selector, false));
        plain.claimJobSealed(1, bytes32(0));
    }

    function test_findWindow_closesAtTheDeadline() public {
        SealedRun memory r = _forcedRun();
        vm.warp(market.getJob(r.jobId).deadline.raw());
        _commitFind(finder, r.jobId, r.pos, _honest(r.pos), SALT); // at the deadline: accepted
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(FindRejected.selector, r.jobId, "find window closed"));
        _commitFind(finder2, r.jobId, r.pos, _honest(r.pos), SALT);
        _reveal(r);
        _pastDeadline(r.jobId);
        vm.expectRevert(abi.encodeWithSelector(FindRejected.selector, r.jobId, "challenge window closed"));
        _revealFind(finder, r.jobId, r.pos, _honest(r.pos), SALT);
    }

    /// @notice Gas of every forced-error move (PROTOCOL.md §12 table), whole-call deltas.
    function test_gas_forcedPaths() public {
        uint256 jobId = _post(STEPS);
        vm.prank(solver);
        uint256 g = gasleft();
        market.claimJobSealed{value: STAKE}(jobId, keccak256(abi.encodePacked(SECRET)));
        console.log("claimJobSealed", g - gasleft());
        vm.roll(block.number + 1);
        g = gasleft();
        market.sealEntropy(jobId);
        console.log("sealEntropy", g - gasleft());
        (bool forced, uint256 pos) = _draw(SECRET, market.sealedOf(jobId).entropy, STEPS);
        assertTrue(forced);
        bytes32[] memory leaves = new bytes32[](STEPS + 1);
        for (uint256 m; m <= STEPS; m++) leaves[m] = _honest(m);
        bytes32 trueRoot = GameMerkle.root(leaves);
        bytes32 x = leaves[pos];
        leaves[pos] = keccak256(abi.encodePacked(x, SECRET));
        Commitment memory c = Commitment(GameMerkle.root(leaves), _honest(STEPS), keccak256("model"), STEPS);
        leaves[pos] = x;
        vm.prank(solver);
        g = gasleft();
        market.commitSealed(jobId, c, keccak256(abi.encodePacked(trueRoot, SECRET)));
        console.log("commitSealed", g - gasleft());
        vm.prank(finder);
        g = gasleft();
        market.commitFind(jobId, _findHash(finder, jobId, pos, x, SALT));
        console.log("commitFind", g - gasleft());
        _pastDeadline(jobId);
        bytes32[] memory path = GameMerkle.proof(leaves, pos);
        vm.prank(solver);
        g = gasleft();
        market.revealResult(jobId, SECRET, trueRoot, x, path);
        console.log("revealResult (forced, 9 leaves)", g - gasleft());
        vm.prank(finder);
        g = gasleft();
        market.revealFind(jobId, pos, x, SALT);
        console.log("revealFind", g - gasleft());
        _pastDeadline(jobId);
        g = gasleft();
        market.finalize(jobId);
        console.log("finalize (forced, settles)", g - gasleft());
        vm.prank(finder);
        g = gasleft();
        market.collectForcedPrize(jobId);
        console.log("collectForcedPrize", g - gasleft());
        // an unforced reveal (2 leaves: never forced) and the finalize of an unforced job
        SealedRun memory u = _run(1, keccak256("s2"), NO_LIE);
        _pastDeadline(u.jobId);
        vm.prank(solver);
        g = gasleft();
        market.revealResult(u.jobId, u.secret, u.trueRoot, bytes32(0), new bytes32[](0));
        console.log("revealResult (unforced)", g - gasleft());
        _pastDeadline(u.jobId);
        g = gasleft();
        market.finalize(u.jobId);
        console.log("finalize (sealed, unforced)", g - gasleft());
    }

    /// @notice Fuzzed secret, step count and rate: an honest solver's reveal always passes, the
    ///         draw matches the written-out formula, pos is never leaf 0 nor the last leaf, every
    ///         valid finder gets an equal share, and every wei is accounted for.
    function testFuzz_honestSealedJob(bytes32 secret, uint64 steps, uint256 rate, uint8 finders, bool found) public {
        steps = uint64(bound(steps, 1, 40));
        rate = bound(rate, 1, 1 << 16);
        finders = uint8(bound(finders, 1, 4));
        market = new JobMarket(
            address(game),
            MarketConfig({referenceGasPrice: 1 gwei, minSampleRateBps: 2_500, forcedErrorRate: rate, forcedFinders: 0})
        );
        game.setMarket(market);
        market.fundJackpot{value: 7 ether + rate}();
        uint256 held = address(market).balance;
        SealedRun memory r = _run(steps, secret, NO_LIE);
        if (r.forced) assertTrue(r.pos >= 1 && r.pos < steps, "pos inside (0, last)");
        address[] memory who = new address[](finders);
        for (uint256 i; i < finders; i++) {
            who[i] = address(uint160(0xF1000 + i));
            if (found && r.forced) _commitFind(who[i], r.jobId, r.pos, _honest(r.pos), bytes32(i));
        }
        _pastDeadline(r.jobId);
        _reveal(r);
        assertEq(market.sealedOf(r.jobId).forced, r.forced);
        uint256 prize = market.forcedPool();
        if (found && r.forced) for (uint256 i; i < finders; i++) _revealFind(who[i], r.jobId, r.pos, _honest(r.pos), bytes32(i));
        _pastDeadline(r.jobId);
        market.finalize(r.jobId);
        uint256 paid;
        if (found && r.forced) {
            for (uint256 i; i < finders; i++) {
                vm.prank(who[i]);
                market.collectForcedPrize(r.jobId);
                assertEq(market.claimable(who[i]), prize / finders, "equal shares");
                paid += prize / finders;
            }
        }
        assertEq(market.forcedPool(), 0);
        assertEq(market.claimable(solver), REWARD - REWARD * 200 / 10_000 + STAKE, "never slashed for a forced error");
        assertEq(
            address(market).balance,
            market.jackpot() + market.totalClaimable() + market.totalEscrow() + market.totalStakes(),
            "every wei accounted for"
        );
        assertEq(address(market).balance, held + REWARD + STAKE, "nothing created or lost");
        assertEq(market.totalClaimable(), REWARD - REWARD * 200 / 10_000 + STAKE + paid);
    }
}

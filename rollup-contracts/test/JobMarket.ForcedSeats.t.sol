// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {JobMarket} from "../src/JobMarket.sol";
import {MarketConfig, Status} from "../src/lib/JobMarketTypes.sol";
import {BadMarketConfig} from "../src/lib/JobMarketErrors.sol";
import {ForcedTestBase, SealedRun} from "./helpers/ForcedTestBase.sol";

/// @notice FORCED_FINDERS (docs/PROTOCOL.md §12.4): a forced error found by more accounts than the
///         market's seats pays none of them. The solver knows its own forced error and could
///         otherwise claim most of the prize through extra accounts; with the seats filled by
///         honest finders, an extra account (the solver's or a finder's) only costs its owner gas.
contract JobMarket_ForcedSeats_Test is ForcedTestBase {
    bytes32 internal constant SECRET = keccak256("s1");
    uint256 internal constant NO_LIE = type(uint256).max;
    address internal sybil = makeAddr("the solver's other account");

    function _seats() internal pure override returns (uint256) {
        return 2;
    }

    /// @notice A forced job found by `who` (each with its own salt); returns the run and the prize.
    function _foundBy(address[] memory who) internal returns (SealedRun memory r, uint256 prize) {
        r = _run(STEPS, SECRET, NO_LIE);
        assertTrue(r.forced, "p = 1");
        for (uint256 i; i < who.length; i++) _commitFind(who[i], r.jobId, r.pos, _honest(r.pos), bytes32(i));
        _pastDeadline(r.jobId);
        _reveal(r);
        prize = market.forcedPool();
        for (uint256 i; i < who.length; i++) _revealFind(who[i], r.jobId, r.pos, _honest(r.pos), bytes32(i));
        _pastDeadline(r.jobId);
    }

    function test_withinTheSeats_findersSplitThePrize() public {
        address[] memory who = new address[](2);
        (who[0], who[1]) = (finder, finder2);
        (SealedRun memory r, uint256 prize) = _foundBy(who);
        vm.expectEmit(true, false, false, true, address(market));
        emit ForcedErrorSettled(r.jobId, r.pos, 2, prize / 2);
        market.finalize(r.jobId);
        for (uint256 i; i < 2; i++) {
            vm.prank(who[i]);
            market.collectForcedPrize(r.jobId);
            assertEq(market.claimable(who[i]), prize / 2);
        }
    }

    /// @notice The honest finders fill the seats; the solver's extra account makes the prize pay
    ///         nobody: the solver gains nothing, the prize goes back to the jackpot whole.
    function test_selfClaimBeyondTheSeats_paysNobody_prizeBackWhole() public {
        address[] memory who = new address[](3);
        (who[0], who[1], who[2]) = (finder, finder2, sybil);
        uint256 jackpotBefore = market.jackpot();
        (SealedRun memory r, uint256 prize) = _foundBy(who);
        assertEq(market.jackpot(), jackpotBefore - prize, "held at the reveal");
        vm.expectEmit(true, false, false, true, address(market));
        emit ForcedErrorSettled(r.jobId, r.pos, 3, 0);
        market.finalize(r.jobId);
        uint256 fee = REWARD * 200 / 10_000;
        assertEq(market.jackpot(), jackpotBefore + fee, "the whole prize back, plus the fee");
        assertEq(market.forcedPool(), 0);
        for (uint256 i; i < 3; i++) {
            vm.prank(who[i]);
            market.collectForcedPrize(r.jobId);
            assertEq(market.claimable(who[i]), 0, "nobody paid");
        }
        assertEq(uint8(market.statusOf(r.jobId)), uint8(Status.Finalized));
        assertEq(market.claimable(solver), REWARD - fee + STAKE, "the job itself is unaffected");
    }

    function test_forcedFinders_aboveUint32_rejected() public {
        uint256 tooMany = uint256(type(uint32).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(BadMarketConfig.selector, "forcedFinders", tooMany));
        new JobMarket(
            address(game),
            MarketConfig({referenceGasPrice: 1 gwei, minSampleRateBps: 2_500, forcedErrorRate: 1, forcedFinders: tooMany})
        );
    }

    /// @notice Any number of finders against any number of seats: each is paid prize / finders
    ///         while they fit in the seats (or without a limit), nothing otherwise; every wei of
    ///         the prize goes to finders or back to the jackpot.
    function testFuzz_seats(uint8 seats, uint8 finders) public {
        seats = uint8(bound(seats, 0, 5));
        finders = uint8(bound(finders, 1, 7));
        market = new JobMarket(
            address(game),
            MarketConfig({referenceGasPrice: 1 gwei, minSampleRateBps: 2_500, forcedErrorRate: 1 << 16, forcedFinders: seats})
        );
        game.setMarket(market);
        market.fundJackpot{value: 7 ether + 3}();
        address[] memory who = new address[](finders);
        for (uint256 i; i < finders; i++) who[i] = address(uint160(0xF2000 + i));
        uint256 jackpotBefore = market.jackpot();
        (SealedRun memory r, uint256 prize) = _foundBy(who);
        market.finalize(r.jobId);
        uint256 each = seats == 0 || finders <= seats ? prize / finders : 0;
        for (uint256 i; i < finders; i++) {
            vm.prank(who[i]);
            market.collectForcedPrize(r.jobId);
            assertEq(market.claimable(who[i]), each, "equal shares within the seats, none beyond");
        }
        assertEq(market.forcedPool(), 0);
        assertEq(market.jackpot(), jackpotBefore - each * finders + REWARD * 200 / 10_000, "the rest back to the jackpot");
        assertEq(
            address(market).balance,
            market.jackpot() + market.totalClaimable() + market.totalEscrow() + market.totalStakes(),
            "every wei accounted for"
        );
    }
}

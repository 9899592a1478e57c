// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {console} from "forge-std/console.sol";
import {JobMarket} from "../src/JobMarket.sol";
import {testMarketConfig} from "./helpers/MarketConfigs.sol";
import {Job, Dispute, Status, DisputeStatus} from "../src/lib/JobMarketTypes.sol";
import {JobMarketMockGame} from "./mocks/JobMarketMockGame.sol";
import {JobMarketHandler} from "./helpers/JobMarketHandler.sol";
import {JobMarketForcedHandler} from "./helpers/JobMarketForcedHandler.sol";
import {MarketConfig, Sealed} from "../src/lib/JobMarketTypes.sol";
import {TEST_REFERENCE_GAS_PRICE, TEST_MIN_SAMPLE_RATE_BPS} from "./helpers/MarketConfigs.sol";

/// @notice Market-wide invariants, checked after every handler call.
abstract contract JobMarket_Invariant_Base is Test {
    JobMarket internal market;
    JobMarketMockGame internal game;
    JobMarketHandler internal handler;
    address[2] internal honestSolvers;
    address internal honestChallenger;

    function _truthful() internal pure virtual returns (bool);

    /// @notice FORCED_ERROR_RATE of the market under test (of 2^16); 0: the unsealed flow.
    function _forcedRate() internal pure virtual returns (uint256) {
        return 0;
    }

    /// @notice FORCED_FINDERS of the market under test; 0: no limit.
    function _forcedFinders() internal pure virtual returns (uint256) {
        return 0;
    }

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.roll(100);
        game = new JobMarketMockGame();
        uint256 rate = _forcedRate();
        market = new JobMarket(
            address(game),
            MarketConfig({
                referenceGasPrice: TEST_REFERENCE_GAS_PRICE,
                minSampleRateBps: TEST_MIN_SAMPLE_RATE_BPS,
                forcedErrorRate: rate,
                forcedFinders: _forcedFinders()
            })
        );
        game.setMarket(market);
        handler = rate == 0 ? new JobMarketHandler(market, game, _truthful()) : new JobMarketForcedHandler(market, game, _truthful());
        honestSolvers = [handler.solvers(0), handler.solvers(1)];
        honestChallenger = handler.honestChallenger();

        bytes4[] memory selectors = new bytes4[](rate == 0 ? 12 : 16);
        selectors[0] = JobMarketHandler.postJob.selector;
        selectors[1] = JobMarketHandler.cancelJob.selector;
        selectors[2] = JobMarketHandler.claimJob.selector;
        selectors[3] = JobMarketHandler.commitResult.selector;
        selectors[4] = JobMarketHandler.slashLate.selector;
        selectors[5] = JobMarketHandler.challenge.selector;
        selectors[6] = JobMarketHandler.resolve.selector;
        selectors[7] = JobMarketHandler.finalize.selector;
        selectors[8] = JobMarketHandler.withdraw.selector;
        selectors[9] = JobMarketHandler.fundJackpot.selector;
        selectors[10] = JobMarketHandler.warp.selector;
        selectors[11] = JobMarketHandler.settleCoWinner.selector;
        if (rate != 0) {
            selectors[12] = JobMarketForcedHandler.commitFind.selector;
            selectors[13] = JobMarketForcedHandler.reveal.selector;
            selectors[14] = JobMarketForcedHandler.revealFind.selector;
            selectors[15] = JobMarketForcedHandler.collectForcedPrize.selector;
        }
        targetSelector(StdInvariant.FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));

        // Start every run with a few live jobs so lifecycle actions have targets from call 1.
        handler.postJob(0, 1 ether, 6 ether, 0.5 ether, 1 days, 6 hours, 1 days, 1);
        handler.postJob(1, 0.3 ether, 2 ether, 1 ether, 2 days, 1 days, 2 days, 64);
        handler.postJob(0, 1, 6, 1, 1, 1, 1, 4096); // the smallest legal job (stake and bond floors)
    }

    /// @notice Checked after every handler call. One invariant function per suite on purpose:
    ///         forge runs a separate fuzz campaign per `invariant_*` function, and these checks
    ///         share one pass over all jobs and disputes. What is checked:
    ///         1. solvency: balance == escrow + stakes + bonds + jackpot + claimable;
    ///         2. nothing paid twice: deposited == withdrawn + balance;
    ///         3. every running total equals the sum over the job/dispute/account records;
    ///         4. Challenged <=> openDisputes > 0, openDisputes counts the Active disputes over live
    ///            commitments, coWinnerPool the shares of Active disputes over slashed ones;
    ///         4b. the dishonest solver never recovers any of the burn of its slashed stakes;
    ///         5. a terminal job (Finalized/Cancelled/Expired) never changes again;
    ///         6. (truthful game only) honest solvers and the honest challenger are never shorted.
    function invariant_market() public view {
        uint256 balance = address(market).balance;
        assertEq(
            balance,
            market.totalEscrow() + market.totalStakes() + market.totalBonds() + market.jackpot()
                + market.totalClaimable() + market.coWinnerPool() + market.burned() + market.forcedPool(),
            "solvency: balance != escrow + stakes + bonds + jackpot + claimable + coWinnerPool + burned + forcedPool"
        );
        assertEq(handler.ghostDeposited(), handler.ghostWithdrawn() + balance, "conservation: paid twice or lost");

        Scan memory sc;
        _scanJobs(sc);
        _scanDisputes(sc);
        uint256 claimable;
        for (uint256 i; i < handler.actorCount(); i++) {
            claimable += market.claimable(handler.actors(i));
        }
        assertEq(market.totalEscrow(), sc.escrow, "totalEscrow");
        assertEq(market.totalStakes(), sc.stakes, "totalStakes");
        assertEq(market.totalBonds(), sc.bonds, "totalBonds");
        assertEq(sc.liveDisputes, sc.openDisputes, "openDisputes == Active disputes over live commitments");
        assertEq(market.coWinnerPool(), sc.coWinnerShares, "coWinnerPool == shares of unsettled co-winners");
        assertEq(market.forcedPool(), sc.forcedHeld, "forcedPool == prizes held + shares of finders not yet paid");
        if (_forcedRate() != 0) {
            // a copied find never pays: the copier only ever sent the gas of its copies
            address cp = JobMarketForcedHandler(address(handler)).copier();
            assertEq(market.claimable(cp) + handler.ghostReceived(cp), 0, "a copied find was paid");
        }
        // A solver caught by anyone, itself included, loses at least half of each slashed stake:
        // what it holds (received + claimable + still locked) never exceeds what it sent plus
        // what it earned as a solver, minus the burn of its slashes.
        address liar = handler.solvers(2);
        assertGe(handler.ghostBurned(liar) * 2, handler.ghostDisputeSlashed(liar), "less than half burned");
        assertLe(
            handler.ghostReceived(liar) + market.claimable(liar) + sc.liarLocked + handler.ghostBurned(liar),
            handler.ghostSent(liar) + handler.ghostIncome(liar),
            "a caught solver recovered part of its burn"
        );
        assertEq(market.totalClaimable(), claimable, "totalClaimable");

        if (!handler.truthful()) return;
        for (uint256 s; s < 2; s++) {
            address a = honestSolvers[s];
            // Only missing its own commit deadline can cost an honest solver anything.
            assertGe(
                handler.ghostReceived(a) + market.claimable(a) + sc.honestLocked[s] + handler.ghostLateSlashed(a),
                handler.ghostSent(a),
                "honest solver shorted"
            );
        }
        address c = honestChallenger;
        assertGe(
            handler.ghostReceived(c) + market.claimable(c) + sc.honestBonded, handler.ghostSent(c), "challenger shorted"
        );
    }

    struct Scan {
        uint256 escrow;
        uint256 stakes;
        uint256 bonds;
        uint256 openDisputes;
        uint256 liveDisputes;
        uint256 coWinnerShares;
        uint256 liarLocked;
        uint256[2] honestLocked;
        uint256 honestBonded;
        uint256 forcedHeld;
    }

    function _scanJobs(Scan memory sc) internal view {
        uint256 n = market.jobCount();
        for (uint256 id = 1; id <= n; id++) {
            Job memory j = market.getJob(id);
            Sealed memory fz = market.sealedOf(id);
            if (fz.settled) sc.forcedHeld += uint256(fz.prize) * fz.finds; // finalized: shares still to collect
            bytes32 frozen = handler.terminalHash(id);
            if (frozen != bytes32(0)) {
                assertEq(keccak256(abi.encode(j)), frozen, "terminal job changed");
                continue;
            }
            if (j.status == Status.Open) sc.escrow += j.reward;
            if (_holdsStake(j.status)) {
                sc.escrow += j.reward;
                sc.stakes += j.terms.requiredStake;
                if (j.solver == handler.solvers(2)) sc.liarLocked += j.terms.requiredStake;
                if (j.solver == honestSolvers[0]) sc.honestLocked[0] += j.terms.requiredStake;
                if (j.solver == honestSolvers[1]) sc.honestLocked[1] += j.terms.requiredStake;
            }
            sc.openDisputes += j.openDisputes;
            if (!fz.settled) sc.forcedHeld += fz.prize; // revealed forced error, not yet settled
            assertEq(j.status == Status.Challenged, j.openDisputes > 0, "Challenged <=> openDisputes > 0");
        }
    }

    function _scanDisputes(Scan memory sc) internal view {
        bool truthful = handler.truthful();
        uint256 n = market.disputeCount();
        for (uint256 id = 1; id <= n; id++) {
            Dispute memory d = market.getDispute(id);
            if (d.status == DisputeStatus.Active) {
                sc.bonds += d.bond;
                uint256 share = market.slashOf(d.jobId, d.round).share;
                if (market.slashOf(d.jobId, d.round).unpaid == 0) {
                    sc.liveDisputes++;
                    assertEq(market.getJob(d.jobId).round, d.round, "an Active dispute over a dead commitment");
                } else {
                    sc.coWinnerShares += share;
                }
                if (d.challenger == honestChallenger) sc.honestBonded += d.bond + share;
                if (d.challenger == handler.solvers(2)) sc.liarLocked += d.bond + share;
            }
            if (truthful && d.challenger == honestChallenger) {
                // A correct game never rules against a challenger who only challenges lies.
                assertTrue(d.status != DisputeStatus.SolverWon, "honest challenger lost");
            }
        }
    }

    function afterInvariant() public view {
        string[13] memory names = [
            "postJob",
            "cancelJob",
            "claimJob",
            "commitResult",
            "slashLate",
            "challenge",
            "resolve:challengerWon",
            "resolve:challengerLost",
            "finalize",
            "withdraw",
            "fundJackpot",
            "warp",
            "settleCoWinner"
        ];
        for (uint256 i; i < 13; i++) {
            console.log(names[i], handler.calls(keccak256(bytes(names[i]))));
        }
        if (_forcedRate() == 0) return;
        string[7] memory forced = [
            "commitFind", "commitFind:copied", "reveal:forced", "reveal:unforced",
            "revealFind:honest", "revealFind:accomplice", "collectForcedPrize"
        ];
        for (uint256 i; i < 7; i++) {
            console.log(forced[i], handler.calls(keccak256(bytes(forced[i]))));
        }
    }

    function _holdsStake(Status s) internal pure returns (bool) {
        return s == Status.Claimed || s == Status.Committed || s == Status.Challenged;
    }
}

/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 64
/// forge-config: default.invariant.fail-on-revert = true
/// @notice The game judges correctly: additionally, honest actors are never shorted.
contract JobMarket_Invariant_Truthful_Test is JobMarket_Invariant_Base {
    function _truthful() internal pure override returns (bool) {
        return true;
    }
}

/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 64
/// forge-config: default.invariant.fail-on-revert = true
/// @notice The game's outcomes are arbitrary: accounting must hold regardless.
contract JobMarket_Invariant_RandomOutcome_Test is JobMarket_Invariant_Base {
    function _truthful() internal pure override returns (bool) {
        return false;
    }
}

/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 64
/// forge-config: default.invariant.fail-on-revert = true
/// @notice Forced errors at p = 1/2 (docs/PROTOCOL.md §12), a correct game: the same invariants plus
///         forcedPool accounting, and copied finds never pay.
contract JobMarket_Invariant_Forced_Truthful_Test is JobMarket_Invariant_Base {
    function _truthful() internal pure override returns (bool) {
        return true;
    }

    function _forcedRate() internal pure override returns (uint256) {
        return 1 << 15;
    }
}

/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 64
/// forge-config: default.invariant.fail-on-revert = true
/// @notice Forced errors at p = 1/2 with arbitrary game outcomes and one seat (an honest finder
///         and an accomplice together are paid nothing): accounting must hold regardless.
contract JobMarket_Invariant_Forced_RandomOutcome_Test is JobMarket_Invariant_Base {
    function _truthful() internal pure override returns (bool) {
        return false;
    }

    function _forcedRate() internal pure override returns (uint256) {
        return 1 << 15;
    }

    function _forcedFinders() internal pure override returns (uint256) {
        return 1;
    }
}

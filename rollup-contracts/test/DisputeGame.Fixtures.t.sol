// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Reason} from "../src/lib/GameTypes.sol";
import {Fixture, FxVariant, DisputeFixtures} from "./helpers/DisputeFixtures.sol";
import {DisputeGamePlayers} from "./helpers/DisputeGamePlayers.sol";

/// @notice Full games on real training traces (fixtures/gen-dispute-fixtures.ts): a cheating
///         solver always loses to an honest challenger, an honest solver always beats a
///         griefing challenger, whatever the fuzzed divergence point and choices.
contract DisputeGameFixturesTest is DisputeGamePlayers {
    function _cheat(string memory name, uint256 variant, uint256 seed) internal {
        Fixture memory fx = _load(name);
        FxVariant memory x = fx.variants[variant % fx.variants.length];
        uint256 id = _playCheater(fx, x, seed, false);
        _assertResolved(id, true);
    }

    /// @dev Every variant, cheater consistent with its lie: the game must end at the check that
    ///      catches that kind of lie.
    function _everyVariant(string memory name, uint256 from, uint256 to) internal {
        Fixture memory fx = _load(name);
        if (to > fx.variants.length) to = fx.variants.length;
        for (uint256 i = from; i < to; i++) {
            FxVariant memory x = fx.variants[i];
            uint256 id = _playCheater(fx, x, i + 1, true);
            _assertResolved(id, true);
            assertEq(uint8(game.getGame(id).reason), uint8(_expectedReason(fx, x)), x.label);
        }
    }

    /// @dev A wrong final model hash is caught by revealFinal; a wrong post-state leaf (link) and
    ///      a wrong source record (state / dataset) leave the cheater without a valid proof, so
    ///      it times out; every other wrong op output is caught by the one-step execution.
    function _expectedReason(Fixture memory fx, FxVariant memory x) internal pure returns (Reason) {
        if (x.kind == DisputeFixtures.KIND_MODEL_HASH) return Reason.FinalModelMismatch;
        if (x.kind == DisputeFixtures.KIND_STATE) return Reason.Timeout;
        bytes memory desc = DisputeFixtures.programOf(fx, x.step)[x.node];
        uint16 opId = (uint16(uint8(desc[0])) << 8) | uint16(uint8(desc[1]));
        return opId <= 1 ? Reason.Timeout : Reason.OneStep;
    }

    function test_fullGame_mlpEveryVariantCaughtByItsCheck_succeeds() public {
        _everyVariant("mlp", 0, type(uint256).max);
    }

    /// @dev Split in two: each test runs under forge's per-test gas limit of 2^30.
    function test_fullGame_cnnFirstVariantsCaughtByTheirCheck_succeeds() public {
        _everyVariant("cnn", 0, 9);
    }

    function test_fullGame_cnnLastVariantsCaughtByTheirCheck_succeeds() public {
        _everyVariant("cnn", 9, type(uint256).max);
    }

    function _grief(string memory name, uint256 seed) internal {
        Fixture memory fx = _load(name);
        uint256 id = _playGriefer(fx, seed);
        _assertResolved(id, false);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_fullGame_mlpCheatingSolverLoses_succeeds(uint256 variant, uint256 seed) public {
        _cheat("mlp", variant, seed);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_fullGame_cnnCheatingSolverLoses_succeeds(uint256 variant, uint256 seed) public {
        _cheat("cnn", variant, seed);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_fullGame_mlpGriefingChallengerLoses_succeeds(uint256 seed) public {
        _grief("mlp", seed);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_fullGame_cnnGriefingChallengerLoses_succeeds(uint256 seed) public {
        _grief("cnn", seed);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {DisputeGame} from "../src/DisputeGame.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {IOneStepProver} from "../src/interfaces/IOneStepProver.sol";
import {Game, Phase, Reason} from "../src/lib/GameTypes.sol";

/// @notice The game with the compiler's own storage -> ABI copy of `Game`, the reference for the
///         hand-written `getGame`.
contract GameViewHarness is DisputeGame {
    constructor() DisputeGame(IJobMarket(address(0)), IOneStepProver(address(0)), 1) {}

    function refGame(uint256 disputeId) external view returns (Game memory) {
        return _games[disputeId];
    }
}

/// @notice `getGame` encodes every field of `Game` exactly as the compiler would.
contract DisputeGameViewsTest is Test {
    uint256 internal constant SLOTS = 23; // storage slots of `Game` (see getGame's LAYOUT)

    GameViewHarness internal h;

    function setUp() public {
        h = new GameViewHarness();
    }

    /// @dev Slot k of `_games[id]` (the mapping is the game's first state variable, slot 0).
    function _slot(uint256 id, uint256 k) internal pure returns (bytes32) {
        return bytes32(uint256(keccak256(abi.encode(id, uint256(0)))) + k);
    }

    /// @dev Random slot contents, with the enum and bool bytes of slot 0 made valid (the
    ///      compiler's copy reverts on an out-of-range enum; the game only ever stores valid ones).
    function _fill(uint256 id, uint256 seed) internal {
        for (uint256 k = 0; k < SLOTS; k++) {
            uint256 w = uint256(keccak256(abi.encode(seed, k)));
            if (k == 0) {
                uint256 phase = (w >> 208) % (uint256(type(Phase).max) + 1);
                uint256 won = (w >> 224) & 1;
                uint256 reason = (w >> 232) % (uint256(type(Reason).max) + 1);
                w &= ~(uint256(0xff) << 208) & ~(uint256(0xff) << 224) & ~(uint256(0xff) << 232);
                w |= (phase << 208) | (won << 224) | (reason << 232);
            }
            vm.store(address(h), _slot(id, k), bytes32(w));
        }
    }

    function testFuzz_getGame_matchesCompilerCopy_succeeds(uint256 id, uint256 seed) public {
        _fill(id, seed);
        assertEq(abi.encode(h.getGame(id)), abi.encode(h.refGame(id)));
    }

    function test_getGame_unknownId_isZero_succeeds() public view {
        assertEq(abi.encode(h.getGame(5)), abi.encode(h.refGame(5)));
        assertEq(uint8(h.getGame(5).phase), uint8(Phase.None));
    }

    /// @dev The slot after the struct belongs to nothing: a table that reads past `Game` would
    ///      show it; one that skips a field would disagree with refGame above.
    function test_getGame_ignoresNextSlot_succeeds() public {
        vm.store(address(h), _slot(3, SLOTS), bytes32(type(uint256).max));
        assertEq(abi.encode(h.getGame(3)), abi.encode(h.refGame(3)));
    }
}

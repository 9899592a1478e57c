// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Game, Phase} from "../../src/lib/GameTypes.sol";
import {GameMerkle} from "./GameMerkle.sol";
import {DisputeGameTestBase} from "./DisputeGameTestBase.sol";

/// @notice The data sub-game from both sides: the solver reveals its data tree (`solverData`,
///         LE float32 bytes, possibly with garbage padding), the challenger descends it.
abstract contract DisputeGameDescent is DisputeGameTestBase {
    /// @dev Solver's move: the children of the current node of its tree.
    function _revealChildren(uint256 id, bytes32[] memory solverLeaves) internal returns (bytes32 l, bytes32 r) {
        Game memory g = game.getGame(id);
        l = GameMerkle.node(solverLeaves, g.dataHeight - 1, 2 * uint256(g.dataIndex));
        r = GameMerkle.node(solverLeaves, g.dataHeight - 1, 2 * uint256(g.dataIndex) + 1);
        vm.prank(solver);
        game.revealChildren(id, l, r);
    }

    /// @dev Solver's move at the bottom: its leaf chunk.
    function _revealChunk(uint256 id, bytes memory solverData) internal returns (bytes memory chunk) {
        chunk = GameMerkle.chunk(solverData, game.getGame(id).dataIndex);
        vm.prank(solver);
        game.revealChunk(id, chunk);
    }

    /// @notice Honest challenger without the solver's data: descends the solver's tree along the
    ///         leftmost child that differs from its own, then reads the revealed chunk. Returns
    ///         the chunk index and bytes (empty if a padding leaf settled the dispute).
    function _descendHonestly(uint256 id, bytes memory solverData, bytes memory ownData)
        internal
        returns (uint32 leaf, bytes memory chunk)
    {
        bytes32[] memory theirs = GameMerkle.chunkLeaves(solverData);
        bytes32[] memory mine = GameMerkle.chunkLeaves(ownData);
        vm.prank(challenger);
        game.requestData(id);
        _followDifferingChild(id, theirs, mine);
        if (game.getGame(id).phase == Phase.Resolved) return (0, "");
        leaf = game.getGame(id).dataIndex;
        chunk = _revealChunk(id, solverData);
    }

    /// @dev The descent itself: the solver reveals the children of its tree (`theirs`), the
    ///      challenger follows the leftmost child that differs from its own (`mine`), until the
    ///      game leaves the data sub-game (a leaf reached, or a padding leaf settled it).
    function _followDifferingChild(uint256 id, bytes32[] memory theirs, bytes32[] memory mine) internal {
        while (game.getGame(id).phase == Phase.AwaitDataChildren) {
            Game memory g = game.getGame(id);
            (bytes32 l,) = _revealChildren(id, theirs);
            bool right = l == GameMerkle.node(mine, g.dataHeight - 1, 2 * uint256(g.dataIndex));
            vm.prank(challenger);
            game.chooseChild(id, right);
        }
    }

    /// @notice Honest challenger facing a solver that does not publish its post-state leaves:
    ///         descends post-state tree `tree` of the solver (`theirs`, leaves) along the
    ///         leftmost differing child; returns the leaf index to link-dispute.
    function _descendStateTree(
        uint256 id,
        uint8 tree,
        bytes32[] memory theirs,
        bytes32[] memory mine,
        bytes32 modelRoot,
        bytes32 optRoot
    ) internal returns (uint32) {
        vm.prank(challenger);
        game.requestStateTree(id, tree, modelRoot, optRoot);
        _followDifferingChild(id, theirs, mine);
        return game.getGame(id).dataIndex;
    }

    /// @notice Honest challenger facing a solver that does not publish its state hashes: descends
    ///         stepsRoot along the leftmost child that differs from its own H list and picks the
    ///         reached step j, building both proofs from the revealed siblings and its own hashes
    ///         (every leaf left of j is honest, so H[j-1] is its own).
    function _descendAndPickStep(uint256 id, bytes32[] memory theirs, bytes32[] memory mine)
        internal
        returns (uint64 j)
    {
        vm.prank(challenger);
        game.requestStepsTree(id);
        uint256 depth = game.getGame(id).dataHeight;
        bytes32[] memory chosen = new bytes32[](depth); // solver's node on the path, by level
        bytes32[] memory postPath = new bytes32[](depth);
        while (game.getGame(id).phase == Phase.AwaitDataChildren) {
            Game memory g = game.getGame(id);
            uint256 level = g.dataHeight - 1;
            (bytes32 l, bytes32 r) = _revealChildren(id, theirs);
            bool right = l == GameMerkle.node(mine, level, 2 * uint256(g.dataIndex));
            (chosen[level], postPath[level]) = right ? (r, l) : (l, r);
            vm.prank(challenger);
            game.chooseChild(id, right);
        }
        j = game.getGame(id).dataIndex;
        bytes32[] memory prePath = new bytes32[](j == 0 ? 0 : depth);
        if (j > 0) {
            uint256 split = _bitLength((j - 1) ^ j) - 1; // level where j-1's and j's paths meet
            for (uint256 l = 0; l < depth; l++) {
                if (l < split) prePath[l] = GameMerkle.node(mine, l, ((j - 1) >> l) ^ 1);
                else if (l == split) prePath[l] = chosen[l];
                else prePath[l] = postPath[l];
            }
        }
        bytes32 pre = j == 0 ? bytes32(0) : mine[j - 1];
        vm.prank(challenger);
        game.pickStep(id, j, pre, prePath, chosen[0], postPath);
    }

    function _bitLength(uint256 x) private pure returns (uint256 n) {
        while (x != 0) {
            x >>= 1;
            n++;
        }
    }

    /// @notice A griefer descends an honest solver's tree at random; returns false if a padding
    ///         leaf settled the dispute.
    function _descendAtRandom(uint256 id, bytes memory solverData, uint256 seed) internal returns (bool) {
        bytes32[] memory leaves = GameMerkle.chunkLeaves(solverData);
        vm.prank(challenger);
        game.requestData(id);
        for (uint256 i = 0; game.getGame(id).phase == Phase.AwaitDataChildren; i++) {
            _revealChildren(id, leaves);
            bool right = uint256(keccak256(abi.encode(seed, "descend", i))) % 2 == 1;
            vm.prank(challenger);
            game.chooseChild(id, right);
        }
        if (game.getGame(id).phase == Phase.Resolved) return false;
        _revealChunk(id, solverData);
        return true;
    }

    /// @notice First element index (within the revealed chunk `leaf`) where `chunk` differs
    ///         from the same chunk of `ownData`.
    function _firstDiff(uint32 leaf, bytes memory chunk, bytes memory ownData) internal pure returns (uint64) {
        bytes memory own = GameMerkle.chunk(ownData, leaf);
        uint64 j = 0;
        while (GameMerkle.at(chunk, j) == GameMerkle.at(own, j)) j++;
        return uint64(leaf) * 256 + j;
    }
}

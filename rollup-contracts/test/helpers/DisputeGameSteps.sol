// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Game, Phase} from "../../src/lib/GameTypes.sol";
import {GameMoves} from "./GameMoves.sol";
import {Fixture, TraceView, DisputeFixtures} from "./DisputeFixtures.sol";
import {DisputeGameTestBase} from "./DisputeGameTestBase.sol";

/// @notice Drives an honest dispute (mlp fixture, honest commitment) to any phase, with the
///         challenger steering the bisection to a chosen node, so unit tests can probe one move.
abstract contract DisputeGameSteps is DisputeGameTestBase {
    /// mlp step program nodes used by the unit tests (see gen-dispute-fixtures.ts):
    uint256 internal constant STATE_NODE = 1; // state(0, 1): dense_1/bias
    uint256 internal constant DATASET_NODE = 8; // dataset x
    uint256 internal constant MATMUL_NODE = 12; // fold: [4, 8] x [8, 6]
    uint256 internal constant RELU_NODE = 14; // map
    uint64 internal constant STEP = 2; // the disputed transition

    /// @dev The fixture lives in memory per test: nested dynamic arrays cannot be copied to storage.
    function _fixture() internal view returns (Fixture memory f, TraceView memory v) {
        f = _load("mlp");
        v = DisputeFixtures.honestView(f, STEP);
    }

    /// @notice Opens an honest dispute and plays honest moves until `target` (the bisection is
    ///         steered to `node`; the element is `element`, the fold step k = `k`).
    function _advanceTo(Phase target, uint256 node) internal returns (uint256 id, Fixture memory f, TraceView memory v) {
        (f, v) = _fixture();
        id = _openDispute(f, _honestCommitment(f));
        while (game.getGame(id).phase != target) _next(id, f, v, node, target);
    }

    /// @dev One honest move from the current phase toward `target`.
    function _next(uint256 id, Fixture memory f, TraceView memory v, uint256 node, Phase target) internal {
        Game memory g = game.getGame(id);
        Phase p = g.phase;
        if (p == Phase.AwaitFinal) {
            _revealHonestFinal(id, f);
        } else if (p == Phase.AwaitStep) {
            _pickStep(id, f.honestHashes, STEP);
        } else if (p == Phase.AwaitTrace) {
            _postTrace(id, f, v);
        } else if (p == Phase.AwaitTraceChoice) {
            vm.prank(challenger);
            if (target == Phase.AwaitLinkProof) game.disputeLink(id, 0, 1);
            else game.startTrace(id);
        } else if (p == Phase.AwaitAcc) {
            bytes32 a = GameMoves.acc(v, _midLen(id));
            vm.prank(solver);
            game.revealAcc(id, a);
        } else if (p == Phase.AwaitAccChoice) {
            // agree up to the target node: the interval closes on record `node`
            bool agree = _midLen(id) <= node;
            vm.prank(challenger);
            game.chooseAcc(id, agree);
        } else if (p == Phase.AwaitRecord) {
            _revealRecord(id, v);
        } else if (p == Phase.AwaitElementPick) {
            vm.prank(challenger);
            game.pickElement(id, 5);
        } else if (p == Phase.AwaitElementOpen) {
            _openElement(id, v);
        } else if (p == Phase.AwaitFold) {
            _postFold(id, v, DisputeFixtures.foldSeq(v, g.agreedLen, g.element));
        } else if (p == Phase.AwaitFoldPick) {
            vm.prank(challenger);
            game.pickAcc(id, 3);
        } else if (p == Phase.AwaitFoldOpen) {
            _openAcc(id, DisputeFixtures.foldSeq(v, g.agreedLen, g.element));
        } else {
            revert("cannot advance");
        }
    }

    /// @notice Honest accumulator sequence of the disputed element.
    function _seq(uint256 id, TraceView memory v) internal view returns (bytes memory) {
        Game memory g = game.getGame(id);
        return DisputeFixtures.foldSeq(v, g.agreedLen, g.element);
    }
}

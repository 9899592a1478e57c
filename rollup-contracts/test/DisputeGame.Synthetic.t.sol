// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Commitment} from "../src/interfaces/IDisputeGame.sol";
import {
    Phase, Reason, ProofKind, TracePost, RecordReveal, Chunk, NodeContext, InputOpening, InputChunk
} from "../src/lib/GameTypes.sol";
import {NodeCodec} from "../src/lib/NodeCodec.sol";
import {OpSemantics} from "../src/lib/OpSemantics.sol";
import "../src/lib/GameErrors.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {Fixture, TraceView, DisputeFixtures} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSynth} from "./helpers/DisputeGameSynth.sol";

/// @notice Hand-built init programs for what the real fixtures never produce: a program not
///         ending in copy nodes, a state read without a pre-state, an unknown op, an input that
///         is not an earlier node, a fold element with no terms, and disputes over the padding
///         of the tensor encoding (a padding slot of the last chunk, a padding leaf).
contract DisputeGameSyntheticTest is DisputeGameSynth {
    function test_postTrace_programNotEndingInCopy_reverts() public {
        bytes[] memory prog = new bytes[](2);
        prog[0] = _node(OP_FILL, new uint32[](0), _w(ONE, 0), new uint32[](0));
        prog[1] = _node(OP_RELU, _w(0), new uint32[](0), new uint32[](0));
        uint32[][] memory vals = new uint32[][](2);
        (vals[0], vals[1]) = (_w(ONE), _w(ONE));
        TraceView memory v = _view(prog, vals);
        (uint256 id, Fixture memory fx) = _dispute(v, false);
        TracePost memory t = GameMoves.tracePost(fx, v);
        vm.expectRevert(abi.encodeWithSelector(NotACopyNode.selector, 1, OP_RELU, 0, 0));
        vm.prank(solver);
        game.postTrace(id, t);
    }

    function _stateThenCopy() internal pure returns (TraceView memory) {
        bytes[] memory prog = new bytes[](2);
        prog[0] = _node(OP_STATE, new uint32[](0), new uint32[](3), new uint32[](0)); // state(0, 0, rank 0)
        prog[1] = _node(OP_COPY, _w(0), _w(0, 0), new uint32[](0));
        uint32[][] memory vals = new uint32[][](2);
        (vals[0], vals[1]) = (_w(ONE), _w(ONE));
        return _view(prog, vals);
    }

    function test_revealRecord_stateNodeInInitProgram_reverts() public {
        TraceView memory v = _stateThenCopy();
        (uint256 id,) = _dispute(v, true);
        _steerTo(id, v, 0);
        RecordReveal memory r = GameMoves.recordReveal(v, 0);
        vm.expectRevert(NoPreState.selector);
        vm.prank(solver);
        game.revealRecord(id, r);
    }

    function test_revealRecord_unknownOp_reverts() public {
        bytes[] memory prog = new bytes[](2);
        prog[0] = _node(99, new uint32[](0), new uint32[](0), new uint32[](0));
        prog[1] = _node(OP_COPY, _w(0), _w(0, 0), new uint32[](0));
        uint32[][] memory vals = new uint32[][](2);
        (vals[0], vals[1]) = (_w(ONE), _w(ONE));
        TraceView memory v = _view(prog, vals);
        (uint256 id,) = _dispute(v, true);
        _steerTo(id, v, 0);
        RecordReveal memory r = GameMoves.recordReveal(v, 0);
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.UnknownOp.selector, 99));
        vm.prank(solver);
        game.revealRecord(id, r);
    }

    /// @dev relu reading its own output: the one-step refuses an input that is not earlier.
    function test_oneStep_inputNotEarlierNode_reverts() public {
        bytes[] memory prog = new bytes[](3);
        prog[0] = _node(OP_FILL, new uint32[](0), _w(ONE, 0), new uint32[](0));
        prog[1] = _node(OP_RELU, _w(1), new uint32[](0), new uint32[](0));
        prog[2] = _node(OP_COPY, _w(1), _w(0, 0), new uint32[](0));
        uint32[][] memory vals = new uint32[][](3);
        (vals[0], vals[1], vals[2]) = (_w(ONE), _w(ONE), _w(ONE));
        TraceView memory v = _view(prog, vals);
        (uint256 id,) = _dispute(v, true);
        _steerTo(id, v, 1);
        _revealRecord(id, v);
        vm.prank(challenger);
        game.pickElement(id, 0);
        _openElement(id, v);
        NodeContext memory nc = GameMoves.nodeContext(v, 1);
        vm.expectRevert(abi.encodeWithSelector(InputNotEarlier.selector, 1, 1));
        game.oneStep(id, nc, new InputOpening[](1), new InputChunk[](0));
    }

    /// @dev col2im of x [1, 3, 3, 1] with k = 1, stride 2: pixels at odd rows or columns receive
    ///      no term (K = 0), so they equal the fold's init value and cannot be wrong.
    function _col2im() internal pure returns (TraceView memory) {
        bytes[] memory prog = new bytes[](3);
        uint32[] memory cols = _w(4, 1);
        uint32[] memory img = new uint32[](4);
        (img[0], img[1], img[2], img[3]) = (1, 3, 3, 1);
        uint32[] memory attrs = new uint32[](7);
        (attrs[0], attrs[1], attrs[2], attrs[3], attrs[4], attrs[5], attrs[6]) = (1, 3, 3, 1, 1, 2, 0);
        prog[0] = _node(OP_FILL, new uint32[](0), _fillAttrs(cols), cols);
        prog[1] = _node(OP_COL2IM, _w(0), attrs, img);
        prog[2] = _node(OP_COPY, _w(1), _w(0, 0), img);
        uint32[][] memory vals = new uint32[][](3);
        vals[0] = new uint32[](4);
        for (uint256 i = 0; i < 4; i++) vals[0][i] = ONE;
        vals[1] = new uint32[](9);
        (vals[1][0], vals[1][2], vals[1][6], vals[1][8]) = (ONE, ONE, ONE, ONE);
        vals[2] = vals[1];
        return _view(prog, vals);
    }

    function test_postFold_elementWithoutTermsSolverWins_succeeds() public {
        TraceView memory v = _col2im();
        (uint256 id,) = _dispute(v, true);
        _steerTo(id, v, 1);
        _revealRecord(id, v);
        vm.prank(challenger);
        game.pickElement(id, 3); // row 1, column 0
        _openElement(id, v);
        _postFold(id, v, GameMerkle.f32le(_w(0)));
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.EmptyFold));
    }

    function test_postFold_elementWithoutTermsButNonzero_reverts() public {
        TraceView memory v = _col2im();
        v.outputs[1] = GameMerkle.f32le(_allOnes(9)); // a solver claiming 1.0 everywhere
        v.outRoots[1] = GameMerkle.tensorRoot(NodeCodec.decode(v.program[1]).shape, GameMerkle.dataRoot(v.outputs[1]));
        v.records = DisputeFixtures.records(v.nodeHashes, v.outRoots);
        (uint256 id,) = _dispute(v, true);
        _steerTo(id, v, 1);
        _revealRecord(id, v);
        vm.prank(challenger);
        game.pickElement(id, 3);
        _openElement(id, v);
        // acc_0 must be the init value +0 and acc_K (K = 0: the same value) the opened 1.0
        vm.expectRevert(abi.encodeWithSelector(ValueMismatch.selector, "acc_K", ONE, 0));
        this.postFoldAs(id, v, GameMerkle.f32le(_w(0)));
        vm.expectRevert(abi.encodeWithSelector(ValueMismatch.selector, "acc_0", 0, ONE));
        this.postFoldAs(id, v, GameMerkle.f32le(_w(ONE)));
    }

    ////////////////////////////////////////////////////////////////
    //                 padding of the tensor encoding             //
    ////////////////////////////////////////////////////////////////

    function test_openElement_zeroPaddingSlotSolverWins_succeeds() public {
        TraceView memory v = _fill600("");
        uint256 id = _disputeFill(v, 700);
        _openElement(id, v);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    function test_openElement_emptyPaddingLeafSolverWins_succeeds() public {
        TraceView memory v = _fill600("");
        uint256 id = _disputeFill(v, 3 * 256 + 5);
        _openElement(id, v); // empty data, path of leaf 3 = bytes32(0)
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    /// @dev Right values, wrong encoding: nonzero bytes in the padding give another output root
    ///      (so another model hash). The challenger names the padding slot and wins.
    function test_openElement_garbageInPaddingSlotChallengerWins_succeeds() public {
        bytes memory garbage = new bytes(4 * 101);
        garbage[4 * 100] = 0x78; // element 700 = 0x00000078
        TraceView memory v = _fill600(garbage);
        uint256 id = _disputeFill(v, 700);
        _openElement(id, v);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
        assertEq(game.getGame(id).value, 0, "a padding value is not stored as the element");
    }

    /// @dev A nonzero padding leaf cannot be shown empty: the cheater can only time out.
    function test_openElement_nonzeroPaddingLeaf_reverts() public {
        TraceView memory v = _fill600("");
        bytes32[] memory leaves = new bytes32[](4);
        bytes32[] memory real = GameMerkle.chunkLeaves(v.outputs[0]);
        (leaves[0], leaves[1], leaves[2], leaves[3]) = (real[0], real[1], real[2], keccak256("junk leaf"));
        bytes32 cheatRoot = GameMerkle.root(leaves);
        for (uint256 i = 0; i < 2; i++) v.outRoots[i] = GameMerkle.tensorRoot(_w(600), cheatRoot);
        v.records = DisputeFixtures.records(v.nodeHashes, v.outRoots);
        v.postModelSlots[0] = v.outRoots[1];
        (uint256 id,) = _dispute(v, true);
        _steerTo(id, v, 0);
        RecordReveal memory r = GameMoves.recordReveal(v, 0);
        r.dataRoot = cheatRoot;
        vm.prank(solver);
        game.revealRecord(id, r);
        vm.prank(challenger);
        game.pickElement(id, 3 * 256);
        Chunk memory c;
        c.index = 3;
        c.path = GameMerkle.proof(leaves, 3);
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.Chunk, 3, 2, 2));
        vm.prank(solver);
        game.openElement(id, c);
        _timeOut(id);
        _assertResolved(id, true);
    }
}

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
import {DisputeGameTestBase} from "./helpers/DisputeGameTestBase.sol";

/// @notice Hand-built init programs for what the real fixtures never produce: a program not
///         ending in copy nodes, a state read without a pre-state, an unknown op, an input that
///         is not an earlier node, a fold element with no terms, and disputes over the padding
///         of the tensor encoding (a padding slot of the last chunk, a padding leaf).
contract DisputeGameSyntheticTest is DisputeGameTestBase {
    uint16 internal constant OP_STATE = 0;
    uint16 internal constant OP_FILL = 4;
    uint16 internal constant OP_RELU = 19;
    uint16 internal constant OP_COL2IM = 34;
    uint16 internal constant OP_COPY = 44;
    uint32 internal constant ONE = 0x3F800000;

    function _w(uint32 a) internal pure returns (uint32[] memory r) {
        r = new uint32[](1);
        r[0] = a;
    }

    function _w(uint32 a, uint32 b) internal pure returns (uint32[] memory r) {
        r = new uint32[](2);
        (r[0], r[1]) = (a, b);
    }

    function _node(uint16 op, uint32[] memory inputs, uint32[] memory attrs, uint32[] memory shape)
        internal
        pure
        returns (bytes memory)
    {
        return NodeCodec.encode(NodeCodec.Node({opId: op, inputs: inputs, attrs: attrs, shape: shape}));
    }

    /// @dev Transition 0 of a one-step job running `prog` with node outputs `vals`; the post-state
    ///      is the model tree of the copy outputs (no optimizer tensors).
    function _view(bytes[] memory prog, uint32[][] memory vals) internal pure returns (TraceView memory v) {
        v.program = prog;
        v.nodeHashes = DisputeFixtures.nodeHashes(prog);
        v.outputs = new bytes[](prog.length);
        v.outRoots = new bytes32[](prog.length);
        uint256 copies;
        for (uint256 i = 0; i < prog.length; i++) {
            v.outputs[i] = GameMerkle.f32le(vals[i]);
            v.outRoots[i] = GameMerkle.tensorRoot(NodeCodec.decode(prog[i]).shape, GameMerkle.dataRoot(v.outputs[i]));
            if (NodeCodec.decode(prog[i]).opId == OP_COPY) copies++;
        }
        v.records = DisputeFixtures.records(v.nodeHashes, v.outRoots);
        v.postModelSlots = new bytes32[](copies);
        for (uint256 i = prog.length - copies; i < prog.length; i++) v.postModelSlots[i + copies - prog.length] = v.outRoots[i];
    }

    /// @dev Job with that init program, a one-node step program and T = 1; dispute opened, final
    ///      state revealed, transition 0 picked and its trace posted (unless `post` is false).
    function _dispute(TraceView memory v, bool post) internal returns (uint256 id, Fixture memory fx) {
        fx.specHash = keccak256("synthetic");
        fx.numSteps = 1;
        fx.initProgram = v.program;
        fx.stepProgram = new bytes[](1);
        fx.stepProgram[0] = _node(OP_FILL, new uint32[](0), _w(ONE, 0), new uint32[](0));
        (bytes32 initRoot, bytes32 stepRoot) = GameMoves.programRoots(fx);
        fx.programRoot = sha256(abi.encodePacked(initRoot, stepRoot));
        bytes32[] memory finalSlots = new bytes32[](1);
        finalSlots[0] = keccak256("final model tensor");
        fx.honestHashes = new bytes32[](2);
        fx.honestHashes[0] = _stateHash(fx.specHash, 0, GameMerkle.root(v.postModelSlots));
        fx.honestHashes[1] = _stateHash(fx.specHash, 1, finalSlots[0]);
        Commitment memory c = _commitment(fx, fx.honestHashes, finalSlots[0]);
        id = _openDispute(fx, c);
        _revealFinal(id, fx, c, fx.honestHashes, finalSlots, new bytes32[](0));
        _pickStep(id, fx.honestHashes, 0);
        if (post) _postTrace(id, fx, v);
    }

    function _stateHash(bytes32 spec, uint64 t, bytes32 modelRoot) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(spec, t, modelRoot, bytes32(0)));
    }

    /// @dev Bisect (honest solver) so that the interval closes on record `node`.
    function _steerTo(uint256 id, TraceView memory v, uint256 node) internal {
        vm.prank(challenger);
        game.startTrace(id);
        while (game.getGame(id).phase == Phase.AwaitAcc) {
            uint32 mid = game.midLenOf(id);
            bytes32 a = GameMoves.acc(v, mid);
            vm.prank(solver);
            game.revealAcc(id, a);
            vm.prank(challenger);
            game.chooseAcc(id, mid <= node);
        }
    }

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

    function _fillAttrs(uint32[] memory dims) internal pure returns (uint32[] memory a) {
        a = new uint32[](2 + dims.length);
        (a[0], a[1]) = (ONE, uint32(dims.length));
        for (uint256 i = 0; i < dims.length; i++) a[2 + i] = dims[i];
    }

    function test_postFold_elementWithoutTerms_solverWins() public {
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

    function postFoldAs(uint256 id, TraceView memory v, bytes memory seq) external {
        _postFold(id, v, seq);
    }

    function _allOnes(uint256 n) internal pure returns (uint32[] memory a) {
        a = new uint32[](n);
        for (uint256 i = 0; i < n; i++) a[i] = ONE;
    }

    ////////////////////////////////////////////////////////////////
    //                 padding of the tensor encoding             //
    ////////////////////////////////////////////////////////////////

    /// @dev fill(1.0) of 600 elements and its copy: 3 chunks (elements 600..767 of chunk 2 are
    ///      padding) under a 4-leaf data tree (leaf 3 is a bytes32(0) padding leaf).
    function _fill600(bytes memory garbage) internal pure returns (TraceView memory v) {
        bytes[] memory prog = new bytes[](2);
        uint32[] memory shape = _w(600);
        prog[0] = _node(OP_FILL, new uint32[](0), _fillAttrs(shape), shape);
        prog[1] = _node(OP_COPY, _w(0), _w(0, 0), shape);
        uint32[][] memory vals = new uint32[][](2);
        vals[0] = _allOnes(600);
        vals[1] = vals[0];
        v = _view(prog, vals);
        if (garbage.length == 0) return v;
        // a solver whose encoding carries extra bytes in the padding of node 0 and its copy
        for (uint256 i = 0; i < 2; i++) {
            v.outputs[i] = bytes.concat(v.outputs[i], garbage);
            v.outRoots[i] = GameMerkle.tensorRoot(shape, GameMerkle.dataRoot(v.outputs[i]));
        }
        v.records = DisputeFixtures.records(v.nodeHashes, v.outRoots);
        v.postModelSlots[0] = v.outRoots[1];
    }

    function _disputeFill(TraceView memory v, uint64 e) internal returns (uint256 id) {
        (id,) = _dispute(v, true);
        _steerTo(id, v, 0);
        _revealRecord(id, v);
        vm.prank(challenger);
        game.pickElement(id, e);
    }

    function test_openElement_zeroPaddingSlot_solverWins() public {
        TraceView memory v = _fill600("");
        uint256 id = _disputeFill(v, 700);
        _openElement(id, v);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    function test_openElement_emptyPaddingLeaf_solverWins() public {
        TraceView memory v = _fill600("");
        uint256 id = _disputeFill(v, 3 * 256 + 5);
        _openElement(id, v); // empty data, path of leaf 3 = bytes32(0)
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    /// @dev Right values, wrong encoding: nonzero bytes in the padding give another output root
    ///      (so another model hash). The challenger names the padding slot and wins.
    function test_openElement_garbageInPaddingSlot_challengerWins() public {
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

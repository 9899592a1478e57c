// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Commitment} from "../../src/interfaces/IDisputeGame.sol";
import {Phase} from "../../src/lib/GameTypes.sol";
import {NodeCodec} from "../../src/lib/NodeCodec.sol";
import {GameMerkle} from "./GameMerkle.sol";
import {GameMoves} from "./GameMoves.sol";
import {Fixture, TraceView, DisputeFixtures} from "./DisputeFixtures.sol";
import {DisputeGameDescent} from "./DisputeGameDescent.sol";

/// @notice Hand-built jobs: an init program with chosen node outputs, disputed at transition 0.
abstract contract DisputeGameSynth is DisputeGameDescent {
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
            uint32 mid = _midLen(id);
            bytes32 a = GameMoves.acc(v, mid);
            vm.prank(solver);
            game.revealAcc(id, a);
            vm.prank(challenger);
            game.chooseAcc(id, mid <= node);
        }
    }

    function _fillAttrs(uint32[] memory dims) internal pure returns (uint32[] memory a) {
        a = new uint32[](2 + dims.length);
        (a[0], a[1]) = (ONE, uint32(dims.length));
        for (uint256 i = 0; i < dims.length; i++) a[2 + i] = dims[i];
    }

    function postFoldAs(uint256 id, TraceView memory v, bytes memory seq) external {
        _postFold(id, v, seq);
    }

    function _allOnes(uint256 n) internal pure returns (uint32[] memory a) {
        a = new uint32[](n);
        for (uint256 i = 0; i < n; i++) a[i] = ONE;
    }

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
}

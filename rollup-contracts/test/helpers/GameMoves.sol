// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

import {
    TracePost,
    RecordReveal,
    LinkProof,
    Chunk,
    NodeContext,
    InputOpening,
    InputChunk
} from "../../src/lib/GameTypes.sol";
import {NodeCodec} from "../../src/lib/NodeCodec.sol";
import {GameMerkle} from "./GameMerkle.sol";
import {Fixture, TraceView, DisputeFixtures} from "./DisputeFixtures.sol";

/// @title  GameMoves
/// @notice Builds the calldata of every move from a side's view of a transition, the way a
///         solver or verifier bot would. Pure: the tests damage these structs to check that every
///         altered proof, operand or claim is rejected.
library GameMoves {
    uint16 internal constant OP_STATE = 0;
    uint16 internal constant OP_COPY = 44;

    function programRoots(Fixture memory fx) internal pure returns (bytes32 initRoot, bytes32 stepRoot) {
        initRoot = GameMerkle.root(DisputeFixtures.nodeHashes(fx.initProgram));
        stepRoot = GameMerkle.root(DisputeFixtures.nodeHashes(fx.stepProgram));
    }

    /// @notice The trace post of view v: roots, P_{n-1}, and the proofs pinning n and the layout.
    function tracePost(Fixture memory fx, TraceView memory v) internal pure returns (TracePost memory t) {
        uint256 n = v.program.length;
        t.n = uint32(n);
        t.finalAcc = GameMerkle.accRoot(v.records, n);
        t.preModelRoot = v.j == 0 ? bytes32(0) : GameMerkle.root(v.preModelSlots);
        t.preOptRoot = v.j == 0 ? bytes32(0) : GameMerkle.root(v.preOptSlots);
        t.postModelRoot = GameMerkle.root(v.postModelSlots);
        t.postOptRoot = GameMerkle.root(v.postOptSlots);
        (t.programInitRoot, t.programStepRoot) = programRoots(fx);
        t.lastCopy = v.program[n - 1];
        t.lastCopyPath = GameMerkle.proof(v.nodeHashes, n - 1);
        if (n < (uint256(1) << GameMerkle.depthOf(n))) t.endPath = GameMerkle.proof(v.nodeHashes, n);
        NodeCodec.Node memory last = NodeCodec.decode(v.program[n - 1]);
        if (last.opId == OP_COPY && last.attrs[0] == 1) {
            uint256 node = n - 2 - last.attrs[1];
            t.modelTailCopy = v.program[node];
            t.modelTailPath = GameMerkle.proof(v.nodeHashes, node);
        }
    }

    /// @notice The accumulator after the first m records.
    function acc(TraceView memory v, uint256 m) internal pure returns (bytes32) {
        return GameMerkle.accRoot(v.records, m);
    }

    /// @notice Record i with its insertion proof, program proof and (state ops) pre-state proof.
    function recordReveal(TraceView memory v, uint256 i) internal pure returns (RecordReveal memory r) {
        r.descriptor = v.program[i];
        r.outRoot = v.outRoots[i];
        r.dataRoot = GameMerkle.dataRoot(v.outputs[i]);
        r.accPath = GameMerkle.accPath(v.records, i, i);
        r.programPath = GameMerkle.proof(v.nodeHashes, i);
        NodeCodec.Node memory node = NodeCodec.decode(v.program[i]);
        if (node.opId == OP_STATE && v.j > 0) {
            bytes32[] memory slots = node.attrs[0] == 0 ? v.preModelSlots : v.preOptSlots;
            r.preModelRoot = GameMerkle.root(v.preModelSlots);
            r.preOptRoot = GameMerkle.root(v.preOptSlots);
            r.slotPath = GameMerkle.proof(slots, node.attrs[1]);
        }
    }

    /// @notice Proof of post-state leaf (tree, index): the copy node's record, or an empty leaf.
    function linkProof(TraceView memory v, uint8 tree, uint32 index) internal pure returns (LinkProof memory p) {
        bytes32[] memory slots = tree == 0 ? v.postModelSlots : v.postOptSlots;
        p.slotPath = GameMerkle.proof(slots, index);
        p.postModelRoot = GameMerkle.root(v.postModelSlots);
        p.postOptRoot = GameMerkle.root(v.postOptSlots);
        if (index >= slots.length) return p;
        uint256 node = copyNode(v, tree, index);
        p.node = uint32(node);
        p.descriptor = v.program[node];
        p.outRoot = v.outRoots[node];
        p.recordPath = GameMerkle.accPath(v.records, node, v.program.length);
        p.programPath = GameMerkle.proof(v.nodeHashes, node);
    }

    function copyNode(TraceView memory v, uint8 tree, uint32 index) internal pure returns (uint256) {
        for (uint256 i = 0; i < v.program.length; i++) {
            NodeCodec.Node memory n = NodeCodec.decode(v.program[i]);
            if (n.opId == OP_COPY && n.attrs[0] == tree && n.attrs[1] == index) return i;
        }
        revert("no copy node");
    }

    /// @notice Chunk e / 256 of a tensor given as LE bytes, with its path.
    function chunkOf(bytes memory data, uint256 e) internal pure returns (Chunk memory c) {
        uint256 ci = e / 256;
        c.index = uint32(ci);
        c.data = GameMerkle.chunk(data, ci);
        c.path = GameMerkle.proof(GameMerkle.chunkLeaves(data), ci);
    }

    /// @notice The opening of element e: its chunk, or for a zero padding leaf of the data tree
    ///         (e / 256 beyond the last chunk) empty data and the path of that empty leaf.
    function elementChunk(bytes memory data, uint256 e) internal pure returns (Chunk memory c) {
        if (e / 256 < GameMerkle.numChunks(data)) return chunkOf(data, e);
        c.index = uint32(e / 256);
        c.path = GameMerkle.proof(GameMerkle.chunkLeaves(data), e / 256);
    }

    /// @notice Descriptors of node i and its inputs with program proofs.
    function nodeContext(TraceView memory v, uint256 node) internal pure returns (NodeContext memory nc) {
        nc.descriptor = v.program[node];
        uint32[] memory ins = NodeCodec.decode(v.program[node]).inputs;
        nc.inputDescriptors = new bytes[](ins.length);
        nc.inputProgramPaths = new bytes32[][](ins.length);
        for (uint256 s = 0; s < ins.length; s++) {
            nc.inputDescriptors[s] = v.program[ins[s]];
            nc.inputProgramPaths[s] = GameMerkle.proof(v.nodeHashes, ins[s]);
        }
    }

    /// @notice One opening per input slot, records proven under the accumulator of the first
    ///         `node` records (the agreed one when `node` is the disputed node).
    function inputOpenings(TraceView memory v, uint256 node) internal pure returns (InputOpening[] memory o) {
        uint32[] memory ins = NodeCodec.decode(v.program[node]).inputs;
        o = new InputOpening[](ins.length);
        for (uint256 s = 0; s < ins.length; s++) {
            o[s].outRoot = v.outRoots[ins[s]];
            o[s].dataRoot = GameMerkle.dataRoot(v.outputs[ins[s]]);
            o[s].recordPath = GameMerkle.accPath(v.records, ins[s], node);
        }
    }

    /// @notice Every chunk of every input tensor (the fixtures' tensors are small).
    function inputChunks(TraceView memory v, uint256 node) internal pure returns (InputChunk[] memory all) {
        uint32[] memory ins = NodeCodec.decode(v.program[node]).inputs;
        uint256 total;
        for (uint256 s = 0; s < ins.length; s++) total += GameMerkle.numChunks(v.outputs[ins[s]]);
        all = new InputChunk[](total);
        uint256 k;
        for (uint256 s = 0; s < ins.length; s++) {
            bytes memory data = v.outputs[ins[s]];
            for (uint256 c = 0; c < GameMerkle.numChunks(data); c++) {
                all[k].input = uint8(s);
                all[k].chunk = chunkOf(data, c * 256);
                k++;
            }
        }
    }
}

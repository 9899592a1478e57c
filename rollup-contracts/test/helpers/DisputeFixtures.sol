// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {GameMerkle} from "./GameMerkle.sol";

/// @notice One transition of a recorded run (see fixtures/gen-dispute-fixtures.ts). Tensors are
///         canonical LE float32 bytes; foldStarts[i] packs the start of each element's
///         accumulator sequence in foldSeqs[i] (plus the total) as u32be words.
struct FxTransition {
    bytes32[] outRoots;
    bytes[] outputs;
    bytes[] foldSeqs;
    bytes[] foldStarts;
    bytes32[] modelSlots;
    bytes32[] optSlots;
}

/// @notice A dishonest run. kind 0: bit flip in op `node`'s output element `element` at
///         transition `step`; kind 1: bit flip in post-state leaf (tree, leaf) at `step` with an
///         honest trace; kind 2: honest run, but finalModelHash is not the model root of H[T].
///         atStep is the dishonest transition `step` (outputs only for `node`).
struct FxVariant {
    string label;
    uint8 kind;
    uint64 step;
    uint32 node;
    uint64 element;
    uint8 tree;
    uint32 leaf;
    bytes32[] hashes;
    FxTransition atStep;
    bytes32 finalModelHash;
    bytes32[] finalModelSlots;
    bytes32[] finalOptSlots;
}

struct Fixture {
    string name;
    bytes32 specHash;
    bytes32 programRoot;
    uint64 seed;
    uint64 numSteps;
    bytes[] initProgram;
    bytes[] stepProgram;
    uint16 modelCount;
    uint16 optCount;
    bytes32[] honestHashes;
    FxTransition[] honest;
    FxVariant[] variants;
}

/// @notice One side's view of transition j: everything it needs to make (or judge) moves.
struct TraceView {
    uint64 j;
    bytes[] program;
    bytes32[] nodeHashes;
    bytes32[] outRoots;
    bytes32[] records;
    bytes[] outputs;
    bytes[] foldSeqs;
    bytes[] foldStarts;
    bytes32[] preModelSlots;
    bytes32[] preOptSlots;
    bytes32[] postModelSlots;
    bytes32[] postOptSlots;
}

library DisputeFixtures {
    uint8 internal constant KIND_OP = 0;
    uint8 internal constant KIND_STATE = 1;
    uint8 internal constant KIND_MODEL_HASH = 2;

    function load(Vm vm, string memory name) internal view returns (Fixture memory fx) {
        bytes memory raw = vm.readFileBinary(string.concat("rollup-contracts/test/fixtures/", name, ".abi"));
        fx = abi.decode(raw, (Fixture));
    }

    function programOf(Fixture memory fx, uint64 j) internal pure returns (bytes[] memory) {
        return j == 0 ? fx.initProgram : fx.stepProgram;
    }

    function nodeHashes(bytes[] memory program) internal pure returns (bytes32[] memory h) {
        h = new bytes32[](program.length);
        for (uint256 i = 0; i < program.length; i++) h[i] = sha256(program[i]);
    }

    function records(bytes32[] memory hashes, bytes32[] memory outRoots) internal pure returns (bytes32[] memory r) {
        r = new bytes32[](hashes.length);
        for (uint256 i = 0; i < hashes.length; i++) r[i] = sha256(abi.encodePacked(hashes[i], outRoots[i]));
    }

    /// @notice The honest view of transition j.
    function honestView(Fixture memory fx, uint64 j) internal pure returns (TraceView memory v) {
        FxTransition memory t = fx.honest[j];
        v.j = j;
        v.program = programOf(fx, j);
        v.nodeHashes = nodeHashes(v.program);
        v.outRoots = t.outRoots;
        v.records = records(v.nodeHashes, t.outRoots);
        v.outputs = t.outputs;
        v.foldSeqs = t.foldSeqs;
        v.foldStarts = t.foldStarts;
        if (j > 0) {
            v.preModelSlots = fx.honest[j - 1].modelSlots;
            v.preOptSlots = fx.honest[j - 1].optSlots;
        }
        v.postModelSlots = t.modelSlots;
        v.postOptSlots = t.optSlots;
    }

    /// @notice The cheating solver's view of its corrupted transition: honest up to the flipped
    ///         node, its own records and post-state from there on.
    function dishonestView(Fixture memory fx, FxVariant memory x) internal pure returns (TraceView memory v) {
        v = honestView(fx, x.step);
        bytes[] memory outputs = new bytes[](v.outputs.length);
        for (uint256 i = 0; i < outputs.length; i++) outputs[i] = v.outputs[i];
        if (x.kind == KIND_OP) outputs[x.node] = x.atStep.outputs[x.node];
        v.outputs = outputs;
        v.outRoots = x.atStep.outRoots;
        v.records = records(v.nodeHashes, x.atStep.outRoots);
        v.postModelSlots = x.atStep.modelSlots;
        v.postOptSlots = x.atStep.optSlots;
    }

    /// @notice Accumulator sequence acc_0..acc_K of element e of fold node i, as LE bytes.
    function foldSeq(TraceView memory v, uint256 node, uint256 e) internal pure returns (bytes memory seq) {
        bytes memory starts = v.foldStarts[node];
        uint256 from = GameMerkle.u32be(starts, e);
        uint256 to = GameMerkle.u32be(starts, e + 1);
        bytes memory all = v.foldSeqs[node];
        seq = new bytes(4 * (to - from));
        for (uint256 i = 0; i < seq.length; i++) seq[i] = all[4 * from + i];
    }

    /// @notice Number of elements of node i's output.
    function numel(TraceView memory v, uint256 node) internal pure returns (uint256) {
        return v.outputs[node].length / 4;
    }
}

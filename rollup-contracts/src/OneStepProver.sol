// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {
    DisputedNode, Judged, NodeContext, InputOpening, InputChunk, Chunk, ProofKind
} from "./lib/GameTypes.sol";
import {GameLib} from "./lib/GameLib.sol";
import {ElementLib} from "./lib/ElementLib.sol";
import {NodeCodec} from "./lib/NodeCodec.sol";
import {TensorProofs} from "./lib/TensorProofs.sol";
import {OpSemantics} from "./lib/OpSemantics.sol";
import {OpRouter} from "./lib/OpRouter.sol";
import {IOpSemanticsExt} from "./interfaces/IOpSemanticsExt.sol";
import "./lib/GameErrors.sol";

/// @title  OneStepProver
/// @notice The last step of a dispute: recompute one output element of a map op, or one
///         accumulation step of a fold op, with the normative element semantics of
///         reproducible-ops/ops/table.ts (OpSemantics over F32 soft-float). Every input value is
///         opened from a chunk under the input tensor's data root, whose record is proven under
///         the accumulator both sides agreed to; the node and input descriptors are proven under
///         the program tree. Stateless, so it lives in its own contract: the op semantics and the
///         soft-float library would not fit next to the game under the 24 KiB code size limit.
///         The game forwards its own `postFold` / `oneStep` calldata and appends its state
///         (`Judged`); anyone else calling gets a computation over whatever state it appends.
///         The repops-3 ops (REPOPS §15) run in the OpSemanticsExt contract `EXT` (OpRouter), fixed
///         at construction.
contract OneStepProver is IOneStepProver {
    /// @notice The OpSemanticsExt contract: semantics of the repops-3 ops.
    IOpSemanticsExt public immutable EXT;

    /// @dev The context of the disputed node: op semantics inputs plus the input node hashes.
    struct Context {
        OpSemantics.Ctx ctx;
        uint32[] inputNodes; // node index of each input slot
        bytes32[] inputHashes;
    }

    /// @dev abi.encode(Judged): 12 static words.
    uint256 private constant JUDGED_BYTES = 12 * 32;

    constructor(IOpSemanticsExt ext) {
        require(address(ext).code.length > 0, "OneStepProver: OpSemanticsExt address has no code");
        EXT = ext;
    }

    /// @inheritdoc IOneStepProver
    function postFold(uint256, NodeContext calldata nc, bytes32 accDataRoot, Chunk calldata first, Chunk calldata last)
        external
        view
        returns (uint256 foldLen, bytes32 accRoot)
    {
        Judged memory j = _judged();
        Context memory x = _context(j.node, nc, OpSemantics.FOLD);
        foldLen = OpRouter.foldLen(EXT, x.ctx, j.node.element);
        uint32 init = OpRouter.foldInit(EXT, x.ctx, j.node.element);
        if (foldLen >= type(uint32).max) revert OutOfRange("fold length", foldLen, type(uint32).max);
        uint32 acc0 = ElementLib.openValue(accDataRoot, foldLen + 1, 0, first);
        if (acc0 != init) revert ValueMismatch("acc_0", init, acc0);
        uint32 accK = ElementLib.openValue(accDataRoot, foldLen + 1, foldLen, last);
        if (accK != j.claimed) revert ValueMismatch("acc_K", j.claimed, accK);
        uint32[] memory shape = new uint32[](1);
        // forge-lint: disable-next-line(unsafe-typecast) -- foldLen < 2^32 - 1 checked above
        shape[0] = uint32(foldLen + 1);
        accRoot = TensorProofs.tensorRoot(shape, accDataRoot);
    }

    /// @inheritdoc IOneStepProver
    function oneStep(uint256, NodeContext calldata nc, InputOpening[] calldata inputs, InputChunk[] calldata chunks)
        external
        view
        returns (uint16 opId, uint32 computed, uint32 claimed)
    {
        Judged memory j = _judged();
        uint64 e = j.node.element;
        if (j.opKind == OpSemantics.FOLD) {
            Context memory x = _context(j.node, nc, OpSemantics.FOLD);
            OpSemantics.Read[] memory reads = OpRouter.foldReads(EXT, x.ctx, e, j.foldIndex);
            uint32[] memory vals = _values(x, j.accLo, inputs, chunks, reads);
            return (x.ctx.opId, OpRouter.foldStep(EXT, x.ctx, j.accK, vals, e, j.foldIndex), j.claimed);
        }
        Context memory y = _context(j.node, nc, OpSemantics.MAP);
        uint32[] memory mvals = _values(y, j.accLo, inputs, chunks, OpRouter.mapReads(EXT, y.ctx, e));
        return (y.ctx.opId, OpRouter.mapEval(EXT, y.ctx, e, mvals), j.claimed);
    }

    /// @dev The game's state, appended after the ABI payload (the last 12 words of calldata).
    function _judged() private pure returns (Judged memory) {
        if (msg.data.length < 4 + JUDGED_BYTES) revert OutOfRange("calldata", msg.data.length, 4 + JUDGED_BYTES);
        return abi.decode(msg.data[msg.data.length - JUDGED_BYTES:], (Judged));
    }

    /// @dev Decodes the disputed node (its hash is stored by the game) and takes every input's
    ///      shape from its own descriptor, proven at its program leaf: shapes never come from
    ///      the trace, so neither side can bend the semantics.
    function _context(DisputedNode memory d, NodeContext calldata nc, uint8 expectedKind)
        private
        view
        returns (Context memory x)
    {
        bytes32 h = sha256(nc.descriptor);
        if (h != d.nodeHash) revert NodeHashMismatch(d.nodeHash, h);
        NodeCodec.Node memory node = NodeCodec.decode(nc.descriptor);
        if (OpSemantics.kind(node.opId) != expectedKind) revert UnsupportedOp(node.opId);
        uint256 arity = node.inputs.length;
        if (nc.inputDescriptors.length != arity) revert InputCountMismatch(arity, nc.inputDescriptors.length);
        if (nc.inputProgramPaths.length != arity) revert InputCountMismatch(arity, nc.inputProgramPaths.length);

        uint256 depth = TensorProofs.depthOf(d.n);
        x.inputNodes = node.inputs;
        x.inputHashes = new bytes32[](arity);
        uint32[][] memory inShapes = new uint32[][](arity);
        for (uint256 s = 0; s < arity; s++) {
            uint256 input = node.inputs[s];
            if (input >= d.node) revert InputNotEarlier(input, d.node);
            bytes32 ih = sha256(nc.inputDescriptors[s]);
            GameLib._requireLeaf(ProofKind.ProgramLeaf, d.nodesRoot, input, ih, nc.inputProgramPaths[s], depth);
            x.inputHashes[s] = ih;
            inShapes[s] = NodeCodec.decode(nc.inputDescriptors[s]).shape;
        }
        x.ctx = OpSemantics.Ctx({
            opId: node.opId,
            inShapes: inShapes,
            outShape: node.shape,
            attrs: node.attrs,
            seed: d.seed,
            step: d.stepWord
        });
    }

    /// @dev The values the op reads, each from a verified chunk of its input tensor.
    function _values(
        Context memory x,
        bytes32 accLo,
        InputOpening[] calldata inputs,
        InputChunk[] calldata chunks,
        OpSemantics.Read[] memory reads
    ) private view returns (uint32[] memory vals) {
        uint256 arity = x.inputHashes.length;
        if (inputs.length != arity) revert InputCountMismatch(arity, inputs.length);
        for (uint256 s = 0; s < arity; s++) _checkInput(x, accLo, inputs[s], s);
        for (uint256 c = 0; c < chunks.length; c++) _checkChunk(x, inputs, chunks[c]);
        vals = new uint32[](reads.length);
        for (uint256 r = 0; r < reads.length; r++) vals[r] = _read(chunks, reads[r]);
    }

    /// @dev Input slot s: its output root commits to its shape and data root, and its record
    ///      sha256(nodeHash || outRoot) is in the agreed accumulator at the input's node index.
    function _checkInput(Context memory x, bytes32 accLo, InputOpening calldata o, uint256 s) private view {
        bytes32 root = TensorProofs.tensorRoot(x.ctx.inShapes[s], o.dataRoot);
        if (root != o.outRoot) revert TensorRootMismatch(o.outRoot, root);
        bytes32 record = GameLib._record(x.inputHashes[s], o.outRoot);
        GameLib._requireLeaf(ProofKind.Record, accLo, x.inputNodes[s], record, o.recordPath, GameLib.ACC_DEPTH);
    }

    function _checkChunk(Context memory x, InputOpening[] calldata inputs, InputChunk calldata ic) private view {
        if (ic.input >= inputs.length) revert OutOfRange("input slot", ic.input, inputs.length);
        uint256 chunks = TensorProofs.numChunks(TensorProofs.numel(x.ctx.inShapes[ic.input]));
        uint256 depth = TensorProofs.depthOf(chunks);
        uint256 index = ic.chunk.index;
        if (
            ic.chunk.path.length != depth
                || !TensorProofs.verifyChunk(inputs[ic.input].dataRoot, index, ic.chunk.data, ic.chunk.path)
        ) revert BadProof(ProofKind.Chunk, index, ic.chunk.path.length, depth);
    }

    /// @dev Value of one read from the (already verified) chunk that holds it.
    function _read(InputChunk[] calldata chunks, OpSemantics.Read memory r) private pure returns (uint32) {
        uint256 chunkIndex = r.index / 256;
        for (uint256 c = 0; c < chunks.length; c++) {
            if (chunks[c].input == r.input && chunks[c].chunk.index == chunkIndex) {
                return TensorProofs.elementAt(chunks[c].chunk.data, r.index % 256);
            }
        }
        revert MissingRead(r.input, r.index);
    }
}

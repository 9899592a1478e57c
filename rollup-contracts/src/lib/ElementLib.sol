// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Game, Phase, Reason, ProofKind, Chunk, DisputedNode, Judged} from "./GameTypes.sol";
import {IOneStepProver} from "../interfaces/IOneStepProver.sol";
import {GameLib, Verdict} from "./GameLib.sol";
import {TensorProofs} from "./TensorProofs.sol";
import {OpSemantics} from "./OpSemantics.sol";
import "./GameErrors.sol";

/// @title  ElementLib
/// @notice The moves after the disputed record: naming and opening an element (or a padding
///         slot), the fold sub-game, the data sub-game for withheld tensors, and the hand-off to
///         the one-step prover. Same conventions as `GameLib`.
library ElementLib {
    /// Which tensor the data sub-game descends: the disputed output or the fold sequence.
    uint8 internal constant DATA_OUTPUT = 0;
    uint8 internal constant DATA_FOLD = 1;
    /// Post-state trees (model = 2, optimizer = 3): descended to find a wrong leaf to link-dispute.
    uint8 internal constant DATA_STATE_TREES = 2;
    /// The commitment's stepsRoot: descended to find the first wrong state hash.
    uint8 internal constant DATA_STEPS = 4;

    ////////////////////////////////////////////////////////////////
    //                        5. element                          //
    ////////////////////////////////////////////////////////////////

    /// @dev Naming the element directly is sound: the output root commits every element, so the
    ///      challenger names one it knows to be wrong. The padding is part of the commitment too:
    ///      e may also name a zero-padded slot of the last chunk or a slot of a zero padding leaf
    ///      of the data tree (up to the padded tree's capacity), where only zeros are honest.
    function pickElement(Game storage g, uint64 e) internal {
        uint256 capacity = paddedCapacity(g.numel);
        if (e >= capacity) revert OutOfRange("element", e, capacity);
        g.element = e;
        g.phase = Phase.AwaitElementOpen;
    }

    /// @notice Elements a tensor's data tree can hold: 256 per leaf of the padded tree.
    function paddedCapacity(uint256 numel) internal pure returns (uint256) {
        return (uint256(1) << TensorProofs.depthOf(TensorProofs.numChunks(numel))) * 256;
    }

    /// @dev A real element moves on to the one-step (map) or the fold; a padding slot is settled
    ///      here: the honest encoding has zero bytes there and bytes32(0) padding leaves.
    function openElement(Game storage g, Chunk calldata c) internal returns (Verdict memory v, uint32 value) {
        uint64 e = g.element;
        uint256 numel = g.numel;
        uint256 chunks = TensorProofs.numChunks(numel);
        if (e / 256 >= chunks) {
            // a padding leaf of the data tree: the solver shows it is bytes32(0)
            if (c.index != e / 256 || c.data.length != 0) revert BadProof(ProofKind.Chunk, e / 256, c.path.length, 0);
            GameLib._requireLeaf(ProofKind.Chunk, g.dataRoot, e / 256, bytes32(0), c.path, TensorProofs.depthOf(chunks));
            return (Verdict(true, false, Reason.Padding), 0);
        }
        value = openValue(g.dataRoot, numel, e, c);
        if (e >= numel) return (Verdict(true, value != 0, Reason.Padding), value);
        g.value = value;
        g.phase = g.opKind == OpSemantics.FOLD ? Phase.AwaitFold : Phase.AwaitOneStep;
    }

    /// @notice Element `e` of a tensor with `numel` elements under `dataRoot`, from its chunk.
    function openValue(bytes32 dataRoot, uint256 numel, uint256 e, Chunk calldata c) internal view returns (uint32) {
        uint256 chunkIndex = e / 256;
        uint256 depth = TensorProofs.depthOf(TensorProofs.numChunks(numel));
        if (c.index != chunkIndex || c.path.length != depth || !TensorProofs.verifyChunk(dataRoot, chunkIndex, c.data, c.path)) {
            revert BadProof(ProofKind.Chunk, chunkIndex, c.path.length, depth);
        }
        return TensorProofs.elementAt(c.data, e % 256);
    }

    ////////////////////////////////////////////////////////////////
    //                   6. fold and one-step                     //
    ////////////////////////////////////////////////////////////////

    /// @dev The accumulator sequence of a fold element must start at the op's init value and
    ///      end at the opened value, so some step k in between is wrong if the value is.
    ///      An element with no terms (K = 0) equals the init value, so it cannot be wrong.
    ///      The prover checks the commitment (this move's calldata, forwarded unparsed).
    function postFold(Game storage g, IOneStepProver prover, bytes32 accDataRoot)
        internal
        returns (Verdict memory v, bytes32 accRoot, uint256 foldLen)
    {
        (foldLen, accRoot) = abi.decode(_forward(g, prover, g.value), (uint256, bytes32));
        if (foldLen == 0) return (Verdict(true, false, Reason.EmptyFold), accRoot, foldLen);
        g.foldDataRoot = accDataRoot;
        // forge-lint: disable-next-line(unsafe-typecast) -- the prover rejects foldLen >= 2^32 - 1
        g.foldLen = uint32(foldLen);
        g.phase = Phase.AwaitFoldPick;
    }

    /// @dev As with elements, the accumulator root commits every acc_k: the challenger names a
    ///      wrong step directly.
    function pickAcc(Game storage g, uint32 k) internal {
        if (k >= g.foldLen) revert OutOfRange("fold step", k, g.foldLen);
        g.foldIndex = k;
        g.phase = Phase.AwaitFoldOpen;
    }

    /// @dev acc_k from chunk `a`; acc_{k+1} from `a` too when it is in the same chunk, else `b`.
    function openAcc(Game storage g, Chunk calldata a, Chunk calldata b)
        internal
        returns (uint32 accK, uint32 accNext)
    {
        uint256 k = g.foldIndex;
        uint256 len = uint256(g.foldLen) + 1;
        bytes32 root = g.foldDataRoot;
        accK = openValue(root, len, k, a);
        accNext = (k + 1) / 256 == k / 256 ? openValue(root, len, k + 1, a) : openValue(root, len, k + 1, b);
        g.accK = accK;
        g.accNext = accNext;
        g.phase = Phase.AwaitOneStep;
    }

    /// @dev Map op: out[e] recomputed vs the opened value. Fold op: step(acc_k, reads(e, k))
    ///      vs the opened acc_{k+1}. Inputs are proven against accLo, which the challenger
    ///      agreed to (or the constant empty accumulator), and the node and input descriptors
    ///      against the program tree, so the computed value binds both sides.
    function oneStep(Game storage g, IOneStepProver prover)
        internal
        view
        returns (Verdict memory v, uint16 opId, uint32 computed, uint32 claimed)
    {
        uint32 solverValue = g.opKind == OpSemantics.FOLD ? g.accNext : g.value;
        (opId, computed, claimed) = abi.decode(_forward(g, prover, solverValue), (uint16, uint32, uint32));
        v = Verdict(true, computed != claimed, Reason.OneStep);
    }

    /// @dev Calls the prover's function of the same name with this move's calldata, unparsed,
    ///      followed by the game's state; bubbles up its revert.
    function _forward(Game storage g, IOneStepProver prover, uint32 claimed) private view returns (bytes memory ret) {
        Judged memory j = Judged({
            node: disputedNode(g),
            accLo: g.accLo,
            opKind: g.opKind,
            foldIndex: g.foldIndex,
            accK: g.accK,
            claimed: claimed
        });
        bool ok;
        (ok, ret) = address(prover).staticcall(bytes.concat(msg.data, abi.encode(j)));
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    /// @notice The disputed node as the one-step prover sees it.
    function disputedNode(Game storage g) internal view returns (DisputedNode memory) {
        uint64 j = g.step;
        return DisputedNode({
            nodesRoot: g.nodesRoot,
            n: g.n,
            node: g.agreedLen,
            nodeHash: g.nodeHash,
            seed: g.seed,
            // forge-lint: disable-next-line(unsafe-typecast) -- the engine's step word is u32 (`step >>> 0`)
            stepWord: j == 0 ? GameLib.INIT_STEP_WORD : uint32(j - 1),
            element: g.element
        });
    }

    ////////////////////////////////////////////////////////////////
    //        7. data sub-game: tensors the solver withholds      //
    ////////////////////////////////////////////////////////////////

    /// @dev To name a wrong element (or accumulation step) the challenger needs the solver's
    ///      tensor, not only its root. If the solver does not serve it, the challenger makes it
    ///      descend its own data tree instead: the solver reveals the two children of the current
    ///      node, the challenger follows one that differs from its own tree, and at the bottom
    ///      the solver must put the 1 KiB chunk on chain (or the leaf is a padding leaf, where
    ///      only bytes32(0) is honest). Then the challenger picks as usual. Allowed once per
    ///      tensor, so it cannot be used to drain the solver's clock.
    function requestData(Game storage g) internal returns (uint8 target, uint8 height) {
        target = g.phase == Phase.AwaitFoldPick ? DATA_FOLD : DATA_OUTPUT;
        uint8 bit = uint8(1) << target;
        if (g.dataRequests & bit != 0) revert DataAlreadyRequested(target);
        g.dataRequests |= bit;
        g.dataTarget = target;
        g.dataNode = target == DATA_FOLD ? g.foldDataRoot : g.dataRoot;
        height = uint8(TensorProofs.depthOf(TensorProofs.numChunks(_dataLen(g, target))));
        g.dataHeight = height;
        g.dataIndex = 0;
        g.phase = height == 0 ? Phase.AwaitDataChunk : Phase.AwaitDataChildren;
    }

    /// @dev The same descent over a post-state tree (tree 0 model, 1 optimizer), when the trace
    ///      is honest but the post-state root is not and the solver does not publish its leaves:
    ///      at the bottom the challenger knows a leaf that differs and calls `disputeLink` on it.
    ///      The roots are re-supplied against H[j] (they are not stored).
    function requestStateTree(Game storage g, uint8 tree, bytes32 modelRoot, bytes32 optRoot)
        internal
        returns (uint8 target, uint8 height)
    {
        if (tree > 1) revert OutOfRange("tree", tree, 2);
        GameLib._requireStateHash(g.specHash, g.step, modelRoot, optRoot, g.postHash);
        target = DATA_STATE_TREES + tree;
        uint8 bit = uint8(1) << target;
        if (g.dataRequests & bit != 0) revert DataAlreadyRequested(target);
        height = uint8(TensorProofs.depthOf(GameLib._countOf(g, tree)));
        if (height == 0) revert OutOfRange("state tree height", 0, 1); // one leaf: the root itself
        g.dataRequests |= bit;
        g.dataTarget = target;
        g.dataNode = tree == 0 ? modelRoot : optRoot;
        g.dataHeight = height;
        g.dataIndex = 0;
        g.phase = Phase.AwaitDataChildren;
    }

    /// @dev The same descent over stepsRoot, when the solver does not publish its state hashes:
    ///      following the leftmost child that differs from its own tree, the challenger reaches
    ///      the first wrong leaf m (H[min(mK, T)]; every leaf left of it is honest) of the M + 1
    ///      leaves and then calls `pickStep(m)`, building both proofs from the revealed siblings
    ///      and its own hashes.
    function requestStepsTree(Game storage g) internal returns (uint8 target, uint8 height) {
        target = DATA_STEPS;
        uint8 bit = uint8(1) << target;
        if (g.dataRequests & bit != 0) revert DataAlreadyRequested(target);
        g.dataRequests |= bit;
        g.dataTarget = target;
        g.dataNode = g.stepsRoot;
        // M + 1 >= 2 leaves (T >= 1), so height >= 1
        height = uint8(TensorProofs.depthOf(GameLib._lastLeaf(g.numSteps, g.hashInterval) + 1));
        g.dataHeight = height;
        g.dataIndex = 0;
        g.phase = Phase.AwaitDataChildren;
    }

    /// @dev Elements of the tensor the data sub-game descends.
    function _dataLen(Game storage g, uint8 target) private view returns (uint256) {
        return target == DATA_FOLD ? uint256(g.foldLen) + 1 : g.numel;
    }

    function revealChildren(Game storage g, bytes32 left, bytes32 right) internal {
        bytes32 h = sha256(abi.encodePacked(left, right));
        if (h != g.dataNode) revert DataNodeMismatch(g.dataNode, h);
        g.dataLeft = left;
        g.dataRight = right;
        g.phase = Phase.AwaitDataChoice;
    }

    /// INVARIANT: dataNode is the node at height dataHeight and position dataIndex of the
    ///            solver's tree; an honest challenger only follows children that differ from its
    ///            own tree, so it reaches a leaf that differs.
    function chooseChild(Game storage g, bool right) internal returns (Verdict memory v) {
        g.dataNode = right ? g.dataRight : g.dataLeft;
        g.dataIndex = g.dataIndex * 2 + (right ? 1 : 0);
        g.dataHeight -= 1;
        if (g.dataHeight > 0) {
            g.phase = Phase.AwaitDataChildren;
            return v;
        }
        if (g.dataTarget >= DATA_STATE_TREES) {
            // a padding leaf of stepsRoot (beyond leaf M) must be bytes32(0), as in the honest tree:
            // a solver that baits replaying verifiers with honest leaves and a nonzero padding
            // leaf loses here (no step could be picked there)
            if (g.dataTarget == DATA_STEPS && g.dataIndex > GameLib._lastLeaf(g.numSteps, g.hashInterval)) {
                return Verdict(true, g.dataNode != bytes32(0), Reason.Padding);
            }
            // the leaf is known: pick that step, or link-dispute that post-state leaf
            g.phase = g.dataTarget == DATA_STEPS ? Phase.AwaitStep : Phase.AwaitTraceChoice;
            return v;
        }
        if (g.dataIndex >= TensorProofs.numChunks(_dataLen(g, g.dataTarget))) {
            return Verdict(true, g.dataNode != bytes32(0), Reason.Padding);
        }
        g.phase = Phase.AwaitDataChunk;
    }

    /// @dev The chunk goes on chain (calldata and the event); the pick phase resumes.
    function revealChunk(Game storage g, bytes calldata chunk) internal {
        bytes32 h = sha256(chunk);
        if (chunk.length != 1024 || h != g.dataNode) revert DataNodeMismatch(g.dataNode, h);
        g.phase = g.dataTarget == DATA_FOLD ? Phase.AwaitFoldPick : Phase.AwaitElementPick;
    }
}

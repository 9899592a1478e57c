// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Commitment, JobParams} from "../interfaces/IDisputeGame.sol";
import {Game, Phase, Side, Reason, ProofKind, TracePost, RecordReveal, LinkProof} from "./GameTypes.sol";
import {NodeCodec} from "./NodeCodec.sol";
import {TensorProofs} from "./TensorProofs.sol";
import {OpSemantics} from "./OpSemantics.sol";
import "./GameErrors.sol";

/// @notice What a move decided.
struct Verdict {
    bool over;
    bool challengerWon;
    Reason reason;
}

/// @title  GameLib
/// @notice The moves of the dispute game up to the one-step execution, over one `Game` in
///         storage. `DisputeGame` does access control and clocks; this library checks each move
///         against the commitments both sides are already bound to, so a party can only lose by
///         lying or by running out of time. The one-step re-execution is in `OneStepLib`.
library GameLib {
    /// Op ids of reproducible-ops/ops/table.ts that the game treats specially.
    uint16 internal constant OP_STATE = 0;
    uint16 internal constant OP_DATASET = 1;
    uint16 internal constant OP_COPY = 44;

    /// Depth of the trace accumulator (65536 record slots).
    uint256 internal constant ACC_DEPTH = 16;
    uint256 internal constant MAX_PROGRAM_LEN = uint256(1) << ACC_DEPTH;

    /// Step word of the init program (TS step -1).
    uint32 internal constant INIT_STEP_WORD = 0xFFFFFFFF;

    // forge-lint: disable-start(incorrect-shift) -- a bit mask: 1 << phase number
    uint256 private constant SOLVER_PHASES = (1 << uint8(Phase.AwaitFinal)) | (1 << uint8(Phase.AwaitTrace))
        | (1 << uint8(Phase.AwaitLinkProof)) | (1 << uint8(Phase.AwaitAcc)) | (1 << uint8(Phase.AwaitRecord))
        | (1 << uint8(Phase.AwaitElementOpen)) | (1 << uint8(Phase.AwaitFold)) | (1 << uint8(Phase.AwaitFoldOpen))
        | (1 << uint8(Phase.AwaitDataChildren)) | (1 << uint8(Phase.AwaitDataChunk)) | (1 << uint8(Phase.AwaitMids));
    // forge-lint: disable-end(incorrect-shift)

    ////////////////////////////////////////////////////////////////
    //                      Turn bookkeeping                      //
    ////////////////////////////////////////////////////////////////

    /// @notice The side whose move it is in `p` (the challenger's clock runs during AwaitOneStep).
    function moverOf(Phase p) internal pure returns (Side) {
        return (SOLVER_PHASES >> uint8(p)) & 1 == 1 ? Side.Solver : Side.Challenger;
    }

    /// @notice When the side to move runs out of time.
    function deadline(Game storage g) internal view returns (uint256) {
        return uint256(g.turnStartedAt) + bankOf(g, moverOf(g.phase));
    }

    function bankOf(Game storage g, Side s) internal view returns (uint48) {
        return s == Side.Solver ? g.solverBank : g.challengerBank;
    }

    ////////////////////////////////////////////////////////////////
    //                 1. final state  2. step pick               //
    ////////////////////////////////////////////////////////////////

    /// @dev Binds H[T] to leaf M = ceil(T/K) of stepsRoot and to its roots; a committed
    ///      finalModelHash that is not the model root of H[T] loses on the spot.
    function revealFinal(
        Game storage g,
        JobParams calldata job,
        Commitment calldata c,
        bytes32 modelRoot,
        bytes32 optRoot,
        bytes32[] calldata path
    ) internal returns (Verdict memory v) {
        bytes32 h = keccak256(abi.encode(job, c));
        if (h != g.paramsHash) revert ParamsMismatch(g.paramsHash, h);
        uint64 t = c.numSteps;
        // the market only posts 1 <= K <= 4096 (K = 0 would panic in _lastLeaf: the solver
        // could not reveal and would time out)
        uint32 k = job.hashInterval;
        _requireStateHash(job.specHash, t, modelRoot, optRoot, c.finalStateHash);
        uint256 last = _lastLeaf(t, k);
        _requireLeaf(ProofKind.StepsLeaf, c.stepsRoot, last, c.finalStateHash, path, TensorProofs.depthOf(last + 1));

        g.specHash = job.specHash;
        g.programRoot = job.programRoot;
        g.stepsRoot = c.stepsRoot;
        g.numSteps = t;
        g.hashInterval = k;
        g.seed = uint32(job.seed); // the engine's seed is a u32 word
        if (modelRoot != c.finalModelHash) return Verdict(true, true, Reason.FinalModelMismatch);
        g.phase = Phase.AwaitStep;
    }

    /// @dev The bisection over leaves needs no on-chain rounds: every leaf H[min(mK, T)] is
    ///      already committed in stepsRoot, so the challenger names the first wrong leaf m
    ///      directly. m = 0 is the init transition (no pre-state). For m >= 1 the interval
    ///      (lo, hi] = ((m-1)K, min(mK, T)] is the disputed transition itself when it holds one
    ///      (always for K = 1); otherwise the solver must post the state hashes inside it.
    function pickStep(
        Game storage g,
        uint64 m,
        bytes32 preHash,
        bytes32[] calldata prePath,
        bytes32 postHash,
        bytes32[] calldata postPath
    ) internal returns (uint64 hi) {
        uint64 t = g.numSteps;
        uint256 last = _lastLeaf(t, g.hashInterval);
        if (m > last) revert OutOfRange("leaf", m, last + 1);
        uint256 depth = TensorProofs.depthOf(last + 1);
        if (m > 0) _requireLeaf(ProofKind.StepsLeaf, g.stepsRoot, m - 1, preHash, prePath, depth);
        else preHash = bytes32(0);
        _requireLeaf(ProofKind.StepsLeaf, g.stepsRoot, m, postHash, postPath, depth);
        g.preHash = preHash;
        g.postHash = postHash;
        uint64 lo; // m = 0: lo = hi = 0, the init transition
        // unchecked (code size): 1 <= m <= M, so lo = (m-1)K < T and lo < hi <= T
        unchecked {
            if (m > 0) {
                lo = (m - 1) * g.hashInterval;
                hi = intervalEnd(lo, g.hashInterval, t);
            }
            // INVARIANT: step = hi is the real transition once AwaitTrace is reached; lo otherwise
            bool one = hi - lo <= 1;
            g.step = one ? hi : lo;
            g.phase = one ? Phase.AwaitTrace : Phase.AwaitMids;
        }
    }

    /// @notice hi = min(lo + K, T): the end of the interval starting at leaf step lo (in 256 bits:
    ///         lo + K may not fit in 64).
    function intervalEnd(uint64 lo, uint32 k, uint64 t) internal pure returns (uint64) {
        uint256 hi = uint256(lo) + k;
        // forge-lint: disable-next-line(unsafe-typecast) -- hi < t, a uint64
        return hi < t ? uint64(hi) : t;
    }

    /// @dev The solver's H[lo+1..hi-1]; only their hash is stored, the challenger re-supplies them.
    function postMids(Game storage g, bytes32[] calldata mids) internal {
        uint64 lo = g.step;
        uint256 count;
        unchecked {
            count = intervalEnd(lo, g.hashInterval, g.numSteps) - lo - 1; // hi >= lo + 2 here
        }
        if (mids.length != count) revert BadLength("mids", mids.length, count);
        g.midsHash = _midsHash(g, mids);
        g.phase = Phase.AwaitMidPick;
    }

    /// @dev keccak256(H[lo] || mids || H[hi]): binds the mids to the interval they were posted for.
    function _midsHash(Game storage g, bytes32[] calldata mids) private view returns (bytes32) {
        return keccak256(abi.encodePacked(g.preHash, mids, g.postHash));
    }

    /// @dev seq = [H[lo], mids..., H[hi]]; the challenger names transition j = lo + i + 1, the
    ///      first whose post-state seq[i+1] it disagrees with (so it agrees with seq[i]).
    function pickMid(Game storage g, uint64 i, bytes32[] calldata mids) internal {
        bytes32 h = _midsHash(g, mids);
        if (h != g.midsHash) revert MidsMismatch(g.midsHash, h);
        uint256 count = mids.length; // hi - lo - 1, fixed by postMids
        // unchecked (code size): i <= count < 4096 and lo + i + 1 <= hi
        unchecked {
            if (i > count) revert OutOfRange("mid", i, count + 1);
            if (i > 0) g.preHash = mids[i - 1];
            if (i < count) g.postHash = mids[i];
            g.step += i + 1;
        }
        g.phase = Phase.AwaitTrace;
    }

    ////////////////////////////////////////////////////////////////
    //                       3. trace post                        //
    ////////////////////////////////////////////////////////////////

    /// @dev Pins the program of transition j, its length n (leaf n-1 filled, leaf n empty, tree
    ///      depth ceil(log2 n)), the state layout (P model + S optimizer tensors, read off the
    ///      copy nodes at the program's tail) and the solver's P_{n-1}.
    function postTrace(Game storage g, TracePost calldata t) internal {
        uint256 n = t.n;
        if (n == 0 || n > MAX_PROGRAM_LEN) revert OutOfRange("program length", n, MAX_PROGRAM_LEN + 1);
        bytes32 nodes = _checkTraceRoots(g, t);
        uint256 depth = TensorProofs.depthOf(n);
        if (n < (uint256(1) << depth)) {
            _requireLeaf(ProofKind.ProgramEnd, nodes, n, bytes32(0), t.endPath, depth);
        } else if (t.endPath.length != 0) {
            revert BadProof(ProofKind.ProgramEnd, n, t.endPath.length, 0);
        }
        (uint256 modelCount, uint256 optCount) = _stateLayout(nodes, t, depth);

        // forge-lint: disable-start(unsafe-typecast) -- n <= 2^16 and both counts < 2^16 checked above
        g.n = uint32(n);
        g.modelCount = uint16(modelCount);
        g.optCount = uint16(optCount);
        // forge-lint: disable-end(unsafe-typecast)
        g.nodesRoot = nodes;
        g.accHi = t.finalAcc;
        g.phase = Phase.AwaitTraceChoice;
    }

    /// @dev Checks the state-root and program-root preimages; returns the node tree of the
    ///      program transition j runs (init for j = 0, step otherwise). The state roots are not
    ///      stored (4 slots): the two moves that need them re-supply them against H[j-1] / H[j].
    function _checkTraceRoots(Game storage g, TracePost calldata t) private view returns (bytes32) {
        bytes32 pr = sha256(abi.encodePacked(t.programInitRoot, t.programStepRoot));
        if (pr != g.programRoot) revert ProgramRootMismatch(g.programRoot, pr);
        uint64 j = g.step;
        _requireStateHash(g.specHash, j, t.postModelRoot, t.postOptRoot, g.postHash);
        if (j > 0) _requireStateHash(g.specHash, j - 1, t.preModelRoot, t.preOptRoot, g.preHash);
        return j == 0 ? t.programInitRoot : t.programStepRoot;
    }

    /// @dev State layout from the copy tail (ops/table.ts: the program ends with copy(tree 0,
    ///      index 0..P-1) then copy(tree 1, index 0..S-1)): node n-1 gives S (or P when S = 0),
    ///      node n-1-S gives P.
    function _stateLayout(bytes32 nodes, TracePost calldata t, uint256 depth)
        private
        view
        returns (uint256 modelCount, uint256 optCount)
    {
        uint256 n = t.n;
        (uint256 lastTree, uint256 lastIndex) = _copyAt(nodes, n - 1, t.lastCopy, t.lastCopyPath, depth);
        if (lastTree == 0) {
            modelCount = lastIndex + 1;
        } else {
            optCount = lastIndex + 1;
            if (n < optCount + 2) revert OutOfRange("optimizer copies", optCount, n - 1);
            uint256 node = n - 1 - optCount;
            (uint256 tree, uint256 index) = _copyAt(nodes, node, t.modelTailCopy, t.modelTailPath, depth);
            if (tree != 0) revert NotACopyNode(node, OP_COPY, tree, index);
            modelCount = index + 1;
        }
        if (modelCount > type(uint16).max || optCount > type(uint16).max) {
            revert OutOfRange("state tensors", modelCount + optCount, type(uint16).max);
        }
    }

    /// @dev Node `index` must be a copy node (tree, index attrs) at its program leaf.
    function _copyAt(bytes32 nodes, uint256 node, bytes calldata desc, bytes32[] calldata path, uint256 depth)
        private
        view
        returns (uint256 tree, uint256 index)
    {
        _requireLeaf(ProofKind.ProgramLeaf, nodes, node, sha256(desc), path, depth);
        NodeCodec.Node memory d = NodeCodec.decode(desc);
        if (d.opId != OP_COPY || d.attrs.length != 2 || d.attrs[0] > 1) {
            revert NotACopyNode(node, d.opId, d.attrs.length > 0 ? d.attrs[0] : 0, d.attrs.length > 1 ? d.attrs[1] : 0);
        }
        return (d.attrs[0], d.attrs[1]);
    }

    ////////////////////////////////////////////////////////////////
    //                4a. post-state link dispute                 //
    ////////////////////////////////////////////////////////////////

    /// @dev Any leaf of the post-state trees can be disputed: indices below the tensor count must
    ///      hold the copy node's output, the padding leaves up to the tree width must be empty.
    function disputeLink(Game storage g, uint8 tree, uint32 index) internal {
        if (tree > 1) revert OutOfRange("tree", tree, 2);
        uint256 width = uint256(1) << TensorProofs.depthOf(_countOf(g, tree));
        if (index >= width) revert OutOfRange("state leaf", index, width);
        g.linkTree = tree;
        g.linkIndex = index;
        g.phase = Phase.AwaitLinkProof;
    }

    function proveLink(Game storage g, LinkProof calldata p) internal view returns (Verdict memory) {
        _requireStateHash(g.specHash, g.step, p.postModelRoot, p.postOptRoot, g.postHash);
        uint256 count = _countOf(g, g.linkTree);
        bytes32 root = g.linkTree == 0 ? p.postModelRoot : p.postOptRoot;
        bytes32 leaf = g.linkIndex < count ? _copyOutput(g, p) : bytes32(0);
        _requireLeaf(ProofKind.StateSlot, root, g.linkIndex, leaf, p.slotPath, TensorProofs.depthOf(count));
        return Verdict(true, false, Reason.LinkProven);
    }

    /// @dev The output root of the copy node for (linkTree, linkIndex), proven in P_{n-1}.
    function _copyOutput(Game storage g, LinkProof calldata p) private view returns (bytes32) {
        if (p.node >= g.n) revert OutOfRange("node", p.node, g.n);
        bytes32 h = sha256(p.descriptor);
        _requireLeaf(ProofKind.ProgramLeaf, g.nodesRoot, p.node, h, p.programPath, TensorProofs.depthOf(g.n));
        NodeCodec.Node memory d = NodeCodec.decode(p.descriptor);
        if (d.opId != OP_COPY || d.attrs.length != 2 || d.attrs[0] != g.linkTree || d.attrs[1] != g.linkIndex) {
            revert NotACopyNode(p.node, d.opId, g.linkTree, g.linkIndex);
        }
        _requireLeaf(ProofKind.Record, g.accHi, p.node, _record(h, p.outRoot), p.recordPath, ACC_DEPTH);
        return p.outRoot;
    }

    ////////////////////////////////////////////////////////////////
    //                   4b. trace bisection                      //
    ////////////////////////////////////////////////////////////////

    /// @dev Bisection over record prefixes: the empty prefix (P_{-1}, a constant) is agreed, the
    ///      full one (P_{n-1}) disputed.
    function startTrace(Game storage g) internal {
        g.agreedLen = 0;
        g.disputedLen = g.n;
        g.accLo = TensorProofs.emptyAccRoot();
        g.phase = g.n == 1 ? Phase.AwaitRecord : Phase.AwaitAcc;
    }

    /// @notice Prefix length whose accumulator the solver reveals next: (lo + hi) / 2 rounded
    ///         toward lo in node indices, i.e. floor((agreedLen + disputedLen) / 2) records.
    function midLen(Game storage g) internal view returns (uint32) {
        return uint32((uint256(g.agreedLen) + g.disputedLen) / 2);
    }

    function revealAcc(Game storage g, bytes32 acc) internal {
        g.accMid = acc;
        g.phase = Phase.AwaitAccChoice;
    }

    /// INVARIANT: agreedLen < mid < disputedLen, so the interval shrinks by half every round
    ///            and ends after ceil(log2 n) rounds with disputedLen == agreedLen + 1.
    function chooseAcc(Game storage g, bool agree) internal {
        uint32 mid = midLen(g);
        if (agree) {
            g.agreedLen = mid;
            g.accLo = g.accMid;
        } else {
            g.disputedLen = mid;
            g.accHi = g.accMid;
        }
        g.phase = g.disputedLen == g.agreedLen + 1 ? Phase.AwaitRecord : Phase.AwaitAcc;
    }

    /// @dev Reveals record i = agreedLen, the only one added between accLo (agreed) and accHi
    ///      (disputed). Source ops are decided here; other ops go to the element phase.
    function revealRecord(Game storage g, RecordReveal calldata r)
        internal
        returns (Verdict memory v, uint16 opId)
    {
        uint256 i = g.agreedLen;
        bytes32 h = sha256(r.descriptor);
        _requireLeaf(ProofKind.ProgramLeaf, g.nodesRoot, i, h, r.programPath, TensorProofs.depthOf(g.n));
        if (!TensorProofs.accInsert(g.accLo, g.accHi, i, _record(h, r.outRoot), r.accPath)) {
            revert BadProof(ProofKind.AccInsert, i, r.accPath.length, ACC_DEPTH);
        }
        NodeCodec.Node memory node = NodeCodec.decode(r.descriptor);
        opId = node.opId;
        uint8 kind = OpSemantics.kind(opId);
        if (kind == OpSemantics.SOURCE) {
            _checkSource(g, node, r);
            return (Verdict(true, false, Reason.SourceProven), opId);
        }
        if (kind != OpSemantics.MAP && kind != OpSemantics.FOLD) revert UnsupportedOp(node.opId);
        bytes32 root = TensorProofs.tensorRoot(node.shape, r.dataRoot);
        if (root != r.outRoot) revert TensorRootMismatch(r.outRoot, root);
        g.nodeHash = h;
        g.dataRoot = r.dataRoot;
        g.numel = uint64(TensorProofs.numel(node.shape));
        g.opKind = kind;
        g.phase = Phase.AwaitElementPick;
    }

    /// @dev state(tree, index, ...dims): the output is pre-state leaf (tree, index).
    ///      dataset(kind, root0..root7, ...dims): the output root is written in the attrs.
    function _checkSource(Game storage g, NodeCodec.Node memory node, RecordReveal calldata r) private view {
        if (node.opId == OP_STATE) {
            if (g.step == 0) revert NoPreState();
            _requireStateHash(g.specHash, g.step - 1, r.preModelRoot, r.preOptRoot, g.preHash);
            uint256 tree = node.attrs[0];
            uint256 index = node.attrs[1];
            if (tree > 1) revert OutOfRange("tree", tree, 2);
            // forge-lint: disable-next-line(unsafe-typecast) -- tree <= 1 checked above
            uint256 count = _countOf(g, uint8(tree));
            if (index >= count) revert OutOfRange("state slot", index, count);
            bytes32 root = tree == 0 ? r.preModelRoot : r.preOptRoot;
            _requireLeaf(ProofKind.StateSlot, root, index, r.outRoot, r.slotPath, TensorProofs.depthOf(count));
        } else if (node.opId == OP_DATASET) {
            bytes32 expected = _datasetRoot(node.attrs);
            if (expected != r.outRoot) revert SourceMismatch(OP_DATASET, expected, r.outRoot);
        } else {
            revert UnsupportedOp(node.opId);
        }
    }

    /// @dev attrs[1..8] are the dataset's tensor root as eight u32be words.
    function _datasetRoot(uint32[] memory attrs) private pure returns (bytes32 root) {
        if (attrs.length < 9) revert OutOfRange("dataset attrs", attrs.length, 9);
        uint256 acc;
        for (uint256 w = 1; w <= 8; w++) acc = (acc << 32) | attrs[w];
        return bytes32(acc);
    }

    ////////////////////////////////////////////////////////////////
    //                          Helpers                           //
    ////////////////////////////////////////////////////////////////

    /// @notice Trace record of a node: sha256(nodeHash || outputTensorRoot).
    function _record(bytes32 nodeHash, bytes32 outRoot) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(nodeHash, outRoot));
    }

    /// @notice Tensors in tree 0 (model) or 1 (optimizer).
    function _countOf(Game storage g, uint8 tree) internal view returns (uint256) {
        return tree == 0 ? g.modelCount : g.optCount;
    }

    /// @notice M = ceil(T / K): the last leaf of stepsRoot (it has M + 1 leaves, depth
    ///         ceil(log2(M + 1))). K >= 1 (checked in revealFinal).
    function _lastLeaf(uint64 t, uint32 k) internal pure returns (uint256) {
        return (uint256(t) + k - 1) / k;
    }

    /// @notice H[t] = sha256(specHash || u64be t || modelRoot || optRoot).
    function _requireStateHash(bytes32 spec, uint64 t, bytes32 modelRoot, bytes32 optRoot, bytes32 expected)
        internal
        pure
    {
        bytes32 h = sha256(abi.encodePacked(spec, t, modelRoot, optRoot));
        if (h != expected) revert StateHashMismatch(t, expected, h);
    }

    /// @notice Leaf `index` of a tree whose depth the game knows: the path must have exactly that
    ///         length, so a leaf has one position and an inner node can never pose as a leaf.
    function _requireLeaf(
        ProofKind kind,
        bytes32 root,
        uint256 index,
        bytes32 leaf,
        bytes32[] calldata path,
        uint256 depth
    ) internal view {
        if (path.length != depth || !TensorProofs.verifyLeaf(root, index, leaf, path)) {
            revert BadProof(kind, index, path.length, depth);
        }
    }
}

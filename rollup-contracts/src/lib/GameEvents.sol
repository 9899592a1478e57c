// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Commitment, JobParams} from "../interfaces/IDisputeGame.sol";
import {Side, Reason} from "./GameTypes.sol";

/// @title  IDisputeGameEvents
/// @notice One event per move: the off-chain solver and verifier bots are driven by them.
///         Every event carries what the next mover needs (indices, roots, deadlines), so a bot
///         never has to read storage. `deadline` is when the side to move runs out of time.
interface IDisputeGameEvents {
    /// @notice A dispute started; the solver must `revealFinal` by `deadline`.
    event GameOpened(
        uint256 indexed disputeId,
        uint256 indexed jobId,
        address indexed solver,
        address challenger,
        JobParams job,
        Commitment commitment,
        uint256 deadline
    );
    /// @notice The solver revealed the roots behind H[T] (leaf M of stepsRoot); the challenger
    ///         must `pickStep`.
    event FinalRevealed(uint256 indexed disputeId, bytes32 modelRoot, bytes32 optRoot, uint256 deadline);
    /// @notice The disputed transition is now `step` (H[step-1] -> H[step]): named by `pickStep`
    ///         (an interval of one transition) or by `pickMid`. The solver must `postTrace`.
    event StepPicked(uint256 indexed disputeId, uint64 step, bytes32 preHash, bytes32 postHash, uint256 deadline);
    /// @notice The challenger disputes leaf m, whose interval (lo, hi] holds hi - lo > 1
    ///         transitions from H[lo] = preHash to H[hi] = postHash; the solver must `postMids`.
    event IntervalPicked(
        uint256 indexed disputeId, uint64 m, uint64 lo, uint64 hi, bytes32 preHash, bytes32 postHash, uint256 deadline
    );
    /// @notice The solver posted H[lo+1..hi-1] of the disputed interval; the challenger must
    ///         `pickMid` (re-supplying these mids).
    event MidsPosted(uint256 indexed disputeId, bytes32[] mids, uint256 deadline);
    /// @notice The solver committed to the trace of the disputed transition.
    event TracePosted(
        uint256 indexed disputeId, uint32 n, bytes32 finalAcc, uint16 modelCount, uint16 optCount, uint256 deadline
    );
    /// @notice The challenger disputes post-state leaf (tree, index).
    event LinkDisputed(uint256 indexed disputeId, uint8 tree, uint32 index, uint256 deadline);
    /// @notice The challenger started the trace bisection over records [0, n).
    event TraceBisectionStarted(uint256 indexed disputeId, uint32 n, uint256 deadline);
    /// @notice The solver revealed the accumulator after `prefixLen` records (P_{prefixLen-1}).
    event AccRevealed(uint256 indexed disputeId, uint32 prefixLen, bytes32 acc, uint256 deadline);
    /// @notice The challenger judged the revealed accumulator; the disputed interval is now
    ///         (agreedLen, disputedLen] records.
    event AccChosen(uint256 indexed disputeId, bool agree, uint32 agreedLen, uint32 disputedLen, uint256 deadline);
    /// @notice The solver revealed record `node` (the first disputed one).
    event RecordRevealed(
        uint256 indexed disputeId, uint32 node, uint16 opId, bytes32 outRoot, uint64 numel, uint256 deadline
    );
    /// @notice The challenger disputes output element `element` of the revealed node.
    event ElementPicked(uint256 indexed disputeId, uint64 element, uint256 deadline);
    /// @notice The solver opened the element: out[element] = `value` (binary32 bits).
    event ElementOpened(uint256 indexed disputeId, uint64 element, uint32 value, bool isFold, uint256 deadline);
    /// @notice The solver committed to the element's accumulator sequence acc_0..acc_K.
    event FoldPosted(uint256 indexed disputeId, bytes32 accRoot, uint32 foldLen, uint256 deadline);
    /// @notice The challenger disputes accumulation step k (acc_k -> acc_{k+1}).
    event FoldStepPicked(uint256 indexed disputeId, uint32 k, uint256 deadline);
    /// @notice The solver opened acc_k and acc_{k+1}; anyone may now call `oneStep`.
    event FoldStepOpened(uint256 indexed disputeId, uint32 k, uint32 accK, uint32 accNext, uint256 deadline);
    /// @notice The challenger asked for the solver's tensor (0 output, 1 fold sequence): the
    ///         solver now reveals its data tree from the root, `height` levels above the leaves.
    event DataRequested(uint256 indexed disputeId, uint8 target, uint8 height, uint256 deadline);
    /// @notice The solver revealed the children of node (height, index) of its data tree.
    event DataChildrenRevealed(
        uint256 indexed disputeId, uint8 height, uint32 index, bytes32 left, bytes32 right, uint256 deadline
    );
    /// @notice The challenger followed the left/right child; now at (height, index).
    event DataChildChosen(uint256 indexed disputeId, bool right, uint8 height, uint32 index, uint256 deadline);
    /// @notice The solver put leaf chunk `index` of the requested tensor on chain.
    event DataChunkRevealed(uint256 indexed disputeId, uint8 target, uint32 index, bytes chunk, uint256 deadline);
    /// @notice The contract re-executed one operation: `computed` vs the solver's `claimed`.
    event OneStepExecuted(uint256 indexed disputeId, uint16 opId, uint32 computed, uint32 claimed);
    /// @notice The side to move ran out of time.
    event TimedOut(uint256 indexed disputeId, Side loser);
    /// @notice The dispute ended; the JobMarket has been told.
    event GameResolved(uint256 indexed disputeId, bool challengerWon, Reason reason);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Phase, Side, ProofKind} from "./GameTypes.sol";

////////////////////////////////////////////////////////////////
//                     DisputeGame errors                     //
////////////////////////////////////////////////////////////////

/// @notice Only the JobMarket may open disputes.
error OnlyMarket(address caller, address market);

/// @notice `open` was called twice for the same dispute id.
error DisputeAlreadyOpen(uint256 disputeId);

/// @notice No dispute with this id was ever opened.
error UnknownDispute(uint256 disputeId);

/// @notice The dispute is over; no more moves or timeouts.
error DisputeResolved(uint256 disputeId);

/// @notice The move does not belong to the current phase.
error WrongPhase(uint256 disputeId, Phase expected, Phase actual);

/// @notice The caller is not the side to move.
error NotYourTurn(uint256 disputeId, address caller, address expected);

/// @notice The side to move has used up its time bank; only `claimTimeout` remains.
error ClockExpired(uint256 disputeId, Side side, uint256 overdueSeconds);

/// @notice `claimTimeout` before the side to move has used up its time bank.
error ClockRunning(uint256 disputeId, Side side, uint256 secondsLeft);

/// @notice The (JobParams, Commitment) passed to `revealFinal` are not the ones `open` received.
error ParamsMismatch(bytes32 expectedHash, bytes32 actualHash);

/// @notice sha256(specHash || u64be step || modelRoot || optRoot) is not the committed state hash.
error StateHashMismatch(uint64 step, bytes32 expected, bytes32 computed);

/// @notice sha256(programInitRoot || programStepRoot) is not the job's programRoot.
error ProgramRootMismatch(bytes32 expected, bytes32 computed);

/// @notice A Merkle proof of kind `kind` for leaf `index` did not verify (or had the wrong length).
error BadProof(ProofKind kind, uint256 index, uint256 pathLength, uint256 expectedPathLength);

/// @notice `what` = `value` is not below `bound`. `what` is a short ASCII name ("element",
///         "fold step", ...) left-aligned in a bytes32: a string would cost code size the game
///         does not have to spare (EIP-170).
error OutOfRange(bytes32 what, uint256 value, uint256 bound);

/// @notice The node descriptor is not the `copy` node the check needs.
error NotACopyNode(uint256 node, uint16 opId, uint256 tree, uint256 index);

/// @notice A tensor root does not match sha256(shape header || dataRoot).
error TensorRootMismatch(bytes32 expected, bytes32 computed);

/// @notice A source op's output root is not the root it must have (pre-state slot / dataset root).
error SourceMismatch(uint16 opId, bytes32 expected, bytes32 actual);

/// @notice A `state` node in the init program: there is no pre-state to read.
error NoPreState();

/// @notice An op id the game cannot judge (neither source nor map nor fold).
error UnsupportedOp(uint16 opId);

/// @notice The descriptor's hash is not the disputed node's hash.
error NodeHashMismatch(bytes32 expected, bytes32 computed);

/// @notice Wrong number of input descriptors / openings for the node.
error InputCountMismatch(uint256 expected, uint256 actual);

/// @notice An input refers to a node that is not earlier than the disputed node.
error InputNotEarlier(uint256 input, uint256 node);

/// @notice The op semantics need element `index` of input slot `input`, but no chunk holds it.
error MissingRead(uint8 input, uint256 index);

/// @notice A revealed value disagrees with the value the check requires.
error ValueMismatch(string what, uint32 expected, uint32 actual);

/// @notice The solver's tensor (0 output, 1 fold sequence) was already requested in this dispute.
error DataAlreadyRequested(uint8 target);

/// @notice Revealed children / chunk do not hash to the current node of the data tree.
error DataNodeMismatch(bytes32 expected, bytes32 computed);

/// @notice `what` has `length` entries where the move needs exactly `expected` (e.g. the mids of
///         an interval (lo, hi]: hi - lo - 1 state hashes). `what` as in `OutOfRange`.
error BadLength(bytes32 what, uint256 length, uint256 expected);

/// @notice The mids re-supplied to `pickMid` are not the ones the solver posted.
error MidsMismatch(bytes32 expected, bytes32 computed);

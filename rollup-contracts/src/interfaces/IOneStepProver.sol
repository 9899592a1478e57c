// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {NodeContext, InputOpening, InputChunk, Chunk} from "../lib/GameTypes.sol";

/// @title  IOneStepProver
/// @notice Re-executes one element (map op) or one accumulation step (fold op) of a program node
///         from inputs proven against the agreed trace accumulator. Stateless.
/// @dev    Both functions take exactly the arguments of the game's move of the same name, and
///         after them (outside the ABI payload, as the last 12 words of calldata) an abi-encoded
///         `Judged` with the game's state. The game forwards its own calldata and appends it.
interface IOneStepProver {
    /// @notice Checks a fold commitment: node context proven against the program, K and acc_0
    ///         from the op semantics, acc_0 == init and acc_K == the opened value under
    ///         `accDataRoot`. Reverts on any failed check.
    /// @return foldLen K.
    /// @return accRoot tensor root of the sequence, shape [K + 1].
    function postFold(
        uint256 disputeId,
        NodeContext calldata nc,
        bytes32 accDataRoot,
        Chunk calldata first,
        Chunk calldata last
    ) external view returns (uint256 foldLen, bytes32 accRoot);

    /// @notice Recomputes out[e] (map op) or step(acc_k, reads(e, k)) (fold op) from inputs
    ///         proven under the agreed accumulator.
    /// @return opId     the node's op.
    /// @return computed the recomputed value (binary32 bits).
    /// @return claimed  the solver's value it is compared with.
    function oneStep(
        uint256 disputeId,
        NodeContext calldata nc,
        InputOpening[] calldata inputs,
        InputChunk[] calldata chunks
    ) external view returns (uint16 opId, uint32 computed, uint32 claimed);
}

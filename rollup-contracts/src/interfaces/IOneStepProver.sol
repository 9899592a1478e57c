// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DisputedNode, NodeContext, InputOpening, InputChunk} from "../lib/GameTypes.sol";

/// @title  IOneStepProver
/// @notice Re-executes one element (map op) or one accumulation step (fold op) of a program node
///         from inputs proven against the agreed trace accumulator. Stateless: the dispute game
///         calls it, and bots may call it to preview a verdict.
interface IOneStepProver {
    /// @notice Fold length K and initial accumulator acc_0 of the disputed element.
    function foldBounds(DisputedNode calldata d, NodeContext calldata nc)
        external
        view
        returns (uint256 foldLen, uint32 init);

    /// @notice out[element] of a map op, computed from the opened inputs.
    /// @param accLo  trace accumulator holding every input record (agreed by both sides).
    function mapValue(
        DisputedNode calldata d,
        bytes32 accLo,
        NodeContext calldata nc,
        InputOpening[] calldata inputs,
        InputChunk[] calldata chunks
    ) external view returns (uint16 opId, uint32 value);

    /// @notice acc_{k+1} = step(acc_k, reads(element, k)) of a fold op.
    function foldStepValue(
        DisputedNode calldata d,
        bytes32 accLo,
        uint32 k,
        uint32 accK,
        NodeContext calldata nc,
        InputOpening[] calldata inputs,
        InputChunk[] calldata chunks
    ) external view returns (uint16 opId, uint32 value);
}

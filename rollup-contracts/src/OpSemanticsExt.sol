// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOpSemanticsExt} from "./interfaces/IOpSemanticsExt.sol";
import {OpSemantics} from "./lib/OpSemantics.sol";
import {OpSemantics3} from "./lib/OpSemantics3.sol";

/// @title  OpSemanticsExt
/// @notice OpSemantics3 (the ten repops-3 ops: Box-Muller, cosine schedule, token windows, erf,
///         causal fill, one-hot, bmm, gather/scatter rows, permute) as a contract. OneStepProver
///         calls it through OpRouter for those ops (its address is fixed at the prover's
///         construction); the op semantics and F32 soft-float would not fit in the prover itself.
contract OpSemanticsExt is IOpSemanticsExt {
    function mapReads(OpSemantics.Ctx memory c, uint256 e) external pure returns (OpSemantics.Read[] memory) {
        return OpSemantics3.mapReads(c, e);
    }

    function mapEval(OpSemantics.Ctx memory c, uint256 e, uint32[] memory vals) external pure returns (uint32) {
        return OpSemantics3.mapEval(c, e, vals);
    }

    function foldLen(OpSemantics.Ctx memory c, uint256 e) external pure returns (uint256) {
        return OpSemantics3.foldLen(c, e);
    }

    function foldInit(OpSemantics.Ctx memory c, uint256 e) external pure returns (uint32) {
        return OpSemantics3.foldInit(c, e);
    }

    function foldReads(OpSemantics.Ctx memory c, uint256 e, uint256 k)
        external
        pure
        returns (OpSemantics.Read[] memory)
    {
        return OpSemantics3.foldReads(c, e, k);
    }

    function foldStep(OpSemantics.Ctx memory c, uint32 acc, uint32[] memory vals, uint256 e, uint256 k)
        external
        pure
        returns (uint32)
    {
        return OpSemantics3.foldStep(c, acc, vals, e, k);
    }
}

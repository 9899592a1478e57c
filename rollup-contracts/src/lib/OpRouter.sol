// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOpSemanticsExt} from "../interfaces/IOpSemanticsExt.sol";
import {OpSemantics} from "./OpSemantics.sol";

/// @title OpRouter — one entry point for the element semantics of every op.
/// @notice The repops-2 ops run inline (OpSemantics); the repops-3 ops (OpSemantics.isRepops3)
///         are a call to the OpSemanticsExt contract `x`. Same functions and reverts as
///         OpSemantics; `foldStep` takes the fold context (e, k) that gather/scatter use.
library OpRouter {
    function mapReads(IOpSemanticsExt x, OpSemantics.Ctx memory c, uint256 e)
        internal
        pure
        returns (OpSemantics.Read[] memory)
    {
        return OpSemantics.isRepops3(c.opId) ? x.mapReads(c, e) : OpSemantics.mapReads(c, e);
    }

    function mapEval(IOpSemanticsExt x, OpSemantics.Ctx memory c, uint256 e, uint32[] memory vals)
        internal
        pure
        returns (uint32)
    {
        return OpSemantics.isRepops3(c.opId) ? x.mapEval(c, e, vals) : OpSemantics.mapEval(c, e, vals);
    }

    function foldLen(IOpSemanticsExt x, OpSemantics.Ctx memory c, uint256 e) internal pure returns (uint256) {
        return OpSemantics.isRepops3(c.opId) ? x.foldLen(c, e) : OpSemantics.foldLen(c, e);
    }

    function foldInit(IOpSemanticsExt x, OpSemantics.Ctx memory c, uint256 e) internal pure returns (uint32) {
        return OpSemantics.isRepops3(c.opId) ? x.foldInit(c, e) : OpSemantics.foldInit(c, e);
    }

    function foldReads(IOpSemanticsExt x, OpSemantics.Ctx memory c, uint256 e, uint256 k)
        internal
        pure
        returns (OpSemantics.Read[] memory)
    {
        return OpSemantics.isRepops3(c.opId) ? x.foldReads(c, e, k) : OpSemantics.foldReads(c, e, k);
    }

    function foldStep(IOpSemanticsExt x, OpSemantics.Ctx memory c, uint32 acc, uint32[] memory vals, uint256 e, uint256 k)
        internal
        pure
        returns (uint32)
    {
        return OpSemantics.isRepops3(c.opId) ? x.foldStep(c, acc, vals, e, k) : OpSemantics.foldStep(c, acc, vals);
    }
}

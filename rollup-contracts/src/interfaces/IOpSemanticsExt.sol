// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OpSemantics} from "../lib/OpSemantics.sol";

/// @title  IOpSemanticsExt
/// @notice The element semantics of the repops-3 ops (OpSemantics3), deployed as their own
///         contract because OneStepProver has no room left under the 24 KiB code size limit.
///         Same functions as OpSemantics; `foldStep` also takes the fold context (e, k) of
///         REPOPS §15.2. Stateless and pure.
interface IOpSemanticsExt {
    function mapReads(OpSemantics.Ctx calldata c, uint256 e) external pure returns (OpSemantics.Read[] memory);
    function mapEval(OpSemantics.Ctx calldata c, uint256 e, uint32[] calldata vals) external pure returns (uint32);
    function foldLen(OpSemantics.Ctx calldata c, uint256 e) external pure returns (uint256);
    function foldInit(OpSemantics.Ctx calldata c, uint256 e) external pure returns (uint32);
    function foldReads(OpSemantics.Ctx calldata c, uint256 e, uint256 k)
        external
        pure
        returns (OpSemantics.Read[] memory);
    function foldStep(OpSemantics.Ctx calldata c, uint32 acc, uint32[] calldata vals, uint256 e, uint256 k)
        external
        pure
        returns (uint32);
}

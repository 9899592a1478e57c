// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {F32} from "./F32.sol";
import {Rng} from "./Rng.sol";

/// @title OpSemantics — Solidity port of the element semantics of reproducible-ops/ops/table.ts.
/// @notice WORK IN PROGRESS: signatures are final; bodies follow.
library OpSemantics {
    uint8 constant SOURCE = 0;
    uint8 constant MAP = 1;
    uint8 constant FOLD = 2;

    struct Ctx {
        uint16 opId;
        uint32[][] inShapes;
        uint32[] outShape;
        uint32[] attrs;
        uint32 seed;
        uint32 step; // 0xFFFFFFFF = init
    }

    struct Read {
        uint8 input;
        uint256 index;
    }

    error UnknownOp(uint16 opId);

    function kind(uint16 opId) internal pure returns (uint8) {
        opId;
        revert("todo");
    }

    function outShapeOf(Ctx memory c) internal pure returns (uint32[] memory) {
        c;
        revert("todo");
    }

    function mapReads(Ctx memory c, uint256 e) internal pure returns (Read[] memory) {
        (c, e);
        revert("todo");
    }

    function mapEval(Ctx memory c, uint256 e, uint32[] memory vals) internal pure returns (uint32) {
        (c, e, vals);
        revert("todo");
    }

    function foldLen(Ctx memory c, uint256 e) internal pure returns (uint256) {
        (c, e);
        revert("todo");
    }

    function foldInit(Ctx memory c, uint256 e) internal pure returns (uint32) {
        (c, e);
        revert("todo");
    }

    function foldReads(Ctx memory c, uint256 e, uint256 k) internal pure returns (Read[] memory) {
        (c, e, k);
        revert("todo");
    }

    function foldStep(Ctx memory c, uint32 acc, uint32[] memory vals) internal pure returns (uint32) {
        (c, acc, vals);
        revert("todo");
    }
}

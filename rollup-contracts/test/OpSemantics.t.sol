// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OpSemanticsVectors} from "./OpSemantics.Vectors.t.sol";
import {OpSemanticsUnit} from "./OpSemantics.Unit.t.sol";
import {OpSemanticsGas} from "./OpSemantics.Gas.t.sol";

/// All OpSemantics tests in one contract: each contract that uses OpSemantics inlines it together
/// with F32, and solc-js needs ~5-10 s per such contract, so the three test groups (vectors vs
/// table.ts, unit/fuzz, gas) share one compilation.
contract OpSemanticsTest is OpSemanticsVectors, OpSemanticsUnit, OpSemanticsGas {}

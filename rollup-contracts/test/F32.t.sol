// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";
import {F32} from "../src/lib/F32.sol";

/// Differential, property and unit tests of F32 against the TypeScript reference f32.ts.
///
/// Reference vectors: rollup-contracts/test/vectors/f32_<op>.bin, written by
/// `npx tsx rollup-contracts/test/vectors/gen-f32-vectors.ts` from `f32bits.*` (packed big-endian
/// uint32 words; (a, b, r) records for binary ops, (a, r) for unary ops). Each op's file is
/// checked in PARTS slices so forge can spread them over cores and stay under the gas limit.
contract F32Test is Test {
    string internal constant DIR = "rollup-contracts/test/vectors/";
    uint256 internal constant PARTS = 4;

    uint32 internal constant PZERO = 0x00000000;
    uint32 internal constant NZERO = 0x80000000;
    uint32 internal constant ONE = 0x3F800000;
    uint32 internal constant NEG_ONE = 0xBF800000;
    uint32 internal constant TWO = 0x40000000;
    uint32 internal constant HALF = 0x3F000000;
    uint32 internal constant PINF = 0x7F800000;
    uint32 internal constant NINF = 0xFF800000;
    uint32 internal constant QNAN = 0x7FC00000;
    uint32 internal constant MIN_SUB = 0x00000001;
    uint32 internal constant MAX_SUB = 0x007FFFFF;
    uint32 internal constant MIN_NORM = 0x00800000;
    uint32 internal constant MAX_FIN = 0x7F7FFFFF;

    // ------------------------------------------------------------------------------------------
    // Vector harness
    // ------------------------------------------------------------------------------------------

    function _hex(uint256 x) internal pure returns (string memory) {
        bytes memory s = new bytes(10);
        s[0] = "0";
        s[1] = "x";
        bytes16 digits = "0123456789ABCDEF";
        for (uint256 i = 0; i < 8; i++) {
            s[2 + i] = digits[(x >> (28 - 4 * i)) & 0xF];
        }
        return string(s);
    }

    function _word(bytes memory d, uint256 i) internal pure returns (uint32 w) {
        assembly {
            w := shr(224, mload(add(add(d, 32), mul(i, 4))))
        }
    }

    function _load(string memory op, uint256 rec) internal view returns (bytes memory d, uint256 n) {
        d = vm.readFileBinary(string.concat(DIR, "f32_", op, ".bin"));
        require(d.length % (4 * rec) == 0, "vector file length");
        n = d.length / (4 * rec);
        require(n >= 100_000, "fewer than 100k vectors: regenerate");
    }

    function _slice(uint256 n, uint256 part) internal pure returns (uint256 from, uint256 to) {
        from = (n * part) / PARTS;
        to = (n * (part + 1)) / PARTS;
    }

    function _report(string memory op, uint256 part, uint256 count, uint256 gasSum, uint256 gasMax) internal pure {
        console.log(
            string.concat(
                "f32 ",
                op,
                " part ",
                vm.toString(part),
                ": ",
                vm.toString(count),
                " vectors ok, gas avg ",
                vm.toString(gasSum / count),
                " max ",
                vm.toString(gasMax)
            )
        );
    }

    function _fail(string memory op, string memory args, uint32 got, uint32 want, uint256 i) internal pure {
        revert(
            string.concat(
                "F32 mismatch: ",
                op,
                "(",
                args,
                ") = ",
                _hex(got),
                ", f32.ts says ",
                _hex(want),
                " [vector #",
                vm.toString(i),
                "]"
            )
        );
    }

    function _check2(string memory op, function(uint32, uint32) internal pure returns (uint32) fn, uint256 part)
        internal
        view
    {
        (bytes memory d, uint256 n) = _load(op, 3);
        (uint256 from, uint256 to) = _slice(n, part);
        uint256 gasSum;
        uint256 gasMax;
        for (uint256 i = from; i < to; i++) {
            uint32 a = _word(d, 3 * i);
            uint32 b = _word(d, 3 * i + 1);
            uint256 g = gasleft();
            uint32 got = fn(a, b);
            g -= gasleft();
            gasSum += g;
            if (g > gasMax) gasMax = g;
            if (got != _word(d, 3 * i + 2)) {
                _fail(op, string.concat(_hex(a), ", ", _hex(b)), got, _word(d, 3 * i + 2), i);
            }
        }
        _report(op, part, to - from, gasSum, gasMax);
    }

    function _check1(string memory op, function(uint32) internal pure returns (uint32) fn, uint256 part)
        internal
        view
    {
        (bytes memory d, uint256 n) = _load(op, 2);
        (uint256 from, uint256 to) = _slice(n, part);
        uint256 gasSum;
        uint256 gasMax;
        for (uint256 i = from; i < to; i++) {
            uint32 a = _word(d, 2 * i);
            uint256 g = gasleft();
            uint32 got = fn(a);
            g -= gasleft();
            gasSum += g;
            if (g > gasMax) gasMax = g;
            if (got != _word(d, 2 * i + 1)) _fail(op, _hex(a), got, _word(d, 2 * i + 1), i);
        }
        _report(op, part, to - from, gasSum, gasMax);
    }

    // ------------------------------------------------------------------------------------------
    // Differential tests against f32.ts vectors
    // ------------------------------------------------------------------------------------------

    function test_add_referenceVectorsPart0_succeeds() public view { _check2("add", F32.add, 0); }
    function test_add_referenceVectorsPart1_succeeds() public view { _check2("add", F32.add, 1); }
    function test_add_referenceVectorsPart2_succeeds() public view { _check2("add", F32.add, 2); }
    function test_add_referenceVectorsPart3_succeeds() public view { _check2("add", F32.add, 3); }

    function test_sub_referenceVectorsPart0_succeeds() public view { _check2("sub", F32.sub, 0); }
    function test_sub_referenceVectorsPart1_succeeds() public view { _check2("sub", F32.sub, 1); }
    function test_sub_referenceVectorsPart2_succeeds() public view { _check2("sub", F32.sub, 2); }
    function test_sub_referenceVectorsPart3_succeeds() public view { _check2("sub", F32.sub, 3); }

    function test_mul_referenceVectorsPart0_succeeds() public view { _check2("mul", F32.mul, 0); }
    function test_mul_referenceVectorsPart1_succeeds() public view { _check2("mul", F32.mul, 1); }
    function test_mul_referenceVectorsPart2_succeeds() public view { _check2("mul", F32.mul, 2); }
    function test_mul_referenceVectorsPart3_succeeds() public view { _check2("mul", F32.mul, 3); }

    function test_div_referenceVectorsPart0_succeeds() public view { _check2("div", F32.div, 0); }
    function test_div_referenceVectorsPart1_succeeds() public view { _check2("div", F32.div, 1); }
    function test_div_referenceVectorsPart2_succeeds() public view { _check2("div", F32.div, 2); }
    function test_div_referenceVectorsPart3_succeeds() public view { _check2("div", F32.div, 3); }

    function test_max_referenceVectorsPart0_succeeds() public view { _check2("max", F32.max, 0); }
    function test_max_referenceVectorsPart1_succeeds() public view { _check2("max", F32.max, 1); }
    function test_max_referenceVectorsPart2_succeeds() public view { _check2("max", F32.max, 2); }
    function test_max_referenceVectorsPart3_succeeds() public view { _check2("max", F32.max, 3); }

    function test_gt_referenceVectorsPart0_succeeds() public view { _check2("gt", F32.gt, 0); }
    function test_gt_referenceVectorsPart1_succeeds() public view { _check2("gt", F32.gt, 1); }
    function test_gt_referenceVectorsPart2_succeeds() public view { _check2("gt", F32.gt, 2); }
    function test_gt_referenceVectorsPart3_succeeds() public view { _check2("gt", F32.gt, 3); }

    function test_sqrt_referenceVectorsPart0_succeeds() public view { _check1("sqrt", F32.sqrt, 0); }
    function test_sqrt_referenceVectorsPart1_succeeds() public view { _check1("sqrt", F32.sqrt, 1); }
    function test_sqrt_referenceVectorsPart2_succeeds() public view { _check1("sqrt", F32.sqrt, 2); }
    function test_sqrt_referenceVectorsPart3_succeeds() public view { _check1("sqrt", F32.sqrt, 3); }

    function test_neg_referenceVectorsPart0_succeeds() public view { _check1("neg", F32.neg, 0); }
    function test_neg_referenceVectorsPart1_succeeds() public view { _check1("neg", F32.neg, 1); }
    function test_neg_referenceVectorsPart2_succeeds() public view { _check1("neg", F32.neg, 2); }
    function test_neg_referenceVectorsPart3_succeeds() public view { _check1("neg", F32.neg, 3); }

    function test_relu_referenceVectorsPart0_succeeds() public view { _check1("relu", F32.relu, 0); }
    function test_relu_referenceVectorsPart1_succeeds() public view { _check1("relu", F32.relu, 1); }
    function test_relu_referenceVectorsPart2_succeeds() public view { _check1("relu", F32.relu, 2); }
    function test_relu_referenceVectorsPart3_succeeds() public view { _check1("relu", F32.relu, 3); }

    function test_exp_referenceVectorsPart0_succeeds() public view { _check1("exp", F32.exp, 0); }
    function test_exp_referenceVectorsPart1_succeeds() public view { _check1("exp", F32.exp, 1); }
    function test_exp_referenceVectorsPart2_succeeds() public view { _check1("exp", F32.exp, 2); }
    function test_exp_referenceVectorsPart3_succeeds() public view { _check1("exp", F32.exp, 3); }

    function test_log_referenceVectorsPart0_succeeds() public view { _check1("log", F32.log, 0); }
    function test_log_referenceVectorsPart1_succeeds() public view { _check1("log", F32.log, 1); }
    function test_log_referenceVectorsPart2_succeeds() public view { _check1("log", F32.log, 2); }
    function test_log_referenceVectorsPart3_succeeds() public view { _check1("log", F32.log, 3); }

    function test_sigmoid_referenceVectorsPart0_succeeds() public view { _check1("sigmoid", F32.sigmoid, 0); }
    function test_sigmoid_referenceVectorsPart1_succeeds() public view { _check1("sigmoid", F32.sigmoid, 1); }
    function test_sigmoid_referenceVectorsPart2_succeeds() public view { _check1("sigmoid", F32.sigmoid, 2); }
    function test_sigmoid_referenceVectorsPart3_succeeds() public view { _check1("sigmoid", F32.sigmoid, 3); }

    function test_tanh_referenceVectorsPart0_succeeds() public view { _check1("tanh", F32.tanh, 0); }
    function test_tanh_referenceVectorsPart1_succeeds() public view { _check1("tanh", F32.tanh, 1); }
    function test_tanh_referenceVectorsPart2_succeeds() public view { _check1("tanh", F32.tanh, 2); }
    function test_tanh_referenceVectorsPart3_succeeds() public view { _check1("tanh", F32.tanh, 3); }
}

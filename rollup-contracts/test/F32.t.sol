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

    // ------------------------------------------------------------------------------------------
    // Unit tests (expected values cross-checked with f32.ts)
    // ------------------------------------------------------------------------------------------

    function _eq(uint32 got, uint32 want) internal pure {
        if (got != want) revert(string.concat("got ", _hex(got), ", want ", _hex(want)));
    }

    function test_add_exactSmallIntegers_succeeds() public pure {
        _eq(F32.add(ONE, ONE), TWO);
        _eq(F32.add(ONE, NEG_ONE), PZERO);
        _eq(F32.add(0x40400000, 0x40800000), 0x40E00000); // 3 + 4 = 7
    }

    function test_add_signedZeros_succeeds() public pure {
        _eq(F32.add(PZERO, PZERO), PZERO);
        _eq(F32.add(PZERO, NZERO), PZERO);
        _eq(F32.add(NZERO, PZERO), PZERO);
        _eq(F32.add(NZERO, NZERO), NZERO);
        _eq(F32.add(MIN_SUB, MIN_SUB | 0x80000000), PZERO); // x + (-x) = +0
        _eq(F32.add(NZERO, MIN_SUB), MIN_SUB);
    }

    function test_add_tiesToEven_succeeds() public pure {
        _eq(F32.add(ONE, 0x33800000), ONE); // 1 + 2^-24: tie, 1 is even
        _eq(F32.add(0x3F800001, 0x33800000), 0x3F800002); // (1 + 2^-23) + 2^-24: tie, rounds up to even
        _eq(F32.add(ONE, 0x33800001), 0x3F800001); // just above the tie
        _eq(F32.add(0x4B800000, ONE), 0x4B800000); // 2^24 + 1: tie -> 2^24
        _eq(F32.add(0x4B800000, 0x40400000), 0x4B800002); // 2^24 + 3: tie -> 2^24 + 4
    }

    function test_add_overflowToInfinity_succeeds() public pure {
        _eq(F32.add(MAX_FIN, MAX_FIN), PINF);
        _eq(F32.add(MAX_FIN, 0x73000000), PINF); // + half an ulp: tie, max is odd -> Inf
        _eq(F32.add(MAX_FIN, 0x72800000), MAX_FIN); // + quarter ulp
        _eq(F32.add(MAX_FIN | 0x80000000, 0xF3000000), NINF);
    }

    function test_add_subnormals_succeeds() public pure {
        _eq(F32.add(MIN_SUB, MIN_SUB), 0x00000002);
        _eq(F32.add(MAX_SUB, MIN_SUB), MIN_NORM); // gradual underflow boundary
        _eq(F32.add(MIN_NORM, MIN_SUB | 0x80000000), MAX_SUB);
    }

    function test_add_infinities_succeeds() public pure {
        _eq(F32.add(PINF, MAX_FIN | 0x80000000), PINF);
        _eq(F32.add(PINF, PINF), PINF);
        _eq(F32.add(NINF, NINF), NINF);
        _eq(F32.add(PINF, NINF), QNAN);
    }

    function test_sub_cancellation_succeeds() public pure {
        _eq(F32.sub(0x40490FDB, 0x40490FDB), PZERO);
        _eq(F32.sub(0xC0490FDB, 0xC0490FDB), PZERO);
        _eq(F32.sub(NZERO, PZERO), NZERO);
        _eq(F32.sub(PZERO, PZERO), PZERO);
        _eq(F32.sub(0x3F800001, ONE), 0x34000000); // 2^-23, exact
        _eq(F32.sub(PINF, PINF), QNAN);
    }

    function test_mul_underflowToSubnormal_succeeds() public pure {
        _eq(F32.mul(MIN_NORM, HALF), 0x00400000);
        _eq(F32.mul(MIN_SUB, HALF), PZERO); // 0.5 * 2^-149: tie -> 0 (even)
        _eq(F32.mul(0x00000003, HALF), 0x00000002); // 1.5 * 2^-149: tie -> 2 (even)
        _eq(F32.mul(MIN_SUB | 0x80000000, HALF), NZERO); // sign survives underflow
        _eq(F32.mul(MIN_SUB, MIN_SUB), PZERO);
    }

    function test_mul_specials_succeeds() public pure {
        _eq(F32.mul(PINF, PZERO), QNAN);
        _eq(F32.mul(NZERO, PINF), QNAN);
        _eq(F32.mul(PINF, NEG_ONE), NINF);
        _eq(F32.mul(NZERO, NZERO), PZERO);
        _eq(F32.mul(NZERO, ONE), NZERO);
        _eq(F32.mul(MAX_FIN, TWO), PINF);
        _eq(F32.mul(0x40400000, 0x40400000), 0x41100000); // 3 * 3 = 9
    }

    function test_div_byZero_succeeds() public pure {
        _eq(F32.div(ONE, PZERO), PINF);
        _eq(F32.div(NEG_ONE, PZERO), NINF);
        _eq(F32.div(ONE, NZERO), NINF);
        _eq(F32.div(PZERO, PZERO), QNAN);
        _eq(F32.div(PINF, PINF), QNAN);
        _eq(F32.div(ONE, PINF), PZERO);
        _eq(F32.div(NEG_ONE, PINF), NZERO);
    }

    function test_div_rounding_succeeds() public pure {
        _eq(F32.div(ONE, 0x40400000), 0x3EAAAAAB); // 1/3
        _eq(F32.div(MIN_SUB, MAX_FIN), PZERO);
        _eq(F32.div(MAX_FIN, MIN_SUB), PINF);
        _eq(F32.div(MIN_SUB, TWO), PZERO); // tie -> even
        _eq(F32.div(0x00000003, TWO), 0x00000002);
    }

    function test_sqrt_specials_succeeds() public pure {
        _eq(F32.sqrt(NZERO), NZERO);
        _eq(F32.sqrt(PZERO), PZERO);
        _eq(F32.sqrt(NEG_ONE), QNAN);
        _eq(F32.sqrt(NINF), QNAN);
        _eq(F32.sqrt(PINF), PINF);
        _eq(F32.sqrt(0x40800000), TWO);
        _eq(F32.sqrt(TWO), 0x3FB504F3);
        _eq(F32.sqrt(MIN_SUB), 0x1A3504F3);
        _eq(F32.sqrt(MAX_FIN), 0x5F7FFFFF);
    }

    function test_max_signedZerosAndNaN_succeeds() public pure {
        _eq(F32.max(NZERO, PZERO), PZERO);
        _eq(F32.max(PZERO, NZERO), PZERO);
        _eq(F32.max(NZERO, NZERO), NZERO);
        _eq(F32.max(0x7F800001, ONE), QNAN);
        _eq(F32.max(ONE, 0xFFC00001), QNAN);
        _eq(F32.max(NINF, MAX_FIN | 0x80000000), MAX_FIN | 0x80000000);
        _eq(F32.max(NEG_ONE, MIN_SUB | 0x80000000), MIN_SUB | 0x80000000);
    }

    function test_gt_nanAndZeros_succeeds() public pure {
        _eq(F32.gt(TWO, ONE), ONE);
        _eq(F32.gt(ONE, TWO), PZERO);
        _eq(F32.gt(PZERO, NZERO), PZERO);
        _eq(F32.gt(QNAN, ONE), PZERO);
        _eq(F32.gt(ONE, QNAN), PZERO);
        _eq(F32.gt(MIN_SUB, NZERO), ONE);
        _eq(F32.gt(NEG_ONE, NINF), ONE);
    }

    function test_neg_canonicalNaN_succeeds() public pure {
        _eq(F32.neg(ONE), NEG_ONE);
        _eq(F32.neg(PZERO), NZERO);
        _eq(F32.neg(0xFFC00000), QNAN);
        _eq(F32.neg(0x7F800001), QNAN);
    }

    function test_relu_negativeZero_succeeds() public pure {
        _eq(F32.relu(NZERO), PZERO);
        _eq(F32.relu(NEG_ONE), PZERO);
        _eq(F32.relu(NINF), PZERO);
        _eq(F32.relu(MIN_SUB), MIN_SUB);
        _eq(F32.relu(0xFFFFFFFF), QNAN);
    }

    function test_exp_thresholds_succeeds() public pure {
        _eq(F32.exp(PZERO), ONE);
        _eq(F32.exp(NZERO), ONE);
        _eq(F32.exp(ONE), 0x402DF854);
        _eq(F32.exp(0x42B17218), PINF); // EXP_X_MAX itself already rounds to +Inf in f32.ts
        _eq(F32.exp(0x42B17219), PINF);
        _eq(F32.exp(0xC2AF0000), 0x006CB2BC); // exp(-87.5): subnormal result
        _eq(F32.exp(0xC2D00000), PZERO);
        _eq(F32.exp(0xC2D00001), PZERO);
        _eq(F32.exp(PINF), PINF);
        _eq(F32.exp(NINF), PZERO);
        _eq(F32.exp(0xFF800001), QNAN);
    }

    function test_log_specials_succeeds() public pure {
        _eq(F32.log(ONE), PZERO);
        _eq(F32.log(TWO), 0x3F317218);
        _eq(F32.log(PZERO), NINF);
        _eq(F32.log(NZERO), NINF);
        _eq(F32.log(NEG_ONE), QNAN);
        _eq(F32.log(NINF), QNAN);
        _eq(F32.log(PINF), PINF);
        _eq(F32.log(MIN_SUB), 0xC2CE8ED0);
        _eq(F32.log(MAX_SUB), 0xC2AEAC50);
        _eq(F32.log(MAX_FIN), 0x42B17218);
    }

    function test_sigmoid_saturation_succeeds() public pure {
        _eq(F32.sigmoid(PZERO), HALF);
        _eq(F32.sigmoid(NINF), PZERO);
        _eq(F32.sigmoid(PINF), ONE);
        _eq(F32.sigmoid(QNAN), QNAN);
    }

    function test_tanh_saturation_succeeds() public pure {
        _eq(F32.tanh(PZERO), PZERO);
        _eq(F32.tanh(NZERO), PZERO);
        _eq(F32.tanh(ONE), 0x3F42F7D4);
        _eq(F32.tanh(0x42C80000), ONE);
        _eq(F32.tanh(0xC2C80000), NEG_ONE);
    }

    function test_all_nanPayloadsCanonical_succeeds() public pure {
        uint32[4] memory nans = [uint32(0x7F800001), 0xFFFFFFFF, 0x7FBFFFFF, 0xFFC00000];
        for (uint256 i = 0; i < 4; i++) {
            uint32 n = nans[i];
            _eq(F32.add(n, ONE), QNAN);
            _eq(F32.sub(ONE, n), QNAN);
            _eq(F32.mul(n, ONE), QNAN);
            _eq(F32.div(ONE, n), QNAN);
            _eq(F32.sqrt(n), QNAN);
            _eq(F32.max(n, n), QNAN);
            _eq(F32.neg(n), QNAN);
            _eq(F32.relu(n), QNAN);
            _eq(F32.exp(n), QNAN);
            _eq(F32.log(n), QNAN);
            _eq(F32.sigmoid(n), QNAN);
            _eq(F32.tanh(n), QNAN);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Fuzz tests of algebraic properties that correctly rounded IEEE arithmetic guarantees
    // ------------------------------------------------------------------------------------------

    function _isNaN(uint32 x) internal pure returns (bool) {
        return (x & 0x7FFFFFFF) > PINF;
    }

    /// Orderable key of a non-NaN value (±0 equal).
    function _key(uint32 x) internal pure returns (int256) {
        return (x & 0x80000000) != 0 ? -int256(uint256(x & 0x7FFFFFFF)) : int256(uint256(x));
    }

    /// A finite value with a moderate exponent, so the properties below don't over/underflow.
    function _moderate(uint32 x) internal pure returns (uint32) {
        return (x & 0x807FFFFF) | ((96 + ((x >> 23) & 0x3F)) << 23); // exponent field 96..159
    }

    function testFuzz_add_commutative_succeeds(uint32 a, uint32 b) public pure {
        _eq(F32.add(a, b), F32.add(b, a));
    }

    function testFuzz_mul_commutative_succeeds(uint32 a, uint32 b) public pure {
        _eq(F32.mul(a, b), F32.mul(b, a));
    }

    function testFuzz_max_commutative_succeeds(uint32 a, uint32 b) public pure {
        _eq(F32.max(a, b), F32.max(b, a));
    }

    function testFuzz_mul_identity_succeeds(uint32 x) public pure {
        _eq(F32.mul(x, ONE), _isNaN(x) ? QNAN : x);
        _eq(F32.div(x, ONE), _isNaN(x) ? QNAN : x);
    }

    function testFuzz_add_negativeZeroIdentity_succeeds(uint32 x) public pure {
        _eq(F32.add(x, NZERO), _isNaN(x) ? QNAN : x);
    }

    function testFuzz_sub_isAddOfNeg_succeeds(uint32 a, uint32 b) public pure {
        vm.assume(!_isNaN(b));
        _eq(F32.sub(a, b), F32.add(a, F32.neg(b)));
    }

    function testFuzz_sub_selfIsPositiveZero_succeeds(uint32 x) public pure {
        vm.assume((x & 0x7FFFFFFF) < PINF);
        _eq(F32.sub(x, x), PZERO);
    }

    function testFuzz_mul_twoIsDoubling_succeeds(uint32 x) public pure {
        _eq(F32.mul(x, TWO), F32.add(x, x));
    }

    function testFuzz_neg_involution_succeeds(uint32 x) public pure {
        _eq(F32.neg(F32.neg(x)), _isNaN(x) ? QNAN : x);
    }

    function testFuzz_sqrt_ofSquareIsAbs_succeeds(uint32 x) public pure {
        x = _moderate(x);
        _eq(F32.sqrt(F32.mul(x, x)), x & 0x7FFFFFFF);
    }

    function testFuzz_add_monotone_succeeds(uint32 a, uint32 b, uint32 c) public pure {
        vm.assume(!_isNaN(a) && !_isNaN(b) && !_isNaN(c));
        if (_key(a) > _key(b)) (a, b) = (b, a);
        uint32 x = F32.add(a, c);
        uint32 y = F32.add(b, c);
        if (!_isNaN(x) && !_isNaN(y)) assertLe(_key(x), _key(y));
    }

    function testFuzz_relu_nonNegative_succeeds(uint32 x) public pure {
        uint32 r = F32.relu(x);
        if (_isNaN(x)) _eq(r, QNAN);
        else _eq(r, _key(x) > 0 ? x : PZERO);
    }

    function testFuzz_gt_antisymmetric_succeeds(uint32 a, uint32 b) public pure {
        assertFalse(F32.gt(a, b) == ONE && F32.gt(b, a) == ONE);
        if (!_isNaN(a) && !_isNaN(b)) _eq(F32.gt(a, b), _key(a) > _key(b) ? ONE : PZERO);
    }

    function testFuzz_sigmoid_inUnitInterval_succeeds(uint32 x) public pure {
        vm.assume(!_isNaN(x));
        uint32 s = F32.sigmoid(x);
        assertGe(_key(s), 0);
        assertLe(_key(s), _key(ONE));
    }

    function testFuzz_exp_positive_succeeds(uint32 x) public pure {
        vm.assume(!_isNaN(x));
        assertGe(_key(F32.exp(x)), 0);
        assertEq(F32.exp(x) & 0x80000000, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Gas per primitive on typical inputs (finite values with exponents in [-24, 8])
    // ------------------------------------------------------------------------------------------

    uint256 internal constant GAS_SAMPLES = 256;

    function _typical(uint256 seed) internal pure returns (uint32) {
        uint256 r = uint256(keccak256(abi.encode(seed)));
        return uint32((r & 0x807FFFFF) | ((103 + ((r >> 23) % 33)) << 23));
    }

    function _gas2(function(uint32, uint32) internal pure returns (uint32) fn, uint256 salt)
        internal
        view
        returns (uint256 total)
    {
        for (uint256 i = 0; i < GAS_SAMPLES; i++) {
            uint32 a = _typical(salt + 2 * i);
            uint32 b = _typical(salt + 2 * i + 1);
            uint256 g = gasleft();
            fn(a, b);
            total += g - gasleft();
        }
    }

    function _gas1(function(uint32) internal pure returns (uint32) fn, uint256 salt, bool positive)
        internal
        view
        returns (uint256 total)
    {
        for (uint256 i = 0; i < GAS_SAMPLES; i++) {
            uint32 a = _typical(salt + i);
            if (positive) a &= 0x7FFFFFFF;
            uint256 g = gasleft();
            fn(a);
            total += g - gasleft();
        }
    }

    function _id1(uint32 a) internal pure returns (uint32) {
        return a;
    }

    function _id2(uint32 a, uint32) internal pure returns (uint32) {
        return a;
    }

    function _logGas(string memory op, uint256 total, uint256 base) internal pure {
        console.log(string.concat("gas ", op, ": ", vm.toString((total - base) / GAS_SAMPLES)));
    }

    /// Logs the average gas of each primitive (measurement overhead of an identity call
    /// subtracted); run with -vv to see the numbers.
    function test_gas_perPrimitive_succeeds() public view {
        uint256 b1 = _gas1(_id1, 0, false);
        uint256 b2 = _gas2(_id2, 0);
        _logGas("add", _gas2(F32.add, 1e6), b2);
        _logGas("sub", _gas2(F32.sub, 2e6), b2);
        _logGas("mul", _gas2(F32.mul, 3e6), b2);
        _logGas("div", _gas2(F32.div, 4e6), b2);
        _logGas("max", _gas2(F32.max, 5e6), b2);
        _logGas("gt", _gas2(F32.gt, 6e6), b2);
        _logGas("sqrt", _gas1(F32.sqrt, 7e6, true), b1);
        _logGas("neg", _gas1(F32.neg, 8e6, false), b1);
        _logGas("relu", _gas1(F32.relu, 9e6, false), b1);
        _logGas("exp", _gas1(F32.exp, 10e6, false), b1);
        _logGas("log", _gas1(F32.log, 11e6, true), b1);
        _logGas("sigmoid", _gas1(F32.sigmoid, 12e6, false), b1);
        _logGas("tanh", _gas1(F32.tanh, 13e6, false), b1);
    }
}

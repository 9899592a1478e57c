// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";
import {F32Special} from "../src/lib/F32Special.sol";

/// Differential and unit tests of F32Special (erf, cospi of REPOPS §15.5/§15.6) against f32.ts.
/// Vectors: rollup-contracts/test/vectors/f32_erf.bin and f32_cospi.bin, (x, result) records written
/// by gen-f32-vectors.ts from `f32bits.erf` / `f32bits.cospi` (every range and threshold, both
/// signs, subnormals, ±0, ±Inf, NaN payloads, inputs outside cospi's domain).
contract F32SpecialTest is Test {
    string internal constant DIR = "rollup-contracts/test/vectors/";
    uint256 internal constant PARTS = 4;

    uint32 internal constant ONE = 0x3F800000;
    uint32 internal constant NAN = 0x7FC00000;

    function _word(bytes memory d, uint256 i) internal pure returns (uint32 w) {
        assembly {
            w := shr(224, mload(add(add(d, 32), mul(i, 4))))
        }
    }

    function _check(string memory op, function(uint32) internal pure returns (uint32) fn, uint256 part)
        internal
        view
    {
        bytes memory d = vm.readFileBinary(string.concat(DIR, "f32_", op, ".bin"));
        uint256 n = d.length / 8;
        require(n >= 100_000, "fewer than 100k vectors: regenerate");
        uint256 gasMax;
        for (uint256 i = (n * part) / PARTS; i < (n * (part + 1)) / PARTS; i++) {
            uint32 x = _word(d, 2 * i);
            uint256 g = gasleft();
            uint32 got = fn(x);
            g -= gasleft();
            if (g > gasMax) gasMax = g;
            uint32 want = _word(d, 2 * i + 1);
            if (got != want) {
                revert(
                    string.concat(
                        op, "(", vm.toString(bytes32(uint256(x))), ") = ", vm.toString(bytes32(uint256(got))),
                        ", f32.ts says ", vm.toString(bytes32(uint256(want))), " [vector #", vm.toString(i), "]"
                    )
                );
            }
        }
        console.log(string.concat("f32 ", op, " part ", vm.toString(part), " ok, max gas ", vm.toString(gasMax)));
    }

    function test_erf_referenceVectorsPart0_succeeds() public view { _check("erf", F32Special.erf, 0); }
    function test_erf_referenceVectorsPart1_succeeds() public view { _check("erf", F32Special.erf, 1); }
    function test_erf_referenceVectorsPart2_succeeds() public view { _check("erf", F32Special.erf, 2); }
    function test_erf_referenceVectorsPart3_succeeds() public view { _check("erf", F32Special.erf, 3); }
    function test_cospi_referenceVectorsPart0_succeeds() public view { _check("cospi", F32Special.cospi, 0); }
    function test_cospi_referenceVectorsPart1_succeeds() public view { _check("cospi", F32Special.cospi, 1); }
    function test_cospi_referenceVectorsPart2_succeeds() public view { _check("cospi", F32Special.cospi, 2); }
    function test_cospi_referenceVectorsPart3_succeeds() public view { _check("cospi", F32Special.cospi, 3); }

    /// Special values of §15.5: NaN (any payload) -> canonical NaN, erf(±0) = ±0, erf(±Inf) = ±1,
    /// |x| >= 4 -> ±1 exactly, the smallest subnormal stays a (correctly scaled) subnormal, odd symmetry.
    function test_erf_specialValues_succeeds() public pure {
        assertEq(F32Special.erf(0xFFC00001), NAN);
        assertEq(F32Special.erf(0x7F800001), NAN);
        assertEq(F32Special.erf(0), 0);
        assertEq(F32Special.erf(0x80000000), 0x80000000);
        assertEq(F32Special.erf(0x7F800000), ONE);
        assertEq(F32Special.erf(0xFF800000), ONE | 0x80000000);
        assertEq(F32Special.erf(0x40800000), ONE); // 4
        assertEq(F32Special.erf(0x00000001), 0x00000001); // 2/sqrt(pi) * 2^-149 rounds to 2^-149
        assertEq(F32Special.erf(0x00000002), 0x00000002); // 2.26 * 2^-149 -> 2
        assertEq(F32Special.erf(0x00000004), 0x00000004); // (32 + 4.11) / 8 = 4.51 -> 4 (scaled sum rounds first)
        // one value per range, pinned from f32.ts
        assertEq(F32Special.erf(0x3A000000), 0x3A106EBA); // 2^-11: [2^-14, 0.84375)
        assertEq(F32Special.erf(0x3F000000), 0x3F053F7B); // 0.5
        assertEq(F32Special.erf(ONE), 0x3F57BB3D); // [0.84375, 1.25)
        assertEq(F32Special.erf(0x3FC00000), 0x3F7752AB); // 1.5: tail RA/SA
        assertEq(F32Special.erf(0x40200000), 0x3F7FE554); // 2.5: tail RB/SB
        uint32[5] memory xs = [uint32(0x3F000000), 0x3F800000, 0x3FC00000, 0x40200000, 0x3A000000];
        for (uint256 i = 0; i < xs.length; i++) {
            assertEq(F32Special.erf(xs[i] | 0x80000000), F32Special.erf(xs[i]) | 0x80000000, "erf is odd");
        }
    }

    /// §15.6: exact values at the reduction points, -0 counts as 0, NaN outside [0, 2].
    function test_cospi_exactPointsAndDomain_succeeds() public pure {
        assertEq(F32Special.cospi(0), ONE);
        assertEq(F32Special.cospi(0x80000000), ONE); // -0 >= 0
        assertEq(F32Special.cospi(0x40000000), ONE); // cos(2 pi)
        assertEq(F32Special.cospi(ONE), 0xBF800000); // -1
        assertEq(F32Special.cospi(0x3F000000), 0); // cos(pi/2) = +0 exactly
        assertEq(F32Special.cospi(0x3FC00000), 0); // 1.5: 2 - 1.5 = 0.5, not negated: +0
        assertEq(F32Special.cospi(0x40000001), NAN); // just above 2
        assertEq(F32Special.cospi(0x80000001), NAN); // negative subnormal
        assertEq(F32Special.cospi(0xBF800000), NAN);
        assertEq(F32Special.cospi(0x7F800000), NAN);
        assertEq(F32Special.cospi(0x7FC00000), NAN);
        // pinned from f32.ts: 0.3 (sin branch), 1.7 (2 - x, then 1 - x)
        assertEq(F32Special.cospi(0x3E99999A), 0x3F167918);
        assertEq(F32Special.cospi(0x3FD9999A), 0x3F16791A);
    }
}

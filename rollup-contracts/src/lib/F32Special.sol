// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {F32} from "./F32.sol";

/// @title F32Special — the specified functions of repops-3 (docs/REPOPS.md §15.5 erf, §15.6 cospi).
/// @notice Bit-for-bit twins of `erf` and `cospi` in reproducible-ops/f32.ts: the same binary32
///         constants (bit patterns are normative) and the same sequence of F32 primitives.
///         Coefficient lists are packed into one word, c[i] in bits [32 i, 32 i + 32).
library F32Special {
    uint32 internal constant SIGN = 0x80000000;
    uint32 internal constant NAN = 0x7FC00000;
    uint32 internal constant ONE = 0x3F800000;
    uint32 internal constant TWO = 0x40000000;
    uint32 internal constant HALF = 0x3F000000;
    uint32 internal constant QUARTER = 0x3E800000;
    uint32 internal constant EIGHT = 0x41000000;

    uint32 internal constant ERF_EFX = 0x3E0375D4; // 2/sqrt(pi) - 1
    uint32 internal constant ERF_EFX8 = 0x3F8375D4; // 8 * EFX
    uint32 internal constant ERF_ERX = 0x3F57BB00; // erf(1) rounded to 16 bits
    uint32 internal constant ERF_TAIL_C = 0x3F100000; // 0.5625
    uint256 internal constant ERF_PP = 0xBAF4228F_BEAC0C2D_3E0375D4;
    uint256 internal constant ERF_QQ = 0xBB025313_3CB1013A_3E9FE8F8;
    uint256 internal constant ERF_PA = 0x3DE32723_BE2924EE_3ED48942_3674E811;
    uint256 internal constant ERF_QA = 0x3D6644F9_3E2C9F37_3F093304_3F1A218C;
    uint256 internal constant ERF_RA = 0xBFB76216_C00B41D0_BF0DB91E_BC21BB59;
    uint256 internal constant ERF_SA = 0xBD6C8084_3FB72F4C_40D655DC_40AEB7F2;
    uint256 internal constant ERF_RB = 0x00_C1189A30_C1855B85_C0C5478B_BF200B39_BC21A092;
    uint256 internal constant ERF_SB = 0x410EE2A5_423D1FC4_4234BC5E_414B040E;
    uint256 internal constant COSPI_S = 0x00_3DA83C1A_BF196966_402335E3_C0A55DE7_40490FDB;
    uint256 internal constant COSPI_C = 0x00_BCD368F9_3E70FA83_BFAAE9E4_4081E0F8_C09DE9E6;

    /// erf(x) (§15.5): NaN gives NaN; the algorithm runs on |x| and the sign is applied last
    /// (every step is sign-symmetric in RNE), so erf(-0) = -0.
    function erf(uint32 x) internal pure returns (uint32) {
        uint32 ia = x & 0x7FFFFFFF;
        if (ia > 0x7F800000) return NAN;
        uint32 y = _erfAbs(ia);
        return (x & SIGN) != 0 ? y ^ SIGN : y; // y is never NaN
    }

    /// cos(pi x) for x in [0, 2] (§15.6), NaN for any other input. -0 counts as 0 (-0 >= 0).
    function cospi(uint32 x) internal pure returns (uint32) {
        if (x == SIGN) x = 0;
        if (x > TWO) return NAN; // NaN, negative or > 2: for x >= 0 the bit order is the value order
        if (x > ONE) x = F32.sub(TWO, x); // exact (Sterbenz)
        bool negate = x > HALF;
        if (negate) x = F32.sub(ONE, x); // exact
        uint32 y;
        if (x <= QUARTER) {
            y = horner1(COSPI_C, 5, F32.mul(x, x));
        } else {
            uint32 t = F32.sub(HALF, x); // exact
            y = F32.mul(t, horner(COSPI_S, 5, F32.mul(t, t)));
        }
        return negate ? y ^ SIGN : y;
    }

    /// c[0] + s (c[1] + s (... + s c[n-1])): from the highest coefficient down.
    function horner(uint256 c, uint256 n, uint32 s) internal pure returns (uint32 p) {
        p = _coef(c, n - 1);
        for (uint256 i = n - 1; i > 0;) {
            i--;
            p = F32.add(F32.mul(p, s), _coef(c, i));
        }
    }

    /// 1 + s (c[0] + s (c[1] + ...)): the monic denominators.
    function horner1(uint256 c, uint256 n, uint32 s) internal pure returns (uint32) {
        return F32.add(ONE, F32.mul(s, horner(c, n, s)));
    }

    function _coef(uint256 c, uint256 i) private pure returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast) -- masked to 32 bits
        return uint32((c >> (32 * i)) & 0xFFFFFFFF);
    }

    /// erf of a = |x| (bits ia, not NaN), by the ranges of §15.5.
    function _erfAbs(uint32 a) private pure returns (uint32) {
        if (a < 0x3F580000) {
            // a < 2^-119: scaled by 8 so the subnormal results keep their accuracy
            if (a < 0x04000000) return F32.div(F32.add(F32.mul(EIGHT, a), F32.mul(ERF_EFX8, a)), EIGHT);
            if (a < 0x38800000) return F32.add(a, F32.mul(ERF_EFX, a)); // a < 2^-14
            uint32 z = F32.mul(a, a);
            return F32.add(a, F32.mul(a, F32.div(horner(ERF_PP, 3, z), horner1(ERF_QQ, 3, z))));
        }
        if (a < 0x3FA00000) {
            uint32 s = F32.sub(a, ONE); // a < 1.25
            return F32.add(ERF_ERX, F32.div(horner(ERF_PA, 4, s), horner1(ERF_QA, 4, s)));
        }
        if (a >= 0x40800000) return ONE; // a >= 4, incl. +Inf
        return _erfTail(a);
    }

    /// 1.25 <= a < 4: 1 - exp(-z z - 0.5625) exp((z - a)(z + a) + R/S) / a, z = a with its low 13
    /// bits cleared (z z exact).
    function _erfTail(uint32 a) private pure returns (uint32) {
        uint32 s = F32.div(ONE, F32.mul(a, a));
        (uint32 r, uint32 q) = a < 0x4036DB6E
            ? (horner(ERF_RA, 4, s), horner1(ERF_SA, 4, s))
            : (horner(ERF_RB, 5, s), horner1(ERF_SB, 4, s));
        uint32 z = a & 0xFFFFE000;
        uint32 e1 = F32.exp(F32.sub(F32.mul(z ^ SIGN, z), ERF_TAIL_C));
        uint32 e2 = F32.exp(F32.add(F32.mul(F32.sub(z, a), F32.add(z, a)), F32.div(r, q)));
        return F32.sub(ONE, F32.div(F32.mul(e1, e2), a));
    }
}

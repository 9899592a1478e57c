// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title F32 — IEEE-754 binary32 soft-float over uint32 bit patterns.
/// @notice Bit-for-bit twin of the TypeScript reference `reproducible-ops/f32.ts` (`f32bits.*`),
///         which is normative together with docs/REPOPS.md. Any divergence is a bug here.
///
/// Semantics (all results canonical: every NaN result is exactly 0x7FC00000):
///   add, sub, mul, div, sqrt  IEEE-754 correctly rounded, round-to-nearest-ties-to-even,
///                             gradual underflow (subnormals kept, never flushed), signed zeros,
///                             overflow to ±Inf. x + (-x) = +0; (-0) + (-0) = -0; sqrt(-0) = -0.
///   max(a, b)                 NaN if either is NaN; max(-0, +0) = +0 in either order.
///   gt(a, b)                  1.0 (0x3F800000) if a > b, else +0 (NaN compares false).
///   neg(a)                    sign flip; NaN -> canonical NaN.
///   relu(x)                   max(x, +0).
///   exp, log                  the exact sequence of binary32 operations of f32.ts (same
///                             constants, same order), executed with this library's primitives.
///   sigmoid(x) = 1 / (1 + exp(-x));  tanh(x) = 2 * sigmoid(2x) - 1.
///
/// Implementation: every finite nonzero operand is unpacked to an integer significand m < 2^24
/// and an exponent e (value = m * 2^e). The operation is carried out exactly (or with a sticky
/// bit) in 256-bit integers and rounded once by `_round`.
// forge-lint: disable-start(unsafe-typecast,incorrect-shift) -- bit-level soft-float: casts and shifts are range-checked by construction
library F32 {
    uint256 internal constant SIGN = 0x80000000;
    uint256 internal constant ABS = 0x7FFFFFFF;
    uint256 internal constant INF = 0x7F800000;
    uint256 internal constant NEG_INF = 0xFF800000;
    uint256 internal constant NAN = 0x7FC00000; // canonical NaN
    uint256 internal constant ONE = 0x3F800000;
    uint256 internal constant TWO = 0x40000000;
    uint256 internal constant MIN_NORMAL = 0x00800000;

    // exp constants (f32.ts): bit patterns are normative.
    uint256 internal constant EXP_X_MAX = 0x42B17218; // 88.72283935546875
    uint256 internal constant EXP_X_MIN_ABS = 0x42D00000; // |-104|
    uint256 internal constant LOG2E = 0x3FB8AA3B;
    uint256 internal constant LN2_HI = 0x3F317200;
    uint256 internal constant LN2_LO = 0x35BFBE8E;
    uint256 internal constant ROUND_MAGIC = 0x4B400000; // 1.5 * 2^23
    uint256 internal constant EXP_C0 = 0x3AB60B61; // fr(1/720)
    uint256 internal constant EXP_C1 = 0x3C088889; // fr(1/120)
    uint256 internal constant EXP_C2 = 0x3D2AAAAB; // fr(1/24)
    uint256 internal constant EXP_C3 = 0x3E2AAAAB; // fr(1/6)
    uint256 internal constant EXP_C4 = 0x3F000000; // 0.5
    // EXP_C5 = EXP_C6 = 1.0 (ONE)

    // log constants (f32.ts)
    uint256 internal constant SQRT2_BITS = 0x3FB504F3;
    uint256 internal constant TWO_POW_23 = 0x4B000000;
    uint256 internal constant LOG_C0 = 0x3E638E39; // fr(2/9)
    uint256 internal constant LOG_C1 = 0x3E924925; // fr(2/7)
    uint256 internal constant LOG_C2 = 0x3ECCCCCD; // fr(2/5)
    uint256 internal constant LOG_C3 = 0x3F2AAAAB; // fr(2/3)

    // ------------------------------------------------------------------------------------------
    // Public (internal) API over uint32 bit patterns
    // ------------------------------------------------------------------------------------------

    function add(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(_add(a, b));
    }

    function sub(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(_add(a, b ^ SIGN));
    }

    function mul(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(_mul(a, b));
    }

    function div(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(_div(a, b));
    }

    function sqrt(uint32 a) internal pure returns (uint32) {
        return uint32(_sqrt(a));
    }

    function max(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(_max(a, b));
    }

    function gt(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(_gt(a, b));
    }

    function neg(uint32 a) internal pure returns (uint32) {
        return uint32(_neg(a));
    }

    function relu(uint32 a) internal pure returns (uint32) {
        return uint32(_max(a, 0));
    }

    function exp(uint32 a) internal pure returns (uint32) {
        return uint32(_exp(a));
    }

    function log(uint32 a) internal pure returns (uint32) {
        return uint32(_log(a));
    }

    function sigmoid(uint32 a) internal pure returns (uint32) {
        return uint32(_sigmoid(a));
    }

    function tanh(uint32 a) internal pure returns (uint32) {
        // tanh(x) = 2 * sigmoid(2x) - 1
        return uint32(_add(_mul(TWO, _sigmoid(_mul(TWO, a))), ONE | SIGN));
    }

    function isNaN(uint32 a) internal pure returns (bool) {
        return (uint256(a) & ABS) > INF;
    }

    // ------------------------------------------------------------------------------------------
    // Core (uint256 in/out; inputs must be < 2^32, outputs always are)
    // ------------------------------------------------------------------------------------------

    /// @dev floor(log2(x)) + 1 for 0 < x < 2^128 (bit length).
    function _bitLen(uint256 x) private pure returns (uint256 r) {
        assembly {
            r := shl(6, gt(x, 0xffffffffffffffff))
            r := or(r, shl(5, gt(shr(r, x), 0xffffffff)))
            r := or(r, shl(4, gt(shr(r, x), 0xffff)))
            r := or(r, shl(3, gt(shr(r, x), 0xff)))
            r := or(r, shl(2, gt(shr(r, x), 0xf)))
            r := or(r, shl(1, gt(shr(r, x), 0x3)))
            r := add(or(r, gt(shr(r, x), 0x1)), 1)
        }
    }

    /// @dev Round sign * m * 2^(eb - 512) to binary32, round-to-nearest-even.
    ///      Requires 0 < m < 2^128 and eb >= 200 (so the right shift below is < 256; callers stay
    ///      far inside: the smallest eb is 208, from a division). Callers that computed an inexact
    ///      m append a sticky bit as its lowest bit while keeping at least two bits below the
    ///      rounding position, which preserves the rounding decision.
    function _round(uint256 sign, uint256 m, uint256 eb) private pure returns (uint256 r) {
        assembly {
            // l = floor(log2(m))
            let l := shl(6, gt(m, 0xffffffffffffffff))
            l := or(l, shl(5, gt(shr(l, m), 0xffffffff)))
            l := or(l, shl(4, gt(shr(l, m), 0xffff)))
            l := or(l, shl(3, gt(shr(l, m), 0xff)))
            l := or(l, shl(2, gt(shr(l, m), 0xf)))
            l := or(l, shl(1, gt(shr(l, m), 0x3)))
            l := or(l, gt(shr(l, m), 0x1))
            // Biased (+512) exponent of the result's ulp: keep 24 significant bits, but never
            // below the subnormal quantum 2^-149 (= 363 biased).
            let q := sub(add(eb, l), 23)
            if lt(q, 363) { q := 363 }
            switch gt(q, 616) // ulp above 2^104: |result| >= 2^128
            case 1 { r := 0x7F800000 }
            default {
                let sig := m
                switch lt(q, eb)
                case 1 { sig := shl(sub(eb, q), m) } // fewer than 24 bits: exact
                default {
                    let s := sub(q, eb)
                    if s {
                        // RNE: add (half - 1 + lsb), then truncate
                        sig := shr(s, add(m, add(sub(shl(sub(s, 1), 1), 1), and(shr(s, m), 1))))
                    }
                }
                // Biased-exponent arithmetic: a carry out of the significand (sig == 2^24, or
                // 2^23 from a subnormal) bumps the exponent field by itself; subnormals have
                // q = 363 and sig < 2^23.
                r := add(shl(23, sub(q, 363)), sig)
                if gt(r, 0x7F800000) { r := 0x7F800000 }
            }
            r := or(r, sign)
        }
    }

    function _add(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            uint256 aa = a & ABS;
            uint256 ab = b & ABS;
            if (aa < ab) (a, b, aa, ab) = (b, a, ab, aa);
            // |a| >= |b| from here on (NaN magnitudes sort above Inf)
            if (aa >= INF) {
                if (aa > INF) return NAN;
                if (ab == INF && a != b) return NAN; // Inf - Inf
                return a;
            }
            if (ab == 0) return aa == 0 ? a & b : a; // -0 + -0 = -0, +0 + -0 = +0
            uint256 m;
            uint256 e;
            assembly {
                let ea := shr(23, aa)
                let ma := or(and(aa, 0x7FFFFF), shl(23, iszero(iszero(ea))))
                ea := add(ea, iszero(ea))
                let eb := shr(23, ab)
                let mb := or(and(ab, 0x7FFFFF), shl(23, iszero(iszero(eb))))
                eb := add(eb, iszero(eb))
                // If b is more than 2^40 times smaller, use mb * 2^(ea - 40 - 150) instead: still
                // nonzero, on the same side, below a quarter of a's quantum: same rounding.
                let d := sub(ea, eb)
                if gt(d, 40) { d := 40 }
                ma := shl(d, ma)
                switch and(xor(a, b), 0x80000000)
                case 0 { m := add(ma, mb) }
                default { m := sub(ma, mb) } // >= 0 since |a| >= |b|
                e := sub(add(ea, 362), d) // value = m * 2^(ea - 150 - d), biased by 512
            }
            if (m == 0) return 0; // exact cancellation: +0 under round-to-nearest
            return _round(a & SIGN, m, e);
        }
    }

    function _mul(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            uint256 sign = (a ^ b) & SIGN;
            uint256 aa = a & ABS;
            uint256 ab = b & ABS;
            if (aa >= INF || ab >= INF) {
                if (aa > INF || ab > INF) return NAN;
                if (aa == 0 || ab == 0) return NAN; // Inf * 0
                return sign | INF;
            }
            if (aa == 0 || ab == 0) return sign;
            uint256 m;
            uint256 e;
            assembly {
                let ea := shr(23, aa)
                let ma := or(and(aa, 0x7FFFFF), shl(23, iszero(iszero(ea))))
                let eb := shr(23, ab)
                let mb := or(and(ab, 0x7FFFFF), shl(23, iszero(iszero(eb))))
                m := mul(ma, mb)
                // (ea' - 150) + (eb' - 150) + 512 with ea' = max(ea, 1)
                e := add(add(add(ea, iszero(ea)), add(eb, iszero(eb))), 212)
            }
            return _round(sign, m, e);
        }
    }

    function _div(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            uint256 sign = (a ^ b) & SIGN;
            uint256 aa = a & ABS;
            uint256 ab = b & ABS;
            if (aa >= INF || ab >= INF) {
                if (aa > INF || ab > INF || aa == ab) return NAN; // NaN, Inf / Inf
                return aa == INF ? sign | INF : sign;
            }
            if (ab == 0) return aa == 0 ? NAN : sign | INF;
            if (aa == 0) return sign;
            uint256 m;
            uint256 e;
            assembly {
                let ea := shr(23, aa)
                let ma := or(and(aa, 0x7FFFFF), shl(23, iszero(iszero(ea))))
                let eb := shr(23, ab)
                let mb := or(and(ab, 0x7FFFFF), shl(23, iszero(iszero(eb))))
                // ma >= 1, mb < 2^24: the quotient has >= 27 significant bits; remainder -> sticky
                let n := shl(50, ma)
                m := or(shl(1, div(n, mb)), iszero(iszero(mod(n, mb))))
                // (ea' - eb') - 51 + 512, wrapping arithmetic is fine: the result is >= 208
                e := add(sub(add(ea, iszero(ea)), add(eb, iszero(eb))), 461)
            }
            return _round(sign, m, e);
        }
    }

    function _sqrt(uint256 a) private pure returns (uint256) {
        unchecked {
            if (a & ABS == 0) return a; // sqrt(±0) = ±0
            if (a >= INF) return a == INF ? INF : NAN; // +Inf, NaN, or negative (incl. -Inf)
            uint256 m;
            uint256 e;
            assembly {
                let ea := shr(23, a)
                let ma := or(and(a, 0x7FFFFF), shl(23, iszero(iszero(ea))))
                ea := add(ea, iszero(ea))
                // value = ma * 2^(ea - 150); shift ma left by s in {60, 61} so (ea - 150 - s) is even
                let s := add(60, and(ea, 1))
                let n := shl(s, ma) // 2^60 <= n < 2^85
                // floor(sqrt(n)) by Newton's iteration from an overestimate (2^ceil(bitlen/2))
                let l := shl(6, gt(n, 0xffffffffffffffff))
                l := or(l, shl(5, gt(shr(l, n), 0xffffffff)))
                l := or(l, shl(4, gt(shr(l, n), 0xffff)))
                l := or(l, shl(3, gt(shr(l, n), 0xff)))
                l := or(l, shl(2, gt(shr(l, n), 0xf)))
                l := or(l, shl(1, gt(shr(l, n), 0x3)))
                l := or(l, gt(shr(l, n), 0x1))
                let x := shl(shr(1, add(l, 2)), 1)
                let y := shr(1, add(x, div(n, x)))
                for {} lt(y, x) {} {
                    x := y
                    y := shr(1, add(x, div(n, x)))
                }
                // x = floor(sqrt(n)) >= 2^30; remainder -> sticky bit
                m := or(shl(1, x), iszero(eq(mul(x, x), n)))
                // sqrt(value) = sqrt(n) * 2^((ea - 150 - s) / 2) = m * 2^((ea - 150 - s) / 2 - 1)
                // biased: (ea + 1024 - 150 - s) / 2 - 1 = (ea + 874 - s) / 2 - 1 + 512 - 512
                e := sub(shr(1, sub(add(ea, 874), s)), 1)
            }
            return _round(0, m, e);
        }
    }

    /// @dev Total-order key of a non-NaN binary32 (±0 map to the same key).
    function _key(uint256 x) private pure returns (int256) {
        unchecked {
            return (x & SIGN) != 0 ? -int256(x & ABS) : int256(x);
        }
    }

    function _max(uint256 a, uint256 b) private pure returns (uint256) {
        if ((a & ABS) > INF || (b & ABS) > INF) return NAN;
        int256 ka = _key(a);
        int256 kb = _key(b);
        if (ka > kb) return a;
        if (kb > ka) return b;
        if ((a & ABS) == 0) return a & b; // -0 only if both are -0
        return a;
    }

    function _gt(uint256 a, uint256 b) private pure returns (uint256) {
        if ((a & ABS) > INF || (b & ABS) > INF) return 0;
        return _key(a) > _key(b) ? ONE : 0;
    }

    function _neg(uint256 a) private pure returns (uint256) {
        if ((a & ABS) > INF) return NAN;
        return a ^ SIGN;
    }

    /// @dev 2^k as binary32 for an integer k in [-126, 127].
    function _pow2(int256 k) private pure returns (uint256) {
        unchecked {
            return uint256(k + 127) << 23;
        }
    }

    /// @dev Integer value of an integer-valued binary32 with |x| < 2^24.
    function _toInt(uint256 x) private pure returns (int256) {
        unchecked {
            uint256 ax = x & ABS;
            if (ax == 0) return 0;
            uint256 v = ((ax & 0x7FFFFF) | 0x800000) >> (150 - (ax >> 23));
            return (x & SIGN) != 0 ? -int256(v) : int256(v);
        }
    }

    /// @dev Exact binary32 of an integer with |v| < 2^24.
    function _fromInt(int256 v) private pure returns (uint256) {
        unchecked {
            if (v == 0) return 0;
            uint256 sign = 0;
            uint256 u = uint256(v);
            if (v < 0) {
                sign = SIGN;
                u = uint256(-v);
            }
            uint256 l = _bitLen(u); // 1..24
            return sign | ((l + 126) << 23) | ((u << (24 - l)) & 0x7FFFFF);
        }
    }

    /// @dev p * 2^k as a fixed sequence of at most two binary32 multiplications (REPOPS §3.1).
    function _scale2(uint256 p, int256 k) private pure returns (uint256) {
        unchecked {
            if (k > 127) return _mul(_mul(p, _pow2(127)), _pow2(k - 127));
            if (k < -126) return _mul(_mul(p, _pow2(-126)), _pow2(k + 126));
            return _mul(p, _pow2(k));
        }
    }

    function _exp(uint256 x) private pure returns (uint256) {
        unchecked {
            uint256 ax = x & ABS;
            if (ax > INF) return NAN;
            if ((x & SIGN) == 0) {
                if (ax > EXP_X_MAX) return INF; // x > EXP_X_MAX (incl. +Inf)
            } else if (ax > EXP_X_MIN_ABS) {
                return 0; // x < EXP_X_MIN (incl. -Inf)
            }
            uint256 t = _mul(x, LOG2E);
            uint256 k = _add(_add(t, ROUND_MAGIC), ROUND_MAGIC | SIGN);
            uint256 r = _add(x, _mul(k, LN2_HI) ^ SIGN);
            r = _add(r, _mul(k, LN2_LO) ^ SIGN);
            uint256 p = EXP_C0;
            p = _add(_mul(p, r), EXP_C1);
            p = _add(_mul(p, r), EXP_C2);
            p = _add(_mul(p, r), EXP_C3);
            p = _add(_mul(p, r), EXP_C4);
            p = _add(_mul(p, r), ONE);
            p = _add(_mul(p, r), ONE);
            return _scale2(p, _toInt(k));
        }
    }

    function _log(uint256 x) private pure returns (uint256) {
        unchecked {
            uint256 ax = x & ABS;
            if (ax > INF) return NAN;
            if (ax == 0) return NEG_INF; // log(±0) = -Inf
            if ((x & SIGN) != 0) return NAN; // x < 0
            if (ax == INF) return INF;
            int256 e = 0;
            if (x < MIN_NORMAL) {
                x = _mul(x, TWO_POW_23); // subnormal: normalise exactly
                e = -23;
            }
            e += int256((x >> 23) & 0xFF) - 127;
            uint256 mbits = (x & 0x7FFFFF) | 0x3F800000; // m in [1, 2)
            if (mbits > SQRT2_BITS) {
                mbits -= 0x00800000; // m / 2, exact
                e += 1;
            }
            uint256 f = _add(mbits, ONE | SIGN);
            uint256 s = _div(f, _add(TWO, f));
            uint256 z = _mul(s, s);
            uint256 R = LOG_C0;
            R = _add(_mul(R, z), LOG_C1);
            R = _add(_mul(R, z), LOG_C2);
            R = _add(_mul(R, z), LOG_C3);
            R = _mul(R, z);
            uint256 poly = _add(_mul(TWO, s), _mul(s, R));
            uint256 ef = _fromInt(e); // |e| <= 149, exact
            return _add(_mul(ef, LN2_HI), _add(_mul(ef, LN2_LO), poly));
        }
    }

    function _sigmoid(uint256 x) private pure returns (uint256) {
        // 1 / (1 + exp(-x)); f32.ts negates without canonicalising, exp(NaN) = NaN either way.
        return _div(ONE, _add(ONE, _exp(x ^ SIGN)));
    }
}
// forge-lint: disable-end(unsafe-typecast,incorrect-shift)

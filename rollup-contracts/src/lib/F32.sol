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

    /// @dev Round sign * m * 2^e (m > 0, m < 2^128; e in a sane range) to binary32, RNE.
    ///      Callers that computed an inexact m append a sticky bit as its lowest bit, keeping
    ///      at least two bits below the rounding position, which preserves the decision.
    function _round(uint256 sign, uint256 m, int256 e) private pure returns (uint256) {
        unchecked {
            // Exponent of the result's unit in the last place (ulp), clamped to the subnormal quantum.
            int256 q = e + int256(_bitLen(m)) - 24;
            if (q < -149) q = -149;
            if (q > 104) return sign | INF;
            int256 sh = q - e;
            uint256 sig;
            if (sh <= 0) {
                sig = m << uint256(-sh); // exact
            } else {
                uint256 s = uint256(sh);
                if (s > 255) s = 255; // m < 2^128: everything is below half a quantum anyway
                sig = m >> s;
                uint256 rem = m & ((1 << s) - 1);
                uint256 half = 1 << (s - 1);
                if (rem > half || (rem == half && (sig & 1) == 1)) sig += 1;
            }
            // Biased-exponent arithmetic: a carry out of the significand (sig == 2^24, or
            // 2^23 from a subnormal) bumps the exponent field by itself.
            uint256 bits = (uint256(q + 149) << 23) + sig;
            if (bits >= INF) return sign | INF;
            return sign | bits;
        }
    }

    function _add(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            uint256 aa = a & ABS;
            uint256 ab = b & ABS;
            if (aa > INF || ab > INF) return NAN;
            if (aa == INF) {
                if (ab == INF && a != b) return NAN; // Inf - Inf
                return a;
            }
            if (ab == INF) return b;
            if (aa == 0) return ab == 0 ? a & b : b; // -0 + -0 = -0, otherwise +0
            if (ab == 0) return a;
            if (aa < ab) {
                (a, b) = (b, a);
                (aa, ab) = (ab, aa);
            }
            // |a| >= |b| > 0
            uint256 ea = aa >> 23;
            uint256 eb = ab >> 23;
            uint256 ma;
            uint256 mb;
            if (ea == 0) {
                ma = aa;
                ea = 1;
            } else {
                ma = (aa & 0x7FFFFF) | 0x800000;
            }
            if (eb == 0) {
                mb = ab;
                eb = 1;
            } else {
                mb = (ab & 0x7FFFFF) | 0x800000;
            }
            uint256 d = ea - eb;
            // If b is more than 2^40 times smaller, replace it by mb * 2^(ea - 40 - 150): a nonzero
            // value below a quarter of a's quantum, on the same side, so the rounding is unchanged.
            if (d > 40) d = 40;
            uint256 m = ((a ^ b) & SIGN) == 0 ? (ma << d) + mb : (ma << d) - mb;
            if (m == 0) return 0; // exact cancellation: +0 under round-to-nearest
            return _round(a & SIGN, m, int256(ea) - int256(d) - 150);
        }
    }

    function _mul(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            uint256 sign = (a ^ b) & SIGN;
            uint256 aa = a & ABS;
            uint256 ab = b & ABS;
            if (aa > INF || ab > INF) return NAN;
            if (aa == INF) return ab == 0 ? NAN : sign | INF;
            if (ab == INF) return aa == 0 ? NAN : sign | INF;
            if (aa == 0 || ab == 0) return sign;
            uint256 ea = aa >> 23;
            uint256 eb = ab >> 23;
            uint256 ma;
            uint256 mb;
            if (ea == 0) {
                ma = aa;
                ea = 1;
            } else {
                ma = (aa & 0x7FFFFF) | 0x800000;
            }
            if (eb == 0) {
                mb = ab;
                eb = 1;
            } else {
                mb = (ab & 0x7FFFFF) | 0x800000;
            }
            return _round(sign, ma * mb, int256(ea + eb) - 300);
        }
    }

    function _div(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            uint256 sign = (a ^ b) & SIGN;
            uint256 aa = a & ABS;
            uint256 ab = b & ABS;
            if (aa > INF || ab > INF) return NAN;
            if (aa == INF) return ab == INF ? NAN : sign | INF;
            if (ab == INF) return sign;
            if (ab == 0) return aa == 0 ? NAN : sign | INF;
            if (aa == 0) return sign;
            uint256 ea = aa >> 23;
            uint256 eb = ab >> 23;
            uint256 ma;
            uint256 mb;
            if (ea == 0) {
                ma = aa;
                ea = 1;
            } else {
                ma = (aa & 0x7FFFFF) | 0x800000;
            }
            if (eb == 0) {
                mb = ab;
                eb = 1;
            } else {
                mb = (ab & 0x7FFFFF) | 0x800000;
            }
            // ma >= 1, mb < 2^24: the quotient has >= 27 significant bits; remainder -> sticky.
            uint256 n = ma << 50;
            uint256 qt = n / mb;
            uint256 m = (qt << 1) | (n % mb == 0 ? 0 : 1);
            return _round(sign, m, int256(ea) - int256(eb) - 51);
        }
    }

    function _sqrt(uint256 a) private pure returns (uint256) {
        unchecked {
            uint256 aa = a & ABS;
            if (aa == 0) return a; // sqrt(±0) = ±0
            if (aa > INF) return NAN;
            if (a & SIGN != 0) return NAN; // negative, including -Inf
            if (aa == INF) return INF;
            uint256 ea = aa >> 23;
            uint256 ma;
            if (ea == 0) {
                ma = aa;
                ea = 1;
            } else {
                ma = (aa & 0x7FFFFF) | 0x800000;
            }
            // value = ma * 2^(ea - 150). Shift ma left by s in {60, 61} so (ea - 150 - s) is even.
            uint256 s = 60 + (ea & 1);
            uint256 n = ma << s; // 2^60 <= n < 2^85
            // Integer square root by Newton iteration from above: floor(sqrt(n)).
            uint256 x = 1 << ((_bitLen(n) + 1) >> 1);
            uint256 y = (x + n / x) >> 1;
            while (y < x) {
                x = y;
                y = (x + n / x) >> 1;
            }
            // x = floor(sqrt(n)) >= 2^30; remainder -> sticky bit.
            uint256 m = (x << 1) | (x * x == n ? 0 : 1);
            int256 e = (int256(ea) - 150 - int256(s)) / 2 - 1;
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

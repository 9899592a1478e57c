// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {F32} from "./F32.sol";
import {F32Special} from "./F32Special.sol";
import {Rng} from "./Rng.sol";
import {OpShapes} from "./OpShapes.sol";
import {OpSemantics} from "./OpSemantics.sol";

/// @title OpSemantics3 — element semantics of the ten ops repops-3 adds (docs/REPOPS.md §15,
///        reproducible-ops/ops/table-transformer.ts), for one-step proofs.
/// @notice Same contract as OpSemantics (same Ctx, same reads in the same order, canonical
///         results), plus the fold context of §15.2: `foldStep` gets the output element e and the
///         fold index k, which gather_rows and scatter_rows compare with a token id. The fold is
///         the specified one (acc + (id == row ? value : +0)), term by term: no kernel shortcut.
///         Deployed behind OpSemanticsExt (its own contract: OneStepProver has no room for it).
library OpSemantics3 {
    uint16 internal constant RNG_NORMAL = 6;
    uint16 internal constant LR_COSINE = 7;
    uint16 internal constant TOKEN_WINDOWS = 8;
    uint16 internal constant ERF = 20;
    uint16 internal constant CAUSAL_FILL = 24;
    uint16 internal constant ONEHOT = 25;
    uint16 internal constant BMM = 35;
    uint16 internal constant GATHER_ROWS = 36;
    uint16 internal constant SCATTER_ROWS = 37;
    uint16 internal constant PERMUTE = 45;

    uint32 private constant ONE = 0x3F800000;
    uint32 private constant TWO = 0x40000000;
    uint32 private constant MINUS_TWO = 0xC0000000;
    uint32 private constant HALF = 0x3F000000;
    uint256 private constant TWO_POW_24 = 1 << 24;

    /// lr_cosine needs integers below 2^24 (exact in binary32); its shape rule guarantees it.
    error NotExact(uint16 opId, uint256 value);

    // ------------------------------------------------------------------------------------------
    // map ops
    // ------------------------------------------------------------------------------------------

    function mapReads(OpSemantics.Ctx memory c, uint256 e) internal pure returns (OpSemantics.Read[] memory) {
        _require(c, e, OpSemantics.MAP);
        uint16 op = c.opId;
        if (op == RNG_NORMAL || op == LR_COSINE) return new OpSemantics.Read[](0);
        if (op == TOKEN_WINDOWS) return _one(0, _windowSource(c, e));
        if (op == ONEHOT) return _one(0, e / c.attrs[0]);
        if (op == PERMUTE) return _one(0, _permuteSource(c, e));
        return _one(0, e); // erf, causal_fill
    }

    function mapEval(OpSemantics.Ctx memory c, uint256 e, uint32[] memory vals) internal pure returns (uint32) {
        _require(c, e, OpSemantics.MAP);
        uint16 op = c.opId;
        uint256 n = op == RNG_NORMAL || op == LR_COSINE ? 0 : 1;
        if (vals.length != n) revert OpSemantics.ValueCount(op, n, vals.length);
        if (op == RNG_NORMAL) return _normal(c, e);
        if (op == LR_COSINE) return _cosineLr(c);
        if (op == ERF) return F32Special.erf(vals[0]);
        if (op == ONEHOT) return _idIs(vals[0], e % c.attrs[0]) ? ONE : 0;
        if (op == CAUSAL_FILL) {
            uint256 t = c.outShape[c.outShape.length - 1];
            if (e % t > (e / t) % t) return _canon(c.attrs[0]); // column j > row i
        }
        return _canon(vals[0]); // token_windows, permute, causal_fill below the diagonal
    }

    // ------------------------------------------------------------------------------------------
    // fold ops
    // ------------------------------------------------------------------------------------------

    function foldLen(OpSemantics.Ctx memory c, uint256 e) internal pure returns (uint256) {
        _require(c, e, OpSemantics.FOLD);
        if (c.opId == BMM) {
            (, uint256 k,) = _bmmDims(c);
            return k;
        }
        if (c.opId == GATHER_ROWS) return c.inShapes[0][0]; // V
        return OpShapes.numel(c.inShapes[1]); // scatter_rows: N positions
    }

    function foldInit(OpSemantics.Ctx memory c, uint256 e) internal pure returns (uint32) {
        _require(c, e, OpSemantics.FOLD);
        return 0;
    }

    function foldReads(OpSemantics.Ctx memory c, uint256 e, uint256 k)
        internal
        pure
        returns (OpSemantics.Read[] memory r)
    {
        uint256 len = foldLen(c, e); // also checks the kind and e
        if (k >= len) revert OpSemantics.FoldIndexOutOfRange(c.opId, k, len);
        r = new OpSemantics.Read[](2);
        if (c.opId == BMM) {
            (uint256 ai, uint256 bi) = _bmmSources(c, e, k);
            (r[0], r[1]) = (OpSemantics.Read(0, ai), OpSemantics.Read(1, bi));
        } else if (c.opId == GATHER_ROWS) {
            uint256 d = c.inShapes[0][1];
            (r[0], r[1]) = (OpSemantics.Read(1, e / d), OpSemantics.Read(0, k * d + e % d)); // ids[n], table[k, d]
        } else {
            uint256 d = c.outShape[1];
            (r[0], r[1]) = (OpSemantics.Read(1, k), OpSemantics.Read(0, k * d + e % d)); // ids[k], gy[k, d]
        }
    }

    /// acc_{k+1} from acc_k, the values of foldReads(e, k), and the fold context (e, k).
    function foldStep(OpSemantics.Ctx memory c, uint32 acc, uint32[] memory vals, uint256 e, uint256 k)
        internal
        pure
        returns (uint32)
    {
        uint16 op = c.opId;
        if (OpSemantics.kind(op) != OpSemantics.FOLD || !OpSemantics.isRepops3(op)) revert OpSemantics.UnknownOp(op);
        if (vals.length != 2) revert OpSemantics.ValueCount(op, 2, vals.length);
        if (op == BMM) return F32.add(acc, F32.mul(vals[0], vals[1]));
        // gather_rows: row k of the table; scatter_rows: position k adds into row e / D
        uint256 row = op == GATHER_ROWS ? k : e / c.outShape[1];
        return F32.add(acc, _idIs(vals[0], row) ? vals[1] : 0);
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    /// Box-Muller (§15.3): u1 = ((d1 >> 8) + 1) 2^-24 in (0, 1], u2 = unit24(d2) in [0, 1).
    function _normal(OpSemantics.Ctx memory c, uint256 e) private pure returns (uint32) {
        uint32 key = Rng.rngKey(c.seed, c.attrs[0], c.step);
        // draw indices 2e and 2e + 1 mod 2^32, as TS `>>> 0`
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 d1 = Rng.draw(key, uint32(2 * e));
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 d2 = Rng.draw(key, uint32(2 * e + 1));
        uint32 m = (d1 >> 8) + 1; // 1 .. 2^24
        uint32 u1 = m == TWO_POW_24 ? ONE : Rng.unit24(m << 8);
        uint32 radius = F32.sqrt(F32.mul(MINUS_TWO, F32.log(u1)));
        uint32 z = F32.mul(radius, F32Special.cospi(F32.mul(TWO, Rng.unit24(d2))));
        return F32.add(c.attrs[1], F32.mul(c.attrs[2], z));
    }

    /// nanoGPT's get_lr at t = step (-1 while initialising): warmup, then cosine to lrMin.
    function _cosineLr(OpSemantics.Ctx memory c) private pure returns (uint32) {
        (uint256 warmup, uint256 total, uint32 lrMax, uint32 lrMin) = (c.attrs[0], c.attrs[1], c.attrs[2], c.attrs[3]);
        if (c.step == Rng.INIT_STEP || c.step < warmup) {
            uint256 t1 = c.step == Rng.INIT_STEP ? 0 : uint256(c.step) + 1; // t + 1
            return F32.div(F32.mul(lrMax, _exact(t1)), _exact(warmup + 1));
        }
        if (c.step > total) return _canon(lrMin);
        uint32 r = F32.div(_exact(c.step - warmup), _exact(total - warmup));
        uint32 coeff = F32.mul(HALF, F32.add(ONE, F32Special.cospi(r)));
        return F32.add(lrMin, F32.mul(coeff, F32.sub(lrMax, lrMin)));
    }

    /// token_windows: tokens[off_b + t + shift], off_b = mulhi(draw(key, b), N - T).
    function _windowSource(OpSemantics.Ctx memory c, uint256 e) private pure returns (uint256) {
        uint256 t = c.attrs[2];
        uint256 b = e / t;
        // b < batchSize, a u32 attr
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 d = Rng.draw(Rng.rngKey(c.seed, c.attrs[0], c.step), uint32(b));
        uint256 off = (d * (uint256(c.inShapes[0][0]) - t)) >> 32;
        return off + e % t + c.attrs[3];
    }

    /// permute: output coordinates c read x at c' with c'[perm[i]] = c[i].
    function _permuteSource(OpSemantics.Ctx memory c, uint256 e) private pure returns (uint256 idx) {
        uint32[] memory xs = c.inShapes[0];
        uint256 rank = xs.length;
        uint256[] memory stride = new uint256[](rank);
        uint256 s = 1;
        for (uint256 d = rank; d > 0;) {
            d--;
            stride[d] = s;
            s *= xs[d];
        }
        for (uint256 i = rank; i > 0;) {
            i--;
            uint256 dim = c.outShape[i];
            idx += (e % dim) * stride[c.attrs[1 + i]];
            e /= dim;
        }
    }

    /// bmm: (M, K, N) of the last two dims (transposes from attrs).
    function _bmmDims(OpSemantics.Ctx memory c) private pure returns (uint256 m, uint256 k, uint256 n) {
        uint32[] memory a = c.inShapes[0];
        uint32[] memory b = c.inShapes[1];
        uint256 r = a.length;
        (m, k) = c.attrs[0] != 0 ? (a[r - 1], a[r - 2]) : (a[r - 2], a[r - 1]);
        n = c.attrs[1] != 0 ? b[r - 2] : b[r - 1];
    }

    /// bmm reads of out[p, i, j] at k: a[p, i, k] (a[p, k, i]), b[p, k, j] (b[p, j, k]).
    function _bmmSources(OpSemantics.Ctx memory c, uint256 e, uint256 k) private pure returns (uint256 ai, uint256 bi) {
        (uint256 m, uint256 kk, uint256 n) = _bmmDims(c);
        uint256 p = e / (m * n);
        uint256 i = (e % (m * n)) / n;
        uint256 j = e % n;
        ai = p * m * kk + (c.attrs[0] != 0 ? k * m + i : i * kk + k);
        bi = p * kk * n + (c.attrs[1] != 0 ? j * kk + k : k * n + j);
    }

    /// IEEE equality of a binary32 id with the integer v: -0 equals 0; NaN, ±Inf, negatives and
    /// fractions equal no integer.
    function _idIs(uint32 x, uint256 v) private pure returns (bool) {
        if ((x & 0x7FFFFFFF) == 0) return v == 0;
        if (x >= 0x7F800000) return false; // +Inf, NaN, or sign set
        uint256 ex = x >> 23;
        if (ex < 127) return false; // 0 < x < 1
        uint256 m = (x & 0x7FFFFF) | 0x800000;
        if (ex >= 150) return (m << (ex - 150)) == v;
        uint256 sh = 150 - ex;
        return (m & ((1 << sh) - 1)) == 0 && (m >> sh) == v;
    }

    /// binary32 of an integer below 2^24 (exact).
    function _exact(uint256 v) private pure returns (uint32) {
        if (v >= TWO_POW_24) revert NotExact(LR_COSINE, v);
        if (v == 0) return 0;
        // forge-lint: disable-next-line(unsafe-typecast) -- v < 2^24
        return Rng.unit24(uint32(v << 8)) + (24 << 23); // v 2^-24, exponent raised by 24
    }

    function _require(OpSemantics.Ctx memory c, uint256 e, uint8 expected) private pure {
        uint8 k = OpSemantics.kind(c.opId);
        if (!OpSemantics.isRepops3(c.opId)) revert OpSemantics.UnknownOp(c.opId);
        if (k != expected) revert OpSemantics.WrongKind(c.opId, expected, k);
        uint256 n = OpShapes.numel(c.outShape);
        if (e >= n) revert OpSemantics.ElementOutOfRange(c.opId, e, n);
    }

    function _one(uint8 input, uint256 index) private pure returns (OpSemantics.Read[] memory r) {
        r = new OpSemantics.Read[](1);
        r[0] = OpSemantics.Read(input, index);
    }

    function _canon(uint32 x) private pure returns (uint32) {
        return (x & 0x7FFFFFFF) > 0x7F800000 ? 0x7FC00000 : x;
    }
}

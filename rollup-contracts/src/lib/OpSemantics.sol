// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {F32} from "./F32.sol";
import {Rng} from "./Rng.sol";
import {OpShapes} from "./OpShapes.sol";
import {OpIndex} from "./OpIndex.sol";

/// @title OpSemantics — the element semantics of reproducible-ops/ops/table.ts (the repops-2 ops;
///        the ten repops-3 ops are in OpSemantics3), for one-step proofs.
/// @notice For a disputed output element e the contract asks which input elements it reads
///         (`mapReads` / `foldReads`: same inputs, same flat indices, same order as `sem.reads` in TS)
///         and recomputes the value from the proven input values with F32 (`mapEval` / `foldStep`).
///         Every result is a canonical binary32 bit pattern (NaN = 0x7FC00000), as in the TS
///         vectors, so a solver cannot win by committing a different NaN payload.
///   map : out[e] = f(values of mapReads(e))
///   fold: acc_0 = foldInit(e); acc_{k+1} = foldStep(acc_k, values of foldReads(e, k)); out[e] = acc_len
///   The index functions assume a consistent context: c.outShape == outShapeOf(c). A caller that
///   takes outShape from a node descriptor should check that once (the TS Graph always computes the
///   shape with the same rule, so an honest program passes); otherwise reads may differ from TS.
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

    // op ids of table.ts
    uint16 internal constant BATCH = 2;
    uint16 internal constant RNG_UNIFORM = 3;
    uint16 internal constant FILL = 4;
    uint16 internal constant DROPOUT_MASK = 5;
    uint16 internal constant ADD = 10;
    uint16 internal constant SUB = 11;
    uint16 internal constant MUL = 12;
    uint16 internal constant DIV = 13;
    uint16 internal constant MAX = 14;
    uint16 internal constant NEG = 15;
    uint16 internal constant EXP = 16;
    uint16 internal constant LOG = 17;
    uint16 internal constant SQRT = 18;
    uint16 internal constant RELU = 19;
    uint16 internal constant RELU_GRAD = 21;
    uint16 internal constant SCALE = 22;
    uint16 internal constant ADDC = 23;
    uint16 internal constant MATMUL = 30;
    uint16 internal constant SUM = 31;
    uint16 internal constant ROWMAX = 32;
    uint16 internal constant MAXPOOL2D = 33;
    uint16 internal constant COL2IM = 34;
    uint16 internal constant IM2COL = 41;
    uint16 internal constant MAXPOOL2D_GRAD = 42;
    uint16 internal constant EXPAND = 43;

    uint32 internal constant NEG_INF = 0xFF800000;
    uint32 internal constant CANONICAL_NAN = 0x7FC00000;

    error UnknownOp(uint16 opId);
    /// The op is a source (checked as a whole), a map or a fold, but was used as `expectedKind`.
    error WrongKind(uint16 opId, uint8 expectedKind, uint8 actualKind);
    /// Element e is not below numel(outShape).
    error ElementOutOfRange(uint16 opId, uint256 e, uint256 numel);
    /// Fold index k is not below foldLen(e).
    error FoldIndexOutOfRange(uint16 opId, uint256 k, uint256 len);
    /// A repops-3 op: its semantics are OpSemantics3's (route through OpRouter).
    error InOpSemantics3(uint16 opId);
    /// The number of values does not match the number of reads.
    error ValueCount(uint16 opId, uint256 expected, uint256 actual);

    /// The kind of every op of repops-3 (ids 0-8, 10-25, 30-37, 40-45). The repops-3 additions
    /// (isRepops3) have their semantics in OpSemantics3 (behind OpSemanticsExt, see OpRouter).
    function kind(uint16 opId) internal pure returns (uint8) {
        if (opId <= 1) return SOURCE;
        if (opId <= 8 || (opId >= 10 && opId <= 25) || (opId >= 40 && opId <= 45)) return MAP;
        if (opId >= 30 && opId <= 37) return FOLD;
        revert UnknownOp(opId);
    }

    /// rng_normal, lr_cosine, token_windows, erf, causal_fill, onehot, bmm, gather_rows,
    /// scatter_rows, permute (REPOPS §15).
    function isRepops3(uint16 opId) internal pure returns (bool) {
        return (opId >= 6 && opId <= 8) || opId == 20 || opId == 24 || opId == 25 || (opId >= 35 && opId <= 37)
            || opId == 45;
    }

    /// The shape rule of the op (reverts with OpShapes errors when the node is malformed).
    function outShapeOf(Ctx memory c) internal pure returns (uint32[] memory) {
        return OpShapes.outShape(c.opId, c.inShapes, c.attrs);
    }

    // ------------------------------------------------------------------------------------------
    // map ops
    // ------------------------------------------------------------------------------------------

    function mapReads(Ctx memory c, uint256 e) internal pure returns (Read[] memory r) {
        _requireKind(c.opId, MAP);
        _requireElement(c, e);
        uint16 op = c.opId;
        if (op >= RNG_UNIFORM && op <= DROPOUT_MASK) return new Read[](0);
        if (op == BATCH) return _one(0, _batchSource(c, e));
        if ((op >= ADD && op <= MAX) || op == RELU_GRAD) {
            r = new Read[](2);
            r[0] = Read(0, OpIndex.broadcastIndex(e, c.outShape, c.inShapes[0]));
            r[1] = Read(1, OpIndex.broadcastIndex(e, c.outShape, c.inShapes[1]));
            return r;
        }
        if (op == EXPAND) return _one(0, OpIndex.broadcastIndex(e, c.outShape, c.inShapes[0]));
        if (op == IM2COL) {
            (bool inside, uint256 src) = OpIndex.im2colSource(e, c.inShapes[0], c.attrs);
            return inside ? _one(0, src) : new Read[](0);
        }
        if (op == MAXPOOL2D_GRAD) return _poolGradReads(c, e);
        return _one(0, e); // unary, scale, addc, reshape, copy
    }

    function mapEval(Ctx memory c, uint256 e, uint32[] memory vals) internal pure returns (uint32) {
        _requireKind(c.opId, MAP);
        _requireElement(c, e);
        uint16 op = c.opId;
        _requireValues(op, _mapReadCount(c, e), vals.length);
        if (op >= RNG_UNIFORM && op <= DROPOUT_MASK) return _sourceMap(c, e);
        if (op >= ADD && op <= MAX) return _binary(op, vals[0], vals[1]);
        if (op >= NEG && op <= RELU) return _unary(op, vals[0]);
        if (op == RELU_GRAD) return _isPositive(vals[0]) ? _canon(vals[1]) : 0;
        if (op == SCALE) return F32.mul(vals[0], c.attrs[0]);
        if (op == ADDC) return F32.add(vals[0], c.attrs[0]);
        if (op == IM2COL) return vals.length == 0 ? 0 : _canon(vals[0]); // +0 in the padding
        if (op == MAXPOOL2D_GRAD) return _poolGradEval(c, e, vals);
        return _canon(vals[0]); // batch, reshape, expand, copy: the value itself
    }

    // ------------------------------------------------------------------------------------------
    // fold ops
    // ------------------------------------------------------------------------------------------

    function foldLen(Ctx memory c, uint256 e) internal pure returns (uint256) {
        _requireKind(c.opId, FOLD);
        _requireElement(c, e);
        uint16 op = c.opId;
        if (op == MATMUL) return c.attrs[0] != 0 ? c.inShapes[0][0] : c.inShapes[0][1];
        if (op == SUM || op == ROWMAX) return c.inShapes[0][c.attrs[0]];
        if (op == MAXPOOL2D) return uint256(c.attrs[0]) * c.attrs[0];
        (uint256 ny, uint256 nx,,) = OpIndex.col2imTaps(e, c.attrs, 0);
        return ny * nx;
    }

    function foldInit(Ctx memory c, uint256 e) internal pure returns (uint32) {
        _requireKind(c.opId, FOLD);
        _requireElement(c, e);
        return c.opId == ROWMAX || c.opId == MAXPOOL2D ? NEG_INF : 0;
    }

    function foldReads(Ctx memory c, uint256 e, uint256 k) internal pure returns (Read[] memory r) {
        uint256 len = foldLen(c, e); // also checks kind and e
        if (k >= len) revert FoldIndexOutOfRange(c.opId, k, len);
        uint16 op = c.opId;
        if (op == MATMUL) {
            (uint256 ai, uint256 bi) = OpIndex.matmulSources(e, k, c.inShapes[0], c.outShape, c.attrs);
            r = new Read[](2);
            r[0] = Read(0, ai);
            r[1] = Read(1, bi);
            return r;
        }
        if (op == SUM || op == ROWMAX) return _one(0, OpIndex.axisSource(e, k, c.inShapes[0], c.outShape, c.attrs[0]));
        if (op == MAXPOOL2D) return _one(0, OpIndex.poolSource(e, k, c.inShapes[0], c.outShape, c.attrs[0]));
        (,, uint256 ky, uint256 kx) = OpIndex.col2imTaps(e, c.attrs, k);
        return _one(0, OpIndex.col2imSource(e, c.attrs, ky, kx));
    }

    function foldStep(Ctx memory c, uint32 acc, uint32[] memory vals) internal pure returns (uint32) {
        _requireKind(c.opId, FOLD);
        uint16 op = c.opId;
        _requireValues(op, op == MATMUL ? 2 : 1, vals.length);
        if (op == MATMUL) return F32.add(acc, F32.mul(vals[0], vals[1]));
        if (op == ROWMAX || op == MAXPOOL2D) return F32.max(acc, vals[0]);
        return F32.add(acc, vals[0]); // sum, col2im
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    /// rng_uniform, fill and dropout_mask: functions of (seed, step, attrs, e) alone.
    function _sourceMap(Ctx memory c, uint256 e) private pure returns (uint32) {
        if (c.opId == FILL) return _canon(c.attrs[0]);
        // TS draws with `e >>> 0` (mod 2^32), which is exactly this truncation
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 u = Rng.draw(Rng.rngKey(c.seed, c.attrs[0], c.step), uint32(e));
        if (c.opId == RNG_UNIFORM) return F32.add(c.attrs[1], F32.mul(Rng.unit24(u), c.attrs[2]));
        return (u >> 8) >= c.attrs[1] ? _canon(c.attrs[2]) : 0; // dropout_mask
    }

    function _binary(uint16 op, uint32 a, uint32 b) private pure returns (uint32) {
        if (op == ADD) return F32.add(a, b);
        if (op == SUB) return F32.sub(a, b);
        if (op == MUL) return F32.mul(a, b);
        if (op == DIV) return F32.div(a, b);
        return F32.max(a, b);
    }

    function _unary(uint16 op, uint32 x) private pure returns (uint32) {
        if (op == NEG) return F32.neg(x);
        if (op == EXP) return F32.exp(x);
        if (op == LOG) return F32.log(x);
        if (op == SQRT) return F32.sqrt(x);
        return F32.relu(x);
    }

    function _batchSource(Ctx memory c, uint256 e) private pure returns (uint256) {
        uint256 row = 1;
        for (uint256 i = 1; i < c.outShape.length; i++) row *= c.outShape[i];
        uint256 b = e / row;
        // forge-lint: disable-next-line(unsafe-typecast) -- b < batchSize, a u32 attr
        uint256 r = Rng.sampleIndex(c.seed, c.step, c.attrs[0], uint32(b), c.inShapes[0][0]);
        return r * row + (e - b * row);
    }

    /// maxpool2d_grad reads: the k*k elements of x in e's window (row-major), then y[w], g[w];
    /// nothing when e lies outside every window.
    function _poolGradReads(Ctx memory c, uint256 e) private pure returns (Read[] memory r) {
        (bool inside, uint256 w) = OpIndex.poolWindowOf(e, c.inShapes[0], c.attrs[0]);
        if (!inside) return new Read[](0);
        uint256 kk = uint256(c.attrs[0]) * c.attrs[0];
        r = new Read[](kk + 2);
        for (uint256 k = 0; k < kk; k++) {
            r[k] = Read(0, OpIndex.poolSource(w, k, c.inShapes[0], c.inShapes[1], c.attrs[0]));
        }
        r[kk] = Read(1, w);
        r[kk + 1] = Read(2, w);
    }

    /// g[w] if e is the first window position (row-major) whose x equals y[w] (float equality:
    /// NaN never equal, -0 == +0), else +0.
    function _poolGradEval(Ctx memory c, uint256 e, uint32[] memory vals) private pure returns (uint32) {
        if (vals.length == 0) return 0;
        uint256 kk = uint256(c.attrs[0]) * c.attrs[0];
        uint32 y = vals[kk];
        uint256 selfK = OpIndex.poolOffsetInWindow(e, c.inShapes[0], c.attrs[0]);
        for (uint256 k = 0; k < kk; k++) {
            if (_floatEq(vals[k], y)) return k == selfK ? _canon(vals[kk + 1]) : 0;
        }
        return 0;
    }

    function _mapReadCount(Ctx memory c, uint256 e) private pure returns (uint256) {
        uint16 op = c.opId;
        if (op >= RNG_UNIFORM && op <= DROPOUT_MASK) return 0;
        if ((op >= ADD && op <= MAX) || op == RELU_GRAD) return 2;
        if (op == IM2COL) {
            (bool inside,) = OpIndex.im2colSource(e, c.inShapes[0], c.attrs);
            return inside ? 1 : 0;
        }
        if (op == MAXPOOL2D_GRAD) {
            (bool inside,) = OpIndex.poolWindowOf(e, c.inShapes[0], c.attrs[0]);
            return inside ? uint256(c.attrs[0]) * c.attrs[0] + 2 : 0;
        }
        return 1;
    }

    function _one(uint8 input, uint256 index) private pure returns (Read[] memory r) {
        r = new Read[](1);
        r[0] = Read(input, index);
    }

    function _requireKind(uint16 op, uint8 expected) private pure {
        if (isRepops3(op)) revert InOpSemantics3(op);
        uint8 k = kind(op);
        if (k != expected) revert WrongKind(op, expected, k);
    }

    function _requireElement(Ctx memory c, uint256 e) private pure {
        uint256 n = OpShapes.numel(c.outShape);
        if (e >= n) revert ElementOutOfRange(c.opId, e, n);
    }

    function _requireValues(uint16 op, uint256 expected, uint256 actual) private pure {
        if (expected != actual) revert ValueCount(op, expected, actual);
    }

    function _canon(uint32 x) private pure returns (uint32) {
        return (x & 0x7FFFFFFF) > 0x7F800000 ? CANONICAL_NAN : x;
    }

    /// x > 0 as a float: positive sign, nonzero, not NaN.
    function _isPositive(uint32 x) private pure returns (bool) {
        return x != 0 && x <= 0x7F800000;
    }

    /// IEEE equality: NaN is unequal to everything, +0 == -0.
    function _floatEq(uint32 a, uint32 b) private pure returns (bool) {
        if ((a & 0x7FFFFFFF) > 0x7F800000 || (b & 0x7FFFFFFF) > 0x7F800000) return false;
        if ((a & 0x7FFFFFFF) == 0 && (b & 0x7FFFFFFF) == 0) return true;
        return a == b;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title OpShapes — arity, attr word counts and output-shape rules of reproducible-ops/ops/table.ts.
/// @notice A descriptor is consistent iff `outShape(opId, input shapes, attrs)` does not revert and
///         equals its dims. Every rejection names the op and what was expected, like the TS rules.
library OpShapes {
    /// The op id is not in the op table.
    error UnknownOp(uint16 opId);
    /// The op takes `expected` inputs, the node has `actual`.
    error Arity(uint16 opId, uint256 expected, uint256 actual);
    /// The op needs `expected` attr words (fixed words, plus rank + dims for `...dims` ops).
    error AttrCount(uint16 opId, uint256 expected, uint256 actual);
    /// A shape rule failed; `reason` says which (same wording as table.ts where possible).
    error ShapeRule(uint16 opId, string reason);

    /// (arity, fixed attr words, whether rank + dims follow) of every op.
    function signature(uint16 op) internal pure returns (uint256 arity, uint256 fixedAttrs, bool hasDims) {
        if (op == 0) return (0, 2, true); // state(tree, index, ...dims)
        if (op == 1) return (0, 9, true); // dataset(kind, root0..7, ...dims)
        if (op == 2) return (1, 1, false); // batch(batchSize)
        if (op == 3 || op == 5) return (0, 3, true); // rng_uniform / dropout_mask
        if (op == 4) return (0, 1, true); // fill(valueBits, ...dims)
        if ((op >= 10 && op <= 14) || op == 21) return (2, 0, false); // binary
        if (op >= 15 && op <= 19) return (1, 0, false); // unary
        if (op == 22 || op == 23) return (1, 1, false); // scale / addc
        if (op == 30) return (2, 2, false); // matmul(transA, transB)
        if (op >= 31 && op <= 33) return (1, 1, false); // sum / rowmax (axis), maxpool2d (k)
        if (op == 34) return (1, 7, false); // col2im(B, H, W, C, k, stride, pad)
        if (op == 40 || op == 43) return (1, 0, true); // reshape / expand(...dims)
        if (op == 41) return (1, 3, false); // im2col(k, stride, pad)
        if (op == 42) return (3, 1, false); // maxpool2d_grad(k)
        if (op == 44) return (1, 2, false); // copy(tree, index)
        return _signature3(op);
    }

    /// The repops-3 ops (REPOPS §15.3).
    function _signature3(uint16 op) private pure returns (uint256 arity, uint256 fixedAttrs, bool hasDims) {
        if (op == 6) return (0, 3, true); // rng_normal(stream, meanBits, stdBits, ...dims)
        if (op == 7) return (0, 4, false); // lr_cosine(warmup, total, lrMaxBits, lrMinBits)
        if (op == 8) return (1, 4, false); // token_windows(stream, batchSize, blockSize, shift)
        if (op == 20) return (1, 0, false); // erf
        if (op == 24 || op == 25) return (1, 1, false); // causal_fill(fillBits), onehot(classes)
        if (op == 35) return (2, 2, false); // bmm(transA, transB)
        if (op == 36) return (2, 0, false); // gather_rows
        if (op == 37) return (2, 1, false); // scatter_rows(V)
        if (op == 45) return (1, 0, true); // permute(...perm)
        revert UnknownOp(op);
    }

    function outShape(uint16 op, uint32[][] memory s, uint32[] memory a) internal pure returns (uint32[] memory) {
        (uint256 arity, uint256 fixedAttrs, bool hasDims) = signature(op);
        if (s.length != arity) revert Arity(op, arity, s.length);
        _checkAttrCount(op, a, fixedAttrs, hasDims);
        if (op <= 1 || (op >= 3 && op <= 5)) return dimsAttr(a, fixedAttrs);
        if (op == 2) return _batch(s[0], a[0]);
        if (op >= 10 && op <= 14) return _broadcast(op, s[0], s[1]);
        if (op == 21) return _equal(op, "relu_grad: shapes must be equal", s[0], s[1]);
        if (op == 30) return _matmul(s[0], s[1], a[0] != 0, a[1] != 0);
        if (op == 31 || op == 32) return _reduce(op, s[0], a[0]);
        if (op == 33) return pooled(op, s[0], a[0]);
        if (op == 34) return _col2im(s[0], a);
        if (op == 40) return _reshape(s[0], dimsAttr(a, 0));
        if (op == 41) return im2colShape(op, s[0], a[0], a[1], a[2]);
        if (op == 42) return _maxpoolGrad(s, a[0]);
        if (op == 43) return _expand(s[0], dimsAttr(a, 0));
        if (op == 6 || op == 7 || op == 8 || (op >= 24 && op <= 45 && op != 44)) return _outShape3(op, s, a);
        return s[0]; // unary (incl. erf), scale, addc, copy
    }

    /// Shape rules of the repops-3 ops (table-transformer.ts).
    function _outShape3(uint16 op, uint32[][] memory s, uint32[] memory a) private pure returns (uint32[] memory) {
        if (op == 6) return _positiveDims(dimsAttr(a, 3));
        if (op == 7) {
            if (a[1] >= 1 << 24) revert ShapeRule(op, "lr_cosine: total must be < 2^24 (exact in binary32)");
            if (a[1] <= a[0]) revert ShapeRule(op, "lr_cosine: total must be greater than warmup");
            return _one(1);
        }
        if (op == 8) return _tokenWindows(s[0], a);
        if (op == 24) {
            uint256 r = s[0].length;
            if (r < 2 || s[0][r - 1] != s[0][r - 2]) revert ShapeRule(op, "causal_fill: input must be [..., T, T]");
            return s[0];
        }
        if (op == 25) {
            if (a[0] < 1) revert ShapeRule(op, "onehot: classes must be >= 1");
            return _append(s[0], s[0].length, a[0]);
        }
        if (op == 35) return _bmm(s[0], s[1], a[0] != 0, a[1] != 0);
        if (op == 36) {
            if (s[0].length != 2) revert ShapeRule(op, "gather_rows: table must be [V, D]");
            return _append(s[1], s[1].length, s[0][1]);
        }
        if (op == 37) return _scatterRows(s[0], s[1], a[0]);
        return _permute(s[0], dimsAttr(a, 0));
    }

    function _positiveDims(uint32[] memory d) private pure returns (uint32[] memory) {
        for (uint256 i = 0; i < d.length; i++) if (d[i] < 1) revert ShapeRule(6, "rng_normal: dims must all be >= 1");
        return d;
    }

    function _tokenWindows(uint32[] memory tokens, uint32[] memory a) private pure returns (uint32[] memory out) {
        if (tokens.length != 1) revert ShapeRule(8, "token_windows: tokens must be rank 1");
        if (a[1] < 1 || a[2] < 1) revert ShapeRule(8, "token_windows: batchSize and blockSize must be >= 1");
        if (tokens[0] <= a[2]) revert ShapeRule(8, "token_windows: needs more tokens than blockSize");
        if (a[3] > 1) revert ShapeRule(8, "token_windows: shift must be 0 or 1");
        out = new uint32[](2);
        (out[0], out[1]) = (a[1], a[2]);
    }

    /// bmm: same rank >= 3, identical batch dims, inner dims equal -> [...batch, M, N].
    function _bmm(uint32[] memory a, uint32[] memory b, bool transA, bool transB)
        private
        pure
        returns (uint32[] memory out)
    {
        uint256 r = a.length;
        if (r < 3 || b.length != r) revert ShapeRule(35, "bmm: inputs must have the same rank >= 3");
        for (uint256 i = 0; i + 2 < r; i++) if (a[i] != b[i]) revert ShapeRule(35, "bmm: batch dimensions differ");
        (uint32 m, uint32 ka) = transA ? (a[r - 1], a[r - 2]) : (a[r - 2], a[r - 1]);
        (uint32 kb, uint32 n) = transB ? (b[r - 1], b[r - 2]) : (b[r - 2], b[r - 1]);
        if (ka != kb) revert ShapeRule(35, "bmm: inner dimensions differ");
        out = _append(a, r - 1, n);
        out[r - 2] = m;
    }

    /// scatter_rows: gy [...ids, D], V >= 1 -> [V, D].
    function _scatterRows(uint32[] memory g, uint32[] memory ids, uint32 v) private pure returns (uint32[] memory out) {
        bool ok = g.length == ids.length + 1;
        for (uint256 i = 0; ok && i < ids.length; i++) ok = g[i] == ids[i];
        if (!ok) revert ShapeRule(37, "scatter_rows: gy must be [...ids, D]");
        if (v < 1) revert ShapeRule(37, "scatter_rows: V must be >= 1");
        out = new uint32[](2);
        (out[0], out[1]) = (v, g[ids.length]);
    }

    /// permute: perm a permutation of the axes of x; out dims[i] = x dims[perm[i]].
    function _permute(uint32[] memory x, uint32[] memory perm) private pure returns (uint32[] memory out) {
        if (perm.length != x.length) revert ShapeRule(45, "permute: perm is not a permutation of the axes");
        out = new uint32[](x.length);
        uint256 seen;
        for (uint256 i = 0; i < perm.length; i++) {
            if (perm[i] >= x.length || (seen >> perm[i]) & 1 == 1) {
                revert ShapeRule(45, "permute: perm is not a permutation of the axes");
            }
            seen |= 1 << perm[i];
            out[i] = x[perm[i]];
        }
    }

    /// The first n dims of s, then d.
    function _append(uint32[] memory s, uint256 n, uint32 d) private pure returns (uint32[] memory out) {
        out = new uint32[](n + 1);
        for (uint256 i = 0; i < n; i++) out[i] = s[i];
        out[n] = d;
    }

    function _one(uint32 d) private pure returns (uint32[] memory out) {
        out = new uint32[](1);
        out[0] = d;
    }

    /// attrs ending in [rank, d0, d1, ...] starting at word `at`.
    function dimsAttr(uint32[] memory a, uint256 at) internal pure returns (uint32[] memory d) {
        d = new uint32[](a[at]);
        for (uint256 i = 0; i < d.length; i++) d[i] = a[at + 1 + i];
    }

    function numel(uint32[] memory shape) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < shape.length; i++) n *= shape[i];
    }

    /// Output rows/cols of a convolution window sweep; requires H + 2 pad >= k (checked by callers).
    function convOut(uint256 h, uint256 w, uint256 k, uint256 stride, uint256 pad)
        internal
        pure
        returns (uint256 oh, uint256 ow)
    {
        oh = (h + 2 * pad - k) / stride + 1;
        ow = (w + 2 * pad - k) / stride + 1;
    }

    /// maxpool2d output: NHWC input, 1 <= k <= min(H, W), [B, H / k, W / k, C].
    function pooled(uint16 op, uint32[] memory x, uint256 k) internal pure returns (uint32[] memory out) {
        _requireNHWC(op, x);
        if (k < 1 || k > x[1] || k > x[2]) revert ShapeRule(op, "pool size k must be in [1, min(H, W)]");
        out = new uint32[](4);
        out[0] = x[0];
        // forge-lint: disable-next-line(unsafe-typecast) -- a quotient of a u32 dim by k >= 1
        out[1] = uint32(x[1] / k);
        // forge-lint: disable-next-line(unsafe-typecast) -- as above
        out[2] = uint32(x[2] / k);
        out[3] = x[3];
    }

    /// im2col output: [B * OH * OW, k * k * C] for NHWC x.
    function im2colShape(uint16 op, uint32[] memory x, uint256 k, uint256 stride, uint256 pad)
        internal
        pure
        returns (uint32[] memory out)
    {
        _requireNHWC(op, x);
        if (k < 1 || stride < 1) revert ShapeRule(op, "kernel k and stride must be >= 1");
        if (uint256(x[1]) + 2 * pad < k || uint256(x[2]) + 2 * pad < k) {
            revert ShapeRule(op, "kernel does not fit the padded input");
        }
        (uint256 oh, uint256 ow) = convOut(x[1], x[2], k, stride, pad);
        out = new uint32[](2);
        out[0] = _u32(op, uint256(x[0]) * oh * ow);
        out[1] = _u32(op, k * k * x[3]);
    }

    function _checkAttrCount(uint16 op, uint32[] memory a, uint256 fixedAttrs, bool hasDims) private pure {
        if (!hasDims) {
            if (a.length != fixedAttrs) revert AttrCount(op, fixedAttrs, a.length);
            return;
        }
        if (a.length <= fixedAttrs) revert AttrCount(op, fixedAttrs + 1, a.length);
        uint256 expected = fixedAttrs + 1 + a[fixedAttrs];
        if (a.length != expected) revert AttrCount(op, expected, a.length);
    }

    function _batch(uint32[] memory data, uint32 batchSize) private pure returns (uint32[] memory out) {
        if (data.length < 1 || data[0] < 1) revert ShapeRule(2, "batch: dataset must have at least one row");
        if (batchSize < 1) revert ShapeRule(2, "batch: batchSize must be >= 1");
        out = new uint32[](data.length);
        out[0] = batchSize;
        for (uint256 i = 1; i < data.length; i++) out[i] = data[i];
    }

    /// numpy broadcasting aligned on the right (tensor.ts broadcastShapes of two shapes).
    function _broadcast(uint16 op, uint32[] memory a, uint32[] memory b) private pure returns (uint32[] memory out) {
        uint256 rank = a.length > b.length ? a.length : b.length;
        out = new uint32[](rank);
        for (uint256 o = 0; o < rank; o++) {
            uint32 da = o + a.length >= rank ? a[o + a.length - rank] : 1;
            uint32 db = o + b.length >= rank ? b[o + b.length - rank] : 1;
            if (da == 1) out[o] = db;
            else if (db == 1 || db == da) out[o] = da;
            else revert ShapeRule(op, "cannot broadcast shapes (numpy rules, aligned on the right)");
        }
    }

    function _equal(uint16 op, string memory what, uint32[] memory a, uint32[] memory b)
        private
        pure
        returns (uint32[] memory)
    {
        if (!_same(a, b)) revert ShapeRule(op, what);
        return a;
    }

    function _matmul(uint32[] memory a, uint32[] memory b, bool transA, bool transB)
        private
        pure
        returns (uint32[] memory out)
    {
        if (a.length != 2 || b.length != 2) revert ShapeRule(30, "matmul: inputs must be rank 2");
        (uint32 m, uint32 ka) = transA ? (a[1], a[0]) : (a[0], a[1]);
        (uint32 kb, uint32 n) = transB ? (b[1], b[0]) : (b[0], b[1]);
        if (ka != kb) revert ShapeRule(30, "matmul: inner dimensions differ");
        out = new uint32[](2);
        out[0] = m;
        out[1] = n;
    }

    function _reduce(uint16 op, uint32[] memory x, uint256 axis) private pure returns (uint32[] memory out) {
        if (axis >= x.length) revert ShapeRule(op, "axis out of range");
        out = new uint32[](x.length);
        for (uint256 i = 0; i < x.length; i++) out[i] = i == axis ? 1 : x[i];
    }

    function _col2im(uint32[] memory cols, uint32[] memory a) private pure returns (uint32[] memory x) {
        x = new uint32[](4);
        for (uint256 i = 0; i < 4; i++) x[i] = a[i];
        uint32[] memory expected = im2colShape(34, x, a[4], a[5], a[6]);
        if (!_same(cols, expected)) revert ShapeRule(34, "col2im: cols shape does not match im2col of [B, H, W, C]");
    }

    function _reshape(uint32[] memory x, uint32[] memory d) private pure returns (uint32[] memory) {
        if (numel(x) != numel(d)) revert ShapeRule(40, "reshape: element counts differ");
        return d;
    }

    function _maxpoolGrad(uint32[][] memory s, uint256 k) private pure returns (uint32[] memory) {
        uint32[] memory p = pooled(42, s[0], k);
        if (!_same(s[1], p)) revert ShapeRule(42, "maxpool2d_grad: y shape must equal pooled x");
        if (!_same(s[2], p)) revert ShapeRule(42, "maxpool2d_grad: g shape must equal pooled x");
        return s[0];
    }

    /// expand(x; dims): every right-aligned dim of x equals the target or is 1.
    function _expand(uint32[] memory x, uint32[] memory d) private pure returns (uint32[] memory) {
        if (x.length > d.length) revert ShapeRule(43, "expand: input rank exceeds target rank");
        uint256 off = d.length - x.length;
        for (uint256 i = 0; i < x.length; i++) {
            if (x[i] != d[off + i] && x[i] != 1) revert ShapeRule(43, "expand: cannot expand input to dims");
        }
        return d;
    }

    function _requireNHWC(uint16 op, uint32[] memory x) private pure {
        if (x.length != 4) revert ShapeRule(op, "input must be NHWC (rank 4)");
    }

    function _same(uint32[] memory a, uint32[] memory b) private pure returns (bool) {
        if (a.length != b.length) return false;
        for (uint256 i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
        return true;
    }

    function _u32(uint16 op, uint256 v) private pure returns (uint32) {
        if (v > type(uint32).max) revert ShapeRule(op, "dimension exceeds 2^32 - 1");
        // forge-lint: disable-next-line(unsafe-typecast) -- range checked above
        return uint32(v);
    }
}

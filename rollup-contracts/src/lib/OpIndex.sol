// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OpShapes} from "./OpShapes.sol";

/// @title OpIndex — flat-index arithmetic of reproducible-ops/ops/table.ts and tensor.ts.
/// @notice Row-major (C order) flat indices; NHWC for images. Each function mirrors the TS helper
///         named in its comment, over exact integers (TS uses doubles, exact below 2^53).
library OpIndex {
    /// tensor.ts broadcastIndex(e, out, broadcastStrides(in, out)): size-1 input dims read index 0.
    function broadcastIndex(uint256 e, uint32[] memory outShape, uint32[] memory inShape)
        internal
        pure
        returns (uint256 idx)
    {
        uint256 off = outShape.length - inShape.length;
        uint256 stride = 1;
        for (uint256 d = outShape.length; d > 0;) {
            d--;
            uint256 dim = outShape[d];
            uint256 coord = e % dim;
            e /= dim;
            if (d >= off) {
                uint256 din = inShape[d - off];
                if (din != 1) idx += coord * stride;
                stride *= din;
            }
        }
    }

    /// reduceAxis reads: e's coordinates in the keepdims output with coordinate k on `axis`.
    function axisSource(uint256 e, uint256 k, uint32[] memory inShape, uint32[] memory outShape, uint256 axis)
        internal
        pure
        returns (uint256 idx)
    {
        uint256 stride = 1;
        for (uint256 d = outShape.length; d > 0;) {
            d--;
            uint256 coord = e % outShape[d];
            e /= outShape[d];
            if (d == axis) coord = k;
            idx += coord * stride;
            stride *= inShape[d];
        }
    }

    /// matmul reads of out[i, j] at k: a[i, k] (or a[k, i] transposed), b[k, j] (or b[j, k]).
    function matmulSources(
        uint256 e,
        uint256 k,
        uint32[] memory aShape,
        uint32[] memory outShape,
        uint32[] memory attrs
    ) internal pure returns (uint256 ai, uint256 bi) {
        uint256 n = outShape[1];
        uint256 inner = attrs[0] != 0 ? aShape[0] : aShape[1];
        // i = e / n, j = e % n
        // forge-lint: disable-next-line(divide-before-multiply) -- row i = e / n, truncation intended
        ai = attrs[0] != 0 ? k * outShape[0] + e / n : (e / n) * inner + k;
        bi = attrs[1] != 0 ? (e % n) * inner + k : k * n + e % n;
    }

    /// im2colSource: the x element (NHWC) read by im2col output e, or inside = false in the padding.
    /// attrs a = [k, stride, pad]; output row = (b, oy, ox), column = (ky, kx, c).
    function im2colSource(uint256 e, uint32[] memory xs, uint32[] memory a)
        internal
        pure
        returns (bool inside, uint256 src)
    {
        (uint256 b, uint256 py, uint256 px, uint256 ch) = _im2colPadded(e, xs, a);
        // inside iff pad <= padded coordinate < pad + H (W)
        if (py < a[2] || py >= a[2] + xs[1] || px < a[2] || px >= a[2] + xs[2]) return (false, 0);
        return (true, ((b * xs[1] + py - a[2]) * xs[2] + px - a[2]) * xs[3] + ch);
    }

    /// Batch index, padded coordinates (y + pad, x + pad, both >= 0) and channel read by im2col e.
    function _im2colPadded(uint256 e, uint32[] memory xs, uint32[] memory a)
        private
        pure
        returns (uint256 b, uint256 py, uint256 px, uint256 ch)
    {
        uint256 kc = uint256(a[0]) * xs[3]; // columns per kernel row
        ch = e % xs[3];
        px = (e % kc) / xs[3]; // kx
        py = (e % (kc * a[0])) / kc; // ky
        e /= kc * a[0]; // the output row (b, oy, ox)
        (uint256 oh, uint256 ow) = OpShapes.convOut(xs[1], xs[2], a[0], a[1], a[2]);
        py += ((e / ow) % oh) * a[1];
        px += (e % ow) * a[1];
        b = e / (oh * ow);
    }

    /// poolSource: input index of the k-th element (row-major) of pooling window w (an index of
    /// the pooled shape `yShape`) of x (NHWC), window p x p, stride p.
    function poolSource(uint256 w, uint256 k, uint32[] memory xShape, uint32[] memory yShape, uint256 p)
        internal
        pure
        returns (uint256)
    {
        uint256 c = xShape[3];
        uint256 ch = w % c;
        w /= c;
        uint256 ox = w % yShape[2];
        w /= yShape[2]; // w = b * OH + oy
        // forge-lint: disable-next-line(divide-before-multiply) -- integer coordinates, truncation intended
        uint256 row = (w / yShape[1]) * xShape[1] + (w % yShape[1]) * p + k / p;
        return (row * xShape[2] + ox * p + k % p) * c + ch;
    }

    /// poolWindowOf: the window (pooled index) containing x element e; none in the cropped border.
    function poolWindowOf(uint256 e, uint32[] memory xShape, uint256 p)
        internal
        pure
        returns (bool inside, uint256 w)
    {
        uint256 ch = e % xShape[3];
        e /= xShape[3];
        uint256 ox = (e % xShape[2]) / p;
        e /= xShape[2];
        uint256 oy = (e % xShape[1]) / p;
        e /= xShape[1]; // e = batch index
        if (oy >= xShape[1] / p || ox >= xShape[2] / p) return (false, 0);
        w = e * (xShape[1] / p) + oy;
        w = w * (xShape[2] / p) + ox;
        return (true, w * xShape[3] + ch);
    }

    /// poolOffsetInWindow: row-major position of x element e inside its window.
    function poolOffsetInWindow(uint256 e, uint32[] memory xShape, uint256 p) internal pure returns (uint256) {
        uint256 c = xShape[3];
        uint256 x = (e / c) % xShape[2];
        uint256 y = (e / (c * xShape[2])) % xShape[1];
        return (y % p) * p + (x % p);
    }

    /// col2im terms of output e (attrs B, H, W, C, k, stride, pad): the kernel taps (ky, kx) whose
    /// window covers e, in ascending cols index order = ky descending, then kx descending. The valid
    /// ky and kx sets are independent, so the terms are their product: ny * nx terms, term t has
    /// ky = (t / nx)-th valid ky and kx = (t % nx)-th valid kx. Returns the counts and tap t.
    function col2imTaps(uint256 e, uint32[] memory a, uint256 t)
        internal
        pure
        returns (uint256 ny, uint256 nx, uint256 ky, uint256 kx)
    {
        uint256 x = (e / a[3]) % a[2];
        uint256 y = (e / (uint256(a[3]) * a[2])) % a[1];
        (nx,) = _taps(x, a, 2, 0);
        if (nx == 0) return (0, 0, 0, 0);
        (ny, ky) = _taps(y, a, 1, t / nx);
        (, kx) = _taps(x, a, 2, t % nx);
    }

    /// Index into cols of output e's term at tap (ky, kx): row (b, ty / stride, tx / stride),
    /// column (ky, kx, ch), with ty = y + pad - ky, tx = x + pad - kx.
    function col2imSource(uint256 e, uint32[] memory a, uint256 ky, uint256 kx) internal pure returns (uint256) {
        uint256 ch = e % a[3];
        e /= a[3];
        uint256 x = e % a[2];
        e /= a[2];
        uint256 y = e % a[1];
        e /= a[1]; // e = batch index
        uint256 row = (e * _outDim(a, 1) + (y + a[6] - ky) / a[5]) * _outDim(a, 2) + (x + a[6] - kx) / a[5];
        return ((row * a[4] + ky) * a[4] + kx) * a[3] + ch;
    }

    /// OH (dim = 1) or OW (dim = 2) of the convolution geometry of col2im attrs.
    function _outDim(uint32[] memory a, uint256 dim) private pure returns (uint256) {
        return (uint256(a[dim]) + 2 * uint256(a[6]) - a[4]) / a[5] + 1;
    }

    /// Kernel offsets kk (descending) whose window covers `coord` along dim (1 = y, 2 = x):
    /// t = coord + pad - kk must be >= 0, a multiple of the stride, and t / stride < out dim.
    /// Returns their count and the nth one (0 if n >= count).
    function _taps(uint256 coord, uint32[] memory a, uint256 dim, uint256 n)
        private
        pure
        returns (uint256 count, uint256 nth)
    {
        uint256 outDim = _outDim(a, dim);
        uint256 base = coord + a[6];
        for (uint256 kk = a[4]; kk > 0;) {
            kk--;
            if (base < kk || (base - kk) % a[5] != 0 || (base - kk) / a[5] >= outDim) continue;
            if (count == n) nth = kk;
            count++;
        }
    }
}

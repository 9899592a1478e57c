// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {OpSemantics} from "../src/lib/OpSemantics.sol";
import {OpShapes} from "../src/lib/OpShapes.sol";

/// Hand-checked examples, error paths and structural properties of OpSemantics (the bit-level
/// agreement with table.ts is OpSemantics.Vectors.t.sol).
abstract contract OpSemanticsUnit is Test {
    uint32 internal constant ONE = 0x3F800000;
    uint32 internal constant TWO = 0x40000000;
    uint32 internal constant NEG_ZERO = 0x80000000;
    uint32 internal constant NEG_INF = 0xFF800000;

    function _uctx(uint16 op, uint32[][] memory ins, uint32[] memory attrs) internal pure returns (OpSemantics.Ctx memory c) {
        c.opId = op;
        c.inShapes = ins;
        c.attrs = attrs;
        c.seed = 42;
        c.step = 7;
        c.outShape = OpSemantics.outShapeOf(c);
    }

    function _s(uint32 a) internal pure returns (uint32[] memory s) {
        s = new uint32[](1);
        s[0] = a;
    }

    function _s(uint32 a, uint32 b) internal pure returns (uint32[] memory s) {
        s = new uint32[](2);
        (s[0], s[1]) = (a, b);
    }

    function _s4(uint32 a, uint32 b, uint32 c, uint32 d) internal pure returns (uint32[] memory s) {
        s = new uint32[](4);
        (s[0], s[1], s[2], s[3]) = (a, b, c, d);
    }

    function _ins(uint32[] memory a) internal pure returns (uint32[][] memory r) {
        r = new uint32[][](1);
        r[0] = a;
    }

    function _ins(uint32[] memory a, uint32[] memory b) internal pure returns (uint32[][] memory r) {
        r = new uint32[][](2);
        (r[0], r[1]) = (a, b);
    }

    function test_kindOfEveryId() public {
        for (uint16 id = 0; id < 300; id++) {
            bool src = id <= 1;
            // repops-3 (REPOPS §15) adds maps 6-8, 20, 24, 25, 45 and folds 35-37
            bool map = (id >= 2 && id <= 8) || (id >= 10 && id <= 25) || (id >= 40 && id <= 45);
            bool fold = id >= 30 && id <= 37;
            if (!(src || map || fold)) {
                vm.expectRevert(abi.encodeWithSelector(OpSemantics.UnknownOp.selector, id));
                this.kindExt(id);
                continue;
            }
            assertEq(OpSemantics.kind(id), src ? OpSemantics.SOURCE : map ? OpSemantics.MAP : OpSemantics.FOLD);
        }
    }

    function kindExt(uint16 id) external pure returns (uint8) {
        return OpSemantics.kind(id);
    }

    /// add([2,1], [3]) -> [2,3]: element (i, j) reads a[i] and b[j].
    function test_broadcastReads() public pure {
        OpSemantics.Ctx memory c = _uctx(10, _ins(_s(2, 1), _s(3)), new uint32[](0));
        assertEq(c.outShape.length, 2);
        assertEq(c.outShape[1], 3);
        OpSemantics.Read[] memory r = OpSemantics.mapReads(c, 5); // (1, 2)
        assertEq(r[0].input, 0);
        assertEq(r[0].index, 1);
        assertEq(r[1].input, 1);
        assertEq(r[1].index, 2);
    }

    /// maxpool2d_grad with a tie: only the FIRST maximal position of the window gets g.
    function test_maxpoolGradTieGoesToFirst() public pure {
        uint32[] memory x = _s4(1, 2, 2, 1);
        uint32[] memory y = _s4(1, 1, 1, 1);
        uint32[][] memory ins = new uint32[][](3);
        (ins[0], ins[1], ins[2]) = (x, y, y);
        OpSemantics.Ctx memory c = _uctx(42, ins, _s(2));
        uint32[] memory vals = new uint32[](6);
        (vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]) = (ONE, TWO, TWO, NEG_ZERO, TWO, 0x40400000);
        // window values [1, 2; 2, -0], y = 2: positions 1 and 2 tie, position 1 wins
        assertEq(OpSemantics.mapEval(c, 1, vals), 0x40400000);
        assertEq(OpSemantics.mapEval(c, 2, vals), 0);
        assertEq(OpSemantics.mapEval(c, 0, vals), 0);
        // +0 and -0 are equal as floats: y = +0 matches the -0 at position 3 (first zero)
        vals[4] = 0;
        assertEq(OpSemantics.mapEval(c, 3, vals), 0x40400000);
    }

    function test_reluGradAndFillCanonicalize() public pure {
        OpSemantics.Ctx memory c = _uctx(21, _ins(_s(3), _s(3)), new uint32[](0));
        uint32[] memory v = new uint32[](2);
        (v[0], v[1]) = (NEG_ZERO, 0x7F800001);
        assertEq(OpSemantics.mapEval(c, 0, v), 0, "x = -0 is not > 0: +0");
        v[0] = 0x00000001; // smallest subnormal is > 0
        assertEq(OpSemantics.mapEval(c, 0, v), 0x7FC00000, "g is a NaN payload: canonical NaN");
        uint32[] memory attrs = new uint32[](3);
        (attrs[0], attrs[1], attrs[2]) = (0xFFC12345, 1, 4);
        OpSemantics.Ctx memory f = _uctx(4, new uint32[][](0), attrs);
        assertEq(OpSemantics.mapEval(f, 3, new uint32[](0)), 0x7FC00000);
    }

    /// col2im folds its terms in ascending cols order: for a 1x3x1x1 image, k = 3, pad = 1,
    /// stride 1, the middle pixel is covered by output rows 0, 1, 2 at kx = 2, 1, 0.
    function test_col2imTermOrder() public pure {
        uint32[] memory attrs = new uint32[](7);
        (attrs[0], attrs[1], attrs[2], attrs[3], attrs[4], attrs[5], attrs[6]) = (1, 1, 3, 1, 3, 1, 1);
        OpSemantics.Ctx memory c = _uctx(34, _ins(_s(3, 9)), attrs);
        assertEq(OpSemantics.foldLen(c, 1), 3);
        assertEq(OpSemantics.foldReads(c, 1, 0)[0].index, 0 * 9 + 1 * 3 + 2); // row 0, (ky 1, kx 2)
        assertEq(OpSemantics.foldReads(c, 1, 1)[0].index, 1 * 9 + 1 * 3 + 1); // row 1, (1, 1)
        assertEq(OpSemantics.foldReads(c, 1, 2)[0].index, 2 * 9 + 1 * 3 + 0); // row 2, (1, 0)
        assertEq(OpSemantics.foldInit(c, 1), 0);
    }

    /// Every cols element is a term of exactly one col2im output: the fold lengths sum to numel(cols).
    function testFuzz_col2imCoversColsOnce(uint8 h, uint8 w, uint8 k, uint8 stride, uint8 pad) public pure {
        uint32[] memory attrs = new uint32[](7);
        attrs[0] = 1;
        attrs[1] = uint32(bound(h, 1, 7));
        attrs[2] = uint32(bound(w, 1, 7));
        attrs[3] = 2;
        attrs[4] = uint32(bound(k, 1, 4));
        attrs[5] = uint32(bound(stride, 1, 3));
        attrs[6] = uint32(bound(pad, 0, 2));
        vm.assume(attrs[1] + 2 * attrs[6] >= attrs[4] && attrs[2] + 2 * attrs[6] >= attrs[4]);
        uint32[] memory x = _s4(attrs[0], attrs[1], attrs[2], attrs[3]);
        uint32[] memory cols = OpShapes.im2colShape(34, x, attrs[4], attrs[5], attrs[6]);
        OpSemantics.Ctx memory c = _uctx(34, _ins(cols), attrs);
        uint256 total;
        uint256 inBounds; // im2col reads that are not padding = col2im terms
        for (uint256 e = 0; e < OpShapes.numel(x); e++) total += OpSemantics.foldLen(c, e);
        uint32[] memory imAttrs = new uint32[](3);
        (imAttrs[0], imAttrs[1], imAttrs[2]) = (attrs[4], attrs[5], attrs[6]);
        OpSemantics.Ctx memory im = _uctx(41, _ins(x), imAttrs);
        for (uint256 e = 0; e < OpShapes.numel(cols); e++) inBounds += OpSemantics.mapReads(im, e).length;
        assertEq(total, inBounds);
    }

    function test_errorPaths() public {
        OpSemantics.Ctx memory add = _uctx(10, _ins(_s(2), _s(2)), new uint32[](0));
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.ElementOutOfRange.selector, 10, 2, 2));
        this.mapReadsExt(add, 2);
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.WrongKind.selector, 10, OpSemantics.FOLD, OpSemantics.MAP));
        this.foldLenExt(add, 0);
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.ValueCount.selector, 10, 2, 1));
        this.mapEvalExt(add, 0, new uint32[](1));
        OpSemantics.Ctx memory sum = _uctx(31, _ins(_s(2, 3)), _s(1));
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.FoldIndexOutOfRange.selector, 31, 3, 3));
        this.foldReadsExt(sum, 0, 3);
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.WrongKind.selector, 31, OpSemantics.MAP, OpSemantics.FOLD));
        this.mapReadsExt(sum, 0);
    }

    function test_shapeRuleErrors() public {
        OpSemantics.Ctx memory c;
        c.opId = 30;
        c.inShapes = _ins(_s(2, 3), _s(4, 5));
        c.attrs = _s(0, 0);
        vm.expectRevert(abi.encodeWithSelector(OpShapes.ShapeRule.selector, 30, "matmul: inner dimensions differ"));
        this.outShapeExt(c);
        c.attrs = _s(0);
        vm.expectRevert(abi.encodeWithSelector(OpShapes.AttrCount.selector, 30, 2, 1));
        this.outShapeExt(c);
        c.inShapes = _ins(_s(2, 3));
        c.attrs = _s(0, 0);
        vm.expectRevert(abi.encodeWithSelector(OpShapes.Arity.selector, 30, 2, 1));
        this.outShapeExt(c);
    }

    function outShapeExt(OpSemantics.Ctx memory c) external pure returns (uint32[] memory) {
        return OpSemantics.outShapeOf(c);
    }

    function mapReadsExt(OpSemantics.Ctx memory c, uint256 e) external pure returns (OpSemantics.Read[] memory) {
        return OpSemantics.mapReads(c, e);
    }

    function mapEvalExt(OpSemantics.Ctx memory c, uint256 e, uint32[] memory v) external pure returns (uint32) {
        return OpSemantics.mapEval(c, e, v);
    }

    function foldLenExt(OpSemantics.Ctx memory c, uint256 e) external pure returns (uint256) {
        return OpSemantics.foldLen(c, e);
    }

    function foldReadsExt(OpSemantics.Ctx memory c, uint256 e, uint256 k)
        external
        pure
        returns (OpSemantics.Read[] memory)
    {
        return OpSemantics.foldReads(c, e, k);
    }

    /// Binary broadcasts read in-bounds elements for every output element.
    function testFuzz_broadcastReadsInBounds(uint8 r0, uint8 r1, uint32 dimsSeed, uint16 eSeed) public pure {
        uint32[] memory out = new uint32[](uint256(r0) % 4 + 1);
        for (uint256 i = 0; i < out.length; i++) out[i] = uint32((dimsSeed >> (4 * i)) % 5 + 1);
        uint32[] memory b = new uint32[](uint256(r1) % (out.length + 1));
        for (uint256 i = 0; i < b.length; i++) {
            uint32 d = out[out.length - b.length + i];
            b[i] = (dimsSeed >> (20 + i)) & 1 == 1 ? 1 : d;
        }
        OpSemantics.Ctx memory c = _uctx(12, _ins(out, b), new uint32[](0));
        uint256 e = uint256(eSeed) % OpShapes.numel(c.outShape);
        OpSemantics.Read[] memory r = OpSemantics.mapReads(c, e);
        assertEq(r[0].index, e);
        assertLt(r[1].index, OpShapes.numel(b));
    }

    function test_rowmaxInitAndStep() public pure {
        OpSemantics.Ctx memory c = _uctx(32, _ins(_s(2, 3)), _s(1));
        assertEq(OpSemantics.foldInit(c, 0), NEG_INF);
        uint32[] memory v = new uint32[](1);
        v[0] = NEG_ZERO;
        assertEq(OpSemantics.foldStep(c, 0, v), 0, "max(+0, -0) = +0");
        v[0] = 0x7FC00001;
        assertEq(OpSemantics.foldStep(c, ONE, v), 0x7FC00000, "NaN propagates, canonical");
    }
}

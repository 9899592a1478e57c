// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {OpSemantics} from "../src/lib/OpSemantics.sol";
import {OpSemantics3} from "../src/lib/OpSemantics3.sol";
import {OpRouter} from "../src/lib/OpRouter.sol";
import {OneStepProver} from "../src/OneStepProver.sol";
import {OpSemanticsExt} from "../src/OpSemanticsExt.sol";
import {IOpSemanticsExt} from "../src/interfaces/IOpSemanticsExt.sol";

/// Edge cases of the repops-3 element semantics (REPOPS §15) that random vectors hit rarely:
/// the +0 identity of §15.4 kept term by term, id equality (-0, NaN, ±Inf, fractions, out of
/// range), the accumulation order of a repeated token, the exact ends of the cosine schedule,
/// draw indices mod 2^32, the routing between the prover and OpSemanticsExt. Expected bit
/// patterns are from reproducible-ops (f32.ts, table-transformer.ts).
contract OpSemantics3UnitTest is Test {
    uint32 internal constant ONE = 0x3F800000;
    uint32 internal constant NZERO = 0x80000000;
    uint32 internal constant NAN = 0x7FC00000;

    function _s(uint32 a) internal pure returns (uint32[] memory s) {
        s = new uint32[](1);
        s[0] = a;
    }

    function _s(uint32 a, uint32 b) internal pure returns (uint32[] memory s) {
        s = new uint32[](2);
        (s[0], s[1]) = (a, b);
    }

    function _ctx(uint16 op, uint32[][] memory ins, uint32[] memory attrs, uint32 step)
        internal
        pure
        returns (OpSemantics.Ctx memory c)
    {
        (c.opId, c.inShapes, c.attrs, c.seed, c.step) = (op, ins, attrs, 7, step);
        c.outShape = OpSemantics.outShapeOf(c);
    }

    function _two(uint32[] memory a, uint32[] memory b) internal pure returns (uint32[][] memory r) {
        r = new uint32[][](2);
        (r[0], r[1]) = (a, b);
    }

    function _one(uint32[] memory a) internal pure returns (uint32[][] memory r) {
        r = new uint32[][](1);
        r[0] = a;
    }

    /// gather_rows table [3, 2], ids [4]: step k adds table[k, d] only where ids[n] == k.
    function _gather() internal pure returns (OpSemantics.Ctx memory) {
        return _ctx(36, _two(_s(3, 2), _s(4)), new uint32[](0), 0);
    }

    /// §15.4, kept literally: a non-matching term still adds +0, so an accumulator of -0 (which the
    /// fold never produces, but the step is defined on any acc) becomes +0: no shortcut.
    function test_gatherStep_nonMatchAddsPlusZero() public pure {
        OpSemantics.Ctx memory c = _gather();
        assertEq(OpSemantics3.foldStep(c, NZERO, _s(ONE, 0x40400000), 1, 0), 0, "-0 + (+0) = +0");
        assertEq(OpSemantics3.foldStep(c, 0x40000000, _s(ONE, 0x40400000), 1, 0), 0x40000000, "acc unchanged");
        assertEq(OpSemantics3.foldStep(c, 0x40000000, _s(ONE, 0x40400000), 1, 1), 0x40A00000, "2 + 3 at k = id");
        // a -0 table entry reads as +0 under +0 (acc_0 = +0)
        assertEq(OpSemantics3.foldStep(c, 0, _s(ONE, NZERO), 1, 1), 0);
        // NaN values propagate canonically only when matched
        assertEq(OpSemantics3.foldStep(c, ONE, _s(ONE, 0xFFC00001), 1, 1), NAN);
        assertEq(OpSemantics3.foldStep(c, ONE, _s(0x40000000, 0xFFC00001), 1, 1), ONE);
    }

    /// IEEE equality of a binary32 id with the row: -0 is row 0; NaN, ±Inf, fractions, negatives,
    /// values at or above V and 1 + ulp match nothing.
    function test_gatherStep_idEquality() public pure {
        OpSemantics.Ctx memory c = _gather();
        uint32 v = 0x40400000; // 3.0
        assertEq(OpSemantics3.foldStep(c, ONE, _s(NZERO, v), 0, 0), 0x40800000, "-0 == 0");
        assertEq(OpSemantics3.foldStep(c, ONE, _s(0, v), 0, 0), 0x40800000, "+0 == 0");
        uint32[9] memory none = [uint32(NAN), 0x7F800000, 0xFF800000, 0x3F000000, 0xBF800000, 0x3F800001, 0x00000001, 0x4F800000, 0x7F7FFFFF];
        for (uint256 i = 0; i < none.length; i++) {
            for (uint256 k = 0; k < 3; k++) {
                assertEq(OpSemantics3.foldStep(c, ONE, _s(none[i], v), 0, k), ONE, "odd id matches no row");
            }
        }
        // large exact integers: 2^24 is row 2^24 (exact), not row 2^24 + 1
        assertEq(OpSemantics3.foldStep(c, ONE, _s(0x4B800000, v), 0, 1 << 24), 0x40800000);
        assertEq(OpSemantics3.foldStep(c, ONE, _s(0x4B800000, v), 0, (1 << 24) + 1), ONE);
    }

    /// scatter_rows: the fold index is the position n; a token repeated at positions 1 and 3
    /// contributes at both, in ascending order (k = 1 then k = 3), into row ids[n] only.
    function test_scatterRows_repeatedTokenAccumulatesAtEachPosition() public pure {
        OpSemantics.Ctx memory c = _ctx(37, _two(_s(4, 2), _s(4)), _s(3), 0); // gy [4, 2], ids [4] -> [3, 2]
        assertEq(OpSemantics3.foldLen(c, 5), 4);
        OpSemantics.Read[] memory r = OpSemantics3.foldReads(c, 5, 3); // row 2, column 1, position 3
        assertEq(r[0].input, 1);
        assertEq(r[0].index, 3);
        assertEq(r[1].input, 0);
        assertEq(r[1].index, 7);
        uint32 two = 0x40000000;
        uint32 acc = OpSemantics3.foldStep(c, 0, _s(two, 0x3F000000), 5, 1); // ids[1] = 2: + 0.5
        acc = OpSemantics3.foldStep(c, acc, _s(ONE, 0x41000000), 5, 2); // ids[2] = 1: other row
        acc = OpSemantics3.foldStep(c, acc, _s(two, 0x3E800000), 5, 3); // ids[3] = 2: + 0.25
        assertEq(acc, 0x3F400000); // 0.75
    }

    function test_onehot_idEdges() public pure {
        OpSemantics.Ctx memory c = _ctx(25, _one(_s(2)), _s(4), 0); // ids [2] -> [2, 4]
        assertEq(OpSemantics3.mapReads(c, 6)[0].index, 1);
        assertEq(OpSemantics3.mapEval(c, 4, _s(NZERO)), ONE, "-0 is class 0");
        assertEq(OpSemantics3.mapEval(c, 5, _s(NZERO)), 0);
        assertEq(OpSemantics3.mapEval(c, 7, _s(0x40400000)), ONE);
        assertEq(OpSemantics3.mapEval(c, 4, _s(NAN)), 0);
        assertEq(OpSemantics3.mapEval(c, 4, _s(0x40800000)), 0, "4 is out of range for 4 classes");
    }

    /// nanoGPT get_lr with warmup 100, total 2000, 1e-3 -> 1e-4 (bits from table-transformer.ts):
    /// 0 while initialising, exactly lrMax at t = warmup, exactly lrMin at t >= total; a step
    /// word above 2^31 is a late step, not a negative one.
    function test_lrCosine_ends() public pure {
        uint32[] memory a = new uint32[](4);
        (a[0], a[1], a[2], a[3]) = (100, 2000, 0x3A83126F, 0x38D1B717);
        uint32[5] memory steps = [uint32(0xFFFFFFFF), 99, 100, 2000, 0xFFFFFFFE];
        uint32[5] memory want = [uint32(0), 0x3A81C636, 0x3A83126F, 0x38D1B717, 0x38D1B717];
        for (uint256 i = 0; i < steps.length; i++) {
            OpSemantics.Ctx memory c = _ctx(7, new uint32[][](0), a, steps[i]);
            assertEq(OpSemantics3.mapEval(c, 0, new uint32[](0)), want[i]);
        }
    }

    function lrExt(OpSemantics.Ctx memory c) external pure returns (uint32) {
        return OpSemantics3.mapEval(c, 0, new uint32[](0));
    }

    /// The shape rule keeps total < 2^24; a node that bypasses it is refused, never rounded.
    function test_lrCosine_inexactIntegersRevert() public {
        OpSemantics.Ctx memory c;
        uint32[] memory a = new uint32[](4);
        (a[0], a[1], a[2], a[3]) = (0, 1 << 24, ONE, 0);
        (c.opId, c.attrs, c.step, c.outShape) = (7, a, 5, _s(1));
        vm.expectRevert(abi.encodeWithSelector(OpSemantics3.NotExact.selector, 7, 1 << 24));
        this.lrExt(c);
    }

    /// Draw indices are 2e and 2e + 1 mod 2^32: element 2^31 + 5 repeats element 5.
    function test_rngNormal_drawIndexWraps() public pure {
        uint32[] memory a = new uint32[](6);
        (a[0], a[1], a[2], a[3], a[4], a[5]) = (0x10007, 0, ONE, 2, 65_536, 65_536);
        OpSemantics.Ctx memory c = _ctx(6, new uint32[][](0), a, 0xFFFFFFFF);
        assertEq(OpSemantics3.mapEval(c, 5, new uint32[](0)), 0x3FA1854F);
        assertEq(OpSemantics3.mapEval(c, (uint256(1) << 31) + 5, new uint32[](0)), 0x3FA1854F);
    }

    /// causal_fill keeps the diagonal and below, writes the (canonical) fill above it.
    function test_causalFill_diagonal() public pure {
        uint32[] memory x = new uint32[](3);
        (x[0], x[1], x[2]) = (2, 3, 3);
        OpSemantics.Ctx memory c = _ctx(24, _one(x), _s(0xFFC00001), 0);
        assertEq(OpSemantics3.mapEval(c, 9 + 4, _s(0x40400000)), 0x40400000, "(1, 1): diagonal");
        assertEq(OpSemantics3.mapEval(c, 9 + 3, _s(0x40400000)), 0x40400000, "(1, 0): below");
        assertEq(OpSemantics3.mapEval(c, 9 + 5, _s(0x40400000)), NAN, "(1, 2): fill, canonical");
    }

    /// token_windows with N - T = 1: every window starts at 0; targets read one further.
    function test_tokenWindows_singleOffset() public pure {
        uint32[] memory a = new uint32[](4);
        (a[0], a[1], a[2], a[3]) = (9, 5, 3, 1);
        OpSemantics.Ctx memory c = _ctx(8, _one(_s(4)), a, 12);
        for (uint256 e = 0; e < 15; e++) assertEq(OpSemantics3.mapReads(c, e)[0].index, e % 3 + 1);
    }

    /// permute by [2, 0, 1] of x [2, 3, 4]: out [4, 2, 3], out[i, j, k] = x[j, k, i].
    function test_permute_reads() public pure {
        uint32[] memory x = new uint32[](3);
        (x[0], x[1], x[2]) = (2, 3, 4);
        uint32[] memory p = new uint32[](4);
        (p[0], p[1], p[2], p[3]) = (3, 2, 0, 1);
        OpSemantics.Ctx memory c = _ctx(45, _one(x), p, 0);
        assertEq(c.outShape[0], 4);
        // out (3, 1, 2) = e 3*6 + 1*3 + 2 = 23 reads x (1, 2, 3) = 12 + 8 + 3 = 23
        assertEq(OpSemantics3.mapReads(c, 23)[0].index, 23);
        // out (1, 0, 2) = e 8 reads x (0, 2, 1) = 9
        assertEq(OpSemantics3.mapReads(c, 8)[0].index, 9);
    }

    function inlineExt(OpSemantics.Ctx memory c) external pure returns (uint256) {
        return OpSemantics.foldLen(c, 0);
    }

    function extOnlyExt(OpSemantics.Ctx memory c) external pure returns (uint256) {
        return OpSemantics3.foldLen(c, 0);
    }

    /// repops-3 ops never run through the inline repops-2 semantics (and the reverse); the
    /// router sends them to the ext contract; the prover refuses an ext address without code.
    function test_routing() public {
        OpSemantics.Ctx memory g = _gather();
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.InOpSemantics3.selector, 36));
        this.inlineExt(g);
        OpSemantics.Ctx memory m;
        (m.opId, m.inShapes, m.outShape, m.attrs) = (31, _one(_s(3)), _s(1), _s(0));
        vm.expectRevert(abi.encodeWithSelector(OpSemantics.UnknownOp.selector, 31));
        this.extOnlyExt(m);
        IOpSemanticsExt x = new OpSemanticsExt();
        assertEq(OpRouter.foldLen(x, g, 0), 3);
        assertEq(OpRouter.foldLen(x, m, 0), 3);
        vm.expectRevert("OneStepProver: OpSemanticsExt address has no code");
        new OneStepProver(IOpSemanticsExt(address(0x1234)));
    }
}

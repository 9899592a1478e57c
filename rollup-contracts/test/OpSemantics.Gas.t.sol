// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";
import {OpSemantics} from "../src/lib/OpSemantics.sol";

/// Gas of the one-step computations for the heavy ops (reads + evaluation of one element, or one
/// fold step), logged and held under the protocol's one-step budget (1M gas, which must also cover
/// the input openings). Gas is deterministic, so these bounds are not timing tests.
abstract contract OpSemanticsGas is Test {
    uint256 internal constant ONE_STEP_BUDGET = 1_000_000;

    function _gshape(uint32 a, uint32 b, uint32 c, uint32 d, uint256 rank) internal pure returns (uint32[] memory s) {
        s = new uint32[](rank);
        uint32[4] memory all = [a, b, c, d];
        for (uint256 i = 0; i < rank; i++) s[i] = all[i];
    }

    function _gctx(uint16 op, uint32[][] memory ins, uint32[] memory attrs) internal pure returns (OpSemantics.Ctx memory c) {
        (c.opId, c.inShapes, c.attrs, c.seed, c.step) = (op, ins, attrs, 0xC0FFEE, 1234);
        c.outShape = OpSemantics.outShapeOf(c);
    }

    /// reads + eval of map element e with every input value `v`; returns gas used.
    function _mapGas(OpSemantics.Ctx memory c, uint256 e, uint32 v) internal view returns (uint256 g) {
        g = gasleft();
        OpSemantics.Read[] memory r = OpSemantics.mapReads(c, e);
        uint32[] memory vals = new uint32[](r.length);
        for (uint256 i = 0; i < r.length; i++) vals[i] = v;
        OpSemantics.mapEval(c, e, vals);
        g -= gasleft();
    }

    function _gunary(uint16 op) internal pure returns (OpSemantics.Ctx memory) {
        uint32[][] memory ins = new uint32[][](1);
        ins[0] = _gshape(1000, 0, 0, 0, 1);
        return _gctx(op, ins, new uint32[](0));
    }

    function _report(string memory what, uint256 g) internal pure {
        console.log(string.concat("gas ", what, ": ", vm.toString(g)));
        assertLt(g, ONE_STEP_BUDGET, what);
    }

    function test_gas_exp_log() public view {
        uint32[6] memory xs = [uint32(0x3F800000), 0xC2C80000, 0x42B00000, 0x00000001, 0x3F000001, 0x7F7FFFFF];
        uint256 worstExp;
        uint256 worstLog;
        for (uint256 i = 0; i < xs.length; i++) {
            uint256 ge = _mapGas(_gunary(16), 3, xs[i]);
            uint256 gl = _mapGas(_gunary(17), 3, xs[i]);
            if (ge > worstExp) worstExp = ge;
            if (gl > worstLog) worstLog = gl;
        }
        _report("exp element (reads + eval, worst of 6 inputs)", worstExp);
        _report("log element (reads + eval, worst of 6 inputs)", worstLog);
    }

    function test_gas_batch60000() public view {
        uint32[][] memory ins = new uint32[][](1);
        ins[0] = _gshape(60000, 784, 0, 0, 2);
        uint32[] memory attrs = new uint32[](1);
        attrs[0] = 64;
        OpSemantics.Ctx memory c = _gctx(2, ins, attrs);
        uint256 worst;
        for (uint256 b = 0; b < 64; b += 7) {
            uint256 g = _mapGas(c, b * 784 + 391, 0x3F800000);
            if (g > worst) worst = g;
        }
        _report("batch element, MNIST 60000 x 784, batch 64 (worst of 10 rows)", worst);
    }

    function test_gas_maxpool2dGrad() public view {
        uint32[] memory attrs = new uint32[](1);
        uint32[3] memory ks = [uint32(2), 3, 5];
        for (uint256 i = 0; i < 3; i++) {
            attrs[0] = ks[i];
            uint32[][] memory ins = new uint32[][](3);
            ins[0] = _gshape(32, 28, 28, 16, 4);
            ins[1] = _gshape(32, 28 / ks[i], 28 / ks[i], 16, 4);
            ins[2] = ins[1];
            OpSemantics.Ctx memory c = _gctx(42, ins, attrs);
            // worst case: no window element equals y, so the whole window is scanned
            uint256 g = _mapGas(c, 123_457, 0x3F800000);
            _report(string.concat("maxpool2d_grad element k=", vm.toString(ks[i])), g);
        }
    }

    function test_gas_foldSteps() public view {
        uint32[][] memory ins = new uint32[][](2);
        ins[0] = _gshape(128, 784, 0, 0, 2);
        ins[1] = _gshape(784, 512, 0, 0, 2);
        OpSemantics.Ctx memory mm = _gctx(30, ins, new uint32[](2));
        _report("matmul fold step (len + reads + step), 128x784 @ 784x512", _foldGas(mm, 65_000, 700));
        uint32[] memory attrs = new uint32[](7);
        (attrs[0], attrs[1], attrs[2], attrs[3], attrs[4], attrs[5], attrs[6]) = (32, 28, 28, 16, 5, 1, 2);
        uint32[][] memory cols = new uint32[][](1);
        cols[0] = _gshape(32 * 28 * 28, 5 * 5 * 16, 0, 0, 2);
        OpSemantics.Ctx memory c2 = _gctx(34, cols, attrs);
        _report("col2im fold step k=5 (len + reads + step)", _foldGas(c2, 200_000, 12));
    }

    function _foldGas(OpSemantics.Ctx memory c, uint256 e, uint256 k) internal view returns (uint256 g) {
        g = gasleft();
        OpSemantics.foldLen(c, e);
        OpSemantics.Read[] memory r = OpSemantics.foldReads(c, e, k);
        uint32[] memory vals = new uint32[](r.length);
        for (uint256 i = 0; i < r.length; i++) vals[i] = 0x3F800001;
        OpSemantics.foldStep(c, 0x40490FDB, vals);
        g -= gasleft();
    }
}

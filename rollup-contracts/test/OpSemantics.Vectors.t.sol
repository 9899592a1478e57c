// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {OpSemantics} from "../src/lib/OpSemantics.sol";
import {OpShapes} from "../src/lib/OpShapes.sol";
import {OpRouter} from "../src/lib/OpRouter.sol";
import {OpSemanticsExt} from "../src/OpSemanticsExt.sol";
import {IOpSemanticsExt} from "../src/interfaces/IOpSemanticsExt.sol";
import {Cursor, VecReader} from "./vectors/VecReader.sol";

/// Differential test of OpSemantics against ops/table.ts: for every op, the vectors of
/// rollup-contracts/test/vectors/ops/<id>_<name>.bin (written by gen-op-vectors.ts from `sem.reads`,
/// `evalElement`, `foldSequence` and the shape rules) must be reproduced exactly: kind, output
/// shape (or a revert for malformed nodes), every read (input, flat index, order), every value bit.
/// The first mismatch fails with the op, case, element and expected/actual values.
/// Every op goes through OpRouter, as in OneStepProver: the repops-2 ops inline, the repops-3 ops
/// (REPOPS §15) through a deployed OpSemanticsExt, with the fold context (e, k) in foldStep.
/// (Combined with the unit and gas tests into one contract in OpSemantics.t.sol: one compilation
/// of the inlined OpSemantics + F32 code instead of three, solc-js is slow.)
abstract contract OpSemanticsVectors is Test {
    using VecReader for Cursor;

    struct Where {
        string file;
        uint256 caseIdx;
        uint256 e;
        uint256 k;
    }

    struct Tally {
        uint256 valid;
        uint256 invalid;
        uint256 samples;
        uint256 foldSteps;
    }

    IOpSemanticsExt internal ext;

    function setUp() public virtual {
        ext = new OpSemanticsExt();
    }

    /// External hop so a revert of the shape rule can be caught.
    function vecOutShapeExt(OpSemantics.Ctx memory c) external pure returns (uint32[] memory) {
        return OpSemantics.outShapeOf(c);
    }

    function _run(string memory file) internal view {
        Cursor memory cur = VecReader.open(string.concat("ops/", file, ".bin"));
        uint256 n = cur.u32();
        require(n >= 400, "fewer than 400 cases per op: regenerate");
        Tally memory t;
        for (uint256 i = 0; i < n; i++) {
            uint256 mark = VecReader.mark();
            _case(cur, Where(file, i, 0, 0), t);
            VecReader.release(mark);
        }
        assertTrue(cur.atEnd(), string.concat(file, ": trailing data"));
        assertGt(t.valid, 0);
        assertGt(t.invalid, 0);
        console.log(
            string.concat(
                file, ": ", VecReader.dec(t.valid), " nodes, ", VecReader.dec(t.invalid), " malformed rejected, ",
                VecReader.dec(t.samples), " elements, ", VecReader.dec(t.foldSteps), " fold steps"
            )
        );
    }

    function _case(Cursor memory cur, Where memory w, Tally memory t) internal view {
        bool valid = cur.u32() == 1;
        OpSemantics.Ctx memory c;
        c.opId = uint16(cur.u32());
        uint8 tsKind = uint8(cur.u32());
        c.seed = cur.u32();
        c.step = cur.u32();
        c.inShapes = new uint32[][](cur.u32());
        for (uint256 j = 0; j < c.inShapes.length; j++) c.inShapes[j] = cur.words();
        c.attrs = cur.words();
        _eq(w, "kind", tsKind, OpSemantics.kind(c.opId));
        if (!valid) {
            t.invalid++;
            try this.vecOutShapeExt(c) returns (uint32[] memory s) {
                _mismatch(w, "malformed node accepted by outShapeOf, rank", 0, s.length);
            } catch (bytes memory err) {
                _requireNamedShapeError(w, err);
            }
            return;
        }
        t.valid++;
        c.outShape = cur.words();
        _eqWords(w, "outShape", c.outShape, OpSemantics.outShapeOf(c));
        uint256 ns = cur.u32();
        for (uint256 s = 0; s < ns; s++) {
            w.e = cur.u32();
            t.samples++;
            if (tsKind == OpSemantics.MAP) _mapSample(cur, c, w);
            else t.foldSteps += _foldSample(cur, c, w);
        }
    }

    /// A malformed node must be rejected by a named shape-rule error, never by a panic.
    function _requireNamedShapeError(Where memory w, bytes memory err) internal pure {
        bytes4 sel = err.length >= 4 ? bytes4(err) : bytes4(0);
        bool named = sel == OpShapes.Arity.selector || sel == OpShapes.AttrCount.selector
            || sel == OpShapes.ShapeRule.selector || sel == OpShapes.UnknownOp.selector;
        if (!named) _mismatch(w, "malformed node rejected without a shape-rule error, selector", 0, uint32(sel));
    }

    function _mapSample(Cursor memory cur, OpSemantics.Ctx memory c, Where memory w) internal view {
        uint32[] memory vals = _readsAndValues(cur, OpRouter.mapReads(ext, c, w.e), w);
        _eq(w, "mapEval", cur.u32(), OpRouter.mapEval(ext, c, w.e, vals));
    }

    function _foldSample(Cursor memory cur, OpSemantics.Ctx memory c, Where memory w) internal view returns (uint256 nk) {
        _eq(w, "foldLen", cur.u32(), OpRouter.foldLen(ext, c, w.e));
        _eq(w, "foldInit", cur.u32(), OpRouter.foldInit(ext, c, w.e));
        nk = cur.u32();
        for (uint256 j = 0; j < nk; j++) {
            w.k = cur.u32();
            uint32[] memory vals = _readsAndValues(cur, OpRouter.foldReads(ext, c, w.e, w.k), w);
            uint32 accK = cur.u32();
            _eq(w, "foldStep acc_{k+1}", cur.u32(), OpRouter.foldStep(ext, c, accK, vals, w.e, w.k));
        }
    }

    /// Compares the expected reads with `got` and returns the input values that follow them.
    function _readsAndValues(Cursor memory cur, OpSemantics.Read[] memory got, Where memory w)
        internal
        pure
        returns (uint32[] memory vals)
    {
        uint256 nr = cur.u32();
        _eq(w, "number of reads", nr, got.length);
        for (uint256 j = 0; j < nr; j++) {
            _eq(w, "read input", cur.u32(), got[j].input);
            _eq(w, "read index", cur.u32(), got[j].index);
        }
        vals = new uint32[](nr);
        for (uint256 j = 0; j < nr; j++) vals[j] = cur.u32();
    }

    function _eqWords(Where memory w, string memory what, uint32[] memory expected, uint32[] memory actual)
        internal
        pure
    {
        _eq(w, string.concat(what, " rank"), expected.length, actual.length);
        for (uint256 i = 0; i < expected.length; i++) _eq(w, what, expected[i], actual[i]);
    }

    function _eq(Where memory w, string memory what, uint256 expected, uint256 actual) internal pure {
        if (expected != actual) _mismatch(w, what, expected, actual);
    }

    function _mismatch(Where memory w, string memory what, uint256 expected, uint256 actual) internal pure {
        revert(
            string.concat(
                "op ", w.file, " case ", VecReader.dec(w.caseIdx), " e ", VecReader.dec(w.e), " k ",
                VecReader.dec(w.k), " [", what, "]: expected ", VecReader.hex8(expected), " (", VecReader.dec(expected), ") actual ",
                VecReader.hex8(actual), " (", VecReader.dec(actual), ")"
            )
        );
    }

    /// Op files with a test_vectors_* function below; a new op in table.ts (a new file after
    /// regeneration) fails test_everyOpFileIsTested until its test function is added.
    function _tested() internal pure returns (string[39] memory) {
        return [
            "0_state", "1_dataset", "2_batch", "3_rng_uniform", "4_fill", "5_dropout_mask", "6_rng_normal",
            "7_lr_cosine", "8_token_windows", "10_add", "11_sub", "12_mul", "13_div", "14_max", "15_neg", "16_exp",
            "17_log", "18_sqrt", "19_relu", "20_erf", "21_relu_grad", "22_scale", "23_addc", "24_causal_fill",
            "25_onehot", "30_matmul", "31_sum", "32_rowmax", "33_maxpool2d", "34_col2im", "35_bmm",
            "36_gather_rows", "37_scatter_rows", "40_reshape", "41_im2col", "42_maxpool2d_grad", "43_expand",
            "44_copy", "45_permute"
        ];
    }

    function test_everyOpFileIsTested() public view {
        Vm.DirEntry[] memory entries = vm.readDir(string.concat(VecReader.DIR, "ops"));
        string[39] memory tested = _tested();
        assertEq(entries.length, tested.length, "vectors/ops has a file without a test_vectors_* function");
        for (uint256 i = 0; i < entries.length; i++) {
            bool found = false;
            for (uint256 j = 0; j < tested.length && !found; j++) {
                found = _endsWith(entries[i].path, string.concat("/", tested[j], ".bin"));
            }
            assertTrue(found, string.concat("untested vector file ", entries[i].path));
        }
    }

    function _endsWith(string memory s, string memory suffix) internal pure returns (bool) {
        bytes memory a = bytes(s);
        bytes memory b = bytes(suffix);
        if (b.length > a.length) return false;
        for (uint256 i = 0; i < b.length; i++) if (a[a.length - b.length + i] != b[i]) return false;
        return true;
    }

    function test_vectors_state() public view { _run("0_state"); }
    function test_vectors_dataset() public view { _run("1_dataset"); }
    function test_vectors_batch() public view { _run("2_batch"); }
    function test_vectors_rng_uniform() public view { _run("3_rng_uniform"); }
    function test_vectors_fill() public view { _run("4_fill"); }
    function test_vectors_dropout_mask() public view { _run("5_dropout_mask"); }
    function test_vectors_add() public view { _run("10_add"); }
    function test_vectors_sub() public view { _run("11_sub"); }
    function test_vectors_mul() public view { _run("12_mul"); }
    function test_vectors_div() public view { _run("13_div"); }
    function test_vectors_max() public view { _run("14_max"); }
    function test_vectors_neg() public view { _run("15_neg"); }
    function test_vectors_exp() public view { _run("16_exp"); }
    function test_vectors_log() public view { _run("17_log"); }
    function test_vectors_sqrt() public view { _run("18_sqrt"); }
    function test_vectors_relu() public view { _run("19_relu"); }
    function test_vectors_relu_grad() public view { _run("21_relu_grad"); }
    function test_vectors_scale() public view { _run("22_scale"); }
    function test_vectors_addc() public view { _run("23_addc"); }
    function test_vectors_matmul() public view { _run("30_matmul"); }
    function test_vectors_sum() public view { _run("31_sum"); }
    function test_vectors_rowmax() public view { _run("32_rowmax"); }
    function test_vectors_maxpool2d() public view { _run("33_maxpool2d"); }
    function test_vectors_col2im() public view { _run("34_col2im"); }
    function test_vectors_reshape() public view { _run("40_reshape"); }
    function test_vectors_im2col() public view { _run("41_im2col"); }
    function test_vectors_maxpool2d_grad() public view { _run("42_maxpool2d_grad"); }
    function test_vectors_expand() public view { _run("43_expand"); }
    function test_vectors_copy() public view { _run("44_copy"); }
    function test_vectors_rng_normal() public view { _run("6_rng_normal"); }
    function test_vectors_lr_cosine() public view { _run("7_lr_cosine"); }
    function test_vectors_token_windows() public view { _run("8_token_windows"); }
    function test_vectors_erf() public view { _run("20_erf"); }
    function test_vectors_causal_fill() public view { _run("24_causal_fill"); }
    function test_vectors_onehot() public view { _run("25_onehot"); }
    function test_vectors_bmm() public view { _run("35_bmm"); }
    function test_vectors_gather_rows() public view { _run("36_gather_rows"); }
    function test_vectors_scatter_rows() public view { _run("37_scatter_rows"); }
    function test_vectors_permute() public view { _run("45_permute"); }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: small indices, sizes and bit patterns

import {console} from "forge-std/console.sol";
import {Commitment} from "../src/interfaces/IDisputeGame.sol";
import {Phase, InputChunk} from "../src/lib/GameTypes.sol";
import {NodeCodec} from "../src/lib/NodeCodec.sol";
import {OpSemantics} from "../src/lib/OpSemantics.sol";
import {OpRouter} from "../src/lib/OpRouter.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {Fixture, TraceView} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSynth} from "./helpers/DisputeGameSynth.sol";

/// @notice One-step gas of every repops-3 op (REPOPS §15), through the real game, prover and
///         OpSemanticsExt: a hand-built program (input tensors, the op node, its copy) with GPT-like
///         shapes (nanoGPT shakespeare-char: vocab 65, T = 64, C = 128, head size 32), disputed at
///         transition t (0 = init, where rng_normal runs; later steps for the step-dependent ops).
///         The cheater claims a wrong value at element e (fold ops: a wrong acc_{k+1}); the
///         challenger's oneStep carries only the chunks the op reads. Metered as its own
///         transaction (game, prover, ext and market cooled; 21000 + calldata added) after one
///         earlier slash in the market and, again, as the market's very first slash (a fresh
///         market and challenger: every zero-to-nonzero write of the slash paid), each asserted
///         <= 400k (the issue's target) and logged for PROTOCOL.md §7. The baselines run repops-2
///         ops (inline in the prover) on the same shapes.
contract DisputeGameRepops3GasTest is DisputeGameSynth {
    uint256 internal constant TARGET = 400_000;
    uint32 internal constant CLAIM = 0x12345678; // the cheater's value: no op here computes it

    uint16 internal constant OP_RNG_NORMAL = 6;
    uint16 internal constant OP_LR_COSINE = 7;
    uint16 internal constant OP_TOKEN_WINDOWS = 8;
    uint16 internal constant OP_ERF = 20;
    uint16 internal constant OP_CAUSAL_FILL = 24;
    uint16 internal constant OP_ONEHOT = 25;
    uint16 internal constant OP_BMM = 35;
    uint16 internal constant OP_GATHER = 36;
    uint16 internal constant OP_SCATTER = 37;
    uint16 internal constant OP_PERMUTE = 45;

    /// @dev One case: inputs (fill nodes with chosen values), the op node, the disputed element.
    struct Case {
        string name;
        uint16 op;
        uint32[][] inShapes;
        uint32[][] inVals;
        uint32[] attrs;
        uint32[] outShape;
        uint64 t; // disputed transition
        uint64 e;
        uint32 k; // fold ops: the accumulation step the challenger names
    }

    // ------------------------------------------------------------------------------------------
    // the ten ops and the two baselines: in a market that slashed once, and on its first slash
    // ------------------------------------------------------------------------------------------

    function test_gas_rngNormalOneStep_withinTarget_succeeds() public {
        _measure(_rngNormal(), true);
    }

    function test_gas_rngNormalOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_rngNormal(), false);
    }

    function test_gas_lrCosineOneStep_withinTarget_succeeds() public {
        _measure(_lrCosine(), true);
    }

    function test_gas_lrCosineOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_lrCosine(), false);
    }

    function test_gas_tokenWindowsOneStep_withinTarget_succeeds() public {
        _measure(_tokenWindows(), true);
    }

    function test_gas_tokenWindowsOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_tokenWindows(), false);
    }

    function test_gas_erfOneStep_withinTarget_succeeds() public {
        _measure(_erf(), true);
    }

    function test_gas_erfOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_erf(), false);
    }

    function test_gas_causalFillOneStep_withinTarget_succeeds() public {
        _measure(_causalFill(), true);
    }

    function test_gas_causalFillOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_causalFill(), false);
    }

    function test_gas_onehotOneStep_withinTarget_succeeds() public {
        _measure(_onehot(), true);
    }

    function test_gas_onehotOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_onehot(), false);
    }

    function test_gas_bmmOneStep_withinTarget_succeeds() public {
        _measure(_bmm(), true);
    }

    function test_gas_bmmOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_bmm(), false);
    }

    function test_gas_gatherRowsOneStep_withinTarget_succeeds() public {
        _measure(_gatherRows(), true);
    }

    function test_gas_gatherRowsOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_gatherRows(), false);
    }

    function test_gas_scatterRowsOneStep_withinTarget_succeeds() public {
        _measure(_scatterRows(), true);
    }

    function test_gas_scatterRowsOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_scatterRows(), false);
    }

    function test_gas_permuteOneStep_withinTarget_succeeds() public {
        _measure(_permute(), true);
    }

    function test_gas_permuteOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_permute(), false);
    }

    function test_gas_baselineReluOneStep_withinTarget_succeeds() public {
        _measure(_baselineRelu(), true);
    }

    function test_gas_baselineReluOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_baselineRelu(), false);
    }

    function test_gas_baselineMatmulOneStep_withinTarget_succeeds() public {
        _measure(_baselineMatmul(), true);
    }

    function test_gas_baselineMatmulOneStepFirstSlash_withinTarget_succeeds() public {
        _measure(_baselineMatmul(), false);
    }

    // ------------------------------------------------------------------------------------------
    // the cases
    // ------------------------------------------------------------------------------------------

    function _rngNormal() internal pure returns (Case memory c) {
        c = _case("rng_normal [128, 512] (init, std 0.02)", OP_RNG_NORMAL, 0);
        c.attrs = _a(0x10007, 0, 0x3CA3D70A);
        c.attrs = _concat(c.attrs, _a(2, 128, 512));
        c.outShape = _w(128, 512);
        (c.t, c.e) = (0, 40_001);
    }

    function _lrCosine() internal pure returns (Case memory c) {
        c = _case("lr_cosine at step 999 of warmup 100 / total 2000 (sin branch)", OP_LR_COSINE, 0);
        c.attrs = _a4(100, 2000, 0x3A83126F, 0x38D1B717); // lrMax 1e-3, lrMin 1e-4
        c.outShape = _w(1);
        (c.t, c.e) = (1000, 0);
    }

    function _tokenWindows() internal pure returns (Case memory c) {
        c = _case("token_windows tokens [16384] -> [12, 64], targets", OP_TOKEN_WINDOWS, 1);
        _input(c, 0, _w(16_384), _ramp(16_384, 0x3F800000, 0));
        c.attrs = _a4(0x54574E44, 12, 64, 1);
        c.outShape = _w(12, 64);
        (c.t, c.e) = (7, 11 * 64 + 63);
    }

    function _erf() internal pure returns (Case memory c) {
        c = _case("erf [64, 512], x = 2.5 (tail: two exps)", OP_ERF, 1);
        _input(c, 0, _w(64, 512), _ramp(32_768, 0x40200000, 0));
        c.outShape = _w(64, 512);
        (c.t, c.e) = (3, 20_000);
    }

    function _causalFill() internal pure returns (Case memory c) {
        c = _case("causal_fill [1, 4, 64, 64] -inf, below the diagonal", OP_CAUSAL_FILL, 1);
        uint32[] memory s = new uint32[](4);
        (s[0], s[1], s[2], s[3]) = (1, 4, 64, 64);
        _input(c, 0, s, _ramp(16_384, 0x3E000000, 7));
        c.attrs = _w(0xFF800000);
        c.outShape = s;
        (c.t, c.e) = (3, 2 * 4096 + 40 * 64 + 17);
    }

    function _onehot() internal pure returns (Case memory c) {
        c = _case("onehot ids [12, 64], 65 classes", OP_ONEHOT, 1);
        _input(c, 0, _w(12, 64), _ids(768, 65));
        c.attrs = _w(65);
        c.outShape = _a(12, 64, 65);
        (c.t, c.e) = (3, 500 * 65 + 31);
    }

    function _bmm() internal pure returns (Case memory c) {
        c = _case("bmm q k^T [4, 64, 32] x [4, 64, 32]^T, K = 32", OP_BMM, 2);
        _input(c, 0, _a(4, 64, 32), _ramp(8192, 0x3D000000, 3));
        _input(c, 1, _a(4, 64, 32), _ramp(8192, 0xBD000000, 5));
        c.attrs = _w(0, 1);
        c.outShape = _a(4, 64, 64);
        (c.t, c.e, c.k) = (3, 3 * 4096 + 50 * 64 + 9, 17);
    }

    function _gatherRows() internal pure returns (Case memory c) {
        c = _case("gather_rows table [65, 128], ids [2, 64], V = 65, matching step", OP_GATHER, 2);
        _input(c, 0, _w(65, 128), _ramp(8320, 0x3C000000, 11));
        _input(c, 1, _w(2, 64), _ids(128, 65));
        c.outShape = _a(2, 64, 128);
        (c.t, c.e) = (3, 100 * 128 + 77);
        c.k = uint32(_idAt(100, 65)); // the step whose id matches: the table row is added
    }

    function _scatterRows() internal pure returns (Case memory c) {
        c = _case("scatter_rows gy [2, 64, 128], ids [2, 64] -> [65, 128], matching step", OP_SCATTER, 2);
        _input(c, 0, _a(2, 64, 128), _ramp(16_384, 0x3A000000, 13));
        _input(c, 1, _w(2, 64), _ids(128, 65));
        c.attrs = _w(65);
        c.outShape = _w(65, 128);
        uint256 row = _idAt(90, 65);
        (c.t, c.e, c.k) = (3, uint64(row * 128 + 5), 90); // position 90 adds into its own row
    }

    function _permute() internal pure returns (Case memory c) {
        c = _case("permute [2, 64, 4, 32] by [0, 2, 1, 3]", OP_PERMUTE, 1);
        uint32[] memory s = new uint32[](4);
        (s[0], s[1], s[2], s[3]) = (2, 64, 4, 32);
        _input(c, 0, s, _ramp(16_384, 0x3F000000, 1));
        uint32[] memory p = new uint32[](5);
        (p[0], p[1], p[2], p[3], p[4]) = (4, 0, 2, 1, 3);
        c.attrs = p;
        (s[0], s[1], s[2], s[3]) = (2, 4, 64, 32);
        c.outShape = s;
        (c.t, c.e) = (3, 12_345);
    }

    /// @dev Baselines of the harness: repops-2 ops (inline in the prover) on the same shapes.
    function _baselineRelu() internal pure returns (Case memory c) {
        c = _case("baseline relu [1, 4, 64, 64] (repops-2, inline)", 19, 1);
        uint32[] memory s = new uint32[](4);
        (s[0], s[1], s[2], s[3]) = (1, 4, 64, 64);
        _input(c, 0, s, _ramp(16_384, 0x3E000000, 7));
        c.outShape = s;
        (c.t, c.e) = (3, 2 * 4096 + 40 * 64 + 17);
    }

    function _baselineMatmul() internal pure returns (Case memory c) {
        c = _case("baseline matmul [256, 32] x [64, 32]^T, K = 32 (repops-2, inline)", 30, 2);
        _input(c, 0, _w(256, 32), _ramp(8192, 0x3D000000, 3));
        _input(c, 1, _w(64, 32), _ramp(2048, 0xBD000000, 5));
        c.attrs = _w(0, 1);
        c.outShape = _w(256, 64);
        (c.t, c.e, c.k) = (3, 50 * 64 + 9, 17);
    }

    // ------------------------------------------------------------------------------------------
    // the dispute
    // ------------------------------------------------------------------------------------------

    /// @dev `warm`: after one earlier slash (`_warmMarket`); else the market's very first slash,
    ///      which is also the challenger's first credit (checked below, so the case is the coldest).
    function _measure(Case memory c, bool warm) internal {
        if (warm) _warmMarket();
        TraceView memory v = _program(c);
        uint256 node = c.inShapes.length;
        uint256 id = _disputeAt(v, c.t);
        _steerTo(id, v, node);
        _revealRecord(id, v);
        vm.prank(challenger);
        game.pickElement(id, c.e);
        _openElement(id, v);
        OpSemantics.Ctx memory x = _ctx(c, id);
        OpSemantics.Read[] memory reads;
        if (OpSemantics.kind(c.op) == OpSemantics.FOLD) {
            bytes memory seq = _cheatSeq(OpRouter.foldLen(prover.EXT(), x, c.e));
            _postFold(id, v, seq);
            vm.prank(challenger);
            game.pickAcc(id, c.k);
            _openAcc(id, seq);
            reads = OpRouter.foldReads(prover.EXT(), x, c.e, c.k);
        } else {
            reads = OpRouter.mapReads(prover.EXT(), x, c.e);
        }
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitOneStep));
        if (!warm) _assertFirstSlash();
        bytes memory data = abi.encodeCall(
            game.oneStep, (id, GameMoves.nodeContext(v, node), GameMoves.inputOpenings(v, node), _chunks(v, node, reads))
        );
        uint256 gas = _meter(data);
        _assertResolved(id, true);
        string memory label = string.concat(c.name, warm ? "" : " (first slash)");
        console.log(string.concat("one-step gas ", label, ": ", vm.toString(gas)));
        assertLe(gas, TARGET, string.concat(label, ": one-step over 400k gas"));
    }

    /// @dev Nothing slashed, burned or credited yet: the oneStep's slash is the market's first
    ///      write of every accumulator and of the challenger's claimable balance.
    function _assertFirstSlash() internal view {
        assertEq(market.burned(), 0, "market already slashed");
        assertEq(market.jackpot(), 0, "jackpot already funded");
        assertEq(market.totalClaimable(), 0, "market already credited");
        assertEq(market.claimable(challenger), 0, "challenger already credited");
    }

    /// @dev One earlier slash (a cheater caught on a padding slot, REPOPS §6), so the market's
    ///      jackpot already holds funds, as in the per-op table of PROTOCOL.md §7 (whose fixture
    ///      tests resolve many disputes in one run). The very first slash of a market pays one
    ///      zero-to-nonzero write more: the challenger's first credit, 17 100 gas (the market's
    ///      accumulators start at JobMarket's SLOT_SENTINEL, so they are never written from zero).
    function _warmMarket() internal {
        bytes memory garbage = new bytes(4 * 101);
        garbage[4 * 100] = 0x78;
        TraceView memory w = _fill600(garbage);
        uint256 id = _disputeFill(w, 700);
        _openElement(id, w);
        _assertResolved(id, true);
    }

    /// @dev Job whose disputed transition t runs `v.program`: t = 0 the init program; else a job
    ///      of T = t steps whose step program is v.program, with the solver's state hashes
    ///      consistent at t - 1 (pre-state) and t (the copies of v).
    function _disputeAt(TraceView memory v, uint64 t) internal returns (uint256 id) {
        if (t == 0) {
            (id,) = _dispute(v, true);
            return id;
        }
        Fixture memory fx;
        fx.specHash = keccak256("synthetic repops-3");
        fx.numSteps = t;
        fx.seed = 0x5EED;
        fx.initProgram = new bytes[](2);
        fx.initProgram[0] = _node(OP_FILL, new uint32[](0), _fillAttrs(_w(1)), _w(1));
        fx.initProgram[1] = _node(OP_COPY, _w(0), _w(0, 0), _w(1));
        fx.stepProgram = v.program;
        (bytes32 initRoot, bytes32 stepRoot) = GameMoves.programRoots(fx);
        fx.programRoot = sha256(abi.encodePacked(initRoot, stepRoot));
        v.j = t;
        v.preModelSlots = new bytes32[](1);
        v.preModelSlots[0] = keccak256("pre-state model tensor");
        bytes32[] memory hashes = new bytes32[](t + 1);
        for (uint256 i = 0; i + 1 < t; i++) hashes[i] = keccak256(abi.encode("earlier state", i));
        hashes[t - 1] = _stateHash(fx.specHash, t - 1, GameMerkle.root(v.preModelSlots));
        hashes[t] = _stateHash(fx.specHash, t, GameMerkle.root(v.postModelSlots));
        Commitment memory cm = _commitment(fx, hashes, GameMerkle.root(v.postModelSlots));
        id = _openDispute(fx, cm);
        _revealFinal(id, fx, cm, hashes, v.postModelSlots, new bytes32[](0));
        _pickStep(id, hashes, t);
        _postTrace(id, fx, v);
    }

    /// @dev Input fill nodes, the op node (every output element CLAIM) and its copy.
    function _program(Case memory c) internal pure returns (TraceView memory) {
        uint256 n = c.inShapes.length;
        bytes[] memory prog = new bytes[](n + 2);
        uint32[][] memory vals = new uint32[][](n + 2);
        uint32[] memory ins = new uint32[](n);
        for (uint256 s = 0; s < n; s++) {
            prog[s] = _node(OP_FILL, new uint32[](0), _fillAttrs(c.inShapes[s]), c.inShapes[s]);
            vals[s] = c.inVals[s];
            ins[s] = uint32(s);
        }
        prog[n] = _node(c.op, ins, c.attrs, c.outShape);
        prog[n + 1] = _node(OP_COPY, _w(uint32(n)), _w(0, 0), c.outShape);
        vals[n] = _ramp(_numel(c.outShape), CLAIM, 0);
        vals[n + 1] = vals[n];
        return _view(prog, vals);
    }

    /// @dev acc_0 = +0 (the init of every repops-3 fold), then values the honest fold never
    ///      reaches, ending at CLAIM.
    function _cheatSeq(uint256 len) internal pure returns (bytes memory) {
        uint32[] memory seq = _ramp(len + 1, 0x12300000, 1);
        seq[0] = 0;
        seq[len] = CLAIM;
        return GameMerkle.f32le(seq);
    }

    /// @dev The chunks holding the reads, once each.
    function _chunks(TraceView memory v, uint256 node, OpSemantics.Read[] memory reads)
        internal
        pure
        returns (InputChunk[] memory out)
    {
        uint32[] memory ins = NodeCodec.decode(v.program[node]).inputs;
        InputChunk[] memory all = new InputChunk[](reads.length);
        uint256 n;
        for (uint256 r = 0; r < reads.length; r++) {
            bool seen;
            for (uint256 i = 0; i < n && !seen; i++) {
                seen = all[i].input == reads[r].input && all[i].chunk.index == reads[r].index / 256;
            }
            if (seen) continue;
            all[n].input = reads[r].input;
            all[n].chunk = GameMoves.chunkOf(v.outputs[ins[reads[r].input]], reads[r].index);
            n++;
        }
        out = new InputChunk[](n);
        for (uint256 i = 0; i < n; i++) out[i] = all[i];
    }

    function _ctx(Case memory c, uint256 id) internal view returns (OpSemantics.Ctx memory x) {
        x.opId = c.op;
        x.inShapes = c.inShapes;
        x.outShape = c.outShape;
        x.attrs = c.attrs;
        x.seed = game.getGame(id).seed;
        x.step = c.t == 0 ? 0xFFFFFFFF : uint32(c.t - 1);
    }

    /// @dev The oneStep transaction: game, prover, ext and market cold; intrinsic gas added.
    function _meter(bytes memory data) internal returns (uint256 gas) {
        vm.cool(address(game));
        vm.cool(address(prover));
        vm.cool(address(prover.EXT()));
        vm.cool(address(market));
        vm.prank(challenger);
        (bool ok, bytes memory ret) = address(game).call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        gas = vm.lastCallGas().gasTotalUsed + 21_000;
        for (uint256 i = 0; i < data.length; i++) gas += data[i] == 0 ? 4 : 16;
    }

    // ------------------------------------------------------------------------------------------
    // data
    // ------------------------------------------------------------------------------------------

    function _case(string memory name, uint16 op, uint256 arity) internal pure returns (Case memory c) {
        (c.name, c.op) = (name, op);
        c.inShapes = new uint32[][](arity);
        c.inVals = new uint32[][](arity);
    }

    function _input(Case memory c, uint256 s, uint32[] memory shape, uint32[] memory vals) internal pure {
        (c.inShapes[s], c.inVals[s]) = (shape, vals);
    }

    /// @dev n values from bit pattern `base` stepping by `stride` ulps (0: constant).
    function _ramp(uint256 n, uint32 base, uint32 stride) internal pure returns (uint32[] memory a) {
        a = new uint32[](n);
        for (uint256 i = 0; i < n; i++) a[i] = base + uint32((i * stride) % 0x100000);
    }

    /// @dev Token id of position i: a repeating pattern over [0, v) (so ids repeat), as binary32.
    function _idAt(uint256 i, uint256 v) internal pure returns (uint256) {
        return (i * 7 + 3) % v;
    }

    function _ids(uint256 n, uint256 v) internal pure returns (uint32[] memory a) {
        a = new uint32[](n);
        for (uint256 i = 0; i < n; i++) a[i] = _intBits(_idAt(i, v));
    }

    /// @dev binary32 of a small integer.
    function _intBits(uint256 x) internal pure returns (uint32) {
        if (x == 0) return 0;
        uint256 l;
        while (x >> l > 1) l++;
        return uint32(((127 + l) << 23) | ((x << (23 - l)) & 0x7FFFFF));
    }

    function _numel(uint32[] memory s) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < s.length; i++) n *= s[i];
    }

    function _a(uint32 x, uint32 y, uint32 z) internal pure returns (uint32[] memory r) {
        r = new uint32[](3);
        (r[0], r[1], r[2]) = (x, y, z);
    }

    function _a4(uint32 x, uint32 y, uint32 z, uint32 u) internal pure returns (uint32[] memory r) {
        r = new uint32[](4);
        (r[0], r[1], r[2], r[3]) = (x, y, z, u);
    }

    function _concat(uint32[] memory x, uint32[] memory y) internal pure returns (uint32[] memory r) {
        r = new uint32[](x.length + y.length);
        for (uint256 i = 0; i < x.length; i++) r[i] = x[i];
        for (uint256 i = 0; i < y.length; i++) r[x.length + i] = y[i];
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

import {console} from "forge-std/console.sol";
import {Commitment, JobParams} from "../src/interfaces/IDisputeGame.sol";
import {DisputeGame} from "../src/DisputeGame.sol";
import {Game, Phase, Reason, TracePost, RecordReveal, Chunk, NodeContext} from "../src/lib/GameTypes.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {Fixture, FxVariant, TraceView, DisputeFixtures} from "./helpers/DisputeFixtures.sol";
import {DisputeGamePlayers} from "./helpers/DisputeGamePlayers.sol";

/// @notice Gas budgets (deterministic, so asserted): every move <= 250k, the one-step <= 1M, a
///         whole dispute over a job of 10^4 steps x 10^3 ops x 10^6-element tensors <= 10M for
///         both sides together. Each move is metered as its own transaction: the game, prover
///         and market are cooled first (cold storage, as in a fresh tx) and the intrinsic cost
///         (21000 + 16 per nonzero / 4 per zero calldata byte) is added to the execution gas.
contract DisputeGameGasTest is DisputeGamePlayers {
    uint256 internal constant MOVE_BUDGET = 250_000;
    uint256 internal constant ONE_STEP_BUDGET = 1_000_000;
    uint256 internal constant DISPUTE_BUDGET = 10_000_000;

    /// @notice One recorded move (fixtures/gen-move-scripts.ts): calldata for dispute id 1.
    struct ScriptMove {
        uint8 actor; // 0 solver, 1 challenger
        string name;
        bytes data;
    }

    /// @notice A whole dispute as calldata, cheating solver vs honest challenger.
    struct MoveScript {
        string name;
        JobParams job;
        Commitment commitment;
        uint32 programLength;
        uint64 tensorElements; // elements of the disputed node's output
        uint32 foldLen; // K of the disputed element
        bool withheld; // the challenger runs the data sub-game for the output and the fold
        ScriptMove[] moves;
    }

    uint256 internal total;
    uint256 internal moves;

    function _intrinsic(bytes memory data) internal pure returns (uint256 g) {
        g = 21_000;
        for (uint256 i = 0; i < data.length; i++) g += data[i] == 0 ? 4 : 16;
    }

    /// @dev Sends one move as `who`, returns its transaction gas and checks it against its budget.
    function _meter(address who, string memory name, bytes memory data) internal returns (uint256 gas) {
        vm.cool(address(game));
        vm.cool(address(prover));
        vm.cool(address(market));
        vm.prank(who);
        (bool ok, bytes memory ret) = address(game).call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        gas = vm.lastCallGas().gasTotalUsed + _intrinsic(data);
        bool oneStep = keccak256(bytes(name)) == keccak256("oneStep") || bytes4(data) == game.oneStep.selector;
        uint256 budget = oneStep ? ONE_STEP_BUDGET : MOVE_BUDGET;
        console.log(string.concat("  ", name), gas);
        assertLe(gas, budget, string.concat(name, ": over its gas budget"));
        total += gas;
        moves++;
    }

    /// @dev The challenge transaction: JobMarket.challenge, which calls DisputeGame.open. Counted
    ///      in the dispute total and held to the move budget like every other move.
    function _meterChallenge(uint256 jobId) internal returns (uint256 id) {
        vm.cool(address(game));
        vm.cool(address(market));
        bytes memory data = abi.encodeCall(market.challenge, (jobId));
        vm.prank(challenger);
        (bool ok, bytes memory ret) = address(market).call{value: BOND}(data);
        assertTrue(ok, "challenge");
        uint256 gas = vm.lastCallGas().gasTotalUsed + _intrinsic(data);
        console.log("  challenge (JobMarket.challenge incl. DisputeGame.open)", gas);
        assertLe(gas, MOVE_BUDGET, "challenge: over its gas budget");
        total += gas;
        id = abi.decode(ret, (uint256));
    }

    /// @dev DisputeGame.open alone, as called by the market (a fresh dispute id, cold storage).
    function test_gas_open_withinMoveBudget_succeeds() public {
        (Fixture memory fx,) = (_load("mlp"), 0);
        JobParams memory p = _params(fx);
        Commitment memory c = _honestCommitment(fx);
        vm.cool(address(game));
        vm.prank(address(market));
        game.open(1, 1, solver, challenger, p, c);
        uint256 gas = vm.lastCallGas().gasTotalUsed;
        console.log("DisputeGame.open (inner call of JobMarket.challenge)", gas);
        assertLe(gas, MOVE_BUDGET);
    }

    function _postClaimCommit(JobParams memory p, Commitment memory c) internal returns (uint256 jobId) {
        vm.prank(submitter);
        jobId = market.postJob{value: REWARD}(p, "ipfs://gas", STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
        vm.prank(solver);
        market.claimJob{value: STAKE}(jobId);
        vm.prank(solver);
        market.commitResult(jobId, c);
    }

    ////////////////////////////////////////////////////////////////
    //         10^4 steps x 10^3 ops x 10^6-element tensors       //
    ////////////////////////////////////////////////////////////////

    /// @dev Replays a move script, metering each move; returns the number of moves.
    function _replay(string memory file) internal returns (MoveScript memory m) {
        m = abi.decode(vm.readFileBinary(string.concat("rollup-contracts/test/fixtures/", file)), (MoveScript));
        console.log(string.concat(m.name, ": T = "), m.job.numSteps, "steps; gas per move:");
        console.log("  program length", m.programLength, "fold length K", m.foldLen);
        uint256 id = _meterChallenge(_postClaimCommit(m.job, m.commitment));
        assertEq(id, 1, "the script's calldata is for dispute 1");
        for (uint256 i = 0; i < m.moves.length; i++) {
            _meter(m.moves[i].actor == 0 ? solver : challenger, m.moves[i].name, m.moves[i].data);
        }
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.OneStep));
        uint256 expected = 11 + 2 * _ceilLog2(m.programLength);
        if (m.withheld) {
            // stepsRoot: request + 2 moves per level; output and sequence: the same + revealChunk
            expected += 1 + 2 * _ceilLog2(uint256(m.job.numSteps) + 1);
            expected += 2 + 2 * _ceilLog2((m.tensorElements + 255) / 256) + 2 + 2 * _ceilLog2((uint256(m.foldLen) + 256) / 256);
        }
        assertEq(moves, expected, "worst-case move count");
        console.log("  moves", moves, "total gas (incl. challenge)", total);
        assertLe(total, DISPUTE_BUDGET, "whole dispute over its gas budget");
    }

    function _ceilLog2(uint256 n) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < n) d++;
    }

    /// @dev 10^4 steps, 10^3 ops per step, 10^6-element tensors (the budget's reference job).
    function test_gas_worstCaseDispute_withinBudgets_succeeds() public {
        MoveScript memory m = _replay("scale.abi");
        assertEq(m.job.numSteps, 10_000);
        assertEq(m.programLength, 1_000);
        assertEq(m.tensorElements, 1_000_000);
    }

    /// @dev The same job with a cheater that publishes nothing: data sub-game over stepsRoot
    ///      (height 14), the 10^6-element output (height 12) and the 1001-element fold sequence
    ///      (height 2).
    function test_gas_worstCaseDisputeWithheldData_withinBudgets_succeeds() public {
        MoveScript memory m = _replay("scale-withheld.abi");
        assertTrue(m.withheld);
    }

    /// @dev examples/mnist-mlp.json: 938 steps, 78-node step program, dispute on matmul K = 784.
    function test_gas_mnistMlpDispute_withinBudgets_succeeds() public {
        _replay("mnist-mlp.abi");
    }

    /// @dev examples/mnist-cnn.json: 600 steps, 201-node step program, dispute on a bias
    ///      gradient sum over K = 36864 terms.
    function test_gas_mnistCnnDispute_withinBudgets_succeeds() public {
        _replay("mnist-cnn.abi");
    }

    ////////////////////////////////////////////////////////////////
    //                  real traces: mlp and cnn                  //
    ////////////////////////////////////////////////////////////////

    /// @dev Consistent cheater vs honest challenger down a fold one-step, every move metered.
    function _meteredFoldDispute(string memory name, uint256 variant) internal {
        Fixture memory fx = _load(name);
        FxVariant memory x = fx.variants[variant];
        Commitment memory c = _variantCommitment(fx, x);
        console.log(string.concat(name, ": ", x.label, ", gas per move:"));
        uint256 id = _meterChallenge(_postClaimCommit(_params(fx), c));
        TraceView memory liar = DisputeFixtures.dishonestView(fx, x);
        TraceView memory truth = DisputeFixtures.honestView(fx, x.step);
        _meterOpening(id, fx, x, c, liar);
        _meter(challenger, "startTrace", abi.encodeCall(game.startTrace, (id)));
        while (game.getGame(id).phase == Phase.AwaitAcc) {
            uint32 mid = _midLen(id);
            bytes32 a = GameMoves.acc(liar, mid);
            bool agree = a == GameMoves.acc(truth, mid);
            _meter(solver, "revealAcc", abi.encodeCall(game.revealAcc, (id, a)));
            _meter(challenger, "chooseAcc", abi.encodeCall(game.chooseAcc, (id, agree)));
        }
        assertEq(game.getGame(id).agreedLen, x.node, "bisection lands on the corrupted node");
        RecordReveal memory r = GameMoves.recordReveal(liar, x.node);
        _meter(solver, "revealRecord", abi.encodeCall(game.revealRecord, (id, r)));
        _meterElementAndFold(id, liar, truth, uint64(x.element));
        _assertResolved(id, true);
        console.log("  moves", moves, "total gas (incl. challenge)", total);
    }

    function _meterOpening(uint256 id, Fixture memory fx, FxVariant memory x, Commitment memory c, TraceView memory liar)
        internal
    {
        bytes memory data = abi.encodeCall(
            game.revealFinal,
            (
                id,
                _params(fx),
                c,
                GameMerkle.root(x.finalModelSlots),
                GameMerkle.root(x.finalOptSlots),
                GameMerkle.proof(x.hashes, fx.numSteps)
            )
        );
        _meter(solver, "revealFinal", data);
        uint64 j = x.step;
        data = abi.encodeCall(
            game.pickStep,
            (id, j, x.hashes[j - 1], GameMerkle.proof(x.hashes, j - 1), x.hashes[j], GameMerkle.proof(x.hashes, j))
        );
        _meter(challenger, "pickStep", data);
        TracePost memory t = GameMoves.tracePost(fx, liar);
        _meter(solver, "postTrace", abi.encodeCall(game.postTrace, (id, t)));
    }

    function _meterElementAndFold(uint256 id, TraceView memory liar, TraceView memory truth, uint64 e) internal {
        uint256 node = game.getGame(id).agreedLen;
        _meter(challenger, "pickElement", abi.encodeCall(game.pickElement, (id, e)));
        Chunk memory c = GameMoves.chunkOf(liar.outputs[node], e);
        _meter(solver, "openElement", abi.encodeCall(game.openElement, (id, c)));
        bytes memory cheat = _cheatSeq(liar, truth, node, e);
        _meterFoldPost(id, liar, node, cheat);
        uint256 k = cheat.length / 4 - 1;
        _meter(challenger, "pickAcc", abi.encodeCall(game.pickAcc, (id, uint32(k - 1))));
        Chunk memory a = GameMoves.chunkOf(cheat, k - 1);
        _meter(solver, "openAcc", abi.encodeCall(game.openAcc, (id, a, a)));
        bytes memory data = abi.encodeCall(
            game.oneStep,
            (id, GameMoves.nodeContext(truth, node), GameMoves.inputOpenings(truth, node), GameMoves.inputChunks(truth, node))
        );
        _meter(challenger, "oneStep", data);
    }

    /// @dev The cheater's sequence leaves the honest one at its last step: acc_K is the lie.
    function _cheatSeq(TraceView memory liar, TraceView memory truth, uint256 node, uint256 e)
        internal
        pure
        returns (bytes memory cheat)
    {
        cheat = DisputeFixtures.foldSeq(truth, node, e);
        uint256 k = cheat.length / 4 - 1;
        for (uint256 i = 0; i < 4; i++) cheat[4 * k + i] = liar.outputs[node][4 * e + i];
    }

    function _meterFoldPost(uint256 id, TraceView memory liar, uint256 node, bytes memory cheat) internal {
        uint256 k = cheat.length / 4 - 1;
        bytes memory data = abi.encodeCall(
            game.postFold,
            (
                id,
                GameMoves.nodeContext(liar, node),
                GameMerkle.dataRoot(cheat),
                GameMoves.chunkOf(cheat, 0),
                GameMoves.chunkOf(cheat, k)
            )
        );
        _meter(solver, "postFold", data);
    }

    /// @dev The one-step of every op the fixtures corrupt (map ops and fold steps), metered.
    function _oneStepPerOp(string memory name, uint256 from, uint256 to) internal {
        Fixture memory fx = _load(name);
        holdOneStep = true;
        console.log(string.concat(name, ": one-step gas per corrupted op"));
        if (to > fx.variants.length) to = fx.variants.length;
        for (uint256 i = from; i < to; i++) {
            FxVariant memory x = fx.variants[i];
            uint256 id = _playCheater(fx, x, i + 1, true);
            if (game.getGame(id).phase != Phase.AwaitOneStep) continue; // settled earlier
            TraceView memory truth = DisputeFixtures.honestView(fx, x.step);
            uint256 node = game.getGame(id).agreedLen;
            bytes memory data = abi.encodeCall(
                game.oneStep,
                (id, GameMoves.nodeContext(truth, node), GameMoves.inputOpenings(truth, node), GameMoves.inputChunks(truth, node))
            );
            _meter(challenger, x.label, data);
            _assertResolved(id, true);
        }
    }

    function test_gas_mlpOneStepEveryOp_withinBudget_succeeds() public {
        _oneStepPerOp("mlp", 0, type(uint256).max);
    }

    /// @dev Split in two: each test runs under forge's per-test gas limit of 2^30.
    function test_gas_cnnOneStepFirstOps_withinBudget_succeeds() public {
        _oneStepPerOp("cnn", 0, 9);
    }

    function test_gas_cnnOneStepLastOps_withinBudget_succeeds() public {
        _oneStepPerOp("cnn", 9, type(uint256).max);
    }

    function test_gas_mlpMatmulDispute_withinBudgets_succeeds() public {
        _meteredFoldDispute("mlp", 3); // matmul#0 at transition 1
    }

    function test_gas_cnnCol2imDispute_withinBudgets_succeeds() public {
        _meteredFoldDispute("cnn", 7); // col2im#0 at transition 2
    }
}

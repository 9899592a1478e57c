// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {JobMarket} from "../../src/JobMarket.sol";
import {testMarketConfig} from "./MarketConfigs.sol";
import {DisputeGame} from "../../src/DisputeGame.sol";
import {OneStepProver} from "../../src/OneStepProver.sol";
import {OpSemanticsExt} from "../../src/OpSemanticsExt.sol";
import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";
import {Commitment, JobParams} from "../../src/interfaces/IDisputeGame.sol";
import {IDisputeGameEvents} from "../../src/lib/GameEvents.sol";
import {
    Game, Phase, Side, TracePost, RecordReveal, Chunk, NodeContext, InputOpening, InputChunk
} from "../../src/lib/GameTypes.sol";
import {GameLib} from "../../src/lib/GameLib.sol";
import {GameMerkle} from "./GameMerkle.sol";
import {GameMoves} from "./GameMoves.sol";
import {Fixture, FxVariant, TraceView, DisputeFixtures} from "./DisputeFixtures.sol";

/// @notice Real JobMarket + OneStepProver (+ OpSemanticsExt) + DisputeGame, a fixture-driven dispute opener and
///         the honest moves of both sides. Scenario players build on this.
abstract contract DisputeGameTestBase is Test, IDisputeGameEvents {
    JobMarket internal market;
    OneStepProver internal prover;
    DisputeGame internal game;

    address internal submitter = makeAddr("submitter");
    address internal solver = makeAddr("solver");
    address internal challenger = makeAddr("challenger");
    address internal stranger = makeAddr("stranger");

    uint256 internal constant REWARD = 0.3 ether; // minStakeFor(0.3 ether) = 1.8 ether <= STAKE
    uint256 internal constant STAKE = 2 ether;
    uint256 internal constant BOND = 1 ether;
    uint64 internal constant CLAIM_WINDOW = 1 days;
    uint64 internal constant SOLVE_TIME = 1 days;
    uint64 internal constant CHALLENGE_WINDOW = 2 days;
    uint48 internal constant BANK = 1 hours;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        market = new JobMarket(address(0), testMarketConfig());
        prover = new OneStepProver(new OpSemanticsExt());
        game = new DisputeGame(IJobMarket(address(market)), prover, BANK);
        market.setDisputeGame(address(game));
        vm.deal(submitter, 1_000 ether);
        vm.deal(solver, 1_000 ether);
        vm.deal(challenger, 1_000 ether);
    }

    ////////////////////////////////////////////////////////////////
    //                  Job and dispute set-up                    //
    ////////////////////////////////////////////////////////////////

    function _load(string memory name) internal view returns (Fixture memory) {
        return DisputeFixtures.load(vm, name);
    }

    /// @dev K of the jobs this test posts: 1 (a state hash per step) unless a test sets it
    ///      before opening its dispute (DisputeGame.Interval.t.sol).
    uint32 internal hashInterval = 1;

    function _params(Fixture memory fx) internal view returns (JobParams memory) {
        return JobParams({
            specHash: fx.specHash,
            programRoot: fx.programRoot,
            seed: fx.seed,
            numSteps: fx.numSteps,
            hashInterval: hashInterval
        });
    }

    /// @notice The committed leaves H[min(mK, T)], m = 0..ceil(T/K), of a run's H[0..T]
    ///         (reproducible-ops/hash-schedule.ts). K = 1: the hashes themselves.
    function _leaves(bytes32[] memory hashes) internal view returns (bytes32[] memory l) {
        uint256 t = hashes.length - 1;
        uint256 k = hashInterval;
        l = new bytes32[]((t + k - 1) / k + 1);
        for (uint256 m = 0; m < l.length; m++) l[m] = hashes[m * k < t ? m * k : t];
    }

    /// @notice hi = min(lo + K, T), the end of the interval that starts at leaf step lo.
    function _intervalEnd(uint64 lo, uint64 t) internal view returns (uint64) {
        return lo + hashInterval < t ? lo + hashInterval : t;
    }

    function _commitment(Fixture memory fx, bytes32[] memory hashes, bytes32 finalModelHash)
        internal
        view
        returns (Commitment memory)
    {
        return Commitment({
            stepsRoot: GameMerkle.root(_leaves(hashes)),
            finalStateHash: hashes[fx.numSteps],
            finalModelHash: finalModelHash,
            numSteps: fx.numSteps
        });
    }

    function _honestCommitment(Fixture memory fx) internal view returns (Commitment memory) {
        return _commitment(fx, fx.honestHashes, GameMerkle.root(fx.honest[fx.numSteps].modelSlots));
    }

    function _variantCommitment(Fixture memory fx, FxVariant memory x) internal view returns (Commitment memory) {
        return _commitment(fx, x.hashes, x.finalModelHash);
    }

    /// @notice post -> claim -> commit `c` -> challenge through the real market.
    function _openDispute(Fixture memory fx, Commitment memory c) internal returns (uint256 disputeId) {
        vm.prank(submitter);
        uint256 jobId = market.postJob{value: REWARD}(
            _params(fx), "ipfs://fixture", STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW
        );
        vm.prank(solver);
        market.claimJob{value: STAKE}(jobId);
        vm.prank(solver);
        market.commitResult(jobId, c);
        vm.prank(challenger);
        disputeId = market.challenge{value: BOND}(jobId);
    }

    ////////////////////////////////////////////////////////////////
    //                       Honest moves                         //
    ////////////////////////////////////////////////////////////////

    function _revealFinal(
        uint256 id,
        Fixture memory fx,
        Commitment memory c,
        bytes32[] memory hashes,
        bytes32[] memory modelSlots,
        bytes32[] memory optSlots
    ) internal {
        // every argument is computed before the prank: sha256 is a call and would consume it
        JobParams memory p = _params(fx);
        bytes32 modelRoot = GameMerkle.root(modelSlots);
        bytes32 optRoot = GameMerkle.root(optSlots);
        bytes32[] memory leaves = _leaves(hashes);
        bytes32[] memory path = GameMerkle.proof(leaves, leaves.length - 1); // leaf M = H[T]
        vm.prank(solver);
        game.revealFinal(id, p, c, modelRoot, optRoot, path);
    }

    function _revealHonestFinal(uint256 id, Fixture memory fx) internal {
        uint64 t = fx.numSteps;
        _revealFinal(id, fx, _honestCommitment(fx), fx.honestHashes, fx.honest[t].modelSlots, fx.honest[t].optSlots);
    }

    function _pickStep(uint256 id, bytes32[] memory hashes, uint64 j) internal {
        bytes32 pre = j == 0 ? bytes32(0) : hashes[j - 1];
        bytes32[] memory prePath = j == 0 ? new bytes32[](0) : GameMerkle.proof(hashes, j - 1);
        bytes32[] memory postPath = GameMerkle.proof(hashes, j);
        vm.prank(challenger);
        game.pickStep(id, j, pre, prePath, hashes[j], postPath);
    }

    /// @notice After pickStep(m) on the leaves: when m's interval holds more than one transition
    ///         the solver posts `theirs`[lo+1..hi-1] and the challenger names the first transition
    ///         whose post-state differs from `mine` (pick = 2^256-1), or transition
    ///         lo + (pick mod (hi - lo)) + 1.
    ///         Returns the disputed transition j. K = 1 (or an interval of one): no moves.
    function _settleInterval(uint256 id, bytes32[] memory theirs, bytes32[] memory mine, uint256 pick)
        internal
        returns (uint64 j)
    {
        Game memory g = game.getGame(id);
        if (g.phase != Phase.AwaitMids) return g.step;
        uint64 lo = g.step;
        uint64 hi = _intervalEnd(lo, g.numSteps);
        bytes32[] memory mids = _mids(theirs, lo, hi);
        vm.prank(solver);
        game.postMids(id, mids);
        uint64 i;
        if (pick == type(uint256).max) {
            while (theirs[lo + i + 1] == mine[lo + i + 1]) i++;
        } else {
            // forge-lint: disable-next-line(unsafe-typecast) -- below hi - lo, a uint64
            i = uint64(pick % (hi - lo));
        }
        vm.prank(challenger);
        game.pickMid(id, i, mids);
        return lo + i + 1;
    }

    /// @notice H[lo+1..hi-1] of a run.
    function _mids(bytes32[] memory hashes, uint64 lo, uint64 hi) internal pure returns (bytes32[] memory mids) {
        mids = new bytes32[](hi - lo - 1);
        for (uint256 i = 0; i < mids.length; i++) mids[i] = hashes[lo + 1 + i];
    }

    function _postTrace(uint256 id, Fixture memory fx, TraceView memory v) internal {
        TracePost memory t = GameMoves.tracePost(fx, v);
        vm.prank(solver);
        game.postTrace(id, t);
    }

    /// @notice Honest bisection: the solver reveals its accumulators, the challenger judges them
    ///         against `truth` (its own view) and moves toward the first differing record.
    function _bisect(uint256 id, TraceView memory solverView, TraceView memory truth) internal {
        vm.prank(challenger);
        game.startTrace(id);
        while (game.getGame(id).phase == Phase.AwaitAcc) {
            uint32 mid = _midLen(id);
            bytes32 a = GameMoves.acc(solverView, mid);
            bool agree = a == GameMoves.acc(truth, mid);
            vm.prank(solver);
            game.revealAcc(id, a);
            vm.prank(challenger);
            game.chooseAcc(id, agree);
        }
    }

    function _revealRecord(uint256 id, TraceView memory v) internal {
        RecordReveal memory r = GameMoves.recordReveal(v, game.getGame(id).agreedLen);
        vm.prank(solver);
        game.revealRecord(id, r);
    }

    function _openElement(uint256 id, TraceView memory v) internal {
        Game memory g = game.getGame(id);
        Chunk memory c = GameMoves.elementChunk(v.outputs[g.agreedLen], g.element);
        vm.prank(solver);
        game.openElement(id, c);
    }

    /// @notice Solver posts the accumulator sequence `seq` (LE bytes) of the disputed element.
    function _postFold(uint256 id, TraceView memory v, bytes memory seq) internal {
        Game memory g = game.getGame(id);
        uint256 k = seq.length / 4 - 1;
        NodeContext memory nc = GameMoves.nodeContext(v, g.agreedLen);
        bytes32 root = GameMerkle.dataRoot(seq);
        Chunk memory first = GameMoves.chunkOf(seq, 0);
        Chunk memory last = GameMoves.chunkOf(seq, k);
        vm.prank(solver);
        game.postFold(id, nc, root, first, last);
    }

    function _openAcc(uint256 id, bytes memory seq) internal {
        uint32 k = game.getGame(id).foldIndex;
        Chunk memory a = GameMoves.chunkOf(seq, k);
        Chunk memory b = GameMoves.chunkOf(seq, k + 1);
        vm.prank(solver);
        game.openAcc(id, a, b);
    }

    /// @notice One-step execution with the openings of view v (inputs of the disputed node).
    function _oneStep(uint256 id, TraceView memory v, address caller) internal {
        uint256 node = game.getGame(id).agreedLen;
        NodeContext memory nc = GameMoves.nodeContext(v, node);
        InputOpening[] memory ins = GameMoves.inputOpenings(v, node);
        InputChunk[] memory chunks = GameMoves.inputChunks(v, node);
        vm.prank(caller);
        game.oneStep(id, nc, ins, chunks);
    }

    /// @notice The side to move lets its clock run out; anyone claims the timeout.
    function _timeOut(uint256 id) internal {
        vm.warp(game.deadlineOf(id) + 1);
        vm.prank(stranger);
        game.claimTimeout(id);
    }

    /// @notice Prefix length the solver reveals next: floor((agreedLen + disputedLen) / 2).
    function _midLen(uint256 id) internal view returns (uint32) {
        Game memory g = game.getGame(id);
        return uint32((uint256(g.agreedLen) + g.disputedLen) / 2);
    }

    /// @notice The side to move and its address.
    function _mover(uint256 id) internal view returns (Side side, address account) {
        Game memory g = game.getGame(id);
        side = GameLib.moverOf(g.phase);
        account = side == Side.Solver ? g.solver : g.challenger;
    }

    function _assertResolved(uint256 id, bool challengerWon) internal view {
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.Resolved), "dispute not resolved");
        assertEq(g.challengerWon, challengerWon, challengerWon ? "challenger should win" : "solver should win");
    }
}

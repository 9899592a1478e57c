// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

import {DisputeGame} from "../src/DisputeGame.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {Commitment, JobParams} from "../src/interfaces/IDisputeGame.sol";
import {Game, Phase, Side, Reason, ProofKind, TracePost} from "../src/lib/GameTypes.sol";
import "../src/lib/GameErrors.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {Fixture, TraceView} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSteps} from "./helpers/DisputeGameSteps.sol";

/// @notice open, revealFinal, pickStep, postTrace: every check and its revert.
contract DisputeGameOpenTest is DisputeGameSteps {
    ////////////////////////////////////////////////////////////////
    //                     constructor / open                     //
    ////////////////////////////////////////////////////////////////

    function test_constructor_zeroTimeBank_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("time bank"), 0, 1));
        new DisputeGame(IJobMarket(address(market)), prover, 0);
    }

    function test_open_byMarket_succeeds() public {
        (Fixture memory f,) = _fixture();
        Commitment memory c = _honestCommitment(f);
        vm.prank(submitter);
        uint256 jobId =
            market.postJob{value: REWARD}(_params(f), "ipfs://x", STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
        vm.prank(solver);
        market.claimJob{value: STAKE}(jobId);
        vm.prank(solver);
        market.commitResult(jobId, c);
        vm.expectEmit(address(game));
        emit GameOpened(1, jobId, solver, challenger, _params(f), c, block.timestamp + BANK);
        vm.prank(challenger);
        uint256 id = market.challenge{value: BOND}(jobId);
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitFinal));
        assertEq(g.solver, solver);
        assertEq(g.challenger, challenger);
        assertEq(g.solverBank, BANK);
        assertEq(g.challengerBank, BANK);
        assertEq(g.paramsHash, keccak256(abi.encode(_params(f), c)));
        (Side s, address who) = _mover(id);
        assertEq(uint8(s), uint8(Side.Solver));
        assertEq(who, solver);
    }

    function test_open_notMarket_reverts() public {
        (Fixture memory f,) = _fixture();
        Commitment memory c = _honestCommitment(f);
        JobParams memory p = _params(f);
        vm.expectRevert(abi.encodeWithSelector(OnlyMarket.selector, stranger, address(market)));
        vm.prank(stranger);
        game.open(1, 1, solver, challenger, p, c);
    }

    function test_open_sameIdTwice_reverts() public {
        (Fixture memory f,) = _fixture();
        Commitment memory c = _honestCommitment(f);
        JobParams memory p = _params(f);
        uint256 id = _openDispute(f, c);
        vm.expectRevert(abi.encodeWithSelector(DisputeAlreadyOpen.selector, id));
        vm.prank(address(market));
        game.open(id, 1, solver, challenger, p, c);
    }

    function test_views_unknownDispute_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(UnknownDispute.selector, 7));
        game.deadlineOf(7);
        vm.expectRevert(abi.encodeWithSelector(UnknownDispute.selector, 7));
        game.claimTimeout(7);
    }

    ////////////////////////////////////////////////////////////////
    //                        revealFinal                         //
    ////////////////////////////////////////////////////////////////

    function _revealArgs(Fixture memory f)
        internal
        view
        returns (JobParams memory p, Commitment memory c, bytes32 m, bytes32 o, bytes32[] memory path)
    {
        p = _params(f);
        c = _honestCommitment(f);
        m = GameMerkle.root(f.honest[f.numSteps].modelSlots);
        o = GameMerkle.root(f.honest[f.numSteps].optSlots);
        path = GameMerkle.proof(f.honestHashes, f.numSteps);
    }

    function test_revealFinal_honest_succeeds() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitFinal, 0);
        (JobParams memory p, Commitment memory c, bytes32 m, bytes32 o, bytes32[] memory path) = _revealArgs(f);
        vm.expectEmit(address(game));
        emit FinalRevealed(id, m, o, block.timestamp + BANK);
        vm.prank(solver);
        game.revealFinal(id, p, c, m, o, path);
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitStep));
        assertEq(g.stepsRoot, c.stepsRoot);
        assertEq(g.numSteps, f.numSteps);
        assertEq(g.seed, f.seed);
    }

    function test_revealFinal_modelHashNotModelRootChallengerWins_succeeds() public {
        (Fixture memory f,) = _fixture();
        Commitment memory c = _commitment(f, f.honestHashes, keccak256("another model"));
        uint256 id = _openDispute(f, c);
        _revealFinal(id, f, c, f.honestHashes, f.honest[f.numSteps].modelSlots, f.honest[f.numSteps].optSlots);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.FinalModelMismatch));
    }

    function test_revealFinal_notSolver_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitFinal, 0);
        (JobParams memory p, Commitment memory c, bytes32 m, bytes32 o, bytes32[] memory path) = _revealArgs(f);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, challenger, solver));
        vm.prank(challenger);
        game.revealFinal(id, p, c, m, o, path);
    }

    function test_revealFinal_otherParams_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitFinal, 0);
        (JobParams memory p, Commitment memory c, bytes32 m, bytes32 o, bytes32[] memory path) = _revealArgs(f);
        bytes32 stored = game.getGame(id).paramsHash;
        p.seed += 1;
        vm.expectRevert(abi.encodeWithSelector(ParamsMismatch.selector, stored, keccak256(abi.encode(p, c))));
        vm.prank(solver);
        game.revealFinal(id, p, c, m, o, path);
    }

    function test_revealFinal_rootsNotBehindFinalState_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitFinal, 0);
        (JobParams memory p, Commitment memory c, bytes32 m, bytes32 o, bytes32[] memory path) = _revealArgs(f);
        o = bytes32(uint256(o) ^ 1);
        vm.expectPartialRevert(StateHashMismatch.selector);
        vm.prank(solver);
        game.revealFinal(id, p, c, m, o, path);
    }

    function test_revealFinal_finalStateNotLeafT_reverts() public {
        (Fixture memory f,) = _fixture();
        Commitment memory c = _honestCommitment(f);
        c.stepsRoot = keccak256("a steps root without H[T] at leaf T");
        uint256 id = _openDispute(f, c);
        bytes32[] memory path = GameMerkle.proof(f.honestHashes, f.numSteps);
        bytes32 m = GameMerkle.root(f.honest[f.numSteps].modelSlots);
        bytes32 o = GameMerkle.root(f.honest[f.numSteps].optSlots);
        JobParams memory p = _params(f);
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.StepsLeaf, f.numSteps, 2, 2));
        vm.prank(solver);
        game.revealFinal(id, p, c, m, o, path);
    }

    function test_revealFinal_pathOfWrongDepth_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitFinal, 0);
        (JobParams memory p, Commitment memory c, bytes32 m, bytes32 o, bytes32[] memory path) = _revealArgs(f);
        bytes32[] memory longer = new bytes32[](path.length + 1);
        for (uint256 i = 0; i < path.length; i++) longer[i] = path[i];
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.StepsLeaf, f.numSteps, 3, 2));
        vm.prank(solver);
        game.revealFinal(id, p, c, m, o, longer);
    }

    ////////////////////////////////////////////////////////////////
    //                          pickStep                          //
    ////////////////////////////////////////////////////////////////

    function test_pickStep_initTransition_succeeds() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        bytes32[] memory path = GameMerkle.proof(f.honestHashes, 0);
        vm.expectEmit(address(game));
        emit StepPicked(id, 0, bytes32(0), f.honestHashes[0], block.timestamp + BANK);
        vm.prank(challenger);
        game.pickStep(id, 0, keccak256("ignored for j = 0"), new bytes32[](0), f.honestHashes[0], path);
        Game memory g = game.getGame(id);
        assertEq(g.preHash, bytes32(0));
        assertEq(g.postHash, f.honestHashes[0]);
        assertEq(uint8(g.phase), uint8(Phase.AwaitTrace));
    }

    function test_pickStep_lastTransition_succeeds() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        _pickStep(id, f.honestHashes, f.numSteps);
        Game memory g = game.getGame(id);
        assertEq(g.step, f.numSteps);
        assertEq(g.preHash, f.honestHashes[f.numSteps - 1]);
    }

    function test_pickStep_beyondLastStep_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        uint64 t = f.numSteps;
        // pickStep names a leaf of stepsRoot; with K = 1 leaf T is H[T], the last one
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("leaf"), t + 1, t + 1));
        vm.prank(challenger);
        game.pickStep(id, t + 1, bytes32(0), new bytes32[](2), bytes32(0), new bytes32[](2));
    }

    function test_pickStep_notChallenger_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitStep, 0);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, solver, challenger));
        vm.prank(solver);
        game.pickStep(id, 1, bytes32(0), new bytes32[](2), bytes32(0), new bytes32[](2));
    }

    function test_pickStep_beforeRevealFinal_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitFinal, 0);
        vm.expectRevert(abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitStep, Phase.AwaitFinal));
        vm.prank(challenger);
        game.pickStep(id, 1, bytes32(0), new bytes32[](2), bytes32(0), new bytes32[](2));
    }

    function test_pickStep_wrongPreHash_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        bytes32[] memory prePath = GameMerkle.proof(f.honestHashes, 1);
        bytes32[] memory postPath = GameMerkle.proof(f.honestHashes, 2);
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.StepsLeaf, 1, 2, 2));
        vm.prank(challenger);
        game.pickStep(id, 2, f.honestHashes[0], prePath, f.honestHashes[2], postPath);
    }

    function test_pickStep_wrongPostHash_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        bytes32[] memory prePath = GameMerkle.proof(f.honestHashes, 1);
        bytes32[] memory postPath = GameMerkle.proof(f.honestHashes, 2);
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.StepsLeaf, 2, 2, 2));
        vm.prank(challenger);
        game.pickStep(id, 2, f.honestHashes[1], prePath, f.honestHashes[3], postPath);
    }

    ////////////////////////////////////////////////////////////////
    //                         postTrace                          //
    ////////////////////////////////////////////////////////////////

    function _traceArgs() internal returns (uint256 id, TracePost memory t) {
        Fixture memory f;
        TraceView memory v;
        (id, f, v) = _advanceTo(Phase.AwaitTrace, 0);
        t = GameMoves.tracePost(f, v);
    }

    function _postTraceReverts(uint256 id, TracePost memory t, bytes memory err) internal {
        if (err.length == 4) vm.expectPartialRevert(bytes4(err));
        else vm.expectRevert(err);
        vm.prank(solver);
        game.postTrace(id, t);
    }

    function test_postTrace_honest_succeeds() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        vm.expectEmit(address(game));
        emit TracePosted(id, 76, t.finalAcc, 4, 4, block.timestamp + BANK);
        vm.prank(solver);
        game.postTrace(id, t);
        Game memory g = game.getGame(id);
        assertEq(g.n, 76);
        assertEq(g.modelCount, 4);
        assertEq(g.optCount, 4);
        assertEq(g.nodesRoot, t.programStepRoot);
        assertEq(g.accHi, t.finalAcc);
    }

    function test_postTrace_programRootMismatch_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        t.programStepRoot = bytes32(uint256(t.programStepRoot) ^ 1);
        _postTraceReverts(id, t, abi.encodePacked(ProgramRootMismatch.selector));
    }

    function test_postTrace_postRootsNotBehindHj_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        t.postOptRoot = t.preOptRoot;
        _postTraceReverts(id, t, abi.encodePacked(StateHashMismatch.selector));
    }

    function test_postTrace_preRootsNotBehindHjMinus1_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        t.preModelRoot = t.postModelRoot;
        _postTraceReverts(id, t, abi.encodePacked(StateHashMismatch.selector));
    }

    function test_postTrace_zeroLength_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        t.n = 0;
        _postTraceReverts(id, t, abi.encodeWithSelector(OutOfRange.selector, bytes32("program length"), 0, 65537));
    }

    function test_postTrace_programShorterThanClaimed_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        t.n = 77; // leaf 77 is the zero padding, so its "last copy" proof fails
        _postTraceReverts(id, t, abi.encodePacked(BadProof.selector));
    }

    function test_postTrace_programLongerThanClaimed_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        t.n = 75; // leaf 75 is a copy node, not the empty leaf
        _postTraceReverts(id, t, abi.encodeWithSelector(BadProof.selector, ProofKind.ProgramEnd, 75, 7, 7));
    }

    function test_postTrace_modelTailOfAnotherNode_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        (, TraceView memory v) = _fixture();
        // node 75 is copy(1, 3), so the last model copy must be node 75 - 4 = 71; node 68 is
        // copy(0, 0) and proven at its own leaf, not at leaf 71
        t.modelTailCopy = v.program[68];
        t.modelTailPath = GameMerkle.proof(v.nodeHashes, 68);
        _postTraceReverts(id, t, abi.encodeWithSelector(BadProof.selector, ProofKind.ProgramLeaf, 71, 7, 7));
    }

    function test_postTrace_afterTracePosted_reverts() public {
        (uint256 id, TracePost memory t) = _traceArgs();
        vm.prank(solver);
        game.postTrace(id, t);
        _postTraceReverts(
            id, t, abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitTrace, Phase.AwaitTraceChoice)
        );
    }
}

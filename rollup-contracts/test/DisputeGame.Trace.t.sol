// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

import {Commitment, JobParams} from "../src/interfaces/IDisputeGame.sol";
import {Game, Phase, Reason, ProofKind, TracePost, RecordReveal, LinkProof} from "../src/lib/GameTypes.sol";
import {NodeCodec} from "../src/lib/NodeCodec.sol";
import {TensorProofs} from "../src/lib/TensorProofs.sol";
import "../src/lib/GameErrors.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {Fixture, TraceView, DisputeFixtures} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSteps} from "./helpers/DisputeGameSteps.sol";

/// @notice disputeLink / proveLink, the trace bisection and revealRecord: every check and revert.
contract DisputeGameTraceTest is DisputeGameSteps {
    ////////////////////////////////////////////////////////////////
    //                         link                               //
    ////////////////////////////////////////////////////////////////

    function test_disputeLink_modelLeaf_succeeds() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitTraceChoice, 0);
        vm.expectEmit(address(game));
        emit LinkDisputed(id, 0, 3, block.timestamp + BANK);
        vm.prank(challenger);
        game.disputeLink(id, 0, 3);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitLinkProof));
    }

    function test_disputeLink_noSuchTree_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitTraceChoice, 0);
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("tree"), 2, 2));
        vm.prank(challenger);
        game.disputeLink(id, 2, 0);
    }

    function test_disputeLink_leafBeyondTreeWidth_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitTraceChoice, 0);
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("state leaf"), 4, 4));
        vm.prank(challenger);
        game.disputeLink(id, 1, 4);
    }

    function test_disputeLink_notChallenger_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitTraceChoice, 0);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, solver, challenger));
        vm.prank(solver);
        game.disputeLink(id, 0, 0);
    }

    function _linkProof(uint256 id, TraceView memory v) internal view returns (LinkProof memory) {
        Game memory g = game.getGame(id);
        return GameMoves.linkProof(v, g.linkTree, g.linkIndex);
    }

    function _proveLinkReverts(uint256 id, LinkProof memory p, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(solver);
        game.proveLink(id, p);
    }

    function test_proveLink_copyOutputSolverWins_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitLinkProof, 0);
        LinkProof memory p = _linkProof(id, v);
        vm.prank(solver);
        game.proveLink(id, p);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.LinkProven));
    }

    function test_proveLink_paddingLeafIsEmptySolverWins_succeeds() public {
        Fixture memory f = _load("cnn"); // 6 model tensors: leaves 6 and 7 of the model tree are padding
        TraceView memory v = DisputeFixtures.honestView(f, 1);
        uint256 id = _openDispute(f, _honestCommitment(f));
        _revealHonestFinal(id, f);
        _pickStep(id, f.honestHashes, 1);
        _postTrace(id, f, v);
        vm.prank(challenger);
        game.disputeLink(id, 0, 7);
        LinkProof memory p = GameMoves.linkProof(v, 0, 7);
        vm.prank(solver);
        game.proveLink(id, p);
        _assertResolved(id, false);
    }

    function test_proveLink_notTheCopyNode_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitLinkProof, 0);
        LinkProof memory p = _linkProof(id, v); // leaf (0, 1) is copied by node 71
        p.node = 68;
        p.descriptor = v.program[68];
        p.programPath = GameMerkle.proof(v.nodeHashes, 68);
        _proveLinkReverts(id, p, abi.encodeWithSelector(NotACopyNode.selector, 68, 44, 0, 1));
    }

    function test_proveLink_outputNotInTrace_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitLinkProof, 0);
        LinkProof memory p = _linkProof(id, v);
        p.outRoot = v.outRoots[68];
        _proveLinkReverts(id, p, abi.encodeWithSelector(BadProof.selector, ProofKind.Record, 69, 16, 16));
    }

    function test_proveLink_leafNotTheOutput_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitLinkProof, 0);
        LinkProof memory p = _linkProof(id, v);
        p.slotPath[0] = bytes32(uint256(p.slotPath[0]) ^ 1);
        _proveLinkReverts(id, p, abi.encodeWithSelector(BadProof.selector, ProofKind.StateSlot, 1, 2, 2));
    }

    /// @dev A made-up post-state tree holding the right copy output at the disputed leaf: its
    ///      root is not the one behind H[j], so the proof is refused.
    function test_proveLink_rootsNotBehindHj_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitLinkProof, 0);
        LinkProof memory p = _linkProof(id, v); // leaf (0, 1)
        bytes32[] memory fake = new bytes32[](4);
        for (uint256 i = 0; i < 4; i++) fake[i] = v.postModelSlots[i];
        fake[0] = keccak256("another tensor");
        p.postModelRoot = GameMerkle.root(fake);
        p.slotPath = GameMerkle.proof(fake, 1);
        vm.expectPartialRevert(StateHashMismatch.selector);
        vm.prank(solver);
        game.proveLink(id, p);
    }

    function test_proveLink_nodeBeyondProgram_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitLinkProof, 0);
        LinkProof memory p = _linkProof(id, v);
        p.node = 76;
        _proveLinkReverts(id, p, abi.encodeWithSelector(OutOfRange.selector, bytes32("node"), 76, 76));
    }

    ////////////////////////////////////////////////////////////////
    //                        bisection                           //
    ////////////////////////////////////////////////////////////////

    function test_startTrace_fromEmptyAccumulator_succeeds() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitTraceChoice, 0);
        vm.expectEmit(address(game));
        emit TraceBisectionStarted(id, 76, block.timestamp + BANK);
        vm.prank(challenger);
        game.startTrace(id);
        Game memory g = game.getGame(id);
        assertEq(g.accLo, TensorProofs.EMPTY_ACC_ROOT);
        assertEq(g.agreedLen, 0);
        assertEq(g.disputedLen, 76);
        assertEq(_midLen(id), 38);
    }

    function test_startTrace_notChallenger_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitTraceChoice, 0);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, solver, challenger));
        vm.prank(solver);
        game.startTrace(id);
    }

    /// @dev Whatever the challenger answers, the interval closes on one record after
    ///      floor(log2 78) = 6 to ceil(log2 78) = 7 rounds, every midpoint strictly inside it.
    function test_chooseAcc_anyAnswers_closeWithinCeilLog2Rounds_succeeds(uint256 answers) public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitAcc, 0);
        uint256 rounds;
        while (game.getGame(id).phase == Phase.AwaitAcc) {
            Game memory g = game.getGame(id);
            uint32 mid = _midLen(id);
            assertGt(mid, g.agreedLen);
            assertLt(mid, g.disputedLen);
            bytes32 a = GameMoves.acc(v, mid);
            vm.prank(solver);
            game.revealAcc(id, a);
            vm.prank(challenger);
            game.chooseAcc(id, (answers >> rounds) & 1 == 1);
            rounds++;
        }
        Game memory end = game.getGame(id);
        assertGe(rounds, 6);
        assertLe(rounds, 7);
        assertEq(end.disputedLen, end.agreedLen + 1);
        assertEq(uint8(end.phase), uint8(Phase.AwaitRecord));
        assertEq(end.accLo, GameMoves.acc(v, end.agreedLen));
        assertEq(end.accHi, GameMoves.acc(v, end.disputedLen));
    }

    function test_revealAcc_notSolver_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitAcc, 0);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, challenger, solver));
        vm.prank(challenger);
        game.revealAcc(id, bytes32(0));
    }

    function test_chooseAcc_beforeReveal_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitAcc, 0);
        vm.expectRevert(abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitAccChoice, Phase.AwaitAcc));
        vm.prank(challenger);
        game.chooseAcc(id, true);
    }

    function test_revealAcc_afterIntervalClosed_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitRecord, RELU_NODE);
        vm.expectRevert(abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitAcc, Phase.AwaitRecord));
        vm.prank(solver);
        game.revealAcc(id, bytes32(0));
    }

    ////////////////////////////////////////////////////////////////
    //                       revealRecord                         //
    ////////////////////////////////////////////////////////////////

    function _recordReverts(uint256 id, RecordReveal memory r, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(solver);
        game.revealRecord(id, r);
    }

    function test_revealRecord_mapOp_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, RELU_NODE);
        RecordReveal memory r = GameMoves.recordReveal(v, RELU_NODE);
        vm.expectEmit(address(game));
        emit RecordRevealed(id, uint32(RELU_NODE), 19, r.outRoot, 24, block.timestamp + BANK);
        vm.prank(solver);
        game.revealRecord(id, r);
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitElementPick));
        assertEq(g.numel, 24);
        assertEq(g.dataRoot, r.dataRoot);
        assertEq(g.nodeHash, v.nodeHashes[RELU_NODE]);
    }

    function test_revealRecord_stateSlotOfPreStateSolverWins_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, STATE_NODE);
        _revealRecord(id, v);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.SourceProven));
    }

    function test_revealRecord_datasetRootInAttrsSolverWins_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, DATASET_NODE);
        _revealRecord(id, v);
        _assertResolved(id, false);
    }

    function test_revealRecord_otherOutputRoot_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, RELU_NODE);
        RecordReveal memory r = GameMoves.recordReveal(v, RELU_NODE);
        r.outRoot = v.outRoots[RELU_NODE - 1];
        _recordReverts(id, r, abi.encodeWithSelector(BadProof.selector, ProofKind.AccInsert, RELU_NODE, 16, 16));
    }

    function test_revealRecord_otherNodesDescriptor_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, RELU_NODE);
        RecordReveal memory r = GameMoves.recordReveal(v, RELU_NODE);
        r.descriptor = v.program[RELU_NODE + 1];
        _recordReverts(id, r, abi.encodeWithSelector(BadProof.selector, ProofKind.ProgramLeaf, RELU_NODE, 7, 7));
    }

    function test_revealRecord_dataRootNotInOutputRoot_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, RELU_NODE);
        RecordReveal memory r = GameMoves.recordReveal(v, RELU_NODE);
        r.dataRoot = bytes32(uint256(r.dataRoot) ^ 1);
        vm.expectPartialRevert(TensorRootMismatch.selector);
        vm.prank(solver);
        game.revealRecord(id, r);
    }

    function test_revealRecord_stateNotInPreState_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, STATE_NODE);
        RecordReveal memory r = GameMoves.recordReveal(v, STATE_NODE);
        r.slotPath[1] = bytes32(uint256(r.slotPath[1]) ^ 1);
        _recordReverts(id, r, abi.encodeWithSelector(BadProof.selector, ProofKind.StateSlot, 1, 2, 2));
    }

    /// @dev Same for a state record: a made-up pre-state tree is not the one behind H[j-1].
    function test_revealRecord_stateRootsNotBehindPreState_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, STATE_NODE);
        RecordReveal memory r = GameMoves.recordReveal(v, STATE_NODE);
        bytes32[] memory fake = new bytes32[](4);
        for (uint256 i = 0; i < 4; i++) fake[i] = v.preModelSlots[i];
        fake[3] = keccak256("another tensor");
        r.preModelRoot = GameMerkle.root(fake);
        r.slotPath = GameMerkle.proof(fake, 1);
        vm.expectPartialRevert(StateHashMismatch.selector);
        vm.prank(solver);
        game.revealRecord(id, r);
    }

    function test_revealRecord_notSolver_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, RELU_NODE);
        RecordReveal memory r = GameMoves.recordReveal(v, RELU_NODE);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, challenger, solver));
        vm.prank(challenger);
        game.revealRecord(id, r);
    }
}

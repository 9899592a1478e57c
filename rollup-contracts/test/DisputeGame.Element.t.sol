// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: short ASCII bound names as bytes32

import {Game, Phase, Reason, ProofKind, Chunk, NodeContext, InputOpening, InputChunk} from "../src/lib/GameTypes.sol";
import "../src/lib/GameErrors.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {TraceView} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSteps} from "./helpers/DisputeGameSteps.sol";

/// @notice pickElement, openElement, postFold, pickAcc, openAcc, oneStep and the end of a
///         dispute: every check and revert. Nodes: relu (map) and matmul (fold, K = 8) of the
///         mlp fixture at transition 2, element 5 and fold step 3 (DisputeGameSteps).
contract DisputeGameElementTest is DisputeGameSteps {
    ////////////////////////////////////////////////////////////////
    //                          element                           //
    ////////////////////////////////////////////////////////////////

    function test_pickElement_lastElement_succeeds() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitElementPick, RELU_NODE);
        vm.expectEmit(address(game));
        emit ElementPicked(id, 23, block.timestamp + BANK);
        vm.prank(challenger);
        game.pickElement(id, 23);
        assertEq(game.getGame(id).element, 23);
    }

    function test_pickElement_beyondPaddedCapacity_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitElementPick, RELU_NODE);
        // 24 elements: one chunk, whose slots 24..255 are padding; nothing beyond it
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("element"), 256, 256));
        vm.prank(challenger);
        game.pickElement(id, 256);
    }

    function test_openElement_zeroPaddingSolverWins_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementPick, RELU_NODE);
        vm.prank(challenger);
        game.pickElement(id, 24);
        Chunk memory c = GameMoves.chunkOf(v.outputs[RELU_NODE], 24);
        vm.expectEmit(address(game));
        emit ElementOpened(id, 24, 0, false, block.timestamp + BANK);
        vm.prank(solver);
        game.openElement(id, c);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    function test_openElement_mapOp_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementOpen, RELU_NODE);
        Chunk memory c = GameMoves.chunkOf(v.outputs[RELU_NODE], 5);
        uint32 value = GameMerkle.at(v.outputs[RELU_NODE], 5);
        vm.expectEmit(address(game));
        emit ElementOpened(id, 5, value, false, block.timestamp + BANK);
        vm.prank(solver);
        game.openElement(id, c);
        Game memory g = game.getGame(id);
        assertEq(g.value, value);
        assertEq(uint8(g.phase), uint8(Phase.AwaitOneStep));
    }

    function test_openElement_foldOp_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementOpen, MATMUL_NODE);
        Chunk memory c = GameMoves.chunkOf(v.outputs[MATMUL_NODE], 5);
        vm.prank(solver);
        game.openElement(id, c);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitFold));
    }

    function test_openElement_flippedChunkByte_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementOpen, RELU_NODE);
        Chunk memory c = GameMoves.chunkOf(v.outputs[RELU_NODE], 5);
        c.data[20] ^= 0x01; // element 5, the opened value itself
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.Chunk, 0, 0, 0));
        vm.prank(solver);
        game.openElement(id, c);
    }

    function test_openElement_wrongChunkIndex_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementOpen, RELU_NODE);
        Chunk memory c = GameMoves.chunkOf(v.outputs[RELU_NODE], 5);
        c.index = 1;
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.Chunk, 0, 0, 0));
        vm.prank(solver);
        game.openElement(id, c);
    }

    ////////////////////////////////////////////////////////////////
    //                           fold                             //
    ////////////////////////////////////////////////////////////////

    function _foldArgs(TraceView memory v, bytes memory seq)
        internal
        pure
        returns (NodeContext memory nc, bytes32 root, Chunk memory first, Chunk memory last)
    {
        nc = GameMoves.nodeContext(v, MATMUL_NODE);
        root = GameMerkle.dataRoot(seq);
        first = GameMoves.chunkOf(seq, 0);
        last = GameMoves.chunkOf(seq, seq.length / 4 - 1);
    }

    function test_postFold_honestSequence_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFold, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        assertEq(seq.length, 4 * 9, "matmul [4,8]x[8,6]: K = 8");
        (NodeContext memory nc, bytes32 root, Chunk memory first, Chunk memory last) = _foldArgs(v, seq);
        uint32[] memory shape = new uint32[](1);
        shape[0] = 9;
        vm.expectEmit(address(game));
        emit FoldPosted(id, GameMerkle.tensorRoot(shape, root), 8, block.timestamp + BANK);
        vm.prank(solver);
        game.postFold(id, nc, root, first, last);
        Game memory g = game.getGame(id);
        assertEq(g.foldLen, 8);
        assertEq(g.foldDataRoot, root);
    }

    function test_postFold_firstNotInit_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFold, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        seq[0] = 0x01; // acc_0 = 1 ulp instead of +0
        (NodeContext memory nc, bytes32 root, Chunk memory first, Chunk memory last) = _foldArgs(v, seq);
        vm.expectRevert(abi.encodeWithSelector(ValueMismatch.selector, "acc_0", 0, 1));
        vm.prank(solver);
        game.postFold(id, nc, root, first, last);
    }

    function test_postFold_lastNotOpenedValue_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFold, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        uint32 value = game.getGame(id).value;
        seq[32] ^= 0x01; // acc_8, low byte
        (NodeContext memory nc, bytes32 root, Chunk memory first, Chunk memory last) = _foldArgs(v, seq);
        vm.expectRevert(abi.encodeWithSelector(ValueMismatch.selector, "acc_K", value, value ^ 1));
        vm.prank(solver);
        game.postFold(id, nc, root, first, last);
    }

    function test_postFold_otherNodesContext_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFold, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        (NodeContext memory nc, bytes32 root, Chunk memory first, Chunk memory last) = _foldArgs(v, seq);
        nc.descriptor = v.program[MATMUL_NODE + 3];
        vm.expectPartialRevert(NodeHashMismatch.selector);
        vm.prank(solver);
        game.postFold(id, nc, root, first, last);
    }

    function test_postFold_inputDescriptorNotInProgram_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFold, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        (NodeContext memory nc, bytes32 root, Chunk memory first, Chunk memory last) = _foldArgs(v, seq);
        nc.inputDescriptors[1] = v.program[1]; // [6] bias instead of the [8, 6] kernel
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.ProgramLeaf, 0, 7, 7));
        vm.prank(solver);
        game.postFold(id, nc, root, first, last);
    }

    function test_pickAcc_lastStep_succeeds() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitFoldPick, MATMUL_NODE);
        vm.prank(challenger);
        game.pickAcc(id, 7);
        assertEq(game.getGame(id).foldIndex, 7);
    }

    function test_pickAcc_beyondFold_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitFoldPick, MATMUL_NODE);
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("fold step"), 8, 8));
        vm.prank(challenger);
        game.pickAcc(id, 8);
    }

    function test_openAcc_honest_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFoldOpen, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        Chunk memory a = GameMoves.chunkOf(seq, 3);
        vm.expectEmit(address(game));
        emit FoldStepOpened(id, 3, GameMerkle.at(seq, 3), GameMerkle.at(seq, 4), block.timestamp + BANK);
        vm.prank(solver);
        game.openAcc(id, a, a);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitOneStep));
    }

    function test_openAcc_flippedAccumulator_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFoldOpen, MATMUL_NODE);
        Chunk memory a = GameMoves.chunkOf(_seq(id, v), 3);
        a.data[16] ^= 0x80; // acc_4
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.Chunk, 0, 0, 0));
        vm.prank(solver);
        game.openAcc(id, a, a);
    }

    ////////////////////////////////////////////////////////////////
    //                         one-step                           //
    ////////////////////////////////////////////////////////////////

    function test_oneStep_mapByAnyoneSolverWins_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, RELU_NODE);
        uint32 value = game.getGame(id).value;
        vm.expectEmit(address(game));
        emit OneStepExecuted(id, 19, value, value);
        _oneStep(id, v, stranger);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.OneStep));
    }

    function test_oneStep_foldStepSolverWins_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, MATMUL_NODE);
        _oneStep(id, v, challenger);
        _assertResolved(id, false);
    }

    function _oneStepArgs(TraceView memory v, uint256 node)
        internal
        pure
        returns (NodeContext memory nc, InputOpening[] memory ins, InputChunk[] memory chunks)
    {
        nc = GameMoves.nodeContext(v, node);
        ins = GameMoves.inputOpenings(v, node);
        chunks = GameMoves.inputChunks(v, node);
    }

    function test_oneStep_inputNotInAgreedTrace_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, MATMUL_NODE);
        (NodeContext memory nc, InputOpening[] memory ins, InputChunk[] memory chunks) = _oneStepArgs(v, MATMUL_NODE);
        ins[0].recordPath = GameMerkle.accPath(v.records, 10, 20); // proof against a later accumulator
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.Record, 10, 16, 16));
        game.oneStep(id, nc, ins, chunks);
    }

    function test_oneStep_missingChunk_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, RELU_NODE);
        (NodeContext memory nc, InputOpening[] memory ins,) = _oneStepArgs(v, RELU_NODE);
        vm.expectRevert(abi.encodeWithSelector(MissingRead.selector, 0, 5));
        game.oneStep(id, nc, ins, new InputChunk[](0));
    }

    function test_oneStep_dataRootNotInOutputRoot_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, RELU_NODE);
        (NodeContext memory nc, InputOpening[] memory ins, InputChunk[] memory chunks) = _oneStepArgs(v, RELU_NODE);
        ins[0].dataRoot = bytes32(uint256(ins[0].dataRoot) ^ 1);
        vm.expectPartialRevert(TensorRootMismatch.selector);
        game.oneStep(id, nc, ins, chunks);
    }

    function test_oneStep_tooFewOpenings_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, MATMUL_NODE);
        (NodeContext memory nc,, InputChunk[] memory chunks) = _oneStepArgs(v, MATMUL_NODE);
        vm.expectRevert(abi.encodeWithSelector(InputCountMismatch.selector, 2, 1));
        game.oneStep(id, nc, new InputOpening[](1), chunks);
    }

    function test_oneStep_chunkOfOtherInput_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, MATMUL_NODE);
        (NodeContext memory nc, InputOpening[] memory ins, InputChunk[] memory chunks) = _oneStepArgs(v, MATMUL_NODE);
        chunks[0].input = 1; // input 0's chunk presented as input 1's
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.Chunk, 0, 0, 0));
        game.oneStep(id, nc, ins, chunks);
    }

    ////////////////////////////////////////////////////////////////
    //                    after resolution                        //
    ////////////////////////////////////////////////////////////////

    function test_moves_afterResolution_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, RELU_NODE);
        _oneStep(id, v, challenger);
        (NodeContext memory nc, InputOpening[] memory ins, InputChunk[] memory chunks) = _oneStepArgs(v, RELU_NODE);
        vm.expectRevert(abi.encodeWithSelector(DisputeResolved.selector, id));
        game.oneStep(id, nc, ins, chunks);
        vm.expectRevert(abi.encodeWithSelector(DisputeResolved.selector, id));
        vm.prank(challenger);
        game.pickElement(id, 0);
        vm.warp(block.timestamp + 10 * BANK);
        vm.expectRevert(abi.encodeWithSelector(DisputeResolved.selector, id));
        game.claimTimeout(id);
        assertEq(uint8(market.getDispute(id).status), 3, "market saw exactly one SolverWon");
    }
}

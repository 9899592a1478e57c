// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

import {Commitment, JobParams} from "../src/interfaces/IDisputeGame.sol";
import {
    Game,
    Phase,
    TracePost,
    RecordReveal,
    LinkProof,
    Chunk,
    NodeContext,
    InputOpening,
    InputChunk
} from "../src/lib/GameTypes.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {Fixture, TraceView} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSteps} from "./helpers/DisputeGameSteps.sol";

/// @notice Damage: one flipped bit anywhere in a move's proofs, operands or claimed values makes
///         the move revert; a flipped bit in a bare claim the game cannot check on the spot (a
///         revealed accumulator) makes its author lose later.
contract DisputeGameDamageTest is DisputeGameSteps {
    ////////////////////////////////////////////////////////////////
    //                        bit flippers                        //
    ////////////////////////////////////////////////////////////////

    function _flip(bytes32 x, uint256 bit) internal pure returns (bytes32) {
        return x ^ bytes32(uint256(1) << (bit % 256));
    }

    function _flipBytes(bytes memory b, uint256 where) internal pure {
        uint256 bit = where % (8 * b.length);
        b[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
    }

    function _flipPath(bytes32[] memory path, uint256 where) internal pure {
        path[(where >> 8) % path.length] = _flip(path[(where >> 8) % path.length], where);
    }

    function _flipChunk(Chunk memory c, uint256 where) internal pure {
        uint256 field = where % 3;
        where /= 3;
        if (field == 0 || c.path.length == 0) _flipBytes(c.data, where);
        else if (field == 1) _flipPath(c.path, where);
        else c.index ^= uint32(1) << uint32(where % 32);
    }

    function _flipContext(NodeContext memory nc, uint256 where) internal pure {
        uint256 field = where % 3;
        uint256 s = (where >> 2) % nc.inputDescriptors.length;
        where >>= 8;
        if (field == 0) _flipBytes(nc.descriptor, where);
        else if (field == 1) _flipBytes(nc.inputDescriptors[s], where);
        else _flipPath(nc.inputProgramPaths[s], where);
    }

    ////////////////////////////////////////////////////////////////
    //                 steps 1-4: final .. record                 //
    ////////////////////////////////////////////////////////////////

    /// forge-config: default.fuzz.runs = 64
    function test_revealFinal_flippedBit_reverts(uint256 where) public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitFinal, 0);
        JobParams memory p = _params(f);
        Commitment memory c = _honestCommitment(f);
        bytes32 m = GameMerkle.root(f.honest[f.numSteps].modelSlots);
        bytes32 o = GameMerkle.root(f.honest[f.numSteps].optSlots);
        bytes32[] memory path = GameMerkle.proof(f.honestHashes, f.numSteps);
        uint256 field = where % 4;
        if (field == 0) m = _flip(m, where >> 2);
        else if (field == 1) o = _flip(o, where >> 2);
        else if (field == 2) _flipPath(path, where >> 2);
        else c.stepsRoot = _flip(c.stepsRoot, where >> 2); // not the commitment open() saw
        vm.expectRevert();
        vm.prank(solver);
        game.revealFinal(id, p, c, m, o, path);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_pickStep_flippedBit_reverts(uint256 where) public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        bytes32[] memory h = f.honestHashes;
        bytes32 pre = h[STEP - 1];
        bytes32 post = h[STEP];
        bytes32[] memory prePath = GameMerkle.proof(h, STEP - 1);
        bytes32[] memory postPath = GameMerkle.proof(h, STEP);
        uint256 field = where % 4;
        if (field == 0) pre = _flip(pre, where >> 2);
        else if (field == 1) post = _flip(post, where >> 2);
        else if (field == 2) _flipPath(prePath, where >> 2);
        else _flipPath(postPath, where >> 2);
        vm.expectRevert();
        vm.prank(challenger);
        game.pickStep(id, STEP, pre, prePath, post, postPath);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_postTrace_flippedBit_reverts(uint256 where) public {
        (uint256 id, Fixture memory f, TraceView memory v) = _advanceTo(Phase.AwaitTrace, 0);
        TracePost memory t = GameMoves.tracePost(f, v);
        uint256 field = where % 11;
        where /= 11;
        if (field == 0) t.preModelRoot = _flip(t.preModelRoot, where);
        else if (field == 1) t.preOptRoot = _flip(t.preOptRoot, where);
        else if (field == 2) t.postModelRoot = _flip(t.postModelRoot, where);
        else if (field == 3) t.postOptRoot = _flip(t.postOptRoot, where);
        else if (field == 4) t.programInitRoot = _flip(t.programInitRoot, where);
        else if (field == 5) t.programStepRoot = _flip(t.programStepRoot, where);
        else if (field == 6) _flipBytes(t.lastCopy, where);
        else if (field == 7) _flipPath(t.lastCopyPath, where);
        else if (field == 8) _flipPath(t.endPath, where);
        else if (field == 9) _flipBytes(t.modelTailCopy, where);
        else _flipPath(t.modelTailPath, where);
        vm.expectRevert();
        vm.prank(solver);
        game.postTrace(id, t);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_revealRecord_flippedBit_reverts(uint256 where, bool stateNode) public {
        uint256 node = stateNode ? STATE_NODE : MATMUL_NODE;
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitRecord, node);
        RecordReveal memory r = GameMoves.recordReveal(v, node);
        uint256 field = where % 8;
        where /= 8;
        if (field == 0) _flipBytes(r.descriptor, where);
        else if (field == 1) r.outRoot = _flip(r.outRoot, where);
        else if (field == 2) _flipPath(r.accPath, where);
        else if (field == 3) _flipPath(r.programPath, where);
        else if (!stateNode) r.dataRoot = _flip(r.dataRoot, where); // unused by state nodes
        else if (field == 4) _flipPath(r.slotPath, where);
        else if (field == 5) r.preModelRoot = _flip(r.preModelRoot, where);
        else r.preOptRoot = _flip(r.preOptRoot, where);
        vm.expectRevert();
        vm.prank(solver);
        game.revealRecord(id, r);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_proveLink_flippedBit_reverts(uint256 where) public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitLinkProof, 0);
        Game memory g = game.getGame(id);
        LinkProof memory p = GameMoves.linkProof(v, g.linkTree, g.linkIndex);
        uint256 field = where % 8;
        where /= 8;
        if (field == 0) p.node ^= uint32(1) << uint32(where % 32);
        else if (field == 1) _flipBytes(p.descriptor, where);
        else if (field == 2) p.outRoot = _flip(p.outRoot, where);
        else if (field == 3) _flipPath(p.recordPath, where);
        else if (field == 4) _flipPath(p.programPath, where);
        else if (field == 5) p.postModelRoot = _flip(p.postModelRoot, where);
        else if (field == 6) p.postOptRoot = _flip(p.postOptRoot, where);
        else _flipPath(p.slotPath, where);
        vm.expectRevert();
        vm.prank(solver);
        game.proveLink(id, p);
    }

    /// @dev The game cannot check a revealed accumulator on the spot; a damaged one is simply a
    ///      wrong claim: the honest challenger disagrees and the solver, honest otherwise, cannot
    ///      connect its records to it and runs out of time.
    /// forge-config: default.fuzz.runs = 64
    function test_revealAcc_flippedBitSolverLoses_succeeds(uint256 where, uint8 round) public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitAcc, 0);
        uint256 damaged = round % 6; // the interval of 78 records takes 6 or 7 rounds
        for (uint256 r = 0; game.getGame(id).phase == Phase.AwaitAcc; r++) {
            uint32 mid = _midLen(id);
            bytes32 honest = GameMoves.acc(v, mid);
            bytes32 a = r == damaged ? _flip(honest, where) : honest;
            vm.prank(solver);
            game.revealAcc(id, a);
            vm.prank(challenger);
            game.chooseAcc(id, a == honest);
        }
        RecordReveal memory rec = GameMoves.recordReveal(v, game.getGame(id).agreedLen);
        vm.expectRevert();
        vm.prank(solver);
        game.revealRecord(id, rec);
        _timeOut(id);
        _assertResolved(id, true);
    }

    ////////////////////////////////////////////////////////////////
    //              steps 5-6: element, fold, one-step            //
    ////////////////////////////////////////////////////////////////

    /// forge-config: default.fuzz.runs = 64
    function test_openElement_flippedBit_reverts(uint256 where) public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementOpen, MATMUL_NODE);
        Chunk memory c = GameMoves.chunkOf(v.outputs[MATMUL_NODE], 5);
        _flipChunk(c, where);
        vm.expectRevert();
        vm.prank(solver);
        game.openElement(id, c);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_postFold_flippedBit_reverts(uint256 where) public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFold, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        NodeContext memory nc = GameMoves.nodeContext(v, MATMUL_NODE);
        bytes32 root = GameMerkle.dataRoot(seq);
        Chunk memory first = GameMoves.chunkOf(seq, 0);
        Chunk memory last = GameMoves.chunkOf(seq, 8);
        uint256 field = where % 4;
        where /= 4;
        if (field == 0) _flipContext(nc, where);
        else if (field == 1) root = _flip(root, where);
        else if (field == 2) _flipChunk(first, where);
        else _flipChunk(last, where);
        vm.expectRevert();
        vm.prank(solver);
        game.postFold(id, nc, root, first, last);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_openAcc_flippedBit_reverts(uint256 where) public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitFoldOpen, MATMUL_NODE);
        bytes memory seq = _seq(id, v);
        Chunk memory a = GameMoves.chunkOf(seq, 3);
        _flipChunk(a, where);
        vm.expectRevert();
        vm.prank(solver);
        game.openAcc(id, a, a);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_oneStep_flippedBit_reverts(uint256 where, bool fold) public {
        uint256 node = fold ? MATMUL_NODE : RELU_NODE;
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitOneStep, node);
        NodeContext memory nc = GameMoves.nodeContext(v, node);
        InputOpening[] memory ins = GameMoves.inputOpenings(v, node);
        InputChunk[] memory chunks = GameMoves.inputChunks(v, node);
        uint256 field = where % 5;
        uint256 s = (where >> 3) % ins.length;
        where >>= 8;
        if (field == 0) _flipContext(nc, where);
        else if (field == 1) ins[s].outRoot = _flip(ins[s].outRoot, where);
        else if (field == 2) ins[s].dataRoot = _flip(ins[s].dataRoot, where);
        else if (field == 3) _flipPath(ins[s].recordPath, where);
        else _flipChunk(chunks[s].chunk, where);
        vm.expectRevert();
        game.oneStep(id, nc, ins, chunks);
    }
}

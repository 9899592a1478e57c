// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

import {Game, Phase, Side, Reason} from "../src/lib/GameTypes.sol";
import "../src/lib/GameErrors.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {RecordReveal, LinkProof} from "../src/lib/GameTypes.sol";
import {GameMoves} from "./helpers/GameMoves.sol";
import {Fixture, FxVariant, TraceView, DisputeFixtures} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSteps} from "./helpers/DisputeGameSteps.sol";
import {DisputeGameSynth} from "./helpers/DisputeGameSynth.sol";

/// @notice The data sub-game: a challenger that cannot get the solver's tensor makes the solver
///         reveal its data tree down to one chunk. Multi-level trees come from a hand-built
///         600-element tensor (3 chunks, a 4-leaf tree whose leaf 3 is padding).
contract DisputeGameDataTest is DisputeGameSynth, DisputeGameSteps {
    /// @dev fill600 disputed at node 0, waiting for the challenger's pick.
    function _atPick(bytes memory garbage) internal returns (uint256 id, TraceView memory v) {
        v = _fill600(garbage);
        (id,) = _dispute(v, true);
        _steerTo(id, v, 0);
        _revealRecord(id, v);
    }

    function test_requestData_threeChunkOutput_succeeds() public {
        (uint256 id,) = _atPick("");
        vm.expectEmit(address(game));
        emit DataRequested(id, 0, 2, block.timestamp + BANK);
        vm.prank(challenger);
        game.requestData(id);
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitDataChildren));
        assertEq(g.dataNode, g.dataRoot);
        (Side s,) = _mover(id);
        assertEq(uint8(s), uint8(Side.Solver));
    }

    function test_requestData_singleChunkOutput_goesToChunk_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementPick, RELU_NODE);
        vm.prank(challenger);
        game.requestData(id);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitDataChunk));
        bytes memory chunk = GameMerkle.chunk(v.outputs[RELU_NODE], 0);
        vm.expectEmit(address(game));
        emit DataChunkRevealed(id, 0, 0, chunk, block.timestamp + BANK);
        vm.prank(solver);
        game.revealChunk(id, chunk);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitElementPick));
    }

    function test_requestData_foldSequence_succeeds() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitFoldPick, MATMUL_NODE);
        vm.expectEmit(address(game));
        emit DataRequested(id, 1, 0, block.timestamp + BANK);
        vm.prank(challenger);
        game.requestData(id);
        assertEq(game.getGame(id).dataNode, game.getGame(id).foldDataRoot);
    }

    function test_requestData_twice_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementPick, RELU_NODE);
        vm.prank(challenger);
        game.requestData(id);
        bytes memory chunk = GameMerkle.chunk(v.outputs[RELU_NODE], 0);
        vm.prank(solver);
        game.revealChunk(id, chunk);
        vm.expectRevert(abi.encodeWithSelector(DataAlreadyRequested.selector, 0));
        vm.prank(challenger);
        game.requestData(id);
    }

    function test_requestData_notChallenger_reverts() public {
        (uint256 id,) = _atPick("");
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, solver, challenger));
        vm.prank(solver);
        game.requestData(id);
    }

    function test_requestData_beforeRecord_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitRecord, RELU_NODE);
        vm.expectRevert(abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitElementPick, Phase.AwaitRecord));
        vm.prank(challenger);
        game.requestData(id);
    }

    function test_revealChildren_notTheChildren_reverts() public {
        (uint256 id, TraceView memory v) = _atPick("");
        vm.prank(challenger);
        game.requestData(id);
        bytes32[] memory leaves = GameMerkle.chunkLeaves(v.outputs[0]);
        bytes32 l = GameMerkle.node(leaves, 1, 0);
        bytes32 r = GameMerkle.node(leaves, 1, 1);
        bytes32 root = game.getGame(id).dataNode;
        vm.expectRevert(abi.encodeWithSelector(DataNodeMismatch.selector, root, sha256(abi.encodePacked(r, l))));
        vm.prank(solver);
        game.revealChildren(id, r, l); // swapped
    }

    function test_revealChunk_otherChunk_reverts() public {
        (uint256 id, TraceView memory v) = _atPick("");
        vm.prank(challenger);
        game.requestData(id);
        bytes32[] memory leaves = GameMerkle.chunkLeaves(v.outputs[0]);
        _revealChildren(id, leaves);
        vm.prank(challenger);
        game.chooseChild(id, false);
        _revealChildren(id, leaves);
        vm.prank(challenger);
        game.chooseChild(id, true); // leaf 1
        bytes memory chunk2 = GameMerkle.chunk(v.outputs[0], 2); // chunks 0 and 1 are equal (all 1.0)
        vm.expectRevert(abi.encodeWithSelector(DataNodeMismatch.selector, leaves[1], sha256(chunk2)));
        vm.prank(solver);
        game.revealChunk(id, chunk2);
    }

    function test_chooseChild_emptyPaddingLeafSolverWins_succeeds() public {
        (uint256 id, TraceView memory v) = _atPick("");
        bytes32[] memory leaves = GameMerkle.chunkLeaves(v.outputs[0]);
        vm.prank(challenger);
        game.requestData(id);
        for (uint256 i = 0; i < 2; i++) {
            _revealChildren(id, leaves);
            vm.prank(challenger);
            game.chooseChild(id, true); // leaf 3: padding
        }
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    /// @dev A solver whose data tree has a nonzero padding leaf (leaf 3 of the 600-element
    ///      tensor): the honest challenger's descent ends there and wins without a chunk.
    function test_chooseChild_nonzeroPaddingLeafChallengerWins_succeeds() public {
        TraceView memory v = _fill600("");
        bytes32[] memory honest = GameMerkle.chunkLeaves(v.outputs[0]);
        bytes32[] memory leaves = new bytes32[](4);
        (leaves[0], leaves[1], leaves[2], leaves[3]) = (honest[0], honest[1], honest[2], keccak256("junk leaf"));
        bytes32 cheatRoot = GameMerkle.root(leaves);
        for (uint256 i = 0; i < 2; i++) v.outRoots[i] = GameMerkle.tensorRoot(_w(600), cheatRoot);
        v.records = DisputeFixtures.records(v.nodeHashes, v.outRoots);
        v.postModelSlots[0] = v.outRoots[1];
        (uint256 id,) = _dispute(v, true);
        _steerTo(id, v, 0);
        RecordReveal memory r = GameMoves.recordReveal(v, 0);
        r.dataRoot = cheatRoot;
        vm.prank(solver);
        game.revealRecord(id, r);
        vm.prank(challenger);
        game.requestData(id);
        while (game.getGame(id).phase == Phase.AwaitDataChildren) {
            Game memory g = game.getGame(id);
            (bytes32 l,) = _revealChildren(id, leaves);
            bool right = l == GameMerkle.node(honest, g.dataHeight - 1, 2 * uint256(g.dataIndex));
            vm.prank(challenger);
            game.chooseChild(id, right);
        }
        assertEq(game.getGame(id).dataIndex, 3);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    /// @dev Withheld data, garbage in the padding slots: the descent lands on chunk 2, whose
    ///      bytes now sit on chain, and the challenger names the garbage slot.
    function test_descent_garbageInPaddingChallengerWins_succeeds() public {
        bytes memory garbage = new bytes(4 * 101);
        garbage[4 * 100] = 0x78;
        (uint256 id, TraceView memory liar) = _atPick(garbage);
        TraceView memory honest = _fill600("");
        (uint32 leaf, bytes memory chunk) = _descendHonestly(id, liar.outputs[0], honest.outputs[0]);
        assertEq(leaf, 2);
        uint64 e = _firstDiff(leaf, chunk, honest.outputs[0]);
        assertEq(e, 700);
        vm.prank(challenger);
        game.pickElement(id, e);
        _openElement(id, liar);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    function test_claimTimeout_awaitDataChildrenChallengerWins_succeeds() public {
        (uint256 id,) = _atPick("");
        vm.prank(challenger);
        game.requestData(id);
        _timeOut(id);
        _assertResolved(id, true);
    }

    function test_claimTimeout_awaitDataChoiceSolverWins_succeeds() public {
        (uint256 id, TraceView memory v) = _atPick("");
        vm.prank(challenger);
        game.requestData(id);
        _revealChildren(id, GameMerkle.chunkLeaves(v.outputs[0]));
        _timeOut(id);
        _assertResolved(id, false);
    }

    function test_claimTimeout_awaitDataChunkChallengerWins_succeeds() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitElementPick, RELU_NODE);
        vm.prank(challenger);
        game.requestData(id);
        _timeOut(id);
        _assertResolved(id, true);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_revealChildren_flippedBit_reverts(uint256 where, bool right) public {
        (uint256 id, TraceView memory v) = _atPick("");
        vm.prank(challenger);
        game.requestData(id);
        bytes32[] memory leaves = GameMerkle.chunkLeaves(v.outputs[0]);
        bytes32 l = GameMerkle.node(leaves, 1, 0);
        bytes32 r = GameMerkle.node(leaves, 1, 1);
        bytes32 flip = bytes32(uint256(1) << (where % 256));
        if (right) r ^= flip;
        else l ^= flip;
        vm.expectPartialRevert(DataNodeMismatch.selector);
        vm.prank(solver);
        game.revealChildren(id, l, r);
    }

    /// forge-config: default.fuzz.runs = 64
    function test_revealChunk_flippedBit_reverts(uint256 where) public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitElementPick, RELU_NODE);
        vm.prank(challenger);
        game.requestData(id);
        bytes memory chunk = GameMerkle.chunk(v.outputs[RELU_NODE], 0);
        chunk[(where / 8) % 1024] ^= bytes1(uint8(1) << uint8(where % 8));
        vm.expectPartialRevert(DataNodeMismatch.selector);
        vm.prank(solver);
        game.revealChunk(id, chunk);
    }

    ////////////////////////////////////////////////////////////////
    //                  post-state tree descent                   //
    ////////////////////////////////////////////////////////////////

    function _stateTreeArgs(TraceView memory v) internal pure returns (bytes32 m, bytes32 o) {
        m = GameMerkle.root(v.postModelSlots);
        o = GameMerkle.root(v.postOptSlots);
    }

    /// @dev mlp: 4 model tensors (height 2). The descent ends back in AwaitTraceChoice with the
    ///      reached leaf known; an honest solver then proves it.
    function test_requestStateTree_descendThenLinkSolverWins_succeeds() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitTraceChoice, 0);
        (bytes32 m, bytes32 o) = _stateTreeArgs(v);
        vm.expectEmit(address(game));
        emit DataRequested(id, 2, 2, block.timestamp + BANK);
        vm.prank(challenger);
        game.requestStateTree(id, 0, m, o);
        for (uint256 i = 0; i < 2; i++) {
            _revealChildren(id, v.postModelSlots);
            vm.prank(challenger);
            game.chooseChild(id, i == 0); // right, then left: leaf 2
        }
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitTraceChoice));
        assertEq(g.dataIndex, 2);
        vm.prank(challenger);
        game.disputeLink(id, 0, 2);
        LinkProof memory p = GameMoves.linkProof(v, 0, 2);
        vm.prank(solver);
        game.proveLink(id, p);
        _assertResolved(id, false);
    }

    function test_requestStateTree_rootsNotBehindHj_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitTraceChoice, 0);
        (bytes32 m, bytes32 o) = _stateTreeArgs(v);
        vm.expectPartialRevert(StateHashMismatch.selector);
        vm.prank(challenger);
        game.requestStateTree(id, 0, o, m);
    }

    function test_requestStateTree_noSuchTree_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitTraceChoice, 0);
        (bytes32 m, bytes32 o) = _stateTreeArgs(v);
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("tree"), 2, 2));
        vm.prank(challenger);
        game.requestStateTree(id, 2, m, o);
    }

    function test_requestStateTree_twice_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitTraceChoice, 0);
        (bytes32 m, bytes32 o) = _stateTreeArgs(v);
        vm.prank(challenger);
        game.requestStateTree(id, 1, m, o);
        for (uint256 i = 0; i < 2; i++) {
            _revealChildren(id, v.postOptSlots);
            vm.prank(challenger);
            game.chooseChild(id, false);
        }
        vm.expectRevert(abi.encodeWithSelector(DataAlreadyRequested.selector, 3));
        vm.prank(challenger);
        game.requestStateTree(id, 1, m, o);
    }

    /// @dev A one-leaf tree is its own root: nothing to descend.
    function test_requestStateTree_singleLeafTree_reverts() public {
        TraceView memory v = _fill600("");
        (uint256 id,) = _dispute(v, true);
        bytes32 m = GameMerkle.root(v.postModelSlots);
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("state tree height"), 0, 1));
        vm.prank(challenger);
        game.requestStateTree(id, 0, m, bytes32(0));
    }

    function test_requestStateTree_afterBisectionStarted_reverts() public {
        (uint256 id,, TraceView memory v) = _advanceTo(Phase.AwaitAcc, 0);
        (bytes32 m, bytes32 o) = _stateTreeArgs(v);
        vm.expectRevert(abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitTraceChoice, Phase.AwaitAcc));
        vm.prank(challenger);
        game.requestStateTree(id, 0, m, o);
    }

    ////////////////////////////////////////////////////////////////
    //                     stepsRoot descent                      //
    ////////////////////////////////////////////////////////////////

    function test_requestStepsTree_descendToStepThenPick_succeeds() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        vm.expectEmit(address(game));
        emit DataRequested(id, 4, 2, block.timestamp + BANK); // T = 3: 4 leaves
        vm.prank(challenger);
        game.requestStepsTree(id);
        for (uint256 i = 0; i < 2; i++) {
            _revealChildren(id, f.honestHashes);
            vm.prank(challenger);
            game.chooseChild(id, true); // leaf 3 = H[T]
        }
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitStep));
        assertEq(g.dataIndex, 3);
        assertEq(g.dataNode, f.honestHashes[3]);
        _pickStep(id, f.honestHashes, 3);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitTrace));
    }

    function test_requestStepsTree_twice_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        vm.prank(challenger);
        game.requestStepsTree(id);
        for (uint256 i = 0; i < 2; i++) {
            _revealChildren(id, f.honestHashes);
            vm.prank(challenger);
            game.chooseChild(id, false);
        }
        vm.expectRevert(abi.encodeWithSelector(DataAlreadyRequested.selector, 4));
        vm.prank(challenger);
        game.requestStepsTree(id);
    }

    function test_requestStepsTree_notChallenger_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitStep, 0);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, solver, challenger));
        vm.prank(solver);
        game.requestStepsTree(id);
    }

    /// @dev A cheater whose H[2] is wrong and that withholds its hashes: the descent lands on
    ///      step 2 and the challenger's self-built proofs are accepted.
    function test_requestStepsTree_withheldHashes_findsFirstWrongStep_succeeds() public {
        Fixture memory f = _load("mlp");
        FxVariant memory x = f.variants[10]; // an op corrupted at transition 2
        assertEq(x.step, 2);
        uint256 id = _openDispute(f, _variantCommitment(f, x));
        _revealFinal(id, f, _variantCommitment(f, x), x.hashes, x.finalModelSlots, x.finalOptSlots);
        uint64 j = _descendAndPickStep(id, x.hashes, f.honestHashes);
        assertEq(j, 2);
        assertEq(game.getGame(id).postHash, x.hashes[2]);
        assertEq(game.getGame(id).preHash, f.honestHashes[1]);
    }
}

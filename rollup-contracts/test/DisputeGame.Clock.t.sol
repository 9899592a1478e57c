// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Game, Phase, Side, Reason} from "../src/lib/GameTypes.sol";
import "../src/lib/GameErrors.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {Fixture} from "./helpers/DisputeFixtures.sol";
import {DisputeGameSteps} from "./helpers/DisputeGameSteps.sol";

/// @notice Chess clock: in every phase the side to move loses when its bank runs out; banks are
///         charged only for the time their own side held the move.
contract DisputeGameClockTest is DisputeGameSteps {
    /// @dev Reach `p`, let the mover's bank run out, claim the timeout as a stranger.
    function _timeoutIn(Phase p, uint256 node, bool challengerShouldWin) internal {
        (uint256 id,,) = _advanceTo(p, node);
        (Side mover,) = _mover(id);
        assertEq(mover == Side.Solver, challengerShouldWin, "wrong side to move");
        vm.expectEmit(address(game));
        emit TimedOut(id, mover);
        _timeOut(id);
        _assertResolved(id, challengerShouldWin);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Timeout));
    }

    function test_claimTimeout_awaitFinalChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitFinal, 0, true);
    }

    function test_claimTimeout_awaitStepSolverWins_succeeds() public {
        _timeoutIn(Phase.AwaitStep, 0, false);
    }

    function test_claimTimeout_awaitTraceChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitTrace, 0, true);
    }

    function test_claimTimeout_awaitTraceChoiceSolverWins_succeeds() public {
        _timeoutIn(Phase.AwaitTraceChoice, 0, false);
    }

    function test_claimTimeout_awaitLinkProofChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitLinkProof, 0, true);
    }

    function test_claimTimeout_awaitAccChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitAcc, 0, true);
    }

    function test_claimTimeout_awaitAccChoiceSolverWins_succeeds() public {
        _timeoutIn(Phase.AwaitAccChoice, 0, false);
    }

    function test_claimTimeout_awaitRecordChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitRecord, RELU_NODE, true);
    }

    function test_claimTimeout_awaitElementPickSolverWins_succeeds() public {
        _timeoutIn(Phase.AwaitElementPick, RELU_NODE, false);
    }

    function test_claimTimeout_awaitElementOpenChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitElementOpen, RELU_NODE, true);
    }

    function test_claimTimeout_awaitFoldChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitFold, MATMUL_NODE, true);
    }

    function test_claimTimeout_awaitFoldPickSolverWins_succeeds() public {
        _timeoutIn(Phase.AwaitFoldPick, MATMUL_NODE, false);
    }

    function test_claimTimeout_awaitFoldOpenChallengerWins_succeeds() public {
        _timeoutIn(Phase.AwaitFoldOpen, MATMUL_NODE, true);
    }

    function test_claimTimeout_awaitOneStepMapSolverWins_succeeds() public {
        _timeoutIn(Phase.AwaitOneStep, RELU_NODE, false);
    }

    function test_claimTimeout_awaitOneStepFoldSolverWins_succeeds() public {
        _timeoutIn(Phase.AwaitOneStep, MATMUL_NODE, false);
    }

    function test_claimTimeout_atDeadline_reverts() public {
        (uint256 id,,) = _advanceTo(Phase.AwaitStep, 0);
        uint256 deadline = game.deadlineOf(id);
        vm.warp(deadline - 100);
        vm.expectRevert(abi.encodeWithSelector(ClockRunning.selector, id, Side.Challenger, 100));
        game.claimTimeout(id);
        vm.warp(deadline); // the last second still belongs to the mover
        vm.expectRevert(abi.encodeWithSelector(ClockRunning.selector, id, Side.Challenger, 0));
        game.claimTimeout(id);
    }

    function test_move_afterOwnBankRanOut_reverts() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitStep, 0);
        vm.warp(game.deadlineOf(id) + 7);
        bytes32[] memory prePath = GameMerkle.proof(f.honestHashes, 0);
        bytes32[] memory path = GameMerkle.proof(f.honestHashes, 1);
        vm.expectRevert(abi.encodeWithSelector(ClockExpired.selector, id, Side.Challenger, 7));
        vm.prank(challenger);
        game.pickStep(id, 1, f.honestHashes[0], prePath, f.honestHashes[1], path);
    }

    /// @dev Each side's bank is one budget for all its moves, charged only while it holds the move.
    function test_banks_chargeOnlyTheMover_succeeds() public {
        (uint256 id, Fixture memory f,) = _advanceTo(Phase.AwaitFinal, 0);
        vm.warp(block.timestamp + 10 minutes);
        _revealHonestFinal(id, f); // solver used 10 min
        assertEq(game.deadlineOf(id), block.timestamp + BANK, "challenger's bank is untouched");
        vm.warp(block.timestamp + 25 minutes);
        _pickStep(id, f.honestHashes, STEP); // challenger used 25 min
        Game memory g = game.getGame(id);
        assertEq(g.solverBank, BANK - 10 minutes);
        assertEq(g.challengerBank, BANK - 25 minutes);
        assertEq(game.deadlineOf(id), block.timestamp + BANK - 10 minutes, "solver has 50 min left");
        vm.warp(block.timestamp + 50 minutes);
        vm.expectRevert(abi.encodeWithSelector(ClockRunning.selector, id, Side.Solver, 0));
        game.claimTimeout(id);
        vm.warp(block.timestamp + 1);
        game.claimTimeout(id);
        _assertResolved(id, true);
    }
}

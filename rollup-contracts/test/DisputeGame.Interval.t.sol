// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: step and leaf indices of a 10-step fixture

import {console} from "forge-std/console.sol";
import {Commitment, JobParams} from "../src/interfaces/IDisputeGame.sol";
import {Game, Phase, Side, Reason, ProofKind} from "../src/lib/GameTypes.sol";
import "../src/lib/GameErrors.sol";
import {BadHashInterval} from "../src/lib/JobMarketErrors.sol";
import {GameMerkle} from "./helpers/GameMerkle.sol";
import {Fixture, FxVariant, DisputeFixtures} from "./helpers/DisputeFixtures.sol";
import {DisputeGamePlayers} from "./helpers/DisputeGamePlayers.sol";

/// @notice Hash interval K = 4 on the real 10-step MLP run (fixtures/mlp10.abi): the steps tree
///         commits H0, H4, H8, H10 (M = 3); pickStep names a leaf, postMids / pickMid narrow its
///         interval to one transition, and from there the game is the K = 1 game.
contract DisputeGameIntervalTest is DisputeGamePlayers {
    function setUp() public override {
        super.setUp();
        hashInterval = 4;
    }

    function _fx() internal view returns (Fixture memory) {
        return _load("mlp10");
    }

    /// @dev An honest dispute in AwaitStep (the challenger disputes an honest commitment).
    function _atStep() internal returns (uint256 id, Fixture memory f) {
        f = _fx();
        id = _openDispute(f, _honestCommitment(f));
        _revealHonestFinal(id, f);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitStep));
    }

    /// @dev pickStep(m) on the honest leaves, then the interval's honest mids are posted.
    function _atMidPick(uint64 m) internal returns (uint256 id, Fixture memory f, bytes32[] memory mids) {
        (id, f) = _atStep();
        _pickStep(id, _leaves(f.honestHashes), m);
        Game memory g = game.getGame(id);
        mids = _mids(f.honestHashes, g.step, _intervalEnd(g.step, f.numSteps));
        vm.prank(solver);
        game.postMids(id, mids);
    }

    ////////////////////////////////////////////////////////////////
    //                 revealFinal / pickStep                     //
    ////////////////////////////////////////////////////////////////

    function test_revealFinal_leafM_succeeds() public {
        (uint256 id, Fixture memory f) = _atStep();
        Game memory g = game.getGame(id);
        assertEq(g.hashInterval, 4);
        assertEq(g.numSteps, 10);
        assertEq(g.stepsRoot, GameMerkle.root(_leaves(f.honestHashes)));
    }

    /// @dev H[T] proven as leaf T of the per-step tree (the K = 1 position) is not leaf M.
    function test_revealFinal_perStepPath_reverts() public {
        Fixture memory f = _fx();
        Commitment memory c = _honestCommitment(f);
        uint256 id = _openDispute(f, c);
        JobParams memory p = _params(f);
        bytes32 modelRoot = GameMerkle.root(f.honest[10].modelSlots);
        bytes32 optRoot = GameMerkle.root(f.honest[10].optSlots);
        bytes32[] memory path = GameMerkle.proof(f.honestHashes, 10); // depth 4, the tree has depth 2
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.StepsLeaf, 3, 4, 2));
        vm.prank(solver);
        game.revealFinal(id, p, c, modelRoot, optRoot, path);
    }

    function test_pickStep_interval_succeeds() public {
        (uint256 id, Fixture memory f) = _atStep();
        bytes32[] memory leaves = _leaves(f.honestHashes);
        vm.expectEmit(address(game));
        emit IntervalPicked(id, 2, 4, 8, f.honestHashes[4], f.honestHashes[8], block.timestamp + BANK);
        _pickStep(id, leaves, 2);
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitMids));
        assertEq(g.step, 4, "step holds lo while the interval is open");
        assertEq(g.preHash, f.honestHashes[4]);
        assertEq(g.postHash, f.honestHashes[8]);
        (Side s,) = _mover(id);
        assertEq(uint8(s), uint8(Side.Solver));
    }

    /// @dev T = 10 is not a multiple of K = 4: the last interval is (8, 10].
    function test_pickStep_lastShortInterval_succeeds() public {
        (uint256 id, Fixture memory f) = _atStep();
        vm.expectEmit(address(game));
        emit IntervalPicked(id, 3, 8, 10, f.honestHashes[8], f.honestHashes[10], block.timestamp + BANK);
        _pickStep(id, _leaves(f.honestHashes), 3);
        bytes32[] memory mids = _mids(f.honestHashes, 8, 10);
        assertEq(mids.length, 1);
        vm.prank(solver);
        game.postMids(id, mids);
        assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitMidPick));
    }

    /// @dev K = 3 over T = 10: leaves H0 H3 H6 H9 H10, the last interval (9, 10] is one transition.
    function test_pickStep_intervalOfOneSkipsMids_succeeds() public {
        hashInterval = 3;
        (uint256 id, Fixture memory f) = _atStep();
        vm.expectEmit(address(game));
        emit StepPicked(id, 10, f.honestHashes[9], f.honestHashes[10], block.timestamp + BANK);
        _pickStep(id, _leaves(f.honestHashes), 4);
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitTrace));
        assertEq(g.step, 10);
    }

    function test_pickStep_leafZeroIsInit_succeeds() public {
        (uint256 id, Fixture memory f) = _atStep();
        _pickStep(id, _leaves(f.honestHashes), 0);
        Game memory g = game.getGame(id);
        assertEq(uint8(g.phase), uint8(Phase.AwaitTrace));
        assertEq(g.step, 0);
        assertEq(g.preHash, bytes32(0));
        assertEq(g.postHash, f.honestHashes[0]);
    }

    function test_pickStep_beyondLastLeaf_reverts() public {
        (uint256 id,) = _atStep();
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("leaf"), 4, 4));
        vm.prank(challenger);
        game.pickStep(id, 4, bytes32(0), new bytes32[](2), bytes32(0), new bytes32[](2));
    }

    /// @dev H[5] is not committed: it cannot pose as leaf 2 (whose interval would then be shorter).
    function test_pickStep_nonLeafHash_reverts() public {
        (uint256 id, Fixture memory f) = _atStep();
        bytes32[] memory leaves = _leaves(f.honestHashes);
        bytes32[] memory prePath = GameMerkle.proof(leaves, 1);
        bytes32[] memory postPath = GameMerkle.proof(leaves, 2);
        vm.expectRevert(abi.encodeWithSelector(BadProof.selector, ProofKind.StepsLeaf, 2, 2, 2));
        vm.prank(challenger);
        game.pickStep(id, 2, leaves[1], prePath, f.honestHashes[5], postPath);
    }

    /// @dev The data sub-game over stepsRoot descends the M + 1 = 4 leaves (height 2).
    function test_requestStepsTree_descendsLeaves_succeeds() public {
        (uint256 id,) = _atStep();
        vm.prank(challenger);
        game.requestStepsTree(id);
        assertEq(game.getGame(id).dataHeight, 2);
    }

    /// @dev K = 3 on the 10-step run: leaves H0 H3 H6 H9 H10 (M = 4), padded to 8. A solver that
    ///      commits the honest leaves but a nonzero padding leaf baits a replaying verifier (its
    ///      root differs); the descent along the differing child lands on that padding leaf and
    ///      the challenger wins there (`Padding`).
    function test_requestStepsTree_nonZeroPaddingLeaf_challengerWins() public {
        hashInterval = 3;
        Fixture memory f = _fx();
        bytes32[] memory honest = _leaves(f.honestHashes);
        assertEq(honest.length, 5);
        bytes32[] memory bait = new bytes32[](8);
        for (uint256 i = 0; i < 5; i++) bait[i] = honest[i];
        bait[5] = keccak256("bait");
        Commitment memory c = _honestCommitment(f);
        c.stepsRoot = GameMerkle.root(bait);
        uint256 id = _openDispute(f, c);
        _revealFinalFrom(id, f, c, bait, 4);
        _descend(id, bait, honest);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    /// @dev The honest tree's padding leaves are bytes32(0): a challenger that descends into the
    ///      padding loses there.
    function test_requestStepsTree_zeroPaddingLeaf_solverWins() public {
        hashInterval = 3;
        Fixture memory f = _fx();
        bytes32[] memory honest = _leaves(f.honestHashes);
        uint256 id = _openDispute(f, _honestCommitment(f));
        _revealHonestFinal(id, f);
        bytes32[] memory lie = new bytes32[](8);
        for (uint256 i = 0; i < 5; i++) lie[i] = honest[i];
        lie[6] = keccak256("a griefer's idea of padding leaf 6");
        _descend(id, honest, lie);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Padding));
    }

    /// @dev revealFinal with leaf M proven in the given (possibly padded) leaf array.
    function _revealFinalFrom(uint256 id, Fixture memory f, Commitment memory c, bytes32[] memory leaves, uint256 m)
        internal
    {
        JobParams memory p = _params(f);
        bytes32 modelRoot = GameMerkle.root(f.honest[f.numSteps].modelSlots);
        bytes32 optRoot = GameMerkle.root(f.honest[f.numSteps].optSlots);
        bytes32[] memory path = GameMerkle.proof(leaves, m);
        vm.prank(solver);
        game.revealFinal(id, p, c, modelRoot, optRoot, path);
    }

    /// @dev requestStepsTree, then the solver reveals `theirs` and the challenger follows the
    ///      leftmost child that differs from `mine`, until the game leaves the descent.
    function _descend(uint256 id, bytes32[] memory theirs, bytes32[] memory mine) internal {
        vm.prank(challenger);
        game.requestStepsTree(id);
        _followDifferingChild(id, theirs, mine);
    }

    ////////////////////////////////////////////////////////////////
    //                         postMids                           //
    ////////////////////////////////////////////////////////////////

    function test_postMids_wrongLength_reverts() public {
        (uint256 id, Fixture memory f) = _atStep();
        _pickStep(id, _leaves(f.honestHashes), 2);
        bytes32[] memory two = _mids(f.honestHashes, 4, 7);
        vm.expectRevert(abi.encodeWithSelector(BadLength.selector, bytes32("mids"), 2, 3));
        vm.prank(solver);
        game.postMids(id, two);
        bytes32[] memory four = _mids(f.honestHashes, 4, 9);
        vm.expectRevert(abi.encodeWithSelector(BadLength.selector, bytes32("mids"), 4, 3));
        vm.prank(solver);
        game.postMids(id, four);
    }

    function test_postMids_wrongPhase_reverts() public {
        (uint256 id, Fixture memory f) = _atStep();
        bytes32[] memory mids = _mids(f.honestHashes, 4, 8);
        vm.expectRevert(abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitMids, Phase.AwaitStep));
        vm.prank(solver);
        game.postMids(id, mids);
    }

    function test_postMids_wrongSender_reverts() public {
        (uint256 id, Fixture memory f) = _atStep();
        _pickStep(id, _leaves(f.honestHashes), 2);
        bytes32[] memory mids = _mids(f.honestHashes, 4, 8);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, challenger, solver));
        vm.prank(challenger);
        game.postMids(id, mids);
    }

    function test_postMids_emitsAndStoresHash_succeeds() public {
        (uint256 id, Fixture memory f) = _atStep();
        _pickStep(id, _leaves(f.honestHashes), 2);
        bytes32[] memory mids = _mids(f.honestHashes, 4, 8);
        vm.expectEmit(address(game));
        emit MidsPosted(id, mids, block.timestamp + BANK);
        vm.prank(solver);
        game.postMids(id, mids);
        Game memory g = game.getGame(id);
        assertEq(g.midsHash, keccak256(abi.encodePacked(f.honestHashes[4], mids, f.honestHashes[8])));
        (Side s,) = _mover(id);
        assertEq(uint8(s), uint8(Side.Challenger));
    }

    ////////////////////////////////////////////////////////////////
    //                          pickMid                           //
    ////////////////////////////////////////////////////////////////

    /// @dev Every i of the interval (4, 8]: j = 5 + i, pre = seq[i], post = seq[i + 1]; the honest
    ///      solver's postTrace for j then checks out against those hashes.
    function test_pickMid_fixesTransition_succeeds() public {
        for (uint64 i = 0; i <= 3; i++) {
            (uint256 id, Fixture memory f, bytes32[] memory mids) = _atMidPick(2);
            uint64 j = 4 + i + 1;
            vm.expectEmit(address(game));
            emit StepPicked(id, j, f.honestHashes[j - 1], f.honestHashes[j], block.timestamp + BANK);
            vm.prank(challenger);
            game.pickMid(id, i, mids);
            Game memory g = game.getGame(id);
            assertEq(uint8(g.phase), uint8(Phase.AwaitTrace));
            assertEq(g.step, j);
            assertEq(g.preHash, f.honestHashes[j - 1]);
            assertEq(g.postHash, f.honestHashes[j]);
            _postTrace(id, f, DisputeFixtures.honestView(f, j));
            assertEq(uint8(game.getGame(id).phase), uint8(Phase.AwaitTraceChoice));
        }
    }

    function test_pickMid_otherMids_reverts() public {
        (uint256 id, Fixture memory f, bytes32[] memory mids) = _atMidPick(2);
        bytes32 stored = game.getGame(id).midsHash;
        mids[1] = keccak256("not what the solver posted");
        bytes32 computed = keccak256(abi.encodePacked(f.honestHashes[4], mids, f.honestHashes[8]));
        vm.expectRevert(abi.encodeWithSelector(MidsMismatch.selector, stored, computed));
        vm.prank(challenger);
        game.pickMid(id, 0, mids);
    }

    function test_pickMid_fewerMids_reverts() public {
        (uint256 id, Fixture memory f,) = _atMidPick(2);
        bytes32[] memory two = _mids(f.honestHashes, 4, 7);
        bytes32 stored = game.getGame(id).midsHash;
        bytes32 computed = keccak256(abi.encodePacked(f.honestHashes[4], two, f.honestHashes[8]));
        vm.expectRevert(abi.encodeWithSelector(MidsMismatch.selector, stored, computed));
        vm.prank(challenger);
        game.pickMid(id, 0, two);
    }

    function test_pickMid_outOfRange_reverts() public {
        (uint256 id,, bytes32[] memory mids) = _atMidPick(2);
        vm.expectRevert(abi.encodeWithSelector(OutOfRange.selector, bytes32("mid"), 4, 4));
        vm.prank(challenger);
        game.pickMid(id, 4, mids);
    }

    function test_pickMid_wrongSender_reverts() public {
        (uint256 id,, bytes32[] memory mids) = _atMidPick(2);
        vm.expectRevert(abi.encodeWithSelector(NotYourTurn.selector, id, solver, challenger));
        vm.prank(solver);
        game.pickMid(id, 0, mids);
    }

    function test_pickMid_wrongPhase_reverts() public {
        (uint256 id, Fixture memory f) = _atStep();
        _pickStep(id, _leaves(f.honestHashes), 2);
        bytes32[] memory mids = _mids(f.honestHashes, 4, 8);
        vm.expectRevert(abi.encodeWithSelector(WrongPhase.selector, id, Phase.AwaitMidPick, Phase.AwaitMids));
        vm.prank(challenger);
        game.pickMid(id, 0, mids);
    }

    ////////////////////////////////////////////////////////////////
    //                          Clocks                            //
    ////////////////////////////////////////////////////////////////

    function test_claimTimeout_awaitMidsChallengerWins_succeeds() public {
        (uint256 id, Fixture memory f) = _atStep();
        _pickStep(id, _leaves(f.honestHashes), 1);
        vm.expectEmit(address(game));
        emit TimedOut(id, Side.Solver);
        _timeOut(id);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Timeout));
    }

    function test_claimTimeout_awaitMidPickSolverWins_succeeds() public {
        (uint256 id,,) = _atMidPick(1);
        vm.expectEmit(address(game));
        emit TimedOut(id, Side.Challenger);
        _timeOut(id);
        _assertResolved(id, false);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.Timeout));
    }

    ////////////////////////////////////////////////////////////////
    //                  Market: hashInterval                       //
    ////////////////////////////////////////////////////////////////

    function _post(uint32 k) internal returns (uint256) {
        JobParams memory p = _params(_fx());
        p.hashInterval = k;
        vm.prank(submitter);
        return market.postJob{value: REWARD}(p, "ipfs://k", STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
    }

    function test_postJob_hashIntervalZero_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(BadHashInterval.selector, 0, 4096));
        _post(0);
    }

    function test_postJob_hashIntervalAboveMax_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(BadHashInterval.selector, 4097, 4096));
        _post(4097);
    }

    function test_postJob_hashIntervalBounds_succeeds() public {
        assertEq(market.getJob(_post(1)).params.hashInterval, 1);
        assertEq(market.getJob(_post(4096)).params.hashInterval, 4096);
    }

    ////////////////////////////////////////////////////////////////
    //                  Full games on real traces                 //
    ////////////////////////////////////////////////////////////////

    /// @dev Every lie of mlp10 (inside an interval, at an interval's end, in the short last
    ///      interval, in init), the cheater consistent with it: the honest challenger finds the
    ///      transition through postMids / pickMid and wins at the check that catches the lie.
    function test_fullGame_everyVariantCaughtWithK4_succeeds() public {
        Fixture memory f = _fx();
        uint256 oneStep;
        for (uint256 i = 0; i < f.variants.length; i++) {
            FxVariant memory x = f.variants[i];
            uint256 id = _playCheater(f, x, i + 1, true);
            _assertResolved(id, true);
            Reason r = game.getGame(id).reason;
            assertEq(uint8(r), uint8(_expectedReason(f, x)), x.label);
            if (r == Reason.OneStep) oneStep++;
        }
        assertGe(oneStep, 5, "most lies must reach the one-step re-execution");
    }

    /// @dev A lie at transition 6 (inside (4, 8]), step by step: IntervalPicked, postMids with the
    ///      cheater's own H5..H7, pickMid(1) -> transition 6, then down to the one-step.
    function test_fullGame_flipInsideInterval_oneStepChallengerWins_succeeds() public {
        Fixture memory f = _fx();
        FxVariant memory x = _variantAt(f, 6, DisputeFixtures.KIND_OP);
        assertEq(x.hashes[5], f.honestHashes[5], "the lie starts at transition 6");
        assertTrue(x.hashes[6] != f.honestHashes[6]);
        uint256 id = _playCheater(f, x, 77, true);
        _assertResolved(id, true);
        assertEq(uint8(game.getGame(id).reason), uint8(Reason.OneStep));
        assertEq(game.getGame(id).step, 6);
        assertEq(uint8(market.getDispute(id).status), 2, "market: ChallengerWon");
    }

    function _variantAt(Fixture memory f, uint64 step, uint8 kind) internal pure returns (FxVariant memory) {
        for (uint256 i = 0; i < f.variants.length; i++) {
            if (f.variants[i].step == step && f.variants[i].kind == kind) return f.variants[i];
        }
        revert("no such variant");
    }

    function _expectedReason(Fixture memory f, FxVariant memory x) internal pure returns (Reason) {
        if (x.kind == DisputeFixtures.KIND_MODEL_HASH) return Reason.FinalModelMismatch;
        if (x.kind == DisputeFixtures.KIND_STATE) return Reason.Timeout;
        bytes memory desc = DisputeFixtures.programOf(f, x.step)[x.node];
        uint16 opId = (uint16(uint8(desc[0])) << 8) | uint16(uint8(desc[1]));
        return opId <= 1 ? Reason.Timeout : Reason.OneStep;
    }

    /// forge-config: default.fuzz.runs = 48
    /// @dev Any K in [1, 12] (K >= T = 10: one interval over the whole run) and any lie: the
    ///      cheating solver loses; its bisection answers are fuzzed.
    function testFuzz_fullGame_anyKCheaterLoses_succeeds(uint256 k, uint256 variant, uint256 seed) public {
        hashInterval = uint32(bound(k, 1, 12));
        Fixture memory f = _fx();
        uint256 id = _playCheater(f, f.variants[variant % f.variants.length], seed, false);
        _assertResolved(id, true);
    }

    /// forge-config: default.fuzz.runs = 48
    /// @dev The honest solver against a challenger that picks leaves and mids at random: the
    ///      solver wins (by the one-step re-execution, a proof, or the griefer's timeout).
    function testFuzz_fullGame_anyKGrieferLoses_succeeds(uint256 k, uint256 seed) public {
        hashInterval = uint32(bound(k, 1, 12));
        uint256 id = _playGriefer(_fx(), seed);
        _assertResolved(id, false);
    }

    /// @dev A dishonest challenger (leaf and mid at random) against an honest run, in a game
    ///      that goes all the way to the one-step re-execution: the solver wins there.
    function test_fullGame_dishonestChallengerOneStepSolverWins_succeeds() public {
        for (uint256 seed = 0; seed < 64; seed++) {
            uint256 id = _playGriefer(_fx(), seed);
            _assertResolved(id, false);
            if (game.getGame(id).reason == Reason.OneStep) return;
        }
        revert("no griefer seed reached the one-step");
    }

    ////////////////////////////////////////////////////////////////
    //                 Gas: postMids / pickMid                    //
    ////////////////////////////////////////////////////////////////

    /// @dev Each move as its own transaction (cold contracts + intrinsic calldata cost), as in
    ///      DisputeGame.Gas.t.sol: K = 64 over T = 128 (stand-in hashes; the two moves only
    ///      check hashes), so postMids carries 63 mids.
    function test_gas_postMidsK64AndPickMid_withinMoveBudget_succeeds() public {
        hashInterval = 64;
        uint64 t = 128;
        bytes32[] memory h = new bytes32[](t + 1);
        for (uint256 i = 0; i <= t; i++) h[i] = keccak256(abi.encode("H", i));
        bytes32 spec = keccak256("spec");
        bytes32 modelRoot = keccak256("model");
        bytes32 optRoot = keccak256("opt");
        h[t] = sha256(abi.encodePacked(spec, t, modelRoot, optRoot));
        JobParams memory p = JobParams(spec, keccak256("program"), 1, t, 64);
        bytes32[] memory leaves = _leaves(h);
        Commitment memory c = Commitment(GameMerkle.root(leaves), h[t], modelRoot, t);
        uint256 id = _openWith(p, c);
        bytes32[] memory path = GameMerkle.proof(leaves, 2);
        vm.prank(solver);
        game.revealFinal(id, p, c, modelRoot, optRoot, path);
        _pickStep(id, leaves, 1);

        bytes32[] memory mids = _mids(h, 0, 64);
        uint256 post = _meter(solver, abi.encodeCall(game.postMids, (id, mids)));
        uint256 pick = _meter(challenger, abi.encodeCall(game.pickMid, (id, 10, mids)));
        console.log("postMids (K = 64, 63 mids) gas:", post);
        console.log("pickMid  (K = 64, 63 mids) gas:", pick);
        assertEq(game.getGame(id).step, 11);
        assertLe(post, 250_000, "postMids over the move budget");
        assertLe(pick, 250_000, "pickMid over the move budget");
    }

    function _openWith(JobParams memory p, Commitment memory c) internal returns (uint256 id) {
        vm.prank(submitter);
        uint256 jobId = market.postJob{value: REWARD}(p, "ipfs://gas", STAKE, BOND, CLAIM_WINDOW, SOLVE_TIME, CHALLENGE_WINDOW);
        vm.prank(solver);
        market.claimJob{value: STAKE}(jobId);
        vm.prank(solver);
        market.commitResult(jobId, c);
        vm.prank(challenger);
        id = market.challenge{value: BOND}(jobId);
    }

    function _meter(address who, bytes memory data) internal returns (uint256 gas) {
        vm.cool(address(game));
        vm.cool(address(market));
        vm.prank(who);
        uint256 before = gasleft();
        (bool ok,) = address(game).call(data);
        gas = before - gasleft();
        assertTrue(ok, "metered move reverted");
        gas += 21_000;
        for (uint256 i = 0; i < data.length; i++) gas += data[i] == 0 ? 4 : 16;
    }
}

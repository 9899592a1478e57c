// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

import {Commitment} from "../../src/interfaces/IDisputeGame.sol";
import {Game, Phase, TracePost, RecordReveal, LinkProof} from "../../src/lib/GameTypes.sol";
import {ElementLib} from "../../src/lib/ElementLib.sol";
import {GameMerkle} from "./GameMerkle.sol";
import {GameMoves} from "./GameMoves.sol";
import {Fixture, FxVariant, TraceView, DisputeFixtures} from "./DisputeFixtures.sol";
import {DisputeGameDescent} from "./DisputeGameDescent.sol";

/// @notice Full games between strategies:
///         - a cheating solver (a fixture variant: one flipped bit, then consistent with the lie;
///           its bisection answers and its fold sequence are fuzzed) vs an honest challenger;
///         - an honest solver vs a griefing challenger who picks steps, trace choices, elements
///           and accumulation steps at random (fuzzed), and may stop moving.
abstract contract DisputeGamePlayers is DisputeGameDescent {
    /// @dev When set, the cheater games stop in AwaitOneStep (the gas test meters the last move).
    bool internal holdOneStep;

    /// @dev Fuzz-driven choices: draw(k) is the k-th pseudo-random word of `seed`.
    function _draw(uint256 seed, uint256 k) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, k)));
    }

    ////////////////////////////////////////////////////////////////
    //            Cheating solver vs honest challenger            //
    ////////////////////////////////////////////////////////////////

    /// @notice Plays variant `x` to the end; returns the dispute id (the caller checks the outcome).
    ///         A `consistent` cheater always answers from its own corrupted trace; otherwise its
    ///         trace post and bisection answers are fuzzed too.
    function _playCheater(Fixture memory fx, FxVariant memory x, uint256 seed, bool consistent)
        internal
        returns (uint256 id)
    {
        Commitment memory c = _variantCommitment(fx, x);
        id = _openDispute(fx, c);
        _revealFinal(id, fx, c, x.hashes, x.finalModelSlots, x.finalOptSlots);
        if (x.kind == DisputeFixtures.KIND_MODEL_HASH) return id;

        uint64 j = _findWrongTransition(id, fx, x, seed);
        assertEq(j, x.step, "honest challenger must find the corrupted transition");

        TraceView memory liar = DisputeFixtures.dishonestView(fx, x);
        TraceView memory truth = DisputeFixtures.honestView(fx, j);
        TracePost memory t = GameMoves.tracePost(fx, liar);
        // a cheater may also post the honest P_{n-1} next to its wrong post-state
        if (!consistent && _draw(seed, 0) % 4 == 0) t.finalAcc = GameMoves.acc(truth, truth.program.length);
        vm.prank(solver);
        game.postTrace(id, t);

        if (t.finalAcc == GameMoves.acc(truth, truth.program.length)) {
            _challengeLink(id, liar, truth, _draw(seed, 13) % 2 == 0);
            return id;
        }
        _bisectAgainstCheater(id, liar, truth, consistent ? 0 : seed);
        if (!_tryRevealRecord(id, liar)) return _timeOutAndReturn(id);
        // a third of the cheaters withhold their tensors: the challenger uses the data sub-game
        bool withheld = _draw(seed, 10) % 3 == 0;
        _pickWrongElement(id, liar, truth, withheld);
        if (game.getGame(id).phase == Phase.Resolved) return id;
        _openElement(id, liar);
        if (game.getGame(id).phase == Phase.AwaitFold) {
            if (!_cheatFold(id, liar, truth, seed, withheld)) return _timeOutAndReturn(id);
        }
        if (holdOneStep) return id;
        _oneStep(id, truth, _draw(seed, 1) % 2 == 0 ? challenger : stranger);
    }

    /// @dev pickStep names the first wrong leaf (K = 1: the first wrong H[j]); a longer interval
    ///      then takes postMids (the cheater's own hashes) / pickMid to reach the transition.
    function _findWrongTransition(uint256 id, Fixture memory fx, FxVariant memory x, uint256 seed)
        internal
        returns (uint64)
    {
        bytes32[] memory theirs = _leaves(x.hashes);
        bytes32[] memory mine = _leaves(fx.honestHashes);
        if (_draw(seed, 15) % 3 == 0) {
            // the cheater does not publish its state hashes: descend its stepsRoot
            _descendAndPickStep(id, theirs, mine);
        } else {
            _pickStep(id, theirs, _firstWrongStep(mine, theirs));
        }
        return _settleInterval(id, x.hashes, fx.honestHashes, type(uint256).max);
    }

    function _firstWrongStep(bytes32[] memory honest, bytes32[] memory claimed) internal pure returns (uint64 j) {
        while (honest[j] == claimed[j]) j++;
    }

    /// @dev The trace is honest but the post-state is not: dispute the first wrong leaf. The
    ///      cheater cannot prove it and runs out of time.
    ///      Without the cheater's leaves (`withheld`), the challenger descends its state tree.
    function _challengeLink(uint256 id, TraceView memory liar, TraceView memory truth, bool withheld) internal {
        (uint8 tree, uint32 index) = _firstWrongLeaf(liar, truth);
        if (withheld && (tree == 0 ? liar.postModelSlots.length : liar.postOptSlots.length) > 1) {
            bytes32[] memory theirs = tree == 0 ? liar.postModelSlots : liar.postOptSlots;
            bytes32[] memory mine = tree == 0 ? truth.postModelSlots : truth.postOptSlots;
            bytes32 m = GameMerkle.root(liar.postModelSlots);
            bytes32 o = GameMerkle.root(liar.postOptSlots);
            index = _descendStateTree(id, tree, theirs, mine, m, o);
        }
        vm.prank(challenger);
        game.disputeLink(id, tree, index);
        LinkProof memory p = GameMoves.linkProof(liar, tree, index);
        vm.prank(solver);
        try game.proveLink(id, p) {
            revert("cheater proved a wrong post-state leaf");
        } catch {}
        _timeOut(id);
    }

    function _firstWrongLeaf(TraceView memory liar, TraceView memory truth) internal pure returns (uint8, uint32) {
        for (uint32 i = 0; i < truth.postModelSlots.length; i++) {
            if (liar.postModelSlots[i] != truth.postModelSlots[i]) return (0, i);
        }
        for (uint32 i = 0; i < truth.postOptSlots.length; i++) {
            if (liar.postOptSlots[i] != truth.postOptSlots[i]) return (1, i);
        }
        revert("post-states agree");
    }

    /// @dev The cheater answers each midpoint with its own accumulator, the honest one, or junk
    ///      (fuzzed; seed 0: always its own); the challenger agrees exactly when the answer is
    ///      the honest accumulator.
    function _bisectAgainstCheater(uint256 id, TraceView memory liar, TraceView memory truth, uint256 seed)
        internal
    {
        vm.prank(challenger);
        game.startTrace(id);
        for (uint256 round = 2; game.getGame(id).phase == Phase.AwaitAcc; round++) {
            uint32 mid = _midLen(id);
            uint256 choice = seed == 0 ? 7 : _draw(seed, round) % 8;
            bytes32 a = choice == 0
                ? GameMoves.acc(truth, mid)
                : choice == 1 ? keccak256(abi.encode("junk", seed, round)) : GameMoves.acc(liar, mid);
            bool agree = a == GameMoves.acc(truth, mid);
            vm.prank(solver);
            game.revealAcc(id, a);
            vm.prank(challenger);
            game.chooseAcc(id, agree);
        }
    }

    function _tryRevealRecord(uint256 id, TraceView memory liar) internal returns (bool) {
        RecordReveal memory r = GameMoves.recordReveal(liar, game.getGame(id).agreedLen);
        vm.prank(solver);
        try game.revealRecord(id, r) {
            return true;
        } catch {
            return false;
        }
    }

    function _timeOutAndReturn(uint256 id) internal returns (uint256) {
        _timeOut(id);
        return id;
    }

    /// @dev The challenger names the first element of the solver's output that differs from its
    ///      own: read from the solver's published tensor, or, when it is withheld, from the chunk
    ///      the data sub-game forces on chain.
    function _pickWrongElement(uint256 id, TraceView memory liar, TraceView memory truth, bool withheld) internal {
        uint256 node = game.getGame(id).agreedLen;
        bytes memory theirs = liar.outputs[node];
        bytes memory mine = truth.outputs[node];
        uint64 e;
        if (withheld) {
            (uint32 leaf, bytes memory chunk) = _descendHonestly(id, theirs, mine);
            e = _firstDiff(leaf, chunk, mine);
        } else {
            while (GameMerkle.at(theirs, e) == GameMerkle.at(mine, e)) e++;
        }
        vm.prank(challenger);
        game.pickElement(id, e);
    }

    /// @dev The cheater's sequence follows the honest one up to a fuzzed index d, then junk,
    ///      ending at its wrong value. The challenger names the first step that left the honest
    ///      sequence (k = d - 1). Returns false when the cheater cannot even post (K = 0).
    function _cheatFold(uint256 id, TraceView memory liar, TraceView memory truth, uint256 seed, bool withheld)
        internal
        returns (bool)
    {
        Game memory g = game.getGame(id);
        bytes memory honestSeq = DisputeFixtures.foldSeq(truth, g.agreedLen, g.element);
        uint256 len = honestSeq.length / 4; // K + 1
        uint32[] memory seq = new uint32[](len);
        uint256 d = len == 1 ? 0 : 1 + _draw(seed, 3) % (len - 1);
        for (uint256 i = 0; i < len; i++) {
            uint32 h = GameMerkle.at(honestSeq, i);
            seq[i] = i < d || d == 0 ? h : uint32(uint256(keccak256(abi.encode(seed, i))) | 1) ^ h;
        }
        seq[len - 1] = g.value;
        bytes memory cheat = GameMerkle.f32le(seq);
        if (len == 1) {
            try this.postFoldAs(id, liar, cheat) {
                revert("cheater posted an empty fold with a wrong value");
            } catch {}
            return false;
        }
        _postFold(id, liar, cheat);
        uint32 k = 0;
        if (withheld) {
            // the leftmost differing chunk holds the first wrong acc_m, m >= 1; k = m - 1
            (uint32 leaf, bytes memory chunk) = _descendHonestly(id, cheat, honestSeq);
            k = uint32(_firstDiff(leaf, chunk, honestSeq)) - 1;
        } else {
            while (GameMerkle.at(cheat, k + 1) == GameMerkle.at(honestSeq, k + 1)) k++;
        }
        vm.prank(challenger);
        game.pickAcc(id, k);
        _openAcc(id, cheat);
        return true;
    }

    /// @dev External wrapper so a reverting postFold can be caught.
    function postFoldAs(uint256 id, TraceView memory v, bytes memory seq) external {
        _postFold(id, v, seq);
    }

    ////////////////////////////////////////////////////////////////
    //            Honest solver vs griefing challenger            //
    ////////////////////////////////////////////////////////////////

    /// @notice Plays an honest solver against random challenger choices; the griefer stops
    ///         moving at a fuzzed point (stopAt < 8) or plays to the end.
    function _playGriefer(Fixture memory fx, uint256 seed) internal returns (uint256 id) {
        id = _openDispute(fx, _honestCommitment(fx));
        uint256 stopAt = _draw(seed, 0) % 16;
        _revealHonestFinal(id, fx);
        if (stopAt == 0) return _timeOutAndReturn(id);

        // a random leaf (K = 1: a random transition) and, inside a longer interval, a random one
        bytes32[] memory leaves = _leaves(fx.honestHashes);
        _pickStep(id, leaves, uint64(_draw(seed, 1) % leaves.length));
        uint64 j = _settleInterval(id, fx.honestHashes, fx.honestHashes, _draw(seed, 20));
        TraceView memory v = DisputeFixtures.honestView(fx, j);
        _postTrace(id, fx, v);
        if (stopAt == 1) return _timeOutAndReturn(id);

        if (_draw(seed, 2) % 4 == 0) {
            _griefLink(id, v, seed);
            return id;
        }
        _griefBisect(id, v, seed);
        _revealRecord(id, v);
        if (game.getGame(id).phase == Phase.Resolved) return id; // a source op: settled
        if (stopAt == 2) return _timeOutAndReturn(id);

        Game memory g = game.getGame(id);
        // a quarter of the picks may land in the encoding padding (only zeros are honest there)
        if (_draw(seed, 11) % 4 == 0 && !_descendAtRandom(id, v.outputs[g.agreedLen], seed)) return id;
        uint256 range = _draw(seed, 9) % 4 == 0 ? ElementLib.paddedCapacity(g.numel) : g.numel;
        uint64 e = uint64(_draw(seed, 3) % range);
        vm.prank(challenger);
        game.pickElement(id, e);
        _openElement(id, v);
        if (game.getGame(id).phase == Phase.Resolved) return id; // a padding slot: settled
        if (game.getGame(id).phase == Phase.AwaitFold) {
            g = game.getGame(id);
            bytes memory seq = DisputeFixtures.foldSeq(v, g.agreedLen, g.element);
            _postFold(id, v, seq);
            if (game.getGame(id).phase == Phase.Resolved) return id; // empty fold
            if (stopAt == 3) return _timeOutAndReturn(id);
            if (_draw(seed, 12) % 4 == 0 && !_descendAtRandom(id, seq, seed)) return id;
            uint32 k = uint32(_draw(seed, 4) % (seq.length / 4 - 1));
            vm.prank(challenger);
            game.pickAcc(id, k);
            _openAcc(id, seq);
        }
        if (stopAt == 4) return _timeOutAndReturn(id);
        _oneStep(id, v, _draw(seed, 5) % 2 == 0 ? challenger : solver);
    }

    function _griefLink(uint256 id, TraceView memory v, uint256 seed) internal {
        Game memory g = game.getGame(id);
        uint8 tree = uint8(_draw(seed, 6) % 2);
        uint256 count = tree == 0 ? g.modelCount : g.optCount;
        uint32 index = uint32(_draw(seed, 7) % (uint256(1) << GameMerkle.depthOf(count)));
        if (count > 1 && _draw(seed, 14) % 2 == 0) {
            // descend the honest tree at random first, then dispute the leaf it reached
            bytes32[] memory slots = tree == 0 ? v.postModelSlots : v.postOptSlots;
            bytes32 m = GameMerkle.root(v.postModelSlots);
            bytes32 o = GameMerkle.root(v.postOptSlots);
            vm.prank(challenger);
            game.requestStateTree(id, tree, m, o);
            for (uint256 i = 0; game.getGame(id).phase == Phase.AwaitDataChildren; i++) {
                _revealChildren(id, slots);
                bool right = _draw(seed, 20 + i) % 2 == 1;
                vm.prank(challenger);
                game.chooseChild(id, right);
            }
            index = game.getGame(id).dataIndex;
        }
        vm.prank(challenger);
        game.disputeLink(id, tree, index);
        LinkProof memory p = GameMoves.linkProof(v, tree, index);
        vm.prank(solver);
        game.proveLink(id, p);
    }

    function _griefBisect(uint256 id, TraceView memory v, uint256 seed) internal {
        vm.prank(challenger);
        game.startTrace(id);
        for (uint256 round = 8; game.getGame(id).phase == Phase.AwaitAcc; round++) {
            bytes32 a = GameMoves.acc(v, _midLen(id));
            vm.prank(solver);
            game.revealAcc(id, a);
            vm.prank(challenger);
            game.chooseAcc(id, _draw(seed, round) % 2 == 0);
        }
    }
}

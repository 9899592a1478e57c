// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {JobMarket} from "../../src/JobMarket.sol";
import {Commitment} from "../../src/interfaces/IDisputeGame.sol";
import {Job, Status, Sealed, Timestamp, Duration} from "../../src/lib/JobMarketTypes.sol";
import {JobMarketMockGame} from "../mocks/JobMarketMockGame.sol";
import {JobMarketHandler} from "./JobMarketHandler.sol";
import {GameMerkle} from "./GameMerkle.sol";

/// @notice The invariant handler of a market with forced errors (docs/PROTOCOL.md §12): the same
///         cast as `JobMarketHandler`, playing the sealed flow. Honest solvers mask a forced leaf
///         and reveal it; the dishonest solver lies at one leaf, half the time exactly at the
///         forced leaf (a lie disguised as forced), and sometimes never reveals. Finders: the
///         honest challenger (finds what it replayed: the true leaf), a copier (copies the honest
///         finder's hash from the mempool), the griefer (fake finds, and the liar's accomplice:
///         it "finds" the liar's X). Never reverts: every action checks its preconditions.
contract JobMarketForcedHandler is JobMarketHandler {
    address public copier;

    struct Find {
        uint256 jobId;
        uint256 round;
        address finder;
        uint256 leaf;
        bytes32 trueLeaf;
        bytes32 salt;
    }

    Find[] internal _finds;
    mapping(uint256 jobId => bytes32) internal _secret;
    mapping(uint256 jobId => bytes32[]) internal _claimed; // the solver's "true" leaves
    mapping(uint256 jobId => bytes32) internal _honestRoot;
    mapping(uint256 jobId => bytes32) internal _lieRoot;
    uint256 internal _nonce;

    constructor(JobMarket market_, JobMarketMockGame game_, bool truthful_)
        JobMarketHandler(market_, game_, truthful_)
    {
        copier = makeAddr("copier"); // not an actor: it never calls anything but commitFind
    }

    function claimJob(uint256 who, uint256 jobSeed) external override {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Open, false);
        if (id == 0) return;
        address s = solvers[who % solvers.length];
        _deposit(s, j.terms.requiredStake);
        bytes32 secret = keccak256(abi.encode("secret", id, ++_nonce));
        _secret[id] = secret;
        vm.prank(s);
        market.claimJobSealed{value: j.terms.requiredStake}(id, keccak256(abi.encodePacked(secret)));
        vm.roll(block.number + 1);
        market.sealEntropy(id);
        _count("claimJob");
    }

    function commitResult(uint256 jobSeed) external override {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Claimed, false);
        if (id == 0) return;
        uint256 last = _last(j);
        (bool forced, uint256 pos) = _draw(id, last);
        bytes32[] memory leaves = new bytes32[](last + 1);
        for (uint256 m; m <= last; m++) leaves[m] = _honestLeaf(id, m);
        _honestRoot[id] = GameMerkle.root(leaves);
        if (j.solver == solvers[2]) {
            // a lie at one leaf: at the forced leaf (disguised as forced) or anywhere
            uint256 at = forced && _nonce % 2 == 0 ? pos : 1 + (_nonce % last);
            leaves[at] = keccak256(abi.encode("lie", id, at));
            _lieRoot[id] = GameMerkle.root(leaves);
        }
        _claimed[id] = leaves;
        bytes32 trueRoot = GameMerkle.root(leaves);
        bytes32 secret = _secret[id];
        bytes32 x = leaves[pos];
        if (forced) leaves[pos] = keccak256(abi.encodePacked(x, secret));
        Commitment memory c = Commitment(GameMerkle.root(leaves), leaves[last], keccak256("model"), 100);
        vm.prank(j.solver);
        market.commitSealed(id, c, keccak256(abi.encodePacked(trueRoot, secret)));
        _count("commitResult");
        // the honest finder checks every commitment at once (it replays the forced leaf, or the
        // lied one); the copier copies its hash; the liar's accomplice "finds" the liar's leaf
        uint256 leaf = forced ? pos : 1 + (_nonce % last);
        _commitFindOf(Find(id, j.round + 1, honestChallenger, leaf, _honestLeaf(id, leaf), bytes32(_nonce)));
        vm.prank(copier);
        market.commitFind(id, _hashOf(_finds[_finds.length - 1]));
        _count("commitFind:copied");
        if (j.solver == solvers[2]) _commitFindOf(Find(id, j.round + 1, griefer, leaf, _claimed[id][leaf], bytes32(_nonce)));
    }

    function _commitFindOf(Find memory f) internal {
        vm.prank(f.finder);
        market.commitFind(f.jobId, _hashOf(f));
        _finds.push(f);
        _count("commitFind");
    }

    /// @notice kind 0: the honest finder (its replay's leaf at the forced or lied leaf); 1: the
    ///         copier (the last find hash it saw, as is); 2: the griefer's fake find; 3: the
    ///         griefer as the liar's accomplice (the liar's leaf at pos).
    function commitFind(uint8 kind, uint256 jobSeed, uint256 salt) external {
        (uint256 id, Job memory j) = _pick(jobSeed, FINDABLE);
        if (id == 0) return;
        uint256 last = _last(j);
        (bool forced, uint256 pos) = _draw(id, last);
        uint256 leaf = forced ? pos : 1 + salt % last;
        Find memory f = Find(id, j.round, honestChallenger, leaf, _honestLeaf(id, leaf), bytes32(salt));
        if (kind % 4 == 1) {
            if (_finds.length == 0) return;
            vm.prank(copier);
            market.commitFind(id, _hashOf(_finds[_finds.length - 1]));
            _count("commitFind:copied");
            return;
        }
        if (kind % 4 == 2) (f.finder, f.trueLeaf) = (griefer, keccak256(abi.encode("fake", salt)));
        if (kind % 4 == 3) (f.finder, f.trueLeaf) = (griefer, _claimed[id][leaf]);
        vm.prank(f.finder);
        market.commitFind(id, _hashOf(f));
        _finds.push(f);
        _count("commitFind");
    }

    /// @notice The solver reveals after the find window (the liar skips it a third of the time).
    function reveal(uint256 jobSeed) external {
        (uint256 id, Job memory j) = _pick(jobSeed, REVEALABLE);
        if (id == 0) {
            (id, j) = _pick(jobSeed, FINDABLE); // wait for its find window to close
            if (id == 0) return;
            vm.warp(uint256(j.deadline.raw()) + 1);
        }
        if (j.solver == solvers[2] && _nonce % 3 == 0) return;
        (bool forced, uint256 pos) = _draw(id, _last(j));
        bytes32[] memory leaves = _claimed[id];
        vm.prank(j.solver);
        market.revealResult(
            id, _secret[id], GameMerkle.root(leaves), forced ? leaves[pos] : bytes32(0),
            forced ? GameMerkle.proof(leaves, pos) : new bytes32[](0)
        );
        _count(forced ? "reveal:forced" : "reveal:unforced");
        for (uint256 k; k < _finds.length; k++) if (_finds[k].jobId == id) _tryRevealFind(_finds[k]);
    }

    /// @notice Reveal the next committed find that the market will count (never a copied one).
    function revealFind(uint256 seed) external {
        uint256 n = _finds.length;
        for (uint256 k; k < n; k++) if (_tryRevealFind(_finds[(seed % (n + 1) + k) % n])) return;
    }

    /// @dev Reveal `f` if the market will count it; false otherwise.
    function _tryRevealFind(Find memory f) internal returns (bool) {
        Job memory j = market.getJob(f.jobId);
        Sealed memory s = market.sealedOf(f.jobId);
        if (j.status != Status.Committed && j.status != Status.Challenged) return false;
        if (!s.revealed || j.deadline.isPast() || j.round != f.round) return false;
        if (!s.forced || f.leaf != s.pos || f.trueLeaf != s.forcedLeaf) return false;
        if (market.finderStatus(f.jobId, f.round, f.finder) != 0) return false;
        vm.prank(f.finder);
        market.revealFind(f.jobId, f.leaf, f.trueLeaf, f.salt);
        _count(f.finder == griefer ? "revealFind:accomplice" : "revealFind:honest");
        return true;
    }

    function collectForcedPrize(uint256 seed) external {
        uint256 n = _finds.length;
        for (uint256 k; k < n; k++) {
            Find memory f = _finds[(seed % (n + 1) + k) % n];
            if (!market.sealedOf(f.jobId).settled || market.getJob(f.jobId).round != f.round) continue;
            if (market.finderStatus(f.jobId, f.round, f.finder) != 1) continue;
            vm.prank(f.finder);
            market.collectForcedPrize(f.jobId);
            _count("collectForcedPrize");
            return;
        }
    }

    function slashLate(uint256 who, uint256 jobSeed) external override {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Claimed, true);
        if (id == 0) (id, j) = _pick(jobSeed, UNREVEALED_LATE);
        if (id == 0) return;
        ghostLateSlashed[j.solver] += j.terms.requiredStake;
        address caller = actors[who % actors.length];
        uint256 before = market.claimable(caller);
        vm.prank(caller);
        market.slashLate(id);
        ghostIncome[caller] += market.claimable(caller) - before;
        _count("slashLate");
        _recordIfTerminal(id);
    }

    function challenge(uint8 who, uint256 jobSeed) external override {
        (uint256 id, Job memory j) = _pick(jobSeed, CHALLENGEABLE);
        if (id == 0) return;
        bool isLie = j.commitment.stepsRoot != truth(id);
        address c = who % 3 == 0 ? honestChallenger : who % 3 == 1 ? griefer : solvers[2];
        if (c == honestChallenger && !isLie) return;
        if (c == solvers[2] && j.solver != c) return;
        _deposit(c, j.terms.challengerBond);
        vm.prank(c);
        market.challenge{value: j.terms.challengerBond}(id);
        _count("challenge");
    }

    function finalize(uint256 jobSeed) external override {
        (uint256 id, Job memory j) = _pick(jobSeed, FINALIZABLE);
        if (id == 0) {
            (id, j) = _pick(jobSeed, CHALLENGEABLE); // wait for its challenge window to close
            if (id == 0 || j.status != Status.Committed) return;
            vm.warp(uint256(j.deadline.raw()) + 1);
        }
        uint256 before = market.claimable(j.solver);
        vm.prank(keeper);
        market.finalize(id);
        ghostIncome[j.solver] += market.claimable(j.solver) - before - j.terms.requiredStake;
        _count("finalize");
        _recordIfTerminal(id);
    }

    /// @notice After the reveal the commitment holds the true root: the honest leaves' root.
    function truth(uint256 jobId) public view override returns (bytes32) {
        return _honestRoot[jobId];
    }

    function lie(uint256 jobId) public view override returns (bytes32) {
        return _lieRoot[jobId];
    }

    /// @notice Forced errors need >= 3 leaves (100 steps: K < 50).
    function _maxHashInterval() internal pure override returns (uint256) {
        return 49;
    }

    function findCount() external view returns (uint256) {
        return _finds.length;
    }

    function _honestLeaf(uint256 id, uint256 m) internal pure returns (bytes32) {
        return keccak256(abi.encode("truth", id, m));
    }

    function _last(Job memory j) internal pure returns (uint256) {
        return (uint256(j.params.numSteps) + j.params.hashInterval - 1) / j.params.hashInterval;
    }

    function _draw(uint256 id, uint256 last) internal view returns (bool forced, uint256 pos) {
        uint256 r = uint256(keccak256(abi.encodePacked(_secret[id], market.sealedOf(id).entropy)));
        if (last < 2) return (false, 0);
        forced = r % 65536 < market.FORCED_ERROR_RATE();
        if (forced) pos = 1 + (r >> 16) % (last - 1);
    }

    function _revealClosed(Job memory j) internal view returns (bool) {
        return block.timestamp > uint256(j.deadline.raw()) + Duration.unwrap(j.terms.challengeWindow);
    }

    uint8 internal constant FINDABLE = 0; // committed, find window open
    uint8 internal constant REVEALABLE = 1; // find window over, reveal window open, not revealed
    uint8 internal constant UNREVEALED_LATE = 2; // reveal window over, not revealed
    uint8 internal constant CHALLENGEABLE = 3; // revealed, challenge window open
    uint8 internal constant FINALIZABLE = 4; // revealed, Committed, challenge window over

    /// @dev First job at or after `seed` (cyclically) in the sealed phase `phase`; id 0 if none.
    function _pick(uint256 seed, uint8 phase) internal view returns (uint256, Job memory j) {
        uint256 n = market.jobCount();
        for (uint256 k; k < n; k++) {
            uint256 id = (seed % n + k) % n + 1;
            Status st = market.statusOf(id);
            if (st != Status.Committed && st != Status.Challenged) continue;
            j = market.getJob(id);
            bool revealed = market.sealedOf(id).revealed;
            bool past = j.deadline.isPast();
            bool ok = phase == FINDABLE ? !revealed && !past
                : phase == REVEALABLE ? !revealed && past && !_revealClosed(j)
                : phase == UNREVEALED_LATE ? !revealed && _revealClosed(j)
                : phase == CHALLENGEABLE ? revealed && !past
                : revealed && past && st == Status.Committed;
            if (ok) return (id, j);
        }
        return (0, j);
    }

    function _hashOf(Find memory f) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(f.finder, f.jobId, f.leaf, f.trueLeaf, f.salt));
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {JobMarket} from "../../src/JobMarket.sol";
import {Commitment, JobParams} from "../../src/interfaces/IDisputeGame.sol";
import {IJobMarketEvents} from "../../src/lib/JobMarketEvents.sol";
import {MarketConfig, Sealed} from "../../src/lib/JobMarketTypes.sol";
import {JobMarketMockGame} from "../mocks/JobMarketMockGame.sol";
import {GameMerkle} from "./GameMerkle.sol";
import {TEST_REFERENCE_GAS_PRICE, TEST_MIN_SAMPLE_RATE_BPS} from "./MarketConfigs.sol";

/// @dev forge 1.x cheatcode missing from this forge-std's Vm interface.
interface VmBlockhash {
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
}

/// @notice A solver's view of one sealed commitment (docs/PROTOCOL.md §12), built the way the
///         solver bot builds it (chain/forced.ts): true leaves, the draw, the masked leaves.
struct SealedRun {
    uint256 jobId;
    bytes32 secret;
    bool forced;
    uint256 pos;
    bytes32[] leaves; // what the solver claims is true (a liar's differ from `honest`)
    bytes32[] masked; // committed
    bytes32 trueRoot;
    bytes32 stateRoot;
}

/// @notice Fixture for the forced-error tests: a market with FORCED_ERROR_RATE `_rate()`, a mock
///         game, jobs of `STEPS` steps with hash interval 1 (leaves 0..STEPS).
abstract contract ForcedTestBase is Test, IJobMarketEvents {
    JobMarket internal market;
    JobMarketMockGame internal game;

    address internal submitter = makeAddr("submitter");
    address internal solver = makeAddr("solver");
    address internal finder = makeAddr("finder");
    address internal finder2 = makeAddr("finder2");
    address internal copier = makeAddr("copier");
    address internal keeper = makeAddr("keeper");

    uint256 internal constant REWARD = 0.3 ether;
    uint256 internal constant STAKE = 2 ether;
    uint256 internal constant BOND = 1 ether;
    uint256 internal constant SEED_JACKPOT = 10 ether;
    uint64 internal constant WINDOW = 1 days;
    uint64 internal constant STEPS = 8;

    function _rate() internal pure virtual returns (uint256) {
        return 1 << 16; // p = 1
    }

    /// @notice FORCED_FINDERS of the market under test; 0: no limit.
    function _seats() internal pure virtual returns (uint256) {
        return 0;
    }

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(100);
        game = new JobMarketMockGame();
        market = new JobMarket(
            address(game),
            MarketConfig({
                referenceGasPrice: TEST_REFERENCE_GAS_PRICE,
                minSampleRateBps: TEST_MIN_SAMPLE_RATE_BPS,
                forcedErrorRate: _rate(),
                forcedFinders: _seats()
            })
        );
        game.setMarket(market);
        vm.deal(address(this), 1_000 ether);
        market.fundJackpot{value: SEED_JACKPOT}();
        address[6] memory who = [submitter, solver, finder, finder2, copier, keeper];
        for (uint256 i; i < who.length; i++) vm.deal(who[i], 1_000 ether);
    }

    function _post(uint64 steps) internal returns (uint256 jobId) {
        JobParams memory p = JobParams({
            specHash: keccak256("spec"), programRoot: keccak256("program"), seed: 7, numSteps: steps, hashInterval: 1
        });
        vm.prank(submitter);
        jobId = market.postJob{value: REWARD}(p, "ipfs://spec", STAKE, BOND, 1 days, 6 hours, WINDOW);
    }

    /// @notice Honest leaf m of a job (any fixed, distinct values do: the mock game judges nothing).
    function _honest(uint256 m) internal pure returns (bytes32) {
        return keccak256(abi.encode("H", m));
    }

    /// @notice The hash the claim block will have (set, so tests can pick secrets ahead).
    function _claimBlockHash() internal view returns (bytes32) {
        return keccak256(abi.encode("block", block.number));
    }

    function _claim(uint256 jobId, bytes32 secret) internal {
        VmBlockhash(address(vm)).setBlockhash(block.number, _claimBlockHash());
        vm.prank(solver);
        market.claimJobSealed{value: STAKE}(jobId, keccak256(abi.encodePacked(secret)));
        vm.roll(block.number + 1);
        market.sealEntropy(jobId);
    }

    /// @notice Claim, draw, mask and commit. `lieAt` (if < leaves) replaces that leaf of the
    ///         solver's "true" list with a wrong hash (a cheat), before masking.
    function _run(uint64 steps, bytes32 secret, uint256 lieAt) internal returns (SealedRun memory r) {
        r.jobId = _post(steps);
        r.secret = secret;
        _claim(r.jobId, secret);
        Sealed memory s = market.sealedOf(r.jobId);
        (r.forced, r.pos) = _draw(secret, s.entropy, steps);
        r.leaves = new bytes32[](steps + 1);
        for (uint256 m; m <= steps; m++) r.leaves[m] = m == lieAt ? keccak256("lie") : _honest(m);
        r.masked = new bytes32[](steps + 1);
        for (uint256 m; m <= steps; m++) r.masked[m] = r.leaves[m];
        if (r.forced) r.masked[r.pos] = keccak256(abi.encodePacked(r.leaves[r.pos], secret));
        r.trueRoot = GameMerkle.root(r.leaves);
        r.stateRoot = GameMerkle.root(r.masked);
        Commitment memory c = Commitment({
            stepsRoot: r.stateRoot, finalStateHash: r.leaves[steps], finalModelHash: keccak256("model"), numSteps: steps
        });
        vm.prank(solver);
        market.commitSealed(r.jobId, c, keccak256(abi.encodePacked(r.trueRoot, secret)));
    }

    /// @notice The draw, written out independently of ForcedErrors.draw.
    function _draw(bytes32 secret, bytes32 entropy, uint256 last) internal view returns (bool forced, uint256 pos) {
        uint256 r = uint256(keccak256(abi.encodePacked(secret, entropy)));
        if (last < 2) return (false, 0);
        forced = r % 65536 < market.FORCED_ERROR_RATE();
        if (forced) pos = 1 + (r >> 16) % (last - 1);
    }

    function _reveal(SealedRun memory r) internal {
        bytes32[] memory path = r.forced ? GameMerkle.proof(r.leaves, r.pos) : new bytes32[](0);
        vm.prank(solver);
        market.revealResult(r.jobId, r.secret, r.trueRoot, r.forced ? r.leaves[r.pos] : bytes32(0), path);
    }

    function _findHash(address who, uint256 jobId, uint256 leaf, bytes32 trueLeaf, bytes32 salt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(who, jobId, leaf, trueLeaf, salt));
    }

    function _commitFind(address who, uint256 jobId, uint256 leaf, bytes32 trueLeaf, bytes32 salt) internal {
        vm.prank(who);
        market.commitFind(jobId, _findHash(who, jobId, leaf, trueLeaf, salt));
    }

    function _revealFind(address who, uint256 jobId, uint256 leaf, bytes32 trueLeaf, bytes32 salt) internal {
        vm.prank(who);
        market.revealFind(jobId, leaf, trueLeaf, salt);
    }

    function _pastDeadline(uint256 jobId) internal {
        vm.warp(uint256(market.getJob(jobId).deadline.raw()) + 1);
    }

    /// @notice A secret whose draw (at the entropy the claim will see) is `wantForced`: tests of
    ///         p < 1 pick one; the claim block is the next one.
    function _secretFor(bool wantForced, uint64 steps, uint256 salt) internal view returns (bytes32 secret) {
        for (uint256 i = salt;; i++) {
            secret = keccak256(abi.encode("secret", i));
            (bool f,) = _draw(secret, _claimBlockHash(), steps);
            if (f == wantForced) return secret;
        }
    }
}

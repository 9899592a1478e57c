// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {JobMarket} from "../../src/JobMarket.sol";
import {Commitment, JobParams} from "../../src/interfaces/IDisputeGame.sol";
import {Job, Dispute, Status, DisputeStatus} from "../../src/lib/JobMarketTypes.sol";
import {JobMarketMockGame} from "../mocks/JobMarketMockGame.sol";

/// @notice Invariant-test handler: drives the market with a cast of honest and dishonest actors.
///         Every action checks its own preconditions first, so the handler never reverts
///         (the suites run with fail_on_revert = true: any revert is a market bug).
///
///         Cast: 2 submitters, 2 honest solvers (commit the true result), 1 dishonest solver
///         (commits a lie, and may challenge its own lie first to "catch" itself), 1 honest
///         challenger (challenges lies only), 1 griefer (challenges anything), 1 keeper/donor. With `truthful`, the mock game decides like a correct
///         game (challenger wins iff the commitment is a lie); otherwise outcomes are random.
contract JobMarketHandler is CommonBase, StdCheats, StdUtils {
    JobMarket public immutable market;
    JobMarketMockGame public immutable game;
    bool public immutable truthful;

    address[] public submitters;
    address[] public solvers; // [0], [1] honest; [2] dishonest
    address public honestChallenger;
    address public griefer;
    address public keeper;
    address[] public actors; // everyone above

    // Ghost accounting.
    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    mapping(address => uint256) public ghostSent;
    mapping(address => uint256) public ghostReceived;
    mapping(address => uint256) public ghostLateSlashed;
    /// @notice Stake burned by dispute slashes of each solver's commitments.
    mapping(address => uint256) public ghostBurned;
    /// @notice Stakes of each solver slashed by disputes.
    mapping(address => uint256) public ghostDisputeSlashed;
    /// @notice What each solver earned as a solver: rewards (net of fee) and bond shares of
    ///         challenges it survived.
    mapping(address => uint256) public ghostIncome;
    uint256[] public terminalJobs;
    mapping(uint256 jobId => bytes32) public terminalHash;
    mapping(bytes32 => uint256) public calls;

    constructor(JobMarket market_, JobMarketMockGame game_, bool truthful_) {
        market = market_;
        game = game_;
        truthful = truthful_;
        submitters.push(makeAddr("submitter0"));
        submitters.push(makeAddr("submitter1"));
        solvers.push(makeAddr("honestSolver0"));
        solvers.push(makeAddr("honestSolver1"));
        solvers.push(makeAddr("dishonestSolver"));
        honestChallenger = makeAddr("honestChallenger");
        griefer = makeAddr("griefer");
        keeper = makeAddr("keeper");
        actors = [submitters[0], submitters[1], solvers[0], solvers[1], solvers[2], honestChallenger, griefer, keeper];
    }

    ////////////////////////////////////////////////////////////////
    //                          Actions                           //
    ////////////////////////////////////////////////////////////////

    function postJob(
        uint256 who,
        uint256 reward,
        uint256 stake,
        uint256 bond,
        uint64 cw,
        uint64 st,
        uint64 chw,
        uint32 k
    ) external {
        address s = submitters[who % submitters.length];
        reward = _bound(reward, 1, 100 ether);
        uint256 minStake = market.minStakeFor(reward);
        stake = _bound(stake, minStake, minStake + 10 ether);
        bond = _bound(bond, market.MIN_BOND(), market.MIN_BOND() + 10 ether);
        _deposit(s, reward);
        vm.prank(s);
        market.postJob{value: reward}(
            // any legal hash interval: the market's accounting must not depend on it
            JobParams(keccak256("spec"), keccak256("program"), 7, 100, uint32(_bound(k, 1, _maxHashInterval()))),
            "ipfs://spec",
            stake,
            bond,
            uint64(_bound(cw, 1, 7 days)),
            uint64(_bound(st, 1, 2 days)),
            uint64(_bound(chw, 1, 3 days))
        );
        _count("postJob");
    }

    function cancelJob(uint256 jobSeed) external {
        // Submitters mostly cancel stale jobs (claim window over); fresh ones a quarter of the time.
        (uint256 id, Job memory j) = _find(jobSeed, Status.Open, jobSeed % 4 != 0);
        if (id == 0) return;
        vm.prank(j.submitter);
        market.cancelJob(id);
        _count("cancelJob");
        _recordIfTerminal(id);
    }

    function claimJob(uint256 who, uint256 jobSeed) external virtual {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Open, false);
        if (id == 0) return;
        address s = solvers[who % solvers.length];
        _deposit(s, j.terms.requiredStake);
        vm.prank(s);
        market.claimJob{value: j.terms.requiredStake}(id);
        _count("claimJob");
    }

    function commitResult(uint256 jobSeed) external virtual {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Claimed, false);
        if (id == 0) return;
        bool honest = j.solver != solvers[2];
        bytes32 root = honest ? truth(id) : lie(id);
        vm.prank(j.solver);
        market.commitResult(id, Commitment(root, root, root, 100));
        _count("commitResult");
    }

    function slashLate(uint256 who, uint256 jobSeed) external virtual {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Claimed, true);
        if (id == 0) return;
        ghostLateSlashed[j.solver] += j.terms.requiredStake;
        address caller = actors[who % actors.length];
        uint256 before = market.claimable(caller);
        vm.prank(caller);
        market.slashLate(id);
        ghostIncome[caller] += market.claimable(caller) - before; // the keeper's tip
        _count("slashLate");
        _recordIfTerminal(id);
    }

    function challenge(uint8 who, uint256 jobSeed) external virtual {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Committed, false);
        if (id == 0) (id, j) = _find(jobSeed, Status.Challenged, false); // disputes run concurrently
        if (id == 0) return;
        bool isLie = j.commitment.stepsRoot != truth(id);
        // 0: honest challenger (lies only), 1: griefer (anything), 2: the dishonest solver
        // challenging its own lie (to "catch" itself, or to get in before an honest challenger)
        address c = who % 3 == 0 ? honestChallenger : who % 3 == 1 ? griefer : solvers[2];
        if (c == honestChallenger && !isLie) return; // the honest challenger checks before it bonds
        if (c == solvers[2] && j.solver != c) return;
        _deposit(c, j.terms.challengerBond);
        vm.prank(c);
        market.challenge{value: j.terms.challengerBond}(id);
        _count("challenge");
    }

    function resolve(uint256 disputeSeed, bool randomOutcome) external {
        uint256 n = market.disputeCount();
        if (n == 0) return;
        for (uint256 k; k < n; k++) {
            uint256 id = (disputeSeed % n + k) % n + 1;
            Dispute memory d = market.getDispute(id);
            if (d.status != DisputeStatus.Active) continue;
            bool won = truthful ? market.getJob(d.jobId).commitment.stepsRoot != truth(d.jobId) : randomOutcome;
            uint256 burnedBefore = market.burned();
            uint256 solverBefore = market.claimable(d.solver);
            bool live = market.slashOf(d.jobId, d.round).unpaid == 0;
            uint256 stake = market.getJob(d.jobId).terms.requiredStake;
            game.resolve(id, won);
            ghostBurned[d.solver] += market.burned() - burnedBefore;
            if (market.burned() != burnedBefore) ghostDisputeSlashed[d.solver] += stake;
            if (live && !won && d.solver != d.challenger) ghostIncome[d.solver] += market.claimable(d.solver) - solverBefore;
            _count(won ? "resolve:challengerWon" : "resolve:challengerLost");
            _recordIfTerminal(d.jobId);
            return;
        }
    }

    /// @notice Anyone settles a dispute that was open over a commitment another one proved wrong.
    function settleCoWinner(uint256 disputeSeed) external {
        uint256 n = market.disputeCount();
        for (uint256 k; k < n; k++) {
            uint256 id = (disputeSeed % (n + 1) + k) % n + 1;
            Dispute memory d = market.getDispute(id);
            if (d.status != DisputeStatus.Active || market.slashOf(d.jobId, d.round).unpaid == 0) continue;
            vm.prank(keeper);
            market.settleCoWinner(id);
            _count("settleCoWinner");
            return;
        }
    }

    function finalize(uint256 jobSeed) external virtual {
        (uint256 id, Job memory j) = _find(jobSeed, Status.Committed, true);
        if (id == 0) return;
        uint256 before = market.claimable(j.solver);
        vm.prank(keeper);
        market.finalize(id);
        ghostIncome[j.solver] += market.claimable(j.solver) - before - j.terms.requiredStake;
        _count("finalize");
        _recordIfTerminal(id);
    }

    function withdraw(uint256 who) external {
        address a = actors[who % actors.length];
        uint256 amount = market.claimable(a);
        if (amount == 0) return;
        vm.prank(a);
        market.withdraw();
        ghostWithdrawn += amount;
        ghostReceived[a] += amount;
        _count("withdraw");
    }

    function fundJackpot(uint256 amount) external {
        amount = _bound(amount, 1, 5 ether);
        _deposit(keeper, amount);
        vm.prank(keeper);
        market.fundJackpot{value: amount}();
        _count("fundJackpot");
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + _bound(secs, 0, 1 days));
        _count("warp");
    }

    ////////////////////////////////////////////////////////////////
    //                          Helpers                           //
    ////////////////////////////////////////////////////////////////

    /// @notice Largest hash interval of posted jobs (any legal one here).
    function _maxHashInterval() internal pure virtual returns (uint256) {
        return 4096;
    }

    /// @notice The true result root of a job (what honest solvers commit).
    function truth(uint256 jobId) public view virtual returns (bytes32) {
        return keccak256(abi.encode("truth", jobId));
    }

    /// @notice The dishonest solver's result root.
    function lie(uint256 jobId) public view virtual returns (bytes32) {
        return keccak256(abi.encode("lie", jobId));
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function terminalCount() external view returns (uint256) {
        return terminalJobs.length;
    }

    /// @dev First job at or after `seed` (cyclically) in `status` whose relevant deadline
    ///      (claim deadline for Open, `deadline` otherwise) is past iff `pastDeadline`; id 0 if none.
    function _find(uint256 seed, Status status, bool pastDeadline) internal view virtual returns (uint256, Job memory j) {
        uint256 n = market.jobCount();
        for (uint256 k; k < n; k++) {
            uint256 id = (seed % n + k) % n + 1;
            if (market.statusOf(id) != status) continue;
            j = market.getJob(id);
            bool past = status == Status.Open ? j.claimDeadline.isPast() : j.deadline.isPast();
            if (past == pastDeadline) return (id, j);
        }
        return (0, j);
    }

    function _deposit(address who, uint256 amount) internal {
        vm.deal(who, who.balance + amount);
        ghostDeposited += amount;
        ghostSent[who] += amount;
    }

    /// @dev Snapshot job `id` the first time it is seen in a terminal status.
    function _recordIfTerminal(uint256 id) internal {
        if (terminalHash[id] != bytes32(0)) return;
        Job memory j = market.getJob(id);
        if (j.status == Status.Finalized || j.status == Status.Cancelled || j.status == Status.Expired) {
            terminalHash[id] = keccak256(abi.encode(j));
            terminalJobs.push(id);
        }
    }

    function _count(string memory what) internal {
        calls[keccak256(bytes(what))]++;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IDisputeGame, Commitment, JobParams, MAX_HASH_INTERVAL} from "./interfaces/IDisputeGame.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IJobMarketEvents} from "./lib/JobMarketEvents.sol";
import {
    Timestamp,
    Duration,
    nowTs,
    Status,
    DisputeStatus,
    JobTerms,
    Job,
    Dispute,
    DisputeSlot,
    SlashRecord,
    MarketConfig,
    Sealed
} from "./lib/JobMarketTypes.sol";
import "./lib/JobMarketErrors.sol";
import {ForcedErrors} from "./lib/ForcedErrors.sol";

/// @title  JobMarket
/// @notice Optimistic market for verifiable ML training jobs, paid in ETH.
///         Submitters escrow a reward; a solver stakes, trains and commits to per-step state
///         hashes; during the challenge window any verifier can post a bond and open a
///         bisection dispute in `disputeGame`, which ends in a one-step on-chain re-execution
///         and reports back through `resolveDispute`. Unchallenged results finalize.
///
///         Economics (all constants below, in basis points of 10_000):
///         - finalize:         solver gets reward - PROTOCOL_FEE_BPS (2%) + its stake back;
///                             the fee feeds the jackpot.
///         - slashLate:        a solver that misses its commit deadline loses its stake:
///                             LATE_SLASH_TIP_BPS (10%) to whoever calls `slashLate`, the
///                             rest to the jackpot.
///         - challenger wins:  SLASH_BURN_BPS (50%) of the solver's stake is burned, the
///                             jackpot gets SLASH_JACKPOT_BPS (10%) and pays `jackpotPayout`;
///                             the rest of the stake plus that payout is split equally among
///                             every dispute that was open over the wrong commitment when the
///                             first one was won (co-winners), each also getting its bond back.
///         - challenger loses: BOND_JACKPOT_BPS (10%, rounded up) of its bond to the jackpot, the
///                             rest to the solver.
///         - anyone may seed the jackpot with `fundJackpot`.
///
///         Payments are pull-based: every payout is credited to `claimable[account]` and sent
///         by `withdraw`.
///
/// @dev    Dispute game wiring: the game needs the market's address and vice versa. The
///         constructor takes the game address (pass a CREATE-predicted address), or
///         address(0) and then the deployer calls `setDisputeGame` exactly once. Until the
///         game is set the market accepts no funds. After that nobody has any admin power.
///
///         INVARIANT (solvency): address(this).balance ==
///             totalEscrow + totalStakes + totalBonds + jackpot() + totalClaimable() + coWinnerPool
///             + burned() + forcedPool
///         (the getters' values: `_jackpot`, `_totalClaimable` and `_burned` store SLOT_SENTINEL more)
///         (exactly, unless someone force-sends ETH via selfdestruct; that ETH is stranded).
///         INVARIANT: totalEscrow  == sum of rewards of jobs in Open/Claimed/Committed/Challenged.
///         INVARIANT: totalStakes  == sum of requiredStake of jobs in Claimed/Committed/Challenged.
///         INVARIANT: totalBonds   == sum of bonds of Active disputes.
///         INVARIANT: coWinnerPool == sum over slash records of share * unpaid.
///         INVARIANT: a solver caught by anyone (itself included) loses at least SLASH_BURN_BPS of
///                    its stake: the burn is never credited, the jackpot share covers the payout.
///         INVARIANT: every dispute Active over a commitment when it is proven wrong is paid
///                    (bond + an equal share), whoever proved it.
///         INVARIANT: totalClaimable() == sum of claimable[account].
///         INVARIANT: a job in a terminal status (Finalized/Cancelled/Expired) never changes again.
///         INVARIANT: forcedPool == sum over sealed jobs of prize (unsettled) or prize * finds (settled).
///
///         Forced errors (FORCED_ERROR_RATE > 0, docs/PROTOCOL.md §12): solvers claim with a
///         secret's hash, commit a masked steps root plus a commitment to the true one, and reveal
///         after the find window; verifiers commit finds in that window and reveal them after the
///         solver; disputes run over the true root after the reveal.
///
///         Known limits: (1) disputes run concurrently and never pause the challenge window, so
///         no challenger (a solver's accomplice included) can block or delay another's challenge;
///         finalization waits at most for the disputes opened before the deadline, each bounded
///         by the game's clocks. (2) The market has no timeout of its own for an open dispute:
///         the game's clocks must guarantee that `resolveDispute` is eventually called.
///         (3) An accomplice that gets its challenge AND the solver's losing move mined before an
///         honest challenge lands makes that challenge revert (the job has moved on); the honest
///         verifier loses only gas and the solver still loses SLASH_BURN_BPS of its stake.
contract JobMarket is IJobMarket, IJobMarketEvents, ReentrancyGuard {
    ////////////////////////////////////////////////////////////////
    //                         Constants                          //
    ////////////////////////////////////////////////////////////////

    /// @notice Basis-point denominator.
    uint256 public constant BPS = 10_000;

    /// @notice Share of the reward withheld from the solver at finalization; feeds the jackpot.
    uint256 public constant PROTOCOL_FEE_BPS = 200;

    /// @notice Share of a dispute-slashed solver stake that goes to the jackpot.
    uint256 public constant SLASH_JACKPOT_BPS = 1_000;

    /// @notice Share of a dispute-slashed solver stake that is burned (held forever, counted in
    ///         `burned`): no challenger can recover it, so a solver that "catches" itself, or
    ///         front-runs an honest challenge with its own, still loses at least this share.
    uint256 public constant SLASH_BURN_BPS = 5_000;

    /// @notice Gas of a whole dispute, the budget `DisputeGame.Gas.t.sol` holds every dispute to.
    ///         The bond floor is this gas at the reference gas price: a losing challenger's bond
    ///         (90% to the solver) pays the solver's defence.
    uint256 public constant DISPUTE_GAS = 10_000_000;

    /// @notice Largest step count and seed: the game and the RNG index them as u32.
    uint64 public constant MAX_U32 = type(uint32).max;

    /// @notice Share of a late solver's stake paid to the `slashLate` caller; the rest goes to
    ///         the jackpot. Large enough to pay a keeper's gas, small enough that a solver
    ///         gains nothing by slashing itself.
    uint256 public constant LATE_SLASH_TIP_BPS = 1_000;

    /// @notice Share of a losing challenger's bond that goes to the jackpot; the rest
    ///         compensates the solver for defending.
    uint256 public constant BOND_JACKPOT_BPS = 1_000;

    /// @notice A winning challenger receives at most this share of the jackpot...
    uint256 public constant JACKPOT_PAYOUT_BPS = 5_000;

    /// @notice ...and at most this share of the slashed stake (see `jackpotPayout`).
    ///         INVARIANT: JACKPOT_PAYOUT_CAP_BPS <= SLASH_JACKPOT_BPS (collusion bound).
    uint256 public constant JACKPOT_PAYOUT_CAP_BPS = SLASH_JACKPOT_BPS;

    /// @notice Upper bound for every job duration (claim window, solve time, challenge window).
    uint64 public constant MAX_DURATION = 365 days;

    /// @notice Share of the jackpot held, at the reveal of a forced error, as the prize its
    ///         finders split (φ of docs/PROTOCOL.md §11); it goes back to the jackpot if nobody
    ///         found it or the commitment is proven wrong.
    uint256 public constant FORCED_PRIZE_BPS = 5_000;

    ////////////////////////////////////////////////////////////////
    //                           State                            //
    ////////////////////////////////////////////////////////////////

    /// @notice The account allowed to call `setDisputeGame` (once).
    address public immutable DEPLOYER;

    /// @notice Smallest challenger bond a job may require: DISPUTE_GAS x the reference gas price.
    uint256 public immutable MIN_BOND;

    /// @notice The declared minimum probability (bps) that a wrong commitment gets checked.
    uint256 public immutable MIN_SAMPLE_RATE_BPS;

    /// @notice Probability, of 2^16, that a sealed job carries a forced error; 0: no forced
    ///         errors and the unsealed flow (`claimJob`, `commitResult`).
    uint256 public immutable FORCED_ERROR_RATE;

    /// @notice The most finders a forced error's prize is split among (the market's expected
    ///         number of verifiers); counted by more accounts, it pays none of them and goes back
    ///         to the jackpot, so an account added by the solver (who knows its forced error) or
    ///         by a finder gains nothing (docs/PROTOCOL.md §12.4). 0: no limit.
    uint256 public immutable FORCED_FINDERS;

    /// @notice The dispute game that judges challenges and calls `resolveDispute`.
    IDisputeGame public disputeGame;

    /// @notice Number of jobs ever posted; job ids are 1..jobCount.
    uint256 public jobCount;

    /// @notice Number of disputes ever opened; dispute ids are 1..disputeCount.
    uint256 public disputeCount;

    /// @notice Sum of rewards of live (not terminal) jobs.
    uint256 public totalEscrow;

    /// @notice Sum of solver stakes currently locked.
    uint256 public totalStakes;

    /// @notice Sum of challenger bonds currently locked in active disputes.
    uint256 public totalBonds;

    /// @dev 1 wei of bookkeeping, never ETH, added to the stored value of the accumulators
    ///      that a market's first dispute slash would otherwise write from zero (`_jackpot`,
    ///      `_burned`, `_totalClaimable`): set in the constructor, it makes that slash's writes
    ///      nonzero-to-nonzero SSTOREs (5 000 gas cold) instead of zero-to-nonzero ones (22 100),
    ///      51 300 less on that oneStep (docs/PROTOCOL.md §7). Readers use the getters.
    uint256 internal constant SLOT_SENTINEL = 1;

    /// @dev Verifier jackpot + SLOT_SENTINEL; read it through `jackpot()`.
    ///      INVARIANT: _jackpot == jackpot() + SLOT_SENTINEL (never below the sentinel).
    uint256 internal _jackpot;

    /// @dev Sum of all `claimable` balances + SLOT_SENTINEL; read it through `totalClaimable()`.
    ///      INVARIANT: _totalClaimable == totalClaimable() + SLOT_SENTINEL.
    uint256 internal _totalClaimable;

    /// @notice Held for co-winning disputes not yet settled (see `SlashRecord`).
    uint256 public coWinnerPool;

    /// @dev Slashed stake burned + SLOT_SENTINEL; read it through `burned()`.
    ///      INVARIANT: _burned == burned() + SLOT_SENTINEL.
    uint256 internal _burned;

    /// @notice Held for the finders of revealed forced errors (see `Sealed.prize`).
    uint256 public forcedPool;

    /// @notice ETH credited to an account and withdrawable with `withdraw`.
    mapping(address account => uint256 amount) public claimable;

    mapping(uint256 jobId => Job) internal _jobs;
    mapping(uint256 disputeId => DisputeSlot) internal _disputes;
    mapping(uint256 jobId => mapping(uint256 round => SlashRecord)) internal _slashes;
    mapping(uint256 jobId => Sealed) internal _sealed;
    /// @dev keccak(jobId, round, find hash) => committed. Keyed by the job too: a copy of a find
    ///      hash sent against another job (front-running) must not take the original's slot.
    mapping(bytes32 key => bool) internal _findCommits;
    /// @dev keccak(jobId, round, finder) => 1 counted, 2 paid.
    mapping(bytes32 key => uint256 state) internal _finders;

    ////////////////////////////////////////////////////////////////
    //                        Setup (once)                        //
    ////////////////////////////////////////////////////////////////

    /// @param game The dispute game, or address(0) to set it later with `setDisputeGame`.
    ///             Not checked for code, so a CREATE-predicted address works.
    /// @param cfg  The economic floors (reference gas price > 0, sample rate in 1..BPS bps).
    constructor(address game, MarketConfig memory cfg) {
        if (cfg.referenceGasPrice == 0 || cfg.referenceGasPrice > 1e15) {
            revert BadMarketConfig("referenceGasPrice", cfg.referenceGasPrice);
        }
        if (cfg.minSampleRateBps == 0 || cfg.minSampleRateBps > BPS) {
            revert BadMarketConfig("minSampleRateBps", cfg.minSampleRateBps);
        }
        if (cfg.forcedErrorRate > ForcedErrors.RATE_ONE) revert BadMarketConfig("forcedErrorRate", cfg.forcedErrorRate);
        FORCED_ERROR_RATE = cfg.forcedErrorRate;
        if (cfg.forcedFinders > type(uint32).max) revert BadMarketConfig("forcedFinders", cfg.forcedFinders);
        FORCED_FINDERS = cfg.forcedFinders;
        DEPLOYER = msg.sender;
        MIN_BOND = DISPUTE_GAS * cfg.referenceGasPrice;
        MIN_SAMPLE_RATE_BPS = cfg.minSampleRateBps;
        (_jackpot, _burned, _totalClaimable) = (SLOT_SENTINEL, SLOT_SENTINEL, SLOT_SENTINEL);
        if (game != address(0)) {
            disputeGame = IDisputeGame(game);
            emit DisputeGameSet(game);
        }
    }

    /// @notice One-time wiring of the dispute game when the constructor got address(0).
    /// @dev    Only the deployer; reverts if the game is already set or has no code.
    /// @param game The dispute game contract.
    function setDisputeGame(address game) external {
        if (msg.sender != DEPLOYER) revert Unauthorized(msg.sender, DEPLOYER);
        if (address(disputeGame) != address(0)) revert DisputeGameAlreadySet(address(disputeGame));
        if (game.code.length == 0) revert NotAContract(game);
        disputeGame = IDisputeGame(game);
        emit DisputeGameSet(game);
    }

    ////////////////////////////////////////////////////////////////
    //                         Submitters                         //
    ////////////////////////////////////////////////////////////////

    /// @notice Post a training job, escrowing msg.value as the reward.
    /// @param p               What the dispute game needs to judge the job (0 < numSteps < 2^32,
    ///                        seed < 2^32, 1 <= hashInterval <= MAX_HASH_INTERVAL).
    /// @param specURI         Where solvers fetch the full spec (hash-bound by p.specHash).
    /// @param requiredStake   Exact stake a solver must lock (>= minStakeFor(msg.value)).
    /// @param challengerBond  Exact bond a challenger must lock (>= MIN_BOND).
    /// @param claimWindow     Seconds after posting during which the job can be (re)claimed.
    /// @param solveTime       Seconds a solver has, from its claim, to commit.
    /// @param challengeWindow Seconds a commitment stays challengeable (paused during disputes).
    /// @return jobId          The new job's id.
    function postJob(
        JobParams calldata p,
        string calldata specURI,
        uint256 requiredStake,
        uint256 challengerBond,
        uint64 claimWindow,
        uint64 solveTime,
        uint64 challengeWindow
    ) external payable nonReentrant returns (uint256 jobId) {
        if (address(disputeGame) == address(0)) revert DisputeGameNotSet();
        if (msg.value == 0) revert ZeroReward();
        if (requiredStake == 0) revert ZeroStake();
        if (challengerBond == 0) revert ZeroBond();
        if (challengerBond < MIN_BOND) revert BondBelowFloor(challengerBond, MIN_BOND);
        uint256 minStake = minStakeFor(msg.value);
        if (requiredStake < minStake) revert StakeBelowMinimum(requiredStake, minStake);
        if (p.numSteps == 0) revert ZeroSteps();
        if (p.numSteps > MAX_U32) revert NumStepsTooLarge(p.numSteps, MAX_U32);
        if (p.seed > MAX_U32) revert SeedTooLarge(p.seed, MAX_U32);
        if (p.hashInterval == 0 || p.hashInterval > MAX_HASH_INTERVAL) {
            revert BadHashInterval(p.hashInterval, MAX_HASH_INTERVAL);
        }
        JobTerms memory terms = JobTerms({
            requiredStake: requiredStake,
            challengerBond: challengerBond,
            claimWindow: _duration(claimWindow),
            solveTime: _duration(solveTime),
            challengeWindow: _duration(challengeWindow)
        });
        jobId = _storeJob(p, specURI, terms);
    }

    /// @dev Effects of `postJob` (split out to keep the stack shallow).
    function _storeJob(JobParams calldata p, string calldata specURI, JobTerms memory terms)
        internal
        returns (uint256 jobId)
    {
        jobId = ++jobCount;
        Job storage job = _jobs[jobId];
        job.submitter = msg.sender;
        job.status = Status.Open;
        job.claimDeadline = nowTs().plus(terms.claimWindow);
        job.reward = msg.value;
        job.terms = terms;
        job.params = p;
        totalEscrow += msg.value; // INVARIANT: escrow tracks every live reward.

        emit JobPosted(jobId, msg.sender, p.specHash, msg.value, p, terms, job.claimDeadline, specURI);
    }

    /// @notice Cancel an unclaimed job and credit the reward back to the submitter.
    /// @dev    Only the submitter, only while Open (at any time, also after the claim window).
    /// @param jobId The job to cancel.
    function cancelJob(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        if (job.status != Status.Open) revert NotInStatus(jobId, job.status);
        if (msg.sender != job.submitter) revert Unauthorized(msg.sender, job.submitter);

        uint256 refund = job.reward;
        job.status = Status.Cancelled; // INVARIANT: terminal; the reward leaves escrow exactly once.
        totalEscrow -= refund;
        _credit(msg.sender, refund);
        emit JobCancelled(jobId, msg.sender, refund);
    }

    ////////////////////////////////////////////////////////////////
    //                          Solvers                           //
    ////////////////////////////////////////////////////////////////

    /// @notice Claim an open job by locking exactly `requiredStake`.
    /// @dev    The solver must then `commitResult` within `solveTime`, or be slashed.
    /// @param jobId The job to claim.
    function claimJob(uint256 jobId) external payable nonReentrant {
        if (FORCED_ERROR_RATE != 0) revert WrongFlow(true);
        _claim(jobId);
    }

    /// @notice Claim an open job in a market with forced errors (docs/PROTOCOL.md §12).
    /// @param secretHash keccak256(secret): the secret fixes, with blockhash(claim block), whether
    ///                   and where this commitment carries a forced error.
    function claimJobSealed(uint256 jobId, bytes32 secretHash) external payable nonReentrant {
        if (FORCED_ERROR_RATE == 0) revert WrongFlow(false);
        _claim(jobId);
        delete _sealed[jobId];
        _sealed[jobId].secretHash = secretHash;
        _sealed[jobId].claimBlock = uint64(block.number);
    }

    /// @notice Record blockhash(claim block) as a sealed job's entropy; anyone, from the block
    ///         after the claim to 256 blocks later (`commitSealed` does it too). A job whose
    ///         entropy nobody sealed in time cannot be committed: its solver is slashed as late.
    function sealEntropy(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        if (job.status != Status.Claimed || FORCED_ERROR_RATE == 0) revert NotInStatus(jobId, job.status);
        _sealEntropy(jobId, _sealed[jobId]);
    }

    function _claim(uint256 jobId) internal {
        Job storage job = _job(jobId);
        if (job.status != Status.Open) revert NotInStatus(jobId, job.status);
        if (job.claimDeadline.isPast()) revert ClaimWindowClosed(jobId, job.claimDeadline);
        if (msg.value != job.terms.requiredStake) revert WrongStake(job.terms.requiredStake, msg.value);

        job.status = Status.Claimed;
        job.solver = msg.sender;
        job.deadline = nowTs().plus(job.terms.solveTime);
        totalStakes += msg.value; // INVARIANT: stakes track every locked stake.
        emit JobClaimed(jobId, msg.sender, msg.value, job.deadline);
    }

    /// @notice Commit the training result; starts the challenge window.
    /// @dev    Only the job's solver, while Claimed and no later than the commit deadline.
    /// @param jobId The claimed job.
    /// @param c     The commitment; `c.numSteps` must equal the job's `numSteps`.
    function commitResult(uint256 jobId, Commitment calldata c) external nonReentrant {
        if (FORCED_ERROR_RATE != 0) revert WrongFlow(true);
        _commit(jobId, c);
    }

    /// @notice Commit in a market with forced errors: `c.stepsRoot` is the masked root (the leaf
    ///         list verifiers replay against; at a forced position its leaf is keccak(leaf ‖ secret)),
    ///         `trueRootCommit` = keccak256(trueRoot ‖ secret). Starts the find window.
    function commitSealed(uint256 jobId, Commitment calldata c, bytes32 trueRootCommit) external nonReentrant {
        if (FORCED_ERROR_RATE == 0) revert WrongFlow(false);
        Sealed storage s = _sealed[jobId];
        if (_jobs[jobId].status == Status.Claimed) _sealEntropy(jobId, s);
        _commit(jobId, c);
        s.trueRootCommit = trueRootCommit;
        s.stateRoot = c.stepsRoot;
    }

    function _commit(uint256 jobId, Commitment calldata c) internal {
        Job storage job = _job(jobId);
        if (job.status != Status.Claimed) revert NotInStatus(jobId, job.status);
        if (msg.sender != job.solver) revert Unauthorized(msg.sender, job.solver);
        if (job.deadline.isPast()) revert CommitDeadlinePassed(jobId, job.deadline);
        if (c.numSteps != job.params.numSteps) revert WrongNumSteps(job.params.numSteps, c.numSteps);

        job.status = Status.Committed;
        job.commitment = c;
        job.round += 1; // disputes name the round they challenge: a later commitment is another round
        job.deadline = nowTs().plus(job.terms.challengeWindow);
        emit ResultCommitted(jobId, msg.sender, c, job.deadline);
    }

    /// @notice Slash a solver that missed its commit deadline. Anyone may call.
    /// @dev    The caller is credited LATE_SLASH_TIP_BPS of the stake, the rest goes to the
    ///         jackpot. The job reopens if its claim window is still open, otherwise it
    ///         expires and the reward is credited back to the submitter.
    /// @param jobId The claimed job whose commit deadline has passed.
    ///         In a market with forced errors it also slashes a solver that did not reveal its
    ///         sealed commitment by the reveal deadline (find deadline + challenge window).
    function slashLate(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        if (job.status == Status.Committed && FORCED_ERROR_RATE != 0 && !_sealed[jobId].revealed) {
            Timestamp closes = job.deadline.plus(job.terms.challengeWindow);
            if (!closes.isPast()) revert RevealWindow(jobId, job.deadline, closes);
        } else {
            if (job.status != Status.Claimed) revert NotInStatus(jobId, job.status);
            if (!job.deadline.isPast()) revert CommitDeadlineNotPassed(jobId, job.deadline);
        }

        address solver = job.solver;
        uint256 stake = job.terms.requiredStake;
        uint256 tip = stake * LATE_SLASH_TIP_BPS / BPS;
        totalStakes -= stake; // INVARIANT: stake + tip split conserves value.
        _credit(msg.sender, tip);
        _fundJackpot(stake - tip);
        emit SolverSlashedLate(jobId, solver, msg.sender, stake, tip);
        _reopen(jobId, job);
    }

    ////////////////////////////////////////////////////////////////
    //                        Challengers                         //
    ////////////////////////////////////////////////////////////////

    /// @notice Challenge a committed result by locking exactly `challengerBond`; opens a
    ///         dispute in the dispute game.
    /// @dev    While Committed or Challenged (disputes run concurrently: one challenger can never
    ///         block or pre-empt another) and no later than the challenge deadline, which
    ///         disputes do not pause. The solver itself may challenge; that can only cost it
    ///         (see `SLASH_BURN_BPS`).
    /// @param jobId The committed job.
    /// @return disputeId The new dispute's id.
    function challenge(uint256 jobId) external payable nonReentrant returns (uint256 disputeId) {
        Job storage job = _job(jobId);
        if (job.status != Status.Committed && job.status != Status.Challenged) revert NotInStatus(jobId, job.status);
        if (job.deadline.isPast()) revert ChallengeWindowClosed(jobId, job.deadline);
        if (msg.value != job.terms.challengerBond) revert WrongBond(job.terms.challengerBond, msg.value);
        // a sealed commitment is disputed over its true root, known only after the reveal
        if (FORCED_ERROR_RATE != 0 && !_sealed[jobId].revealed) revert NotRevealed(jobId);

        disputeId = ++disputeCount;
        // forge-lint: disable-next-line(unsafe-typecast) job ids and rounds count postings and commits: far below 2^64
        _disputes[disputeId] = DisputeSlot({
            solver: job.solver,
            jobId: uint64(jobId),
            status: DisputeStatus.Active,
            challenger: msg.sender,
            round: uint64(job.round)
        });
        // INVARIANT: status Challenged <=> openDisputes > 0 (for a live commitment).
        job.status = Status.Challenged;
        job.openDisputes += 1;
        totalBonds += msg.value;
        emit ChallengeOpened(disputeId, jobId, msg.sender, job.solver, msg.value);

        // Interaction last (CEI). The game is trusted: set once, by the deployer.
        disputeGame.open(disputeId, jobId, job.solver, msg.sender, job.params, job.commitment);
    }

    /// @inheritdoc IJobMarket
    /// @dev A dispute over a commitment already proven wrong is a co-winner whatever the game
    ///      says (see `settleCoWinner`); one settled early returns here without effect, so the
    ///      game can always finish. Otherwise, challenger won: the solver is slashed (`_slash`)
    ///      and the job reopens for a new solver (or expires) with its reward still escrowed.
    ///      Challenger lost: BOND_JACKPOT_BPS of the bond (rounded up) to the jackpot, the rest to
    ///      the solver; the job is Committed again once no dispute is open.
    function resolveDispute(uint256 disputeId, bool challengerWon) external nonReentrant {
        if (msg.sender != address(disputeGame)) revert Unauthorized(msg.sender, address(disputeGame));
        DisputeSlot storage d = _disputes[disputeId];
        // The game reports each dispute once, so a ChallengerWon here was settled early as a
        // co-winner (`settleCoWinner`): nothing left to do.
        if (d.status == DisputeStatus.ChallengerWon) return;
        if (d.status != DisputeStatus.Active) revert DisputeNotActive(disputeId, d.status);
        uint256 jobId = d.jobId;
        Job storage job = _jobs[jobId];
        if (_slashes[jobId][d.round].unpaid != 0) return _payCoWinner(disputeId, d);
        // INVARIANT: an Active dispute of a commitment not proven wrong is over the live commitment.
        assert(job.status == Status.Challenged && job.round == d.round && job.openDisputes > 0);

        uint256 bond = job.terms.challengerBond;
        if (challengerWon) {
            _slash(jobId, job, disputeId, d);
        } else {
            d.status = DisputeStatus.SolverWon;
            totalBonds -= bond;
            uint256 toJackpot = _bpsUp(bond, BOND_JACKPOT_BPS); // rounding never favours a griefer
            _fundJackpot(toJackpot);
            _credit(job.solver, bond - toJackpot);
            job.openDisputes -= 1;
            if (job.openDisputes == 0) job.status = Status.Committed;
            emit ChallengerLost(disputeId, jobId, job.solver, bond - toJackpot, job.deadline);
        }
    }

    /// @notice Pay a dispute that was open over a commitment another dispute proved wrong: its
    ///         bond back and its equal share. Anyone may call; the game's own resolution of that
    ///         dispute later has no effect.
    /// @param disputeId The co-winning dispute.
    function settleCoWinner(uint256 disputeId) external nonReentrant {
        DisputeSlot storage d = _disputes[disputeId];
        if (d.status != DisputeStatus.Active) revert DisputeNotActive(disputeId, d.status);
        if (_slashes[d.jobId][d.round].unpaid == 0) revert NotACoWinner(disputeId);
        _payCoWinner(disputeId, d);
    }

    /// @dev The first win over a commitment: burn SLASH_BURN_BPS of the stake, add
    ///      SLASH_JACKPOT_BPS to the jackpot and take `jackpotPayout` from it; the rest of the
    ///      stake plus the payout is split equally among the job's open disputes (this one
    ///      included), the dust to the jackpot. This dispute is paid now, the others when settled.
    function _slash(uint256 jobId, Job storage job, uint256 disputeId, DisputeSlot storage d) internal {
        uint256 stake = job.terms.requiredStake;
        uint256 toBurn = _bpsUp(stake, SLASH_BURN_BPS);
        uint256 toJackpot = _bpsUp(stake, SLASH_JACKPOT_BPS);
        totalStakes -= stake;
        _burned += toBurn;
        _fundJackpot(toJackpot);
        uint256 payout = jackpotPayout(stake);
        _jackpot -= payout;
        uint256 winners = job.openDisputes;
        uint256 pot = stake - toBurn - toJackpot + payout;
        uint256 share = pot / winners;
        _fundJackpot(pot - share * winners); // INVARIANT: the split conserves every wei
        // forge-lint: disable-next-line(unsafe-typecast) share <= stake < 2^128; winners <= openDisputes < 2^32
        _slashes[jobId][d.round] = SlashRecord({share: uint128(share), unpaid: uint32(winners)});
        coWinnerPool += share * winners;
        emit SolverSlashed(jobId, job.solver, d.round, stake, toBurn, toJackpot, payout, winners, share);
        job.openDisputes = 0;
        _reopen(jobId, job);
        _payCoWinner(disputeId, d);
    }

    /// @dev Settle one winning dispute of a slashed commitment: bond back + its share.
    function _payCoWinner(uint256 disputeId, DisputeSlot storage d) internal {
        SlashRecord storage r = _slashes[d.jobId][d.round];
        uint256 bond = _jobs[d.jobId].terms.challengerBond;
        d.status = DisputeStatus.ChallengerWon;
        r.unpaid -= 1;
        coWinnerPool -= r.share;
        totalBonds -= bond;
        _credit(d.challenger, r.share + bond);
        emit ChallengerWon(disputeId, d.jobId, d.challenger, r.share, bond);
    }

    ////////////////////////////////////////////////////////////////
    //              Forced errors (docs/PROTOCOL.md §12)          //
    ////////////////////////////////////////////////////////////////

    /// @notice Commit a find during the find window (sealed commitment, before the reveal):
    ///         findHash = keccak256(finder ‖ jobId ‖ leaf ‖ trueLeaf ‖ salt). The finder is part
    ///         of the hash, so a copy of this transaction pays nobody but the original sender.
    function commitFind(uint256 jobId, bytes32 findHash) external nonReentrant {
        Job storage job = _job(jobId);
        if (job.status != Status.Committed || FORCED_ERROR_RATE == 0) revert NotInStatus(jobId, job.status);
        if (_sealed[jobId].revealed || job.deadline.isPast()) revert FindRejected(jobId, "find window closed");
        _findCommits[keccak256(abi.encode(jobId, job.round, findHash))] = true;
        emit FindCommitted(jobId, msg.sender, findHash);
    }

    /// @notice The solver's reveal, after the find window and until find deadline + challenge
    ///         window: the secret, the true steps root and, for a forced job, the true leaf X at
    ///         the forced position with the siblings that put keccak(X ‖ secret) there under the
    ///         committed root and X under `trueRoot`. An unforced job must reveal trueRoot ==
    ///         the committed root. The commitment then holds `trueRoot` (disputes judge it) and
    ///         the challenge window starts.
    function revealResult(
        uint256 jobId,
        bytes32 secret,
        bytes32 trueRoot,
        bytes32 forcedLeaf,
        bytes32[] calldata path
    ) external nonReentrant {
        Job storage job = _job(jobId);
        Sealed storage s = _sealed[jobId];
        _checkReveal(jobId, job, s, secret, trueRoot);
        uint256 last = (job.params.numSteps + job.params.hashInterval - 1) / job.params.hashInterval;
        (bool forced, uint256 pos) =
            ForcedErrors.draw(ForcedErrors.randomness(secret, s.entropy), FORCED_ERROR_RATE, last);
        if (forced) {
            if (!ForcedErrors.verifyForced(s.stateRoot, trueRoot, pos, last, forcedLeaf, secret, path)) {
                revert BadReveal(jobId, "forced leaf proof");
            }
            _holdPrize(s, pos, forcedLeaf);
        } else if (trueRoot != s.stateRoot) {
            revert BadReveal(jobId, "unforced trueRoot");
        }
        s.revealed = true;
        job.commitment.stepsRoot = trueRoot;
        job.deadline = nowTs().plus(job.terms.challengeWindow);
        emit ResultRevealed(jobId, trueRoot, forced, pos, forced ? forcedLeaf : bytes32(0), s.prize, job.deadline);
    }

    /// @dev Status, window, secret and the true root's commitment of a reveal.
    function _checkReveal(uint256 jobId, Job storage job, Sealed storage s, bytes32 secret, bytes32 trueRoot)
        internal
        view
    {
        if (job.status != Status.Committed || FORCED_ERROR_RATE == 0 || s.revealed) revert NotInStatus(jobId, job.status);
        Timestamp closes = job.deadline.plus(job.terms.challengeWindow);
        if (!job.deadline.isPast() || closes.isPast()) revert RevealWindow(jobId, job.deadline, closes);
        if (keccak256(abi.encodePacked(secret)) != s.secretHash) revert BadReveal(jobId, "secret");
        if (ForcedErrors.rootCommit(trueRoot, secret) != s.trueRootCommit) revert BadReveal(jobId, "trueRoot");
    }

    /// @dev A revealed forced error: FORCED_PRIZE_BPS of the jackpot is held for its finders.
    function _holdPrize(Sealed storage s, uint256 pos, bytes32 forcedLeaf) internal {
        uint256 prize = jackpot() * FORCED_PRIZE_BPS / BPS;
        _jackpot -= prize;
        forcedPool += prize;
        // forge-lint: disable-next-line(unsafe-typecast) prize <= total ETH < 2^128; pos < 2^32 leaves
        (s.prize, s.pos, s.forcedLeaf, s.forced) = (uint128(prize), uint32(pos), forcedLeaf, true);
    }

    /// @notice Reveal a committed find after the solver's reveal, until the challenge deadline.
    ///         Counted (for an equal share of the prize) only if it is the forced error: leaf ==
    ///         pos and trueLeaf == X; anything else reverts (a real mismatch is disputed instead).
    function revealFind(uint256 jobId, uint256 leaf, bytes32 trueLeaf, bytes32 salt) external nonReentrant {
        Job storage job = _job(jobId);
        Sealed storage s = _sealed[jobId];
        if (job.status != Status.Committed && job.status != Status.Challenged) revert NotInStatus(jobId, job.status);
        if (!s.revealed) revert NotRevealed(jobId);
        if (job.deadline.isPast()) revert FindRejected(jobId, "challenge window closed");
        bytes32 h = ForcedErrors.findHash(msg.sender, jobId, leaf, trueLeaf, salt);
        if (!_findCommits[keccak256(abi.encode(jobId, job.round, h))]) revert FindNotCommitted(jobId, msg.sender);
        if (!s.forced || leaf != s.pos || trueLeaf != s.forcedLeaf) revert NotTheForcedError(jobId, leaf);
        if (msg.sender == job.solver) revert FindRejected(jobId, "the solver's own forced error");
        bytes32 key = keccak256(abi.encode(jobId, job.round, msg.sender));
        if (_finders[key] != 0) revert FindRejected(jobId, "already counted");
        _finders[key] = 1;
        s.finds += 1;
        emit ForcedErrorFound(jobId, msg.sender, leaf);
    }

    /// @notice A counted finder of a finalized forced job collects its equal share.
    function collectForcedPrize(uint256 jobId) external nonReentrant {
        Sealed storage s = _sealed[jobId];
        bytes32 key = keccak256(abi.encode(jobId, _jobs[jobId].round, msg.sender));
        if (!s.settled || _finders[key] != 1) revert NoForcedPrize(jobId, msg.sender);
        _finders[key] = 2;
        s.finds -= 1;
        forcedPool -= s.prize;
        _credit(msg.sender, s.prize);
        emit ForcedPrizePaid(jobId, msg.sender, s.prize);
    }

    /// @dev At finalization: the prize becomes an equal share per finder (dust to the jackpot),
    ///      or goes back to the jackpot if nobody found the forced error (the miss is on chain)
    ///      or more than FORCED_FINDERS did (share 0: an extra account gains nobody anything).
    function _settleForced(uint256 jobId) internal {
        Sealed storage s = _sealed[jobId];
        if (!s.revealed) revert NotRevealed(jobId);
        if (!s.forced) return;
        s.settled = true;
        uint256 prize = s.prize;
        bool crowded = FORCED_FINDERS != 0 && s.finds > FORCED_FINDERS;
        uint256 share = s.finds == 0 || crowded ? 0 : prize / s.finds;
        uint256 back = prize - share * s.finds;
        forcedPool -= back;
        _fundJackpot(back);
        // forge-lint: disable-next-line(unsafe-typecast) share <= prize < 2^128
        s.prize = uint128(share);
        emit ForcedErrorSettled(jobId, s.pos, s.finds, share);
    }

    function _sealEntropy(uint256 jobId, Sealed storage s) internal {
        if (s.entropy != bytes32(0)) return;
        bytes32 bh = blockhash(s.claimBlock);
        if (bh == bytes32(0)) revert EntropyUnavailable(jobId, s.claimBlock);
        s.entropy = bh;
        emit EntropySealed(jobId, bh);
    }

    /// @notice A sealed job's forced-error record (zeroed for unsealed jobs).
    function sealedOf(uint256 jobId) external view returns (Sealed memory) {
        return _sealed[jobId];
    }

    /// @notice 0 none, 1 counted, 2 paid: a finder's status for a job's commitment round.
    function finderStatus(uint256 jobId, uint256 round, address finder) external view returns (uint256) {
        return _finders[keccak256(abi.encode(jobId, round, finder))];
    }

    ////////////////////////////////////////////////////////////////
    //                     Finalize / withdraw                    //
    ////////////////////////////////////////////////////////////////

    /// @notice Finalize an unchallenged (or successfully defended) result. Anyone may call.
    /// @dev    Only while Committed (no open dispute) and after the challenge deadline.
    ///         Credits the solver reward - fee + stake; the fee (PROTOCOL_FEE_BPS) feeds the
    ///         jackpot.
    /// @param jobId The committed job.
    function finalize(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        if (job.status != Status.Committed) revert NotInStatus(jobId, job.status);
        if (!job.deadline.isPast()) revert ChallengeWindowOpen(jobId, job.deadline);
        if (FORCED_ERROR_RATE != 0) _settleForced(jobId);

        uint256 reward = job.reward;
        uint256 stake = job.terms.requiredStake;
        uint256 fee = reward * PROTOCOL_FEE_BPS / BPS;
        job.status = Status.Finalized; // INVARIANT: terminal; never reopens or pays again.
        totalEscrow -= reward;
        totalStakes -= stake;
        _fundJackpot(fee);
        _credit(job.solver, reward - fee + stake);
        emit JobFinalized(jobId, job.solver, reward - fee + stake, fee);
    }

    /// @notice Send the caller its whole claimable balance.
    /// @dev    CEI + nonReentrant: the balance is zeroed before the ETH transfer.
    /// @return amount The amount sent.
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = claimable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        claimable[msg.sender] = 0;
        _totalClaimable -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    /// @notice Donate msg.value to the verifier jackpot (e.g. to bootstrap it).
    function fundJackpot() external payable nonReentrant {
        if (address(disputeGame) == address(0)) revert DisputeGameNotSet();
        if (msg.value == 0) revert ZeroValue();
        _fundJackpot(msg.value);
    }

    ////////////////////////////////////////////////////////////////
    //                           Views                            //
    ////////////////////////////////////////////////////////////////

    /// @notice Verifier jackpot: accumulates fees and slash shares, pays out on proven fraud.
    function jackpot() public view returns (uint256) {
        return _jackpot - SLOT_SENTINEL;
    }

    /// @notice Sum of all `claimable` balances.
    function totalClaimable() public view returns (uint256) {
        return _totalClaimable - SLOT_SENTINEL;
    }

    /// @notice Slashed stake burned (SLASH_BURN_BPS of each dispute slash): never paid out.
    function burned() public view returns (uint256) {
        return _burned - SLOT_SENTINEL;
    }

    /// @notice The jackpot payout a challenger would get for slashing a solver with `stake`,
    ///         given the current jackpot (after the slash share has been added to it):
    ///
    ///             payout = min(jackpot * JACKPOT_PAYOUT_BPS / BPS,
    ///                          stake * JACKPOT_PAYOUT_CAP_BPS / BPS)
    ///
    ///         Why a jackpot (Truebit's verifier's dilemma): if solvers almost never cheat,
    ///         a verifier's expected income from catching cheats, P(cheat) * reward, falls
    ///         below the cost of re-running the training, so rational verifiers stop checking
    ///         and cheating becomes profitable again. Fees, late slashes and forfeited bonds
    ///         therefore accumulate in a jackpot that pays out in bursts when fraud is
    ///         actually proven, raising the value of the rare catch.
    ///
    ///         Why the stake cap: submitter, solver and challenger may be one person. Such a
    ///         ring can "catch" its own wrong result at will; it recovers its stake minus
    ///         SLASH_JACKPOT_BPS and gets the payout. Capping the payout at that same share
    ///         (JACKPOT_PAYOUT_CAP_BPS == SLASH_JACKPOT_BPS) makes self-dealing at best
    ///         break-even (minus gas), so the jackpot cannot be drained; an honest challenger
    ///         who catches a real cheater gets up to the full stake plus its bond back.
    ///         With the burn (SLASH_BURN_BPS) a self-dealing ring now recovers at most half the
    ///         stake: the cap keeps the payout within the jackpot share the slash added.
    /// @param stake The stake being slashed.
    /// @return The payout from the jackpot.
    function jackpotPayout(uint256 stake) public view returns (uint256) {
        uint256 byJackpot = jackpot() * JACKPOT_PAYOUT_BPS / BPS;
        uint256 byStake = stake * JACKPOT_PAYOUT_CAP_BPS / BPS;
        return byJackpot < byStake ? byJackpot : byStake;
    }

    /// @notice The smallest stake a job with `reward` may require: with q = MIN_SAMPLE_RATE_BPS
    ///         the probability that a wrong commitment is checked, a cheater that does no work
    ///         gains the reward with probability 1 - q and loses at least half its stake
    ///         (SLASH_BURN_BPS, whoever catches it) with probability q; cheating has no positive
    ///         expected value iff stake * q / 2 >= reward * (1 - q), i.e.
    ///             stake >= 2 * reward * (BPS - q) / q   (rounded up).
    /// @param reward The job's reward.
    function minStakeFor(uint256 reward) public view returns (uint256) {
        uint256 q = MIN_SAMPLE_RATE_BPS;
        uint256 num = 2 * reward * (BPS - q);
        return (num + q - 1) / q;
    }

    /// @notice What a proven-wrong commitment (job, round) left for its co-winning disputes.
    function slashOf(uint256 jobId, uint256 round) external view returns (SlashRecord memory) {
        return _slashes[jobId][round];
    }

    /// @notice A job's full record (zeroed struct for unknown ids).
    /// @param jobId The job.
    function getJob(uint256 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    /// @notice A dispute's full record (zeroed struct for unknown ids).
    /// @param disputeId The dispute.
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        DisputeSlot storage d = _disputes[disputeId];
        if (d.jobId == 0) return Dispute(0, address(0), DisputeStatus.None, 0, address(0), 0);
        return Dispute(d.jobId, d.challenger, d.status, d.round, d.solver, _jobs[d.jobId].terms.challengerBond);
    }

    /// @notice A job's status (None for unknown ids).
    /// @param jobId The job.
    function statusOf(uint256 jobId) external view returns (Status) {
        return _jobs[jobId].status;
    }

    ////////////////////////////////////////////////////////////////
    //                         Internals                          //
    ////////////////////////////////////////////////////////////////

    /// @dev Storage pointer to an existing job; reverts for unknown ids.
    function _job(uint256 jobId) internal view returns (Job storage job) {
        job = _jobs[jobId];
        if (job.status == Status.None) revert UnknownJob(jobId);
    }

    /// @dev Validates a job duration: 1..MAX_DURATION seconds.
    function _duration(uint64 secs) internal pure returns (Duration) {
        if (secs == 0 || secs > MAX_DURATION) revert DurationOutOfRange(secs, MAX_DURATION);
        return Duration.wrap(secs);
    }

    /// @dev After the solver's stake has been taken: make the job claimable again, or, if its
    ///      claim window is over, expire it and credit the reward back to the submitter.
    function _reopen(uint256 jobId, Job storage job) internal {
        Sealed storage s = _sealed[jobId];
        if (s.prize != 0) {
            // a commitment proven wrong (or never revealed) pays no finder: the prize goes back
            forcedPool -= s.prize;
            _fundJackpot(s.prize);
            s.prize = 0;
        }
        job.solver = address(0);
        job.deadline = Timestamp.wrap(0);
        delete job.commitment;
        if (job.claimDeadline.isPast()) {
            uint256 refund = job.reward;
            job.status = Status.Expired; // INVARIANT: terminal; the reward leaves escrow exactly once.
            totalEscrow -= refund;
            _credit(job.submitter, refund);
            emit JobExpired(jobId, job.submitter, refund);
        } else {
            job.status = Status.Open;
            emit JobReopened(jobId, job.claimDeadline);
        }
    }

    /// @dev `amount * bps / BPS`, rounded up (what the protocol keeps never rounds down to 0).
    function _bpsUp(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return (amount * bps + BPS - 1) / BPS;
    }

    /// @dev Credit `amount` to `account`'s pull balance.
    function _credit(address account, uint256 amount) internal {
        if (amount == 0) return;
        claimable[account] += amount;
        _totalClaimable += amount;
        emit Credited(account, amount);
    }

    /// @dev Add `amount` to the jackpot.
    function _fundJackpot(uint256 amount) internal {
        if (amount == 0) return;
        uint256 stored = _jackpot + amount;
        _jackpot = stored;
        emit JackpotFunded(msg.sender, amount, stored - SLOT_SENTINEL);
    }
}

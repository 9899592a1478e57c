// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Commitment, JobParams} from "../interfaces/IDisputeGame.sol";

/// @notice A point in time, in seconds since the Unix epoch (`block.timestamp`).
type Timestamp is uint64;

/// @notice A length of time, in seconds.
type Duration is uint64;

using {plus, isPast, remaining, raw} for Timestamp global;

/// @notice The current block time as a `Timestamp`.
function nowTs() view returns (Timestamp) {
    return Timestamp.wrap(uint64(block.timestamp));
}

/// @notice `t + d`. Cannot overflow for the durations the market accepts (<= MAX_DURATION).
function plus(Timestamp t, Duration d) pure returns (Timestamp) {
    return Timestamp.wrap(Timestamp.unwrap(t) + Duration.unwrap(d));
}

/// @notice True iff `deadline` has passed. An action "before the deadline" is allowed while
///         `block.timestamp <= deadline`; an action "after the deadline" needs
///         `block.timestamp > deadline`. The two never overlap and leave no gap.
function isPast(Timestamp deadline) view returns (bool) {
    // forge-lint: disable-next-line(block-timestamp)
    return block.timestamp > Timestamp.unwrap(deadline);
}

/// @notice Time left until `deadline` (0 once it has passed).
function remaining(Timestamp deadline) view returns (Duration) {
    uint64 d = Timestamp.unwrap(deadline);
    // forge-lint: disable-next-line(block-timestamp)
    return Duration.wrap(block.timestamp >= d ? 0 : d - uint64(block.timestamp));
}

/// @notice The underlying seconds value.
function raw(Timestamp t) pure returns (uint64) {
    return Timestamp.unwrap(t);
}

/// @notice Lifecycle of a job.
///
///     None ──postJob──▶ Open ──claimJob──▶ Claimed ──commitResult──▶ Committed ──finalize──▶ Finalized
///                        │ ▲                 │                        │     ▲
///              cancelJob │ └──slashLate──────┘                challenge│     │ solver wins the last open dispute
///                        ▼ └──────────── a challenger wins ─────── Challenged ┘ (challenge: more disputes)
///                    Cancelled
///
///     Challenged means "at least one dispute over the current commitment is active"; further
///     challenges are accepted in that status until the challenge deadline (which disputes do
///     not pause).
///
///     A reopen (slashLate, challenger wins) after the claim deadline goes to Expired instead
///     of Open, and the reward is credited back to the submitter.
///     Terminal states: Finalized, Cancelled, Expired.
enum Status {
    None,
    Open,
    Claimed,
    Committed,
    Challenged,
    Finalized,
    Cancelled,
    Expired
}

/// @notice Lifecycle of a dispute: Active until the game reports, then one of the outcomes.
enum DisputeStatus {
    None,
    Active,
    ChallengerWon,
    SolverWon
}

/// @notice The economic and timing terms a submitter attaches to a job.
/// @custom:field requiredStake   Exact ETH a solver must lock to claim the job.
/// @custom:field challengerBond  Exact ETH a verifier must lock to challenge a commitment.
/// @custom:field claimWindow     How long after posting the job can be (re)claimed.
/// @custom:field solveTime       How long a solver has, from its claim, to commit.
/// @custom:field challengeWindow How long a commitment can be challenged (disputes run
///                               concurrently and do not pause it).
struct JobTerms {
    uint256 requiredStake;
    uint256 challengerBond;
    Duration claimWindow;
    Duration solveTime;
    Duration challengeWindow;
}

/// @notice A job's full on-chain record.
/// @custom:field deadline     For Claimed: the commit deadline. For Committed/Challenged: the
///                            challenge deadline. Zero otherwise.
/// @custom:field openDisputes Active disputes over the current commitment (Challenged iff > 0).
/// @custom:field round        Number of commitments ever made to this job; the current one is
///                            `round` (a dispute remembers the round it challenged).
struct Job {
    address submitter;
    Status status;
    Timestamp claimDeadline;
    address solver;
    Timestamp deadline;
    uint32 openDisputes;
    uint256 reward;
    uint256 round;
    JobTerms terms;
    JobParams params;
    Commitment commitment;
}

/// @notice A dispute's on-chain record.
/// @custom:field round The job's commitment round the dispute challenged (see `Job.round`).
struct Dispute {
    uint256 jobId;
    address challenger;
    DisputeStatus status;
    uint64 round;
    address solver;
    uint256 bond;
}

/// @notice How a dispute is stored: two slots instead of `Dispute`'s four, which keeps the
///         challenge transaction within the per-move gas budget. The bond is not stored: it
///         always equals the job's immutable `terms.challengerBond`. Job ids fit in 64 bits
///         (they count postings from 1).
struct DisputeSlot {
    address solver;
    uint64 jobId;
    DisputeStatus status;
    address challenger;
    uint64 round;
}

/// @notice What a proven-wrong commitment left for the disputes that were open over it when the
///         first one was won (co-winners): each is paid `share` + its bond when it is settled.
/// @custom:field share  Per-dispute share of the slashed stake and the jackpot payout.
/// @custom:field unpaid Co-winning disputes not yet settled.
struct SlashRecord {
    uint128 share;
    uint32 unpaid;
}

/// @notice Deployment parameters of the market's economic floors.
/// @custom:field referenceGasPrice  Gas price (wei) at which a whole dispute's gas
///                                  (`DISPUTE_GAS`) is priced for the bond floor.
/// @custom:field minSampleRateBps   The market's declared minimum probability (bps) that a wrong
///                                  commitment is checked by some verifier; it sets the minimum
///                                  stake per reward (`JobMarket.minStakeFor`).
/// @custom:field forcedErrorRate    Probability (of 2^16) that a job carries a forced error
///                                  (docs/PROTOCOL.md §12); 0 keeps the unsealed flow.
/// @custom:field forcedFinders      The seats of a forced error's prize (docs/PROTOCOL.md §12.4):
///                                  found by more accounts than this, it pays nobody; 0: no limit.
struct MarketConfig {
    uint256 referenceGasPrice;
    uint256 minSampleRateBps;
    uint256 forcedErrorRate;
    uint256 forcedFinders;
}

/// @notice A sealed job's forced-error record for its current round (docs/PROTOCOL.md §12).
/// @custom:field secretHash     keccak256(secret), from `claimJobSealed`.
/// @custom:field entropy        blockhash(claimBlock), sealed within 256 blocks of the claim.
/// @custom:field trueRootCommit keccak256(trueRoot ‖ secret), from `commitSealed`.
/// @custom:field stateRoot      The committed (masked) steps root verifiers replayed against.
/// @custom:field forcedLeaf     X, the true leaf at `pos` (forced jobs, after the reveal).
/// @custom:field claimBlock     Block of the claim.
/// @custom:field pos            The forced leaf index (forced jobs, after the reveal).
/// @custom:field finds          Valid finders counted; after settlement: finders not yet paid.
/// @custom:field revealed       The solver revealed (the commitment now holds trueRoot).
/// @custom:field forced         The randomness drew a forced error.
/// @custom:field settled        Finalized: `prize` is now the per-finder share.
/// @custom:field prize          Held for the finders (taken from the jackpot at the reveal);
///                              after settlement the share of each finder not yet paid.
struct Sealed {
    bytes32 secretHash;
    bytes32 entropy;
    bytes32 trueRootCommit;
    bytes32 stateRoot;
    bytes32 forcedLeaf;
    uint64 claimBlock;
    uint32 pos;
    uint32 finds;
    bool revealed;
    bool forced;
    bool settled;
    uint128 prize;
}

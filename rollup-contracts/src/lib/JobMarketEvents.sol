// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Commitment, JobParams} from "../interfaces/IDisputeGame.sol";
import {Timestamp, JobTerms} from "./JobMarketTypes.sol";

/// @title  IJobMarketEvents
/// @notice Every JobMarket state change emits one of these; off-chain bots are driven by them.
interface IJobMarketEvents {

    /// @notice The dispute game was set.
    event DisputeGameSet(address indexed game);
    /// @notice A job was posted with `reward` escrowed.
    event JobPosted(
        uint256 indexed jobId,
        address indexed submitter,
        bytes32 indexed specHash,
        uint256 reward,
        JobParams params,
        JobTerms terms,
        Timestamp claimDeadline,
        string specURI
    );
    /// @notice The submitter cancelled an unclaimed job; `refund` was credited to it.
    event JobCancelled(uint256 indexed jobId, address indexed submitter, uint256 refund);
    /// @notice A solver locked its stake and must commit by `commitDeadline`.
    event JobClaimed(uint256 indexed jobId, address indexed solver, uint256 stake, Timestamp commitDeadline);
    /// @notice A solver missed its commit deadline and lost `stake` (`tip` to `caller`).
    event SolverSlashedLate(
        uint256 indexed jobId, address indexed solver, address indexed caller, uint256 stake, uint256 tip
    );
    /// @notice A job is claimable again (after slashLate or a lost dispute).
    event JobReopened(uint256 indexed jobId, Timestamp claimDeadline);
    /// @notice A job could not reopen because its claim window is over; `refund` went back to the submitter.
    event JobExpired(uint256 indexed jobId, address indexed submitter, uint256 refund);
    /// @notice The solver committed; the result can be challenged until `challengeDeadline`.
    event ResultCommitted(
        uint256 indexed jobId, address indexed solver, Commitment commitment, Timestamp challengeDeadline
    );
    /// @notice A challenger posted `bond` and the dispute game was opened.
    event ChallengeOpened(
        uint256 indexed disputeId, uint256 indexed jobId, address indexed challenger, address solver, uint256 bond
    );
    /// @notice A challenger's dispute over a proven-wrong commitment paid out: `share` (of the
    ///         slashed stake and the jackpot payout, split among the co-winners) + its bond back.
    ///         Emitted for the dispute that proved it and for every co-winner when settled.
    event ChallengerWon(
        uint256 indexed disputeId, uint256 indexed jobId, address indexed challenger, uint256 share, uint256 bondReturned
    );
    /// @notice The commitment of `round` was proven wrong: `stake` slashed, `burned` destroyed,
    ///         `toJackpot` to the jackpot, `jackpotPaid` taken from it, and `share` per winning
    ///         dispute for the `winners` disputes that were open over the commitment.
    event SolverSlashed(
        uint256 indexed jobId,
        address indexed solver,
        uint256 round,
        uint256 stake,
        uint256 burned,
        uint256 toJackpot,
        uint256 jackpotPaid,
        uint256 winners,
        uint256 share
    );
    /// @notice The solver survived the challenge; `bondShare` of the bond was credited to it. The
    ///         challenge deadline (never paused) is `challengeDeadline`.
    event ChallengerLost(
        uint256 indexed disputeId,
        uint256 indexed jobId,
        address indexed solver,
        uint256 bondShare,
        Timestamp challengeDeadline
    );
    /// @notice The job is done: `payout` (reward - fee + stake) credited to the solver.
    event JobFinalized(uint256 indexed jobId, address indexed solver, uint256 payout, uint256 fee);
    /// @notice The jackpot grew by `amount` (fee, slash share, bond share or donation).
    event JackpotFunded(address indexed from, uint256 amount, uint256 newJackpot);
    /// @notice `amount` was credited to `account`'s claimable balance.
    event Credited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice blockhash(claimBlock) was recorded as the job's entropy (sealed flow).
    event EntropySealed(uint256 indexed jobId, bytes32 entropy);
    /// @notice A verifier committed a find (keccak(finder, jobId, leaf, trueLeaf, salt)).
    event FindCommitted(uint256 indexed jobId, address indexed finder, bytes32 findHash);
    /// @notice The solver revealed its secret: the commitment's stepsRoot is now `trueRoot`;
    ///         disputes and find reveals run until `challengeDeadline`. For a forced job, `pos`,
    ///         `forcedLeaf` (the true leaf) and the `prize` held for its finders.
    event ResultRevealed(
        uint256 indexed jobId,
        bytes32 trueRoot,
        bool forced,
        uint256 pos,
        bytes32 forcedLeaf,
        uint256 prize,
        Timestamp challengeDeadline
    );
    /// @notice A finder revealed the forced error's true leaf (counted for an equal share).
    event ForcedErrorFound(uint256 indexed jobId, address indexed finder, uint256 pos);
    /// @notice A forced job finalized: `finders` share the prize (`share` each); with 0 finders
    ///         the forced error was missed and the prize went back to the jackpot.
    event ForcedErrorSettled(uint256 indexed jobId, uint256 pos, uint256 finders, uint256 share);
    /// @notice A finder collected its share.
    event ForcedPrizePaid(uint256 indexed jobId, address indexed finder, uint256 share);
}

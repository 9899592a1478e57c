// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What a solver commits to for a job: the Merkle root over its per-step state hashes,
///         the hash of the final training state and of the final model, and the step count.
/// @dev    `numSteps` must equal the job's `JobParams.numSteps` (enforced by the JobMarket).
struct Commitment {
    bytes32 stepsRoot;
    bytes32 finalStateHash;
    bytes32 finalModelHash;
    uint64 numSteps;
}

/// @notice The parts of a job the dispute game needs to judge a one-step re-execution:
///         the training spec, the program (op table) root, the RNG seed and the step count.
struct JobParams {
    bytes32 specHash;
    bytes32 programRoot;
    uint64 seed;
    uint64 numSteps;
}

/// @title  IDisputeGame
/// @notice The bisection dispute game the JobMarket delegates challenges to.
interface IDisputeGame {
    /// @notice Called by the JobMarket when a challenge is opened. The game later calls
    ///         `IJobMarket.resolveDispute(disputeId, challengerWon)` exactly once.
    /// @param disputeId  Market-assigned id, unique across all jobs (starts at 1).
    /// @param jobId      The challenged job.
    /// @param solver     The solver defending `c`.
    /// @param challenger The verifier claiming `c` is wrong.
    /// @param job        What the game needs to judge the training run.
    /// @param c          The challenged commitment.
    function open(
        uint256 disputeId,
        uint256 jobId,
        address solver,
        address challenger,
        JobParams calldata job,
        Commitment calldata c
    ) external;
}

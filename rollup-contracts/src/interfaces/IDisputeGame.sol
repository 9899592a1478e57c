// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What a solver commits to for a job: the Merkle root over its leaf state hashes
///         (H[min(m*K, T)] for m = 0..ceil(T/K), K = the job's hashInterval), the hash of the
///         final training state H[T] and of the final model, and the step count T.
/// @dev    `numSteps` must equal the job's `JobParams.numSteps` (enforced by the JobMarket).
struct Commitment {
    bytes32 stepsRoot;
    bytes32 finalStateHash;
    bytes32 finalModelHash;
    uint64 numSteps;
}

// Largest `JobParams.hashInterval` the market accepts (reproducible-ops/hash-schedule.ts).
uint32 constant MAX_HASH_INTERVAL = 4096;

/// @notice The parts of a job the dispute game needs to judge a one-step re-execution:
///         the training spec, the program (op table) root, the RNG seed, the step count and
///         the hash interval K (the steps tree commits every K-th state hash, see `Commitment`).
/// @dev    `hashInterval` is last so it packs into the slot of seed / numSteps; the JobMarket
///         only accepts 1 <= hashInterval <= 4096 (1 = a state hash after every step).
struct JobParams {
    bytes32 specHash;
    bytes32 programRoot;
    uint64 seed;
    uint64 numSteps;
    uint32 hashInterval;
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

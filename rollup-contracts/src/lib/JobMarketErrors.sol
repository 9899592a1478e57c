// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Status, DisputeStatus, Timestamp} from "./JobMarketTypes.sol";

////////////////////////////////////////////////////////////////
//                    JobMarket errors                        //
////////////////////////////////////////////////////////////////

/// @notice The caller is not the account allowed to call this function.
error Unauthorized(address caller, address expected);

/// @notice The dispute game is already set (it can be set only once).
error DisputeGameAlreadySet(address game);

/// @notice The dispute game is not set yet; the market accepts no funds until it is.
error DisputeGameNotSet();

/// @notice The proposed dispute game address has no code.
error NotAContract(address account);

/// @notice A job must escrow a non-zero reward.
error ZeroReward();

/// @notice A job must require a non-zero solver stake (otherwise nothing can be slashed).
error ZeroStake();

/// @notice A job must require a non-zero challenger bond (otherwise challenges are free spam).
error ZeroBond();

/// @notice A job must have at least one training step.
error ZeroSteps();

/// @notice `JobParams.hashInterval` must be in [1, max].
error BadHashInterval(uint256 given, uint256 max);

/// @notice The challenger bond is below the market's floor (a whole dispute's gas at the
///         reference gas price): a dust bond would make griefing an honest solver free.
error BondBelowFloor(uint256 given, uint256 floor);

/// @notice The solver stake is below `minStakeFor(reward)`: at the market's declared minimum
///         sample rate, cheating on this job would have positive expected value.
error StakeBelowMinimum(uint256 given, uint256 minimum);

/// @notice `JobParams.numSteps` must be below 2^32 (the game and the RNG index steps by u32).
error NumStepsTooLarge(uint64 given, uint64 max);

/// @notice `JobParams.seed` must be below 2^32 (the RNG key is a u32, as in the engine).
error SeedTooLarge(uint64 given, uint64 max);

/// @notice A deployment parameter is out of range.
error BadMarketConfig(string field, uint256 given);

/// @notice `settleCoWinner` on a dispute whose commitment has not been proven wrong.
error NotACoWinner(uint256 disputeId);

/// @notice A job duration is outside [1, max] seconds.
error DurationOutOfRange(uint64 duration, uint64 max);

/// @notice No job with this id exists.
error UnknownJob(uint256 jobId);

/// @notice The job is not in the status the function requires.
error NotInStatus(uint256 jobId, Status actual);

/// @notice The job's claim deadline has passed.
error ClaimWindowClosed(uint256 jobId, Timestamp claimDeadline);

/// @notice `commitResult` after the solver's commit deadline.
error CommitDeadlinePassed(uint256 jobId, Timestamp deadline);

/// @notice `slashLate` while the solver can still commit (block.timestamp <= deadline).
error CommitDeadlineNotPassed(uint256 jobId, Timestamp deadline);

/// @notice `challenge` after the challenge deadline.
error ChallengeWindowClosed(uint256 jobId, Timestamp deadline);

/// @notice `finalize` while the result can still be challenged (block.timestamp <= deadline).
error ChallengeWindowOpen(uint256 jobId, Timestamp deadline);

/// @notice msg.value does not equal the job's required stake.
error WrongStake(uint256 expected, uint256 sent);

/// @notice msg.value does not equal the job's required challenger bond.
error WrongBond(uint256 expected, uint256 sent);

/// @notice The commitment's step count does not match the job's.
error WrongNumSteps(uint64 expected, uint64 committed);

/// @notice The dispute does not exist or has already been resolved.
error DisputeNotActive(uint256 disputeId, DisputeStatus actual);

/// @notice `withdraw` was called with nothing to withdraw.
error NothingToWithdraw(address account);

/// @notice `fundJackpot` was called without value.
error ZeroValue();

/// @notice The ETH transfer in `withdraw` failed.
error TransferFailed(address to, uint256 amount);

////////////////////////////////////////////////////////////////
//                 Forced errors (PROTOCOL §12)               //
////////////////////////////////////////////////////////////////

/// @notice This market has forced errors: claim with `claimJobSealed` and commit with `commitSealed`
///         (or it has none, and the sealed functions are off).
error WrongFlow(bool sealedExpected);

/// @notice blockhash(claimBlock) is not readable now (same block as the claim, or > 256 blocks later).
error EntropyUnavailable(uint256 jobId, uint256 claimBlock);

/// @notice The sealed commitment's secret / root / forced-leaf proof does not check out.
error BadReveal(uint256 jobId, string what);

/// @notice A reveal outside its window: only after the find window and until the reveal deadline.
error RevealWindow(uint256 jobId, Timestamp opens, Timestamp closes);

/// @notice A challenge or find reveal needs the solver's reveal first.
error NotRevealed(uint256 jobId);

/// @notice The find was not committed by this sender for this job's current commitment.
error FindNotCommitted(uint256 jobId, address finder);

/// @notice The revealed find is not the forced error (not forced, another leaf, or another hash).
error NotTheForcedError(uint256 jobId, uint256 leaf);

/// @notice A find window closed, a find already counted or paid, or the solver finding its own error.
error FindRejected(uint256 jobId, string why);

/// @notice Nothing to collect: not a settled finder of this job.
error NoForcedPrize(uint256 jobId, address finder);

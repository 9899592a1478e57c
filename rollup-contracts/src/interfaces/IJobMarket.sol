// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title  IJobMarket
/// @notice The callback surface the dispute game uses to report a dispute's outcome.
interface IJobMarket {
    /// @notice Only callable by the dispute game; challengerWon=true slashes the solver.
    /// @param disputeId      The id passed to `IDisputeGame.open`.
    /// @param challengerWon  True iff the solver's commitment was shown to be wrong.
    function resolveDispute(uint256 disputeId, bool challengerWon) external;
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title  DataAnnouncer
/// @notice Where a solver serves a job's data (checkpoints, result manifest, dispute data), said
///         on chain so that a verifier needs nothing else shared with the solver. Anyone may
///         announce anything: readers accept only announcements whose `solver` is the job's
///         solver in the JobMarket, and check every fetched byte against the committed hashes,
///         so the contract needs no state and no access control.
contract DataAnnouncer {
    /// @param jobId        the JobMarket job
    /// @param solver       msg.sender of the announcement
    /// @param manifestHash sha256 of the result manifest blob (zero: only the address changed)
    /// @param uri          base URL of the solver's blob server (GET <uri>/blob/<sha256>)
    event DataAnnounced(uint256 indexed jobId, address indexed solver, bytes32 manifestHash, string uri);

    /// @notice Announce (again) where the caller serves `jobId`'s data.
    function announce(uint256 jobId, bytes32 manifestHash, string calldata uri) external {
        emit DataAnnounced(jobId, msg.sender, manifestHash, uri);
    }
}

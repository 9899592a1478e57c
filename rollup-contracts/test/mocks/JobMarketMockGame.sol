// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDisputeGame, Commitment, JobParams} from "../../src/interfaces/IDisputeGame.sol";
import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";

/// @title  JobMarketMockGame
/// @notice Test-only stand-in for the bisection dispute game: records every `open` and lets
///         the test decide the outcome via `resolve`. The real game is tested separately.
contract JobMarketMockGame is IDisputeGame {
    struct Opened {
        uint256 jobId;
        address solver;
        address challenger;
        JobParams job;
        Commitment c;
    }

    IJobMarket public market;
    uint256 public openCount;
    uint256 public lastDisputeId;
    mapping(uint256 disputeId => Opened) internal _opened;

    error OnlyMarket(address caller);

    /// @notice Wire the market (tests deploy the game first).
    function setMarket(IJobMarket m) external {
        market = m;
    }

    /// @inheritdoc IDisputeGame
    function open(
        uint256 disputeId,
        uint256 jobId,
        address solver,
        address challenger,
        JobParams calldata job,
        Commitment calldata c
    ) external {
        if (msg.sender != address(market)) revert OnlyMarket(msg.sender);
        openCount++;
        lastDisputeId = disputeId;
        _opened[disputeId] = Opened(jobId, solver, challenger, job, c);
    }

    /// @notice Report an outcome to the market, as the real game would after one-step execution.
    function resolve(uint256 disputeId, bool challengerWon) external {
        market.resolveDispute(disputeId, challengerWon);
    }

    /// @notice What `open` recorded for `disputeId`.
    function opened(uint256 disputeId) external view returns (Opened memory) {
        return _opened[disputeId];
    }
}

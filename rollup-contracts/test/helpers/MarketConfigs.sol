// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketConfig} from "../../src/lib/JobMarketTypes.sol";

/// @dev The reference gas price the tests deploy with: bond floor = 10M gas x 1 gwei = 0.01 ether.
uint256 constant TEST_REFERENCE_GAS_PRICE = 1 gwei;

/// @dev The declared minimum sample rate the tests deploy with (the verifier bot's default, 25%):
///      minStakeFor(reward) = 6 x reward.
uint256 constant TEST_MIN_SAMPLE_RATE_BPS = 2_500;

/// @dev The market configuration of every test deployment (the devnet's defaults).
function testMarketConfig() pure returns (MarketConfig memory) {
    return MarketConfig({referenceGasPrice: TEST_REFERENCE_GAS_PRICE, minSampleRateBps: TEST_MIN_SAMPLE_RATE_BPS, forcedErrorRate: 0, forcedFinders: 0});
}

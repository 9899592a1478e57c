// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Script} from "forge-std/Script.sol";
import {JobMarket} from "../src/JobMarket.sol";
import {MarketConfig} from "../src/lib/JobMarketTypes.sol";
import {DisputeGame} from "../src/DisputeGame.sol";
import {OneStepProver} from "../src/OneStepProver.sol";
import {OpSemanticsExt} from "../src/OpSemanticsExt.sol";
import {DataAnnouncer} from "../src/DataAnnouncer.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";

// Usage (fresh anvil from npm, its account 0 as deployer):
//   node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil --port 8545 &
//   OPTRAIN_DEPLOY_OUT=deployments/local.json node scripts/forge.mjs script \
//     rollup-contracts/script/Deploy.s.sol:Deploy --rpc-url http://127.0.0.1:8545 --broadcast \
//     --private-key 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
// Environment:
//   OPTRAIN_DEPLOY_OUT  output JSON path (default deployments/local.json); foundry.toml grants
//                       file writes under deployments/ only.
//   OPTRAIN_TIME_BANK   seconds of each side's dispute clock (default 86400).
//   OPTRAIN_REFERENCE_GAS_PRICE  wei per gas at which the bond floor prices a whole dispute
//                       (default 1 gwei: floor = 10M gas x 1 gwei = 0.01 ETH).
//   OPTRAIN_MIN_SAMPLE_RATE_BPS  the market's declared minimum check probability in bps
//                       (default 2500 = the verifier bot's default sample rate 0.25).
// Output: {"chainId", "deployer", "jobMarket", "disputeGame", "oneStepProver", "opSemanticsExt",
//          "dataAnnouncer", "timeBank", "startBlock"} (addresses checksummed, numbers as JSON numbers).

/// @title  Deploy
/// @notice Deploys JobMarket, OpSemanticsExt, OneStepProver and DisputeGame wired together, and
///         writes their addresses to a JSON file for the TypeScript side.
/// @dev    Order: market with game address(0), ext (the repops-3 op semantics), prover(ext),
///         game(market, prover), then the deployer
///         wires the market once (`setDisputeGame`); afterwards nobody has admin power.
contract Deploy is Script {
    /// @notice Contract addresses of one deployment.
    struct Deployment {
        JobMarket market;
        OpSemanticsExt ext;
        OneStepProver prover;
        DisputeGame game;
        DataAnnouncer announcer;
    }

    function run() external returns (Deployment memory d) {
        string memory out = vm.envOr("OPTRAIN_DEPLOY_OUT", string("deployments/local.json"));
        uint256 bank = vm.envOr("OPTRAIN_TIME_BANK", uint256(1 days));
        require(bank > 0 && bank <= type(uint48).max, "OPTRAIN_TIME_BANK: expected seconds in [1, 2^48)");
        MarketConfig memory cfg = MarketConfig({
            referenceGasPrice: vm.envOr("OPTRAIN_REFERENCE_GAS_PRICE", uint256(1 gwei)),
            minSampleRateBps: vm.envOr("OPTRAIN_MIN_SAMPLE_RATE_BPS", uint256(2_500)),
            // of 2^16 (65536 = every job); 0 = no forced errors (docs/PROTOCOL.md §12)
            forcedErrorRate: vm.envOr("OPTRAIN_FORCED_ERROR_RATE", uint256(0)),
            // the most finders a forced error pays (docs/PROTOCOL.md §12.4); 0 = no limit
            forcedFinders: vm.envOr("OPTRAIN_FORCED_FINDERS", uint256(0))
        });
        uint256 startBlock = block.number;

        vm.startBroadcast();
        d.market = new JobMarket(address(0), cfg);
        d.ext = new OpSemanticsExt();
        d.prover = new OneStepProver(d.ext);
        // forge-lint: disable-next-line(unsafe-typecast) -- bank < 2^48 required above
        d.game = new DisputeGame(IJobMarket(address(d.market)), d.prover, uint48(bank));
        d.market.setDisputeGame(address(d.game));
        d.announcer = new DataAnnouncer();
        vm.stopBroadcast();

        _write(out, d, bank, startBlock);
    }

    function _write(string memory out, Deployment memory d, uint256 bank, uint256 startBlock) internal {
        string memory o = "deployment";
        vm.serializeUint(o, "chainId", block.chainid);
        vm.serializeAddress(o, "deployer", d.market.DEPLOYER());
        vm.serializeAddress(o, "jobMarket", address(d.market));
        vm.serializeAddress(o, "disputeGame", address(d.game));
        vm.serializeAddress(o, "oneStepProver", address(d.prover));
        vm.serializeAddress(o, "opSemanticsExt", address(d.ext));
        vm.serializeAddress(o, "dataAnnouncer", address(d.announcer));
        vm.serializeUint(o, "timeBank", bank);
        string memory json = vm.serializeUint(o, "startBlock", startBlock);
        string memory dir = _dirname(out);
        if (bytes(dir).length > 0) vm.createDir(dir, true);
        vm.writeJson(json, out);
    }

    /// @dev Everything before the last '/' ("" when there is none).
    function _dirname(string memory path) internal pure returns (string memory) {
        bytes memory p = bytes(path);
        uint256 end = p.length;
        while (end > 0 && p[end - 1] != "/") end--;
        if (end <= 1) return "";
        bytes memory d = new bytes(end - 1);
        for (uint256 i = 0; i < d.length; i++) d[i] = p[i];
        return string(d);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {Deploy} from "../script/Deploy.s.sol";

/// @notice The deploy script wires the four contracts and writes what the TypeScript side reads.
/// @dev    One test function: vm.setEnv is process-wide and forge runs tests in parallel.
contract DisputeGameDeployTest is Test {
    string internal constant DIR = "deployments/forge-test";
    string internal constant OUT = "deployments/forge-test/deploy.json";

    function test_run_writesWiredAddresses_succeeds() public {
        bool hadDeployments = vm.exists("deployments");
        vm.setEnv("OPTRAIN_DEPLOY_OUT", OUT);
        vm.setEnv("OPTRAIN_TIME_BANK", "3600");
        Deploy.Deployment memory d = new Deploy().run();

        assertEq(address(d.market.disputeGame()), address(d.game));
        assertEq(address(d.game.MARKET()), address(d.market));
        assertEq(address(d.game.PROVER()), address(d.prover));
        assertEq(address(d.prover.EXT()), address(d.ext));
        assertEq(d.game.TIME_BANK(), 3600);
        // EIP-170: anvil and mainnet refuse runtime code above 24576 bytes
        assertLe(address(d.game).code.length, 24_576, "DisputeGame over the code size limit");
        assertLe(address(d.prover).code.length, 24_576, "OneStepProver over the code size limit");
        assertLe(address(d.ext).code.length, 24_576, "OpSemanticsExt over the code size limit");

        string memory json = vm.readFile(OUT);
        assertEq(vm.parseJsonAddress(json, ".jobMarket"), address(d.market));
        assertEq(vm.parseJsonAddress(json, ".disputeGame"), address(d.game));
        assertEq(vm.parseJsonAddress(json, ".oneStepProver"), address(d.prover));
        assertEq(vm.parseJsonAddress(json, ".opSemanticsExt"), address(d.ext));
        assertEq(vm.parseJsonUint(json, ".timeBank"), 3600);
        assertEq(vm.parseJsonUint(json, ".chainId"), block.chainid);

        vm.setEnv("OPTRAIN_TIME_BANK", "0");
        Deploy script = new Deploy();
        vm.expectRevert("OPTRAIN_TIME_BANK: expected seconds in [1, 2^48)");
        script.run();

        vm.removeDir(DIR, true);
        if (!hadDeployments) vm.removeDir("deployments", false);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {DataAnnouncer} from "../src/DataAnnouncer.sol";

contract DataAnnouncerTest is Test {
    event DataAnnounced(uint256 indexed jobId, address indexed solver, bytes32 manifestHash, string uri);

    function test_announce_emitsSenderAsSolver() public {
        DataAnnouncer a = new DataAnnouncer();
        address solver = address(0xB0B);
        vm.expectEmit(true, true, false, true, address(a));
        emit DataAnnounced(7, solver, bytes32(uint256(42)), "http://solver.example:8080");
        vm.prank(solver);
        a.announce(7, bytes32(uint256(42)), "http://solver.example:8080");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {NodeCodec} from "../src/lib/NodeCodec.sol";
import {Cursor, VecReader} from "./vectors/VecReader.sol";

/// NodeCodec against program.ts encodeNode / nodeHash (vectors/nodes.bin: the nodes of a small
/// training graph built with Graph.add plus random descriptors of every op), round trips, and
/// rejection of descriptors whose length disagrees with their header.
contract NodeCodecTest is Test {
    using VecReader for Cursor;

    function test_nodeVectors() public view {
        Cursor memory c = VecReader.open("nodes.bin");
        uint256 n = c.u32();
        require(n >= 40, "nodes.bin: too few nodes");
        for (uint256 i = 0; i < n; i++) {
            bytes memory desc = c.raw(c.u32());
            NodeCodec.Node memory d = NodeCodec.decode(desc);
            string memory at = string.concat("node ", VecReader.dec(i));
            assertEq(d.opId, c.u32(), string.concat(at, ": opId"));
            _eqWords(d.inputs, c.words(), string.concat(at, ": inputs"));
            _eqWords(d.attrs, c.words(), string.concat(at, ": attrs"));
            _eqWords(d.shape, c.words(), string.concat(at, ": shape"));
            assertEq(NodeCodec.hash(desc), c.b32(), string.concat(at, ": nodeHash"));
            assertEq(NodeCodec.encode(d), desc, string.concat(at, ": encode(decode(desc))"));
        }
        assertTrue(c.atEnd(), "nodes.bin: trailing data");
    }

    function _eqWords(uint32[] memory a, uint32[] memory b, string memory what) internal pure {
        assertEq(a.length, b.length, what);
        for (uint256 i = 0; i < a.length; i++) assertEq(a[i], b[i], what);
    }

    function decodeExt(bytes memory desc) external pure returns (NodeCodec.Node memory) {
        return NodeCodec.decode(desc);
    }

    function encodeExt(NodeCodec.Node memory d) external pure returns (bytes memory) {
        return NodeCodec.encode(d);
    }

    function test_encodeRejectsCountsBeyondU16() public {
        NodeCodec.Node memory d = _node(10, 0, 0, 0, bytes32(0));
        d.attrs = new uint32[](65536);
        vm.expectRevert(abi.encodeWithSelector(NodeCodec.TooManyWords.selector, 0, 65536, 0));
        this.encodeExt(d);
    }

    function test_rejectsShortHeader() public {
        vm.expectRevert(abi.encodeWithSelector(NodeCodec.DescriptorTooShort.selector, 7));
        this.decodeExt(new bytes(7));
    }

    /// Any descriptor one word longer or shorter than its header announces is rejected.
    function testFuzz_rejectsLengthMismatch(uint16 op, uint8 nIn, uint8 nAttrs, uint8 rank, bool longer) public {
        NodeCodec.Node memory d = _node(op, nIn % 5, nAttrs % 12, rank % 6, keccak256(abi.encode(op, nIn)));
        bytes memory desc = NodeCodec.encode(d);
        uint256 expected = desc.length;
        bytes memory bad = longer ? bytes.concat(desc, bytes4(0)) : _prefix(desc, desc.length - 4);
        if (bad.length < 8) {
            vm.expectRevert(abi.encodeWithSelector(NodeCodec.DescriptorTooShort.selector, bad.length));
        } else {
            vm.expectRevert(abi.encodeWithSelector(NodeCodec.DescriptorLength.selector, expected, bad.length));
        }
        this.decodeExt(bad);
    }

    function testFuzz_roundTrip(uint16 op, uint8 nIn, uint8 nAttrs, uint8 rank, bytes32 seed) public pure {
        NodeCodec.Node memory d = _node(op, nIn % 5, nAttrs % 24, rank % 8, seed);
        bytes memory desc = NodeCodec.encode(d);
        assertEq(desc.length, 8 + 4 * (d.inputs.length + d.attrs.length + d.shape.length));
        NodeCodec.Node memory back = NodeCodec.decode(desc);
        assertEq(back.opId, op);
        _eqWords(back.inputs, d.inputs, "inputs");
        _eqWords(back.attrs, d.attrs, "attrs");
        _eqWords(back.shape, d.shape, "shape");
        assertEq(NodeCodec.hash(desc), sha256(desc));
    }

    function _node(uint16 op, uint256 nIn, uint256 nAttrs, uint256 rank, bytes32 seed)
        internal
        pure
        returns (NodeCodec.Node memory d)
    {
        d.opId = op;
        d.inputs = _words(nIn, keccak256(abi.encode(seed, 1)));
        d.attrs = _words(nAttrs, keccak256(abi.encode(seed, 2)));
        d.shape = _words(rank, keccak256(abi.encode(seed, 3)));
    }

    function _words(uint256 n, bytes32 seed) internal pure returns (uint32[] memory w) {
        w = new uint32[](n);
        for (uint256 i = 0; i < n; i++) w[i] = uint32(uint256(keccak256(abi.encode(seed, i))));
    }

    function _prefix(bytes memory b, uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i = 0; i < n; i++) out[i] = b[i];
    }
}

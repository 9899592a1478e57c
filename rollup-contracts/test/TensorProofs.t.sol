// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";
import {TensorProofs} from "../src/lib/TensorProofs.sol";
import {Cursor, VecReader} from "./vectors/VecReader.sol";

/// TensorProofs against merkle.ts / trace-acc.ts (vectors tensors.bin, deep.bin, merkle.bin, acc.bin
/// written by gen-op-vectors.ts). Damage tests are in TensorProofs.Damage.t.sol.
contract TensorProofsTest is Test {
    using VecReader for Cursor;

    function test_tensorVectors() public view {
        Cursor memory c = VecReader.open("tensors.bin");
        uint256 n = c.u32();
        uint256 proofs;
        for (uint256 t = 0; t < n; t++) {
            uint256 mark = VecReader.mark();
            proofs += _tensor(c, t);
            VecReader.release(mark);
        }
        assertTrue(c.atEnd(), "tensors.bin: trailing data");
        console.log("tensors checked:", n, "chunk proofs:", proofs);
    }

    function _tensor(Cursor memory c, uint256 t) internal view returns (uint256 nProofs) {
        uint32[] memory shape = c.words();
        bytes32 dataRoot = c.b32();
        bytes32 tRoot = c.b32();
        bytes32[] memory leaves = c.hashes(c.u32());
        string memory at = string.concat("tensor ", VecReader.dec(t));
        assertEq(TensorProofs.tensorRoot(shape, dataRoot), tRoot, string.concat(at, ": tensorRoot"));
        assertEq(TensorProofs.merkleRoot(leaves), dataRoot, string.concat(at, ": merkleRoot(leaves)"));
        assertEq(TensorProofs.numChunks(TensorProofs.numel(shape)), leaves.length, string.concat(at, ": numChunks"));
        nProofs = c.u32();
        for (uint256 p = 0; p < nProofs; p++) _chunkProof(c, dataRoot, TensorProofs.depthOf(leaves.length), at);
    }

    function _chunkProof(Cursor memory c, bytes32 dataRoot, uint256 depth, string memory at) internal view {
        uint256 index = c.u32();
        bytes memory chunk = c.raw(TensorProofs.CHUNK_BYTES);
        bytes32[] memory path = c.hashes(c.u32());
        assertEq(path.length, depth, string.concat(at, ": depthOf"));
        assertTrue(TensorProofs.verifyChunk(dataRoot, index, chunk, path), string.concat(at, ": verifyChunk"));
        uint256 ne = c.u32();
        for (uint256 j = 0; j < ne; j++) {
            uint256 off = c.u32();
            assertEq(TensorProofs.elementAt(chunk, off), c.u32(), string.concat(at, ": elementAt"));
        }
    }

    function test_merkleRootVectors() public view {
        Cursor memory c = VecReader.open("merkle.bin");
        uint256 n = c.u32();
        for (uint256 i = 0; i < n; i++) {
            bytes32[] memory leaves = c.hashes(c.u32());
            assertEq(TensorProofs.merkleRoot(leaves), c.b32(), string.concat("merkle list ", VecReader.dec(i)));
        }
        assertTrue(c.atEnd(), "merkle.bin: trailing data");
    }

    /// The deepest realistic tensor proof: a chunk of a tensor with 2^17 + 1 chunks (depth 18).
    function test_deepChunkProofAndGas() public view {
        Cursor memory c = VecReader.open("deep.bin");
        bytes32 root = c.b32();
        uint256 index = c.u32();
        bytes memory chunk = c.raw(TensorProofs.CHUNK_BYTES);
        bytes32[] memory path = c.hashes(18);
        assertTrue(c.atEnd(), "deep.bin: trailing data");
        uint256 g = gasleft();
        bool ok = TensorProofs.verifyChunk(root, index, chunk, path);
        g -= gasleft();
        assertTrue(ok, "depth-18 chunk proof");
        console.log("gas verifyChunk depth 18:", g);
        assertLt(g, 100_000);
        assertFalse(TensorProofs.verifyChunk(root, index ^ 1, chunk, path), "neighbour index");
    }

    function test_accVectors() public view {
        Cursor memory c = VecReader.open("acc.bin");
        assertEq(c.b32(), TensorProofs.emptyAccRoot(), "emptyAccRoot");
        uint256 n = c.u32();
        for (uint256 i = 0; i < n; i++) {
            uint256 index = c.u32();
            (bytes32 before, bytes32 afterRoot, bytes32 leaf) = (c.b32(), c.b32(), c.b32());
            bytes32[] memory path = c.hashes(TensorProofs.ACC_DEPTH);
            string memory at = string.concat("acc insert ", VecReader.dec(i), " slot ", VecReader.dec(index));
            assertTrue(TensorProofs.accInsert(before, afterRoot, index, leaf, path), at);
            assertFalse(TensorProofs.accInsert(afterRoot, before, index, leaf, path), string.concat(at, " swapped"));
        }
        n = c.u32();
        for (uint256 i = 0; i < n; i++) {
            (uint256 index, uint256 through) = (c.u32(), c.u32());
            (bytes32 root, bytes32 leaf) = (c.b32(), c.b32());
            bytes32[] memory path = c.hashes(TensorProofs.ACC_DEPTH);
            string memory at = string.concat("acc member ", VecReader.dec(index), " of P_", VecReader.dec(through));
            assertTrue(TensorProofs.verifyLeaf(root, index, leaf, path), at);
        }
        assertTrue(c.atEnd(), "acc.bin: trailing data");
    }

    function test_emptyAccRootIsAllZeroTree() public pure {
        bytes32 z = bytes32(0);
        for (uint256 l = 0; l < TensorProofs.ACC_DEPTH; l++) z = sha256(abi.encodePacked(z, z));
        assertEq(z, TensorProofs.emptyAccRoot());
    }

    function test_smallTrees() public view {
        bytes32[] memory none = new bytes32[](0);
        assertEq(TensorProofs.merkleRoot(none), bytes32(0), "empty list");
        bytes32[] memory one = new bytes32[](1);
        one[0] = keccak256("leaf");
        assertEq(TensorProofs.merkleRoot(one), one[0], "single leaf is the root");
        assertTrue(TensorProofs.verifyLeaf(one[0], 0, one[0], none), "depth 0, index 0");
        assertFalse(TensorProofs.verifyLeaf(one[0], 1, one[0], none), "depth 0 has one slot");
        assertEq(TensorProofs.depthOf(0), 0);
        assertEq(TensorProofs.depthOf(1), 0);
        assertEq(TensorProofs.depthOf(2), 1);
        assertEq(TensorProofs.depthOf(3), 2);
        assertEq(TensorProofs.depthOf(65536), 16);
        assertEq(TensorProofs.depthOf(65537), 17);
        assertEq(TensorProofs.numChunks(0), 1);
        assertEq(TensorProofs.numChunks(256), 1);
        assertEq(TensorProofs.numChunks(257), 2);
    }

    function test_elementAtRejectsBadOffsetOrChunk() public {
        bytes memory chunk = new bytes(1024);
        chunk[1020] = 0x01; // element 255 = 0x00000001 (little-endian)
        assertEq(TensorProofs.elementAt(chunk, 255), 1);
        vm.expectRevert(abi.encodeWithSelector(TensorProofs.ElementOffset.selector, 256, 1024));
        this.elementAtExt(chunk, 256);
        vm.expectRevert(abi.encodeWithSelector(TensorProofs.ElementOffset.selector, 0, 1023));
        this.elementAtExt(new bytes(1023), 0);
    }

    function elementAtExt(bytes memory chunk, uint256 off) external pure returns (uint32) {
        return TensorProofs.elementAt(chunk, off);
    }

    /// Random trees: the root of merkleRoot proves every leaf with a bottom-up sibling path.
    function testFuzz_merkleRootProvesEveryLeaf(bytes32 seed, uint8 count, uint8 pickLeaf) public view {
        uint256 n = uint256(count) % 40 + 1;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) leaves[i] = keccak256(abi.encode(seed, i));
        bytes32 root = TensorProofs.merkleRoot(leaves);
        uint256 at = pickLeaf % n;
        bytes32[] memory path = _path(leaves, at);
        assertTrue(TensorProofs.verifyLeaf(root, at, leaves[at], path));
        assertFalse(TensorProofs.verifyLeaf(root, at, keccak256(abi.encode(leaves[at])), path));
    }

    /// Sibling path by building the padded levels (independent of TensorProofs.merkleRoot).
    function _path(bytes32[] memory leaves, uint256 i) internal pure returns (bytes32[] memory path) {
        uint256 width = 1;
        while (width < leaves.length) width *= 2;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 j = 0; j < leaves.length; j++) level[j] = leaves[j];
        path = new bytes32[](TensorProofs.depthOf(leaves.length));
        for (uint256 l = 0; width > 1; l++) {
            path[l] = level[i ^ 1];
            for (uint256 j = 0; j < width / 2; j++) level[j] = sha256(abi.encodePacked(level[2 * j], level[2 * j + 1]));
            width /= 2;
            i /= 2;
        }
    }
}

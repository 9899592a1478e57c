// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-lint: disable-start(unsafe-typecast) -- test data: indices, sizes and bit patterns of small fixtures

/// @title  GameMerkle
/// @notice Test-side builders of every tree the dispute game verifies (the contracts only verify):
///         power-of-two Merkle trees with bytes32(0) padding (stepsRoot, program trees, state
///         trees, tensor data roots) and the fixed-depth-16 trace accumulator. Twin of
///         reproducible-ops/merkle.ts and trace-acc.ts; the fixture tests cross-check them.
library GameMerkle {
    uint256 internal constant ACC_DEPTH = 16;
    uint256 internal constant CHUNK_BYTES = 1024;

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(a, b));
    }

    function depthOf(uint256 leafCount) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < leafCount) d++;
    }

    /// @notice Leaves padded with zeros to the next power of two (at least one leaf).
    function _padded(bytes32[] memory leaves) private pure returns (bytes32[] memory level) {
        uint256 width = uint256(1) << depthOf(leaves.length == 0 ? 1 : leaves.length);
        level = new bytes32[](width);
        for (uint256 i = 0; i < leaves.length; i++) level[i] = leaves[i];
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[](level.length / 2);
        for (uint256 i = 0; i < next.length; i++) next[i] = hashPair(level[2 * i], level[2 * i + 1]);
    }

    /// @notice merkle.ts `merkleRoot` (empty list -> bytes32(0)).
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = _padded(leaves);
        while (level.length > 1) level = _up(level);
        return level[0];
    }

    /// @notice Sibling path of leaf `index`, bottom-up (length depthOf(leaves.length)).
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory path) {
        bytes32[] memory level = _padded(leaves);
        path = new bytes32[](depthOf(level.length));
        for (uint256 l = 0; l < path.length; l++) {
            path[l] = level[index ^ 1];
            level = _up(level);
            index >>= 1;
        }
    }

    /// @notice Node `index` at `height` above the leaves of the padded tree over `leaves`.
    function node(bytes32[] memory leaves, uint256 height, uint256 index) internal pure returns (bytes32) {
        bytes32[] memory level = _padded(leaves);
        for (uint256 h = 0; h < height; h++) level = _up(level);
        return level[index];
    }

    ////////////////////////////////////////////////////////////////
    //                   Trace accumulator                        //
    ////////////////////////////////////////////////////////////////

    /// @notice Z[l]: root of an all-zero subtree of height l.
    function zeros() internal pure returns (bytes32[] memory z) {
        z = new bytes32[](ACC_DEPTH + 1);
        for (uint256 l = 0; l < ACC_DEPTH; l++) z[l + 1] = hashPair(z[l], z[l]);
    }

    /// @notice Accumulator over the first `count` records (P_{count-1}; the empty root for 0).
    function accRoot(bytes32[] memory records, uint256 count) internal pure returns (bytes32) {
        bytes32[] memory z = zeros();
        if (count == 0) return z[ACC_DEPTH];
        bytes32[] memory level = _prefix(records, count);
        for (uint256 l = 0; l < ACC_DEPTH; l++) level = _upSparse(level, z[l]);
        return level[0];
    }

    /// @notice 16 siblings of slot `index` in the accumulator over the first `count` records.
    ///         count = index gives the insertion proof of record `index`.
    function accPath(bytes32[] memory records, uint256 index, uint256 count)
        internal
        pure
        returns (bytes32[] memory path)
    {
        bytes32[] memory z = zeros();
        bytes32[] memory level = _prefix(records, count);
        path = new bytes32[](ACC_DEPTH);
        for (uint256 l = 0; l < ACC_DEPTH; l++) {
            uint256 s = (index >> l) ^ 1;
            path[l] = s < level.length ? level[s] : z[l];
            level = _upSparse(level, z[l]);
        }
    }

    function _prefix(bytes32[] memory records, uint256 count) private pure returns (bytes32[] memory p) {
        p = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) p[i] = records[i];
    }

    /// @dev One level up over the nonzero prefix; a missing right sibling is the zero subtree.
    function _upSparse(bytes32[] memory level, bytes32 zero) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i = 0; i < next.length; i++) {
            next[i] = hashPair(level[2 * i], 2 * i + 1 < level.length ? level[2 * i + 1] : zero);
        }
    }

    ////////////////////////////////////////////////////////////////
    //                      Tensor chunks                         //
    ////////////////////////////////////////////////////////////////

    /// @notice Chunk c of canonical LE float32 bytes, zero-padded to 1024 bytes.
    function chunk(bytes memory data, uint256 c) internal pure returns (bytes memory out) {
        out = new bytes(CHUNK_BYTES); // zero-filled
        uint256 from = c * CHUNK_BYTES;
        uint256 n = data.length > from ? data.length - from : 0;
        if (n > CHUNK_BYTES) n = CHUNK_BYTES;
        assembly {
            mcopy(add(out, 32), add(add(data, 32), from), n)
        }
    }

    function numChunks(bytes memory data) internal pure returns (uint256) {
        return data.length == 0 ? 1 : (data.length + CHUNK_BYTES - 1) / CHUNK_BYTES;
    }

    function chunkLeaves(bytes memory data) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](numChunks(data));
        for (uint256 c = 0; c < leaves.length; c++) leaves[c] = sha256(chunk(data, c));
    }

    function dataRoot(bytes memory data) internal pure returns (bytes32) {
        return root(chunkLeaves(data));
    }

    /// @notice tensorRoot = sha256(u32be rank || u32be dims || dataRoot).
    function tensorRoot(uint32[] memory shape, bytes32 dRoot) internal pure returns (bytes32) {
        bytes memory h = abi.encodePacked(uint32(shape.length));
        for (uint256 i = 0; i < shape.length; i++) h = abi.encodePacked(h, shape[i]);
        return sha256(abi.encodePacked(h, dRoot));
    }

    /// @notice Little-endian float32 bytes of bit patterns.
    function f32le(uint32[] memory bits) internal pure returns (bytes memory out) {
        out = new bytes(4 * bits.length);
        for (uint256 i = 0; i < bits.length; i++) {
            uint32 v = bits[i];
            out[4 * i] = bytes1(uint8(v));
            out[4 * i + 1] = bytes1(uint8(v >> 8));
            out[4 * i + 2] = bytes1(uint8(v >> 16));
            out[4 * i + 3] = bytes1(uint8(v >> 24));
        }
    }

    /// @notice Element i of LE float32 bytes as its bit pattern.
    function at(bytes memory data, uint256 i) internal pure returns (uint32) {
        return uint32(uint8(data[4 * i])) | (uint32(uint8(data[4 * i + 1])) << 8)
            | (uint32(uint8(data[4 * i + 2])) << 16) | (uint32(uint8(data[4 * i + 3])) << 24);
    }

    /// @notice u32be word i of packed bytes.
    function u32be(bytes memory data, uint256 i) internal pure returns (uint32) {
        return (uint32(uint8(data[4 * i])) << 24) | (uint32(uint8(data[4 * i + 1])) << 16)
            | (uint32(uint8(data[4 * i + 2])) << 8) | uint32(uint8(data[4 * i + 3]));
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TensorProofs — SHA-256 tensor commitments of reproducible-ops/merkle.ts and the fixed-depth
///        trace accumulator of reproducible-ops/trace-acc.ts.
/// @notice
///   chunk      : 256 binary32 elements, little-endian, 1024 bytes (last chunk zero-padded)
///   leaf       : sha256(chunk)
///   dataRoot   : Merkle tree over the leaves padded to a power of two with bytes32(0) leaves,
///                node = sha256(left || right); a single leaf is the root
///   tensorRoot : sha256(u32be rank || u32be dims... || dataRoot)
///   accumulator: depth-16 tree (65536 slots) whose unused leaves are bytes32(0); every internal node
///                is hashed, including all-zero subtrees, so the empty tree has a constant root.
library TensorProofs {
    uint256 constant CHUNK_ELEMS = 256;
    uint256 constant CHUNK_BYTES = 1024;
    uint256 constant ACC_DEPTH = 16;

    /// Root of the depth-16 tree of bytes32(0) leaves: Z_0 = 0, Z_{l+1} = sha256(Z_l || Z_l).
    bytes32 internal constant EMPTY_ACC_ROOT = 0x8fe6b1689256c0d385f42f5bbe2027a22c1996e110ba97c171d3e5948de92beb;

    /// elementAt: `offset` must be < 256 and the chunk 1024 bytes long.
    error ElementOffset(uint256 offset, uint256 chunkLength);

    /// @dev pure (sha256 is allowed in pure code); callable from view and pure callers alike.
    function tensorRoot(uint32[] memory shape, bytes32 dataRoot) internal pure returns (bytes32) {
        uint256 rank = shape.length;
        bytes memory header = new bytes(4 + 4 * rank + 32);
        assembly {
            let p := add(header, 32)
            mstore(p, shl(224, rank))
            for { let i := 0 } lt(i, rank) { i := add(i, 1) } {
                mstore(add(p, add(4, mul(i, 4))), shl(224, mload(add(shape, add(32, mul(i, 32))))))
            }
            mstore(add(p, add(4, mul(rank, 4))), dataRoot)
        }
        return sha256(header);
    }

    /// Number of elements (1 for rank 0, like tensor.ts `numel`).
    function numel(uint32[] memory shape) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < shape.length; i++) n *= shape[i];
    }

    /// Number of chunks of a tensor with `n` elements (at least one, like merkle.ts `numChunks`).
    function numChunks(uint256 n) internal pure returns (uint256) {
        return n == 0 ? 1 : (n + CHUNK_ELEMS - 1) / CHUNK_ELEMS;
    }

    /// Depth of the padded tree over `leafCount` leaves (0 for one leaf).
    function depthOf(uint256 leafCount) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < leafCount) d++;
    }

    /// Leaf `index` of a power-of-two tree of depth path.length; path lists siblings bottom-up.
    /// An index with bits above the depth is rejected, so one leaf has exactly one valid index.
    function verifyLeaf(bytes32 root, uint256 index, bytes32 leaf, bytes32[] memory path)
        internal
        view
        returns (bool)
    {
        uint256 depth = path.length;
        if (depth < 256 && (index >> depth) != 0) return false;
        return _climb(leaf, index, path) == root;
    }

    /// Chunk `chunkIndex` (exactly 1024 bytes) under a tensor's dataRoot.
    function verifyChunk(bytes32 dataRoot, uint256 chunkIndex, bytes memory chunk, bytes32[] memory path)
        internal
        view
        returns (bool)
    {
        if (chunk.length != CHUNK_BYTES) return false;
        return verifyLeaf(dataRoot, chunkIndex, sha256(chunk), path);
    }

    /// Little-endian binary32 word `offset` (0..255) of a chunk, as its bit pattern.
    function elementAt(bytes memory chunk, uint256 offset) internal pure returns (uint32 v) {
        if (offset >= CHUNK_ELEMS || chunk.length != CHUNK_BYTES) revert ElementOffset(offset, chunk.length);
        uint256 be;
        assembly {
            be := shr(224, mload(add(add(chunk, 32), mul(offset, 4))))
        }
        // byte swap: b0 b1 b2 b3 (memory order) -> value b3 b2 b1 b0
        v = uint32(((be & 0xFF) << 24) | ((be & 0xFF00) << 8) | ((be >> 8) & 0xFF00) | (be >> 24));
    }

    function emptyAccRoot() internal pure returns (bytes32) {
        return EMPTY_ACC_ROOT;
    }

    /// P_i = insert(P_{i-1}, i, leaf): the same 16-sibling path proves slot i empty under `before`
    /// and holding `leaf` under `afterRoot`, so nothing else in the tree changed.
    function accInsert(bytes32 before, bytes32 afterRoot, uint256 index, bytes32 leaf, bytes32[] memory path)
        internal
        view
        returns (bool)
    {
        if (path.length != ACC_DEPTH || index >= (uint256(1) << ACC_DEPTH)) return false;
        return _climb(bytes32(0), index, path) == before && _climb(leaf, index, path) == afterRoot;
    }

    /// Merkle root with power-of-two bytes32(0) padding (merkle.ts `merkleRoot`); empty -> bytes32(0).
    function merkleRoot(bytes32[] memory leaves) internal view returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) return bytes32(0);
        uint256 width = uint256(1) << depthOf(n);
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < n; i++) level[i] = leaves[i];
        for (; width > 1; width >>= 1) {
            for (uint256 i = 0; i < width / 2; i++) level[i] = _hashPair(level[2 * i], level[2 * i + 1]);
        }
        return level[0];
    }

    function _climb(bytes32 h, uint256 index, bytes32[] memory path) private view returns (bytes32) {
        for (uint256 l = 0; l < path.length; l++) {
            h = (index >> l) & 1 == 1 ? _hashPair(path[l], h) : _hashPair(h, path[l]);
        }
        return h;
    }

    /// sha256(a || b) through the precompile, using the 64-byte scratch space (no allocation).
    function _hashPair(bytes32 a, bytes32 b) private view returns (bytes32 h) {
        assembly {
            mstore(0x00, a)
            mstore(0x20, b)
            if iszero(staticcall(gas(), 0x02, 0x00, 0x40, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }
}

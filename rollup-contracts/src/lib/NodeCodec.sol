// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title NodeCodec — program node descriptors (reproducible-ops/program.ts `encodeNode`).
/// @notice Descriptor bytes: u16be opId, u16be #inputs, u16be #attrs, u16be rank, then u32be words:
///         inputs (node indices), attrs, dims. nodeHash = sha256(descriptor); the program Merkle
///         trees commit these hashes, so a decoded descriptor is trusted once its hash is proven.
library NodeCodec {
    struct Node {
        uint16 opId;
        uint32[] inputs;
        uint32[] attrs;
        uint32[] shape;
    }

    uint256 internal constant HEADER_BYTES = 8;

    /// The descriptor is shorter than its 8-byte header.
    error DescriptorTooShort(uint256 length);
    /// The header announces `expected` bytes (8 + 4 * (#inputs + #attrs + rank)) but `actual` were given.
    error DescriptorLength(uint256 expected, uint256 actual);
    /// encode: a descriptor holds at most 65535 inputs, attrs and dims (u16 counts).
    error TooManyWords(uint256 inputs, uint256 attrs, uint256 rank);

    function decode(bytes memory desc) internal pure returns (Node memory n) {
        if (desc.length < HEADER_BYTES) revert DescriptorTooShort(desc.length);
        uint256 head;
        assembly {
            head := shr(192, mload(add(desc, 32)))
        }
        uint256 nIn = (head >> 32) & 0xFFFF;
        uint256 nAttrs = (head >> 16) & 0xFFFF;
        uint256 rank = head & 0xFFFF;
        uint256 expected = HEADER_BYTES + 4 * (nIn + nAttrs + rank);
        if (desc.length != expected) revert DescriptorLength(expected, desc.length);
        // forge-lint: disable-next-line(unsafe-typecast) -- head is 64 bits: the top 16 are the op id
        n.opId = uint16(head >> 48);
        n.inputs = _words(desc, HEADER_BYTES, nIn);
        n.attrs = _words(desc, HEADER_BYTES + 4 * nIn, nAttrs);
        n.shape = _words(desc, HEADER_BYTES + 4 * (nIn + nAttrs), rank);
    }

    /// nodeHash = sha256(descriptor). pure (sha256 is allowed in pure code), so it serves view and
    /// pure callers alike.
    function hash(bytes memory desc) internal pure returns (bytes32) {
        return sha256(desc);
    }

    /// Inverse of decode (used by tests and by tools that build descriptors on chain).
    function encode(Node memory n) internal pure returns (bytes memory desc) {
        uint256 nIn = n.inputs.length;
        uint256 nAttrs = n.attrs.length;
        uint256 rank = n.shape.length;
        if (nIn > 0xFFFF || nAttrs > 0xFFFF || rank > 0xFFFF) revert TooManyWords(nIn, nAttrs, rank);
        // forge-lint: disable-next-line(unsafe-typecast) -- counts checked above
        desc = abi.encodePacked(n.opId, uint16(nIn), uint16(nAttrs), uint16(rank));
        for (uint256 i = 0; i < nIn; i++) desc = bytes.concat(desc, bytes4(n.inputs[i]));
        for (uint256 i = 0; i < nAttrs; i++) desc = bytes.concat(desc, bytes4(n.attrs[i]));
        for (uint256 i = 0; i < rank; i++) desc = bytes.concat(desc, bytes4(n.shape[i]));
    }

    function _words(bytes memory d, uint256 at, uint256 count) private pure returns (uint32[] memory w) {
        w = new uint32[](count);
        for (uint256 i = 0; i < count; i++) {
            uint32 x;
            assembly {
                x := shr(224, mload(add(add(d, 32), add(at, mul(i, 4)))))
            }
            w[i] = x;
        }
    }
}

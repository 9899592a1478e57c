// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";

/// A read position in a vector file of big-endian u32 words (written by vec-writer.ts `Words`).
struct Cursor {
    bytes data;
    uint256 pos; // in bytes
}

/// Sequential reader of the binary vector files under rollup-contracts/test/vectors/.
library VecReader {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    string internal constant DIR = "rollup-contracts/test/vectors/";

    function open(string memory name) internal view returns (Cursor memory c) {
        c.data = VM.readFileBinary(string.concat(DIR, name));
        require(c.data.length % 4 == 0 && c.data.length > 0, string.concat(name, ": empty or not whole words; regenerate"));
    }

    function u32(Cursor memory c) internal pure returns (uint32 w) {
        require(c.pos + 4 <= c.data.length, "vector file truncated: regenerate with gen-op-vectors.ts");
        bytes memory d = c.data;
        uint256 p = c.pos;
        assembly {
            w := shr(224, mload(add(add(d, 32), p)))
        }
        c.pos = p + 4;
    }

    /// A length word followed by that many words.
    function words(Cursor memory c) internal pure returns (uint32[] memory xs) {
        xs = new uint32[](u32(c));
        for (uint256 i = 0; i < xs.length; i++) xs[i] = u32(c);
    }

    function b32(Cursor memory c) internal pure returns (bytes32 h) {
        require(c.pos + 32 <= c.data.length, "vector file truncated: regenerate with gen-op-vectors.ts");
        bytes memory d = c.data;
        uint256 p = c.pos;
        assembly {
            h := mload(add(add(d, 32), p))
        }
        c.pos = p + 32;
    }

    function hashes(Cursor memory c, uint256 n) internal pure returns (bytes32[] memory hs) {
        hs = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) hs[i] = b32(c);
    }

    /// The next n raw bytes (n a multiple of 4), copied.
    function raw(Cursor memory c, uint256 n) internal pure returns (bytes memory out) {
        require(c.pos + n <= c.data.length, "vector file truncated: regenerate with gen-op-vectors.ts");
        out = new bytes(n);
        bytes memory d = c.data;
        uint256 p = c.pos;
        assembly {
            mcopy(add(out, 32), add(add(d, 32), p), n)
        }
        c.pos = p + n;
    }

    function atEnd(Cursor memory c) internal pure returns (bool) {
        return c.pos == c.data.length;
    }

    /// 0x-prefixed 8-digit hex of a 32-bit value (bit patterns in failure messages).
    function hex8(uint256 x) internal pure returns (string memory) {
        bytes memory s = new bytes(10);
        s[0] = "0";
        s[1] = "x";
        bytes16 digits = "0123456789abcdef";
        for (uint256 i = 0; i < 8; i++) s[2 + i] = digits[(x >> (28 - 4 * i)) & 0xF];
        return string(s);
    }

    function dec(uint256 x) internal pure returns (string memory) {
        return VM.toString(x);
    }

    /// Free memory pointer, to drop a finished case's allocations (memory cost is quadratic).
    function mark() internal pure returns (uint256 p) {
        assembly {
            p := mload(0x40)
        }
    }

    function release(uint256 p) internal pure {
        assembly {
            mstore(0x40, p)
        }
    }
}

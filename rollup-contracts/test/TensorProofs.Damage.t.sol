// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {TensorProofs} from "../src/lib/TensorProofs.sol";
import {Cursor, VecReader} from "./vectors/VecReader.sol";

/// Soundness of the proofs: flipping ANY single bit of a chunk, a path element, the leaf index,
/// the root, or (for accumulator insertions) the before/after roots and the record must make the
/// proof fail. Exhaustive over every bit of one real proof each, plus fuzzed random damage.
contract TensorProofsDamageTest is Test {
    using VecReader for Cursor;

    struct ChunkProof {
        bytes32 root;
        uint256 index;
        bytes chunk;
        bytes32[] path;
    }

    struct AccProof {
        uint256 index;
        bytes32 before;
        bytes32 afterRoot;
        bytes32 leaf;
        bytes32[] path;
    }

    /// A 5-chunk tensor (depth 3) built here, independent of merkle.ts.
    function _chunkProof(uint256 index) internal pure returns (ChunkProof memory p) {
        bytes32[] memory leaves = new bytes32[](8); // padded to 8 with zero leaves
        for (uint256 c = 0; c < 5; c++) {
            bytes memory chunk = _chunk(c);
            leaves[c] = sha256(chunk);
            if (c == index) p.chunk = chunk;
        }
        p.index = index;
        p.path = new bytes32[](3);
        for (uint256 l = 0; l < 3; l++) {
            p.path[l] = leaves[(index >> l) ^ 1];
            for (uint256 j = 0; j < 8 / 2 ** (l + 1); j++) leaves[j] = sha256(abi.encodePacked(leaves[2 * j], leaves[2 * j + 1]));
        }
        p.root = leaves[0];
    }

    /// Byte mask of bit `bit % 8`.
    function _bitOf(uint256 bit) internal pure returns (bytes1) {
        return bytes1(uint8(2 ** (bit % 8)));
    }

    function _chunk(uint256 c) internal pure returns (bytes memory chunk) {
        chunk = new bytes(TensorProofs.CHUNK_BYTES);
        for (uint256 w = 0; w < 32; w++) {
            bytes32 x = keccak256(abi.encode(c, w));
            assembly {
                mstore(add(add(chunk, 32), mul(w, 32)), x)
            }
        }
    }

    /// verifyChunk without keeping its scratch allocations (the loops below call it ~10^4 times).
    function _verify(ChunkProof memory p) internal view returns (bool ok) {
        uint256 mark = VecReader.mark();
        ok = TensorProofs.verifyChunk(p.root, p.index, p.chunk, p.path);
        VecReader.release(mark);
    }

    /// Fails with the damaged position when a damaged proof still verifies (message built lazily).
    function _mustFail(bool verified, string memory what, uint256 position) internal pure {
        if (verified) revert(string.concat("damaged proof accepted: ", what, " ", VecReader.dec(position)));
    }

    function test_chunkProofDamage_everyBit() public view {
        ChunkProof memory p = _chunkProof(4);
        assertTrue(_verify(p), "intact proof");
        for (uint256 bit = 0; bit < 8 * TensorProofs.CHUNK_BYTES; bit++) {
            p.chunk[bit / 8] ^= _bitOf(bit);
            _mustFail(_verify(p), "chunk bit", bit);
            p.chunk[bit / 8] ^= _bitOf(bit);
        }
        for (uint256 l = 0; l < p.path.length; l++) {
            for (uint256 bit = 0; bit < 256; bit++) {
                p.path[l] ^= bytes32(uint256(1) << bit);
                _mustFail(_verify(p), "path bit (level * 256 + bit)", l * 256 + bit);
                p.path[l] ^= bytes32(uint256(1) << bit);
            }
        }
        for (uint256 bit = 0; bit < 256; bit++) {
            p.index ^= uint256(1) << bit;
            _mustFail(_verify(p), "index bit", bit);
            p.index ^= uint256(1) << bit;
            p.root ^= bytes32(uint256(1) << bit);
            _mustFail(_verify(p), "root bit", bit);
            p.root ^= bytes32(uint256(1) << bit);
        }
        assertTrue(_verify(p), "restored proof");
    }

    function test_chunkProofRejectsWrongLengthsAndPaths() public view {
        ChunkProof memory p = _chunkProof(2);
        assertTrue(_verify(p));
        bytes memory longer = bytes.concat(p.chunk, bytes1(0));
        assertFalse(TensorProofs.verifyChunk(p.root, p.index, longer, p.path), "1025-byte chunk");
        bytes32[] memory shorter = new bytes32[](2);
        (shorter[0], shorter[1]) = (p.path[0], p.path[1]);
        assertFalse(TensorProofs.verifyChunk(p.root, p.index, p.chunk, shorter), "path too short");
        p.path[0] = p.path[1];
        assertFalse(_verify(p), "wrong sibling");
    }

    /// Insertion proofs from acc.bin (real P_{i-1} -> P_i of trace-acc.ts).
    function _accProofs() internal view returns (AccProof[] memory ps) {
        Cursor memory c = VecReader.open("acc.bin");
        c.b32(); // empty root
        ps = new AccProof[](c.u32());
        for (uint256 i = 0; i < ps.length; i++) {
            ps[i].index = c.u32();
            (ps[i].before, ps[i].afterRoot, ps[i].leaf) = (c.b32(), c.b32(), c.b32());
            ps[i].path = c.hashes(TensorProofs.ACC_DEPTH);
        }
    }

    function _accOk(AccProof memory p) internal view returns (bool ok) {
        uint256 mark = VecReader.mark();
        ok = TensorProofs.accInsert(p.before, p.afterRoot, p.index, p.leaf, p.path);
        VecReader.release(mark);
    }

    function test_accInsertDamage_everyBit() public view {
        AccProof[] memory ps = _accProofs();
        // slot 0 (P_{-1} = empty root), a middle slot, and the last slot 65535
        uint256[3] memory pick = [uint256(0), 5, ps.length - 1];
        for (uint256 q = 0; q < 3; q++) _damageAcc(ps[pick[q]]);
    }

    function _damageAcc(AccProof memory p) internal view {
        string memory at = string.concat("acc slot ", VecReader.dec(p.index));
        assertTrue(_accOk(p), at);
        for (uint256 bit = 0; bit < 256; bit++) {
            bytes32 m = bytes32(uint256(1) << bit);
            p.before ^= m;
            _mustFail(_accOk(p), "acc before bit", bit);
            p.before ^= m;
            p.afterRoot ^= m;
            _mustFail(_accOk(p), "acc after bit", bit);
            p.afterRoot ^= m;
            p.leaf ^= m;
            _mustFail(_accOk(p), "acc record bit", bit);
            p.leaf ^= m;
            p.index ^= uint256(1) << bit;
            _mustFail(_accOk(p), "acc index bit", bit);
            p.index ^= uint256(1) << bit;
        }
        for (uint256 l = 0; l < TensorProofs.ACC_DEPTH; l++) {
            for (uint256 bit = 0; bit < 256; bit++) {
                p.path[l] ^= bytes32(uint256(1) << bit);
                _mustFail(_accOk(p), "acc path bit (level * 256 + bit)", l * 256 + bit);
                p.path[l] ^= bytes32(uint256(1) << bit);
            }
        }
        assertTrue(_accOk(p), string.concat(at, " restored"));
    }

    function test_accInsertRejectsWrongPathLength() public view {
        AccProof memory p = _accProofs()[3];
        assertTrue(_accOk(p));
        bytes32[] memory longer = new bytes32[](17);
        for (uint256 l = 0; l < 16; l++) longer[l] = p.path[l];
        longer[16] = TensorProofs.emptyAccRoot();
        assertFalse(TensorProofs.accInsert(p.before, p.afterRoot, p.index, p.leaf, longer), "17 siblings");
        assertFalse(TensorProofs.accInsert(p.before, p.afterRoot, p.index + 65536, p.leaf, p.path), "slot >= 65536");
    }

    /// Random single-bit damage of random chunk proofs.
    function testFuzz_chunkProofDamage(uint8 index, uint16 bit, uint8 where) public view {
        ChunkProof memory p = _chunkProof(index % 5);
        assertTrue(_verify(p));
        uint256 w = where % 4;
        if (w == 0) p.chunk[(bit / 8) % 1024] ^= _bitOf(bit);
        else if (w == 1) p.path[bit % 3] ^= bytes32(uint256(1) << (bit % 256));
        else if (w == 2) p.index ^= uint256(1) << (bit % 256);
        else p.root ^= bytes32(uint256(1) << (bit % 256));
        assertFalse(_verify(p));
    }
}

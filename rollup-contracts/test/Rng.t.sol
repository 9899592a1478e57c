// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";
import {Rng} from "../src/lib/Rng.sol";
import {Cursor, VecReader} from "./vectors/VecReader.sol";

/// Rng.sol against reproducible-ops/rng.ts (vectors/rng.bin, written by gen-op-vectors.ts), plus
/// properties that hold for every input: permuteIndex is a bijection of [0, n), sampleIndex is
/// permuteIndex of the global sample position, unit24 is exactly (u >> 8) * 2^-24.
contract RngTest is Test {
    using VecReader for Cursor;

    function _fail(string memory fn, uint256 rec, uint256 expected, uint256 actual) internal pure {
        revert(
            string.concat(
                "rng ", fn, " record ", VecReader.dec(rec), ": expected ", VecReader.hex8(expected), " actual ",
                VecReader.hex8(actual)
            )
        );
    }

    function _check(string memory fn, uint256 rec, uint256 expected, uint256 actual) internal pure {
        if (expected != actual) _fail(fn, rec, expected, actual);
    }

    function test_vectors() public view {
        Cursor memory c = VecReader.open("rng.bin");
        uint256 n = c.u32();
        for (uint256 i = 0; i < n; i++) {
            uint32 x = c.u32();
            _check("hash32", i, c.u32(), Rng.hash32(x));
        }
        n = c.u32();
        for (uint256 i = 0; i < n; i++) {
            (uint32 seed, uint32 stream, uint32 step) = (c.u32(), c.u32(), c.u32());
            _check("rngKey", i, c.u32(), Rng.rngKey(seed, stream, step));
        }
        n = c.u32();
        for (uint256 i = 0; i < n; i++) {
            (uint32 key, uint32 index) = (c.u32(), c.u32());
            _check("draw", i, c.u32(), Rng.draw(key, index));
        }
        n = c.u32();
        for (uint256 i = 0; i < n; i++) {
            uint32 u = c.u32();
            _check("unit24", i, c.u32(), Rng.unit24(u));
        }
        _permuteVectors(c);
        _sampleVectors(c);
        assertTrue(c.atEnd(), "rng.bin: trailing data");
    }

    function _permuteVectors(Cursor memory c) internal pure {
        uint256 n = c.u32();
        require(n > 300, "rng.bin: too few permuteIndex vectors");
        for (uint256 i = 0; i < n; i++) {
            (uint32 seed, uint32 epoch, uint32 idx, uint32 size) = (c.u32(), c.u32(), c.u32(), c.u32());
            _check("permuteIndex", i, c.u32(), Rng.permuteIndex(seed, epoch, idx, size));
        }
    }

    function _sampleVectors(Cursor memory c) internal pure {
        uint256 n = c.u32();
        uint256 initSteps = 0;
        for (uint256 i = 0; i < n; i++) {
            (uint32 seed, uint32 step, uint32 bs, uint32 b, uint32 size) = (c.u32(), c.u32(), c.u32(), c.u32(), c.u32());
            if (step == Rng.INIT_STEP) initSteps++;
            _check("sampleIndex", i, c.u32(), Rng.sampleIndex(seed, step, bs, b, size));
        }
        require(initSteps > 0, "rng.bin: no init-step sampleIndex vectors");
    }

    /// Every permutation of a small n is a bijection onto [0, n).
    function testFuzz_permuteIndexIsBijection(uint32 seed, uint32 epoch, uint8 size) public pure {
        uint256 n = uint256(size) % 130 + 1;
        uint256 seen0;
        uint256 seen1;
        for (uint256 i = 0; i < n; i++) {
            // forge-lint: disable-next-line(unsafe-typecast) -- i, n < 131
            uint256 p = Rng.permuteIndex(seed, epoch, uint32(i), uint32(n));
            assertLt(p, n, "permuteIndex out of range");
            uint256 bit = uint256(1) << (p % 128);
            if (p < 128) {
                assertEq(seen0 & bit, 0, "permuteIndex repeats a value");
                seen0 |= bit;
            } else {
                assertEq(seen1 & bit, 0, "permuteIndex repeats a value");
                seen1 |= bit;
            }
        }
    }

    /// sampleIndex(step, b) = permuteIndex(epoch, position in epoch) of g = step * batchSize + b.
    function testFuzz_sampleIndexIsPermutationOfGlobalPosition(
        uint32 seed,
        uint32 step,
        uint32 bs,
        uint32 b,
        uint32 n
    ) public pure {
        step = uint32(bound(step, 0, type(uint32).max - 1));
        bs = uint32(bound(bs, 1, 1 << 20));
        b = uint32(bound(b, 0, bs - 1));
        n = uint32(bound(n, 1, 1 << 24));
        uint256 g = uint256(step) * bs + b;
        // forge-lint: disable-next-line(unsafe-typecast) -- epoch word is g / n mod 2^32 by definition; g % n < n
        uint32 expected = Rng.permuteIndex(seed, uint32(g / n), uint32(g % n), n);
        assertEq(Rng.sampleIndex(seed, step, bs, b, n), expected);
    }

    /// The init step (-1) reads the last batch of epoch -1 (epoch word 0xFFFFFFFF) when bs <= n.
    function testFuzz_sampleIndexInitStep(uint32 seed, uint32 bs, uint32 b, uint32 n) public pure {
        n = uint32(bound(n, 1, 1 << 24));
        bs = uint32(bound(bs, 1, n));
        b = uint32(bound(b, 0, bs - 1));
        uint32 expected = Rng.permuteIndex(seed, type(uint32).max, n - bs + b, n);
        assertEq(Rng.sampleIndex(seed, Rng.INIT_STEP, bs, b, n), expected);
    }

    /// unit24(u) decodes to exactly (u >> 8) / 2^24.
    function testFuzz_unit24IsExact(uint32 u) public pure {
        uint32 bits = Rng.unit24(u);
        uint256 m = u >> 8;
        if (m == 0) {
            assertEq(bits, 0);
            return;
        }
        uint256 exp = bits >> 23; // biased; value = 1.f * 2^(exp - 127) = sig * 2^(exp - 150)
        uint256 sig = (bits & 0x7FFFFF) | 0x800000;
        assertLt(bits, 0x3F800000, "unit24 must be < 1");
        // value * 2^24 = sig * 2^(exp - 126) must equal m (an integer below 2^24)
        assertEq(sig >> (126 - exp), m);
        assertEq(sig & ((uint256(1) << (126 - exp)) - 1), 0);
    }

    function test_permuteIndexEdgeSizes() public pure {
        assertEq(Rng.permuteIndex(1, 2, 0, 0), 0);
        assertEq(Rng.permuteIndex(1, 2, 0, 1), 0);
        uint32 a = Rng.permuteIndex(7, 0, 0, 2);
        uint32 b = Rng.permuteIndex(7, 0, 1, 2);
        assertTrue(a < 2 && b < 2 && a != b);
    }

    function test_sampleIndexRejectsEmptyDataset() public {
        vm.expectRevert(Rng.EmptyDataset.selector);
        this.sampleExt(1, 0, 1, 0, 0);
    }

    function sampleExt(uint32 seed, uint32 step, uint32 bs, uint32 b, uint32 n) external pure returns (uint32) {
        return Rng.sampleIndex(seed, step, bs, b, n);
    }

    /// Gas of one dataset-row draw for MNIST-sized datasets (the batch op's one-step cost).
    function test_gas_sampleIndex60000() public view {
        uint256 worst;
        for (uint32 b = 0; b < 64; b++) {
            uint256 g = gasleft();
            Rng.sampleIndex(0xC0FFEE, 1234, 64, b, 60000);
            g -= gasleft();
            if (g > worst) worst = g;
        }
        console.log("gas sampleIndex n=60000 (worst of 64 rows):", worst);
        assertLt(worst, 200_000);
    }
}

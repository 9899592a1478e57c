// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Rng — the counter-based RNG of reproducible-ops/rng.ts (REPOPS §5), bit for bit.
/// @notice Pure 32-bit integer arithmetic: every draw is a function of (seed, stream, step, index),
///         so the contract can recompute the one draw a disputed element depends on.
///         Steps are u32 words; the init program runs with step 0xFFFFFFFF (TS step -1).
library Rng {
    uint32 internal constant STREAM_SHUFFLE = 0x53485546; // "SHUF"
    uint32 internal constant INIT_STEP = 0xFFFFFFFF;

    /// sampleIndex / permuteIndex with a dataset of zero rows.
    error EmptyDataset();

    /// lowbias32 (Wellons): a bijective 32-bit mixer.
    function hash32(uint32 x) internal pure returns (uint32) {
        unchecked {
            x ^= x >> 16;
            x *= 0x7feb352d;
            x ^= x >> 15;
            x *= 0x846ca68b;
            return x ^ (x >> 16);
        }
    }

    function rngKey(uint32 seed, uint32 stream, uint32 step) internal pure returns (uint32) {
        return hash32(hash32(hash32(seed) ^ stream) ^ step);
    }

    function draw(uint32 key, uint32 index) internal pure returns (uint32) {
        unchecked {
            return hash32(hash32(key ^ index) + key);
        }
    }

    /// (u >> 8) * 2^-24 as binary32 bits: the 24-bit integer is exact, so this is a normalisation.
    function unit24(uint32 u) internal pure returns (uint32 f32bits) {
        uint32 m = u >> 8;
        if (m == 0) return 0;
        uint32 len = 0; // bit length of m, 1..24
        for (uint32 t = m; t != 0; t >>= 1) len++;
        // m * 2^-24 = 1.f * 2^(len - 25): biased exponent len + 102, 23 fraction bits
        return ((len + 102) << 23) | ((m << (24 - len)) & 0x7FFFFF);
    }

    /// Bijection of [0, n) chosen by (seed, epoch): 4 rounds of xor / odd multiply / xorshift on
    /// ceil(log2 n) bits, cycle-walking until the value falls below n.
    function permuteIndex(uint32 seed, uint32 epoch, uint32 i, uint32 n) internal pure returns (uint32) {
        if (n <= 1) return 0;
        uint32 bits = _bitLength(n - 1);
        uint32 mask = bits == 32 ? type(uint32).max : uint32((uint256(1) << bits) - 1);
        uint32 shift = (bits + 1) >> 1;
        uint32[8] memory k = _roundKeys(seed, epoch);
        uint32 x = i;
        unchecked {
            do {
                for (uint256 r = 0; r < 4; r++) {
                    x = (x ^ k[2 * r]) & mask;
                    x = (x * (k[2 * r + 1] | 1)) & mask;
                    x = x ^ (x >> shift);
                }
            } while (x >= n);
        }
        return x;
    }

    /// Dataset row used at position b of the batch of `step` (TS: g = step * batchSize + b over
    /// exact integers with step = -1 for INIT_STEP, epoch = floor(g / n), epoch word = epoch mod 2^32).
    function sampleIndex(uint32 seed, uint32 step, uint32 batchSize, uint32 b, uint32 n)
        internal
        pure
        returns (uint32)
    {
        if (n == 0) revert EmptyDataset();
        int256 s = step == INIT_STEP ? int256(-1) : int256(uint256(step));
        int256 g = s * int256(uint256(batchSize)) + int256(uint256(b));
        int256 sn = int256(uint256(n));
        int256 epoch = g / sn; // truncates toward zero; TS uses floor
        if (g % sn < 0) epoch -= 1;
        int256 i = g - epoch * sn;
        // epoch word = epoch mod 2^32 (TS `epoch >>> 0`, two's complement for epoch < 0); 0 <= i < n
        // forge-lint: disable-next-line(unsafe-typecast)
        return permuteIndex(seed, uint32(uint256(epoch)), uint32(uint256(i)), n);
    }

    function _roundKeys(uint32 seed, uint32 epoch) private pure returns (uint32[8] memory k) {
        uint32 key = rngKey(seed, STREAM_SHUFFLE, epoch);
        for (uint32 j = 0; j < 8; j++) k[j] = draw(key, j);
    }

    function _bitLength(uint32 x) private pure returns (uint32 len) {
        while (x != 0) {
            x >>= 1;
            len++;
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TensorProofs} from "./TensorProofs.sol";

/// @title  ForcedErrors
/// @notice The arithmetic of forced errors (docs/PROTOCOL.md §12), shared by the JobMarket and
///         the bots (chain/forced.ts mirrors every function here bit for bit).
///
///         secretHash     = keccak256(secret)                      (claimJobSealed)
///         entropy        = blockhash(claimBlock)                  (sealed by sealEntropy / commitSealed)
///         R              = keccak256(secret ‖ entropy)
///         forced         = (R mod 2^16) < rate                    (rate = FORCED_ERROR_RATE, of 2^16)
///         pos            = 1 + (R >> 16) mod (M − 1)              (M = last leaf; forced needs M ≥ 2)
///         masked leaf    = keccak256(trueLeaf ‖ secret)           (at pos, in the committed stateRoot)
///         trueRootCommit = keccak256(trueRoot ‖ secret)
///         find           = keccak256(finder ‖ jobId ‖ leaf ‖ trueLeaf ‖ salt)   (commitFind)
library ForcedErrors {
    /// @notice Denominator of the forced-error rate: p = rate / 2^16.
    uint256 internal constant RATE_ONE = 1 << 16;

    function randomness(bytes32 secret, bytes32 entropy) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(secret, entropy));
    }

    /// @notice Whether a job with randomness `r` and last leaf `lastLeaf` carries a forced error,
    ///         and at which leaf. Never leaf 0 (the init state) nor the last leaf (the final
    ///         state, whose model the submitter downloads): jobs with fewer than 3 leaves have none.
    function draw(bytes32 r, uint256 rate, uint256 lastLeaf) internal pure returns (bool forced, uint256 pos) {
        if (lastLeaf < 2) return (false, 0);
        forced = (uint256(r) & (RATE_ONE - 1)) < rate;
        pos = forced ? 1 + (uint256(r) >> 16) % (lastLeaf - 1) : 0;
    }

    function masked(bytes32 trueLeaf, bytes32 secret) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(trueLeaf, secret));
    }

    function rootCommit(bytes32 trueRoot, bytes32 secret) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(trueRoot, secret));
    }

    function findHash(address finder, uint256 jobId, uint256 leaf, bytes32 trueLeaf, bytes32 salt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(finder, jobId, leaf, trueLeaf, salt));
    }

    /// @notice The forced reveal: the same siblings put keccak(X ‖ secret) at `pos` under the
    ///         committed `stateRoot` and X at `pos` under `trueRoot`, so the two leaf lists differ
    ///         exactly at `pos` (path of exactly depthOf(lastLeaf + 1) siblings).
    function verifyForced(
        bytes32 stateRoot,
        bytes32 trueRoot,
        uint256 pos,
        uint256 lastLeaf,
        bytes32 forcedLeaf,
        bytes32 secret,
        bytes32[] calldata path
    ) internal view returns (bool) {
        if (path.length != TensorProofs.depthOf(lastLeaf + 1)) return false;
        return TensorProofs.verifyLeaf(stateRoot, pos, masked(forcedLeaf, secret), path)
            && TensorProofs.verifyLeaf(trueRoot, pos, forcedLeaf, path);
    }
}

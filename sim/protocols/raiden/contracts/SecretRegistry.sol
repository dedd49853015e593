// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title SecretRegistry
/// @notice Records when each lock secret was first revealed, under its SHA-256 hash.
contract SecretRegistry {
    /// @notice Compare against timestamps (seconds mode) or block numbers (blocks mode).
    bool public immutable blocks_mode;

    mapping(bytes32 secrethash => uint256) private secrethash_to_block;

    event SecretRevealed(bytes32 indexed secrethash, bytes32 secret);

    constructor(bool blocks_mode_) {
        blocks_mode = blocks_mode_;
    }

    /// @notice Stores the reveal time of `secret`; false if it was already revealed.
    function registerSecret(bytes32 secret) public returns (bool) {
        bytes32 secrethash = sha256(abi.encodePacked(secret));
        if (secret == bytes32(0x0) || secrethash_to_block[secrethash] > 0) {
            return false;
        }
        secrethash_to_block[secrethash] = blocks_mode ? block.number : block.timestamp;
        emit SecretRevealed(secrethash, secret);
        return true;
    }

    /// @notice When `secrethash` was revealed (0 if never).
    function getSecretRevealBlockHeight(bytes32 secrethash) public view returns (uint256) {
        return secrethash_to_block[secrethash];
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Raiden signed-message digests and signature recovery
/// @notice Every digest is `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ payload)` over an
///         `abi.encodePacked` payload, byte for byte as in the Raiden contracts.
library RaidenMessages {
    uint256 internal constant BALANCE_PROOF = 1;
    uint256 internal constant BALANCE_PROOF_UPDATE = 2;
    uint256 internal constant WITHDRAW = 3;
    uint256 internal constant MS_REWARD = 6;

    /// @dev Largest s of a low-s secp256k1 signature (n / 2).
    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice H212: the balance proof signed by its sender.
    function balanceProofHash(
        address token_network,
        uint256 chain_id,
        uint256 channel_identifier,
        bytes32 balance_hash,
        uint256 nonce,
        bytes32 additional_hash
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                "\x19Ethereum Signed Message:\n212",
                token_network,
                chain_id,
                BALANCE_PROOF,
                channel_identifier,
                balance_hash,
                nonce,
                additional_hash
            )
        );
    }

    /// @notice H277: a counter-signature over a balance proof and its signature. The length
    ///         literal stays "277" even when `signature` is not 65 bytes long (a nonce-0 close).
    function counterSignatureHash(
        address token_network,
        uint256 chain_id,
        uint256 message_type,
        uint256 channel_identifier,
        bytes32 balance_hash,
        uint256 nonce,
        bytes32 additional_hash,
        bytes memory signature
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                "\x19Ethereum Signed Message:\n277",
                token_network,
                chain_id,
                message_type,
                channel_identifier,
                balance_hash,
                nonce,
                additional_hash,
                signature
            )
        );
    }

    /// @notice The 200-byte withdraw message both participants sign: the channel's
    ///         token network, chain id, type 3 and id, then who withdraws, the new total and the
    ///         time (blocks mode: block) until which it may be submitted.
    function withdrawHash(
        address token_network,
        uint256 chain_id,
        uint256 channel_identifier,
        address participant,
        uint256 total_withdraw,
        uint256 withdrawable_until
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                "\x19Ethereum Signed Message:\n200",
                token_network,
                chain_id,
                WITHDRAW,
                channel_identifier,
                participant,
                total_withdraw,
                withdrawable_until
            )
        );
    }

    /// @notice The 221-byte MS reward proof signed by the non-closing participant.
    function rewardProofHash(
        address monitoring_service_contract,
        uint256 chain_id,
        address token_network,
        address non_closing_participant,
        bytes memory non_closing_signature,
        uint256 reward_amount
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                "\x19Ethereum Signed Message:\n221",
                monitoring_service_contract,
                chain_id,
                MS_REWARD,
                token_network,
                non_closing_participant,
                non_closing_signature,
                reward_amount
            )
        );
    }

    /// @notice `ecrecover` over a 65-byte r ‖ s ‖ v signature. v ∈ {0,1} is mapped to 27/28;
    ///         high s is accepted unless `reject_high_s` (the `intended` behaviour) is set.
    function recover(bytes32 digest, bytes memory signature, bool reject_high_s) internal pure returns (address) {
        require(signature.length == 65, "invalid signature length");
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(signature, 32))
            s := mload(add(signature, 64))
            v := byte(0, mload(add(signature, 96)))
        }
        if (v < 27) {
            v += 27;
        }
        require(v == 27 || v == 28, "invalid signature 'v' value");
        if (reject_high_s) {
            require(uint256(s) <= HALF_ORDER, "invalid signature 's' value");
        }
        address signer = ecrecover(digest, v, r, s);
        require(signer != address(0), "invalid signature");
        return signer;
    }
}

/// @notice The ERC-20 surface the Raiden contracts use.
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

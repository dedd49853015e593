// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";

/// @title ContractSigner
/// @notice A contract signing key (a minimal smart-contract wallet): answers ERC-1271
/// `isValidSignature(digest, sig)` with the magic value when `sig` is its controller's ECDSA
/// signature of `digest`, and with `0xffffffff` otherwise. Operators may register it as their
/// signing key; the registries accept its answers only with flag `contract_keys`.
contract ContractSigner {
    address public immutable controller;

    constructor(address controller_) {
        controller = controller_;
    }

    function isValidSignature(bytes32 digest, bytes calldata sig) external view returns (bytes4) {
        return SigCheck.valid(controller, digest, sig) ? ERC1271_MAGIC : bytes4(0xffffffff);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title TokenNetworkRegistry
/// @notice Token → TokenNetwork lookup. The monitoring service contract accepts only token
///         networks listed here. The model registers networks deployed separately (the real
///         registry deploys them itself), so that each network keeps its own trace identity.
contract TokenNetworkRegistry {
    address public immutable owner;
    mapping(address token => address) public token_to_token_networks;

    event TokenNetworkCreated(address indexed token_address, address indexed token_network_address);

    constructor() {
        owner = msg.sender;
    }

    /// @notice Lists `token_network` as the network of `token`. Owner only; once per token.
    function registerTokenNetwork(address token, address token_network) external {
        require(msg.sender == owner, "only owner");
        require(token_to_token_networks[token] == address(0x0), "token already registered");
        token_to_token_networks[token] = token_network;
        emit TokenNetworkCreated(token, token_network);
    }
}

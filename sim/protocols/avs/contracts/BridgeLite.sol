// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";

/// @title BridgeLite
/// @notice One end of a bridge between this chain and one peer chain. `send` only records the
/// message in a `MessageSent` log; the engine's relayer decides when (and whether) to deliver it
/// with `deliver` on the peer's BridgeLite. The contracts never deliver by themselves.
contract BridgeLite {
    uint256 public constant FEE = 0.01 ether;

    address public owner;
    address public relayer;
    uint256 public immutable flags;
    uint256 public nonce;
    mapping(address => bool) public authorisedSenders;
    /// receiver => sender => enabled (set by the receiver).
    mapping(address => mapping(address => bool)) public routes;

    event MessageSent(bytes32 indexed guid, address indexed sender, address indexed receiver, bytes message);
    event MessageReceived(bytes32 indexed guid, address indexed from, address indexed receiver);

    error NotOwner();
    error NotRelayer();
    error UnauthorisedSender();
    error InsufficientFee();
    error RouteDisabled();
    error DeliveryFailed();

    constructor(uint256 flags_) {
        owner = msg.sender;
        flags = flags_;
    }

    function setRelayer(address relayer_) external {
        if (msg.sender != owner) revert NotOwner();
        relayer = relayer_;
    }

    function authoriseSender(address sender, bool ok) external {
        if (msg.sender != owner) revert NotOwner();
        authorisedSenders[sender] = ok;
    }

    /// Called by a receiver on this chain to accept messages from `sender` on the peer chain.
    function updateRoute(address sender, bool enabled) external {
        routes[msg.sender][sender] = enabled;
    }

    function estimateFee(address, uint128, bytes calldata) external pure returns (uint256) {
        return FEE;
    }

    function send(address receiver, uint128, bytes calldata message) external payable returns (bytes32 guid) {
        if (!authorisedSenders[msg.sender]) revert UnauthorisedSender();
        if (msg.value < FEE) revert InsufficientFee();
        if (flags & Flags.GUID_NONCE != 0) {
            guid = keccak256(abi.encodePacked(block.chainid, msg.sender, receiver, nonce++));
        } else {
            // Q13: the upstream mock's guid; two sends in one block collide.
            guid = keccak256(abi.encodePacked(msg.sender, receiver, block.number));
        }
        emit MessageSent(guid, msg.sender, receiver, message);
    }

    function deliver(uint256, address from, address receiver, bytes32 guid, bytes calldata message) external {
        if (msg.sender != relayer) revert NotRelayer();
        if (!routes[receiver][from]) revert RouteDisabled();
        bytes4 r = IMessageHandler(receiver).handleMessage(from, message, guid);
        if (r != IMessageHandler.handleMessage.selector) revert DeliveryFailed();
        emit MessageReceived(guid, from, receiver);
    }
}

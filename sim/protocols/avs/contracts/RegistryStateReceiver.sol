// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";

interface IBridgeRoutes {
    function updateRoute(address sender, bool enabled) external;
}

interface ILightRegistry {
    function processEpochUpdate(bytes calldata data) external returns (uint256 operators);
}

/// @title RegistryStateReceiver
/// @notice Accepts epoch snapshots from the main chain's sender over the bridge and applies them to
/// the LightStakeRegistry. `currentUpdatingEpoch` is the last delivered epoch, not the maximum (Q12).
contract RegistryStateReceiver is IMessageHandler {
    address public immutable bridge;
    address public immutable sender;
    uint256 public immutable flags;
    address public owner;
    ILightRegistry public registry;
    uint32 public currentUpdatingEpoch;
    mapping(bytes32 => bool) public processedMessages;

    event UpdateProcessed(uint32 indexed epoch, uint256 operators);

    error NotOwner();
    error NotBridge();
    error InvalidSender();
    error MessageAlreadyProcessed();
    error BatchUpdateFailed();

    constructor(address bridge_, address sender_, uint256 flags_) {
        bridge = bridge_;
        sender = sender_;
        flags = flags_;
        owner = msg.sender;
        IBridgeRoutes(bridge_).updateRoute(sender_, true);
    }

    function setRegistry(address registry_) external {
        if (msg.sender != owner) revert NotOwner();
        registry = ILightRegistry(registry_);
    }

    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4) {
        if (msg.sender != bridge) revert NotBridge();
        if (from != sender) revert InvalidSender();
        if (processedMessages[guid] && flags & Flags.PLANTED_GUID_REPLAY == 0) revert MessageAlreadyProcessed();
        uint32 epoch = abi.decode(message[:32], (uint32));
        currentUpdatingEpoch = epoch;
        uint256 n;
        try registry.processEpochUpdate(message) returns (uint256 count) {
            n = count;
        } catch {
            revert BatchUpdateFailed();
        }
        processedMessages[guid] = true;
        emit UpdateProcessed(epoch, n);
        return IMessageHandler.handleMessage.selector;
    }
}

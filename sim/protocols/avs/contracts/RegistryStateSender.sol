// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

interface IBridgeSend {
    function estimateFee(address receiver, uint128 gasLimit, bytes calldata message) external view returns (uint256);
    function send(address receiver, uint128 gasLimit, bytes calldata message) external payable returns (bytes32);
}

/// @title RegistryStateSender
/// @notice Sends epoch snapshots over the bridge of each destination chain. Forwards exactly the
/// bridge fee; any excess stays here (Q16).
contract RegistryStateSender {
    uint128 public constant EXECUTE_GAS_LIMIT = 500_000;

    struct BridgeInfo {
        address bridge;
        address receiver;
    }

    address public owner;
    address public immutable epochManager;
    mapping(uint256 => BridgeInfo) public routes;

    event StateSent(uint32 indexed epoch, uint256 indexed chainId);
    event BridgeInfoUpdated(uint256 indexed chainId, address bridge, address receiver);

    error NotOwner();
    error NotEpochManager();
    error ChainNotSupported();
    error InsufficientFee();

    constructor(address epochManager_) {
        owner = msg.sender;
        epochManager = epochManager_;
    }

    function setRoute(uint256 chainId, address bridge, address receiver) external {
        if (msg.sender != owner) revert NotOwner();
        routes[chainId] = BridgeInfo(bridge, receiver);
        emit BridgeInfoUpdated(chainId, bridge, receiver);
    }

    function sendState(uint32 e, uint256 chainId, bytes calldata data) external payable {
        if (msg.sender != epochManager) revert NotEpochManager();
        BridgeInfo memory r = routes[chainId];
        if (r.bridge == address(0)) revert ChainNotSupported();
        uint256 fee = IBridgeSend(r.bridge).estimateFee(r.receiver, EXECUTE_GAS_LIMIT, data);
        if (msg.value < fee) revert InsufficientFee();
        IBridgeSend(r.bridge).send{value: fee}(r.receiver, EXECUTE_GAS_LIMIT, data);
        emit StateSent(e, chainId);
    }
}

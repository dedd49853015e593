// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";
import "avs/EpochMath.sol";

interface IRegistryReads {
    function getOperatorWeightAtEpoch(address op, uint32 e) external view returns (uint256);
    function getOperatorSigningKeyAtEpoch(address op, uint32 e) external view returns (address);
    function getThresholdWeightAtEpoch(uint32 e) external view returns (uint256);
    function getOperators() external view returns (address[] memory);
}

interface IStateSender {
    function sendState(uint32 e, uint256 chainId, bytes calldata data) external payable;
}

/// @title EpochManager
/// @notice Epoch arithmetic from the deployment block G (epoch length L, grace period P, both in
/// blocks) and `snapshotAndSendState`, which reads an epoch of the registry and sends it to a
/// remote chain through the RegistryStateSender.
contract EpochManager {
    uint256 public immutable genesisBlock;
    uint256 public immutable epochLength;
    uint256 public immutable gracePeriod;
    uint256 public immutable flags;
    address public owner;
    IRegistryReads public registry;
    IStateSender public sender;
    address public keeper;
    /// Snapshot numbers per (epoch, chain) when `replica_sequence` is on.
    mapping(uint32 => mapping(uint256 => uint64)) public snapshotSeq;

    event StateSnapshotSent(uint32 indexed epoch, uint256 indexed dstChainId, address[] operators);

    error NotOwner();
    error NotKeeper();
    error EpochNotSealed();
    error InvalidGracePeriod();

    constructor(uint256 l, uint256 p, uint256 flags_) {
        if (p == 0 || p >= l) revert InvalidGracePeriod();
        genesisBlock = block.number;
        epochLength = l;
        gracePeriod = p;
        flags = flags_;
        owner = msg.sender;
    }

    function wire(address registry_, address sender_, address keeper_) external {
        if (msg.sender != owner) revert NotOwner();
        registry = IRegistryReads(registry_);
        sender = IStateSender(sender_);
        keeper = keeper_;
    }

    function getCurrentEpoch() public view returns (uint32) {
        return EpochMath.current(genesisBlock, epochLength, block.number);
    }

    function getEffectiveEpoch() public view returns (uint32) {
        if (flags & Flags.PLANTED_NO_GRACE != 0) {
            return EpochMath.current(genesisBlock, epochLength, block.number) + 1;
        }
        return EpochMath.effective(genesisBlock, epochLength, gracePeriod, block.number);
    }

    function getEffectiveEpochForBlock(uint256 b) external view returns (uint32) {
        return EpochMath.effective(genesisBlock, epochLength, gracePeriod, b);
    }

    function isInGracePeriod() external view returns (bool) {
        return EpochMath.inGrace(genesisBlock, epochLength, gracePeriod, block.number);
    }

    function getEpochInterval(uint32 e) external view returns (uint256 start, uint256 graceStart, uint256 end) {
        start = EpochMath.start(genesisBlock, epochLength, e);
        end = EpochMath.start(genesisBlock, epochLength, e + 1);
        graceStart = end - gracePeriod;
    }

    function blocksUntilNextEpoch() external view returns (uint256) {
        return EpochMath.start(genesisBlock, epochLength, getCurrentEpoch() + 1) - block.number;
    }

    function blocksUntilGracePeriod() external view returns (uint256) {
        uint256 g = EpochMath.graceStart(genesisBlock, epochLength, gracePeriod, getCurrentEpoch());
        return g > block.number ? g - block.number : 0;
    }

    /// Faithful (Q11): permissionless, any epoch, any subset of operators in any order.
    function snapshotAndSendState(address[] calldata ops, uint32 e, uint256 dstChainId) external payable {
        if (flags & Flags.KEEPER_ONLY != 0 && msg.sender != keeper) revert NotKeeper();
        if (flags & Flags.SNAPSHOT_SEALED_ONLY != 0 && e >= getEffectiveEpoch()) revert EpochNotSealed();
        address[] memory list = ops;
        if (flags & Flags.SNAPSHOT_ALL_OPERATORS != 0) list = registry.getOperators();
        address[] memory keys = new address[](list.length);
        uint256[] memory weights = new uint256[](list.length);
        for (uint256 i = 0; i < list.length; i++) {
            keys[i] = registry.getOperatorSigningKeyAtEpoch(list[i], e);
            weights[i] = registry.getOperatorWeightAtEpoch(list[i], e);
        }
        uint256 threshold = registry.getThresholdWeightAtEpoch(e);
        bytes memory payload;
        if (flags & Flags.REPLICA_SEQUENCE != 0) {
            uint64 seq = ++snapshotSeq[e][dstChainId];
            payload = abi.encode(e, seq, list, keys, weights, threshold);
        } else {
            payload = abi.encode(e, list, keys, weights, threshold);
        }
        sender.sendState{value: msg.value}(e, dstChainId, payload);
        emit StateSnapshotSent(e, dstChainId, list);
    }
}

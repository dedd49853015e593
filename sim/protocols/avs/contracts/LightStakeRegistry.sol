// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";

/// @title LightStakeRegistry
/// @notice A remote chain's replica of the stake registry, written only by epoch snapshots. Each
/// snapshot overwrites the epoch's threshold and the listed operators' keys and weights; reads are
/// exact-slot. `isValidSignature` is the main chain's without any epoch bound (no epoch clock).
contract LightStakeRegistry {
    address public immutable receiver;
    uint256 public immutable flags;

    mapping(uint32 => mapping(address => uint256)) internal weightSlot;
    mapping(uint32 => mapping(address => address)) internal keySlot;
    mapping(uint32 => uint256) internal thresholdSlot;
    mapping(uint32 => address[]) internal epochOperators;
    mapping(uint32 => mapping(address => bool)) internal listed;
    mapping(uint32 => uint64) public lastSequence;

    event EpochUpdateApplied(uint32 indexed epoch, uint256 operators, uint256 thresholdWeight);

    error NotReceiver();
    error ArrayTooShort();
    error LengthMismatch();
    error InvalidLength();
    error NotSorted();
    error InvalidSignature();
    error InsufficientSignedStake();
    error ZeroThreshold();

    constructor(address receiver_, uint256 flags_) {
        receiver = receiver_;
        flags = flags_;
    }

    function processEpochUpdate(bytes calldata data) external returns (uint256) {
        if (msg.sender != receiver) revert NotReceiver();
        uint32 e;
        address[] memory ops;
        address[] memory keys;
        uint256[] memory weights;
        uint256 threshold;
        if (flags & Flags.REPLICA_SEQUENCE != 0) {
            uint64 seq;
            (e, seq, ops, keys, weights, threshold) =
                abi.decode(data, (uint32, uint64, address[], address[], uint256[], uint256));
            if (seq <= lastSequence[e]) return ops.length; // an older snapshot: ignored
            lastSequence[e] = seq;
        } else {
            (e, ops, keys, weights, threshold) = abi.decode(data, (uint32, address[], address[], uint256[], uint256));
        }
        if (keys.length < ops.length || weights.length < ops.length) revert ArrayTooShort();
        if (flags & Flags.REPLICA_FULL_REPLACE != 0) {
            address[] storage old = epochOperators[e];
            for (uint256 i = 0; i < old.length; i++) {
                keySlot[e][old[i]] = address(0);
                weightSlot[e][old[i]] = 0;
                listed[e][old[i]] = false;
            }
            delete epochOperators[e];
        }
        thresholdSlot[e] = threshold;
        bool planted = flags & Flags.PLANTED_OFF_BY_ONE != 0;
        for (uint256 i = 0; i < ops.length; i++) {
            keySlot[e][ops[i]] = keys[i];
            if (!planted || i + 1 < ops.length) weightSlot[e][ops[i]] = weights[i];
            if (!listed[e][ops[i]]) {
                listed[e][ops[i]] = true;
                epochOperators[e].push(ops[i]);
            }
        }
        emit EpochUpdateApplied(e, ops.length, threshold);
        return ops.length;
    }

    function getOperatorWeightAtEpoch(address op, uint32 e) external view returns (uint256) {
        return weightSlot[e][op];
    }

    function getOperatorSigningKeyAtEpoch(address op, uint32 e) external view returns (address) {
        return keySlot[e][op];
    }

    function getThresholdWeightAtEpoch(uint32 e) external view returns (uint256) {
        return thresholdSlot[e];
    }

    function isValidSignature(bytes32 digest, bytes calldata sigData) external view returns (bytes4) {
        (address[] memory ops, bytes[] memory sigs, uint32 ref) = abi.decode(sigData, (address[], bytes[], uint32));
        if (ops.length != sigs.length) revert LengthMismatch();
        if (ops.length == 0) revert InvalidLength();
        address last = address(0);
        uint256 signed = 0;
        bool contractKeys = flags & Flags.CONTRACT_KEYS != 0;
        for (uint256 i = 0; i < ops.length; i++) {
            address k = keySlot[ref][ops[i]];
            if (!(last < ops[i])) revert NotSorted();
            if (!SigCheck.validWith(k, digest, sigs[i], contractKeys)) revert InvalidSignature();
            last = ops[i];
            signed += weightSlot[ref][ops[i]];
        }
        uint256 t = thresholdSlot[ref];
        if (t > signed) revert InsufficientSignedStake();
        if (flags & Flags.REQUIRE_NONZERO_THRESHOLD != 0 && t == 0) revert ZeroThreshold();
        return ERC1271_MAGIC;
    }
}

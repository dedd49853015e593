// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title StateManager
/// @notice Per-user key/value histories, the state operators attest to. `getHistoryAtBlock`
/// returns the last entry written at or before block n (the post-block state).
contract StateManager {
    uint256 public constant MAX_BATCH = 100;

    struct History {
        uint256 value;
        uint64 blockNumber;
        uint48 timestamp;
    }

    mapping(address => mapping(uint256 => History[])) internal histories;

    event HistoryCommitted(address indexed user, uint256 indexed key, uint256 value, uint256 timestamp, uint256 blockNumber);

    error NoHistoryFound();
    error BlockNotFound();
    error BatchTooLarge();
    error LengthMismatch();

    function setValue(uint256 key, uint256 value) public {
        histories[msg.sender][key].push(History(value, uint64(block.number), uint48(block.timestamp)));
        emit HistoryCommitted(msg.sender, key, value, block.timestamp, block.number);
    }

    function batchSetValues(uint256[] calldata keys, uint256[] calldata values) external {
        if (keys.length > MAX_BATCH) revert BatchTooLarge();
        if (keys.length != values.length) revert LengthMismatch();
        for (uint256 i = 0; i < keys.length; i++) {
            setValue(keys[i], values[i]);
        }
    }

    function getHistoryAtBlock(address user, uint256 key, uint256 n) external view returns (History memory) {
        History[] storage h = histories[user][key];
        if (h.length == 0) revert NoHistoryFound();
        uint256 i = h.length;
        while (i > 0 && h[i - 1].blockNumber > n) i--;
        if (i == 0) revert BlockNotFound();
        return h[i - 1];
    }

    function getHistoryLength(address user, uint256 key) external view returns (uint256) {
        return histories[user][key].length;
    }
}

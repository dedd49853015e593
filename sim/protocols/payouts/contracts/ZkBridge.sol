// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title ZkBridge
/// @notice The l1 side of the layer-2 rollup stand-in used by the `zksync` payout method: a payer
/// locks payout tokens here and posts the l2 batch's data; the engine's relayer mints the same
/// amount on the l2 after the bridge's delay. The l2's data cost is charged here, per batch: the
/// posted batch bytes times a per-byte gas cost at the block's base fee, paid in native currency.
contract ZkBridge {
    IERC20Like public immutable token;
    /// Gas charged per byte of posted l2 batch data.
    uint256 public immutable dataGasPerByte;
    uint64 public nextDeposit;
    uint256 public locked;
    uint256 public dataFees;

    event DepositInitiated(uint64 indexed id, uint32 indexed period, address to, uint256 amount);
    event BatchDataPosted(uint64 indexed id, uint32 indexed period, uint256 bytesPosted, uint256 fee);

    error DataFeeTooLow(uint256 fee, uint256 sent);
    error RefundFailed();

    constructor(IERC20Like token_, uint256 dataGasPerByte_) {
        token = token_;
        dataGasPerByte = dataGasPerByte_;
    }

    /// @notice Locks `amount` of the caller's tokens for `to` on the l2 and posts `batch` (the l2
    /// batch transaction's data) for period `period`. Excess native value is refunded.
    function deposit(uint32 period, address to, uint256 amount, bytes calldata batch) external payable {
        uint256 fee = batch.length * dataGasPerByte * block.basefee;
        if (msg.value < fee) revert DataFeeTooLow(fee, msg.value);
        token.transferFrom(msg.sender, address(this), amount);
        locked += amount;
        dataFees += fee;
        uint64 id = nextDeposit++;
        emit BatchDataPosted(id, period, batch.length, fee);
        emit DepositInitiated(id, period, to, amount);
        if (msg.value > fee) {
            (bool ok,) = msg.sender.call{value: msg.value - fee}("");
            if (!ok) revert RefundFailed();
        }
    }
}

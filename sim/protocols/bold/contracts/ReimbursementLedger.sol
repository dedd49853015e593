// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ReimbursementLedger
/// @notice Where the out-of-band reimbursement watcher records the spec-mode payments of the
/// BOLD reimbursement proposal (gas of honest essential moves and the assertion service fee),
/// so that a payouts pipeline can pay them. Nothing is paid here; amounts are in wei, as in
/// the proposal's payment files (`amount_wei`).
contract ReimbursementLedger {
    /// @notice What a reimbursement is for: the gas of one action, or an assertion's service fee.
    uint8 public constant KIND_GAS = 0;
    uint8 public constant KIND_SERVICE_FEE = 1;

    address public immutable watcher;
    uint256 public totalOwedWei;

    event ReimbursementOwed(address indexed payee, uint8 kind, uint256 amountWei);

    error NotWatcher(address caller);
    error LengthMismatch();
    error UnknownKind(uint8 kind);

    constructor(address watcher_) {
        watcher = watcher_;
    }

    /// @notice Records one block's spec-mode payments, one event per payment, in order.
    function recordReimbursements(
        address[] calldata payees,
        uint8[] calldata kinds,
        uint256[] calldata amountsWei
    ) external {
        if (msg.sender != watcher) revert NotWatcher(msg.sender);
        if (payees.length != kinds.length || payees.length != amountsWei.length) {
            revert LengthMismatch();
        }
        for (uint256 i; i < payees.length; ++i) {
            if (kinds[i] > KIND_SERVICE_FEE) revert UnknownKind(kinds[i]);
            totalOwedWei += amountsWei[i];
            emit ReimbursementOwed(payees[i], kinds[i], amountsWei[i]);
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title FeeLedger
/// @notice A generic obligation source: an issuer records service fees owed to payees (for
/// example a watchtower's or an operator's fee for a period). Nothing is paid here; the payouts
/// pipeline turns the recorded obligations into payments.
contract FeeLedger {
    address public immutable issuer;
    uint256 public totalOwed;

    event FeesOwed(address[] payees, uint256[] amounts);

    error NotIssuer(address caller);
    error LengthMismatch();

    constructor(address issuer_) {
        issuer = issuer_;
    }

    function recordFees(address[] calldata payees, uint256[] calldata amounts) external {
        if (msg.sender != issuer) revert NotIssuer(msg.sender);
        if (payees.length != amounts.length) revert LengthMismatch();
        uint256 sum;
        for (uint256 i; i < amounts.length; ++i) {
            sum += amounts[i];
        }
        totalOwed += sum;
        emit FeesOwed(payees, amounts);
    }
}

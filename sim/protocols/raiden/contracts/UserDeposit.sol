// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "raiden/Messages.sol";

/// @title UserDeposit
/// @notice Clients' reward deposits. The monitoring service contract moves balance between
///         accounts inside this ledger; owners leave through a planned withdraw with a delay.
contract UserDeposit {
    struct WithdrawPlan {
        uint256 amount;
        uint256 withdrawable_after;
    }

    IERC20 public immutable token;
    address public immutable owner;
    uint256 public immutable withdraw_timeout;
    uint256 public immutable whole_balance_limit;
    /// @notice Withdraw delay in block numbers instead of seconds.
    bool public immutable blocks_mode;
    address public msc_address;

    mapping(address => uint256) public total_deposit;
    mapping(address => uint256) public balances;
    mapping(address => WithdrawPlan) public withdraw_plans;
    uint256 public whole_balance;

    event BalanceReduced(address indexed owner, uint256 newBalance);
    event WithdrawPlanned(address indexed withdrawer, uint256 plannedBalance);

    constructor(address token_, uint256 withdraw_timeout_, uint256 whole_balance_limit_, bool blocks_mode_) {
        token = IERC20(token_);
        owner = msg.sender;
        withdraw_timeout = withdraw_timeout_;
        whole_balance_limit = whole_balance_limit_;
        blocks_mode = blocks_mode_;
    }

    /// @notice Sets the one contract allowed to call `transfer`. Owner only, once.
    function init(address msc) external {
        require(msg.sender == owner, "only owner");
        require(msc_address == address(0x0), "already initialized");
        require(msc != address(0x0), "msc address zero");
        msc_address = msc;
    }

    /// @notice Raises `beneficiary`'s lifetime total to `new_total_deposit`.
    function deposit(address beneficiary, uint256 new_total_deposit) external {
        require(new_total_deposit > total_deposit[beneficiary], "deposit not increasing");
        uint256 added = new_total_deposit - total_deposit[beneficiary];
        balances[beneficiary] += added;
        total_deposit[beneficiary] += added;
        whole_balance += added;
        require(whole_balance <= whole_balance_limit, "too much deposit");
        require(token.transferFrom(msg.sender, address(this), added), "token transfer failed");
    }

    /// @notice Moves `amount` from `sender` to `receiver`; false (no revert) when the amount is
    ///         zero or the sender's balance is short.
    function transfer(address sender, address receiver, uint256 amount) external returns (bool) {
        require(msg.sender == msc_address, "unknown caller");
        require(sender != receiver, "sender == receiver");
        if (amount > 0 && balances[sender] >= amount) {
            balances[sender] -= amount;
            balances[receiver] += amount;
            emit BalanceReduced(sender, balances[sender]);
            return true;
        }
        return false;
    }

    /// @notice Announces a withdraw of `amount`, replacing any earlier plan.
    function planWithdraw(uint256 amount) external {
        require(amount > 0, "withdrawing zero");
        require(balances[msg.sender] >= amount, "withdrawing too much");
        withdraw_plans[msg.sender] = WithdrawPlan({amount: amount, withdrawable_after: _now() + withdraw_timeout});
        emit WithdrawPlanned(msg.sender, balances[msg.sender] - amount);
    }

    /// @notice Withdraws up to the planned amount once the delay has passed.
    function withdraw(uint256 amount) external {
        WithdrawPlan storage plan = withdraw_plans[msg.sender];
        require(amount <= plan.amount, "withdrawing more than planned");
        require(_now() >= plan.withdrawable_after, "withdrawing too early");
        uint256 withdrawable = amount < balances[msg.sender] ? amount : balances[msg.sender];
        balances[msg.sender] -= withdrawable;
        whole_balance -= withdrawable;
        emit BalanceReduced(msg.sender, balances[msg.sender]);
        delete withdraw_plans[msg.sender];
        require(token.transfer(msg.sender, withdrawable), "token transfer failed");
    }

    /// @notice Balance minus the planned withdraw (0 when the plan exceeds the balance).
    function effectiveBalance(address owner_) external view returns (uint256) {
        uint256 balance = balances[owner_];
        uint256 planned = withdraw_plans[owner_].amount;
        if (planned > balance) {
            return 0;
        }
        return balance - planned;
    }

    function _now() internal view returns (uint256) {
        return blocks_mode ? block.number : block.timestamp;
    }
}

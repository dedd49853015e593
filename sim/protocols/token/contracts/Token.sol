// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Token
/// @notice Plain ERC-20 used by every protocol model: bonds, deposits, stakes, rewards, payouts.
/// @dev The deployer is the first minter and may hand the role on. An allowance of `type(uint256).max` is treated as
///      unlimited and is not decreased by `transferFrom`, as most deployed tokens do.
contract Token {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    address public minter;

    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error NotMinter(address caller);

    event MinterChanged(address indexed previous, address indexed next);
    error LengthMismatch();

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
        minter = msg.sender;
    }

    /// @notice Hands the minter role to `next`. Only the minter may call it.
    function setMinter(address next) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        emit MinterChanged(minter, next);
        minter = next;
    }

    /// @notice Creates `amount` new tokens for `to`. Only the minter may call it.
    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        totalSupply += amount;
        // Cannot overflow: every balance is at most totalSupply, which was checked above.
        unchecked {
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance(msg.sender, allowed, amount);
            unchecked {
                allowance[from][msg.sender] = allowed - amount;
            }
        }
        _transfer(from, to, amount);
        return true;
    }

    /// @notice Sends `amounts[i]` to `to[i]` for every i, from the caller, in one transaction.
    /// @dev The caller's balance is checked against the sum and debited once; each recipient
    ///      gets its own `Transfer` event, exactly as a sequence of `transfer` calls would emit.
    function batchTransfer(address[] calldata to, uint256[] calldata amounts) external {
        uint256 count = to.length;
        if (count != amounts.length) revert LengthMismatch();

        uint256 total;
        for (uint256 i; i < count; ++i) {
            total += amounts[i];
        }

        uint256 balance = balanceOf[msg.sender];
        if (balance < total) revert InsufficientBalance(msg.sender, balance, total);
        unchecked {
            balanceOf[msg.sender] = balance - total;
        }

        for (uint256 i; i < count; ++i) {
            address recipient = to[i];
            uint256 amount = amounts[i];
            // Cannot overflow: the sum of all balances is totalSupply.
            unchecked {
                balanceOf[recipient] += amount;
            }
            emit Transfer(msg.sender, recipient, amount);
        }
    }

    function _transfer(address from, address to, uint256 amount) private {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        unchecked {
            balanceOf[from] = balance - amount;
            // Cannot overflow: the sum of all balances is totalSupply.
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

interface IMintable {
    function mint(address to, uint256 amount) external;
}

/// @title L2Gateway
/// @notice The l2 side of the rollup stand-in: the relayer finalizes each l1 deposit once by
/// minting the l2 payout token to its recipient.
contract L2Gateway {
    IMintable public immutable token;
    address public immutable owner;
    address public relayer;
    mapping(uint64 => bool) public finalized;

    event DepositFinalized(uint64 indexed id, uint32 indexed period, address to, uint256 amount);

    error NotRelayer(address caller);
    error AlreadyFinalized(uint64 id);
    error NotOwner(address caller);
    error RelayerSet();

    constructor(IMintable token_) {
        token = token_;
        owner = msg.sender;
    }

    /// @notice Names the bridge relayer, once.
    function setRelayer(address relayer_) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (relayer != address(0)) revert RelayerSet();
        relayer = relayer_;
    }

    function finalizeDeposit(uint64 id, uint32 period, address to, uint256 amount) external {
        if (msg.sender != relayer) revert NotRelayer(msg.sender);
        if (finalized[id]) revert AlreadyFinalized(id);
        finalized[id] = true;
        token.mint(to, amount);
        emit DepositFinalized(id, period, to, amount);
    }
}

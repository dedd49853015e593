// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title WalletRegistry
/// @notice Signing groups of tBTC wallets (seat → operator, threshold) and the inactivity claims their members
///         file after repeated heartbeat failures.
contract WalletRegistry {
    struct Group {
        address[] members; // seat i+1 is members[i]
        uint16 threshold;
        uint64 lastClaimBlock;
        uint64 claims;
    }

    address public immutable owner;
    mapping(bytes20 => Group) internal groups;

    event WalletCreated(bytes20 indexed walletPubKeyHash, uint256 groupSize, uint256 threshold);
    event OperatorInactivityNotified(bytes20 indexed walletPubKeyHash, uint256 nonce, uint32[] inactiveMembersIndices);

    constructor() {
        owner = msg.sender;
    }

    function createWallet(bytes20 walletPubKeyHash, address[] calldata seats, uint16 threshold) external {
        require(msg.sender == owner, "Caller is not the owner");
        require(groups[walletPubKeyHash].members.length == 0, "Wallet exists");
        require(threshold > 0 && threshold <= seats.length, "Bad threshold");
        groups[walletPubKeyHash].members = seats;
        groups[walletPubKeyHash].threshold = threshold;
        emit WalletCreated(walletPubKeyHash, seats.length, threshold);
    }

    function members(bytes20 walletPubKeyHash) external view returns (address[] memory) {
        return groups[walletPubKeyHash].members;
    }

    function isWalletMember(bytes20 walletPubKeyHash, address operator, uint32 seat) external view returns (bool) {
        address[] storage m = groups[walletPubKeyHash].members;
        return seat >= 1 && seat <= m.length && m[seat - 1] == operator;
    }

    /// @notice Files an inactivity claim, signed off-chain by the group (signature check elided): the caller
    ///         must be a member of the wallet.
    function notifyOperatorInactivity(bytes20 walletPubKeyHash, uint32 claimerSeat, uint32[] calldata inactiveMembersIndices)
        external
    {
        Group storage g = groups[walletPubKeyHash];
        require(claimerSeat >= 1 && claimerSeat <= g.members.length, "Invalid seat");
        require(g.members[claimerSeat - 1] == msg.sender, "Caller is not the seat's operator");
        require(inactiveMembersIndices.length > 0, "No inactive members");
        g.claims += 1;
        g.lastClaimBlock = uint64(block.number);
        emit OperatorInactivityNotified(walletPubKeyHash, g.claims, inactiveMembersIndices);
    }

    function claims(bytes20 walletPubKeyHash) external view returns (uint64 count, uint64 lastClaimBlock) {
        Group storage g = groups[walletPubKeyHash];
        return (g.claims, g.lastClaimBlock);
    }
}

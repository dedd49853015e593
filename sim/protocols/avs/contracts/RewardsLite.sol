// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title RewardsLite
/// @notice Per-epoch operator rewards: the initiator submits each epoch's amounts once; operators
/// pull them. Rewards are paid in the chain's native currency from the contract's balance.
contract RewardsLite {
    address public immutable initiator;
    uint256 public immutable poolPerEpoch;
    mapping(uint32 => bool) public submitted;
    mapping(address => uint256) public claimable;
    uint256 public totalClaimable;

    event RewardsSubmitted(uint32 indexed epoch, address[] operators, uint256[] amounts);
    event RewardClaimed(address indexed operator, uint256 amount);

    error NotInitiator();
    error AlreadySubmitted();
    error LengthMismatch();
    error OverPool();
    error NothingToClaim();
    error TransferFailed();

    constructor(address initiator_, uint256 pool) payable {
        initiator = initiator_;
        poolPerEpoch = pool;
    }

    function submitRewards(uint32 epoch, address[] calldata ops, uint256[] calldata amounts) external {
        if (msg.sender != initiator) revert NotInitiator();
        if (submitted[epoch]) revert AlreadySubmitted();
        if (ops.length != amounts.length) revert LengthMismatch();
        uint256 sum;
        for (uint256 i = 0; i < ops.length; i++) {
            sum += amounts[i];
            claimable[ops[i]] += amounts[i];
        }
        if (sum > poolPerEpoch) revert OverPool();
        totalClaimable += sum;
        submitted[epoch] = true;
        emit RewardsSubmitted(epoch, ops, amounts);
    }

    function claim() external {
        uint256 a = claimable[msg.sender];
        if (a == 0) revert NothingToClaim();
        claimable[msg.sender] = 0;
        totalClaimable -= a;
        (bool ok,) = msg.sender.call{value: a}("");
        if (!ok) revert TransferFailed();
        emit RewardClaimed(msg.sender, a);
    }
}

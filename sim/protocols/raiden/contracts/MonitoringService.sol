// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "raiden/Messages.sol";
import "raiden/TokenNetwork.sol";
import "raiden/TokenNetworkRegistry.sol";
import "raiden/ServiceRegistry.sol";
import "raiden/UserDeposit.sol";

/// @title MonitoringService
/// @notice Lets registered monitoring services submit a non-closing participant's newest balance
///         proof during their slot of the settlement window, records the promised reward, and
///         pays it from the participant's UserDeposit balance after the window (specs §6).
contract MonitoringService {
    struct Reward {
        uint256 reward_amount;
        uint256 nonce;
        address reward_sender_address;
        address monitoring_service_address;
    }

    /// @dev The arguments of `monitor`, kept together to stay within the stack.
    struct MonitorRequest {
        address closing_participant;
        address non_closing_participant;
        bytes32 balance_hash;
        uint256 nonce;
        bytes32 additional_hash;
        bytes closing_signature;
        bytes non_closing_signature;
        uint256 reward_amount;
        address token_network_address;
        bytes reward_proof_signature;
    }

    // Deliberate defects (bit flags), zero in every faithful or intended deployment.
    uint256 public constant DEFECT_CLAIM_KEEPS_RECORD = 16;
    uint256 public constant DEFECT_NO_SLOT = 32;
    uint256 public constant DEFECT_REWARD_UNCHECKED = 64;

    IERC20 public immutable token;
    ServiceRegistry public immutable service_registry;
    UserDeposit public immutable user_deposit;
    TokenNetworkRegistry public immutable token_network_registry;
    uint256 public immutable chain_id;
    bool public immutable reject_high_s;
    uint256 public immutable defects;

    mapping(bytes32 => Reward) public rewards;

    event NewBalanceProofReceived(
        address token_network_address,
        uint256 channel_identifier,
        uint256 reward_amount,
        uint256 indexed nonce,
        address indexed ms_address,
        address indexed raiden_node_address
    );
    event RewardClaimed(address indexed ms_address, uint256 amount, bytes32 indexed reward_identifier);

    constructor(
        address token_,
        address service_registry_,
        address user_deposit_,
        address token_network_registry_,
        uint256 chain_id_,
        bool reject_high_s_,
        uint256 defects_
    ) {
        token = IERC20(token_);
        service_registry = ServiceRegistry(service_registry_);
        user_deposit = UserDeposit(user_deposit_);
        token_network_registry = TokenNetworkRegistry(token_network_registry_);
        chain_id = chain_id_;
        reject_high_s = reject_high_s_;
        defects = defects_;
    }

    /// @notice Submits the closer's newest balance proof on behalf of the non-closing participant
    ///         and records the reward promised by its reward proof.
    function monitor(
        address closing_participant,
        address non_closing_participant,
        bytes32 balance_hash,
        uint256 nonce,
        bytes32 additional_hash,
        bytes memory closing_signature,
        bytes memory non_closing_signature,
        uint256 reward_amount,
        address token_network_address,
        bytes memory reward_proof_signature
    ) external {
        _monitor(
            MonitorRequest(
                closing_participant,
                non_closing_participant,
                balance_hash,
                nonce,
                additional_hash,
                closing_signature,
                non_closing_signature,
                reward_amount,
                token_network_address,
                reward_proof_signature
            )
        );
    }

    function _monitor(MonitorRequest memory r) internal {
        TokenNetwork token_network = TokenNetwork(r.token_network_address);
        require(
            token_network_registry.token_to_token_networks(address(token_network.token())) == r.token_network_address,
            "Unknown TokenNetwork"
        );
        uint256 channel_identifier =
            token_network.getChannelIdentifier(r.closing_participant, r.non_closing_participant);

        bytes32 digest = RaidenMessages.rewardProofHash(
            address(this),
            chain_id,
            r.token_network_address,
            r.non_closing_participant,
            r.non_closing_signature,
            r.reward_amount
        );
        address reward_signer = RaidenMessages.recover(digest, r.reward_proof_signature, reject_high_s);
        if (defects & DEFECT_REWARD_UNCHECKED == 0) {
            require(reward_signer == r.non_closing_participant, "Bad reward proof");
        }

        bytes32 reward_identifier = keccak256(abi.encodePacked(channel_identifier, r.token_network_address));
        require(rewards[reward_identifier].nonce < r.nonce, "stale nonce");
        rewards[reward_identifier] = Reward({
            reward_amount: r.reward_amount,
            nonce: r.nonce,
            reward_sender_address: r.non_closing_participant,
            monitoring_service_address: msg.sender
        });

        uint256 first_allowed = firstTimestampAllowedToMonitorChannel(
            r.token_network_address, channel_identifier, r.closing_participant, r.non_closing_participant, msg.sender
        );
        if (defects & DEFECT_NO_SLOT == 0) {
            require(_now(token_network) >= first_allowed, "not allowed to monitor");
        }

        token_network.updateNonClosingBalanceProof(
            channel_identifier,
            r.closing_participant,
            r.non_closing_participant,
            r.balance_hash,
            r.nonce,
            r.additional_hash,
            r.closing_signature,
            r.non_closing_signature
        );
        emit NewBalanceProofReceived(
            r.token_network_address, channel_identifier, r.reward_amount, r.nonce, msg.sender, r.non_closing_participant
        );
    }

    /// @notice The earliest time (blocks mode: block) at which `monitoring_service` may monitor
    ///         the closed channel. Seconds mode knows the exact timeout; blocks mode assumes the
    ///         network's minimum timeout, as the deployed contracts do.
    function firstTimestampAllowedToMonitorChannel(
        address token_network_address,
        uint256 channel_identifier,
        address closing_participant,
        address non_closing_participant,
        address monitoring_service
    ) public view returns (uint256) {
        require(service_registry.hasValidRegistration(monitoring_service), "service not registered");
        TokenNetwork token_network = TokenNetwork(token_network_address);
        (uint256 settle_block_number, TokenNetwork.ChannelState state) =
            token_network.getChannelInfo(channel_identifier, closing_participant, non_closing_participant);
        require(state == TokenNetwork.ChannelState.Closed, "channel not closed");
        uint256 settle_timeout;
        uint256 settle_at;
        if (token_network.blocks_mode()) {
            settle_timeout = token_network.settlement_timeout_min();
            settle_at = settle_block_number;
        } else {
            settle_timeout = token_network.settle_timeout();
            settle_at = token_network.settleable_after(channel_identifier);
        }
        return firstTimestampAllowedToMonitor(
            settle_at - settle_timeout, settle_timeout, closing_participant, non_closing_participant, monitoring_service
        );
    }

    /// @notice The slot rule of specs §6.2: best = close + 30% of T, then a pseudo-random
    ///         offset in [0, 50% of T) from the three addresses. T < 2 divides by zero.
    function firstTimestampAllowedToMonitor(
        uint256 closed_at,
        uint256 settle_timeout,
        address participant1,
        address participant2,
        address monitoring_service
    ) public pure returns (uint256) {
        uint256 best = closed_at + (30 * settle_timeout) / 100;
        uint256 range = (50 * settle_timeout) / 100;
        uint256 offset = (uint256(uint160(participant1)) + uint256(uint160(participant2))
                + uint256(uint160(monitoring_service))) % range;
        return best + offset;
    }

    /// @notice Pays the recorded monitoring service from the reward sender's deposit once the
    ///         settlement window is over. Anyone may call it.
    function claimReward(
        uint256 channel_identifier,
        address token_network_address,
        address closing_participant,
        address non_closing_participant
    ) external returns (bool) {
        TokenNetwork token_network = TokenNetwork(token_network_address);
        TokenNetwork.ChannelState state =
            token_network.getChannelState(channel_identifier, closing_participant, non_closing_participant);
        require(
            state == TokenNetwork.ChannelState.Closed || state == TokenNetwork.ChannelState.Settled
                || state == TokenNetwork.ChannelState.Removed,
            "too early channel state"
        );
        require(
            token_network.settleDeadline(channel_identifier) < _now(token_network), "channel not settled yet"
        );
        bytes32 reward_identifier = keccak256(abi.encodePacked(channel_identifier, token_network_address));
        Reward memory reward = rewards[reward_identifier];
        require(reward.reward_sender_address != address(0x0), "no reward");
        require(
            user_deposit.transfer(
                reward.reward_sender_address, reward.monitoring_service_address, reward.reward_amount
            ),
            "UDC did not transfer"
        );
        emit RewardClaimed(reward.monitoring_service_address, reward.reward_amount, reward_identifier);
        if (defects & DEFECT_CLAIM_KEEPS_RECORD == 0) {
            delete rewards[reward_identifier];
        }
        return true;
    }

    function _now(TokenNetwork token_network) internal view returns (uint256) {
        return token_network.blocks_mode() ? block.number : block.timestamp;
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "raiden/Messages.sol";
import "raiden/SecretRegistry.sol";

/// @title TokenNetwork
/// @notice All payment channels of one token: open, deposit, close, update of the non-closing
///         balance proof, settle and unlock, as specified in specs/raiden.md §2–§3. Event names
///         and argument order match the Raiden contracts.
/// @dev Seconds mode (default) compares `block.timestamp` with `settleable_after`; blocks mode
///      (the older release) stores a settle block per channel and a per-channel timeout.
contract TokenNetwork {
    enum ChannelState {
        NonExistent,
        Opened,
        Closed,
        Settled,
        Removed
    }

    struct Participant {
        uint256 deposit;
        uint256 withdrawn_amount;
        bool is_the_closer;
        bytes32 balance_hash;
        uint256 nonce;
    }

    struct Channel {
        uint256 settle_block_number;
        uint256 settle_timeout;
        ChannelState state;
        mapping(address => Participant) participants;
    }

    struct UnlockData {
        bytes32 locksroot;
        uint256 locked_amount;
    }

    /// @notice One participant's withdraw as both participants signed it (type 3, 200 bytes):
    ///         `participant_signature` by the participant, `partner_signature` by its partner.
    struct WithdrawInput {
        address participant;
        uint256 total_withdraw;
        uint256 withdrawable_until;
        bytes participant_signature;
        bytes partner_signature;
    }

    /// @dev One side of a settlement as the caller states it.
    struct SettlementSide {
        address participant;
        uint256 transferred;
        uint256 locked;
        bytes32 locksroot;
    }

    // Deliberate defects (bit flags) that switch off one safety rule each, so that tests can show
    // the invariants catching a broken contract. Zero in every faithful or intended deployment.
    uint256 public constant DEFECT_NONCE_ANY = 1;
    uint256 public constant DEFECT_SETTLE_EARLY = 2;
    uint256 public constant DEFECT_TYPE_IGNORED = 4;
    uint256 public constant DEFECT_IGNORES_TRANSFERS = 8;
    uint256 public constant DEFECT_OVERPAYS = 128;
    uint256 public constant DEFECT_UNORDERED_SETTLE = 256;

    IERC20 public immutable token;
    SecretRegistry public immutable secret_registry;
    uint256 public immutable chain_id;
    /// @notice Seconds mode: the settle timeout of every channel.
    uint256 public immutable settle_timeout;
    /// @notice Blocks mode: bounds of the per-channel settle timeout.
    uint256 public immutable settlement_timeout_min;
    uint256 public immutable settlement_timeout_max;
    bool public immutable blocks_mode;
    /// @notice Updates must land no later than the end of the settlement window.
    bool public immutable update_deadline;
    /// @notice Reject high-s signatures (`intended`); the deployed contracts accept them.
    bool public immutable reject_high_s;
    uint256 public immutable defects;

    uint256 public channel_counter;
    mapping(uint256 => Channel) internal channels;
    mapping(bytes32 => uint256) public participants_hash_to_channel_identifier;
    mapping(uint256 => uint256) public settleable_after;
    mapping(bytes32 => UnlockData) public unlock_identifier_to_unlock_data;

    event ChannelOpened(
        uint256 indexed channel_identifier, address indexed participant1, address indexed participant2
    );
    event ChannelNewDeposit(uint256 indexed channel_identifier, address indexed participant, uint256 total_deposit);
    event ChannelClosed(
        uint256 indexed channel_identifier, address indexed closing_participant, uint256 indexed nonce, bytes32 balance_hash
    );
    event ChannelWithdraw(uint256 indexed channel_identifier, address indexed participant, uint256 total_withdraw);
    event NonClosingBalanceProofUpdated(
        uint256 indexed channel_identifier, address indexed closing_participant, uint256 indexed nonce, bytes32 balance_hash
    );
    event ChannelSettled(
        uint256 indexed channel_identifier,
        address participant1,
        uint256 participant1_amount,
        bytes32 participant1_locksroot,
        address participant2,
        uint256 participant2_amount,
        bytes32 participant2_locksroot
    );
    event ChannelUnlocked(
        uint256 indexed channel_identifier,
        address indexed receiver,
        address indexed sender,
        bytes32 locksroot,
        uint256 unlocked_amount,
        uint256 returned_tokens
    );

    constructor(
        address token_,
        address secret_registry_,
        uint256 chain_id_,
        uint256 settle_timeout_,
        uint256 settlement_timeout_min_,
        uint256 settlement_timeout_max_,
        bool blocks_mode_,
        bool update_deadline_,
        bool reject_high_s_,
        uint256 defects_
    ) {
        require(settle_timeout_ > 0 || blocks_mode_, "invalid settle timeout");
        require(settlement_timeout_min_ <= settlement_timeout_max_, "invalid settle timeout bounds");
        token = IERC20(token_);
        secret_registry = SecretRegistry(secret_registry_);
        chain_id = chain_id_;
        settle_timeout = settle_timeout_;
        settlement_timeout_min = settlement_timeout_min_;
        settlement_timeout_max = settlement_timeout_max_;
        blocks_mode = blocks_mode_;
        update_deadline = update_deadline_;
        reject_high_s = reject_high_s_;
        defects = defects_;
    }

    // ---- open and deposit ----------------------------------------------------------------

    /// @notice Opens a channel (seconds mode).
    function openChannel(address participant1, address participant2) external returns (uint256) {
        require(!blocks_mode, "settle timeout required");
        return _open(participant1, participant2, settle_timeout);
    }

    /// @notice Opens a channel with its own settle timeout (blocks mode).
    function openChannel(address participant1, address participant2, uint256 settle_timeout_)
        external
        returns (uint256)
    {
        require(blocks_mode, "settle timeout is per network");
        require(
            settle_timeout_ >= settlement_timeout_min && settle_timeout_ <= settlement_timeout_max,
            "invalid settle timeout"
        );
        return _open(participant1, participant2, settle_timeout_);
    }

    function _open(address participant1, address participant2, uint256 timeout) internal returns (uint256) {
        bytes32 pair_hash = getParticipantsHash(participant1, participant2);
        require(participants_hash_to_channel_identifier[pair_hash] == 0, "channel already exists");
        channel_counter += 1;
        uint256 channel_identifier = channel_counter;
        participants_hash_to_channel_identifier[pair_hash] = channel_identifier;
        Channel storage channel = channels[channel_identifier];
        channel.state = ChannelState.Opened;
        channel.settle_timeout = timeout;
        emit ChannelOpened(channel_identifier, participant1, participant2);
        return channel_identifier;
    }

    /// @notice Raises `participant`'s total deposit to `total_deposit`; anyone may fund either side.
    function setTotalDeposit(uint256 channel_identifier, address participant, uint256 total_deposit, address partner)
        external
    {
        require(channel_identifier == getChannelIdentifier(participant, partner), "channel id mismatch");
        require(total_deposit > 0, "total deposit is zero");
        Channel storage channel = channels[channel_identifier];
        require(channel.state == ChannelState.Opened, "channel not open");
        Participant storage p = channel.participants[participant];
        require(total_deposit > p.deposit, "deposit did not increase");
        uint256 added = total_deposit - p.deposit;
        p.deposit = total_deposit;
        require(token.transferFrom(msg.sender, address(this), added), "token transfer failed");
        emit ChannelNewDeposit(channel_identifier, participant, total_deposit);
    }

    // ---- withdraw and cooperative settle ----------------------------------------------------

    /// @notice Raises `participant`'s total withdrawn amount of an open channel to
    ///         `total_withdraw` and pays it the difference. Both participants sign the same
    ///         withdraw message; the partner is the signer of `partner_signature`. Anyone may
    ///         submit it while `now < withdrawable_until`.
    function setTotalWithdraw(
        uint256 channel_identifier,
        address participant,
        uint256 total_withdraw,
        uint256 withdrawable_until,
        bytes calldata participant_signature,
        bytes calldata partner_signature
    ) external {
        require(channels[channel_identifier].state == ChannelState.Opened, "channel not open");
        require(total_withdraw > 0, "total withdraw is zero");
        uint256 current = _withdraw(
            channel_identifier,
            WithdrawInput(
                participant, total_withdraw, withdrawable_until, participant_signature, partner_signature
            )
        );
        require(current > 0, "withdraw amount did not increase");
        emit ChannelWithdraw(channel_identifier, participant, total_withdraw);
        require(token.transfer(participant, current), "token transfer failed");
    }

    /// @notice Closes and pays out an open channel at once, with each participant's final
    ///         withdraw signed by both. The two totals must add up to the two deposits; each
    ///         participant receives its total minus what it already withdrew.
    function cooperativeSettle(uint256 channel_identifier, WithdrawInput memory data1, WithdrawInput memory data2)
        external
    {
        require(
            channel_identifier == getChannelIdentifier(data1.participant, data2.participant), "channel id mismatch"
        );
        Channel storage channel = channels[channel_identifier];
        require(channel.state == ChannelState.Opened, "channel not open");
        uint256 total_deposit =
            channel.participants[data1.participant].deposit + channel.participants[data2.participant].deposit;
        require(total_deposit == data1.total_withdraw + data2.total_withdraw, "incomplete amounts");
        uint256 amount1 = _withdraw(channel_identifier, data1);
        uint256 amount2 = _withdraw(channel_identifier, data2);

        delete channel.participants[data1.participant];
        delete channel.participants[data2.participant];
        delete channels[channel_identifier];
        delete settleable_after[channel_identifier];
        delete participants_hash_to_channel_identifier[getParticipantsHash(data1.participant, data2.participant)];

        emit ChannelSettled(channel_identifier, data1.participant, amount1, bytes32(0), data2.participant, amount2, bytes32(0));
        if (amount1 > 0) {
            require(token.transfer(data1.participant, amount1), "token transfer failed");
        }
        if (amount2 > 0) {
            require(token.transfer(data2.participant, amount2), "token transfer failed");
        }
    }

    /// @dev Checks a withdraw signed by both participants of this channel and records the new
    ///      total; returns the amount to pay now. A zero total in a cooperative settle needs no
    ///      signatures (the partner's input carries this participant's consent).
    function _withdraw(uint256 channel_identifier, WithdrawInput memory w) internal returns (uint256) {
        Channel storage channel = channels[channel_identifier];
        Participant storage p = channel.participants[w.participant];
        require(w.total_withdraw >= p.withdrawn_amount, "withdraw amount decreased");
        if (w.total_withdraw == 0) {
            return 0;
        }
        require(_now() < w.withdrawable_until, "withdraw expired");
        bytes32 digest = RaidenMessages.withdrawHash(
            address(this), chain_id, channel_identifier, w.participant, w.total_withdraw, w.withdrawable_until
        );
        address partner = RaidenMessages.recover(digest, w.partner_signature, reject_high_s);
        require(channel_identifier == getChannelIdentifier(w.participant, partner), "channel id mismatch");
        require(
            RaidenMessages.recover(digest, w.participant_signature, reject_high_s) == w.participant,
            "invalid participant signature"
        );
        Participant storage q = channel.participants[partner];
        require(w.total_withdraw + q.withdrawn_amount <= p.deposit + q.deposit, "withdraw > deposit");
        uint256 current = w.total_withdraw - p.withdrawn_amount;
        p.withdrawn_amount = w.total_withdraw;
        return current;
    }

    // ---- close and update ------------------------------------------------------------------

    /// @notice Closes the channel with the non-closing participant's balance proof and the
    ///         closer's type-1 counter-signature (so anyone may submit it).
    function closeChannel(
        uint256 channel_identifier,
        address non_closing_participant,
        address closing_participant,
        bytes32 balance_hash,
        uint256 nonce,
        bytes32 additional_hash,
        bytes memory non_closing_signature,
        bytes memory closing_participant_signature
    ) external {
        require(
            channel_identifier == getChannelIdentifier(closing_participant, non_closing_participant),
            "channel id mismatch"
        );
        Channel storage channel = channels[channel_identifier];
        require(channel.state == ChannelState.Opened, "channel not open");
        channel.state = ChannelState.Closed;
        channel.participants[closing_participant].is_the_closer = true;
        if (blocks_mode) {
            channel.settle_block_number = block.number + channel.settle_timeout;
        } else {
            settleable_after[channel_identifier] = block.timestamp + settle_timeout;
        }

        address recovered_closing = _recoverCounterSignature(
            RaidenMessages.BALANCE_PROOF,
            channel_identifier,
            balance_hash,
            nonce,
            additional_hash,
            non_closing_signature,
            closing_participant_signature
        );
        if (recovered_closing != closing_participant && defects & DEFECT_TYPE_IGNORED != 0) {
            recovered_closing = _recoverCounterSignature(
                RaidenMessages.BALANCE_PROOF_UPDATE,
                channel_identifier,
                balance_hash,
                nonce,
                additional_hash,
                non_closing_signature,
                closing_participant_signature
            );
        }
        require(recovered_closing == closing_participant, "Invalid closing sig");

        if (nonce > 0) {
            address recovered_non_closing =
                _recoverBalanceProof(channel_identifier, balance_hash, nonce, additional_hash, non_closing_signature);
            require(recovered_non_closing == non_closing_participant, "Invalid non-closing sig");
            _store(channel.participants[non_closing_participant], nonce, balance_hash);
        }
        emit ChannelClosed(channel_identifier, closing_participant, nonce, balance_hash);
    }

    /// @notice Stores the closer's newer balance proof, countersigned by the non-closer (type 2).
    ///         Anyone may submit it, repeatedly with increasing nonces.
    function updateNonClosingBalanceProof(
        uint256 channel_identifier,
        address closing_participant,
        address non_closing_participant,
        bytes32 balance_hash,
        uint256 nonce,
        bytes32 additional_hash,
        bytes calldata closing_signature,
        bytes calldata non_closing_signature
    ) external {
        require(
            channel_identifier == getChannelIdentifier(closing_participant, non_closing_participant),
            "channel id mismatch"
        );
        require(balance_hash != bytes32(0x0), "balance hash should not be zero");
        require(nonce > 0, "nonce should not be zero");
        Channel storage channel = channels[channel_identifier];
        require(channel.state == ChannelState.Closed, "channel not closed");
        if (update_deadline) {
            require(_now() <= settleDeadline(channel_identifier), "channel settle timeout expired");
        }
        address recovered_non_closing = _recoverCounterSignature(
            RaidenMessages.BALANCE_PROOF_UPDATE,
            channel_identifier,
            balance_hash,
            nonce,
            additional_hash,
            closing_signature,
            non_closing_signature
        );
        require(recovered_non_closing == non_closing_participant, "Invalid non-closing sig");
        address recovered_closing =
            _recoverBalanceProof(channel_identifier, balance_hash, nonce, additional_hash, closing_signature);
        require(recovered_closing == closing_participant, "Invalid closing sig");
        Participant storage closing = channel.participants[closing_participant];
        require(closing.is_the_closer, "incorrect signature order");
        _store(closing, nonce, balance_hash);
        emit NonClosingBalanceProofUpdated(channel_identifier, closing_participant, nonce, balance_hash);
    }

    function _store(Participant storage p, uint256 nonce, bytes32 balance_hash) internal {
        if (defects & DEFECT_NONCE_ANY == 0) {
            require(nonce > p.nonce, "nonce reused");
        }
        p.nonce = nonce;
        p.balance_hash = balance_hash;
    }

    // ---- settle and unlock -------------------------------------------------------------------

    /// @notice Pays out a closed channel once its settlement window is over. The caller states
    ///         both sides' transferred and locked amounts and locksroots, ordered so that side 2
    ///         has transferred at least as much as side 1.
    function settleChannel(
        uint256 channel_identifier,
        address participant1,
        uint256 participant1_transferred_amount,
        uint256 participant1_locked_amount,
        bytes32 participant1_locksroot,
        address participant2,
        uint256 participant2_transferred_amount,
        uint256 participant2_locked_amount,
        bytes32 participant2_locksroot
    ) external {
        _settle(
            channel_identifier,
            SettlementSide(
                participant1, participant1_transferred_amount, participant1_locked_amount, participant1_locksroot
            ),
            SettlementSide(
                participant2, participant2_transferred_amount, participant2_locked_amount, participant2_locksroot
            )
        );
    }

    function _settle(uint256 channel_identifier, SettlementSide memory s1, SettlementSide memory s2) internal {
        require(
            channel_identifier == getChannelIdentifier(s1.participant, s2.participant), "channel id mismatch"
        );
        Channel storage channel = channels[channel_identifier];
        require(channel.state == ChannelState.Closed, "channel not closed");
        if (defects & DEFECT_SETTLE_EARLY == 0) {
            require(settleDeadline(channel_identifier) < _now(), "settlement timeout not over");
        }
        Participant storage p1 = channel.participants[s1.participant];
        Participant storage p2 = channel.participants[s2.participant];
        _verifyBalanceHash(p1.balance_hash, s1);
        _verifyBalanceHash(p2.balance_hash, s2);
        if (defects & DEFECT_UNORDERED_SETTLE == 0) {
            require(
                satAdd(s2.transferred, s2.locked) >= satAdd(s1.transferred, s1.locked), "transfers not ordered"
            );
        } else {
            require(
                satAdd(s2.transferred, s2.locked) <= satAdd(s1.transferred, s1.locked), "transfers not ordered"
            );
        }

        uint256 t2 = s2.transferred;
        if (defects & DEFECT_IGNORES_TRANSFERS != 0) {
            t2 = s1.transferred;
        }
        uint256[4] memory out = _settlementAmounts(
            [p1.deposit, p1.withdrawn_amount, s1.transferred, s1.locked, p2.deposit, p2.withdrawn_amount, t2, s2.locked]
        );
        if (defects & DEFECT_OVERPAYS != 0) {
            out[0] += s2.transferred - s1.transferred;
        }

        delete channel.participants[s1.participant];
        delete channel.participants[s2.participant];
        delete channels[channel_identifier];
        delete settleable_after[channel_identifier];
        delete participants_hash_to_channel_identifier[getParticipantsHash(s1.participant, s2.participant)];

        if (out[2] > 0) {
            unlock_identifier_to_unlock_data[getUnlockIdentifier(channel_identifier, s1.participant, s2.participant)] =
                UnlockData(s1.locksroot, out[2]);
        }
        if (out[3] > 0) {
            unlock_identifier_to_unlock_data[getUnlockIdentifier(channel_identifier, s2.participant, s1.participant)] =
                UnlockData(s2.locksroot, out[3]);
        }

        emit ChannelSettled(channel_identifier, s1.participant, out[0], s1.locksroot, s2.participant, out[1], s2.locksroot);
        if (out[0] > 0) {
            require(token.transfer(s1.participant, out[0]), "token transfer failed");
        }
        if (out[1] > 0) {
            require(token.transfer(s2.participant, out[1]), "token transfer failed");
        }
    }

    function _verifyBalanceHash(bytes32 stored, SettlementSide memory side) internal pure {
        if (stored == bytes32(0x0)) {
            require(side.transferred == 0 && side.locked == 0, "balance hash mismatch");
        } else {
            require(
                stored == keccak256(abi.encodePacked(side.transferred, side.locked, side.locksroot)),
                "balance hash mismatch"
            );
        }
    }

    /// @notice The settlement arithmetic of §3: payouts of both sides and the locked amounts
    ///         each side keeps in the contract for `unlock`.
    function settlementAmounts(
        uint256 d1,
        uint256 w1,
        uint256 t1,
        uint256 l1,
        uint256 d2,
        uint256 w2,
        uint256 t2,
        uint256 l2
    ) public pure returns (uint256 amount1, uint256 amount2, uint256 locked1_left, uint256 locked2_left) {
        uint256[4] memory out = _settlementAmounts([d1, w1, t1, l1, d2, w2, t2, l2]);
        return (out[0], out[1], out[2], out[3]);
    }

    /// @dev v = [D1, W1, T1, L1, D2, W2, T2, L2]; returns [p1, p2, L1', L2'].
    function _settlementAmounts(uint256[8] memory v) internal pure returns (uint256[4] memory out) {
        uint256 total_available_deposit = v[0] + v[4] - v[1] - v[5];
        (uint256 max1,) = failsafeSubtract(satAdd(satAdd(v[6], v[7]) - satAdd(v[2], v[3]), v[0]), v[1]);
        uint256 amount1 = max1 < total_available_deposit ? max1 : total_available_deposit;
        uint256 amount2 = total_available_deposit - amount1;
        (out[0], out[3]) = failsafeSubtract(amount1, v[7]);
        (out[1], out[2]) = failsafeSubtract(amount2, v[3]);
        assert(total_available_deposit == out[0] + out[1] + out[2] + out[3]);
    }

    /// @notice Pays the claimable part of a settled direction's locks to the receiver and
    ///         returns the rest to the sender.
    function unlock(uint256 channel_identifier, address receiver, address sender, bytes calldata locks) external {
        require(channels[channel_identifier].state == ChannelState.NonExistent, "channel not settled");
        require(locks.length % 96 == 0, "locks length must be a multiple of 96");
        bytes32 key = getUnlockIdentifier(channel_identifier, sender, receiver);
        UnlockData memory data = unlock_identifier_to_unlock_data[key];
        require(data.locked_amount > 0, "nothing to unlock");
        bytes32 locksroot = keccak256(locks);
        require(locksroot == data.locksroot, "locksroot mismatch");

        uint256 claimable;
        for (uint256 offset = 0; offset < locks.length; offset += 96) {
            uint256 unlockable_until = uint256(bytes32(locks[offset:offset + 32]));
            uint256 amount = uint256(bytes32(locks[offset + 32:offset + 64]));
            bytes32 secrethash = bytes32(locks[offset + 64:offset + 96]);
            uint256 revealed_at = secret_registry.getSecretRevealBlockHeight(secrethash);
            if (revealed_at != 0 && revealed_at < unlockable_until) {
                claimable = satAdd(claimable, amount);
            }
        }
        uint256 unlocked = claimable < data.locked_amount ? claimable : data.locked_amount;
        uint256 returned = data.locked_amount - unlocked;
        delete unlock_identifier_to_unlock_data[key];
        emit ChannelUnlocked(channel_identifier, receiver, sender, locksroot, unlocked, returned);
        if (unlocked > 0) {
            require(token.transfer(receiver, unlocked), "token transfer failed");
        }
        if (returned > 0) {
            require(token.transfer(sender, returned), "token transfer failed");
        }
    }

    // ---- views -------------------------------------------------------------------------------

    /// @notice The live channel of the pair, or 0.
    function getChannelIdentifier(address participant, address partner) public view returns (uint256) {
        require(participant != address(0x0) && partner != address(0x0), "participant address zero");
        require(participant != partner, "participants must differ");
        return participants_hash_to_channel_identifier[getParticipantsHash(participant, partner)];
    }

    /// @notice keccak256(min ‖ max) of the two addresses compared as uint160.
    function getParticipantsHash(address participant, address partner) public pure returns (bytes32) {
        require(participant != address(0x0) && partner != address(0x0), "participant address zero");
        require(participant != partner, "participants must differ");
        if (uint160(participant) < uint160(partner)) {
            return keccak256(abi.encodePacked(participant, partner));
        }
        return keccak256(abi.encodePacked(partner, participant));
    }

    function getUnlockIdentifier(uint256 channel_identifier, address sender, address receiver)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(channel_identifier, sender, receiver));
    }

    /// @notice Settle block (blocks mode; 0 in seconds mode) and state, with `Settled` and
    ///         `Removed` derived for deleted channels from their unlock data.
    function getChannelInfo(uint256 channel_identifier, address participant1, address participant2)
        public
        view
        returns (uint256, ChannelState)
    {
        Channel storage channel = channels[channel_identifier];
        ChannelState state = channel.state;
        if (state == ChannelState.NonExistent && channel_identifier > 0 && channel_identifier <= channel_counter) {
            UnlockData storage a =
                unlock_identifier_to_unlock_data[getUnlockIdentifier(channel_identifier, participant1, participant2)];
            UnlockData storage b =
                unlock_identifier_to_unlock_data[getUnlockIdentifier(channel_identifier, participant2, participant1)];
            state = (a.locked_amount > 0 || b.locked_amount > 0) ? ChannelState.Settled : ChannelState.Removed;
        }
        return (channel.settle_block_number, state);
    }

    function getChannelState(uint256 channel_identifier, address participant1, address participant2)
        external
        view
        returns (ChannelState state)
    {
        (, state) = getChannelInfo(channel_identifier, participant1, participant2);
    }

    function getChannelParticipantInfo(uint256 channel_identifier, address participant, address partner)
        external
        view
        returns (uint256 deposit, uint256 withdrawn_amount, bool is_the_closer, bytes32 balance_hash, uint256 nonce)
    {
        Participant storage p = channels[channel_identifier].participants[participant];
        partner;
        return (p.deposit, p.withdrawn_amount, p.is_the_closer, p.balance_hash, p.nonce);
    }

    /// @notice End of the settlement window in the contract's clock: `settleable_after` in
    ///         seconds mode, the settle block in blocks mode.
    function settleDeadline(uint256 channel_identifier) public view returns (uint256) {
        return blocks_mode ? channels[channel_identifier].settle_block_number : settleable_after[channel_identifier];
    }

    /// @notice Settle timeout of a channel (per network in seconds mode).
    function channelSettleTimeout(uint256 channel_identifier) external view returns (uint256) {
        return blocks_mode ? channels[channel_identifier].settle_timeout : settle_timeout;
    }

    // ---- helpers -----------------------------------------------------------------------------

    function _now() internal view returns (uint256) {
        return blocks_mode ? block.number : block.timestamp;
    }

    function _recoverBalanceProof(
        uint256 channel_identifier,
        bytes32 balance_hash,
        uint256 nonce,
        bytes32 additional_hash,
        bytes memory signature
    ) internal view returns (address) {
        bytes32 digest = RaidenMessages.balanceProofHash(
            address(this), chain_id, channel_identifier, balance_hash, nonce, additional_hash
        );
        return RaidenMessages.recover(digest, signature, reject_high_s);
    }

    function _recoverCounterSignature(
        uint256 message_type,
        uint256 channel_identifier,
        bytes32 balance_hash,
        uint256 nonce,
        bytes32 additional_hash,
        bytes memory signature,
        bytes memory counter_signature
    ) internal view returns (address) {
        bytes32 digest = RaidenMessages.counterSignatureHash(
            address(this), chain_id, message_type, channel_identifier, balance_hash, nonce, additional_hash, signature
        );
        return RaidenMessages.recover(digest, counter_signature, reject_high_s);
    }

    function satAdd(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 c = a + b;
            return c < a ? type(uint256).max : c;
        }
    }

    function failsafeSubtract(uint256 a, uint256 b) internal pure returns (uint256, uint256) {
        unchecked {
            return a > b ? (a - b, b) : (0, a);
        }
    }
}

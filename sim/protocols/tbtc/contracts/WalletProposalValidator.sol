// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "./Bridge.sol";

/// @title WalletProposalValidator
/// @notice View checks a coordination leader runs before proposing and every member runs when the action starts.
///         Each function returns true or reverts with the reason, with the rules of tBTC's validator.
contract WalletProposalValidator {
    struct RedemptionProposal {
        bytes20 walletPubKeyHash;
        bytes[] redeemersOutputScripts;
        uint256 redemptionTxFee;
    }

    struct DepositKey {
        bytes32 fundingTxHash;
        uint32 fundingOutputIndex;
    }

    struct DepositSweepProposal {
        bytes20 walletPubKeyHash;
        DepositKey[] depositsKeys;
        uint256 sweepTxFee;
    }

    struct MovingFundsProposal {
        bytes20 walletPubKeyHash;
        bytes20[] targetWallets;
        uint256 movingFundsTxFee;
    }

    struct MainUtxo {
        bytes32 txHash;
        uint32 txOutputIndex;
        uint64 txOutputValue;
    }

    struct MovedFundsSweepProposal {
        bytes20 walletPubKeyHash;
        bytes32 movingFundsTxHash;
        uint32 movingFundsTxOutputIdx;
        uint256 movedFundsSweepTxFee;
    }

    struct HeartbeatProposal {
        bytes20 walletPubKeyHash;
        bytes message;
    }

    uint256 public constant REDEMPTION_MAX_SIZE = 20;
    uint32 public constant REDEMPTION_REQUEST_MIN_AGE = 600;
    uint32 public constant REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN = 2 hours;
    uint256 public constant DEPOSIT_SWEEP_MAX_SIZE = 20;
    uint32 public constant DEPOSIT_MIN_AGE = 2 hours;
    uint32 public constant DEPOSIT_REFUND_SAFETY_MARGIN = 24 hours;

    Bridge public immutable bridge;

    constructor(Bridge _bridge) {
        bridge = _bridge;
    }

    /// @notice A heartbeat message is exactly 16 bytes whose first 8 are 0xff; such a message can never be a
    ///         Bitcoin sighash preimage (at least 48 bytes). The wallet is not checked.
    function validateHeartbeatProposal(HeartbeatProposal calldata proposal) external pure returns (bool) {
        bytes calldata m = proposal.message;
        require(m.length == 16, "Message must be 16 bytes");
        require(bytes8(m[0:8]) == bytes8(0xffffffffffffffff), "Message must start with 8 0xff bytes");
        return true;
    }

    function _liveOrMovingFunds(bytes20 walletPubKeyHash) internal view {
        Bridge.WalletState s = bridge.wallets(walletPubKeyHash).state;
        require(
            s == Bridge.WalletState.Live || s == Bridge.WalletState.MovingFunds,
            "Wallet must be in Live or MovingFunds state"
        );
    }

    function validateRedemptionProposal(RedemptionProposal calldata proposal) external view returns (bool) {
        _liveOrMovingFunds(proposal.walletPubKeyHash);
        uint256 n = proposal.redeemersOutputScripts.length;
        require(n > 0, "Redemption below the min size");
        require(n <= REDEMPTION_MAX_SIZE, "Redemption exceeds the max size");
        uint256 fee = proposal.redemptionTxFee;
        require(fee > 0, "Proposed transaction fee cannot be zero");
        require(fee <= bridge.redemptionTxMaxTotalFee(), "Proposed transaction fee is too high");
        uint256 share = fee / n;
        uint256 remainder = fee % n;
        uint32 minAge = REDEMPTION_REQUEST_MIN_AGE;
        uint32 watchtower = bridge.redemptionWatchtowerDelay();
        if (watchtower > minAge) minAge = watchtower;
        uint32 timeout = bridge.redemptionTimeout();
        uint256[] memory keys = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            bytes memory script = proposal.redeemersOutputScripts[i];
            uint256 key = bridge.redemptionKey(proposal.walletPubKeyHash, script);
            Bridge.RedemptionRequest memory r = bridge.pendingRedemptions(key);
            require(r.requestedAt != 0, "Not a pending redemption request");
            require(block.timestamp > r.requestedAt + minAge, "Redemption request min age not achieved yet");
            require(
                block.timestamp < uint256(r.requestedAt) + timeout - REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN,
                "Redemption request timeout safety margin is not preserved"
            );
            uint256 feeShare = share + (i == n - 1 ? remainder : 0);
            require(feeShare <= r.txMaxFee, "Proposed transaction per-request fee share is too high");
            for (uint256 j = 0; j < i; j++) {
                require(keys[j] != key, "Duplicated request");
            }
            keys[i] = key;
        }
        return true;
    }

    function validateDepositSweepProposal(DepositSweepProposal calldata proposal, bytes32[] calldata extraInfoHashes)
        external
        view
        returns (bool)
    {
        _liveOrMovingFunds(proposal.walletPubKeyHash);
        uint256 n = proposal.depositsKeys.length;
        require(n > 0, "Sweep below the min size");
        require(n <= DEPOSIT_SWEEP_MAX_SIZE, "Sweep exceeds the max size");
        require(extraInfoHashes.length == n, "Each deposit key must have matching extra data");
        require(proposal.sweepTxFee > 0, "Proposed transaction fee cannot be zero");
        uint256 largestShare = proposal.sweepTxFee / n + proposal.sweepTxFee % n;
        require(largestShare <= bridge.depositTxMaxFee(), "Proposed transaction fee is too high");
        address vault;
        uint256[] memory keys = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            DepositKey calldata k = proposal.depositsKeys[i];
            uint256 key = bridge.depositKey(k.fundingTxHash, k.fundingOutputIndex);
            Bridge.DepositRequest memory d = bridge.deposits(key);
            require(d.revealedAt != 0, "Deposit not revealed");
            require(d.sweptAt == 0, "Deposit already swept");
            require(block.timestamp > d.revealedAt + DEPOSIT_MIN_AGE, "Deposit min age not achieved yet");
            require(
                block.timestamp < uint256(d.refundLocktime) - DEPOSIT_REFUND_SAFETY_MARGIN,
                "Deposit refund safety margin is not preserved"
            );
            require(d.extraInfoHash == extraInfoHashes[i], "Invalid deposit extra data");
            require(d.walletPubKeyHash == proposal.walletPubKeyHash, "Deposit belongs to another wallet");
            if (i == 0) {
                vault = d.vault;
            } else {
                require(d.vault == vault, "Deposit targets different vault");
            }
            for (uint256 j = 0; j < i; j++) {
                require(keys[j] != key, "Duplicated deposit");
            }
            keys[i] = key;
        }
        return true;
    }

    function validateMovingFundsProposal(MovingFundsProposal calldata proposal, MainUtxo calldata walletMainUtxo)
        external
        view
        returns (bool)
    {
        Bridge.Wallet memory w = bridge.wallets(proposal.walletPubKeyHash);
        require(w.state == Bridge.WalletState.MovingFunds, "Source wallet is not in MovingFunds state");
        require(w.movingFundsTargetWalletsCommitmentHash != bytes32(0), "Target wallets commitment is not submitted");
        require(
            w.movingFundsTargetWalletsCommitmentHash == keccak256(abi.encodePacked(proposal.targetWallets)),
            "Target wallets do not match target wallets commitment hash"
        );
        require(
            w.mainUtxoHash
                == keccak256(
                    abi.encodePacked(walletMainUtxo.txHash, walletMainUtxo.txOutputIndex, walletMainUtxo.txOutputValue)
                ),
            "Invalid wallet main UTXO data"
        );
        require(walletMainUtxo.txOutputValue >= bridge.movingFundsDustThreshold(), "Source wallet BTC balance is below the moving funds dust threshold");
        require(proposal.movingFundsTxFee > 0, "Proposed transaction fee cannot be zero");
        require(proposal.movingFundsTxFee <= bridge.movingFundsTxMaxTotalFee(), "Proposed transaction fee is too high");
        return true;
    }

    function validateMovedFundsSweepProposal(MovedFundsSweepProposal calldata proposal) external view returns (bool) {
        _liveOrMovingFunds(proposal.walletPubKeyHash);
        Bridge.MovedFundsSweepRequest memory r = bridge.movedFundsSweepRequests(
            bridge.movedFundsSweepKey(proposal.movingFundsTxHash, proposal.movingFundsTxOutputIdx)
        );
        require(r.state == 1, "Sweep request must be in Pending state");
        require(r.walletPubKeyHash == proposal.walletPubKeyHash, "Sweep request belongs to another wallet");
        require(proposal.movedFundsSweepTxFee > 0, "Proposed transaction fee cannot be zero");
        require(
            proposal.movedFundsSweepTxFee <= bridge.movedFundsSweepTxMaxTotalFee(), "Proposed transaction fee is too high"
        );
        return true;
    }
}

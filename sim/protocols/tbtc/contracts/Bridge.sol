// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Bridge
/// @notice Minimal tBTC bridge state that coordination proposals are validated against: wallets, revealed
///         deposits, pending redemption requests and moved-funds sweep requests, plus the fee and timing
///         parameters. Bitcoin amounts are in satoshi. Load generators call the mutators directly.
contract Bridge {
    enum WalletState {
        Unknown,
        Live,
        MovingFunds,
        Closing,
        Closed,
        Terminated
    }

    struct Wallet {
        WalletState state;
        bytes32 mainUtxoHash;
        bytes32 movingFundsTargetWalletsCommitmentHash;
        bool synced;
    }

    struct DepositRequest {
        bytes20 walletPubKeyHash;
        address vault;
        uint64 amount;
        uint32 revealedAt;
        uint32 sweptAt;
        uint32 refundLocktime;
        bytes32 extraInfoHash;
    }

    struct RedemptionRequest {
        address redeemer;
        uint64 requestedAmount;
        uint64 txMaxFee;
        uint32 requestedAt;
    }

    struct MovedFundsSweepRequest {
        bytes20 walletPubKeyHash;
        uint8 state; // 0 unknown, 1 pending, 2 processed, 3 timed out
    }

    address public immutable owner;

    mapping(bytes20 => Wallet) internal walletsByPkh;
    mapping(uint256 => DepositRequest) internal depositsByKey;
    mapping(uint256 => RedemptionRequest) internal redemptionsByKey;
    mapping(uint256 => MovedFundsSweepRequest) internal movedFundsSweepsByKey;

    uint64 public redemptionTxMaxTotalFee = 10_000;
    uint32 public redemptionTimeout = 5 days;
    uint32 public redemptionWatchtowerDelay = 0;
    uint64 public depositTxMaxFee = 10_000;
    uint64 public movingFundsTxMaxTotalFee = 10_000;
    uint64 public movedFundsSweepTxMaxTotalFee = 10_000;
    uint64 public movingFundsDustThreshold = 20_000;

    event NewWalletRegistered(bytes20 indexed walletPubKeyHash);
    event RedemptionRequested(
        bytes20 indexed walletPubKeyHash,
        bytes redeemerOutputScript,
        address indexed redeemer,
        uint64 requestedAmount,
        uint64 txMaxFee
    );
    event RedemptionsCompleted(bytes20 indexed walletPubKeyHash, bytes32 redemptionTxHash);
    event DepositRevealed(
        bytes32 fundingTxHash,
        uint32 fundingOutputIndex,
        address indexed depositor,
        uint64 amount,
        bytes20 indexed walletPubKeyHash,
        uint32 refundLocktime,
        address indexed vault
    );
    event DepositsSwept(bytes20 walletPubKeyHash, bytes32 sweepTxHash);

    error NotOwner();

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    // ---- wallets -------------------------------------------------------------------------------

    function registerWallet(bytes20 walletPubKeyHash) external onlyOwner {
        Wallet storage w = walletsByPkh[walletPubKeyHash];
        require(w.state == WalletState.Unknown, "Wallet already registered");
        w.state = WalletState.Live;
        w.synced = true;
        emit NewWalletRegistered(walletPubKeyHash);
    }

    function setRedemptionTimeout(uint32 timeout) external onlyOwner {
        redemptionTimeout = timeout;
    }

    function setWalletState(bytes20 walletPubKeyHash, WalletState state) external onlyOwner {
        walletsByPkh[walletPubKeyHash].state = state;
    }

    function setWalletSynced(bytes20 walletPubKeyHash, bool synced) external onlyOwner {
        walletsByPkh[walletPubKeyHash].synced = synced;
    }

    function setMainUtxoHash(bytes20 walletPubKeyHash, bytes32 mainUtxoHash) external onlyOwner {
        walletsByPkh[walletPubKeyHash].mainUtxoHash = mainUtxoHash;
    }

    function setMovingFundsTargets(bytes20 walletPubKeyHash, bytes32 commitmentHash) external onlyOwner {
        walletsByPkh[walletPubKeyHash].movingFundsTargetWalletsCommitmentHash = commitmentHash;
    }

    function wallets(bytes20 walletPubKeyHash) external view returns (Wallet memory) {
        return walletsByPkh[walletPubKeyHash];
    }

    // ---- redemptions ---------------------------------------------------------------------------

    function redemptionKey(bytes20 walletPubKeyHash, bytes memory redeemerOutputScript) public pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(keccak256(redeemerOutputScript), walletPubKeyHash)));
    }

    /// @notice Anyone asks the wallet to pay `requestedAmount` to `redeemerOutputScript`.
    function requestRedemption(
        bytes20 walletPubKeyHash,
        bytes calldata redeemerOutputScript,
        uint64 requestedAmount,
        uint64 txMaxFee
    ) external {
        WalletState s = walletsByPkh[walletPubKeyHash].state;
        require(s == WalletState.Live, "Wallet must be in Live state");
        uint256 key = redemptionKey(walletPubKeyHash, redeemerOutputScript);
        require(redemptionsByKey[key].requestedAt == 0, "There is a pending redemption request from this wallet to the same address");
        redemptionsByKey[key] = RedemptionRequest(msg.sender, requestedAmount, txMaxFee, uint32(block.timestamp));
        emit RedemptionRequested(walletPubKeyHash, redeemerOutputScript, msg.sender, requestedAmount, txMaxFee);
    }

    function pendingRedemptions(uint256 key) external view returns (RedemptionRequest memory) {
        return redemptionsByKey[key];
    }

    /// @notice Proof that the wallet's redemption transaction paid these requests (SPV proof elided).
    function submitRedemptionProof(bytes20 walletPubKeyHash, bytes[] calldata redeemerOutputScripts, bytes32 txHash)
        external
    {
        for (uint256 i = 0; i < redeemerOutputScripts.length; i++) {
            uint256 key = redemptionKey(walletPubKeyHash, redeemerOutputScripts[i]);
            require(redemptionsByKey[key].requestedAt != 0, "Request not pending");
            delete redemptionsByKey[key];
        }
        emit RedemptionsCompleted(walletPubKeyHash, txHash);
    }

    // ---- deposits ------------------------------------------------------------------------------

    function depositKey(bytes32 fundingTxHash, uint32 fundingOutputIndex) public pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(fundingTxHash, fundingOutputIndex)));
    }

    function revealDeposit(
        bytes32 fundingTxHash,
        uint32 fundingOutputIndex,
        bytes20 walletPubKeyHash,
        address vault,
        uint64 amount,
        uint32 refundLocktime,
        bytes32 extraInfoHash
    ) external {
        require(walletsByPkh[walletPubKeyHash].state == WalletState.Live, "Wallet must be in Live state");
        uint256 key = depositKey(fundingTxHash, fundingOutputIndex);
        require(depositsByKey[key].revealedAt == 0, "Deposit already revealed");
        depositsByKey[key] = DepositRequest(
            walletPubKeyHash, vault, amount, uint32(block.timestamp), 0, refundLocktime, extraInfoHash
        );
        emit DepositRevealed(
            fundingTxHash, fundingOutputIndex, msg.sender, amount, walletPubKeyHash, refundLocktime, vault
        );
    }

    function deposits(uint256 key) external view returns (DepositRequest memory) {
        return depositsByKey[key];
    }

    /// @notice Proof that the wallet swept these deposits (SPV proof elided).
    function submitDepositSweepProof(bytes20 walletPubKeyHash, uint256[] calldata keys, bytes32 txHash) external {
        for (uint256 i = 0; i < keys.length; i++) {
            DepositRequest storage d = depositsByKey[keys[i]];
            require(d.revealedAt != 0 && d.sweptAt == 0, "Deposit not sweepable");
            d.sweptAt = uint32(block.timestamp);
        }
        emit DepositsSwept(walletPubKeyHash, txHash);
    }

    // ---- moved-funds sweeps ----------------------------------------------------------------------

    function movedFundsSweepKey(bytes32 txHash, uint32 outputIndex) public pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(txHash, outputIndex)));
    }

    function addMovedFundsSweepRequest(bytes32 txHash, uint32 outputIndex, bytes20 walletPubKeyHash)
        external
        onlyOwner
    {
        movedFundsSweepsByKey[movedFundsSweepKey(txHash, outputIndex)] = MovedFundsSweepRequest(walletPubKeyHash, 1);
    }

    function movedFundsSweepRequests(uint256 key) external view returns (MovedFundsSweepRequest memory) {
        return movedFundsSweepsByKey[key];
    }
}

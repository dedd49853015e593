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
    /// @notice Besides the owner, the account that moves wallets' funds and creates moved-funds sweep
    ///         requests (in the simulation: the wallet-lifecycle load generator).
    address public walletGovernance;

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
    event MovingFundsCommitmentSubmitted(bytes20 indexed walletPubKeyHash, bytes20[] targetWallets);
    event MovingFundsCompleted(bytes20 indexed walletPubKeyHash, bytes32 movingFundsTxHash);
    event MovedFundsSweepRequested(
        bytes20 indexed walletPubKeyHash, bytes32 movingFundsTxHash, uint32 movingFundsTxOutputIndex
    );
    event MovedFundsSwept(bytes20 indexed walletPubKeyHash, bytes32 sweepTxHash);

    error NotOwner();

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    modifier onlyGovernance() {
        if (msg.sender != owner && msg.sender != walletGovernance) revert NotOwner();
        _;
    }

    function setWalletGovernance(address governance) external onlyOwner {
        walletGovernance = governance;
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
        onlyGovernance
    {
        require(walletsByPkh[walletPubKeyHash].state == WalletState.Live, "Wallet must be in Live state");
        movedFundsSweepsByKey[movedFundsSweepKey(txHash, outputIndex)] = MovedFundsSweepRequest(walletPubKeyHash, 1);
        emit MovedFundsSweepRequested(walletPubKeyHash, txHash, outputIndex);
    }

    /// @notice A Live wallet starts moving its funds (main UTXO `mainUtxoHash`) to Live target wallets: it enters
    ///         MovingFunds with the commitment `keccak256(abi.encodePacked(targetWallets))`.
    function beginMovingFunds(bytes20 walletPubKeyHash, bytes32 mainUtxoHash, bytes20[] calldata targetWallets)
        external
        onlyGovernance
    {
        Wallet storage w = walletsByPkh[walletPubKeyHash];
        require(w.state == WalletState.Live, "Wallet must be in Live state");
        require(targetWallets.length > 0, "No target wallets");
        for (uint256 i = 0; i < targetWallets.length; i++) {
            require(targetWallets[i] != walletPubKeyHash, "Source wallet cannot be a target wallet");
            require(walletsByPkh[targetWallets[i]].state == WalletState.Live, "Target wallet must be in Live state");
        }
        w.state = WalletState.MovingFunds;
        w.mainUtxoHash = mainUtxoHash;
        w.movingFundsTargetWalletsCommitmentHash = keccak256(abi.encodePacked(targetWallets));
        emit MovingFundsCommitmentSubmitted(walletPubKeyHash, targetWallets);
    }

    /// @notice Proof of the moving-funds transaction (SPV proof elided): output `i` pays target wallet `i`, which
    ///         must sweep it (a pending moved-funds sweep request); the source wallet is then Closing.
    function submitMovingFundsProof(bytes20 walletPubKeyHash, bytes20[] calldata targetWallets, bytes32 movingFundsTxHash)
        external
    {
        Wallet storage w = walletsByPkh[walletPubKeyHash];
        require(w.state == WalletState.MovingFunds, "Wallet must be in MovingFunds state");
        require(
            w.movingFundsTargetWalletsCommitmentHash == keccak256(abi.encodePacked(targetWallets)),
            "Target wallets do not match target wallets commitment hash"
        );
        for (uint256 i = 0; i < targetWallets.length; i++) {
            movedFundsSweepsByKey[movedFundsSweepKey(movingFundsTxHash, uint32(i))] =
                MovedFundsSweepRequest(targetWallets[i], 1);
            emit MovedFundsSweepRequested(targetWallets[i], movingFundsTxHash, uint32(i));
        }
        w.state = WalletState.Closing;
        w.mainUtxoHash = bytes32(0);
        emit MovingFundsCompleted(walletPubKeyHash, movingFundsTxHash);
    }

    /// @notice Proof that the wallet swept the moved funds of this request (SPV proof elided).
    function submitMovedFundsSweepProof(
        bytes20 walletPubKeyHash,
        bytes32 movingFundsTxHash,
        uint32 movingFundsTxOutputIndex,
        bytes32 sweepTxHash
    ) external {
        MovedFundsSweepRequest storage r =
            movedFundsSweepsByKey[movedFundsSweepKey(movingFundsTxHash, movingFundsTxOutputIndex)];
        require(r.state == 1 && r.walletPubKeyHash == walletPubKeyHash, "Sweep request not pending for this wallet");
        r.state = 2;
        emit MovedFundsSwept(walletPubKeyHash, sweepTxHash);
    }

    function movedFundsSweepRequests(uint256 key) external view returns (MovedFundsSweepRequest memory) {
        return movedFundsSweepsByKey[key];
    }
}

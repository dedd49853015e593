// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "./BoldTypes.sol";

/// @title BoldRollup
/// @notice The assertion chain of Crucible's BOLD model (spec §2): assertions keyed by hash, bonds
/// with loser escrow, confirmation after the confirm period and, when challenged, after the
/// winning block-level edge's grace period. There is no Rejected status: losers stay Pending.
/// @dev Times are L1 block numbers only. `assertionHashes`, `stakerList` and `inboxAccs` are
/// enumeration conveniences for actors and invariants.
contract BoldRollup {
    struct Staker {
        uint256 amountStaked;
        bytes32 latestStakedAssertion;
        address withdrawalAddress;
        bool isStaked;
    }

    address public immutable stakeToken;
    address public immutable loserStakeEscrow;
    bytes32 public immutable wasmModuleRoot;
    uint256 public baseStake;
    uint64 public confirmPeriodBlocks;
    uint64 public challengeGracePeriodBlocks;
    uint64 public minimumAssertionPeriod;
    address public challengeManager;
    bytes32 public latestConfirmed;
    bytes32 public genesisAssertionHash;
    address private immutable deployer;

    mapping(bytes32 => AssertionNode) private assertions;
    mapping(address => Staker) private stakers;
    mapping(address => uint256) public withdrawableFunds;
    /// Toy inbox: accumulator after each posted batch, `acc_k = keccak(acc_{k-1} ‖ uint64 k)`.
    bytes32[] public inboxAccs;
    /// Every assertion hash in creation order (genesis first).
    bytes32[] public assertionHashes;
    /// Every account that ever staked, in first-stake order.
    address[] public stakerList;
    /// Parent of every assertion (an enumeration convenience; BOLD keeps it in events only).
    mapping(bytes32 => bytes32) public parentOf;

    event AssertionCreated(
        bytes32 indexed assertionHash,
        bytes32 indexed parentAssertionHash,
        AssertionInputs assertion,
        bytes32 afterInboxBatchAcc,
        uint256 inboxMaxCount,
        bytes32 wasmModuleRoot,
        uint256 requiredStake,
        address challengeManager,
        uint64 confirmPeriodBlocks
    );
    event AssertionConfirmed(bytes32 indexed assertionHash, bytes32 blockHash, bytes32 sendRoot);
    event UserStakeUpdated(
        address indexed user, address indexed withdrawalAddress, uint256 initialBalance, uint256 finalBalance
    );
    event UserWithdrawableFundsUpdated(address indexed user, uint256 initialBalance, uint256 finalBalance);

    constructor(
        address stakeToken_,
        uint256 baseStake_,
        uint64 confirmPeriodBlocks_,
        uint64 challengeGracePeriodBlocks_,
        uint64 minimumAssertionPeriod_,
        address loserStakeEscrow_,
        bytes32 wasmModuleRoot_
    ) {
        stakeToken = stakeToken_;
        baseStake = baseStake_;
        confirmPeriodBlocks = confirmPeriodBlocks_;
        challengeGracePeriodBlocks = challengeGracePeriodBlocks_;
        minimumAssertionPeriod = minimumAssertionPeriod_;
        loserStakeEscrow = loserStakeEscrow_;
        wasmModuleRoot = wasmModuleRoot_;
        deployer = msg.sender;
    }

    /// @notice Sets the challenge manager and creates the Confirmed genesis assertion. Once.
    function initialize(address challengeManager_, bytes32 genesisBlockState) external {
        require(msg.sender == deployer && challengeManager == address(0), "ALREADY_INITIALIZED");
        challengeManager = challengeManager_;
        AssertionInputs memory inputs;
        inputs.afterState.globalState.bytes32Vals[0] = genesisBlockState;
        inputs.afterState.machineStatus = MachineStatus.FINISHED;
        inputs.beforeState.machineStatus = MachineStatus.FINISHED;
        bytes32 h = computeAssertionHash(bytes32(0), inputs.afterState, bytes32(0));
        assertions[h] = AssertionNode({
            firstChildBlock: 0,
            secondChildBlock: 0,
            createdAtBlock: uint64(block.number),
            isFirstChild: true,
            status: AssertionStatus.Confirmed,
            configHash: currentConfigHash(1)
        });
        assertionHashes.push(h);
        genesisAssertionHash = h;
        latestConfirmed = h;
        emit AssertionCreated(
            h, bytes32(0), inputs, bytes32(0), 0, wasmModuleRoot, baseStake, challengeManager_, confirmPeriodBlocks
        );
    }

    // ---- inbox ------------------------------------------------------------------------------

    /// @notice Appends one batch to the toy inbox (permissionless).
    function postBatch() external returns (uint256 count) {
        uint256 k = inboxAccs.length;
        bytes32 prev = k == 0 ? bytes32(0) : inboxAccs[k - 1];
        inboxAccs.push(keccak256(abi.encodePacked(prev, uint64(k))));
        return k + 1;
    }

    function batchCount() external view returns (uint256) {
        return inboxAccs.length;
    }

    // ---- staking ----------------------------------------------------------------------------

    function newStake(uint256 amount, address withdrawalAddress_) public {
        Staker storage s = stakers[msg.sender];
        require(!s.isStaked, "ALREADY_STAKED");
        require(IStakeToken(stakeToken).transferFrom(msg.sender, address(this), amount), "TRANSFER_FAILED");
        s.amountStaked = amount;
        s.latestStakedAssertion = latestConfirmed;
        s.withdrawalAddress = withdrawalAddress_;
        s.isStaked = true;
        stakerList.push(msg.sender);
        emit UserStakeUpdated(msg.sender, withdrawalAddress_, 0, amount);
    }

    function newStakeOnNewAssertion(
        uint256 tokenAmount,
        AssertionInputs calldata assertion,
        bytes32 expectedAssertionHash,
        address withdrawalAddress_
    ) external {
        newStake(tokenAmount, withdrawalAddress_);
        stakeOnNewAssertion(assertion, expectedAssertionHash);
    }

    function addToDeposit(address stakerAddress, address expectedWithdrawalAddress, uint256 tokenAmount) external {
        Staker storage s = stakers[stakerAddress];
        require(s.isStaked, "NOT_STAKED");
        require(s.withdrawalAddress == expectedWithdrawalAddress, "WRONG_WITHDRAWAL_ADDRESS");
        require(IStakeToken(stakeToken).transferFrom(msg.sender, address(this), tokenAmount), "TRANSFER_FAILED");
        uint256 before = s.amountStaked;
        s.amountStaked = before + tokenAmount;
        emit UserStakeUpdated(stakerAddress, s.withdrawalAddress, before, s.amountStaked);
    }

    /// @notice Creates a child of the assertion `assertion.beforeState` names (spec §2.3).
    function stakeOnNewAssertion(AssertionInputs calldata assertion, bytes32 expectedAssertionHash) public {
        Staker storage s = stakers[msg.sender];
        ConfigData calldata cfg = assertion.beforeStateData.configData;
        // 1. stake
        require(s.isStaked, "NOT_STAKED");
        require(s.amountStaked >= cfg.requiredStake, "INSUFFICIENT_STAKE");
        require(baseStake >= cfg.requiredStake, "STAKE_TOO_LOW");
        // 2. parent
        bytes32 prevHash = computeAssertionHash(
            assertion.beforeStateData.prevPrevAssertionHash,
            assertion.beforeState,
            assertion.beforeStateData.sequencerBatchAcc
        );
        AssertionNode storage prev = assertions[prevHash];
        require(prev.status != AssertionStatus.NoAssertion, "ASSERTION_NOT_EXIST");
        // 3. lineage
        require(
            s.latestStakedAssertion == prevHash || assertions[s.latestStakedAssertion].firstChildBlock > 0,
            "STAKED_ON_ANOTHER_BRANCH"
        );
        // 4. config and status
        require(prev.configHash == configHash(cfg), "CONFIG_HASH_MISMATCH");
        require(assertion.beforeState.machineStatus == MachineStatus.FINISHED, "BAD_PREV_STATUS");
        require(assertion.afterState.machineStatus != MachineStatus.RUNNING, "BAD_AFTER_STATUS");
        // 5. toy inbox
        uint64 afterPos = assertion.afterState.globalState.u64Vals[0];
        require(afterPos == assertion.beforeState.globalState.u64Vals[0] + 1, "INBOX_POSITION");
        require(afterPos <= inboxAccs.length, "INBOX_NOT_POSTED");
        bytes32 inboxAcc = inboxAccs[afterPos - 1];
        // 6. hash
        bytes32 newHash = computeAssertionHash(prevHash, assertion.afterState, inboxAcc);
        require(assertions[newHash].status == AssertionStatus.NoAssertion, "ASSERTION_SEEN");
        require(expectedAssertionHash == bytes32(0) || expectedAssertionHash == newHash, "UNEXPECTED_ASSERTION_HASH");
        // 7. store
        bool first = prev.firstChildBlock == 0;
        if (first) {
            prev.firstChildBlock = uint64(block.number);
        } else if (prev.secondChildBlock == 0) {
            prev.secondChildBlock = uint64(block.number);
        }
        assertions[newHash] = AssertionNode({
            firstChildBlock: 0,
            secondChildBlock: 0,
            createdAtBlock: uint64(block.number),
            isFirstChild: first,
            status: AssertionStatus.Pending,
            configHash: currentConfigHash(afterPos + 1)
        });
        assertionHashes.push(newHash);
        parentOf[newHash] = prevHash;
        emit AssertionCreated(
            newHash,
            prevHash,
            assertion,
            inboxAcc,
            inboxAccs.length,
            wasmModuleRoot,
            baseStake,
            challengeManager,
            confirmPeriodBlocks
        );
        s.latestStakedAssertion = newHash;
        // 8. timing
        require(block.number - prev.createdAtBlock >= minimumAssertionPeriod, "TIME_DELTA");
        // 9. bond routing: one kept stake per fork suffices
        if (!first) {
            require(IStakeToken(stakeToken).transfer(loserStakeEscrow, cfg.requiredStake), "TRANSFER_FAILED");
        }
    }

    /// @notice Confirms a Pending child of `latestConfirmed` (spec §2.5).
    function confirmAssertion(
        bytes32 assertionHash,
        bytes32 prevAssertionHash,
        AssertionState calldata confirmState,
        bytes32 winningEdgeId,
        ConfigData calldata prevConfig,
        bytes32 inboxAcc
    ) external {
        AssertionNode storage a = assertions[assertionHash];
        require(a.status == AssertionStatus.Pending, "NOT_PENDING");
        require(computeAssertionHash(prevAssertionHash, confirmState, inboxAcc) == assertionHash, "CONFIRM_DATA");
        AssertionNode storage prev = assertions[prevAssertionHash];
        require(prev.configHash == configHash(prevConfig), "CONFIG_HASH_MISMATCH");
        require(block.number >= a.createdAtBlock + prevConfig.confirmPeriodBlocks, "BEFORE_DEADLINE");
        require(prevAssertionHash == latestConfirmed, "PREV_NOT_LATEST_CONFIRMED");
        if (prev.secondChildBlock > 0) {
            ChallengeEdge memory w = IEdgeChallengeManager(prevConfig.challengeManager).getEdge(winningEdgeId);
            require(w.claimId == assertionHash, "NOT_WINNER");
            require(w.level == 0, "EDGE_NOT_BLOCK_LEVEL");
            require(w.status == EdgeStatus.Confirmed, "EDGE_NOT_CONFIRMED");
            require(w.confirmedAtBlock != 0, "ZERO_CONFIRMED_AT_BLOCK");
            require(
                block.number >= w.confirmedAtBlock + challengeGracePeriodBlocks, "CHALLENGE_GRACE_PERIOD_NOT_PASSED"
            );
        }
        a.status = AssertionStatus.Confirmed;
        latestConfirmed = assertionHash;
        emit AssertionConfirmed(assertionHash, confirmState.globalState.bytes32Vals[0], bytes32(0));
    }

    // ---- withdrawals ------------------------------------------------------------------------

    function isInactive(address stakerAddress) public view returns (bool) {
        bytes32 latest = stakers[stakerAddress].latestStakedAssertion;
        return latest == latestConfirmed || assertions[latest].firstChildBlock > 0;
    }

    function returnOldDeposit() external {
        _returnOldDeposit(msg.sender);
    }

    function returnOldDepositFor(address stakerAddress) external {
        require(
            msg.sender == stakerAddress || msg.sender == stakers[stakerAddress].withdrawalAddress, "NOT_WITHDRAWAL_ADDRESS"
        );
        _returnOldDeposit(stakerAddress);
    }

    function _returnOldDeposit(address stakerAddress) private {
        Staker storage s = stakers[stakerAddress];
        require(s.isStaked, "NOT_STAKED");
        require(isInactive(stakerAddress), "STAKE_ACTIVE");
        uint256 amount = s.amountStaked;
        address to = s.withdrawalAddress;
        uint256 before = withdrawableFunds[to];
        withdrawableFunds[to] = before + amount;
        delete stakers[stakerAddress];
        emit UserStakeUpdated(stakerAddress, to, amount, 0);
        emit UserWithdrawableFundsUpdated(to, before, before + amount);
    }

    function reduceDeposit(uint256 target) external {
        Staker storage s = stakers[msg.sender];
        require(s.isStaked, "NOT_STAKED");
        require(isInactive(msg.sender), "STAKE_ACTIVE");
        uint256 amount = s.amountStaked;
        require(target <= amount, "TOO_LITTLE_STAKE");
        address to = s.withdrawalAddress;
        uint256 before = withdrawableFunds[to];
        s.amountStaked = target;
        withdrawableFunds[to] = before + amount - target;
        emit UserStakeUpdated(msg.sender, to, amount, target);
        emit UserWithdrawableFundsUpdated(to, before, before + amount - target);
    }

    function withdrawStakerFunds() external returns (uint256 amount) {
        amount = withdrawableFunds[msg.sender];
        withdrawableFunds[msg.sender] = 0;
        emit UserWithdrawableFundsUpdated(msg.sender, amount, 0);
        require(IStakeToken(stakeToken).transfer(msg.sender, amount), "TRANSFER_FAILED");
    }

    // ---- views ------------------------------------------------------------------------------

    function computeAssertionHash(bytes32 prevAssertionHash, AssertionState memory state, bytes32 inboxAcc)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(prevAssertionHash, keccak256(abi.encode(state)), inboxAcc));
    }

    function configHash(ConfigData memory c) public pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                c.wasmModuleRoot, c.requiredStake, c.challengeManager, c.confirmPeriodBlocks, c.nextInboxPosition
            )
        );
    }

    function currentConfigHash(uint64 nextInboxPosition) private view returns (bytes32) {
        return configHash(
            ConfigData({
                wasmModuleRoot: wasmModuleRoot,
                requiredStake: baseStake,
                challengeManager: challengeManager,
                confirmPeriodBlocks: confirmPeriodBlocks,
                nextInboxPosition: nextInboxPosition
            })
        );
    }

    function getAssertion(bytes32 assertionHash) external view returns (AssertionNode memory) {
        return assertions[assertionHash];
    }

    function isFirstChild(bytes32 assertionHash) external view returns (bool) {
        return assertions[assertionHash].isFirstChild;
    }

    function isPending(bytes32 assertionHash) external view returns (bool) {
        return assertions[assertionHash].status == AssertionStatus.Pending;
    }

    function getFirstChildCreationBlock(bytes32 assertionHash) external view returns (uint64) {
        return assertions[assertionHash].firstChildBlock;
    }

    function getSecondChildCreationBlock(bytes32 assertionHash) external view returns (uint64) {
        return assertions[assertionHash].secondChildBlock;
    }

    function validateAssertionHash(
        bytes32 assertionHash,
        AssertionState calldata state,
        bytes32 prevAssertionHash,
        bytes32 inboxAcc
    ) external pure {
        require(computeAssertionHash(prevAssertionHash, state, inboxAcc) == assertionHash, "INVALID_ASSERTION_HASH");
    }

    function validateConfig(bytes32 assertionHash, ConfigData calldata configData) external view {
        require(assertions[assertionHash].configHash == configHash(configData), "CONFIG_HASH_MISMATCH");
    }

    function getStaker(address stakerAddress) external view returns (Staker memory) {
        return stakers[stakerAddress];
    }

    function isStaked(address stakerAddress) external view returns (bool) {
        return stakers[stakerAddress].isStaked;
    }

    function latestStakedAssertion(address stakerAddress) external view returns (bytes32) {
        return stakers[stakerAddress].latestStakedAssertion;
    }

    function amountStaked(address stakerAddress) external view returns (uint256) {
        return stakers[stakerAddress].amountStaked;
    }

    function withdrawalAddress(address stakerAddress) external view returns (address) {
        return stakers[stakerAddress].withdrawalAddress;
    }

    function assertionCount() external view returns (uint256) {
        return assertionHashes.length;
    }

    function stakerCount() external view returns (uint256) {
        return stakerList.length;
    }
}

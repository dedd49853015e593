// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "./BoldTypes.sol";
import "./ToyOneStepProver.sol";

/// @title EdgeChallengeManager
/// @notice The multi-level edge challenge of Crucible's BOLD model (spec §3): layer-zero edges
/// with mini-stakes, bisection at the mandatory height, rivals grouped by mutual id, unrivaled
/// timers with caches, confirmation by time and by one-step proof, stake refunds.
/// Level 0 is the block level, 1..n the big-step levels, n+1 the small-step level.
/// @dev `edgeIds` lists every edge in creation order (an enumeration convenience).
contract EdgeChallengeManager {
    bytes32 public constant UNRIVALED = keccak256("UNRIVALED");
    uint64 private constant SAT = type(uint64).max;

    IBoldRollup public immutable assertionChain;
    ToyOneStepProver public immutable oneStepProofEntry;
    uint64 public immutable challengePeriodBlocks;
    address public immutable stakeToken;
    address public immutable excessStakeReceiver;
    uint8 public immutable NUM_BIGSTEP_LEVEL;
    uint256 public immutable LAYERZERO_BLOCKEDGE_HEIGHT;
    uint256 public immutable LAYERZERO_BIGSTEPEDGE_HEIGHT;
    uint256 public immutable LAYERZERO_SMALLSTEPEDGE_HEIGHT;
    uint256[] public stakeAmounts;

    mapping(bytes32 => ChallengeEdge) private edges;
    mapping(bytes32 => bytes32) private firstRivals;
    mapping(bytes32 => bytes32) private confirmedRivals;
    bytes32[] public edgeIds;

    event EdgeAdded(
        bytes32 indexed edgeId,
        bytes32 indexed mutualId,
        bytes32 indexed originId,
        bytes32 claimId,
        uint256 length,
        uint8 level,
        bool hasRival,
        bool isLayerZero
    );
    event EdgeBisected(
        bytes32 indexed edgeId, bytes32 indexed lowerChildId, bytes32 indexed upperChildId, bool lowerChildAlreadyExists
    );
    event EdgeConfirmedByTime(bytes32 indexed edgeId, bytes32 indexed mutualId, uint256 totalTimeUnrivaled);
    event EdgeConfirmedByOneStepProof(bytes32 indexed edgeId, bytes32 indexed mutualId);
    event TimerCacheUpdated(bytes32 indexed edgeId, uint256 newValue);
    event EdgeRefunded(bytes32 indexed edgeId, bytes32 indexed mutualId, address stakeToken, uint256 stakeAmount);

    error EdgeNotExists(bytes32 edgeId);
    error EdgeAlreadyExists(bytes32 edgeId);
    error AssertionNoSibling();
    error AssertionNotPending();
    error ClaimEdgeNotPending();
    error ClaimEdgeNotLengthOneRival(bytes32 claimId);
    error NotPowerOfTwo(uint256 height);
    error InvalidEndHeight(uint256 actualHeight, uint256 expectedHeight);
    error HeightDiffLtTwo(uint256 start, uint256 end);
    error EdgeNotPending(bytes32 edgeId, uint8 status);
    error EdgeUnrivaled(bytes32 edgeId);
    error ChildrenAlreadySet(bytes32 edgeId, bytes32 lowerChildId, bytes32 upperChildId);
    error EdgeNotLayerZero(bytes32 edgeId, address staker, bytes32 claimId);
    error EdgeNotLengthOne(uint256 length);
    error EdgeTypeNotSmallStep(uint8 level);
    error InsufficientConfirmationBlocks(uint256 timeUnrivaled, uint256 confirmationThreshold);
    error RivalEdgeConfirmed(bytes32 edgeId, bytes32 confirmedRivalId);
    error EdgeAlreadyRefunded(bytes32 edgeId);
    error CachedTimeSufficient(uint256 actual, uint256 max);
    error EdgeClaimMismatch(bytes32 edgeId, bytes32 claimingEdgeId);
    error OriginIdMutualIdMismatch(bytes32 mutualId, bytes32 originId);
    error EdgeLevelInvalid(bytes32 edgeId1, bytes32 edgeId2, uint8 level1, uint8 level2);
    error EndHistoryRootMismatch(bytes32 endHistoryRoot, bytes32 assertionEndRoot);
    error AccountHasMadeLayerZeroRival(address account, bytes32 mutualId);
    error InvalidProof(string what);
    error BadConfiguration(string what);

    constructor(
        IBoldRollup assertionChain_,
        uint64 challengePeriodBlocks_,
        ToyOneStepProver oneStepProofEntry_,
        uint256 layerZeroBlockEdgeHeight,
        uint256 layerZeroBigStepEdgeHeight,
        uint256 layerZeroSmallStepEdgeHeight,
        address stakeToken_,
        address excessStakeReceiver_,
        uint8 numBigStepLevel,
        uint256[] memory stakeAmounts_
    ) {
        _powerOfTwo(layerZeroBlockEdgeHeight);
        _powerOfTwo(layerZeroBigStepEdgeHeight);
        _powerOfTwo(layerZeroSmallStepEdgeHeight);
        if (numBigStepLevel == 0 || numBigStepLevel > 253) revert BadConfiguration("NUM_BIGSTEP_LEVEL");
        if (stakeAmounts_.length != uint256(numBigStepLevel) + 2) revert BadConfiguration("stakeAmounts length");
        assertionChain = assertionChain_;
        challengePeriodBlocks = challengePeriodBlocks_;
        oneStepProofEntry = oneStepProofEntry_;
        LAYERZERO_BLOCKEDGE_HEIGHT = layerZeroBlockEdgeHeight;
        LAYERZERO_BIGSTEPEDGE_HEIGHT = layerZeroBigStepEdgeHeight;
        LAYERZERO_SMALLSTEPEDGE_HEIGHT = layerZeroSmallStepEdgeHeight;
        stakeToken = stakeToken_;
        excessStakeReceiver = excessStakeReceiver_;
        NUM_BIGSTEP_LEVEL = numBigStepLevel;
        stakeAmounts = stakeAmounts_;
    }

    function _powerOfTwo(uint256 h) private pure {
        if (h == 0 || (h & (h - 1)) != 0) revert NotPowerOfTwo(h);
    }

    // ---- identity ---------------------------------------------------------------------------

    function calculateMutualId(
        uint8 level,
        bytes32 originId,
        uint256 startHeight,
        bytes32 startHistoryRoot,
        uint256 endHeight
    ) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(level, originId, startHeight, startHistoryRoot, endHeight));
    }

    function calculateEdgeId(
        uint8 level,
        bytes32 originId,
        uint256 startHeight,
        bytes32 startHistoryRoot,
        uint256 endHeight,
        bytes32 endHistoryRoot
    ) public pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(calculateMutualId(level, originId, startHeight, startHistoryRoot, endHeight), endHistoryRoot)
        );
    }

    function _mutualId(ChallengeEdge storage e) private view returns (bytes32) {
        return calculateMutualId(e.level, e.originId, e.startHeight, e.startHistoryRoot, e.endHeight);
    }

    function getLayerZeroEndHeight(uint8 level) public view returns (uint256) {
        if (level == 0) return LAYERZERO_BLOCKEDGE_HEIGHT;
        if (level <= NUM_BIGSTEP_LEVEL) return LAYERZERO_BIGSTEPEDGE_HEIGHT;
        if (level == NUM_BIGSTEP_LEVEL + 1) return LAYERZERO_SMALLSTEPEDGE_HEIGHT;
        revert BadConfiguration("level");
    }

    // ---- creation ---------------------------------------------------------------------------

    /// @notice Creates a layer-zero edge at `args.level` (spec §3.4), paying its mini-stake.
    function createLayerZeroEdge(CreateEdgeArgs calldata args) external returns (bytes32) {
        uint256 h = getLayerZeroEndHeight(args.level);
        if (args.endHeight != h) revert InvalidEndHeight(args.endHeight, h);
        bytes32 originId;
        bytes32 startLeaf;
        bytes32 endLeaf;
        if (args.level == 0) {
            (originId, startLeaf, endLeaf) = _checkBlockClaim(args);
        } else {
            (originId, startLeaf, endLeaf) = _checkEdgeClaim(args);
        }
        bytes32 startRoot = HistoryCommitment.single(startLeaf);
        if (!HistoryCommitment.isPrefix(startRoot, 0, args.endHistoryRoot, h, args.prefixProof)) {
            revert InvalidProof("prefix");
        }
        ChallengeEdge memory e;
        e.originId = originId;
        e.startHistoryRoot = startRoot;
        e.startHeight = 0;
        e.endHistoryRoot = args.endHistoryRoot;
        e.endHeight = h;
        e.claimId = args.claimId;
        e.staker = msg.sender;
        e.level = args.level;
        (bytes32 id, bool rivaled) = _add(e);
        uint256 amount = stakeAmounts[args.level];
        if (stakeToken != address(0) && amount > 0) {
            require(IStakeToken(stakeToken).transferFrom(msg.sender, address(this), amount), "TRANSFER_FAILED");
            if (rivaled) {
                require(IStakeToken(stakeToken).transfer(excessStakeReceiver, amount), "TRANSFER_FAILED");
            }
        }
        return id;
    }

    function _checkBlockClaim(CreateEdgeArgs calldata args)
        private
        view
        returns (bytes32 originId, bytes32 startLeaf, bytes32 endLeaf)
    {
        (bytes32[] memory endIncl, AssertionStateData memory pred, AssertionStateData memory claim) =
            abi.decode(args.proof, (bytes32[], AssertionStateData, AssertionStateData));
        bytes32 predHash = _assertionHash(pred);
        if (claim.prevAssertionHash != predHash) revert InvalidProof("claim parent");
        if (_assertionHash(claim) != args.claimId) revert InvalidProof("claim");
        if (assertionChain.getAssertion(predHash).status == AssertionStatus.NoAssertion) {
            revert InvalidProof("predecessor");
        }
        if (!assertionChain.isPending(args.claimId)) revert AssertionNotPending();
        if (assertionChain.getSecondChildCreationBlock(predHash) == 0) revert AssertionNoSibling();
        if (args.endHistoryRoot != claim.assertionState.endHistoryRoot) {
            revert EndHistoryRootMismatch(args.endHistoryRoot, claim.assertionState.endHistoryRoot);
        }
        startLeaf = pred.assertionState.globalState.bytes32Vals[0];
        endLeaf = claim.assertionState.globalState.bytes32Vals[0];
        if (!HistoryCommitment.isLastLeaf(args.endHistoryRoot, args.endHeight, endLeaf, endIncl)) {
            revert InvalidProof("end inclusion");
        }
        originId = predHash;
    }

    function _checkEdgeClaim(CreateEdgeArgs calldata args)
        private
        view
        returns (bytes32 originId, bytes32 startLeaf, bytes32 endLeaf)
    {
        ChallengeEdge storage c = edges[args.claimId];
        if (c.createdAtBlock == 0) revert EdgeNotExists(args.claimId);
        if (c.status != EdgeStatus.Pending) revert ClaimEdgeNotPending();
        if (!hasLengthOneRival(args.claimId)) revert ClaimEdgeNotLengthOneRival(args.claimId);
        if (c.level + 1 != args.level) revert EdgeLevelInvalid(args.claimId, bytes32(0), c.level, args.level);
        bytes32[] memory claimStartIncl;
        bytes32[] memory claimEndIncl;
        bytes32[] memory endIncl;
        (startLeaf, endLeaf, claimStartIncl, claimEndIncl, endIncl) =
            abi.decode(args.proof, (bytes32, bytes32, bytes32[], bytes32[], bytes32[]));
        if (!HistoryCommitment.isLastLeaf(c.startHistoryRoot, c.startHeight, startLeaf, claimStartIncl)) {
            revert InvalidProof("claim start inclusion");
        }
        if (!HistoryCommitment.isLastLeaf(c.endHistoryRoot, c.endHeight, endLeaf, claimEndIncl)) {
            revert InvalidProof("claim end inclusion");
        }
        if (!HistoryCommitment.isLastLeaf(args.endHistoryRoot, args.endHeight, endLeaf, endIncl)) {
            revert InvalidProof("end inclusion");
        }
        originId = _mutualId(c);
    }

    /// Stores a new edge and groups it with its rivals; returns its id and whether the group
    /// already had an edge.
    function _add(ChallengeEdge memory e) private returns (bytes32 id, bool rivaled) {
        bytes32 mutualId = calculateMutualId(e.level, e.originId, e.startHeight, e.startHistoryRoot, e.endHeight);
        id = keccak256(abi.encodePacked(mutualId, e.endHistoryRoot));
        if (edges[id].createdAtBlock != 0) revert EdgeAlreadyExists(id);
        e.createdAtBlock = uint64(block.number);
        edges[id] = e;
        edgeIds.push(id);
        bytes32 first = firstRivals[mutualId];
        rivaled = first != bytes32(0);
        if (first == bytes32(0)) {
            firstRivals[mutualId] = UNRIVALED;
        } else if (first == UNRIVALED) {
            firstRivals[mutualId] = id;
        }
        bool isLayerZero = e.claimId != bytes32(0) && e.staker != address(0);
        emit EdgeAdded(id, mutualId, e.originId, e.claimId, e.endHeight - e.startHeight, e.level, rivaled, isLayerZero);
    }

    // ---- bisection --------------------------------------------------------------------------

    /// @notice Splits a rivaled edge at the mandatory bisection height (spec §3.5).
    function bisectEdge(bytes32 edgeId, bytes32 bisectionHistoryRoot, bytes calldata prefixProof)
        external
        returns (bytes32 lowerChildId, bytes32 upperChildId)
    {
        ChallengeEdge storage e = _get(edgeId);
        if (e.status != EdgeStatus.Pending) revert EdgeNotPending(edgeId, uint8(e.status));
        if (!hasRival(edgeId)) revert EdgeUnrivaled(edgeId);
        if (e.endHeight - e.startHeight < 2) revert HeightDiffLtTwo(e.startHeight, e.endHeight);
        if (e.lowerChildId != bytes32(0)) revert ChildrenAlreadySet(edgeId, e.lowerChildId, e.upperChildId);
        uint256 mid = mandatoryBisectionHeight(e.startHeight, e.endHeight);
        if (!HistoryCommitment.isPrefix(bisectionHistoryRoot, mid, e.endHistoryRoot, e.endHeight, prefixProof)) {
            revert InvalidProof("bisection prefix");
        }
        ChallengeEdge memory lower;
        lower.originId = e.originId;
        lower.startHistoryRoot = e.startHistoryRoot;
        lower.startHeight = e.startHeight;
        lower.endHistoryRoot = bisectionHistoryRoot;
        lower.endHeight = mid;
        lower.level = e.level;
        lowerChildId = calculateEdgeId(e.level, e.originId, e.startHeight, e.startHistoryRoot, mid, bisectionHistoryRoot);
        bool lowerExists = edges[lowerChildId].createdAtBlock != 0;
        if (!lowerExists) {
            _add(lower);
        }
        ChallengeEdge memory upper;
        upper.originId = e.originId;
        upper.startHistoryRoot = bisectionHistoryRoot;
        upper.startHeight = mid;
        upper.endHistoryRoot = e.endHistoryRoot;
        upper.endHeight = e.endHeight;
        upper.level = e.level;
        (upperChildId,) = _add(upper);
        e.lowerChildId = lowerChildId;
        e.upperChildId = upperChildId;
        emit EdgeBisected(edgeId, lowerChildId, upperChildId, lowerExists);
    }

    /// @notice The mandatory bisection height of (start, end), `end - start >= 2`.
    function mandatoryBisectionHeight(uint256 start, uint256 end) public pure returns (uint256) {
        if (end - start < 2) revert HeightDiffLtTwo(start, end);
        if (end - start == 2) return start + 1;
        uint256 diff = start ^ (end - 1);
        uint256 p = 0;
        while (diff > 1) {
            diff >>= 1;
            p++;
        }
        uint256 mask = (uint256(1) << p) - 1;
        return (end - 1) & ~mask;
    }

    // ---- timers -----------------------------------------------------------------------------

    /// @notice The edge's own unrivaled time (spec §3.6).
    function timeUnrivaled(bytes32 edgeId) public view returns (uint256) {
        ChallengeEdge storage e = _get(edgeId);
        bytes32 r = firstRivals[_mutualId(e)];
        if (r == UNRIVALED) return block.number - e.createdAtBlock;
        uint64 rc = edges[r].createdAtBlock;
        return rc > e.createdAtBlock ? rc - e.createdAtBlock : 0;
    }

    function _total(bytes32 edgeId) private view returns (uint256) {
        ChallengeEdge storage e = edges[edgeId];
        uint256 t = timeUnrivaled(edgeId);
        if (e.lowerChildId != bytes32(0)) {
            uint64 a = edges[e.lowerChildId].totalTimeUnrivaledCache;
            uint64 b = edges[e.upperChildId].totalTimeUnrivaledCache;
            t += a < b ? a : b;
        }
        return t;
    }

    function _sat(uint256 x) private pure returns (uint64) {
        return x > SAT ? SAT : uint64(x);
    }

    function _gate(bytes32 edgeId, uint256 maximumCachedTime) private view {
        uint64 c = _get(edgeId).totalTimeUnrivaledCache;
        if (c >= maximumCachedTime) revert CachedTimeSufficient(c, maximumCachedTime);
    }

    function _write(bytes32 edgeId, uint64 value) private {
        ChallengeEdge storage e = edges[edgeId];
        if (value > e.totalTimeUnrivaledCache) {
            e.totalTimeUnrivaledCache = value;
            emit TimerCacheUpdated(edgeId, value);
        }
    }

    function updateTimerCacheByChildren(bytes32 edgeId, uint256 maximumCachedTime) public {
        _gate(edgeId, maximumCachedTime);
        _write(edgeId, _sat(_total(edgeId)));
    }

    function updateTimerCacheByClaim(bytes32 edgeId, bytes32 claimingEdgeId, uint256 maximumCachedTime) external {
        ChallengeEdge storage e = _get(edgeId);
        ChallengeEdge storage c = _get(claimingEdgeId);
        if (c.level != e.level + 1) revert EdgeLevelInvalid(edgeId, claimingEdgeId, e.level, c.level);
        bytes32 mutualId = _mutualId(e);
        if (c.originId != mutualId) revert OriginIdMutualIdMismatch(mutualId, c.originId);
        if (c.claimId != edgeId) revert EdgeClaimMismatch(edgeId, claimingEdgeId);
        _gate(edgeId, maximumCachedTime);
        _write(edgeId, _sat(timeUnrivaled(edgeId) + c.totalTimeUnrivaledCache));
    }

    /// @notice By-children updates of `edgeIds_` in list order; the gate is checked on the last id only.
    function multiUpdateTimeCacheByChildren(bytes32[] calldata edgeIds_, uint256 maximumCachedTime) external {
        if (edgeIds_.length == 0) return;
        _gate(edgeIds_[edgeIds_.length - 1], maximumCachedTime);
        for (uint256 i = 0; i < edgeIds_.length; i++) {
            _get(edgeIds_[i]);
            _write(edgeIds_[i], _sat(_total(edgeIds_[i])));
        }
    }

    // ---- confirmation -----------------------------------------------------------------------

    function _checkConfirmable(bytes32 edgeId, ChallengeEdge storage e) private view returns (bytes32 mutualId) {
        if (e.status != EdgeStatus.Pending) revert EdgeNotPending(edgeId, uint8(e.status));
        mutualId = _mutualId(e);
        bytes32 cr = confirmedRivals[mutualId];
        if (cr != bytes32(0)) revert RivalEdgeConfirmed(edgeId, cr);
    }

    /// @notice Confirms a layer-zero edge whose total unrivaled time reaches the challenge period.
    function confirmEdgeByTime(bytes32 edgeId, AssertionStateData calldata claimStateData) external {
        ChallengeEdge storage e = _get(edgeId);
        if (e.claimId == bytes32(0) || e.staker == address(0)) revert EdgeNotLayerZero(edgeId, e.staker, e.claimId);
        bytes32 mutualId = _checkConfirmable(edgeId, e);
        uint256 t = _total(edgeId);
        if (e.level == 0) {
            if (_assertionHash(claimStateData) != e.claimId) revert InvalidProof("claim state");
            if (assertionChain.isFirstChild(e.claimId)) {
                bytes32 prev = claimStateData.prevAssertionHash;
                t += assertionChain.getSecondChildCreationBlock(prev) - assertionChain.getFirstChildCreationBlock(prev);
            }
        }
        if (t < challengePeriodBlocks) revert InsufficientConfirmationBlocks(t, challengePeriodBlocks);
        e.status = EdgeStatus.Confirmed;
        e.confirmedAtBlock = uint64(block.number);
        confirmedRivals[mutualId] = edgeId;
        emit EdgeConfirmedByTime(edgeId, mutualId, t);
    }

    /// @notice Confirms a small-step length-one edge by executing the toy machine's step.
    function confirmEdgeByOneStepProof(
        bytes32 edgeId,
        OneStepData calldata oneStepData,
        ConfigData calldata prevConfig,
        bytes32[] calldata beforeHistoryInclusionProof,
        bytes32[] calldata afterHistoryInclusionProof
    ) external {
        ChallengeEdge storage e = _get(edgeId);
        if (e.level != NUM_BIGSTEP_LEVEL + 1) revert EdgeTypeNotSmallStep(e.level);
        if (e.endHeight - e.startHeight != 1) revert EdgeNotLengthOne(e.endHeight - e.startHeight);
        bytes32 mutualId = _checkConfirmable(edgeId, e);
        assertionChain.validateConfig(getPrevAssertionHash(edgeId), prevConfig);
        if (!HistoryCommitment.isLastLeaf(
                e.startHistoryRoot, e.startHeight, oneStepData.beforeHash, beforeHistoryInclusionProof
            )) {
            revert InvalidProof("before inclusion");
        }
        bytes32 afterHash =
            oneStepProofEntry.proveOneStep(prevConfig.wasmModuleRoot, globalStep(edgeId), oneStepData.beforeHash);
        if (!HistoryCommitment.isLastLeaf(e.endHistoryRoot, e.endHeight, afterHash, afterHistoryInclusionProof)) {
            revert InvalidProof("after inclusion");
        }
        e.status = EdgeStatus.Confirmed;
        e.confirmedAtBlock = uint64(block.number);
        e.totalTimeUnrivaledCache = SAT;
        confirmedRivals[mutualId] = edgeId;
        emit EdgeConfirmedByOneStepProof(edgeId, mutualId);
    }

    /// @notice Global machine step `k = Σ σ_L·j_L` of a small-step edge's start (spec §3.7).
    function globalStep(bytes32 edgeId) public view returns (uint256 k) {
        ChallengeEdge storage e = _get(edgeId);
        k = e.startHeight;
        uint256 sigma = LAYERZERO_SMALLSTEPEDGE_HEIGHT;
        ChallengeEdge storage cur = e;
        for (uint256 l = NUM_BIGSTEP_LEVEL; l >= 1; l--) {
            ChallengeEdge storage up = edges[firstRivals[cur.originId]];
            k += sigma * up.startHeight;
            sigma *= LAYERZERO_BIGSTEPEDGE_HEIGHT;
            cur = up;
        }
    }

    /// @notice Pays a Confirmed layer-zero edge's mini-stake back to its staker, once.
    function refundStake(bytes32 edgeId) external {
        ChallengeEdge storage e = _get(edgeId);
        if (e.claimId == bytes32(0) || e.staker == address(0)) revert EdgeNotLayerZero(edgeId, e.staker, e.claimId);
        if (e.status != EdgeStatus.Confirmed) revert EdgeNotPending(edgeId, uint8(e.status));
        if (e.refunded) revert EdgeAlreadyRefunded(edgeId);
        e.refunded = true;
        uint256 amount = stakeAmounts[e.level];
        if (stakeToken != address(0) && amount > 0) {
            require(IStakeToken(stakeToken).transfer(e.staker, amount), "TRANSFER_FAILED");
        }
        emit EdgeRefunded(edgeId, _mutualId(e), stakeToken, amount);
    }

    // ---- views ------------------------------------------------------------------------------

    function _get(bytes32 edgeId) private view returns (ChallengeEdge storage e) {
        e = edges[edgeId];
        if (e.createdAtBlock == 0) revert EdgeNotExists(edgeId);
    }

    function _assertionHash(AssertionStateData memory d) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(d.prevAssertionHash, keccak256(abi.encode(d.assertionState)), d.inboxAcc));
    }

    function getEdge(bytes32 edgeId) external view returns (ChallengeEdge memory) {
        return _get(edgeId);
    }

    function edgeExists(bytes32 edgeId) external view returns (bool) {
        return edges[edgeId].createdAtBlock != 0;
    }

    function edgeLength(bytes32 edgeId) external view returns (uint256) {
        ChallengeEdge storage e = _get(edgeId);
        return e.endHeight - e.startHeight;
    }

    function hasRival(bytes32 edgeId) public view returns (bool) {
        bytes32 r = firstRivals[_mutualId(_get(edgeId))];
        return r != UNRIVALED && r != bytes32(0);
    }

    function hasLengthOneRival(bytes32 edgeId) public view returns (bool) {
        ChallengeEdge storage e = _get(edgeId);
        return hasRival(edgeId) && e.endHeight - e.startHeight == 1;
    }

    function firstRival(bytes32 mutualId) external view returns (bytes32) {
        return firstRivals[mutualId];
    }

    function confirmedRival(bytes32 mutualId) external view returns (bytes32) {
        return confirmedRivals[mutualId];
    }

    /// @notice The assertion a challenge is about: walks origin ids up to the block level.
    function getPrevAssertionHash(bytes32 edgeId) public view returns (bytes32) {
        ChallengeEdge storage e = _get(edgeId);
        while (e.level > 0) {
            e = edges[firstRivals[e.originId]];
        }
        return e.originId;
    }

    function edgeCount() external view returns (uint256) {
        return edgeIds.length;
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title AllocationManagerLite
/// @notice EigenLayer's allocation manager reduced to one AVS operator set: delegated shares,
/// magnitudes (maxMag per operator and strategy, currentMag allocated to the set) and
/// `slashOperator`, which burns `ceil(currentMag · wad / WAD)` of magnitude and the matching
/// share fraction. Allocation is instant and full (configuration delay 0).
contract AllocationManagerLite {
    uint256 public constant WAD = 1e18;

    struct SlashingParams {
        address operator;
        uint32 operatorSetId;
        address[] strategies;
        uint256[] wadsToSlash;
        string description;
    }

    address public owner;
    /// The AVS whose registry manages membership (the StakeRegistry).
    address public avs;
    /// The designated slasher (the DisputeResolver once wired; Q8 leaves it unset).
    address public slasher;
    uint32 public immutable operatorSetId;
    uint256 public immutable deallocationDelay;
    address[] internal strategies;

    mapping(address => mapping(address => uint256)) public shares;
    mapping(address => mapping(address => uint256)) public maxMagnitude;
    mapping(address => mapping(address => uint256)) public currentMagnitude;
    mapping(address => mapping(address => uint256)) public burnedShares;
    mapping(address => bool) public isMember;
    mapping(address => uint256) public registeredAt;
    mapping(address => uint256) public deregisteredAt;

    event OperatorAddedToOperatorSet(address indexed operator, uint32 operatorSetId);
    event OperatorRemovedFromOperatorSet(address indexed operator, uint32 operatorSetId);
    event OperatorSlashed(
        address operator, uint32 operatorSetId, address[] strategies, uint256[] wadSlashed, string description
    );

    error NotOwner();
    error NotAvs();
    error Unauthorized();
    error NotSlashable();
    error InputArrayLengthMismatch();
    error StrategiesNotSorted();
    error StrategyNotInSet();
    error InvalidWadToSlash();

    constructor(uint32 setId, uint256 delay, address[] memory strategies_) {
        owner = msg.sender;
        operatorSetId = setId;
        deallocationDelay = delay;
        for (uint256 i = 1; i < strategies_.length; i++) {
            if (strategies_[i - 1] >= strategies_[i]) revert StrategiesNotSorted();
        }
        strategies = strategies_;
    }

    function setAvs(address avs_) external {
        if (msg.sender != owner) revert NotOwner();
        avs = avs_;
    }

    function setSlasher(address slasher_) external {
        if (msg.sender != owner) revert NotOwner();
        slasher = slasher_;
    }

    /// Delegated shares of `operator` in `strategy`, fully allocated to the set.
    function setShares(address operator, address strategy, uint256 amount) external {
        if (msg.sender != owner) revert NotOwner();
        if (maxMagnitude[operator][strategy] == 0) {
            maxMagnitude[operator][strategy] = WAD;
            currentMagnitude[operator][strategy] = WAD;
        }
        shares[operator][strategy] = amount;
    }

    function getStrategies() external view returns (address[] memory) {
        return strategies;
    }

    function registerToSet(address operator) external {
        if (msg.sender != avs) revert NotAvs();
        isMember[operator] = true;
        registeredAt[operator] = block.number;
        deregisteredAt[operator] = 0;
        emit OperatorAddedToOperatorSet(operator, operatorSetId);
    }

    function deregisterFromSet(address operator) external {
        if (msg.sender != avs) revert NotAvs();
        isMember[operator] = false;
        deregisteredAt[operator] = block.number;
        emit OperatorRemovedFromOperatorSet(operator, operatorSetId);
    }

    /// Σ_s shares · (currentMag · WAD / maxMag) / WAD for members, 0 otherwise.
    function operatorSetWeight(address operator) external view returns (uint256 w) {
        if (!isMember[operator]) return 0;
        for (uint256 i = 0; i < strategies.length; i++) {
            address s = strategies[i];
            uint256 maxMag = maxMagnitude[operator][s];
            if (maxMag == 0) continue;
            w += shares[operator][s] * (currentMagnitude[operator][s] * WAD / maxMag) / WAD;
        }
    }

    function isSlashable(address operator) public view returns (bool) {
        if (isMember[operator]) return true;
        uint256 left = deregisteredAt[operator];
        return left != 0 && block.number < left + deallocationDelay;
    }

    function slashOperator(address avs_, SlashingParams calldata p) external {
        if (!((msg.sender == avs_ && avs_ == avs) || (slasher != address(0) && msg.sender == slasher))) {
            revert Unauthorized();
        }
        if (p.operatorSetId != operatorSetId || !isSlashable(p.operator)) revert NotSlashable();
        if (p.strategies.length != p.wadsToSlash.length) revert InputArrayLengthMismatch();
        for (uint256 i = 0; i < p.strategies.length; i++) {
            if (i > 0 && p.strategies[i - 1] >= p.strategies[i]) revert StrategiesNotSorted();
            if (!inSet(p.strategies[i])) revert StrategyNotInSet();
            uint256 wad = p.wadsToSlash[i];
            if (wad == 0 || wad > WAD) revert InvalidWadToSlash();
            address s = p.strategies[i];
            uint256 cur = currentMagnitude[p.operator][s];
            uint256 slashed = (cur * wad + WAD - 1) / WAD;
            currentMagnitude[p.operator][s] = cur - slashed;
            uint256 oldMax = maxMagnitude[p.operator][s];
            uint256 newMax = oldMax - slashed;
            maxMagnitude[p.operator][s] = newMax;
            if (oldMax > 0) {
                uint256 before = shares[p.operator][s];
                uint256 afterShares = before * newMax / oldMax;
                shares[p.operator][s] = afterShares;
                burnedShares[p.operator][s] += before - afterShares;
            }
        }
        emit OperatorSlashed(p.operator, p.operatorSetId, p.strategies, p.wadsToSlash, p.description);
    }

    function inSet(address s) internal view returns (bool) {
        for (uint256 i = 0; i < strategies.length; i++) {
            if (strategies[i] == s) return true;
        }
        return false;
    }
}

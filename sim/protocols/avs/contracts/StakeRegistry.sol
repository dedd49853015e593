// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";

interface IEpochClock {
    function getCurrentEpoch() external view returns (uint32);
    function getEffectiveEpoch() external view returns (uint32);
}

interface IAllocation {
    function operatorSetWeight(address operator) external view returns (uint256);
    function isMember(address operator) external view returns (bool);
    function shares(address operator, address strategy) external view returns (uint256);
    function registerToSet(address operator) external;
    function deregisterFromSet(address operator) external;
}

/// @title StakeRegistry
/// @notice The Spotted epoch-based ECDSA stake registry on the main chain. Every write lands in the
/// effective epoch E; `isValidSignature` (ERC-1271) checks a quorum of operator signatures against
/// the keys, weights and threshold of a reference epoch.
contract StakeRegistry {
    /// A strategy of the M2 quorum and its multiplier in basis points.
    struct StrategyParams {
        address strategy;
        uint96 multiplier;
    }

    /// The M2 quorum: strategies strictly ascending, multipliers summing to exactly 10 000.
    struct Quorum {
        StrategyParams[] strategies;
    }

    /// EigenLayer's `ISignatureUtils.SignatureWithSaltAndExpiry`.
    struct SignatureWithSaltAndExpiry {
        bytes signature;
        bytes32 salt;
        uint256 expiry;
    }

    uint256 internal constant BPS = 10_000;
    bytes32 public constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)");
    bytes32 public constant OPERATOR_AVS_REGISTRATION_TYPEHASH =
        keccak256("OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)");

    address public owner;
    IEpochClock public immutable epochManager;
    IAllocation public immutable allocation;
    uint256 public immutable flags;
    /// Largest accepted `currentEpoch − ref`; 0 = no bound (faithful, Q5).
    uint32 public immutable maxEpochStaleness;

    uint256 public minimumWeight;
    uint32 public currentOperatorSetId;

    mapping(uint32 => mapping(address => uint256)) internal weightSlot;
    mapping(address => uint32[]) internal weightEpochs;
    mapping(uint32 => mapping(address => address)) internal keySlot;
    mapping(address => uint32[]) internal keyEpochs;
    mapping(uint32 => uint256) internal thresholdSlot;
    uint32[] internal thresholdEpochs;

    mapping(address => address) public keyToOperator;
    mapping(address => bool) public registered;
    /// Every operator that ever registered, in order of first registration.
    address[] internal everRegistered;
    mapping(address => bool) internal seen;
    Quorum internal quorum;
    /// Directory salts an operator has spent (flag `directory_sig`).
    mapping(address => mapping(bytes32 => bool)) public operatorSaltIsSpent;

    event OperatorRegistered(address indexed operator, uint256 blockNumber, address signingKey);
    event OperatorDeregistered(address indexed operator, uint256 blockNumber);
    event SigningKeyUpdate(address indexed operator, address indexed newSigningKey, address oldSigningKey);
    event OperatorWeightUpdated(address indexed operator, uint256 oldWeight, uint256 newWeight);
    event ThresholdWeightUpdated(uint256 thresholdWeight);
    event MinimumWeightUpdated(uint256 oldMinimumWeight, uint256 newMinimumWeight);
    event QuorumUpdated(Quorum oldQuorum, Quorum newQuorum);

    error NotOwner();
    error OperatorAlreadyRegistered();
    error OperatorNotRegistered();
    error SigningKeyAlreadySet();
    error InvalidThreshold();
    error InvalidEpoch();
    error StaleEpoch();
    error LengthMismatch();
    error InvalidLength();
    error NotSorted();
    error InvalidSignature();
    error InsufficientSignedStake();
    error ZeroThreshold();
    error InvalidQuorum();
    error DirectorySignatureRequired();
    error SignatureExpired();
    error SaltSpent();

    constructor(address epochManager_, address allocation_, uint256 flags_, uint32 maxStaleness_) {
        owner = msg.sender;
        epochManager = IEpochClock(epochManager_);
        allocation = IAllocation(allocation_);
        flags = flags_;
        maxEpochStaleness = maxStaleness_;
    }

    function transferOwnership(address next) external {
        if (msg.sender != owner) revert NotOwner();
        owner = next;
    }

    function has(uint256 f) internal view returns (bool) {
        return flags & f != 0;
    }

    // ---- writes -------------------------------------------------------------------------------

    /// Registration without a directory signature; with flag `directory_sig` only
    /// `registerOperatorWithSignature` registers.
    function registerOperator(address signingKey) external {
        if (has(Flags.DIRECTORY_SIG)) revert DirectorySignatureRequired();
        register(signingKey);
    }

    /// The seed's `registerOperatorWithSignature(operatorSig, signingKey)`. With flag
    /// `directory_sig` the operator's EIP-712 directory signature is checked as EigenLayer's
    /// AVSDirectory does (`registerOperatorToAVS`): not expired (`expiry ≥ block.timestamp`), salt
    /// not yet spent by this operator, signed by the operator (ECDSA, or ERC-1271 when the
    /// operator is a contract); the salt is then spent. Without the flag the signature is ignored.
    function registerOperatorWithSignature(SignatureWithSaltAndExpiry calldata operatorSig, address signingKey)
        external
    {
        if (has(Flags.DIRECTORY_SIG)) {
            if (operatorSig.expiry < block.timestamp) revert SignatureExpired();
            if (operatorSaltIsSpent[msg.sender][operatorSig.salt]) revert SaltSpent();
            bytes32 d = calculateOperatorAVSRegistrationDigestHash(
                msg.sender, address(this), operatorSig.salt, operatorSig.expiry
            );
            bool ok = msg.sender.code.length > 0
                ? SigCheck.erc1271(msg.sender, d, operatorSig.signature)
                : SigCheck.valid(msg.sender, d, operatorSig.signature);
            if (!ok) revert InvalidSignature();
            operatorSaltIsSpent[msg.sender][operatorSig.salt] = true;
        }
        register(signingKey);
    }

    /// EigenLayer's domain ("EigenLayer", this chain, the directory): AllocationManagerLite stands
    /// in for the AVSDirectory, so it is the verifying contract.
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256(bytes("EigenLayer")), block.chainid, address(allocation)));
    }

    /// `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ keccak256(abi.encode(OPERATOR_AVS_REGISTRATION_TYPEHASH,
    /// operator, avs, salt, expiry)))`; the AVS is this registry.
    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(OPERATOR_AVS_REGISTRATION_TYPEHASH, operator, avs, salt, expiry));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    function register(address signingKey) internal {
        if (registered[msg.sender]) revert OperatorAlreadyRegistered();
        registered[msg.sender] = true;
        if (!seen[msg.sender]) {
            seen[msg.sender] = true;
            everRegistered.push(msg.sender);
        }
        allocation.registerToSet(msg.sender);
        uint32 e = epochManager.getEffectiveEpoch();
        writeWeight(e, msg.sender, weightNow(msg.sender));
        setKey(e, msg.sender, signingKey);
        emit OperatorRegistered(msg.sender, block.number, signingKey);
    }

    function deregisterOperator() external {
        if (!registered[msg.sender]) revert OperatorNotRegistered();
        uint32 e = epochManager.getEffectiveEpoch();
        if (has(Flags.WEIGHT_REQUIRES_REGISTRATION)) {
            writeWeight(e, msg.sender, 0);
            writeKey(e, msg.sender, address(0));
        } else {
            // Q3: weight computed before leaving, key at E kept.
            writeWeight(e, msg.sender, weightNow(msg.sender));
        }
        registered[msg.sender] = false;
        allocation.deregisterFromSet(msg.sender);
        emit OperatorDeregistered(msg.sender, block.number);
    }

    function updateSigningKey(address k) external {
        if (!registered[msg.sender]) revert OperatorNotRegistered();
        setKey(epochManager.getEffectiveEpoch(), msg.sender, k);
    }

    function updateOperators(address[] calldata ops) public {
        uint32 e = epochManager.getEffectiveEpoch();
        for (uint256 i = 0; i < ops.length; i++) {
            uint256 w = weightNow(ops[i]);
            if (has(Flags.WEIGHT_REQUIRES_REGISTRATION) && !registered[ops[i]]) w = 0;
            writeWeight(e, ops[i], w);
        }
    }

    function updateStakeThreshold(uint256 w) external {
        if (msg.sender != owner) revert NotOwner();
        if (has(Flags.REQUIRE_NONZERO_THRESHOLD) && w == 0) revert InvalidThreshold();
        uint32 e = epochManager.getEffectiveEpoch();
        thresholdSlot[e] = w;
        pushEpoch(thresholdEpochs, e);
        emit ThresholdWeightUpdated(w);
    }

    function updateMinimumWeight(uint256 w, address[] calldata ops) external {
        if (msg.sender != owner) revert NotOwner();
        emit MinimumWeightUpdated(minimumWeight, w);
        minimumWeight = w;
        updateOperators(ops);
    }

    /// Sets the M2 quorum (strategies strictly ascending, multipliers summing to exactly
    /// 10 000), then refreshes the weights of `ops`.
    function updateQuorumConfig(Quorum calldata q, address[] calldata ops) external {
        if (msg.sender != owner) revert NotOwner();
        uint256 total = 0;
        address last = address(0);
        for (uint256 i = 0; i < q.strategies.length; i++) {
            address s_ = q.strategies[i].strategy;
            if (i > 0 && !(last < s_)) revert InvalidQuorum();
            last = s_;
            total += q.strategies[i].multiplier;
        }
        if (total != BPS) revert InvalidQuorum();
        Quorum memory old = quorum;
        delete quorum;
        for (uint256 i = 0; i < q.strategies.length; i++) {
            quorum.strategies.push(q.strategies[i]);
        }
        emit QuorumUpdated(old, q);
        updateOperators(ops);
    }

    function getQuorum() external view returns (Quorum memory) {
        return quorum;
    }

    function setKey(uint32 e, address op, address k) internal {
        address old = keySlot[e][op];
        if (old != address(0) && !has(Flags.KEY_LAST_WRITE_WINS)) return; // Q10: first write wins
        if (k == address(0)) return;
        address owner_ = keyToOperator[k];
        if (owner_ != address(0) && owner_ != op) revert SigningKeyAlreadySet();
        writeKey(e, op, k);
        keyToOperator[k] = op;
        emit SigningKeyUpdate(op, k, old);
    }

    function writeKey(uint32 e, address op, address k) internal {
        keySlot[e][op] = k;
        pushEpoch(keyEpochs[op], e);
    }

    function writeWeight(uint32 e, address op, uint256 w) internal {
        uint256 old = weightAt(e, op);
        weightSlot[e][op] = w;
        pushEpoch(weightEpochs[op], e);
        emit OperatorWeightUpdated(op, old, w);
    }

    function pushEpoch(uint32[] storage list, uint32 e) internal {
        uint256 n = list.length;
        if (n == 0 || list[n - 1] != e) list.push(e);
    }

    /// Weight at call time: the operator-set weight, plus with `m2_path` the M2 quorum weight,
    /// each 0 below the minimum. Q4: upstream adds both, so an operator on both paths counts its
    /// stake twice; intended (`no_double_count`) counts the set weight alone for a member of the
    /// operator set, and the M2 weight for an operator outside it.
    function weightNow(address op) public view returns (uint256) {
        uint256 w = allocation.operatorSetWeight(op);
        if (w < minimumWeight) w = 0;
        if (!has(Flags.M2_PATH)) return w;
        uint256 m2 = m2Weight(op);
        if (m2 < minimumWeight) m2 = 0;
        if (has(Flags.NO_DOUBLE_COUNT)) return allocation.isMember(op) ? w : m2;
        return w + m2;
    }

    /// The M2 quorum weight `Σ_s shares(op,s) · multiplier_s / 10 000`, summed before the one
    /// floor division, as EigenLayer's ECDSA stake registry computes it.
    function m2Weight(address op) public view returns (uint256 w) {
        StrategyParams[] storage q = quorum.strategies;
        for (uint256 i = 0; i < q.length; i++) {
            w += allocation.shares(op, q[i].strategy) * q[i].multiplier;
        }
        w /= BPS;
    }

    // ---- reads (read rule, Q1) ------------------------------------------------------------------

    /// Index + 1 of the last epoch in `list` that is ≤ e (0 when none).
    function lastAtOrBefore(uint32[] storage list, uint32 e) internal view returns (uint256) {
        uint256 i = list.length;
        while (i > 0 && list[i - 1] > e) i--;
        return i;
    }

    function weightAt(uint32 e, address op) internal view returns (uint256) {
        if (!has(Flags.CARRY_FORWARD)) return weightSlot[e][op];
        uint256 i = lastAtOrBefore(weightEpochs[op], e);
        return i == 0 ? 0 : weightSlot[weightEpochs[op][i - 1]][op];
    }

    function keyAt(uint32 e, address op) internal view returns (address) {
        if (!has(Flags.CARRY_FORWARD)) return keySlot[e][op];
        uint256 i = lastAtOrBefore(keyEpochs[op], e);
        return i == 0 ? address(0) : keySlot[keyEpochs[op][i - 1]][op];
    }

    function thresholdAt(uint32 e) internal view returns (uint256) {
        if (!has(Flags.CARRY_FORWARD)) return thresholdSlot[e];
        uint256 i = lastAtOrBefore(thresholdEpochs, e);
        return i == 0 ? 0 : thresholdSlot[thresholdEpochs[i - 1]];
    }

    function getOperatorWeightAtEpoch(address op, uint32 e) external view returns (uint256) {
        return weightAt(e, op);
    }

    function getOperatorSigningKeyAtEpoch(address op, uint32 e) external view returns (address) {
        return keyAt(e, op);
    }

    function getThresholdWeightAtEpoch(uint32 e) external view returns (uint256) {
        return thresholdAt(e);
    }

    function getOperatorBySigningKey(address k) external view returns (address) {
        return keyToOperator[k];
    }

    function getOperators() external view returns (address[] memory) {
        return everRegistered;
    }

    // ---- ERC-1271 -------------------------------------------------------------------------------

    function isValidSignature(bytes32 digest, bytes calldata sigData) external view returns (bytes4) {
        (address[] memory ops, bytes[] memory sigs, uint32 ref) = abi.decode(sigData, (address[], bytes[], uint32));
        uint32 cur = epochManager.getCurrentEpoch();
        if (ref > cur) revert InvalidEpoch();
        if (maxEpochStaleness != 0 && cur - ref > maxEpochStaleness) revert StaleEpoch();
        if (ops.length != sigs.length) revert LengthMismatch();
        if (ops.length == 0) revert InvalidLength();
        address last = address(0);
        uint256 signed = 0;
        bool contractKeys = has(Flags.CONTRACT_KEYS);
        for (uint256 i = 0; i < ops.length; i++) {
            address k = keyAt(ref, ops[i]);
            if (!(last < ops[i])) revert NotSorted();
            if (!SigCheck.validWith(k, digest, sigs[i], contractKeys)) revert InvalidSignature();
            last = ops[i];
            signed += weightAt(ref, ops[i]);
        }
        uint256 t = thresholdAt(ref);
        if (t > signed) revert InsufficientSignedStake();
        if (has(Flags.REQUIRE_NONZERO_THRESHOLD) && t == 0) revert ZeroThreshold();
        return ERC1271_MAGIC;
    }
}

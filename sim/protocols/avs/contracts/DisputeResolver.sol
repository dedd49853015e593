// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";

interface IKeys {
    function getOperatorBySigningKey(address k) external view returns (address);
    function getOperatorSigningKeyAtEpoch(address op, uint32 e) external view returns (address);
}

interface ISlasher {
    struct SlashingParams {
        address operator;
        uint32 operatorSetId;
        address[] strategies;
        uint256[] wadsToSlash;
        string description;
    }

    function slashOperator(address avs, SlashingParams calldata p) external;
    function getStrategies() external view returns (address[] memory);
}

interface IVerifiedStates {
    function getVerifiedState(uint256 chainId, address user, uint256 key, uint256 n)
        external
        view
        returns (uint256 value, bool exist);
}

/// @title DisputeResolver (the seed's StateDisputeResolver)
/// @notice Challenges of signed wrong states: a bonded submission naming the signers, resolution
/// against the verified true value, slashing of every named signer on success.
contract DisputeResolver {
    uint256 public constant BOND = 1 ether;
    uint256 public constant MAX_SIGNATURES = 50;
    bytes32 public constant STATE_TYPEHASH = keccak256(
        "State(address user,uint32 chainId,uint64 blockNumber,uint48 timestamp,uint256 key,uint256 value)"
    );
    uint256 public constant UNVERIFIED = type(uint256).max;

    struct State {
        address user;
        uint32 chainId;
        uint64 blockNumber;
        uint48 timestamp;
        uint256 key;
        uint256 value;
    }

    struct Challenge {
        bool exists;
        bool resolved;
        uint256 deadline;
        State state;
        uint256 actual;
        address[] operators;
        address[] challengers;
    }

    address public owner;
    address public challengeSubmitter;
    IKeys public immutable registry;
    ISlasher public immutable allocation;
    IVerifiedStates public immutable verifier;
    uint256 public immutable flags;
    uint256 public immutable slashWad;
    uint256 public immutable deadlineBlocks;
    uint32 public immutable operatorSetId;
    bytes32 public immutable DOMAIN_SEPARATOR;

    mapping(bytes32 => Challenge) internal challenges;
    mapping(bytes32 => mapping(address => bool)) public named;
    mapping(address => uint256) public credits;
    uint256 public openBonds;
    uint256 public totalCredits;
    uint256 public trapped;
    uint256 public treasury;

    event ChallengeSubmitted(bytes32 indexed challengeId, address indexed challenger);
    event ChallengeResolved(bytes32 indexed challengeId, bool success);
    event SlashingFailed(bytes32 indexed challengeId, address indexed operator);
    event BondClaimed(address indexed challenger, uint256 amount);

    error NotOwner();
    error NotChallengeSubmitter();
    error InsufficientBond();
    error InvalidLength();
    error InvalidSignature();
    error InvalidOperator();
    error DuplicateOperator();
    error ChallengeAlreadyExists();
    error AlreadyChallenged();
    error ChallengeAlreadyResolved();
    error ChallengeNotFound();
    error AlreadyResolved();
    error ChallengePeriodClosed();
    error StateNotVerified();
    error NothingToClaim();
    error TransferFailed();

    constructor(
        address registry_,
        address allocation_,
        address verifier_,
        uint256 flags_,
        uint256 slashWad_,
        uint256 deadlineBlocks_,
        uint32 setId
    ) {
        owner = msg.sender;
        registry = IKeys(registry_);
        allocation = ISlasher(allocation_);
        verifier = IVerifiedStates(verifier_);
        flags = flags_;
        slashWad = slashWad_;
        deadlineBlocks = deadlineBlocks_;
        operatorSetId = setId;
        DOMAIN_SEPARATOR = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("SpottedStateResolver"),
                keccak256("v1"),
                block.chainid,
                address(this)
            )
        );
    }

    function has(uint256 f) internal view returns (bool) {
        return flags & f != 0;
    }

    function setChallengeSubmitter(address s) external {
        if (msg.sender != owner) revert NotOwner();
        challengeSubmitter = s;
    }

    function getDigest(State calldata s) public view returns (bytes32) {
        bytes32 structHash =
            keccak256(abi.encode(STATE_TYPEHASH, s.user, s.chainId, s.blockNumber, s.timestamp, s.key, s.value));
        return keccak256(abi.encodePacked(hex"1901", DOMAIN_SEPARATOR, structHash));
    }

    /// The seed's id: keccak256(abi.encodePacked(user, chainId, blockNumber, timestamp, key)).
    function getChallengeId(State calldata s) public view returns (bytes32) {
        if (has(Flags.CHALLENGE_ID_INCLUDES_VALUE)) {
            return keccak256(abi.encodePacked(s.user, s.chainId, s.blockNumber, s.timestamp, s.key, s.value));
        }
        return keccak256(abi.encodePacked(s.user, s.chainId, s.blockNumber, s.timestamp, s.key));
    }

    function submitChallenge(State calldata s, address[] calldata operators, bytes[] calldata signatures, uint32 ref)
        external
        payable
    {
        bool open = has(Flags.OPEN_CHALLENGES);
        if (!open && msg.sender != challengeSubmitter) revert NotChallengeSubmitter();
        if (msg.value < BOND) revert InsufficientBond();
        if (operators.length != signatures.length || operators.length == 0) revert InvalidLength();
        if (open && operators.length > MAX_SIGNATURES) revert InvalidLength();
        bytes32 digest = getDigest(s);
        for (uint256 i = 0; i < operators.length; i++) {
            address k = SigCheck.recover(digest, signatures[i]);
            if (k == address(0)) revert InvalidSignature();
            if (operators[i] == address(0)) revert InvalidOperator();
            if (has(Flags.CHALLENGE_KEY_AT_EPOCH)) {
                if (registry.getOperatorSigningKeyAtEpoch(operators[i], ref) != k) revert InvalidOperator();
            } else if (registry.getOperatorBySigningKey(k) != operators[i]) {
                revert InvalidOperator(); // Q9: the global, never-cleared key map
            }
            for (uint256 j = 0; j < i; j++) {
                if (operators[j] == operators[i]) revert DuplicateOperator();
            }
        }
        bytes32 id = getChallengeId(s);
        Challenge storage c = challenges[id];
        if (c.exists && !open) revert ChallengeAlreadyExists();
        if (c.exists && c.resolved && has(Flags.LATE_CHALLENGE_GUARD)) revert ChallengeAlreadyResolved();
        for (uint256 i = 0; i < operators.length; i++) {
            if (named[id][operators[i]]) revert AlreadyChallenged();
        }
        if (!c.exists) {
            c.exists = true;
            c.deadline = block.number + deadlineBlocks;
            c.state = s;
            c.actual = UNVERIFIED;
        }
        for (uint256 i = 0; i < operators.length; i++) {
            named[id][operators[i]] = true;
            c.operators.push(operators[i]);
        }
        c.challengers.push(msg.sender);
        trapped += msg.value - BOND; // Q16: excess stays here
        if (c.resolved) {
            trapped += BOND; // Q7: a submission after resolution can never be resolved
        } else {
            openBonds += BOND;
        }
        emit ChallengeSubmitted(id, msg.sender);
    }

    function resolveChallenge(bytes32 id) external {
        Challenge storage c = challenges[id];
        if (!c.exists) revert ChallengeNotFound();
        if (c.resolved) revert AlreadyResolved();
        if (!has(Flags.NO_CHALLENGE_DEADLINE) && block.number >= c.deadline) revert ChallengePeriodClosed();
        State memory s = c.state;
        (uint256 actual, bool exist) = verifier.getVerifiedState(s.chainId, s.user, s.key, s.blockNumber);
        if (!exist) revert StateNotVerified();
        bool success = s.value != actual;
        uint256 bonds = c.challengers.length * BOND;
        openBonds -= bonds;
        if (success) {
            address[] memory strategies = allocation.getStrategies();
            uint256[] memory wads = new uint256[](strategies.length);
            for (uint256 i = 0; i < wads.length; i++) {
                wads[i] = slashWad;
            }
            for (uint256 i = 0; i < c.operators.length; i++) {
                ISlasher.SlashingParams memory p =
                    ISlasher.SlashingParams(c.operators[i], operatorSetId, strategies, wads, "wrong state");
                if (has(Flags.ISOLATE_SLASH_FAILURES)) {
                    try allocation.slashOperator(address(registry), p) {}
                    catch {
                        emit SlashingFailed(id, c.operators[i]);
                    }
                } else {
                    allocation.slashOperator(address(registry), p); // Q18: one failure reverts all
                }
            }
            if (has(Flags.BOND_TO_CHALLENGER)) {
                for (uint256 i = 0; i < c.challengers.length; i++) {
                    credits[c.challengers[i]] += BOND;
                }
                totalCredits += bonds;
            } else {
                (bool ok,) = msg.sender.call{value: bonds}(""); // Q15: to whoever resolves
                if (!ok) revert TransferFailed();
            }
        } else if (has(Flags.TREASURY_SWEEP)) {
            treasury += bonds;
        } else {
            trapped += bonds; // Q16
        }
        c.resolved = true;
        c.actual = actual;
        emit ChallengeResolved(id, success);
    }

    function claim() external {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToClaim();
        credits[msg.sender] = 0;
        totalCredits -= amount;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
        emit BondClaimed(msg.sender, amount);
    }

    function getChallenge(bytes32 id)
        external
        view
        returns (bool exists, bool resolved, uint256 deadline, uint256 actual, address[] memory operators)
    {
        Challenge storage c = challenges[id];
        return (c.exists, c.resolved, c.deadline, c.actual, c.operators);
    }
}

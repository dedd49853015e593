// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "avs/Common.sol";

interface IHistory {
    struct History {
        uint256 value;
        uint64 blockNumber;
        uint48 timestamp;
    }

    function getHistoryAtBlock(address user, uint256 key, uint256 n) external view returns (History memory);
}

interface IBridgeOut {
    function send(address receiver, uint128 gasLimit, bytes calldata message) external payable returns (bytes32);
    function updateRoute(address sender, bool enabled) external;
}

/// @title RemoteChainVerifier
/// @notice On a source chain: reads a user's history at a block and reports it to the
/// MainChainVerifier over the bridge. Faithful (Q6): the report carries the main chain's id.
contract RemoteChainVerifier {
    uint128 public constant EXECUTE_GAS_LIMIT = 500_000;
    uint256 public constant FEE = 0.01 ether;

    IHistory public immutable stateManager;
    IBridgeOut public immutable bridge;
    address public immutable mainVerifier;
    uint256 public immutable mainChainId;
    uint256 public immutable flags;

    event VerificationProcessed(address indexed user, uint256 indexed key, uint256 blockNumber, uint256 value);

    error FutureBlock();
    error InsufficientFee();

    constructor(address sm, address bridge_, address mainVerifier_, uint256 mainChainId_, uint256 flags_) {
        stateManager = IHistory(sm);
        bridge = IBridgeOut(bridge_);
        mainVerifier = mainVerifier_;
        mainChainId = mainChainId_;
        flags = flags_;
    }

    function verifyState(address user, uint256 key, uint256 n) external payable {
        if (flags & Flags.VERIFY_PAST_BLOCKS_ONLY != 0 ? n >= block.number : n > block.number) revert FutureBlock();
        IHistory.History memory h = stateManager.getHistoryAtBlock(user, key, n);
        uint256 cid = flags & Flags.VERIFIER_USES_SOURCE_CHAIN_ID != 0 ? block.chainid : mainChainId;
        bytes memory message = abi.encode(cid, user, key, n, h.value, true);
        if (msg.value < FEE) revert InsufficientFee();
        bridge.send{value: msg.value}(mainVerifier, EXECUTE_GAS_LIMIT, message);
        emit VerificationProcessed(user, key, n, h.value);
    }
}

/// @title MainChainVerifier
/// @notice On the main chain: records states reported by registered remote verifiers.
contract MainChainVerifier is IMessageHandler {
    struct Verified {
        uint256 value;
        bool exist;
    }

    address public owner;
    uint256 public immutable flags;
    mapping(address => bool) public isBridge;
    mapping(address => bool) public remoteVerifiers;
    mapping(uint256 => mapping(address => mapping(uint256 => mapping(uint256 => Verified)))) internal verified;

    event StateVerified(uint256 indexed chainId, address indexed user, uint256 indexed key, uint256 blockNumber, uint256 value);

    error NotOwner();
    error NotBridge();
    error InvalidSender();

    constructor(uint256 flags_) {
        owner = msg.sender;
        flags = flags_;
    }

    /// Accepts reports of `verifier` delivered by `bridge` (enables the route on the bridge).
    /// The test-only defect `PLANTED_REPORTER_BY_BRIDGE` registers the bridge instead.
    function addRemoteVerifier(address bridge, address verifier) external {
        if (msg.sender != owner) revert NotOwner();
        isBridge[bridge] = true;
        remoteVerifiers[flags & Flags.PLANTED_REPORTER_BY_BRIDGE != 0 ? bridge : verifier] = true;
        IBridgeOut(bridge).updateRoute(verifier, true);
    }

    function handleMessage(address from, bytes calldata message, bytes32) external returns (bytes4) {
        if (!isBridge[msg.sender]) revert NotBridge();
        address reporter = flags & Flags.PLANTED_REPORTER_BY_BRIDGE != 0 ? msg.sender : from;
        if (!remoteVerifiers[reporter]) revert InvalidSender();
        (uint256 cid, address user, uint256 key, uint256 n, uint256 value, bool exist) =
            abi.decode(message, (uint256, address, uint256, uint256, uint256, bool));
        verified[cid][user][key][n] = Verified(value, exist);
        emit StateVerified(cid, user, key, n, value);
        return IMessageHandler.handleMessage.selector;
    }

    function getVerifiedState(uint256 chainId, address user, uint256 key, uint256 n)
        external
        view
        returns (uint256 value, bool exist)
    {
        Verified memory v = verified[chainId][user][key][n];
        return (v.value, v.exist);
    }
}

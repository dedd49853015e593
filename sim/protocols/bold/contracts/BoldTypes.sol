// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice Struct shapes of the BOLD rollup, kept so that ABI decoders of real chain data match.
/// Toy meaning: bytes32Vals = [blockState, 0], u64Vals = [inboxPos, 0].
struct GlobalState {
    bytes32[2] bytes32Vals;
    uint64[2] u64Vals;
}

enum MachineStatus {
    RUNNING,
    FINISHED,
    ERRORED
}

struct AssertionState {
    GlobalState globalState;
    MachineStatus machineStatus;
    bytes32 endHistoryRoot;
}

/// @notice Config governing the children of an assertion; `wasmModuleRoot` is the toy machine seed.
struct ConfigData {
    bytes32 wasmModuleRoot;
    uint256 requiredStake;
    address challengeManager;
    uint64 confirmPeriodBlocks;
    uint64 nextInboxPosition;
}

struct BeforeStateData {
    bytes32 prevPrevAssertionHash;
    bytes32 sequencerBatchAcc;
    ConfigData configData;
}

struct AssertionInputs {
    BeforeStateData beforeStateData;
    AssertionState beforeState;
    AssertionState afterState;
}

struct AssertionStateData {
    AssertionState assertionState;
    bytes32 prevAssertionHash;
    bytes32 inboxAcc;
}

enum AssertionStatus {
    NoAssertion,
    Pending,
    Confirmed
}

/// @notice One node of the assertion tree (keyed by its hash).
struct AssertionNode {
    uint64 firstChildBlock;
    uint64 secondChildBlock;
    uint64 createdAtBlock;
    bool isFirstChild;
    AssertionStatus status;
    bytes32 configHash;
}

enum EdgeStatus {
    Pending,
    Confirmed
}

/// @notice One edge of the challenge graph.
struct ChallengeEdge {
    bytes32 originId;
    bytes32 startHistoryRoot;
    uint256 startHeight;
    bytes32 endHistoryRoot;
    uint256 endHeight;
    bytes32 lowerChildId;
    bytes32 upperChildId;
    bytes32 claimId;
    address staker;
    uint64 createdAtBlock;
    uint64 confirmedAtBlock;
    EdgeStatus status;
    uint8 level;
    bool refunded;
    uint64 totalTimeUnrivaledCache;
}

struct CreateEdgeArgs {
    uint8 level;
    bytes32 endHistoryRoot;
    uint256 endHeight;
    bytes32 claimId;
    bytes prefixProof;
    bytes proof;
}

struct OneStepData {
    bytes32 beforeHash;
    bytes proof;
}

/// @notice The compact history commitment of the spec (§3.8): a hash chain over the leaves.
/// R_0 = keccak(0x00 ‖ x_0); R_h = keccak(R_{h-1} ‖ x_h).
library HistoryCommitment {
    /// Root of a single leaf (height 0).
    function single(bytes32 leaf) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), leaf));
    }

    /// Whether `leaf` is the last leaf of `root` at `height`; the proof is `[]` at height 0,
    /// else `[R_{height-1}]`.
    function isLastLeaf(bytes32 root, uint256 height, bytes32 leaf, bytes32[] memory proof)
        internal
        pure
        returns (bool)
    {
        if (height == 0) return proof.length == 0 && root == single(leaf);
        return proof.length == 1 && root == keccak256(abi.encodePacked(proof[0], leaf));
    }

    /// Whether `prefixRoot` (height `m`) is a prefix of `root` (height `e`); the proof is
    /// `abi.encode(bytes32[] x_{m+1..e})`, folded onto `prefixRoot`.
    function isPrefix(bytes32 prefixRoot, uint256 m, bytes32 root, uint256 e, bytes memory proof)
        internal
        pure
        returns (bool)
    {
        if (e < m) return false;
        bytes32[] memory leaves = abi.decode(proof, (bytes32[]));
        if (leaves.length != e - m) return false;
        bytes32 r = prefixRoot;
        for (uint256 i = 0; i < leaves.length; i++) {
            r = keccak256(abi.encodePacked(r, leaves[i]));
        }
        return r == root;
    }
}

/// @notice What the challenge manager reads from the rollup.
interface IBoldRollup {
    function getAssertion(bytes32 assertionHash) external view returns (AssertionNode memory);
    function isFirstChild(bytes32 assertionHash) external view returns (bool);
    function isPending(bytes32 assertionHash) external view returns (bool);
    function getFirstChildCreationBlock(bytes32 assertionHash) external view returns (uint64);
    function getSecondChildCreationBlock(bytes32 assertionHash) external view returns (uint64);
    function validateAssertionHash(
        bytes32 assertionHash,
        AssertionState calldata state,
        bytes32 prevAssertionHash,
        bytes32 inboxAcc
    ) external view;
    function validateConfig(bytes32 assertionHash, ConfigData calldata configData) external view;
}

/// @notice What the rollup reads from the challenge manager.
interface IEdgeChallengeManager {
    function getEdge(bytes32 edgeId) external view returns (ChallengeEdge memory);
}

/// @notice Minimal ERC-20 surface used for bonds and mini-stakes.
interface IStakeToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

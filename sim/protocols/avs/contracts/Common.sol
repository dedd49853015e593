// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Quirk flags
/// @notice Bit positions of the `flags` word every AVS contract takes in its constructor. A set
/// bit selects the intended behaviour; a clear bit is faithful to the upstream implementation.
library Flags {
    uint256 internal constant CARRY_FORWARD = 1 << 0; // Q1
    uint256 internal constant REQUIRE_NONZERO_THRESHOLD = 1 << 1; // Q2
    uint256 internal constant WEIGHT_REQUIRES_REGISTRATION = 1 << 2; // Q3
    uint256 internal constant KEY_LAST_WRITE_WINS = 1 << 3; // Q10
    uint256 internal constant SNAPSHOT_SEALED_ONLY = 1 << 4; // Q11
    uint256 internal constant SNAPSHOT_ALL_OPERATORS = 1 << 5; // Q11
    uint256 internal constant KEEPER_ONLY = 1 << 6; // Q11
    uint256 internal constant REPLICA_SEQUENCE = 1 << 7; // Q12
    uint256 internal constant REPLICA_FULL_REPLACE = 1 << 8; // Q12
    uint256 internal constant GUID_NONCE = 1 << 9; // Q13
    uint256 internal constant VERIFIER_USES_SOURCE_CHAIN_ID = 1 << 10; // Q6
    uint256 internal constant LATE_CHALLENGE_GUARD = 1 << 11; // Q7
    uint256 internal constant SLASHER_WIRED = 1 << 12; // Q8
    uint256 internal constant CHALLENGE_KEY_AT_EPOCH = 1 << 13; // Q9
    uint256 internal constant CHALLENGE_ID_INCLUDES_VALUE = 1 << 14; // Q14
    uint256 internal constant BOND_TO_CHALLENGER = 1 << 15; // Q15
    uint256 internal constant TREASURY_SWEEP = 1 << 16; // Q16
    uint256 internal constant NO_CHALLENGE_DEADLINE = 1 << 17; // Q17
    uint256 internal constant ISOLATE_SLASH_FAILURES = 1 << 18; // Q18
    uint256 internal constant VERIFY_PAST_BLOCKS_ONLY = 1 << 19; // Q19
    uint256 internal constant OPEN_CHALLENGES = 1 << 20; // mode, not a quirk
    /// A planted bug, not an upstream quirk (set = bug): the replica never writes the weight of
    /// the last operator a snapshot lists. The fuzzer must find it (`--planted`).
    uint256 internal constant PLANTED_OFF_BY_ONE = 1 << 21;
    /// Q4, meaningful with `M2_PATH`: an operator on both paths counts its operator-set weight
    /// only (set = intended); clear = upstream, which adds the M2 and operator-set weights.
    uint256 internal constant NO_DOUBLE_COUNT = 1 << 22;
    /// Mode, not a quirk: the registry also counts the M2 quorum weight
    /// `Σ_s shares(op,s) · multiplier_s / 10 000`.
    uint256 internal constant M2_PATH = 1 << 23;
    /// Mode, not a quirk: registration requires the operator's EIP-712 directory signature with
    /// salt and expiry.
    uint256 internal constant DIRECTORY_SIG = 1 << 24;
    /// Set = upstream: a signing key that is a contract may answer ERC-1271 `isValidSignature`
    /// for its operator. Off in both profiles, as the spec says (our operators use EOA keys).
    uint256 internal constant CONTRACT_KEYS = 1 << 25;
    /// Test-only defect (set = bug): the replica's receiver never rejects a processed guid, so a
    /// duplicated delivery applies twice. Shows `avs.message_integrity` can fail.
    uint256 internal constant PLANTED_GUID_REPLAY = 1 << 26;
    /// Test-only defect (set = bug): the MainChainVerifier registers and checks the bridge
    /// instead of the remote verifier, so reports from unregistered senders are taken.
    uint256 internal constant PLANTED_REPORTER_BY_BRIDGE = 1 << 27;
    /// Test-only defect (set = bug): the EpochManager ignores the grace period, so a write in
    /// grace lands in the sealed next epoch. Shows `avs.epoch_immutability` can fail.
    uint256 internal constant PLANTED_NO_GRACE = 1 << 28;
}

/// @title ECDSA check of operator signatures
/// @notice `r ‖ s ‖ v`, 65 bytes, v ∈ {27, 28}, low s, raw digest (no eth_sign prefix).
library SigCheck {
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// The signer of `digest`, or address(0) when the signature is malformed or high-s.
    function recover(bytes32 digest, bytes memory sig) internal pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
        if (v != 27 && v != 28) return address(0);
        if (uint256(s) > HALF_N) return address(0);
        return ecrecover(digest, v, r, s);
    }

    /// `key ≠ 0` and `sig` recovers to `key`.
    function valid(address key, bytes32 digest, bytes memory sig) internal pure returns (bool) {
        if (key == address(0)) return false;
        return recover(digest, sig) == key;
    }

    /// `valid`, and with `contractKeys` (upstream's signature checker) also a key that answers
    /// ERC-1271 `isValidSignature(digest, sig)` with the magic value: the ECDSA check runs
    /// first, then a static call to the key (an account without code never answers).
    function validWith(address key, bytes32 digest, bytes memory sig, bool contractKeys)
        internal
        view
        returns (bool)
    {
        if (valid(key, digest, sig)) return true;
        if (!contractKeys || key == address(0)) return false;
        return erc1271(key, digest, sig);
    }

    /// `signer.isValidSignature(digest, sig)` returned at least 32 bytes starting with the magic.
    function erc1271(address signer, bytes32 digest, bytes memory sig) internal view returns (bool) {
        (bool ok, bytes memory ret) = signer.staticcall(abi.encodeWithSelector(ERC1271_MAGIC, digest, sig));
        return ok && ret.length >= 32 && abi.decode(ret, (bytes32)) == bytes32(ERC1271_MAGIC);
    }
}

// The ERC-1271 magic value.
bytes4 constant ERC1271_MAGIC = 0x1626ba7e;

/// A receiver of bridged messages.
interface IMessageHandler {
    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4);
}

//! Byte layouts of the spec: the task / challenge id (§7.1), the EIP-712 digest operators sign
//! (§6), the `sigData` of a proof (§4), and a model of `isValidSignature` that invariants use to
//! recompute every verdict.

use crate::engine::keys::{recover, Signature};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;

/// The state a proof attests to: `user`'s value for `key` at block `block_number` of `chain_id`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct State {
    pub user: Address,
    pub chain_id: u32,
    pub block_number: u64,
    pub timestamp: u64,
    pub key: U256,
    pub value: U256,
}

/// `keccak256(abi.encodePacked(user, uint32 chainId, uint64 blockNumber, uint48 timestamp,
/// uint256 key))`: 20 ‖ 4 ‖ 8 ‖ 6 ‖ 32 = 70 bytes. The value is not included (Q14).
pub fn challenge_id(s: &State) -> B256 {
    keccak256(challenge_id_preimage(s))
}

/// The 70-byte packed preimage of [`challenge_id`].
pub fn challenge_id_preimage(s: &State) -> Vec<u8> {
    let mut out = Vec::with_capacity(70);
    out.extend_from_slice(s.user.as_slice());
    out.extend_from_slice(&s.chain_id.to_be_bytes());
    out.extend_from_slice(&s.block_number.to_be_bytes());
    out.extend_from_slice(&s.timestamp.to_be_bytes()[2..]);
    out.extend_from_slice(&s.key.to_be_bytes::<32>());
    out
}

/// `challengeId` with the value appended (intended flag `challenge_id_includes_value`).
pub fn challenge_id_with_value(s: &State) -> B256 {
    let mut pre = challenge_id_preimage(s);
    pre.extend_from_slice(&s.value.to_be_bytes::<32>());
    keccak256(pre)
}

pub const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
pub const STATE_TYPE: &str =
    "State(address user,uint32 chainId,uint64 blockNumber,uint48 timestamp,uint256 key,uint256 value)";
pub const DOMAIN_NAME: &str = "SpottedStateResolver";
pub const DOMAIN_VERSION: &str = "v1";

/// The EIP-712 domain separator: name "SpottedStateResolver", version "v1", the main chain's id,
/// the DisputeResolver on the main chain.
pub fn domain_separator(main_chain_id: u64, resolver: Address) -> B256 {
    keccak256(
        (
            keccak256(DOMAIN_TYPE),
            keccak256(DOMAIN_NAME),
            keccak256(DOMAIN_VERSION),
            U256::from(main_chain_id),
            resolver,
        )
            .abi_encode(),
    )
}

/// `keccak256(abi.encode(STATE_TYPEHASH, user, chainId, blockNumber, timestamp, key, value))`.
pub fn struct_hash(s: &State) -> B256 {
    keccak256(
        (
            keccak256(STATE_TYPE),
            s.user,
            U256::from(s.chain_id),
            U256::from(s.block_number),
            U256::from(s.timestamp),
            s.key,
            s.value,
        )
            .abi_encode(),
    )
}

/// `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash)`.
pub fn digest(domain: B256, s: &State) -> B256 {
    let mut pre = Vec::with_capacity(66);
    pre.extend_from_slice(&[0x19, 0x01]);
    pre.extend_from_slice(domain.as_slice());
    pre.extend_from_slice(struct_hash(s).as_slice());
    keccak256(pre)
}

/// `abi.encode(address[] operators, bytes[] signatures, uint32 ref)`.
pub fn encode_sig_data(ops: &[Address], sigs: &[Bytes], reference: u32) -> Bytes {
    (ops.to_vec(), sigs.to_vec(), reference)
        .abi_encode_params()
        .into()
}

/// Decodes `sigData`; `None` where the contract's `abi.decode` reverts.
pub fn decode_sig_data(data: &[u8]) -> Option<(Vec<Address>, Vec<Bytes>, u32)> {
    <(Vec<Address>, Vec<Bytes>, u32)>::abi_decode_params(data).ok()
}

const HALF_N: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0"
));

/// `valid(k, d, sig)` of §4: non-zero key, 65 bytes, v ∈ {27, 28}, low s, ecrecover == k.
pub fn signature_valid(key: Address, digest: B256, sig: &[u8]) -> bool {
    if key == Address::ZERO || sig.len() != 65 {
        return false;
    }
    if sig[64] != 27 && sig[64] != 28 {
        return false;
    }
    if U256::from_be_slice(&sig[32..64]) > HALF_N {
        return false;
    }
    let mut raw = [0u8; 65];
    raw.copy_from_slice(sig);
    recover(digest, &Signature(raw)) == Some(key)
}

/// Per-epoch registry data as a verifier reads it.
pub trait RegistryData {
    fn key(&mut self, epoch: u32, op: Address) -> Address;
    fn weight(&mut self, epoch: u32, op: Address) -> U256;
    fn threshold(&mut self, epoch: u32) -> U256;
    /// The ERC-1271 answer of a contract signing key (flag `contract_keys`): whether
    /// `key.isValidSignature(digest, sig)` returns at least 32 bytes starting with the magic
    /// value. A contract's logic is its own, so the model asks the chain; the default has no
    /// contract keys.
    fn contract_signature(&mut self, _key: Address, _digest: B256, _sig: &[u8]) -> bool {
        false
    }
}

/// The calldata of `isValidSignature(bytes32, bytes)` and whether its return data is the
/// ERC-1271 magic value, as upstream's signature checker judges it (at least 32 bytes, the
/// first word `0x1626ba7e` left-aligned).
pub fn erc1271_call(digest: B256, sig: &[u8]) -> Bytes {
    let mut data = ERC1271_MAGIC.to_vec();
    data.extend((digest, Bytes::copy_from_slice(sig)).abi_encode_params());
    data.into()
}

/// See [`erc1271_call`].
pub fn erc1271_answer_valid(ret: &[u8]) -> bool {
    ret.len() >= 32 && ret[..4] == ERC1271_MAGIC && ret[4..32].iter().all(|b| *b == 0)
}

/// The ERC-1271 magic value (`isValidSignature(bytes32,bytes)` selector).
pub const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// EigenLayer's EIP-712 domain type (no version), used by the directory signature.
pub const EIGENLAYER_DOMAIN_TYPE: &str =
    "EIP712Domain(string name,uint256 chainId,address verifyingContract)";
/// The directory signature's struct type.
pub const OPERATOR_AVS_REGISTRATION_TYPE: &str =
    "OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)";

/// The digest an operator signs to register with flag `directory_sig`:
/// `keccak256(0x19 ‖ 0x01 ‖ keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("EigenLayer"),
/// chainId, directory)) ‖ keccak256(abi.encode(TYPEHASH, operator, avs, salt, expiry)))`, with
/// AllocationManagerLite as the directory and the StakeRegistry as the AVS.
pub fn directory_digest(
    chain_id: u64,
    directory: Address,
    operator: Address,
    avs: Address,
    salt: B256,
    expiry: U256,
) -> B256 {
    let domain = keccak256(
        (
            keccak256(EIGENLAYER_DOMAIN_TYPE),
            keccak256("EigenLayer"),
            U256::from(chain_id),
            directory,
        )
            .abi_encode(),
    );
    let structure = keccak256(
        (
            keccak256(OPERATOR_AVS_REGISTRATION_TYPE),
            operator,
            avs,
            salt,
            expiry,
        )
            .abi_encode(),
    );
    let mut pre = Vec::with_capacity(66);
    pre.extend_from_slice(&[0x19, 0x01]);
    pre.extend_from_slice(domain.as_slice());
    pre.extend_from_slice(structure.as_slice());
    keccak256(pre)
}

/// Epoch rules that apply only on the main chain.
#[derive(Clone, Copy, Debug)]
pub struct MainRules {
    pub current_epoch: u32,
    /// 0 = no bound (faithful).
    pub max_staleness: u32,
}

/// Why a proof is rejected, named as the contracts' custom errors.
pub type Rejection = &'static str;

/// Custom errors `isValidSignature` reverts with, on M and on replicas.
pub const SIGNATURE_ERRORS: &[&str] = &[
    "InvalidEpoch",
    "StaleEpoch",
    "LengthMismatch",
    "InvalidLength",
    "NotSorted",
    "InvalidSignature",
    "InsufficientSignedStake",
    "ZeroThreshold",
];

/// The name of a parameterless custom error from its revert data, if it is one of `names`.
pub fn error_name(data: &[u8], names: &[&'static str]) -> Option<&'static str> {
    names
        .iter()
        .copied()
        .find(|e| data.len() >= 4 && keccak256(format!("{e}()"))[..4] == data[..4])
}

/// The spec's `isValidSignature` (§4), step by step, on `data`, with EOA keys only. `Ok` =
/// magic value.
pub fn model_is_valid(
    data: &mut dyn RegistryData,
    digest: B256,
    sig_data: &[u8],
    main: Option<MainRules>,
    require_nonzero_threshold: bool,
) -> Result<(), Rejection> {
    model_is_valid_with(
        data,
        digest,
        sig_data,
        main,
        require_nonzero_threshold,
        false,
    )
}

/// [`model_is_valid`], and with `contract_keys` a signature is also valid when the key is a
/// contract answering ERC-1271 with the magic value (checked after the ECDSA recovery fails).
pub fn model_is_valid_with(
    data: &mut dyn RegistryData,
    digest: B256,
    sig_data: &[u8],
    main: Option<MainRules>,
    require_nonzero_threshold: bool,
    contract_keys: bool,
) -> Result<(), Rejection> {
    let (ops, sigs, reference) = decode_sig_data(sig_data).ok_or("decode")?;
    if let Some(m) = main {
        if reference > m.current_epoch {
            return Err("InvalidEpoch");
        }
        if m.max_staleness != 0 && m.current_epoch - reference > m.max_staleness {
            return Err("StaleEpoch");
        }
    }
    if ops.len() != sigs.len() {
        return Err("LengthMismatch");
    }
    if ops.is_empty() {
        return Err("InvalidLength");
    }
    let mut last = Address::ZERO;
    let mut signed = U256::ZERO;
    for (op, sig) in ops.iter().zip(&sigs) {
        let key = data.key(reference, *op);
        if last >= *op {
            return Err("NotSorted");
        }
        let valid = signature_valid(key, digest, sig)
            || (contract_keys && key != Address::ZERO && data.contract_signature(key, digest, sig));
        if !valid {
            return Err("InvalidSignature");
        }
        last = *op;
        signed += data.weight(reference, *op);
    }
    let threshold = data.threshold(reference);
    if threshold > signed {
        return Err("InsufficientSignedStake");
    }
    if require_nonzero_threshold && threshold.is_zero() {
        return Err("ZeroThreshold");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, hex};

    fn sample() -> State {
        State {
            user: address!("00112233445566778899aabbccddeeff00112233"),
            chain_id: 0x0102_0304,
            block_number: 0x0a0b_0c0d_0e0f_1011,
            timestamp: 0x0000_6655_4433_2211,
            key: U256::from(0x42u64),
            value: U256::from(7u64),
        }
    }

    /// The packed layout, written out byte by byte.
    #[test]
    fn challenge_id_packing_by_hand() {
        let s = sample();
        let expected = hex!(
            "00112233445566778899aabbccddeeff00112233" // user, 20 bytes
            "01020304"                                 // uint32 chainId
            "0a0b0c0d0e0f1011"                         // uint64 blockNumber
            "665544332211"                             // uint48 timestamp
            "0000000000000000000000000000000000000000000000000000000000000042" // uint256 key
        );
        assert_eq!(challenge_id_preimage(&s), expected.to_vec());
        assert_eq!(challenge_id(&s), keccak256(expected));
        // The value does not enter the id (Q14); the intended variant appends it.
        let mut t = s.clone();
        t.value = U256::from(8u64);
        assert_eq!(challenge_id(&s), challenge_id(&t));
        assert_ne!(challenge_id_with_value(&s), challenge_id_with_value(&t));
    }

    /// A known keccak value of the packed id, computed independently.
    #[test]
    fn challenge_id_known_vector() {
        let s = State {
            user: Address::ZERO,
            chain_id: 1,
            block_number: 2,
            timestamp: 3,
            key: U256::from(4u64),
            value: U256::ZERO,
        };
        let mut pre = [0u8; 70];
        pre[23] = 1;
        pre[31] = 2;
        pre[37] = 3;
        pre[69] = 4;
        assert_eq!(challenge_id(&s), keccak256(pre));
        assert_eq!(challenge_id_preimage(&s).len(), 70);
    }

    #[test]
    fn digest_layout() {
        let s = sample();
        let resolver = address!("00000000000000000000000000000000000000aa");
        let domain = domain_separator(1, resolver);
        let mut enc = Vec::new();
        enc.extend_from_slice(keccak256(DOMAIN_TYPE).as_slice());
        enc.extend_from_slice(keccak256("SpottedStateResolver").as_slice());
        enc.extend_from_slice(keccak256("v1").as_slice());
        enc.extend_from_slice(&U256::from(1u64).to_be_bytes::<32>());
        enc.extend_from_slice(B256::left_padding_from(resolver.as_slice()).as_slice());
        assert_eq!(domain, keccak256(&enc));
        let sh = struct_hash(&s);
        let mut pre = vec![0x19, 0x01];
        pre.extend_from_slice(domain.as_slice());
        pre.extend_from_slice(sh.as_slice());
        assert_eq!(digest(domain, &s), keccak256(pre));
    }
}

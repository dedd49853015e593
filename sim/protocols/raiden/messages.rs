//! Signed messages of the channel protocol, byte for byte as in specs/raiden.md §4: the balance
//! proof (H212), the counter-signature (H277), the monitoring-service reward proof (221 bytes),
//! the withdraw message (200 bytes), the balance hash, and the off-chain envelopes participants
//! and services exchange.

use crate::engine::keys::{recover, Key, Signature};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};

/// Message type ids of the Raiden contracts.
pub const TYPE_BALANCE_PROOF: u64 = 1;
pub const TYPE_BALANCE_PROOF_UPDATE: u64 = 2;
/// Withdraw, also used twice by a cooperative settle (the current contracts sign no separate
/// type-4 message).
pub const TYPE_WITHDRAW: u64 = 3;
pub const TYPE_MS_REWARD: u64 = 6;

alloy_sol_types::sol! {
    /// A balance proof as participants send it to each other: the signed fields plus the
    /// balance-hash preimage the receiver needs to settle.
    #[derive(Debug, PartialEq)]
    struct BalanceProofMsg {
        address token_network;
        uint256 chain_id;
        uint256 channel_identifier;
        uint256 transferred_amount;
        uint256 locked_amount;
        bytes32 locksroot;
        uint256 nonce;
        bytes32 additional_hash;
        bytes signature;
    }

    /// A monitor request: the partner's balance proof, the non-closer's type-2
    /// counter-signature, the reward and the reward proof.
    #[derive(Debug, PartialEq)]
    struct MonitorRequestMsg {
        BalanceProofMsg balance_proof;
        address non_closing_participant;
        bytes non_closing_signature;
        uint256 reward_amount;
        bytes reward_proof_signature;
    }
}

/// `keccak256(transferred_amount ‖ locked_amount ‖ locksroot)`.
pub fn balance_hash(transferred: U256, locked: U256, locksroot: B256) -> B256 {
    let mut buf = Vec::with_capacity(96);
    buf.extend_from_slice(&transferred.to_be_bytes::<32>());
    buf.extend_from_slice(&locked.to_be_bytes::<32>());
    buf.extend_from_slice(locksroot.as_slice());
    keccak256(buf)
}

/// `keccak256("")`: the locksroot of a balance proof without pending locks.
pub fn empty_locksroot() -> B256 {
    keccak256([])
}

/// The 212-byte balance-proof payload.
pub fn pack_balance_proof(
    token_network: Address,
    chain_id: U256,
    channel_identifier: U256,
    balance_hash: B256,
    nonce: U256,
    additional_hash: B256,
) -> Vec<u8> {
    pack_signed_fields(
        token_network,
        chain_id,
        U256::from(TYPE_BALANCE_PROOF),
        channel_identifier,
        balance_hash,
        nonce,
        additional_hash,
    )
}

#[allow(clippy::too_many_arguments)]
fn pack_signed_fields(
    token_network: Address,
    chain_id: U256,
    message_type: U256,
    channel_identifier: U256,
    balance_hash: B256,
    nonce: U256,
    additional_hash: B256,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(277);
    buf.extend_from_slice(token_network.as_slice());
    buf.extend_from_slice(&chain_id.to_be_bytes::<32>());
    buf.extend_from_slice(&message_type.to_be_bytes::<32>());
    buf.extend_from_slice(&channel_identifier.to_be_bytes::<32>());
    buf.extend_from_slice(balance_hash.as_slice());
    buf.extend_from_slice(&nonce.to_be_bytes::<32>());
    buf.extend_from_slice(additional_hash.as_slice());
    buf
}

/// The counter-signature payload: the seven fields (with `message_type` 1 or 2) and the
/// countersigned signature as given (65 bytes, or anything in a nonce-0 close).
#[allow(clippy::too_many_arguments)]
pub fn pack_counter_signature(
    token_network: Address,
    chain_id: U256,
    message_type: u64,
    channel_identifier: U256,
    balance_hash: B256,
    nonce: U256,
    additional_hash: B256,
    signature: &[u8],
) -> Vec<u8> {
    let mut buf = pack_signed_fields(
        token_network,
        chain_id,
        U256::from(message_type),
        channel_identifier,
        balance_hash,
        nonce,
        additional_hash,
    );
    buf.extend_from_slice(signature);
    buf
}

/// The 221-byte reward-proof payload.
pub fn pack_reward_proof(
    monitoring_service_contract: Address,
    chain_id: U256,
    token_network: Address,
    non_closing_participant: Address,
    non_closing_signature: &[u8],
    reward_amount: U256,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(221);
    buf.extend_from_slice(monitoring_service_contract.as_slice());
    buf.extend_from_slice(&chain_id.to_be_bytes::<32>());
    buf.extend_from_slice(&U256::from(TYPE_MS_REWARD).to_be_bytes::<32>());
    buf.extend_from_slice(token_network.as_slice());
    buf.extend_from_slice(non_closing_participant.as_slice());
    buf.extend_from_slice(non_closing_signature);
    buf.extend_from_slice(&reward_amount.to_be_bytes::<32>());
    buf
}

/// The 200-byte withdraw payload both participants sign.
pub fn pack_withdraw(
    token_network: Address,
    chain_id: U256,
    channel_identifier: U256,
    participant: Address,
    total_withdraw: U256,
    withdrawable_until: U256,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(200);
    buf.extend_from_slice(token_network.as_slice());
    buf.extend_from_slice(&chain_id.to_be_bytes::<32>());
    buf.extend_from_slice(&U256::from(TYPE_WITHDRAW).to_be_bytes::<32>());
    buf.extend_from_slice(&channel_identifier.to_be_bytes::<32>());
    buf.extend_from_slice(participant.as_slice());
    buf.extend_from_slice(&total_withdraw.to_be_bytes::<32>());
    buf.extend_from_slice(&withdrawable_until.to_be_bytes::<32>());
    buf
}

/// `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ payload)` with the given decimal length
/// literal (H277 keeps "277" whatever the payload length).
pub fn prefixed_digest(len_literal: &str, payload: &[u8]) -> B256 {
    let mut buf = Vec::with_capacity(payload.len() + 32);
    buf.extend_from_slice(b"\x19Ethereum Signed Message:\n");
    buf.extend_from_slice(len_literal.as_bytes());
    buf.extend_from_slice(payload);
    keccak256(buf)
}

/// The context every signature of one token network is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Domain {
    pub token_network: Address,
    pub chain_id: U256,
    pub monitoring_service_contract: Address,
}

impl Domain {
    /// H212 of a balance proof.
    pub fn balance_proof_digest(
        &self,
        channel: U256,
        balance_hash: B256,
        nonce: U256,
        additional_hash: B256,
    ) -> B256 {
        prefixed_digest(
            "212",
            &pack_balance_proof(
                self.token_network,
                self.chain_id,
                channel,
                balance_hash,
                nonce,
                additional_hash,
            ),
        )
    }

    /// H277 of a counter-signature of `message_type` over `signature`.
    pub fn counter_signature_digest(
        &self,
        message_type: u64,
        channel: U256,
        balance_hash: B256,
        nonce: U256,
        additional_hash: B256,
        signature: &[u8],
    ) -> B256 {
        prefixed_digest(
            "277",
            &pack_counter_signature(
                self.token_network,
                self.chain_id,
                message_type,
                channel,
                balance_hash,
                nonce,
                additional_hash,
                signature,
            ),
        )
    }

    /// Digest of the reward proof.
    pub fn reward_proof_digest(
        &self,
        non_closing: Address,
        non_closing_signature: &[u8],
        reward: U256,
    ) -> B256 {
        prefixed_digest(
            "221",
            &pack_reward_proof(
                self.monitoring_service_contract,
                self.chain_id,
                self.token_network,
                non_closing,
                non_closing_signature,
                reward,
            ),
        )
    }

    /// Digest of the withdraw message of `participant` raising its total to `total_withdraw`.
    pub fn withdraw_digest(
        &self,
        channel: U256,
        participant: Address,
        total_withdraw: U256,
        withdrawable_until: U256,
    ) -> B256 {
        prefixed_digest(
            "200",
            &pack_withdraw(
                self.token_network,
                self.chain_id,
                channel,
                participant,
                total_withdraw,
                withdrawable_until,
            ),
        )
    }

    /// `key`'s signature of a withdraw message (the participant's or its partner's).
    pub fn sign_withdraw(
        &self,
        key: &Key,
        channel: U256,
        participant: Address,
        total_withdraw: U256,
        withdrawable_until: U256,
    ) -> Bytes {
        key.sign_hash(self.withdraw_digest(
            channel,
            participant,
            total_withdraw,
            withdrawable_until,
        ))
        .to_bytes()
    }

    /// Signs a new balance proof for `channel`.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_balance_proof(
        &self,
        key: &Key,
        channel: U256,
        transferred: U256,
        locked: U256,
        locksroot: B256,
        nonce: U256,
        additional_hash: B256,
    ) -> BalanceProofMsg {
        let bh = balance_hash(transferred, locked, locksroot);
        let sig = key.sign_hash(self.balance_proof_digest(channel, bh, nonce, additional_hash));
        BalanceProofMsg {
            token_network: self.token_network,
            chain_id: self.chain_id,
            channel_identifier: channel,
            transferred_amount: transferred,
            locked_amount: locked,
            locksroot,
            nonce,
            additional_hash,
            signature: sig.to_bytes(),
        }
    }

    /// The counter-signature of `message_type` by `key` over `bp`.
    pub fn countersign(&self, key: &Key, message_type: u64, bp: &BalanceProofMsg) -> Bytes {
        let digest = self.counter_signature_digest(
            message_type,
            bp.channel_identifier,
            bp.balance_hash(),
            bp.nonce,
            bp.additional_hash,
            &bp.signature,
        );
        key.sign_hash(digest).to_bytes()
    }

    /// The signer of a balance proof, if its signature recovers and it belongs to this domain.
    pub fn balance_proof_signer(&self, bp: &BalanceProofMsg) -> Option<Address> {
        if bp.token_network != self.token_network || bp.chain_id != self.chain_id {
            return None;
        }
        let digest = self.balance_proof_digest(
            bp.channel_identifier,
            bp.balance_hash(),
            bp.nonce,
            bp.additional_hash,
        );
        recover_bytes(digest, &bp.signature)
    }

    /// Builds a monitor request for `bp` (the partner's balance proof) signed by `key`, the
    /// non-closing participant.
    pub fn monitor_request(
        &self,
        key: &Key,
        bp: &BalanceProofMsg,
        reward: U256,
    ) -> MonitorRequestMsg {
        let non_closing_signature = self.countersign(key, TYPE_BALANCE_PROOF_UPDATE, bp);
        let reward_digest = self.reward_proof_digest(key.address(), &non_closing_signature, reward);
        MonitorRequestMsg {
            balance_proof: bp.clone(),
            non_closing_participant: key.address(),
            non_closing_signature,
            reward_amount: reward,
            reward_proof_signature: key.sign_hash(reward_digest).to_bytes(),
        }
    }

    /// The three signers of a monitor request: (BP signer, non-closing signer, reward signer).
    pub fn monitor_request_signers(
        &self,
        mr: &MonitorRequestMsg,
    ) -> Option<(Address, Address, Address)> {
        let bp = &mr.balance_proof;
        let bp_signer = self.balance_proof_signer(bp)?;
        let nc_digest = self.counter_signature_digest(
            TYPE_BALANCE_PROOF_UPDATE,
            bp.channel_identifier,
            bp.balance_hash(),
            bp.nonce,
            bp.additional_hash,
            &bp.signature,
        );
        let nc_signer = recover_bytes(nc_digest, &mr.non_closing_signature)?;
        let reward_digest = self.reward_proof_digest(
            mr.non_closing_participant,
            &mr.non_closing_signature,
            mr.reward_amount,
        );
        let reward_signer = recover_bytes(reward_digest, &mr.reward_proof_signature)?;
        Some((bp_signer, nc_signer, reward_signer))
    }
}

impl BalanceProofMsg {
    pub fn balance_hash(&self) -> B256 {
        balance_hash(self.transferred_amount, self.locked_amount, self.locksroot)
    }
}

/// Recovers the signer of a 65-byte signature (v ∈ {0,1,27,28}), as the contracts do.
pub fn recover_bytes(digest: B256, sig: &[u8]) -> Option<Address> {
    if sig.len() != 65 {
        return None;
    }
    let mut raw = [0u8; 65];
    raw.copy_from_slice(sig);
    if raw[64] < 27 {
        raw[64] += 27;
    }
    recover(digest, &Signature(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::seed::SeedTree;
    use alloy_primitives::{address, b256, hex};

    fn domain() -> Domain {
        Domain {
            token_network: address!("1111111111111111111111111111111111111111"),
            chain_id: U256::from(337u64),
            monitoring_service_contract: address!("2222222222222222222222222222222222222222"),
        }
    }

    fn word(v: u64) -> [u8; 32] {
        U256::from(v).to_be_bytes::<32>()
    }

    #[test]
    fn balance_proof_layout_matches_the_table() {
        let bh = B256::repeat_byte(0xbb);
        let ah = B256::repeat_byte(0xaa);
        let p = pack_balance_proof(
            domain().token_network,
            U256::from(337u64),
            U256::from(5u64),
            bh,
            U256::from(9u64),
            ah,
        );
        assert_eq!(p.len(), 212);
        assert_eq!(&p[0..20], &[0x11; 20]);
        assert_eq!(&p[20..52], &word(337));
        assert_eq!(&p[52..84], &word(1));
        assert_eq!(&p[84..116], &word(5));
        assert_eq!(&p[116..148], &[0xbb; 32]);
        assert_eq!(&p[148..180], &word(9));
        assert_eq!(&p[180..212], &[0xaa; 32]);
    }

    #[test]
    fn counter_signature_layout_and_fixed_length_literal() {
        let d = domain();
        let sig = [0x5au8; 65];
        let p = pack_counter_signature(
            d.token_network,
            d.chain_id,
            2,
            U256::from(5u64),
            B256::ZERO,
            U256::from(1u64),
            B256::ZERO,
            &sig,
        );
        assert_eq!(p.len(), 277);
        assert_eq!(&p[52..84], &word(2));
        assert_eq!(&p[212..277], &sig[..]);
        // A nonce-0 close hashes an empty signature under the literal "277".
        let empty = pack_counter_signature(
            d.token_network,
            d.chain_id,
            1,
            U256::from(5u64),
            B256::ZERO,
            U256::ZERO,
            B256::ZERO,
            &[],
        );
        assert_eq!(empty.len(), 212);
        let mut manual = b"\x19Ethereum Signed Message:\n277".to_vec();
        manual.extend_from_slice(&empty);
        assert_eq!(
            d.counter_signature_digest(
                1,
                U256::from(5u64),
                B256::ZERO,
                U256::ZERO,
                B256::ZERO,
                &[]
            ),
            keccak256(manual)
        );
    }

    #[test]
    fn reward_proof_layout_matches_the_table() {
        let d = domain();
        let nc = address!("3333333333333333333333333333333333333333");
        let p = pack_reward_proof(
            d.monitoring_service_contract,
            d.chain_id,
            d.token_network,
            nc,
            &[0x77; 65],
            U256::from(5u64),
        );
        assert_eq!(p.len(), 221);
        assert_eq!(&p[0..20], &[0x22; 20]);
        assert_eq!(&p[20..52], &word(337));
        assert_eq!(&p[52..84], &word(6));
        assert_eq!(&p[84..104], &[0x11; 20]);
        assert_eq!(&p[104..124], &[0x33; 20]);
        assert_eq!(&p[124..189], &[0x77; 65]);
        assert_eq!(&p[189..221], &word(5));
    }

    #[test]
    fn withdraw_layout_matches_the_table() {
        let d = domain();
        let p = pack_withdraw(
            d.token_network,
            d.chain_id,
            U256::from(5u64),
            address!("3333333333333333333333333333333333333333"),
            U256::from(40u64),
            U256::from(1_700_000_100u64),
        );
        assert_eq!(p.len(), 200);
        assert_eq!(&p[0..20], &[0x11; 20]);
        assert_eq!(&p[20..52], &word(337));
        assert_eq!(&p[52..84], &word(3));
        assert_eq!(&p[84..116], &word(5));
        assert_eq!(&p[116..136], &[0x33; 20]);
        assert_eq!(&p[136..168], &word(40));
        assert_eq!(&p[168..200], &word(1_700_000_100));
        let mut manual = b"\x19Ethereum Signed Message:\n200".to_vec();
        manual.extend_from_slice(&p);
        assert_eq!(
            d.withdraw_digest(
                U256::from(5u64),
                address!("3333333333333333333333333333333333333333"),
                U256::from(40u64),
                U256::from(1_700_000_100u64)
            ),
            keccak256(manual)
        );
    }

    #[test]
    fn balance_hash_and_empty_locksroot() {
        assert_eq!(
            empty_locksroot(),
            b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        );
        let mut buf = word(10).to_vec();
        buf.extend_from_slice(&word(0));
        buf.extend_from_slice(empty_locksroot().as_slice());
        assert_eq!(
            balance_hash(U256::from(10u64), U256::ZERO, empty_locksroot()),
            keccak256(buf)
        );
        assert_eq!(hex::encode(&word(1)[31..]), "01");
    }

    #[test]
    fn monitor_request_signers_recover() {
        let tree = SeedTree::new(3);
        let a = Key::derive(&tree, "actor/a");
        let b = Key::derive(&tree, "actor/b");
        let d = domain();
        let bp = d.sign_balance_proof(
            &a,
            U256::from(1u64),
            U256::from(7u64),
            U256::ZERO,
            empty_locksroot(),
            U256::from(3u64),
            B256::repeat_byte(1),
        );
        let mr = d.monitor_request(&b, &bp, U256::from(5u64));
        assert_eq!(
            d.monitor_request_signers(&mr),
            Some((a.address(), b.address(), b.address()))
        );
        // A reward tampered with no longer recovers to the non-closer.
        let mut bad = mr.clone();
        bad.reward_amount = U256::from(6u64);
        assert_ne!(
            d.monitor_request_signers(&bad).map(|s| s.2),
            Some(b.address())
        );
        // The same proof does not verify in another chain's domain.
        let other = Domain {
            chain_id: U256::from(1u64),
            ..d
        };
        assert_eq!(other.balance_proof_signer(&bp), None);
    }
}

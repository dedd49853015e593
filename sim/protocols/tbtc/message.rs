//! Coordination messages on the wire (spec 7.2 step 4): `CoordinationMessage{sender_seat,
//! coordination_block, wallet_pkh, proposal}`. A node batches the messages it sends one peer at
//! one instant into an envelope, as one network packet; each message inside is still checked on
//! its own, in order.

use super::Action;
use alloy_primitives::{keccak256, B256};

/// Topic of coordination envelopes in the network model.
pub const TOPIC: &str = "tbtc.coordination";

/// A proposal: the action type and its content (empty for Noop).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Proposal {
    pub action: Action,
    /// Heartbeat: the 16-byte message. Redemption: `u64` fee, then per request a `u16` length
    /// and the redeemer output script. Deposit sweep: `u64` fee, then per deposit its funding
    /// transaction hash, `u32` output index and extra-data hash ([`SweptDeposit`]). Other
    /// actions: opaque content.
    pub content: Vec<u8>,
}

impl Proposal {
    pub fn noop() -> Proposal {
        Proposal {
            action: Action::Noop,
            content: Vec::new(),
        }
    }

    /// Identifies the proposal: members sign together only on the same digest.
    pub fn digest(&self) -> B256 {
        let mut buf = Vec::with_capacity(1 + self.content.len());
        buf.push(self.action.wire());
        buf.extend_from_slice(&self.content);
        keccak256(&buf)
    }
}

/// One leader's (or impostor's) message for one wallet and window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinationMessage {
    pub sender_seat: u32,
    pub coordination_block: u64,
    pub wallet_pkh: [u8; 20],
    pub proposal: Proposal,
}

/// The heartbeat message of spec 7.2 step 3: `0xff × 8 || sha256(pkh || u64_be(block))[0..8]`.
pub fn heartbeat_message(wallet_pkh: &[u8; 20], current_block: u64) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(wallet_pkh);
    h.update(current_block.to_be_bytes());
    let d = h.finalize();
    let mut m = vec![0xff; 8];
    m.extend_from_slice(&d[..8]);
    m
}

/// Encodes a redemption proposal's content.
pub fn redemption_content(fee: u64, scripts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = fee.to_be_bytes().to_vec();
    for s in scripts {
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s);
    }
    out
}

/// Decodes a redemption proposal's content; `None` if malformed.
pub fn parse_redemption(content: &[u8]) -> Option<(u64, Vec<Vec<u8>>)> {
    let fee = u64::from_be_bytes(content.get(..8)?.try_into().ok()?);
    let mut rest = &content[8..];
    let mut scripts = Vec::new();
    while !rest.is_empty() {
        let len = u16::from_be_bytes(rest.get(..2)?.try_into().ok()?) as usize;
        scripts.push(rest.get(2..2 + len)?.to_vec());
        rest = &rest[2 + len..];
    }
    Some((fee, scripts))
}

/// One deposit of a sweep proposal: the bridge's deposit key parts and the extra-data hash the
/// validator compares with the stored one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweptDeposit {
    pub funding_tx: B256,
    pub output_index: u32,
    pub extra_info_hash: B256,
}

const SWEPT_DEPOSIT_LEN: usize = 32 + 4 + 32;

/// Encodes a deposit sweep proposal's content.
pub fn deposit_sweep_content(fee: u64, deposits: &[SweptDeposit]) -> Vec<u8> {
    let mut out = fee.to_be_bytes().to_vec();
    for d in deposits {
        out.extend_from_slice(d.funding_tx.as_slice());
        out.extend_from_slice(&d.output_index.to_be_bytes());
        out.extend_from_slice(d.extra_info_hash.as_slice());
    }
    out
}

/// Decodes a deposit sweep proposal's content; `None` if malformed.
pub fn parse_deposit_sweep(content: &[u8]) -> Option<(u64, Vec<SweptDeposit>)> {
    let fee = u64::from_be_bytes(content.get(..8)?.try_into().ok()?);
    let rest = &content[8..];
    if rest.len() % SWEPT_DEPOSIT_LEN != 0 {
        return None;
    }
    let deposits = rest
        .chunks_exact(SWEPT_DEPOSIT_LEN)
        .map(|c| SweptDeposit {
            funding_tx: B256::from_slice(&c[..32]),
            output_index: u32::from_be_bytes(c[32..36].try_into().expect("4")),
            extra_info_hash: B256::from_slice(&c[36..]),
        })
        .collect();
    Some((fee, deposits))
}

/// A moving-funds proposal's content: the fee, the wallet's main UTXO (transaction hash,
/// output index, value) and the target wallets' PKHs in commitment order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovingFundsContent {
    pub fee: u64,
    pub main_utxo: (B256, u32, u64),
    pub targets: Vec<[u8; 20]>,
}

/// Encodes a moving-funds proposal's content: `u64` fee, main UTXO (32 + 4 + 8 bytes), then 20
/// bytes per target.
pub fn moving_funds_content(c: &MovingFundsContent) -> Vec<u8> {
    let mut out = c.fee.to_be_bytes().to_vec();
    out.extend_from_slice(c.main_utxo.0.as_slice());
    out.extend_from_slice(&c.main_utxo.1.to_be_bytes());
    out.extend_from_slice(&c.main_utxo.2.to_be_bytes());
    for t in &c.targets {
        out.extend_from_slice(t);
    }
    out
}

/// Decodes a moving-funds proposal's content; `None` if malformed.
pub fn parse_moving_funds(content: &[u8]) -> Option<MovingFundsContent> {
    let fee = u64::from_be_bytes(content.get(..8)?.try_into().ok()?);
    let tx = B256::from_slice(content.get(8..40)?);
    let index = u32::from_be_bytes(content.get(40..44)?.try_into().ok()?);
    let value = u64::from_be_bytes(content.get(44..52)?.try_into().ok()?);
    let rest = &content[52..];
    if rest.len() % 20 != 0 {
        return None;
    }
    let targets = rest
        .chunks_exact(20)
        .map(|c| c.try_into().expect("20"))
        .collect();
    Some(MovingFundsContent {
        fee,
        main_utxo: (tx, index, value),
        targets,
    })
}

/// The bridge's main UTXO hash: `keccak256(abi.encodePacked(bytes32, uint32, uint64))`.
pub fn main_utxo_hash(utxo: &(B256, u32, u64)) -> B256 {
    let mut buf = [0u8; 44];
    buf[..32].copy_from_slice(utxo.0.as_slice());
    buf[32..36].copy_from_slice(&utxo.1.to_be_bytes());
    buf[36..].copy_from_slice(&utxo.2.to_be_bytes());
    keccak256(buf)
}

/// Encodes a moved-funds sweep proposal's content: `u64` fee, the moving-funds transaction
/// hash and `u32` output index of the request.
pub fn moved_funds_sweep_content(fee: u64, tx_hash: &B256, output_index: u32) -> Vec<u8> {
    let mut out = fee.to_be_bytes().to_vec();
    out.extend_from_slice(tx_hash.as_slice());
    out.extend_from_slice(&output_index.to_be_bytes());
    out
}

/// The bridge's moved-funds sweep request key:
/// `keccak256(abi.encodePacked(bytes32 txHash, uint32 outputIndex))`.
pub fn moved_funds_sweep_key(tx_hash: &B256, output_index: u32) -> B256 {
    deposit_key(tx_hash, output_index)
}

/// Decodes a moved-funds sweep proposal's content; `None` if malformed.
pub fn parse_moved_funds_sweep(content: &[u8]) -> Option<(u64, B256, u32)> {
    if content.len() != 44 {
        return None;
    }
    let fee = u64::from_be_bytes(content[..8].try_into().ok()?);
    let tx = B256::from_slice(&content[8..40]);
    let index = u32::from_be_bytes(content[40..44].try_into().ok()?);
    Some((fee, tx, index))
}

/// The bridge's deposit key: `keccak256(fundingTxHash || u32_be(outputIndex))`.
pub fn deposit_key(funding_tx: &B256, output_index: u32) -> B256 {
    let mut buf = [0u8; 36];
    buf[..32].copy_from_slice(funding_tx.as_slice());
    buf[32..].copy_from_slice(&output_index.to_be_bytes());
    keccak256(buf)
}

fn action_of(wire: u8) -> Option<Action> {
    Some(match wire {
        0 => Action::Noop,
        1 => Action::Heartbeat,
        2 => Action::DepositSweep,
        3 => Action::Redemption,
        4 => Action::MovingFunds,
        5 => Action::MovedFundsSweep,
        _ => return None,
    })
}

/// Encodes messages into one envelope body.
pub fn encode(messages: &[CoordinationMessage]) -> Vec<u8> {
    let len = messages.iter().map(|m| 37 + m.proposal.content.len()).sum();
    let mut out = Vec::with_capacity(len);
    for m in messages {
        out.extend_from_slice(&m.sender_seat.to_be_bytes());
        out.extend_from_slice(&m.coordination_block.to_be_bytes());
        out.extend_from_slice(&m.wallet_pkh);
        out.push(m.proposal.action.wire());
        out.extend_from_slice(&(m.proposal.content.len() as u32).to_be_bytes());
        out.extend_from_slice(&m.proposal.content);
    }
    out
}

/// Decodes an envelope body. Entries that are not coordination messages (rule 1) end the
/// envelope: what was decoded before them is returned.
pub fn decode(mut body: &[u8]) -> Vec<CoordinationMessage> {
    let mut out = Vec::new();
    while body.len() >= 37 {
        let seat = u32::from_be_bytes(body[0..4].try_into().expect("4"));
        let block = u64::from_be_bytes(body[4..12].try_into().expect("8"));
        let pkh: [u8; 20] = body[12..32].try_into().expect("20");
        let Some(action) = action_of(body[32]) else {
            break;
        };
        let len = u32::from_be_bytes(body[33..37].try_into().expect("4")) as usize;
        let Some(content) = body.get(37..37 + len) else {
            break;
        };
        out.push(CoordinationMessage {
            sender_seat: seat,
            coordination_block: block,
            wallet_pkh: pkh,
            proposal: Proposal {
                action,
                content: content.to_vec(),
            },
        });
        body = &body[37 + len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip_and_stop_at_garbage() {
        let m = |seat, action, content: &[u8]| CoordinationMessage {
            sender_seat: seat,
            coordination_block: 1800,
            wallet_pkh: [7; 20],
            proposal: Proposal {
                action,
                content: content.to_vec(),
            },
        };
        let msgs = vec![
            m(3, Action::Heartbeat, &heartbeat_message(&[7; 20], 1801)),
            m(9, Action::Noop, &[]),
        ];
        let mut body = encode(&msgs);
        assert_eq!(decode(&body), msgs);
        body.extend_from_slice(&[0u8; 32]);
        body.push(99); // not an action
        body.extend_from_slice(&[0u8; 4]);
        assert_eq!(decode(&body), msgs);
        let hb = heartbeat_message(&[7; 20], 1801);
        assert_eq!((hb.len(), &hb[..8]), (16, &[0xffu8; 8][..]));
        let c = redemption_content(900, &[vec![0, 20, 1], vec![5]]);
        assert_eq!(
            parse_redemption(&c),
            Some((900, vec![vec![0, 20, 1], vec![5]]))
        );
        assert_eq!(parse_redemption(&c[..9]), None);
    }

    #[test]
    fn deposit_sweeps_round_trip() {
        let d = |i: u8| SweptDeposit {
            funding_tx: B256::repeat_byte(i),
            output_index: i as u32,
            extra_info_hash: B256::repeat_byte(0x40 + i),
        };
        let c = deposit_sweep_content(3000, &[d(1), d(2)]);
        assert_eq!(c.len(), 8 + 2 * 68);
        assert_eq!(parse_deposit_sweep(&c), Some((3000, vec![d(1), d(2)])));
        assert_eq!(parse_deposit_sweep(&c[..20]), None);
        assert_eq!(parse_deposit_sweep(&c[..4]), None);
        // The bridge's key is keccak256(abi.encodePacked(bytes32, uint32)).
        let mut packed = [0x01u8; 36];
        packed[32..].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(deposit_key(&B256::repeat_byte(1), 1), keccak256(packed));
    }

    #[test]
    fn moving_funds_and_moved_funds_sweeps_round_trip() {
        let c = MovingFundsContent {
            fee: 900,
            main_utxo: (B256::repeat_byte(3), 1, 1_000_000),
            targets: vec![[1; 20], [2; 20]],
        };
        let bytes = moving_funds_content(&c);
        assert_eq!(bytes.len(), 52 + 40);
        assert_eq!(parse_moving_funds(&bytes), Some(c));
        assert_eq!(parse_moving_funds(&bytes[..60]), None);
        let m = moved_funds_sweep_content(700, &B256::repeat_byte(9), 2);
        assert_eq!(
            parse_moved_funds_sweep(&m),
            Some((700, B256::repeat_byte(9), 2))
        );
        assert_eq!(parse_moved_funds_sweep(&m[..43]), None);
        let mut packed = vec![3u8; 32];
        packed.extend_from_slice(&1u32.to_be_bytes());
        packed.extend_from_slice(&1_000_000u64.to_be_bytes());
        assert_eq!(
            main_utxo_hash(&(B256::repeat_byte(3), 1, 1_000_000)),
            keccak256(packed)
        );
    }
}

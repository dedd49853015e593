//! Coordination messages on the wire (spec 7.2 step 4): `CoordinationMessage{sender_seat,
//! coordination_block, wallet_pkh, proposal}`. A node batches the messages it sends one peer at
//! one instant into an envelope, as one network packet; each message inside is still checked on
//! its own, in order.

use super::Action;
use alloy_primitives::{keccak256, B256};

/// Topic of coordination envelopes in the network model.
pub const TOPIC: &str = "tbtc.coordination";

/// A proposal: the action type and its content (empty for Noop).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub action: Action,
    /// Heartbeat: the 16-byte message. Redemption: `u64` fee, then per request a `u16` length
    /// and the redeemer output script. Other actions: opaque content.
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
    let mut out = Vec::new();
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
}

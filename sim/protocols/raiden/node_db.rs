//! What a Raiden node keeps in its own database: per channel, the balance proofs it signed and
//! the ones its partner sent it. A real node writes each state change before it sends the
//! message that follows from it, so a node that crashes and restarts resumes with the nonces,
//! transferred amounts and proofs it had, and settles with the balance-hash preimages it knows
//! itself (specs §4, §7), never with anyone else's.

use super::messages::BalanceProofMsg;
use crate::engine::actor::ActorId;
use alloy_primitives::{Address, B256, U256};

/// One channel as its participant knows it.
#[derive(Clone, Debug)]
pub struct ChannelDb {
    pub id: u64,
    pub partner: ActorId,
    pub partner_address: Address,
    pub deposit: U256,
    /// Nonce of the newest balance proof this node signed.
    pub nonce: U256,
    /// Its total transferred amount in that proof.
    pub transferred: U256,
    /// Balance proofs it signed, oldest first.
    pub sent: Vec<BalanceProofMsg>,
    /// Partner proofs received, oldest first.
    pub received: Vec<BalanceProofMsg>,
}

impl ChannelDb {
    /// A channel with nothing exchanged yet.
    pub fn new(id: u64, partner: ActorId, partner_address: Address, deposit: U256) -> ChannelDb {
        ChannelDb {
            id,
            partner,
            partner_address,
            deposit,
            nonce: U256::ZERO,
            transferred: U256::ZERO,
            sent: Vec::new(),
            received: Vec::new(),
        }
    }

    /// The partner's newest proof.
    pub fn newest(&self) -> Option<&BalanceProofMsg> {
        self.received.last()
    }

    /// What the partner has transferred to this node so far.
    pub fn received_transferred(&self) -> U256 {
        self.newest().map_or(U256::ZERO, |b| b.transferred_amount)
    }

    /// (transferred, locked, locksroot) behind a balance hash of a proof this node signed
    /// (`own`) or received.
    pub fn preimage(&self, own: bool, balance_hash: B256) -> Option<(U256, U256, B256)> {
        let list = if own { &self.sent } else { &self.received };
        list.iter()
            .find(|b| b.balance_hash() == balance_hash)
            .map(|b| (b.transferred_amount, b.locked_amount, b.locksroot))
    }
}

/// A node's database.
#[derive(Clone, Debug, Default)]
pub struct NodeDb {
    pub channels: Vec<ChannelDb>,
    /// Payments of its schedule already made.
    pub payments_made: u32,
}

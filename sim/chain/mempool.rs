//! Pending transactions, queued per sender in nonce order.

use super::PendingTx;
use alloy_primitives::Address;
use std::collections::{BTreeMap, VecDeque};

/// The mempool of one chain.
#[derive(Default)]
pub(crate) struct Mempool {
    by_sender: BTreeMap<Address, VecDeque<PendingTx>>,
    len: usize,
}

impl Mempool {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Number of pending transactions of `sender`.
    pub fn queued(&self, sender: Address) -> usize {
        self.by_sender.get(&sender).map_or(0, VecDeque::len)
    }

    /// Appends a transaction behind the sender's other pending ones.
    pub fn push(&mut self, tx: PendingTx) {
        self.by_sender.entry(tx.req.from).or_default().push_back(tx);
        self.len += 1;
    }

    /// The sender's lowest-nonce pending transaction.
    pub fn head(&self, sender: Address) -> Option<&PendingTx> {
        self.by_sender.get(&sender).and_then(VecDeque::front)
    }

    pub fn pop_head(&mut self, sender: Address) -> Option<PendingTx> {
        let queue = self.by_sender.get_mut(&sender)?;
        let tx = queue.pop_front();
        if queue.is_empty() {
            self.by_sender.remove(&sender);
        }
        if tx.is_some() {
            self.len -= 1;
        }
        tx
    }

    /// Gives the sender's pending transactions consecutive nonces starting at `first`.
    pub fn renumber(&mut self, sender: Address, first: u64) {
        if let Some(queue) = self.by_sender.get_mut(&sender) {
            for (i, tx) in queue.iter_mut().enumerate() {
                tx.nonce = first + i as u64;
            }
        }
    }

    /// Senders with pending transactions, in address order.
    pub fn senders(&self) -> Vec<Address> {
        self.by_sender.keys().copied().collect()
    }

    /// All pending transactions in (sender, nonce) order.
    pub fn iter(&self) -> impl Iterator<Item = &PendingTx> {
        self.by_sender.values().flatten()
    }
}

//! Pending transactions, queued per sender in nonce order.

use super::PendingTx;
use crate::engine::lookup::LookupMap;
use alloy_primitives::Address;
use std::collections::{BTreeMap, VecDeque};

/// The mempool of one chain.
///
/// Every sender that ever submitted has a queue, which stays (empty, with its capacity) between
/// bursts. Queues are found by sender through a lookup-only hash map (several times per
/// transaction: submit, offer, execute); the address-ordered index is what gets iterated.
#[derive(Default)]
pub(crate) struct Mempool {
    /// Queue of each sender, in address order (iteration).
    by_sender: BTreeMap<Address, usize>,
    /// The same queues, by sender only (lookups; never iterated).
    slot_of: LookupMap<Address, usize>,
    queues: Vec<VecDeque<PendingTx>>,
    len: usize,
}

impl Mempool {
    pub fn len(&self) -> usize {
        self.len
    }

    fn queue(&self, sender: Address) -> Option<&VecDeque<PendingTx>> {
        self.slot_of.get(&sender).map(|&i| &self.queues[i])
    }

    fn queue_mut(&mut self, sender: Address) -> Option<&mut VecDeque<PendingTx>> {
        self.slot_of.get(&sender).map(|&i| &mut self.queues[i])
    }

    /// Number of pending transactions of `sender`.
    pub fn queued(&self, sender: Address) -> usize {
        self.queue(sender).map_or(0, VecDeque::len)
    }

    /// Nonce of the sender's last pending transaction.
    pub fn last_nonce(&self, sender: Address) -> Option<u64> {
        self.queue(sender)
            .and_then(VecDeque::back)
            .map(|tx| tx.nonce)
    }

    /// The sender's last pending transaction (the one it submitted last).
    pub fn last(&self, sender: Address) -> Option<&PendingTx> {
        self.queue(sender).and_then(VecDeque::back)
    }

    /// Appends a transaction behind the sender's other pending ones.
    pub fn push(&mut self, tx: PendingTx) {
        let sender = tx.req.from;
        let i = match self.slot_of.get(&sender) {
            Some(&i) => i,
            None => {
                let i = self.queues.len();
                self.queues.push(VecDeque::new());
                self.slot_of.insert(sender, i);
                self.by_sender.insert(sender, i);
                i
            }
        };
        self.queues[i].push_back(tx);
        self.len += 1;
    }

    /// The sender's lowest-nonce pending transaction.
    pub fn head(&self, sender: Address) -> Option<&PendingTx> {
        self.queue(sender).and_then(VecDeque::front)
    }

    /// Takes the sender's lowest-nonce pending transaction.
    pub fn pop_head(&mut self, sender: Address) -> Option<PendingTx> {
        let tx = self.queue_mut(sender)?.pop_front();
        if tx.is_some() {
            self.len -= 1;
        }
        tx
    }

    /// Gives the sender's pending transactions consecutive nonces starting at `first`.
    pub fn renumber(&mut self, sender: Address, first: u64) {
        if let Some(queue) = self.queue_mut(sender) {
            for (i, tx) in queue.iter_mut().enumerate() {
                tx.nonce = first + i as u64;
            }
        }
    }

    /// Senders with pending transactions, in address order.
    pub fn senders(&self) -> Vec<Address> {
        self.by_sender
            .iter()
            .filter(|(_, &i)| !self.queues[i].is_empty())
            .map(|(s, _)| *s)
            .collect()
    }

    /// All pending transactions in (sender, nonce) order.
    pub fn iter(&self) -> impl Iterator<Item = &PendingTx> {
        self.by_sender.values().flat_map(|&i| &self.queues[i])
    }
}

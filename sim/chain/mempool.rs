//! Pending transactions, queued per sender in nonce order.

use super::PendingTx;
use crate::engine::lookup::LookupMap;
use alloy_primitives::Address;
use std::collections::{BTreeMap, VecDeque};

/// The mempool of one chain.
///
/// Every sender that ever submitted has a queue, which stays (empty, with its capacity) between
/// bursts, at a fixed [`Slot`]. Submissions find a queue by sender through a lookup-only hash
/// map; the block builder works with slots, so its per-transaction loop does no address
/// lookups; the address-ordered index is what gets iterated.
/// Position of one sender's queue; stable for the mempool's lifetime.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Slot(u32);

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

    /// The lowest-nonce pending transaction of the sender at `slot`.
    pub fn head(&self, slot: Slot) -> Option<&PendingTx> {
        self.queues[slot.0 as usize].front()
    }

    /// Takes the lowest-nonce pending transaction of the sender at `slot`.
    pub fn pop_head(&mut self, slot: Slot) -> Option<PendingTx> {
        let tx = self.queues[slot.0 as usize].pop_front();
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

    /// Slots of the senders with pending transactions, in address order.
    pub fn senders(&self) -> Vec<Slot> {
        self.by_sender
            .values()
            .filter(|&&i| !self.queues[i].is_empty())
            .map(|&i| Slot(i as u32))
            .collect()
    }

    /// All pending transactions in (sender, nonce) order.
    pub fn iter(&self) -> impl Iterator<Item = &PendingTx> {
        self.by_sender.values().flat_map(|&i| &self.queues[i])
    }
}

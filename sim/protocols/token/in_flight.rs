//! Transfers submitted and not yet included, kept per payer in submission order.
//!
//! Every transfer enters when submitted and leaves on its receipt or drop notice, and a payer's
//! receipts come in nonce order, so the one leaving is almost always the first of its payer's
//! queue: no search by transaction id across all payers (what a map keyed by id would do twice
//! per transfer).

use super::InFlight;
use crate::engine::actor::ActorId;
use alloy_primitives::B256;
use std::collections::VecDeque;

#[derive(Debug, Default)]
pub(crate) struct InFlightBook {
    /// Queue of each payer, by actor id.
    queues: Vec<VecDeque<(B256, InFlight)>>,
    len: usize,
}

impl InFlightBook {
    /// Records transfer `tx` of `f.payer`.
    pub fn insert(&mut self, tx: B256, f: InFlight) {
        let i = f.payer.0 as usize;
        if self.queues.len() <= i {
            self.queues.resize_with(i + 1, VecDeque::new);
        }
        self.queues[i].push_back((tx, f));
        self.len += 1;
    }

    /// Takes transfer `tx` of `payer` out, if it is in flight.
    pub fn remove(&mut self, payer: ActorId, tx: &B256) -> Option<InFlight> {
        let queue = self.queues.get_mut(payer.0 as usize)?;
        let at = queue.iter().position(|(t, _)| t == tx)?;
        let (_, f) = queue.remove(at)?;
        self.len -= 1;
        Some(f)
    }

    /// Number of transfers in flight.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Every transfer in flight, by payer then submission order.
    pub fn iter(&self) -> impl Iterator<Item = (&B256, &InFlight)> {
        self.queues.iter().flatten().map(|(tx, f)| (tx, f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(payer: u32, ms: u64) -> InFlight {
        InFlight {
            payer: ActorId(payer),
            to: ActorId(0),
            submitted_ms: ms,
        }
    }

    #[test]
    fn transfers_leave_in_any_order_and_only_from_their_payer() {
        let mut book = InFlightBook::default();
        let id = |b: u8| B256::with_last_byte(b);
        book.insert(id(1), f(3, 10));
        book.insert(id(2), f(3, 20));
        book.insert(id(3), f(1, 30));
        assert_eq!(book.len(), 3);
        // Another payer's transfer is not found under this payer.
        assert!(book.remove(ActorId(1), &id(1)).is_none());
        assert!(book.remove(ActorId(7), &id(1)).is_none());
        // Out of submission order (a dropped transfer) and in order.
        assert_eq!(book.remove(ActorId(3), &id(2)).unwrap().submitted_ms, 20);
        assert!(book.remove(ActorId(3), &id(2)).is_none());
        let left: Vec<B256> = book.iter().map(|(t, _)| *t).collect();
        assert_eq!(left, vec![id(3), id(1)]);
        assert_eq!(book.remove(ActorId(3), &id(1)).unwrap().submitted_ms, 10);
        assert_eq!(book.len(), 1);
    }
}

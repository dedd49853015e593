//! The event queue: one total order `(time, class, seq)` over everything that happens in a run.
//!
//! `class` orders simultaneous events of different nature (faults before blocks, blocks before
//! deliveries, deliveries before timers), and `seq` — a global insertion counter — orders the
//! rest, so two runs of the same scenario pop events in exactly the same order.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Order of simultaneous events of different nature: lower classes run first.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Fault windows open and close before anything else at that instant.
    Fault = 0,
    /// Blocks are produced before actors react at the same instant.
    Block = 1,
    /// Off-chain messages arrive.
    Deliver = 2,
    /// Timers fire.
    Timer = 3,
}

struct Entry<E> {
    time: SimTime,
    class: Class,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> Entry<E> {
    fn key(&self) -> (SimTime, Class, u64) {
        (self.time, self.class, self.seq)
    }
}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the smallest key pops first.
        other.key().cmp(&self.key())
    }
}

/// A min-queue of events keyed by `(time, class, seq)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// Schedules `event`; returns its sequence number (unique, increasing).
    pub fn push(&mut self, time: SimTime, class: Class, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time,
            class,
            seq,
            event,
        });
        seq
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, Class, E)> {
        self.heap.pop().map(|e| (e.time, e.class, e.event))
    }

    /// Time of the earliest event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Total number of events ever pushed.
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_class_then_insertion() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), Class::Timer, "t10-timer-a");
        q.push(SimTime(5), Class::Timer, "t5-timer");
        q.push(SimTime(10), Class::Block, "t10-block");
        q.push(SimTime(10), Class::Timer, "t10-timer-b");
        q.push(SimTime(10), Class::Fault, "t10-fault");
        q.push(SimTime(10), Class::Deliver, "t10-deliver");
        q.push(SimTime(0), Class::Timer, "t0");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, _, e)| e)).collect();
        assert_eq!(
            order,
            [
                "t0",
                "t5-timer",
                "t10-fault",
                "t10-block",
                "t10-deliver",
                "t10-timer-a",
                "t10-timer-b"
            ]
        );
    }

    #[test]
    fn equal_keys_keep_insertion_order_at_scale() {
        let mut q = EventQueue::new();
        for i in 0..1000u32 {
            q.push(SimTime(7), Class::Timer, i);
        }
        for i in 0..1000u32 {
            assert_eq!(q.pop().unwrap().2, i);
        }
        assert!(q.is_empty());
    }

    #[test]
    fn interleaved_push_pop_is_ordered() {
        let mut q = EventQueue::new();
        let mut x: u64 = 12345;
        let mut last = (SimTime(0), Class::Fault, 0u64);
        let mut popped = 0;
        for round in 0..5000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = last.0 .0 + (x >> 33) % 50;
            let seq = q.push(SimTime(t), Class::Timer, round);
            assert_eq!(seq, round);
            if round % 3 == 0 {
                let (t, c, e) = q.pop().unwrap();
                assert!((t, c) >= (last.0, last.1));
                last = (t, c, e);
                popped += 1;
            }
        }
        assert_eq!(q.len() + popped, 5000);
    }
}

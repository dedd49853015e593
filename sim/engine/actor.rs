//! Actors: the honest and malicious parties of a scenario. An actor reacts to events through a
//! [`Ctx`], which is its only window on the world: chain reads and transactions, off-chain
//! messages, timers, its own random stream and key, trace notes and metrics.

use crate::chain::{BlockHeader, ChainIdx, DroppedTx, Log, Receipt};
use alloy_primitives::B256;
use serde::{Deserialize, Serialize};

pub use super::ctx::{CallError, Ctx, TxOpts};

/// Index of an actor in the world (order of declaration, counts expanded).
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ActorId(pub u32);

/// What an actor is told about.
#[derive(Debug)]
pub enum Event<'a> {
    /// A timer it set fired; `tag` is the value it chose.
    Timer { tag: u64 },
    /// An off-chain message arrived.
    Message {
        from: ActorId,
        topic: &'a str,
        body: &'a [u8],
    },
    /// A log matching one of its subscriptions was emitted by an included transaction.
    Log {
        chain: ChainIdx,
        block: &'a BlockHeader,
        tx: B256,
        log: &'a Log,
    },
    /// One of its transactions was included.
    Receipt {
        chain: ChainIdx,
        block: &'a BlockHeader,
        receipt: &'a Receipt,
    },
    /// One of its transactions left the mempool without inclusion.
    Dropped { chain: ChainIdx, tx: &'a DroppedTx },
    /// It came back from an offline window; receipts and drops of its own transactions that came
    /// meanwhile follow (in order), then the timers that fell due.
    Online,
}

/// Behaviour of one party. Everything an actor does goes through `ctx`; it must not keep
/// references into the world, read clocks or draw randomness from anywhere but `ctx.rng()`.
pub trait Actor {
    /// Called once at time zero, after every contract is deployed.
    fn start(&mut self, ctx: &mut Ctx);

    /// Called for every event addressed to this actor while it is online.
    fn handle(&mut self, ctx: &mut Ctx, event: &Event);

    /// Called on a fresh instance when the actor restarts after a crash (all in-memory state
    /// was lost; timers were discarded). By default it starts again.
    fn restart(&mut self, ctx: &mut Ctx) {
        self.start(ctx);
    }
}

//! Cross-chain bridges delivered by the engine.
//!
//! A protocol registers a [`BridgeRoute`] at genesis: the engine's relayer watches one contract's
//! logs with a given first topic on a source chain, turns each into a delivery transaction for a
//! destination chain, and schedules that transaction through the event queue after the delays its
//! [`BridgePolicy`] chooses. The policy is where latency, delays, reordering, drops and duplicates
//! live, so a bridge adversary is a policy. Contracts never deliver by themselves.
//!
//! Worlds without routes never touch this module, so their traces are unchanged.

use super::seed::Stream;
use super::time::{Dur, SimTime};
use crate::chain::{ChainIdx, Log};
use alloy_primitives::{Address, Bytes, B256};

/// Trace actor index used for the relayer's transactions and notes (it is not a scenario actor).
pub const RELAYER_ACTOR: u32 = u32::MAX;

/// A message the relayer picked up, as its policy sees it.
pub struct BridgeMessage<'a> {
    /// Route name.
    pub route: &'a str,
    /// Per-route message number, from 0, in emission order.
    pub seq: u64,
    /// The log that carried it.
    pub log: &'a Log,
    /// Source block number.
    pub block: u64,
    /// Time it was emitted.
    pub sent_at: SimTime,
}

/// A delivery transaction that reverted, as its route's policy sees it.
pub struct FailedDelivery<'a> {
    /// Route name.
    pub route: &'a str,
    /// Per-route message number.
    pub seq: u64,
    /// Deliveries of this copy submitted so far (1 after the first failure).
    pub attempts: u32,
    /// Time the failed delivery was included.
    pub failed_at: SimTime,
}

/// Decides the fate of every message on a route.
pub trait BridgePolicy {
    /// Delays (from now) after which a copy of the message is delivered: empty drops it, one
    /// entry delivers it once, several deliver duplicates.
    fn schedule(&mut self, msg: &BridgeMessage, rng: &mut Stream) -> Vec<Dur>;

    /// Gas limit of the first delivery of copy `copy` (an index into [`schedule`]'s delays);
    /// `None` (the default) uses the route's. A policy that under-gasses a delivery makes it
    /// revert, as a relayer's bad gas estimate does.
    ///
    /// [`schedule`]: BridgePolicy::schedule
    fn delivery_gas(
        &mut self,
        _msg: &BridgeMessage,
        _copy: usize,
        _rng: &mut Stream,
    ) -> Option<u64> {
        None
    }

    /// After a delivery transaction reverted: the delay after which the relayer submits it
    /// again (with the route's gas limit), or `None` to leave the message undelivered. The
    /// default never retries.
    fn retry(&mut self, _failed: &FailedDelivery, _rng: &mut Stream) -> Option<Dur> {
        None
    }
}

/// Uniform latency in `[min, max]`, independently per message (so messages may overtake each
/// other when the range is wide).
#[derive(Clone, Debug)]
pub struct UniformLatency {
    pub min: Dur,
    pub max: Dur,
}

impl BridgePolicy for UniformLatency {
    fn schedule(&mut self, _msg: &BridgeMessage, rng: &mut Stream) -> Vec<Dur> {
        vec![Dur::ms(
            rng.range_inclusive(self.min.as_ms(), self.max.as_ms()),
        )]
    }
}

/// Builds the delivery call for a log: `(destination contract, calldata)`, or `None` to ignore it.
pub type DeliveryEncoder = Box<dyn Fn(&Log, u64) -> Option<(Address, Bytes)>>;

/// One direction of a bridge.
pub struct BridgeRoute {
    /// Unique name (labels the relayer's key and random stream).
    pub name: String,
    pub from: ChainIdx,
    /// Contract whose logs carry messages.
    pub emitter: Address,
    /// First topic of those logs.
    pub topic0: B256,
    pub to: ChainIdx,
    /// Gas limit of each delivery transaction.
    pub gas_limit: u64,
    /// Turns a log (and its source block number) into the delivery call.
    pub encode: DeliveryEncoder,
    pub policy: Box<dyn BridgePolicy>,
}

/// A registered route with its relayer account and stream.
pub(crate) struct RelaySlot {
    pub(crate) route: BridgeRoute,
    pub(crate) relayer: Address,
    pub(crate) stream: Stream,
    pub(crate) sent: u64,
    /// Delivery transactions submitted and not yet included, by transaction hash (so a
    /// reverted one can be retried).
    pub(crate) in_flight: std::collections::BTreeMap<B256, Delivery>,
}

/// A delivery waiting in the event queue.
pub(crate) struct Delivery {
    pub(crate) route: usize,
    pub(crate) seq: u64,
    pub(crate) to: Address,
    pub(crate) data: Bytes,
    /// Gas limit other than the route's (see [`BridgePolicy::delivery_gas`]).
    pub(crate) gas_limit: Option<u64>,
    /// Earlier deliveries of this copy that reverted.
    pub(crate) attempts: u32,
}

//! The AVS side of the engine bridge: which logs are messages, how they are delivered, and the
//! bridge policy (latency plus the bridge adversary's delays, drops and duplicates).

use super::bindings::BridgeLite;
use super::book::{Remote, Shared, SnapshotInfo};
use crate::chain::{ChainIdx, Log};
use crate::engine::bridge::{BridgeMessage, BridgePolicy, BridgeRoute, FailedDelivery};
use crate::engine::seed::Stream;
use crate::engine::time::Dur;
use crate::scenario::units::DurRange;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};

/// What a bridge adversary does to the messages of the routes it controls.
#[derive(Debug, Clone, Default)]
pub struct Adversary {
    /// Route names it acts on (all when empty), e.g. `avs/r1`.
    pub routes: Vec<String>,
    /// Probability of dropping a message.
    pub drop: f64,
    /// Probability of delivering a second copy.
    pub duplicate: f64,
    /// Extra delay, uniform in the range (wide ranges reorder messages).
    pub extra_delay: DurRange,
    /// Only messages emitted in this time window are touched.
    pub from_ms: u64,
    pub to_ms: u64,
    /// Probability that a delivery is submitted with too little gas, so that it reverts (a
    /// relayer's bad gas estimate); the relayer may retry it (`relayer_retries`).
    pub fail: f64,
}

/// Gas limit of an under-gassed delivery: enough to enter `BridgeLite.deliver`, not enough for
/// the receiver to process the message.
pub const UNDERGASSED: u64 = 60_000;

/// The bridge policy of every AVS route: uniform latency, then whatever the bridge adversaries
/// (if any) do to the message.
pub struct Policy {
    book: Shared,
    latency: DurRange,
    /// Times a reverted delivery is submitted again, and the delay before each.
    retries: u32,
    retry_after: Dur,
    /// Guid of each message by its sequence number on the route.
    guids: std::collections::BTreeMap<u64, alloy_primitives::B256>,
}

impl Policy {
    pub fn new(book: &Shared, latency: DurRange) -> Self {
        Policy {
            book: book.clone(),
            latency,
            retries: 0,
            retry_after: Dur::secs(30),
            guids: Default::default(),
        }
    }

    /// The relayer retries a reverted delivery `retries` times, `after` each failure.
    pub fn with_retries(mut self, retries: u32, after: Dur) -> Self {
        self.retries = retries;
        self.retry_after = after;
        self
    }

    /// Whether a bridge adversary acts on `msg`.
    fn applies(a: &Adversary, msg: &BridgeMessage) -> bool {
        let t = msg.sent_at.ms();
        (a.routes.is_empty() || a.routes.iter().any(|r| r == msg.route))
            && t >= a.from_ms
            && t < a.to_ms
    }

    /// Sets when a snapshot's first delivery that goes through is due (`None`: none yet).
    fn set_due(&self, guid: alloy_primitives::B256, due_ms: Option<u64>) {
        if let Some(s) = self.book.borrow_mut().snapshots.get_mut(&guid) {
            s.delivery_ms = due_ms;
        }
    }
}

impl Policy {
    /// Notes when a snapshot's first delivery is due (`None`: dropped), for the premise of
    /// `avs.replica_liveness`. Messages of other routes are not snapshots and are ignored.
    fn record(&mut self, msg: &BridgeMessage, due_ms: Option<u64>) {
        let Some(sent) = decode_sent(msg.log) else {
            return;
        };
        self.guids.insert(msg.seq, sent.guid);
        let mut b = self.book.borrow_mut();
        if let Some(s) = b.snapshots.get_mut(&sent.guid) {
            if s.block == msg.block && s.delivery_ms.is_none() {
                s.delivery_ms = due_ms;
            }
        }
    }
}

impl BridgePolicy for Policy {
    fn schedule(&mut self, msg: &BridgeMessage, rng: &mut Stream) -> Vec<Dur> {
        let mut delay = rng.range_inclusive(self.latency.lo.as_ms(), self.latency.hi.as_ms());
        let mut copies = 1;
        let b = self.book.borrow();
        for a in &b.bridge_adversary {
            if !Self::applies(a, msg) {
                continue;
            }
            if a.drop > 0.0 && rng.chance(a.drop) {
                drop(b);
                self.record(msg, None);
                return Vec::new();
            }
            delay += rng.range_inclusive(a.extra_delay.lo.as_ms(), a.extra_delay.hi.as_ms());
            if a.duplicate > 0.0 && rng.chance(a.duplicate) {
                copies += 1;
            }
        }
        let mut out = vec![Dur::ms(delay)];
        for _ in 1..copies {
            out.push(Dur::ms(
                delay + rng.range_inclusive(0, self.latency.hi.as_ms()),
            ));
        }
        drop(b);
        self.record(msg, Some(msg.sent_at.ms() + delay));
        out
    }

    fn delivery_gas(&mut self, msg: &BridgeMessage, copy: usize, rng: &mut Stream) -> Option<u64> {
        let fail: Vec<f64> = self
            .book
            .borrow()
            .bridge_adversary
            .iter()
            .filter(|a| a.fail > 0.0 && Self::applies(a, msg))
            .map(|a| a.fail)
            .collect();
        for p in fail {
            if rng.chance(p) {
                if copy == 0 {
                    // The first delivery will revert: the snapshot is not delivered yet.
                    if let Some(guid) = self.guids.get(&msg.seq) {
                        self.set_due(*guid, None);
                    }
                }
                return Some(UNDERGASSED);
            }
        }
        None
    }

    fn retry(&mut self, failed: &FailedDelivery, _rng: &mut Stream) -> Option<Dur> {
        self.book.borrow_mut().deliveries_failed += 1;
        if failed.attempts > self.retries {
            return None;
        }
        self.book.borrow_mut().deliveries_retried += 1;
        let due = failed.failed_at.ms() + self.retry_after.as_ms();
        if let Some(guid) = self.guids.get(&failed.seq).copied() {
            let pending = matches!(
                self.book.borrow().snapshots.get(&guid),
                Some(s) if s.delivery_ms.is_none()
            );
            if pending {
                self.set_due(guid, Some(due));
            }
        }
        Some(self.retry_after)
    }
}

/// Decodes a `MessageSent` log into `(guid, sender, receiver, message)`.
pub fn decode_sent(log: &Log) -> Option<BridgeLite::MessageSent> {
    BridgeLite::MessageSent::decode_raw_log(log.topics.iter().copied(), &log.data).ok()
}

/// Epoch and operator list of a snapshot payload (with or without the sequence number).
pub fn decode_snapshot(message: &[u8], sequenced: bool) -> Option<(u32, Vec<Address>)> {
    if sequenced {
        <(u32, u64, Vec<Address>, Vec<Address>, Vec<U256>, U256)>::abi_decode_params(message)
            .ok()
            .map(|(e, _, ops, ..)| (e, ops))
    } else {
        <(u32, Vec<Address>, Vec<Address>, Vec<U256>, U256)>::abi_decode_params(message)
            .ok()
            .map(|(e, ops, ..)| (e, ops))
    }
}

/// The route that carries epoch snapshots from M to remote `index`.
pub fn snapshot_route(
    shared: &Shared,
    index: usize,
    r: &Remote,
    main: ChainIdx,
    main_chain_id: u64,
    policy: impl BridgePolicy + 'static,
) -> BridgeRoute {
    let book = shared.clone();
    let sequenced = shared.borrow().quirks.replica_sequence;
    let bridge_in = r.bridge_in;
    BridgeRoute {
        name: format!("avs/{}", r.name),
        from: main,
        emitter: r.bridge_out,
        topic0: BridgeLite::MessageSent::SIGNATURE_HASH,
        to: r.chain,
        gas_limit: 3_000_000,
        encode: Box::new(move |log, block| {
            let sent = decode_sent(log)?;
            if let Some((epoch, operators)) = decode_snapshot(&sent.message, sequenced) {
                let mut b = book.borrow_mut();
                if !b.snapshots.contains_key(&sent.guid) {
                    b.snapshot_order.push(sent.guid);
                    b.snapshots.insert(
                        sent.guid,
                        SnapshotInfo {
                            remote: index,
                            epoch,
                            block,
                            operators,
                            processed: false,
                            delivery_ms: None,
                        },
                    );
                }
            }
            let call = BridgeLite::deliverCall {
                _0: U256::from(main_chain_id),
                from: sent.sender,
                receiver: sent.receiver,
                guid: sent.guid,
                message: sent.message,
            };
            Some((bridge_in, Bytes::from(call.abi_encode())))
        }),
        policy: Box::new(policy),
    }
}

/// A route that delivers every `MessageSent` of `src` bridge to the `dst` bridge as is.
pub fn plain_route(
    name: String,
    src: (ChainIdx, Address, u64),
    dst: (ChainIdx, Address),
    policy: impl BridgePolicy + 'static,
) -> BridgeRoute {
    let (from, emitter, src_chain_id) = src;
    let (to, bridge) = dst;
    BridgeRoute {
        name,
        from,
        emitter,
        topic0: BridgeLite::MessageSent::SIGNATURE_HASH,
        to,
        gas_limit: 1_000_000,
        encode: Box::new(move |log, _block| {
            let sent = decode_sent(log)?;
            let call = BridgeLite::deliverCall {
                _0: U256::from(src_chain_id),
                from: sent.sender,
                receiver: sent.receiver,
                guid: sent.guid,
                message: sent.message,
            };
            Some((bridge, Bytes::from(call.abi_encode())))
        }),
        policy: Box::new(policy),
    }
}

//! The AVS side of the engine bridge: which logs are messages, how they are delivered, and the
//! bridge policy (latency plus the bridge adversary's delays, drops and duplicates).

use super::bindings::BridgeLite;
use super::book::{Remote, Shared, SnapshotInfo};
use crate::chain::{ChainIdx, Log};
use crate::engine::bridge::{BridgeMessage, BridgePolicy, BridgeRoute};
use crate::engine::seed::Stream;
use crate::engine::time::Dur;
use crate::scenario::units::DurRange;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};

/// Uniform latency per message.
pub struct Latency {
    range: DurRange,
}

impl Latency {
    pub fn new(range: DurRange) -> Self {
        Latency { range }
    }
}

impl BridgePolicy for Latency {
    fn schedule(&mut self, _msg: &BridgeMessage, rng: &mut Stream) -> Vec<Dur> {
        vec![Dur::ms(rng.range_inclusive(
            self.range.lo.as_ms(),
            self.range.hi.as_ms(),
        ))]
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

//! `tbtc.redeemer`: a seeded Poisson stream of redemption requests, each to a uniformly drawn
//! wallet, submitted to the bridge as transactions.

use super::config::RedeemerParams;
use super::node::redemption_key;
use super::state::{PendingRedemption, Shared};
use super::{demand, Bridge};
use crate::engine::actor::{Actor, Ctx, Event};
use crate::protocols::{ActorParams, Spawn};
use alloy_primitives::{keccak256, Bytes, FixedBytes, B256};
use std::collections::BTreeMap;

const NEXT: u64 = 1;

impl ActorParams for RedeemerParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let shared = super::state::shared_of(env);
        Box::new(Redeemer {
            params: self.clone(),
            shared,
            seq: 0,
            in_flight: BTreeMap::new(),
        })
    }
}

/// A redemption load generator.
pub struct Redeemer {
    params: RedeemerParams,
    shared: Shared,
    seq: u64,
    in_flight: BTreeMap<B256, (usize, Vec<u8>)>,
}

impl Redeemer {
    fn schedule(&self, ctx: &mut Ctx) {
        demand::schedule_next(ctx, self.params.every, NEXT);
    }

    fn request(&mut self, ctx: &mut Ctx) {
        let (chain, bridge, n) = demand::target(&self.shared, self.params.wallets);
        let wallet = ctx.rng().pick(n);
        let pkh = self.shared.borrow().wallets[wallet].pkh;
        // A P2WPKH output script to a key only this request uses.
        let mut label = ctx.name().as_bytes().to_vec();
        label.extend_from_slice(&self.seq.to_be_bytes());
        self.seq += 1;
        let mut script = vec![0x00, 0x14];
        script.extend_from_slice(&keccak256(&label)[..20]);
        let tx = ctx.send_tx(
            chain,
            bridge,
            &Bridge::requestRedemptionCall {
                walletPubKeyHash: FixedBytes(pkh),
                redeemerOutputScript: Bytes::from(script.clone()),
                requestedAmount: self.params.amount,
                txMaxFee: self.params.tx_max_fee,
            },
        );
        self.in_flight.insert(tx, (wallet, script));
    }
}

impl Actor for Redeemer {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: NEXT } => {
                self.request(ctx);
                self.schedule(ctx);
            }
            Event::Receipt { receipt, block, .. } => {
                let Some((wallet, script)) = self.in_flight.remove(&receipt.tx) else {
                    return;
                };
                let mut s = self.shared.borrow_mut();
                if !receipt.status.is_success() {
                    s.count("redemption_requests_refused", 1);
                    return;
                }
                s.count("redemption_requests", 1);
                let key = redemption_key(&s.wallets[wallet].pkh, &script);
                s.pending.insert(
                    key,
                    PendingRedemption {
                        wallet,
                        script,
                        requested_block: block.number,
                        requested_ts: block.timestamp,
                        proposed_block: None,
                        signed_block: None,
                    },
                );
            }
            Event::Dropped { tx, .. } => {
                self.in_flight.remove(&tx.tx);
            }
            _ => {}
        }
    }
}

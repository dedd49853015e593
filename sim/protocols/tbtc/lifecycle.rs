//! `tbtc.wallet_lifecycle`: the wallet-governance load generator behind the two checklist
//! actions no other demand reaches (spec 10, "moved-funds sweep requests and moving-funds
//! triggers, all submitted as contract calls"). On one seeded Poisson clock a Live wallet starts
//! moving its funds: `beginMovingFunds` puts it in MovingFunds with a main UTXO and the
//! commitment to Live target wallets, so its leaders propose `MovingFunds` in the next sweep
//! window; the signed move's proof creates one moved-funds sweep request per target. On another
//! clock it creates moved-funds sweep requests directly (`addMovedFundsSweepRequest`). The bridge
//! accepts both only from its owner or this actor (`walletGovernance`).

use super::config::LifecycleParams;
use super::message::{main_utxo_hash, moved_funds_sweep_key};
use super::state::{MovingFundsOrder, PendingMovedFunds, Shared};
use super::{demand, Bridge};
use crate::engine::actor::{Actor, Ctx, Event};
use crate::protocols::{ActorParams, Spawn};
use alloy_primitives::{keccak256, FixedBytes, B256};
use std::collections::BTreeMap;

const MOVING: u64 = 1;
const MOVED: u64 = 2;

impl ActorParams for LifecycleParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let shared = super::state::shared_of(env);
        Box::new(Lifecycle {
            params: self.clone(),
            shared,
            seq: 0,
            in_flight: BTreeMap::new(),
        })
    }
}

/// A governance call in flight: what it records once it lands.
#[derive(Clone, Debug)]
enum Pending {
    Moving(usize, MovingFundsOrder),
    Moved(PendingMovedFunds),
}

/// The wallet-lifecycle load generator.
pub struct Lifecycle {
    params: LifecycleParams,
    shared: Shared,
    seq: u64,
    in_flight: BTreeMap<B256, Pending>,
}

impl Lifecycle {
    fn schedule(&self, ctx: &mut Ctx, tag: u64) {
        let every = if tag == MOVING {
            self.params.moving_funds_every
        } else {
            self.params.moved_funds_every
        };
        if let Some(every) = every {
            demand::schedule_next(ctx, every, tag);
        }
    }

    /// A transaction hash only this actor's `seq`-th call uses.
    fn fresh_hash(&mut self, ctx: &Ctx) -> B256 {
        let mut label = ctx.name().as_bytes().to_vec();
        label.extend_from_slice(&self.seq.to_be_bytes());
        self.seq += 1;
        keccak256(&label)
    }

    /// The wallets among the first `n` that are still Live (as far as this run has moved them).
    fn live(&self, n: usize) -> Vec<usize> {
        let s = self.shared.borrow();
        (0..n).filter(|w| !s.retired[*w]).collect()
    }

    fn begin_moving_funds(&mut self, ctx: &mut Ctx) {
        let (chain, bridge, n) = demand::target(&self.shared, self.params.wallets);
        let mut live = self.live(n);
        let wanted = self.params.targets as usize;
        if live.len() < wanted + 1 {
            self.shared
                .borrow_mut()
                .count("moving_funds_skipped_no_targets", 1);
            return;
        }
        let source = live.remove(ctx.rng().pick(live.len()));
        let mut targets = Vec::with_capacity(wanted);
        for _ in 0..wanted {
            targets.push(live.remove(ctx.rng().pick(live.len())));
        }
        let main_utxo = (self.fresh_hash(ctx), 0, self.params.main_utxo_value);
        let (pkh, target_pkhs) = {
            let mut s = self.shared.borrow_mut();
            // Retired at once, so no later draw picks it again while the call is in flight.
            s.retired[source] = true;
            let pkhs: Vec<FixedBytes<20>> = targets
                .iter()
                .map(|t| FixedBytes(s.wallets[*t].pkh))
                .collect();
            (s.wallets[source].pkh, pkhs)
        };
        let tx = ctx.send_tx(
            chain,
            bridge,
            &Bridge::beginMovingFundsCall {
                walletPubKeyHash: FixedBytes(pkh),
                mainUtxoHash: main_utxo_hash(&main_utxo),
                targetWallets: target_pkhs,
            },
        );
        let order = MovingFundsOrder {
            targets,
            main_utxo,
            begun_block: 0,
            proposed_block: None,
            signed_block: None,
        };
        self.in_flight.insert(tx, Pending::Moving(source, order));
    }

    fn add_moved_funds_request(&mut self, ctx: &mut Ctx) {
        let (chain, bridge, n) = demand::target(&self.shared, self.params.wallets);
        let live = self.live(n);
        if live.is_empty() {
            return;
        }
        let wallet = live[ctx.rng().pick(live.len())];
        let tx_hash = self.fresh_hash(ctx);
        let pkh = self.shared.borrow().wallets[wallet].pkh;
        let tx = ctx.send_tx(
            chain,
            bridge,
            &Bridge::addMovedFundsSweepRequestCall {
                txHash: tx_hash,
                outputIndex: 0,
                walletPubKeyHash: FixedBytes(pkh),
            },
        );
        let request = PendingMovedFunds {
            wallet,
            tx_hash,
            output_index: 0,
            requested_block: 0,
            proposed_block: None,
            signed_block: None,
        };
        self.in_flight.insert(tx, Pending::Moved(request));
    }
}

impl Actor for Lifecycle {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx, MOVING);
        self.schedule(ctx, MOVED);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: MOVING } => {
                self.begin_moving_funds(ctx);
                self.schedule(ctx, MOVING);
            }
            Event::Timer { tag: MOVED } => {
                self.add_moved_funds_request(ctx);
                self.schedule(ctx, MOVED);
            }
            Event::Receipt { receipt, block, .. } => {
                let Some(p) = self.in_flight.remove(&receipt.tx) else {
                    return;
                };
                let ok = receipt.status.is_success();
                let mut s = self.shared.borrow_mut();
                match p {
                    Pending::Moving(source, mut order) => {
                        if !ok {
                            s.retired[source] = false;
                            s.count("moving_funds_refused", 1);
                            return;
                        }
                        s.count("moving_funds_begun", 1);
                        order.begun_block = block.number;
                        s.moving.insert(source, order);
                    }
                    Pending::Moved(mut r) => {
                        if !ok {
                            s.count("moved_funds_sweep_requests_refused", 1);
                            return;
                        }
                        s.count("moved_funds_sweep_requests", 1);
                        r.requested_block = block.number;
                        s.moved_funds
                            .insert(moved_funds_sweep_key(&r.tx_hash, r.output_index), r);
                    }
                }
            }
            Event::Dropped { tx, .. } => {
                if let Some(Pending::Moving(source, _)) = self.in_flight.remove(&tx.tx) {
                    self.shared.borrow_mut().retired[source] = false;
                }
            }
            _ => {}
        }
    }
}

//! `tbtc.depositor`: a seeded Poisson stream of deposit reveals, each to a uniformly drawn wallet
//! and vault, submitted to the bridge as `revealDeposit` transactions. A revealed deposit waits
//! for a leader's deposit sweep (every `F`-th window).

use super::config::DepositorParams;
use super::message::deposit_key;
use super::state::{PendingDeposit, Shared};
use super::{demand, Bridge};
use crate::engine::actor::{Actor, Ctx, Event};
use crate::protocols::{ActorParams, Spawn};
use alloy_primitives::{keccak256, Address, FixedBytes, B256};
use std::collections::BTreeMap;

const NEXT: u64 = 1;

impl ActorParams for DepositorParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let shared = super::state::shared_of(env);
        Box::new(Depositor {
            params: self.clone(),
            shared,
            seq: 0,
            in_flight: BTreeMap::new(),
        })
    }
}

/// The vault address number `i` deposits may target (a fixed, recognisable address).
pub fn vault(i: u32) -> Address {
    Address::from_slice(&keccak256(format!("tbtc.vault/{i}"))[12..])
}

/// A reveal in flight: what the deposit will be once the transaction lands.
#[derive(Clone, Debug)]
struct Reveal {
    wallet: usize,
    funding_tx: B256,
    vault: Address,
    extra_info_hash: B256,
    refund_locktime: u64,
}

/// A deposit load generator.
pub struct Depositor {
    params: DepositorParams,
    shared: Shared,
    seq: u64,
    in_flight: BTreeMap<B256, Reveal>,
}

impl Depositor {
    fn schedule(&self, ctx: &mut Ctx) {
        demand::schedule_next(ctx, self.params.every, NEXT);
    }

    fn reveal(&mut self, ctx: &mut Ctx) {
        let (chain, bridge, n) = demand::target(&self.shared, self.params.wallets);
        let wallet = ctx.rng().pick(n);
        let vault = vault(ctx.rng().pick(self.params.vaults as usize) as u32);
        let pkh = self.shared.borrow().wallets[wallet].pkh;
        // A funding transaction only this deposit uses.
        let mut label = ctx.name().as_bytes().to_vec();
        label.extend_from_slice(&self.seq.to_be_bytes());
        self.seq += 1;
        let funding_tx = keccak256(&label);
        let refund_locktime = ctx.head(chain).timestamp + self.params.refund_after.as_ms() / 1000;
        // The deposit script's parameters (depositor, blinding factor, wallet, refund key,
        // locktime): the extra data whose hash the bridge keeps.
        let mut blinding = [0u8; 8];
        ctx.rng().fill(&mut blinding);
        let mut refund_pkh = [0u8; 20];
        ctx.rng().fill(&mut refund_pkh);
        let mut extra = ctx.address().to_vec();
        extra.extend_from_slice(&blinding);
        extra.extend_from_slice(&pkh);
        extra.extend_from_slice(&refund_pkh);
        extra.extend_from_slice(&(refund_locktime as u32).to_be_bytes());
        let extra_info_hash = keccak256(&extra);
        let tx = ctx.send_tx(
            chain,
            bridge,
            &Bridge::revealDepositCall {
                fundingTxHash: funding_tx,
                fundingOutputIndex: 0,
                walletPubKeyHash: FixedBytes(pkh),
                vault,
                amount: self.params.amount,
                refundLocktime: refund_locktime as u32,
                extraInfoHash: extra_info_hash,
            },
        );
        self.in_flight.insert(
            tx,
            Reveal {
                wallet,
                funding_tx,
                vault,
                extra_info_hash,
                refund_locktime,
            },
        );
    }
}

impl Actor for Depositor {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: NEXT } => {
                self.reveal(ctx);
                self.schedule(ctx);
            }
            Event::Receipt { receipt, block, .. } => {
                let Some(r) = self.in_flight.remove(&receipt.tx) else {
                    return;
                };
                let mut s = self.shared.borrow_mut();
                if !receipt.status.is_success() {
                    s.count("deposit_reveals_refused", 1);
                    return;
                }
                s.count("deposit_reveals", 1);
                s.deposits.insert(
                    deposit_key(&r.funding_tx, 0),
                    PendingDeposit {
                        wallet: r.wallet,
                        funding_tx: r.funding_tx,
                        output_index: 0,
                        vault: r.vault,
                        extra_info_hash: r.extra_info_hash,
                        revealed_block: block.number,
                        revealed_ts: block.timestamp,
                        refund_locktime: r.refund_locktime,
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

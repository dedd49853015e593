//! `bold.copycat`: the copycat whale of spec §6 (item 11). Late in every block interval it
//! reads the public mempool and re-submits each pending honest challenge-manager transaction
//! from its own account with a higher priority fee, so its copy lands first: it pays any
//! mini-stake itself, its edges are the honest edges (it is refunded as their staker), and
//! spec-mode reimbursement, sender-agnostic and first-copy-wins, pays it. With
//! `only_timer_updates` it is the timer griefer's front-running variant (spec §6 item 10):
//! it copies honest timer updates only, and the honest original reverts cheaply on the gate.

use super::bindings::Ecm;
use super::{game, Bold, Shared, Side};
use crate::engine::actor::{Actor, Ctx, Event, TxOpts};
use crate::engine::time::Dur;
use crate::protocols::{ActorParams, Spawn};
use alloy_primitives::B256;
use alloy_sol_types::SolCall;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

const TICK: u64 = 1;

/// Parameters of `bold.copycat`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopycatParams {
    /// Copy only timer-cache updates (the front-running timer griefer).
    #[serde(default)]
    pub only_timer_updates: bool,
    /// First block it acts at.
    #[serde(default)]
    pub start: u64,
}

impl ActorParams for CopycatParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let bold: Shared = env
            .shared
            .clone()
            .downcast::<Bold>()
            .expect("bold actors run with the bold instance");
        Box::new(Copycat {
            bold,
            p: self.clone(),
            seen: BTreeSet::new(),
            mine: BTreeMap::new(),
        })
    }
}

struct Copycat {
    bold: Shared,
    p: CopycatParams,
    /// Honest transactions already copied.
    seen: BTreeSet<B256>,
    /// Its copies in flight, with the label of the call.
    mine: BTreeMap<B256, &'static str>,
}

fn label(data: &[u8]) -> Option<&'static str> {
    let sel: [u8; 4] = data.get(..4)?.try_into().ok()?;
    Some(match sel {
        Ecm::createLayerZeroEdgeCall::SELECTOR => "create_edge",
        Ecm::bisectEdgeCall::SELECTOR => "bisect",
        Ecm::confirmEdgeByOneStepProofCall::SELECTOR => "one_step_prove",
        Ecm::multiUpdateTimeCacheByChildrenCall::SELECTOR
        | Ecm::updateTimerCacheByChildrenCall::SELECTOR
        | Ecm::updateTimerCacheByClaimCall::SELECTOR => "update_timers",
        Ecm::confirmEdgeByTimeCall::SELECTOR => "confirm_edge",
        Ecm::refundStakeCall::SELECTOR => "refund",
        _ => return None,
    })
}

impl Copycat {
    /// Three quarters into the block interval: after the honest parties sent their moves.
    fn schedule(&self, ctx: &mut Ctx) {
        let bt = self.bold.block_time_ms.max(1);
        let now = ctx.now().ms();
        let next = (now / bt) * bt + bt * 3 / 4;
        let next = if next <= now { next + bt } else { next };
        ctx.set_timer(Dur::ms(next - now), TICK);
    }

    fn tick(&mut self, ctx: &mut Ctx) {
        let bold = self.bold.clone();
        if ctx.block_number(bold.chain) < self.p.start {
            return;
        }
        let me = ctx.address();
        let honest: Vec<_> = ctx
            .pending_txs(bold.chain)
            .into_iter()
            .filter(|t| t.req.to == Some(bold.ecm) && t.req.from != me)
            .filter(|t| bold.book.borrow().sides.get(&t.req.from) == Some(&Side::Honest))
            .collect();
        for t in honest {
            if !self.seen.insert(t.hash) {
                continue;
            }
            let Some(what) = label(&t.req.data) else {
                continue;
            };
            if self.p.only_timer_updates && what != "update_timers" {
                continue;
            }
            let opts = TxOpts {
                gas_limit: game::GAS,
                tip: t.req.max_priority_fee * 2,
                ..TxOpts::default()
            };
            let h = ctx.send_tx_with(bold.chain, Some(bold.ecm), t.req.data.clone(), opts);
            self.mine.insert(h, what);
            let head = ctx.block_number(bold.chain);
            let mut b = bold.book.borrow_mut();
            b.last_adversary_move = b.last_adversary_move.max(head);
        }
    }
}

impl Actor for Copycat {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx);
    }
    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: TICK } => {
                self.tick(ctx);
                self.schedule(ctx);
            }
            Event::Receipt { receipt: r, .. } => {
                let Some(what) = self.mine.remove(&r.tx) else {
                    return;
                };
                let ok = r.status.is_success();
                if what == "update_timers" {
                    super::actors::timer_update_outcome(ctx, r);
                }
                ctx.metric_add("bold.adversary_gas", r.gas_used as i128);
                ctx.metric_add(
                    "bold.adversary_gas_wei",
                    r.gas_used as i128 * r.effective_gas_price as i128,
                );
                ctx.metric_add(
                    &format!(
                        "bold.copycat_moves.{what}.{}",
                        if ok { "ok" } else { "reverted" }
                    ),
                    1,
                );
            }
            _ => {}
        }
    }
}

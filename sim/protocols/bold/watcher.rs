//! `bold.watcher`: the out-of-band reimbursement watcher (spec §8), online. Every block it
//! reads the block's receipts from the chain, as a client of an L1 node would, and feeds them
//! to the reimbursement module in both modes. With `reimbursement.post_to_ledger` it records
//! the block's spec-mode payments in the `ReimbursementLedger` (one transaction per block with
//! payments), where the payouts pipeline reads them; otherwise it writes nothing on chain. Each
//! payment file it
//! would write is noted in the trace with its keccak (Run A), so that the files recomputed
//! from the trace alone (Run B) can be held against them. A timer update spec mode leaves
//! unpaid because its calldata is not in canonical form is noted too, with the reason, and
//! counted in `bold.reimb_spec_unpaid_non_canonical`. Totals per mode and payee become
//! metrics (spec §9).

use super::bindings::ReimbursementLedger;
use super::reimburse::{
    feed::FeedBlock, Mode, Payment, PaymentKind, Reimburser, Setting, NOTE_PREFIX, SKIP_PREFIX,
};
use super::{Bold, Shared, Side};
use crate::engine::actor::{Actor, Ctx, Event, TxOpts};
use crate::engine::time::Dur;
use crate::protocols::{ActorParams, Spawn};
use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use serde::Deserialize;
use std::collections::BTreeMap;

const TICK: u64 = 1;

/// `bold.watcher` takes no parameters (the rules are under `protocols.bold.reimbursement`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatcherParams {}

impl ActorParams for WatcherParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let bold: Shared = env
            .shared
            .clone()
            .downcast::<Bold>()
            .expect("bold actors run with the bold instance");
        Box::new(Watcher {
            bold,
            r: None,
            next: 1,
            skips_noted: 0,
        })
    }
}

struct Watcher {
    bold: Shared,
    r: Option<Reimburser>,
    /// The next block number it expects.
    next: u64,
    /// Spec-mode skips already noted in the trace.
    skips_noted: usize,
}

impl Watcher {
    fn schedule(&self, ctx: &mut Ctx) {
        let bt = self.bold.block_time_ms.max(1);
        let now = ctx.now().ms();
        let next = (now / bt) * bt + bt / 2;
        let next = if next <= now { next + bt } else { next };
        ctx.set_timer(Dur::ms(next - now), TICK);
    }

    fn reimburser(&mut self, ctx: &Ctx) -> &mut Reimburser {
        let bold = self.bold.clone();
        self.r.get_or_insert_with(|| {
            let excluded = bold
                .p
                .reimb
                .excluded_proposers
                .iter()
                .filter_map(|n| ctx.actor_by_name(&n.value).map(|id| ctx.actor_address(id)))
                .collect();
            Reimburser::new(Setting {
                truth: bold.honest.clone(),
                rollup: bold.rollup,
                ecm: bold.ecm,
                challenge_period: bold.p.challenge_period,
                confirm_period: bold.p.confirm_period,
                grace: bold.p.grace,
                params: bold.p.reimb.clone(),
                excluded,
            })
        })
    }

    fn tick(&mut self, ctx: &mut Ctx) {
        let Some((chain, block)) = ctx.last_block() else {
            return;
        };
        if chain != self.bold.chain || block.header.number < self.next {
            return;
        }
        let feed = FeedBlock::from_block(block);
        if feed.number > self.next {
            ctx.note(format!(
                "watcher missed blocks {}..{}",
                self.next,
                feed.number - 1
            ));
        }
        self.next = feed.number + 1;
        let names: BTreeMap<Address, String> = ctx
            .actors()
            .map(|id| (ctx.actor_address(id), ctx.actor_name(id).to_string()))
            .collect();
        let skips_noted = self.skips_noted;
        let r = self.reimburser(ctx);
        let paid = match r.block(&feed) {
            Ok(p) => p,
            Err(e) => {
                ctx.note(format!("watcher error: {e}"));
                return;
            }
        };
        let notes: Vec<String> = {
            let mut files: Vec<&String> = paid.iter().map(|p| &p.file).collect();
            files.dedup();
            files
                .into_iter()
                .map(|f| {
                    format!(
                        "{NOTE_PREFIX}{f} {}",
                        r.file_keccak(f).expect("just written")
                    )
                })
                .collect()
        };
        let skips: Vec<String> = r.spec_skipped()[skips_noted..]
            .iter()
            .map(|s| {
                format!(
                    "{SKIP_PREFIX}{} tx {} block {}: {}",
                    s.action.name(),
                    s.tx,
                    s.block,
                    s.reason
                )
            })
            .collect();
        let aborts = r.compat.aborts;
        self.skips_noted += skips.len();
        if !skips.is_empty() {
            ctx.metric_add("bold.reimb_spec_unpaid_non_canonical", skips.len() as i128);
        }
        for n in skips.into_iter().chain(notes) {
            ctx.note(n);
        }
        if let Some(ledger) = self.bold.ledger {
            self.post(ctx, ledger, &paid);
        }
        for p in &paid {
            let amount = p.amount.saturating_to::<u128>().min(i128::MAX as u128) as i128;
            let mode = match p.mode {
                Mode::Spec => "spec",
                Mode::Compat => "compat",
            };
            let kind = match p.kind {
                PaymentKind::Gas => "gas",
                PaymentKind::ServiceFee => "fee",
            };
            let who = names
                .get(&p.payee)
                .cloned()
                .unwrap_or_else(|| format!("{}", p.payee));
            ctx.metric_add(&format!("bold.reimb_{mode}_{kind}_total"), amount);
            ctx.metric_add(&format!("bold.reimb_payees.{mode}.{who}"), amount);
            // Spec wei against compat gwei, per payee.
            let delta = match p.mode {
                Mode::Spec => -amount,
                Mode::Compat => amount.saturating_mul(1_000_000_000),
            };
            ctx.metric_add(&format!("bold.compat_vs_spec_delta.{who}"), delta);
            let side = self.bold.book.borrow().sides.get(&p.payee).copied();
            if p.mode == Mode::Spec && side != Some(Side::Honest) {
                ctx.metric_add("bold.reimb_captured_by_non_honest", amount);
            }
        }
        ctx.metric_set(
            "bold.pr649_aborts",
            crate::trace::Value::Int(aborts as i128),
        );
    }
}

impl Watcher {
    /// Records the spec-mode payments of one block in the ledger, in the order they were made.
    fn post(&self, ctx: &mut Ctx, ledger: Address, paid: &[Payment]) {
        let spec: Vec<&Payment> = paid.iter().filter(|p| p.mode == Mode::Spec).collect();
        if spec.is_empty() {
            return;
        }
        let call = ReimbursementLedger::recordReimbursementsCall {
            payees: spec.iter().map(|p| p.payee).collect(),
            kinds: spec.iter().map(|p| ledger_kind(p.kind)).collect(),
            amountsWei: spec.iter().map(|p| p.amount).collect(),
        };
        let opts = TxOpts {
            gas_limit: 100_000 + 40_000 * spec.len() as u64,
            ..TxOpts::default()
        };
        ctx.send_tx_with(
            self.bold.chain,
            Some(ledger),
            call.abi_encode().into(),
            opts,
        );
    }
}

/// The ledger's `kind` of a payment (`KIND_GAS`, `KIND_SERVICE_FEE`).
fn ledger_kind(kind: PaymentKind) -> u8 {
    match kind {
        PaymentKind::Gas => 0,
        PaymentKind::ServiceFee => 1,
    }
}

impl Actor for Watcher {
    fn start(&mut self, ctx: &mut Ctx) {
        ctx.metric_add("bold.reimb_captured_by_non_honest", 0);
        self.schedule(ctx);
    }
    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        if let Event::Timer { tag: TICK } = event {
            self.tick(ctx);
            self.schedule(ctx);
        }
    }
}

//! Actors of the payouts pipeline: the payer (accountant and executor), a service-fee issuer (a
//! generic obligation source) and passive payees.

use super::accountant::{InvoiceRow, L1};
use super::bindings::{FeeLedger, L2Gateway, Token, ZkBridge};
use super::config::L1Mode;
use super::obligations::{self, Bound, LogView, Obligation};
use super::{MethodStats, Shared};
use crate::engine::actor::{Actor, ActorId, Ctx, Event, TxOpts};
use crate::engine::time::{Dur, SimTime};
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::units::Amount;
use crate::scenario::yaml::Located;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use serde::Deserialize;
use std::collections::BTreeMap;

const CLOSE_PERIOD: u64 = super::derive::CLOSE_TAG;
const ISSUE: u64 = 2;

/// Rows of one `l1` batch transaction at most (keeps each call well inside a block).
pub const L1_BATCH_ROWS: usize = 400;

fn book_of(env: &Spawn) -> Shared {
    env.shared
        .clone()
        .downcast::<std::cell::RefCell<super::Book>>()
        .expect("payouts actors run with the payouts book")
}

/// Parameters of the `payouts.payer` (no options: the protocol parameters drive it).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerParams {}

/// Parameters of a `payouts.payee` (passive: it only receives).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayeeParams {}

/// Parameters of a `payouts.issuer`: records service fees owed to payees at a fixed interval.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerParams {
    /// Time between two fee records (the first at `every`).
    pub every: Dur,
    /// Fee owed to each payee per record.
    pub amount: Amount,
    /// Payees by actor name or kind; default every `payouts.payee`.
    #[serde(default)]
    pub to: Vec<Located<String>>,
    /// Last time it records fees; default to the end of the run.
    #[serde(default)]
    pub until: Option<Dur>,
}

impl ActorParams for PayeeParams {
    fn spawn(&self, _env: &Spawn) -> Box<dyn Actor> {
        Box::new(Payee)
    }
}

/// A payee with no behaviour of its own.
pub struct Payee;

impl Actor for Payee {
    fn start(&mut self, _ctx: &mut Ctx) {}
    fn handle(&mut self, _ctx: &mut Ctx, _event: &Event) {}
}

impl ActorParams for IssuerParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Issuer {
            params: self.clone(),
            book: book_of(env),
            payees: Vec::new(),
        })
    }
}

/// Records fees owed in the `FeeLedger`.
pub struct Issuer {
    params: IssuerParams,
    book: Shared,
    payees: Vec<Address>,
}

impl Actor for Issuer {
    fn start(&mut self, ctx: &mut Ctx) {
        let ids: Vec<ActorId> = ctx.actors().collect();
        self.payees = ids
            .into_iter()
            .filter(|id| {
                let (name, kind) = (ctx.actor_name(*id), ctx.actor_kind(*id));
                if self.params.to.is_empty() {
                    kind == "payouts.payee"
                } else {
                    self.params
                        .to
                        .iter()
                        .any(|t| t.value == name || t.value == kind)
                }
            })
            .map(|id| ctx.actor_address(id))
            .collect();
        ctx.set_timer(self.params.every, ISSUE);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        if let Event::Timer { tag: ISSUE } = event {
            if self
                .params
                .until
                .is_some_and(|u| ctx.now().ms() > u.as_ms())
            {
                return;
            }
            let (l1, ledger) = {
                let b = self.book.borrow();
                (b.l1, b.fee_ledger)
            };
            let call = FeeLedger::recordFeesCall {
                payees: self.payees.clone(),
                amounts: vec![self.params.amount.0; self.payees.len()],
            };
            let opts = TxOpts {
                gas_limit: 200_000 + 6_000 * self.payees.len() as u64,
                ..TxOpts::default()
            };
            ctx.send_tx_with(l1, Some(ledger), call.abi_encode().into(), opts);
            ctx.set_timer(self.params.every, ISSUE);
        }
    }
}

impl ActorParams for PayerParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Payer {
            book: book_of(env),
            sources: Vec::new(),
            db: PayerDb::default(),
        })
    }
}

/// What a payer transaction was for.
#[derive(Clone, Debug)]
pub struct InFlight {
    period: u32,
    method: &'static str,
    /// Pays payees (transfers); otherwise it moves funds (the l1 lock of `zksync`).
    pays: bool,
}

/// What the payer keeps in its own database: a real payer writes its invoices, plans and the
/// transactions it sent before it acts on them, so a payer that crashes and restarts resumes
/// with them (the obligation logs and receipts that arrived while it was down are lost to it).
#[derive(Clone, Debug)]
pub struct PayerDb {
    /// Obligations seen, by the period they fall in.
    pending: BTreeMap<u32, Vec<Obligation>>,
    /// Rows held in the last period, carried to the next.
    carried: Vec<InvoiceRow>,
    inflight: BTreeMap<B256, InFlight>,
    /// `zksync` rows waiting for their l2 funds, by period.
    zk_batches: BTreeMap<u32, (Vec<Address>, Vec<U256>)>,
    /// Bridge deposit id of each period's `zksync` batch, once its l1 deposit is included.
    zk_deposits: BTreeMap<u32, u64>,
    /// The next period to close (from 1).
    next_close: u32,
}

impl Default for PayerDb {
    fn default() -> Self {
        PayerDb {
            pending: BTreeMap::new(),
            carried: Vec::new(),
            inflight: BTreeMap::new(),
            zk_batches: BTreeMap::new(),
            zk_deposits: BTreeMap::new(),
            next_close: 1,
        }
    }
}

/// The accountant and executor: closes every period, pays each method's batch, tracks receipts.
pub struct Payer {
    book: Shared,
    sources: Vec<Bound>,
    db: PayerDb,
}

/// The period (from 1) a time falls in.
pub fn period_of(t_ms: u64, period_ms: u64) -> u32 {
    (t_ms / period_ms + 1) as u32
}

impl Payer {
    fn period_ms(&self) -> u64 {
        self.book.borrow().cfg.period.value.as_ms()
    }

    fn opts(&self, ctx: &Ctx, chain: crate::chain::ChainIdx, gas_limit: u64) -> TxOpts {
        let tip = self.book.borrow().cfg.tip_gwei as u128 * 1_000_000_000;
        TxOpts {
            gas_limit,
            tip,
            max_fee: Some(ctx.base_fee(chain) * 2 + tip),
            value: U256::ZERO,
        }
    }

    /// Writes the payer's state to its database.
    fn persist(&self) {
        self.book.borrow_mut().payer_db = Some(self.db.clone());
    }

    fn close(&mut self, ctx: &mut Ctx) {
        let pm = self.period_ms();
        let period = self.db.next_close;
        self.db.next_close = period + 1;
        let obligations = self.db.pending.remove(&period).unwrap_or_default();
        let (plan, mode) = {
            let b = self.book.borrow();
            let carried = std::mem::take(&mut self.db.carried);
            let plan = super::derive::close_period(
                &b.cfg,
                &b.payees,
                &b.actors,
                period,
                ctx.now().ms(),
                &obligations,
                carried,
            );
            (plan, b.cfg.l1_mode)
        };
        self.db.carried = plan.held.clone();
        if self.book.borrow().cfg.planted_pay_held {
            self.pay_held_planted(ctx, period, &plan.held);
        }
        if !plan.held.is_empty() {
            ctx.note(format!(
                "period {period}: {} rows held for denied wallets",
                plan.held.len()
            ));
        }
        for (method, rows) in &plan.payouts {
            match method.as_str() {
                L1 => self.pay_l1(ctx, period, rows, mode),
                "zksync" => self.fund_zksync(ctx, period, rows),
                super::raiden_method::RAIDEN => {
                    super::raiden_method::pay(&self.book, ctx, period, rows)
                }
                other => ctx.note(format!("period {period}: no executor for method `{other}`")),
            }
        }
        let last = self.book.borrow().cfg.periods;
        self.book.borrow_mut().plans.push(plan);
        if last.is_none_or(|n| period < n) {
            ctx.set_timer_at(SimTime((period as u64 + 1) * pm), CLOSE_PERIOD);
        }
        self.persist();
    }

    /// The planted defect of [`super::config::PayoutsConfig::planted_pay_held`].
    fn pay_held_planted(&mut self, ctx: &mut Ctx, period: u32, held: &[InvoiceRow]) {
        let mut rows = BTreeMap::new();
        for r in held {
            *rows.entry(r.wallet).or_insert(U256::ZERO) += r.owed;
        }
        self.pay_l1(ctx, period, &rows, L1Mode::PerRow);
    }

    fn pay_l1(&mut self, ctx: &mut Ctx, period: u32, rows: &BTreeMap<Address, U256>, mode: L1Mode) {
        let (l1, token) = {
            let b = self.book.borrow();
            (b.l1, b.token)
        };
        let flight = InFlight {
            period,
            method: L1,
            pays: true,
        };
        match mode {
            L1Mode::PerRow => {
                for (to, amount) in rows {
                    let call = Token::transferCall {
                        to: *to,
                        amount: *amount,
                    };
                    let opts = self.opts(ctx, l1, 80_000);
                    let tx = ctx.send_tx_with(l1, Some(token), call.abi_encode().into(), opts);
                    self.db.inflight.insert(tx, flight.clone());
                }
            }
            L1Mode::Batch => {
                let all: Vec<(Address, U256)> = rows.iter().map(|(a, v)| (*a, *v)).collect();
                for chunk in all.chunks(L1_BATCH_ROWS) {
                    let call = Token::batchTransferCall {
                        to: chunk.iter().map(|r| r.0).collect(),
                        amounts: chunk.iter().map(|r| r.1).collect(),
                    };
                    let opts = self.opts(ctx, l1, 60_000 + 32_000 * chunk.len() as u64);
                    let tx = ctx.send_tx_with(l1, Some(token), call.abi_encode().into(), opts);
                    self.db.inflight.insert(tx, flight.clone());
                }
            }
        }
    }

    /// The l2 batch transaction's calldata for `rows`.
    fn l2_batch(to: &[Address], amounts: &[U256]) -> Vec<u8> {
        Token::batchTransferCall {
            to: to.to_vec(),
            amounts: amounts.to_vec(),
        }
        .abi_encode()
    }

    fn fund_zksync(&mut self, ctx: &mut Ctx, period: u32, rows: &BTreeMap<Address, U256>) {
        let (l1, bridge, per_byte) = {
            let b = self.book.borrow();
            let Some(bridge) = b.bridge else {
                return;
            };
            (b.l1, bridge, b.cfg.zksync.data_gas_per_byte)
        };
        let to: Vec<Address> = rows.keys().copied().collect();
        let amounts: Vec<U256> = rows.values().copied().collect();
        let total: U256 = amounts.iter().copied().sum();
        let batch = Self::l2_batch(&to, &amounts);
        let call = ZkBridge::depositCall {
            period,
            to: ctx.address(),
            amount: total,
            batch: Bytes::from(batch.clone()),
        };
        let mut opts = self.opts(ctx, l1, 150_000 + 80 * batch.len() as u64);
        let max_fee = opts.max_fee.unwrap_or_default();
        opts.value = U256::from(batch.len() as u64) * U256::from(per_byte) * U256::from(max_fee);
        let tx = ctx.send_tx_with(l1, Some(bridge), call.abi_encode().into(), opts);
        self.db.inflight.insert(
            tx,
            InFlight {
                period,
                method: "zksync",
                pays: false,
            },
        );
        self.db.zk_batches.insert(period, (to, amounts));
    }

    fn pay_zksync(&mut self, ctx: &mut Ctx, period: u32) {
        let Some((to, amounts)) = self.db.zk_batches.remove(&period) else {
            return;
        };
        let (l2, l2_token) = {
            let b = self.book.borrow();
            match (b.l2, b.l2_token) {
                (Some(c), Some(t)) => (c, t),
                _ => return,
            }
        };
        let data = Self::l2_batch(&to, &amounts);
        let opts = self.opts(ctx, l2, 60_000 + 32_000 * to.len() as u64);
        let tx = ctx.send_tx_with(l2, Some(l2_token), data.into(), opts);
        self.db.inflight.insert(
            tx,
            InFlight {
                period,
                method: "zksync",
                pays: true,
            },
        );
    }

    fn on_receipt(
        &mut self,
        ctx: &mut Ctx,
        chain: crate::chain::ChainIdx,
        receipt: &crate::chain::Receipt,
    ) {
        if super::raiden_method::on_receipt(&self.book, ctx, receipt) {
            return;
        }
        let Some(f) = self.db.inflight.remove(&receipt.tx) else {
            return;
        };
        let period_end = f.period as u64 * self.period_ms();
        let me = ctx.address();
        let mut b = self.book.borrow_mut();
        let token = if f.method == L1 || !f.pays {
            b.token
        } else {
            b.l2_token.unwrap_or_default()
        };
        let mut s = b
            .stats
            .get(&(f.method.to_string(), f.period))
            .cloned()
            .unwrap_or_else(MethodStats::default);
        s.txs += 1;
        if chain == b.l1 {
            s.gas += receipt.gas_used;
        } else {
            s.l2_gas += receipt.gas_used;
        }
        s.cost_wei += U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
        let mut confirmed = Vec::new();
        if receipt.status.is_success() {
            for log in &receipt.logs {
                if !f.pays
                    && log.topics.first() == Some(&ZkBridge::DepositInitiated::SIGNATURE_HASH)
                {
                    if let Some(ev) = decode::<ZkBridge::DepositInitiated>(log) {
                        self.db.zk_deposits.insert(f.period, ev.id);
                    }
                }
                if log.topics.first() == Some(&ZkBridge::BatchDataPosted::SIGNATURE_HASH) {
                    if let Some(ev) = decode::<ZkBridge::BatchDataPosted>(log) {
                        s.cost_wei += ev.fee;
                    }
                }
                if !f.pays || log.address != token {
                    continue;
                }
                if let Some(ev) = decode::<Token::Transfer>(log) {
                    if ev.from == me {
                        confirmed.push((ev.to, ev.value));
                    }
                }
            }
        } else {
            b.reverted += 1;
        }
        for (to, value) in &confirmed {
            s.amount += *value;
            s.payees += 1;
            b.confirmed
                .entry((f.period, f.method.to_string(), *to))
                .or_default()
                .push(*value);
        }
        if f.pays && !confirmed.is_empty() {
            s.funds_delay_ms = s
                .funds_delay_ms
                .max(ctx.now().ms().saturating_sub(period_end));
        }
        b.stats.insert((f.method.to_string(), f.period), s);
        drop(b);
        if !receipt.status.is_success() {
            ctx.note(format!(
                "payout transaction of period {} ({}) reverted",
                f.period, f.method
            ));
        }
    }
}

/// Decodes a chain log as event `E`.
pub(crate) fn decode<E: SolEvent>(log: &crate::chain::Log) -> Option<E> {
    let prim = alloy_primitives::Log {
        address: log.address,
        data: alloy_primitives::LogData::new(log.topics.clone(), log.data.clone())?,
    };
    E::decode_log(&prim).ok().map(|l| l.data)
}

impl Actor for Payer {
    fn start(&mut self, ctx: &mut Ctx) {
        self.sources = obligations::bind(|name| ctx.contract(name).map(|(c, a)| (c.0, a)));
        for s in self.sources.clone() {
            ctx.subscribe(
                crate::chain::ChainIdx(s.chain),
                Some(s.address),
                Some(s.source.topic0()),
            );
        }
        let (l2, gateway) = {
            let b = self.book.borrow();
            (b.l2, b.gateway)
        };
        if let (Some(l2), Some(gw)) = (l2, gateway) {
            ctx.subscribe(
                l2,
                Some(gw),
                Some(L2Gateway::DepositFinalized::SIGNATURE_HASH),
            );
        }
        let stored = self.book.borrow().payer_db.clone();
        let restarted = stored.is_some();
        if let Some(db) = stored {
            // A restart: resume from the payer's database.
            self.db = db;
        }
        let pm = self.period_ms();
        let next = self.db.next_close;
        let last = self.book.borrow().cfg.periods;
        if next == 1 || last.is_none_or(|n| next <= n) {
            ctx.set_timer_at(SimTime(next as u64 * pm), CLOSE_PERIOD);
        }
        if restarted {
            self.resume_zksync(ctx);
        }
        let close_at = {
            let b = self.book.borrow();
            b.raiden.as_ref().and(b.cfg.raiden.close_at)
        };
        if let Some(at) = close_at.filter(|at| !restarted || at.as_ms() > ctx.now().ms()) {
            ctx.set_timer_at(
                SimTime(at.as_ms()),
                super::raiden_method::CLOSE_CHANNELS_TAG,
            );
        }
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        self.on_event(ctx, event);
        self.persist();
    }
}

impl Payer {
    /// After a restart: pays the `zksync` batches whose l2 deposit was finalized while the payer
    /// was down (it missed their `DepositFinalized`), asking the l2 gateway by deposit id.
    fn resume_zksync(&mut self, ctx: &mut Ctx) {
        let (l2, gateway) = {
            let b = self.book.borrow();
            (b.l2, b.gateway)
        };
        let (Some(l2), Some(gw)) = (l2, gateway) else {
            return;
        };
        let waiting: Vec<(u32, u64)> = self
            .db
            .zk_batches
            .keys()
            .filter_map(|p| self.db.zk_deposits.get(p).map(|id| (*p, *id)))
            .collect();
        for (period, id) in waiting {
            if ctx
                .view(l2, gw, &L2Gateway::finalizedCall(id))
                .unwrap_or(false)
            {
                self.pay_zksync(ctx, period);
            }
        }
    }

    fn on_event(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: CLOSE_PERIOD } => self.close(ctx),
            Event::Timer {
                tag: super::raiden_method::CLOSE_CHANNELS_TAG,
            } => super::raiden_method::close_all(&self.book, ctx),
            Event::Timer { tag } if *tag >= super::raiden_method::SETTLE_TAG_BASE => {
                super::raiden_method::settle(
                    &self.book,
                    ctx,
                    tag - super::raiden_method::SETTLE_TAG_BASE,
                )
            }
            Event::Log { chain, log, .. } => {
                if log.topics.first() == Some(&L2Gateway::DepositFinalized::SIGNATURE_HASH) {
                    if let Some(ev) = decode::<L2Gateway::DepositFinalized>(log) {
                        self.pay_zksync(ctx, ev.period);
                    }
                    return;
                }
                let view = LogView {
                    address: log.address,
                    topics: &log.topics,
                    data: &log.data,
                };
                let found = obligations::from_log(&self.sources, chain.0, &view);
                if !found.is_empty() {
                    let p = period_of(ctx.now().ms(), self.period_ms());
                    self.db.pending.entry(p).or_default().extend(found);
                }
            }
            Event::Receipt { chain, receipt, .. } => self.on_receipt(ctx, *chain, receipt),
            Event::Dropped { tx, .. } if self.db.inflight.remove(&tx.tx).is_some() => {
                self.book.borrow_mut().reverted += 1;
                ctx.note(format!("payout transaction dropped: {}", tx.reason));
            }
            _ => {}
        }
    }
}

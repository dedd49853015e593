//! The payouts pipeline (spec `payouts.md`): what the protocol modules owe becomes invoices at the
//! end of every payout period; an accountant splits them into one payout batch per method by the
//! payees' wallet features; the payer executes each method through the simulated chains (`l1`
//! transfers, `zksync` over a bridge and one l2 batch, `raiden` balance proofs over channels of
//! the Raiden module); receipts say how each payout was paid.
//! Invoices, payout CSVs and receipts are derived from the trace alone, so `crucible verify`
//! (alias `crucible payouts verify`) reproduces them byte for byte.

pub mod accountant;
mod actors;
pub mod bindings;
pub mod config;
pub mod derive;
pub mod features;
pub mod fuzz;
mod invariants;
pub mod obligations;
pub mod raiden_method;
#[cfg(test)]
mod raiden_tests;

use super::{ActorParams, Protocol, ProtocolConfig, Setup};
use crate::chain::ChainIdx;
use crate::engine::bridge::{BridgeRoute, UniformLatency};
use crate::engine::genesis::Genesis;
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::{from_node, Located, Node};
use crate::trace::Value;
use accountant::Plan;
use actors::{IssuerParams, PayeeParams, PayerParams};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use bindings::{abi, FeeLedger, L2Gateway, Token, ZkBridge};
pub use config::PayoutsConfig;
use config::{ActorRow, Payee};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The payouts protocol module.
pub struct PayoutsProtocol;

/// Registry entry.
pub static PAYOUTS: PayoutsProtocol = PayoutsProtocol;

/// Names of the invariants this protocol checks.
pub const INVARIANTS: &[&str] = &[
    "payouts.no_double_payment",
    "payouts.owed_paid_held",
    "payouts.receipts_match_chain",
];

impl Protocol for PayoutsProtocol {
    fn name(&self) -> &'static str {
        "payouts"
    }
    fn about(&self) -> &'static str {
        "payouts pipeline: wallet features, accountant, l1, zksync and raiden payouts, receipts"
    }
    fn parse(&self, params: &Node) -> Result<Box<dyn ProtocolConfig>, ScenarioError> {
        let c = from_node::<PayoutsConfig>(params)?;
        c.validate()?;
        Ok(Box::new(c))
    }
    fn actor_kinds(&self) -> &'static [&'static str] {
        &["payer", "issuer", "payee"]
    }
    fn invariants(&self) -> &'static [&'static str] {
        INVARIANTS
    }
    fn fuzz_space(&self) -> Option<&'static dyn crate::fuzz::FuzzSpace> {
        Some(&fuzz::PAYOUTS_SPACE)
    }
    fn parse_actor(
        &self,
        kind: &str,
        params: &Node,
    ) -> Result<Box<dyn ActorParams>, ScenarioError> {
        match kind {
            "payer" => Ok(Box::new(from_node::<PayerParams>(params)?)),
            "issuer" => Ok(Box::new(from_node::<IssuerParams>(params)?)),
            "payee" => Ok(Box::new(from_node::<PayeeParams>(params)?)),
            other => Err(ScenarioError::new(format!(
                "unknown payouts actor kind `{other}`"
            ))),
        }
    }
}

/// Cost and timing of one method in one period, as the payer measured them from its receipts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MethodStats {
    pub txs: u64,
    pub amount: U256,
    /// Gas used on l1.
    pub gas: u64,
    /// Gas used on the l2.
    pub l2_gas: u64,
    /// Gas × effective gas price plus data fees, wei (l1 and l2 summed).
    pub cost_wei: U256,
    /// Payouts (wallets) paid.
    pub payees: u64,
    /// Latest time a payout of the period became available, ms after the period end.
    pub funds_delay_ms: u64,
}

/// God's-eye bookkeeping shared by the payer, the invariants and the metrics.
pub struct Book {
    pub cfg: PayoutsConfig,
    pub l1: ChainIdx,
    pub l2: Option<ChainIdx>,
    pub token: Address,
    pub l2_token: Option<Address>,
    pub bridge: Option<Address>,
    pub gateway: Option<Address>,
    pub fee_ledger: Address,
    pub payer: Address,
    pub actors: Vec<ActorRow>,
    pub payees: BTreeMap<Address, Payee>,
    /// Plans of the closed periods, in order.
    pub plans: Vec<Plan>,
    /// Payouts confirmed on chain: (period, method, wallet) → amounts (one per transfer).
    pub confirmed: BTreeMap<(u32, String, Address), Vec<U256>>,
    /// Per (method, period).
    pub stats: BTreeMap<(String, u32), MethodStats>,
    /// Payer transactions that reverted.
    pub reverted: u64,
    /// The Raiden module's network, when `raiden` is preferred.
    pub raiden: Option<raiden_method::Link>,
    /// Channels, proofs and transactions of the `raiden` method.
    pub raiden_book: raiden_method::RaidenBook,
    /// The payer's own database (what survives its crash).
    pub payer_db: Option<actors::PayerDb>,
}

impl Book {
    /// The planned payouts: (period, method, wallet) → amount.
    pub fn expected(&self) -> BTreeMap<(u32, String, Address), U256> {
        let mut out = BTreeMap::new();
        for p in &self.plans {
            for (m, rows) in &p.payouts {
                for (w, a) in rows {
                    out.insert((p.period, m.clone(), *w), *a);
                }
            }
        }
        out
    }
}

pub(crate) type Shared = Rc<RefCell<Book>>;

/// Name of the bridge route of the `zksync` method.
pub const ZK_ROUTE: &str = "payouts/zksync";

impl ProtocolConfig for PayoutsConfig {
    fn chains(&self) -> Vec<Located<String>> {
        let mut out = vec![self.chain.clone()];
        out.extend(self.l2.iter().cloned());
        out
    }

    fn actor_refs(&self) -> Vec<Located<String>> {
        self.actor_names()
    }

    fn derives_files(&self) -> bool {
        true
    }

    fn derived_files(
        &self,
        run: &crate::derived::RunTrace,
    ) -> Result<Vec<crate::derived::DerivedFile>, String> {
        derive::files(self, run)
    }

    fn setup(&self, g: &mut Genesis) -> Result<Setup, String> {
        let l1 = g
            .chain(&self.chain.value)
            .ok_or_else(|| format!("no chain `{}`", self.chain.value))?;
        let l2 = match &self.l2 {
            Some(c) => Some(
                g.chain(&c.value)
                    .ok_or_else(|| format!("no chain `{}`", c.value))?,
            ),
            None => None,
        };
        let actors: Vec<ActorRow> = g
            .actors()
            .into_iter()
            .map(|(_, n, k, a)| (n, k, a))
            .collect();
        let first = |kind: &str| actors.iter().find(|a| a.1 == kind).map(|a| a.2);
        let payer =
            first("payouts.payer").ok_or("the payouts protocol needs a `payouts.payer` actor")?;
        let me = g.deployer();
        let token = deploy_token(g, l1, "Token")?;
        g.call(
            l1,
            me,
            token,
            &Token::mintCall {
                to: payer,
                amount: self.funds.0,
            },
        )?;
        let issuer = first("payouts.issuer").unwrap_or(Address::ZERO);
        let mut init = FeeLedger::BYTECODE.to_vec();
        init.extend(FeeLedger::constructorCall { issuer_: issuer }.abi_encode());
        let fee_ledger = g.deploy(l1, "FeeLedger", abi::FEE_LEDGER, init.into())?;
        let gas_money = U256::from(10u64).pow(U256::from(24u64));
        g.fund(l1, payer, gas_money);
        if issuer != Address::ZERO {
            g.fund(l1, issuer, gas_money);
        }
        let (mut l2_token, mut bridge, mut gateway) = (None, None, None);
        if let Some(l2c) = l2 {
            g.fund(l2c, payer, gas_money);
            let t2 = deploy_token(g, l2c, "L2Token")?;
            let mut init = ZkBridge::BYTECODE.to_vec();
            init.extend(
                ZkBridge::constructorCall {
                    token_: token,
                    dataGasPerByte_: U256::from(self.zksync.data_gas_per_byte),
                }
                .abi_encode(),
            );
            let b = g.deploy(l1, "ZkBridge", abi::ZK_BRIDGE, init.into())?;
            let mut init = L2Gateway::BYTECODE.to_vec();
            init.extend(L2Gateway::constructorCall { token_: t2 }.abi_encode());
            let gw = g.deploy(l2c, "L2Gateway", abi::L2_GATEWAY, init.into())?;
            g.call(l2c, me, t2, &Token::setMinterCall { next: gw })?;
            g.call(
                l1,
                payer,
                token,
                &Token::approveCall {
                    spender: b,
                    amount: U256::MAX,
                },
            )?;
            let relayer = g.add_bridge_route(BridgeRoute {
                name: ZK_ROUTE.to_string(),
                from: l1,
                emitter: b,
                topic0: ZkBridge::DepositInitiated::SIGNATURE_HASH,
                to: l2c,
                gas_limit: 200_000,
                encode: Box::new(move |log, _block| {
                    let prim = alloy_primitives::Log {
                        address: log.address,
                        data: alloy_primitives::LogData::new(log.topics.clone(), log.data.clone())?,
                    };
                    let ev = ZkBridge::DepositInitiated::decode_log(&prim).ok()?;
                    let call = L2Gateway::finalizeDepositCall {
                        id: ev.id,
                        period: ev.period,
                        to: ev.to,
                        amount: ev.amount,
                    };
                    Some((gw, Bytes::from(call.abi_encode())))
                }),
                policy: Box::new(UniformLatency {
                    min: self.zksync.bridge_delay.lo,
                    max: self.zksync.bridge_delay.hi,
                }),
            });
            g.call(
                l2c,
                me,
                gw,
                &L2Gateway::setRelayerCall { relayer_: relayer },
            )?;
            l2_token = Some(t2);
            bridge = Some(b);
            gateway = Some(gw);
        }
        let payees = self.resolve_payees(&actors)?;
        let raiden = if self.prefers(raiden_method::RAIDEN) {
            Some(raiden_method::link(g, self, l1, payer, &payees)?)
        } else {
            None
        };
        let book = Book {
            cfg: self.clone(),
            l1,
            l2,
            token,
            l2_token,
            bridge,
            gateway,
            fee_ledger,
            payer,
            actors,
            payees,
            plans: Vec::new(),
            confirmed: BTreeMap::new(),
            stats: BTreeMap::new(),
            reverted: 0,
            raiden,
            raiden_book: Default::default(),
            payer_db: None,
        };
        let shared: Shared = Rc::new(RefCell::new(book));
        let view = shared.clone();
        Ok(Setup {
            shared: shared.clone(),
            invariants: invariants::all(&shared),
            metrics: Box::new(move |_probe| {
                view.borrow_mut().sync_raiden();
                metrics(&view.borrow())
            }),
        })
    }
}

fn deploy_token(g: &mut Genesis, chain: ChainIdx, name: &str) -> Result<Address, String> {
    let ctor = Token::constructorCall {
        name_: "Payout Token".into(),
        symbol_: "PAY".into(),
    };
    let mut init = Token::BYTECODE.to_vec();
    init.extend(ctor.abi_encode());
    g.deploy(chain, name, abi::TOKEN, init.into())
}

/// Whole tokens (18 decimals) as a real.
fn tokens(wei: U256) -> f64 {
    let v: f64 = wei.to_string().parse().unwrap_or(f64::MAX);
    v / 1e18
}

/// End-of-run metrics (spec §6): per method and period, and totals per method.
fn metrics(b: &Book) -> Vec<(String, Value)> {
    let price = b.cfg.token_per_eth as f64;
    let mut out = Vec::new();
    let mut totals: BTreeMap<String, MethodStats> = BTreeMap::new();
    for ((m, p), s) in &b.stats {
        let cost_token = tokens(s.cost_wei) * price;
        let k = format!("payouts.{m}.p{p}");
        out.push((format!("{k}.txs"), Value::Int(s.txs as i128)));
        out.push((format!("{k}.payees"), Value::Int(s.payees as i128)));
        out.push((format!("{k}.amount_tokens"), Value::Real(tokens(s.amount))));
        out.push((format!("{k}.gas"), Value::Int(s.gas as i128)));
        if s.l2_gas > 0 {
            out.push((format!("{k}.l2_gas"), Value::Int(s.l2_gas as i128)));
        }
        out.push((format!("{k}.cost_tokens"), Value::Real(cost_token)));
        if s.payees > 0 {
            out.push((
                format!("{k}.cost_per_payee_tokens"),
                Value::Real(cost_token / s.payees as f64),
            ));
        }
        out.push((
            format!("{k}.funds_delay_s"),
            Value::Real(s.funds_delay_ms as f64 / 1000.0),
        ));
        let t = totals.entry(m.clone()).or_default();
        t.txs += s.txs;
        t.payees += s.payees;
        t.amount += s.amount;
        t.gas += s.gas;
        t.l2_gas += s.l2_gas;
        t.cost_wei += s.cost_wei;
        t.funds_delay_ms = t.funds_delay_ms.max(s.funds_delay_ms);
    }
    for (m, t) in &totals {
        let cost_token = tokens(t.cost_wei) * price;
        let k = format!("payouts.{m}");
        out.push((format!("{k}.txs"), Value::Int(t.txs as i128)));
        out.push((format!("{k}.payees"), Value::Int(t.payees as i128)));
        out.push((format!("{k}.gas"), Value::Int(t.gas as i128)));
        if t.l2_gas > 0 {
            out.push((format!("{k}.l2_gas"), Value::Int(t.l2_gas as i128)));
        }
        out.push((format!("{k}.cost_tokens"), Value::Real(cost_token)));
        if t.payees > 0 {
            out.push((
                format!("{k}.cost_per_payee_tokens"),
                Value::Real(cost_token / t.payees as f64),
            ));
        }
        out.push((
            format!("{k}.funds_delay_s_max"),
            Value::Real(t.funds_delay_ms as f64 / 1000.0),
        ));
    }
    let owed: U256 = b
        .plans
        .iter()
        .flat_map(|p| {
            p.assigned
                .iter()
                .map(|(r, _)| r.owed)
                .chain(p.held.iter().map(|r| r.owed))
        })
        .sum();
    let carried_in: U256 = b
        .plans
        .iter()
        .rev()
        .skip(1)
        .flat_map(|p| p.held.iter().map(|r| r.owed))
        .sum();
    let paid: U256 = b.confirmed.values().flatten().copied().sum();
    let held: U256 = b
        .plans
        .last()
        .map(|p| p.held.iter().map(|r| r.owed).sum())
        .unwrap_or_default();
    if b.raiden.is_some() {
        let pos = b.raiden_positions();
        let sum =
            |f: fn(&raiden_method::RaidenPosition) -> U256| -> U256 { pos.values().map(f).sum() };
        let opened: usize = b.raiden_book.lanes.values().map(|l| l.channels.len()).sum();
        out.push((
            "payouts.raiden.channels_opened".into(),
            Value::Int(opened as i128),
        ));
        out.push((
            "payouts.raiden.proofs_sent".into(),
            Value::Int(b.raiden_book.sent.len() as i128),
        ));
        out.push((
            "payouts.raiden.held_by_payees_tokens".into(),
            Value::Real(tokens(sum(|p| p.held))),
        ));
        out.push((
            "payouts.raiden.settled_channels".into(),
            Value::Int(pos.values().map(|p| p.settled_channels as i128).sum()),
        ));
        out.push((
            "payouts.raiden.settled_tokens".into(),
            Value::Real(tokens(sum(|p| p.settled))),
        ));
        let lost: U256 = pos
            .values()
            .map(|p| p.transferred_settled.saturating_sub(p.settled))
            .sum();
        out.push((
            "payouts.raiden.lost_tokens".into(),
            Value::Real(tokens(lost)),
        ));
        let cs = &b.raiden_book.close_settle;
        if cs.txs > 0 {
            out.push((
                "payouts.raiden.close_settle_txs".into(),
                Value::Int(cs.txs as i128),
            ));
            out.push((
                "payouts.raiden.close_settle_gas".into(),
                Value::Int(cs.gas as i128),
            ));
            out.push((
                "payouts.raiden.close_settle_cost_tokens".into(),
                Value::Real(tokens(cs.cost_wei) * price),
            ));
        }
    }
    out.push(("payouts.periods".into(), Value::Int(b.plans.len() as i128)));
    out.push((
        "payouts.owed_tokens".into(),
        Value::Real(tokens(owed - carried_in)),
    ));
    out.push(("payouts.paid_tokens".into(), Value::Real(tokens(paid))));
    out.push(("payouts.held_tokens".into(), Value::Real(tokens(held))));
    out.push((
        "payouts.held_rows".into(),
        Value::Int(b.plans.iter().map(|p| p.held.len() as i128).sum()),
    ));
    out.push((
        "payouts.reverted_txs".into(),
        Value::Int(b.reverted as i128),
    ));
    out
}

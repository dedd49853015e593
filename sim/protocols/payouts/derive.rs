//! The files a run leaves, derived from its trace alone (spec §5): `invoices.csv`,
//! `payouts/<period>/payouts-<method>.csv` (and `held.csv` when rows were held) and
//! `receipts.csv`. The payer closes periods with [`close_period`] during the run; this module
//! replays the same function over the trace's records, and reads the receipts from the payer's
//! included transactions and their `Transfer` logs.

use super::accountant::{self, InvoiceRow, Plan, L1};
use super::actors::period_of;
use super::bindings::{L2Gateway, Token};
use super::config::{ActorRow, Payee, PayoutsConfig};
use super::obligations::{self, LogView, Obligation};
use super::raiden_method::{channel_opened, RAIDEN};
use crate::derived::{DerivedFile, RunTrace};
use crate::protocols::raiden::BALANCE_PROOF_TOPIC;
use crate::trace::{Outcome, Record};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Timer tag of the payer's period close (kept equal to the payer's).
pub const CLOSE_TAG: u64 = 1;

/// Closes one period: invoices its obligations, adds the rows carried over, and runs the
/// accountant with the deny list in force at `at_ms`.
pub fn close_period(
    cfg: &PayoutsConfig,
    payees: &BTreeMap<Address, Payee>,
    actors: &[ActorRow],
    period: u32,
    at_ms: u64,
    obligations: &[Obligation],
    carried: Vec<InvoiceRow>,
) -> Plan {
    let invoices = accountant::invoice(period, obligations, payees);
    let mut rows = carried;
    rows.extend(invoices);
    let denied = cfg.denied_at(at_ms, actors).unwrap_or_default();
    accountant::account(period, rows, &cfg.preference(), &denied)
}

/// One receipt row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReceiptRow {
    pub period: u32,
    pub wallet: Address,
    pub method: String,
    pub amount: U256,
    pub receipt: String,
}

/// `receipts.csv`: `period,wallet,method,amnt,receipt`.
pub fn receipts_csv(rows: &[ReceiptRow]) -> String {
    let mut out = String::from("period,wallet,method,amnt,receipt\n");
    for r in rows {
        out.push_str(&format!(
            "{},{:#x},{},{},{}\n",
            r.period, r.wallet, r.method, r.amount, r.receipt
        ));
    }
    out
}

/// What the derivation recovers from a trace: the plans of the closed periods, the invoices and
/// the receipts.
pub struct Derived {
    pub invoices: Vec<InvoiceRow>,
    pub plans: Vec<Plan>,
    pub receipts: Vec<ReceiptRow>,
}

/// Replays the pipeline over a trace.
pub fn replay(cfg: &PayoutsConfig, run: &RunTrace) -> Result<Derived, String> {
    let h = &run.header;
    let actors: Vec<ActorRow> = h
        .actors
        .iter()
        .map(|a| (a.name.clone(), a.kind.clone(), a.address))
        .collect();
    let payer_idx = h
        .actors
        .iter()
        .position(|a| a.kind == "payouts.payer")
        .ok_or("no payouts.payer in the trace")? as u32;
    let payer = h.actors[payer_idx as usize].address;
    let contract = |name: &str| {
        h.contracts
            .iter()
            .find(|c| c.name == name)
            .map(|c| (c.chain, c.address))
    };
    let sources = obligations::bind(contract);
    let payees = cfg.resolve_payees(&actors)?;
    let pm = cfg.period.value.as_ms();
    let token = contract("payouts.Token").ok_or("no payouts.Token in the trace")?;
    let l2_token = contract("payouts.L2Token");
    let gateway = contract("payouts.L2Gateway");

    let mut pending: BTreeMap<u32, Vec<Obligation>> = BTreeMap::new();
    let mut closes: Vec<(u32, u64)> = Vec::new();
    // Payment transactions of the payer: tx → (period, method, token chain, token).
    let mut payments: BTreeMap<B256, (u32, &'static str, u16, Address)> = BTreeMap::new();
    let mut zk_fifo: VecDeque<u32> = VecDeque::new();
    let mut succeeded: BTreeSet<B256> = BTreeSet::new();
    let mut transfers: Vec<(B256, u16, Address, Address, U256, Address)> = Vec::new();
    let tn = contract("raiden.TokenNetwork");
    // Raiden: channels the payer opened (wallet → ids in order, with the time), its balance
    // proofs (message id, time, wallet) and the messages delivered.
    let mut opened: BTreeMap<Address, Vec<(u64, u64)>> = BTreeMap::new();
    let mut proofs: Vec<(u64, u64, Address)> = Vec::new();
    let mut delivered: BTreeSet<u64> = BTreeSet::new();
    for r in &run.records {
        match r {
            Record::MsgSent {
                t,
                id,
                from,
                to,
                topic,
                ..
            } if *from == payer_idx && topic == BALANCE_PROOF_TOPIC => {
                let wallet = h
                    .actors
                    .get(*to as usize)
                    .map(|a| a.address)
                    .ok_or("a balance proof to an unknown actor")?;
                proofs.push((*id, *t, wallet));
            }
            Record::MsgDelivered { id, .. } => {
                delivered.insert(*id);
            }
            Record::Timer { t, actor, tag } if *actor == payer_idx && *tag == CLOSE_TAG => {
                closes.push(((*t / pm) as u32, *t));
            }
            Record::Log {
                t,
                chain,
                tx,
                address,
                topics,
                data,
                ..
            } => {
                let view = LogView {
                    address: *address,
                    topics,
                    data,
                };
                let found = obligations::from_log(&sources, *chain, &view);
                if !found.is_empty() {
                    pending.entry(period_of(*t, pm)).or_default().extend(found);
                }
                if tn == Some((*chain, *address)) {
                    if let Some(e) = channel_opened(*address, topics, data) {
                        if e.participant1 == payer {
                            opened
                                .entry(e.participant2)
                                .or_default()
                                .push((*t, e.channel_identifier.to::<u64>()));
                        }
                    }
                }
                let topic0 = topics.first();
                if gateway == Some((*chain, *address))
                    && topic0 == Some(&L2Gateway::DepositFinalized::SIGNATURE_HASH)
                {
                    if let Some(ev) = decode::<L2Gateway::DepositFinalized>(*address, topics, data)
                    {
                        zk_fifo.push_back(ev.period);
                    }
                }
                if topic0 == Some(&Token::Transfer::SIGNATURE_HASH) {
                    if let Some(ev) = decode::<Token::Transfer>(*address, topics, data) {
                        transfers.push((*tx, *chain, *address, ev.from, ev.value, ev.to));
                    }
                }
            }
            Record::TxSubmitted {
                t,
                chain,
                actor,
                tx,
                to: Some(to),
                ..
            } if *actor == payer_idx => {
                if (*chain, *to) == token {
                    payments.insert(*tx, ((*t / pm) as u32, L1, *chain, *to));
                } else if l2_token == Some((*chain, *to)) {
                    let period = zk_fifo.pop_front().ok_or_else(|| {
                        format!("l2 batch {tx:#x} of the payer has no finalized deposit before it")
                    })?;
                    payments.insert(*tx, (period, "zksync", *chain, *to));
                }
            }
            Record::TxIncluded {
                tx,
                outcome: Outcome::Success,
                ..
            } => {
                succeeded.insert(*tx);
            }
            _ => {}
        }
    }

    let mut invoices = Vec::new();
    let mut plans = Vec::new();
    let mut carried = Vec::new();
    for (period, at) in closes {
        let obl = pending.remove(&period).unwrap_or_default();
        invoices.extend(accountant::invoice(period, &obl, &payees));
        let plan = close_period(cfg, &payees, &actors, period, at, &obl, carried);
        carried = plan.held.clone();
        plans.push(plan);
    }
    let mut receipts = Vec::new();
    for (tx, chain, address, from, value, to) in transfers {
        let Some((period, method, c, t)) = payments.get(&tx) else {
            continue;
        };
        if from != payer || *c != chain || *t != address || !succeeded.contains(&tx) {
            continue;
        }
        receipts.push(ReceiptRow {
            period: *period,
            wallet: to,
            method: method.to_string(),
            amount: value,
            receipt: format!("{method}:{tx:#x}"),
        });
    }
    receipts.extend(raiden_receipts(&plans, &opened, &proofs, &delivered)?);
    receipts.sort();
    Ok(Derived {
        invoices,
        plans,
        receipts,
    })
}

/// The `raiden` receipts: the payer pays each wallet's raiden payouts in period order, one
/// balance proof each, on the channel it last opened with the wallet, nonces counting from 1 per
/// channel; a payout is paid when its proof was delivered to the wallet's node.
fn raiden_receipts(
    plans: &[Plan],
    opened: &BTreeMap<Address, Vec<(u64, u64)>>,
    proofs: &[(u64, u64, Address)],
    delivered: &BTreeSet<u64>,
) -> Result<Vec<ReceiptRow>, String> {
    let mut queues: BTreeMap<Address, VecDeque<(u32, U256)>> = BTreeMap::new();
    for plan in plans {
        if let Some(rows) = plan.payouts.get(RAIDEN) {
            for (w, a) in rows {
                queues.entry(*w).or_default().push_back((plan.period, *a));
            }
        }
    }
    let mut nonces: BTreeMap<u64, u64> = BTreeMap::new();
    let mut out = Vec::new();
    for (msg, t, wallet) in proofs {
        let (period, amount) = queues
            .get_mut(wallet)
            .and_then(|q| q.pop_front())
            .ok_or_else(|| format!("balance proof {msg} to {wallet:#x} pays no planned payout"))?;
        let channel = opened
            .get(wallet)
            .and_then(|list| list.iter().rev().find(|(at, _)| at <= t))
            .map(|(_, id)| *id)
            .ok_or_else(|| format!("balance proof {msg} to {wallet:#x} before any channel"))?;
        let nonce = nonces.entry(channel).or_default();
        *nonce += 1;
        if delivered.contains(msg) {
            out.push(ReceiptRow {
                period,
                wallet: *wallet,
                method: RAIDEN.to_string(),
                amount,
                receipt: format!("{RAIDEN}:{channel}:{nonce}"),
            });
        }
    }
    Ok(out)
}

fn decode<E: SolEvent>(address: Address, topics: &[B256], data: &[u8]) -> Option<E> {
    let prim = alloy_primitives::Log {
        address,
        data: alloy_primitives::LogData::new(topics.to_vec(), data.to_vec().into())?,
    };
    E::decode_log(&prim).ok().map(|l| l.data)
}

/// The derived files of a run.
pub fn files(cfg: &PayoutsConfig, run: &RunTrace) -> Result<Vec<DerivedFile>, String> {
    let d = replay(cfg, run)?;
    let mut out = vec![DerivedFile {
        path: "invoices.csv".into(),
        bytes: accountant::invoices_csv(&d.invoices).into_bytes(),
    }];
    for plan in &d.plans {
        for (method, rows) in &plan.payouts {
            out.push(DerivedFile {
                path: format!("payouts/{}/payouts-{method}.csv", plan.period),
                bytes: accountant::payouts_csv(rows).into_bytes(),
            });
        }
        if !plan.held.is_empty() {
            out.push(DerivedFile {
                path: format!("payouts/{}/held.csv", plan.period),
                bytes: accountant::held_csv(plan.period, &plan.held).into_bytes(),
            });
        }
    }
    out.push(DerivedFile {
        path: "receipts.csv".into(),
        bytes: receipts_csv(&d.receipts).into_bytes(),
    });
    Ok(out)
}

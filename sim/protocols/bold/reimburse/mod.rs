//! The out-of-band reimbursement module (spec §8): a pure function from a chain feed (blocks,
//! transactions in execution order with sender, status, gas and logs) and parameters to a
//! directory of JSON payment files, in both modes at once — `spec` (the reimbursement
//! proposal's rule) and `pr649-compat` (its proof-of-concept daemon, deviations and all).
//!
//! The same [`Reimburser`] runs twice: online inside the simulation, fed each block as the
//! chain produces it (the `bold.watcher` actor, Run A, which notes every file it would write
//! in the trace), and offline from the recorded trace alone (Run B, the protocol's derived
//! files, recomputed by `crucible verify` / `crucible payments verify`). Run B checks that its
//! files are exactly the ones Run A noted; any difference fails the run (R3).

pub mod canonical;
pub mod compat;
pub mod feed;
pub mod json;
pub mod spec;
pub mod state;
#[cfg(test)]
mod tests;

use crate::derived::{DerivedFile, RunTrace};
use crate::scenario::yaml::Located;
use crate::trace::Record;
use alloy_primitives::{keccak256, Address, B256, U256};
use compat::{Compat, Pr649, Request};
use feed::FeedBlock;
use json::{hex_addr, hex_hash, J};
use serde::Deserialize;
use spec::Spec;
use state::{Ev, State};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::truth::Truth;

/// Directory of the payment files, relative to the run's output directory.
pub const DIR: &str = "payments";

/// Prefix of the watcher's trace notes that name a file and its keccak.
pub const NOTE_PREFIX: &str = "payment ";

/// Prefix of the watcher's trace notes about a spec-mode action left unpaid for its calldata.
pub const SKIP_PREFIX: &str = "spec unpaid ";

/// Reimbursement parameters (spec §5), under `protocols.bold.reimbursement`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReimbParams {
    /// `R`, APY of the service fee in basis points.
    pub apy_bps: u64,
    /// `θ`.
    pub blocks_per_year: u64,
    /// Gas price cap as a multiple of the base fee, in basis points.
    pub gas_price_cap_bps: u64,
    /// `W`: service-fee windows of creation blocks.
    pub service_fee_window_blocks: u64,
    /// Proposers (actor names, located for the scenario's unknown-actor error) whose
    /// assertions earn no service fee.
    pub excluded_proposers: Vec<Located<String>>,
    /// `pr649-compat` deviations (spec §8.3), each on (faithful) by default.
    pub pr649: Pr649,
    /// The online watcher also records every spec-mode payment in a `ReimbursementLedger`
    /// contract on the BOLD chain, where the payouts pipeline reads it as an obligation source
    /// (`bold.reimbursement`). Off by default: the watcher then writes nothing on chain.
    pub post_to_ledger: bool,
}

impl Default for ReimbParams {
    fn default() -> Self {
        ReimbParams {
            apy_bps: 300,
            blocks_per_year: 2_628_000,
            gas_price_cap_bps: 20_000,
            service_fee_window_blocks: 1_000,
            excluded_proposers: Vec::new(),
            pr649: Pr649::default(),
            post_to_ledger: false,
        }
    }
}

/// Which rule paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Spec,
    Compat,
}

/// What a payment is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PaymentKind {
    /// Gas of one action (spec mode) or of a confirmed item's paths (compat mode).
    Gas,
    /// The service fee of a staked item.
    ServiceFee,
}

/// One payment: who gets how much for what. Spec-mode amounts are in wei, compat-mode amounts
/// in gwei (the daemon's unit; its service fee is one gwei per payable block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub mode: Mode,
    pub kind: PaymentKind,
    pub payee: Address,
    pub amount: U256,
    /// Spec action (`CreateRoot`, `Bisect`, …), `service_fee`, or the compat item kind.
    pub action: String,
    /// The file that records it (under [`DIR`]).
    pub file: String,
    /// Block whose processing produced it.
    pub trigger: u64,
}

/// The chain facts the module needs besides the feed.
#[derive(Clone, Debug)]
pub struct Setting {
    pub truth: Rc<Truth>,
    pub rollup: Address,
    pub ecm: Address,
    /// `T`.
    pub challenge_period: u64,
    pub confirm_period: u64,
    pub grace: u64,
    pub params: ReimbParams,
    /// Addresses of `excluded_proposers`.
    pub excluded: Vec<Address>,
}

/// The reimbursement module's state over one chain feed.
pub struct Reimburser {
    pub state: State,
    set: Setting,
    spec: Spec,
    pub compat: Compat,
    files: BTreeMap<String, Vec<u8>>,
    pub payments: Vec<Payment>,
}

fn pad10(n: u64) -> String {
    format!("{n:010}")
}

impl Reimburser {
    pub fn new(set: Setting) -> Reimburser {
        Reimburser {
            state: State::new(set.truth.clone(), set.rollup, set.ecm, set.challenge_period),
            compat: Compat::new(set.params.pr649),
            set,
            spec: Spec::default(),
            files: BTreeMap::new(),
            payments: Vec::new(),
        }
    }

    /// Processes one block; returns the payments it produced (their files are kept).
    pub fn block(&mut self, b: &FeedBlock) -> Result<Vec<Payment>, String> {
        let first = self.payments.len();
        self.state.head = b.number;
        self.state.base_fees.insert(b.number, b.base_fee);
        for tx in &b.txs {
            if !tx.ok {
                continue;
            }
            let evs: Vec<Ev> = self.state.events(tx);
            if evs.is_empty() {
                continue;
            }
            if let Some(p) =
                self.spec
                    .classify(&self.state, b, tx, &evs, self.set.params.gas_price_cap_bps)
            {
                let name = format!("spec_gas_{}_{:05}.json", pad10(b.number), tx.index);
                let body = J::obj([
                    ("action", J::str(p.action.name())),
                    ("amount_wei", J::Num(p.amount)),
                    ("block_number", J::num(b.number)),
                    ("challenge_parent", J::hash(p.challenge_parent)),
                    ("edge_id", J::hash(p.edge)),
                    ("effective_gas_price_wei", J::num(p.effective_gas_price)),
                    ("gas_price_cap_wei", J::num(p.cap)),
                    ("gas_used", J::num(p.gas_used)),
                    ("level", J::num(p.level as u64)),
                    ("mode", J::str("spec")),
                    ("payee", J::addr(p.payee)),
                    ("tx_hash", J::hash(tx.hash)),
                    ("tx_index", J::num(tx.index as u64)),
                ]);
                self.emit(
                    name,
                    body,
                    Mode::Spec,
                    PaymentKind::Gas,
                    p.payee,
                    p.amount,
                    p.action.name().into(),
                    b.number,
                )?;
            }
            self.state.apply(b.number, tx, &evs);
            self.compat.collect(&evs);
        }
        for req in self.compat.scan(&self.state, b.number) {
            self.compat_file(req)?;
        }
        self.service_fees(b.number)?;
        Ok(self.payments[first..].to_vec())
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        name: String,
        body: J,
        mode: Mode,
        kind: PaymentKind,
        payee: Address,
        amount: U256,
        action: String,
        trigger: u64,
    ) -> Result<(), String> {
        let path = format!("{DIR}/{name}");
        if self.files.contains_key(&path) {
            return Err(format!("payment file name collision: {path}"));
        }
        self.files.insert(path.clone(), body.to_file());
        self.payments.push(Payment {
            mode,
            kind,
            payee,
            amount,
            action,
            file: path,
            trigger,
        });
        Ok(())
    }

    fn compat_file(&mut self, req: Request) -> Result<(), String> {
        match req {
            Request::Gas {
                trigger,
                kind,
                claimed,
                payable,
            } => {
                let name = format!(
                    "pending_gas_payment_{}_confirmed_claimed_{kind}_{}.json",
                    pad10(trigger),
                    hex_hash(claimed)
                );
                let mut map = BTreeMap::new();
                let mut total = U256::ZERO;
                for (addr, (conf, create)) in &payable {
                    total += U256::from(*conf + *create);
                    map.insert(
                        hex_addr(*addr),
                        J::obj([
                            ("confirmation_total_cost_gwei", J::num(*conf)),
                            ("creation_total_cost_gwei", J::num(*create)),
                        ]),
                    );
                }
                let body = J::obj([("payable_addresses", J::Obj(map))]);
                self.emit(
                    name.clone(),
                    body,
                    Mode::Compat,
                    PaymentKind::Gas,
                    Address::ZERO,
                    total,
                    kind.into(),
                    trigger,
                )?;
                // One payment per payee, all recorded by the same file.
                let p = self.payments.pop().expect("just pushed");
                for (addr, (conf, create)) in payable {
                    self.payments.push(Payment {
                        payee: addr,
                        amount: U256::from(conf + create),
                        ..p.clone()
                    });
                }
                Ok(())
            }
            Request::Fee {
                trigger,
                edge_level,
                item,
                blocks,
                creation_tx,
                confirmation_tx,
                staker,
            } => {
                let (kind, stake_type, level) = match edge_level {
                    None => ("assertion", 0u64, String::new()),
                    Some(0) => ("edge", 1, "block_challenge_edge".to_string()),
                    Some(l) => ("edge", 1, format!("challenge_level_{l}_edge")),
                };
                let name = format!(
                    "pending_srv_fee_payment_{}_{kind}_{}.json",
                    pad10(trigger),
                    hex_hash(item)
                );
                let body = J::obj([
                    ("for_stake_type", J::num(stake_type)),
                    ("num_blocks_payable", J::num(blocks)),
                    ("recommended_yield_gwei_per_block", J::num(1u64)),
                    ("staked_item_challenge_level", J::str(level)),
                    ("staked_item_confirmation_tx_hash", J::hash(confirmation_tx)),
                    ("staked_item_creation_tx_hash", J::hash(creation_tx)),
                    ("staked_item_hash", J::hash(item)),
                    ("staker", J::addr(staker)),
                ]);
                self.emit(
                    name,
                    body,
                    Mode::Compat,
                    PaymentKind::ServiceFee,
                    staker,
                    U256::from(blocks),
                    "service_fee".into(),
                    trigger,
                )
            }
        }
    }

    /// Spec-mode service fees of every window that became final at block `head`.
    fn service_fees(&mut self, head: u64) -> Result<(), String> {
        let w = self.set.params.service_fee_window_blocks.max(1);
        let lag = 2 * self.set.confirm_period + self.set.grace;
        loop {
            let k = self.spec.windows_done;
            let (start, end) = (k * w, (k + 1) * w);
            if head < end + lag {
                return Ok(());
            }
            self.spec.windows_done += 1;
            let mut created: Vec<_> = self
                .state
                .assertions
                .values()
                .filter(|a| a.honest_pos.is_some_and(|p| p > 0))
                .filter(|a| a.created >= start && a.created < end)
                .filter(|a| !self.set.excluded.contains(&a.creator))
                .cloned()
                .collect();
            created.sort_by_key(|a| (a.created, a.hash));
            for a in created {
                let pos = a.honest_pos.expect("filtered");
                let succ = self.set.truth.assertion(pos + 1).hash;
                let Some(s) = self.state.assertions.get(&succ) else {
                    continue; // deferred: no honest successor yet
                };
                let t = s.created - a.created;
                let p = &self.set.params;
                let amount = U256::from(t) * a.required_stake * U256::from(p.apy_bps)
                    / (U256::from(10_000u64) * U256::from(p.blocks_per_year));
                let name = format!("spec_fee_{}_{}.json", pad10(a.created), hex_hash(a.hash));
                let body = J::obj([
                    ("amount_wei", J::Num(amount)),
                    ("apy_bps", J::num(p.apy_bps)),
                    ("assertion_hash", J::hash(a.hash)),
                    ("blocks_per_year", J::num(p.blocks_per_year)),
                    ("bond_wei", J::Num(a.required_stake)),
                    ("created_at_block", J::num(a.created)),
                    ("mode", J::str("spec")),
                    ("payee", J::addr(a.creator)),
                    ("successor_created_at_block", J::num(s.created)),
                    ("successor_hash", J::hash(succ)),
                    ("t_blocks", J::num(t)),
                    ("window_end_block", J::num(end)),
                    ("window_start_block", J::num(start)),
                ]);
                self.emit(
                    name,
                    body,
                    Mode::Spec,
                    PaymentKind::ServiceFee,
                    a.creator,
                    amount,
                    "service_fee".into(),
                    head,
                )?;
            }
        }
    }

    /// Every payment file plus `index.json` (the sorted list of `{file, keccak}`).
    pub fn files(&self) -> Vec<DerivedFile> {
        let mut out: Vec<DerivedFile> = self
            .files
            .iter()
            .map(|(p, b)| DerivedFile {
                path: p.clone(),
                bytes: b.clone(),
            })
            .collect();
        let index = J::Arr(
            self.files
                .iter()
                .map(|(p, b)| {
                    J::obj([
                        ("file", J::str(p.trim_start_matches("payments/"))),
                        ("keccak", J::hash(keccak256(b))),
                    ])
                })
                .collect(),
        );
        out.push(DerivedFile {
            path: format!("{DIR}/index.json"),
            bytes: index.to_file(),
        });
        out
    }

    /// Spec-mode timer updates left unpaid for their calldata (not in canonical form), in
    /// execution order.
    pub fn spec_skipped(&self) -> &[spec::Skip] {
        &self.spec.skipped
    }

    /// keccak of a file's bytes, as the watcher notes it.
    pub fn file_keccak(&self, path: &str) -> Option<B256> {
        self.files.get(path).map(keccak256)
    }
}

/// The BOLD deployment a trace records: chain index, rollup and manager addresses.
fn deployment(run: &RunTrace, chain_name: &str) -> Result<(u16, Address, Address), String> {
    let chain = run
        .header
        .chains
        .iter()
        .position(|c| c.name == chain_name)
        .ok_or_else(|| format!("the trace has no chain `{chain_name}`"))? as u16;
    let find = |name: &str| {
        run.header
            .contracts
            .iter()
            .find(|c| c.chain == chain && c.name == name)
            .map(|c| c.address)
            .ok_or_else(|| format!("the trace has no contract `{name}`"))
    };
    Ok((
        chain,
        find("bold.BoldRollup")?,
        find("bold.EdgeChallengeManager")?,
    ))
}

/// Runs the module over a recorded trace (Run B).
pub fn run_offline(run: &RunTrace, p: &super::Params) -> Result<Reimburser, String> {
    let (chain, rollup, ecm) = deployment(run, &p.chain.value)?;
    let excluded = p
        .reimb
        .excluded_proposers
        .iter()
        .map(|n| {
            run.header
                .actors
                .iter()
                .find(|a| a.name == n.value)
                .map(|a| a.address)
                .ok_or_else(|| {
                    format!(
                        "excluded proposer `{}` is not an actor of the trace",
                        n.value
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut r = Reimburser::new(Setting {
        truth: Rc::new(Truth::new(p.heights, p.seed, p.genesis_state, None)),
        rollup,
        ecm,
        challenge_period: p.challenge_period,
        confirm_period: p.confirm_period,
        grace: p.grace,
        params: p.reimb.clone(),
        excluded,
    });
    for b in feed::from_trace(run, chain)? {
        r.block(&b)?;
    }
    Ok(r)
}

/// Spec-mode payments of a finished run, from its trace alone: payee, amount (wei) and kind
/// (gas of an action, or service fee). The obligation source a payouts pipeline consumes.
pub fn spec_payments(run: &RunTrace) -> Result<Vec<Payment>, String> {
    let r = run_offline(run, &params_of(run)?)?;
    Ok(r.payments
        .into_iter()
        .filter(|p| p.mode == Mode::Spec)
        .collect())
}

/// The BOLD parameters of the scenario embedded in the trace.
pub fn params_of(run: &RunTrace) -> Result<super::Params, String> {
    let root = crate::scenario::yaml::parse(&run.header.scenario).map_err(|e| e.to_string())?;
    let node = root
        .get_path("protocols.bold")
        .ok_or_else(|| "the trace's scenario has no bold protocol".to_string())?;
    let doc: super::BoldDoc = crate::scenario::yaml::from_node(node).map_err(|e| e.to_string())?;
    doc.resolve().map_err(|e| e.to_string())
}

/// Run B's files, checked against what the online watcher (Run A) noted in the trace: every
/// noted file must be recomputed with the same bytes, and every recomputed file of a block
/// the watcher had processed must have been noted.
pub fn derive(run: &RunTrace, p: &super::Params) -> Result<Vec<DerivedFile>, String> {
    let r = run_offline(run, p)?;
    let files = r.files();
    cross_check(run, &r)?;
    Ok(files)
}

fn cross_check(run: &RunTrace, r: &Reimburser) -> Result<(), String> {
    let watchers: Vec<u32> = run
        .header
        .actors
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == "bold.watcher")
        .map(|(i, _)| i as u32)
        .collect();
    let Some(&w) = watchers.first() else {
        return Ok(());
    };
    let mut noted: BTreeMap<String, B256> = BTreeMap::new();
    let mut last_tick = None;
    for rec in &run.records {
        match rec {
            Record::Note { actor, text, .. } if *actor == w => {
                if let Some(rest) = text.strip_prefix(NOTE_PREFIX) {
                    let mut it = rest.split(' ');
                    let (Some(path), Some(k)) = (it.next(), it.next()) else {
                        return Err(format!("unreadable watcher note `{text}`"));
                    };
                    let k: B256 = k
                        .parse()
                        .map_err(|_| format!("unreadable watcher note `{text}`"))?;
                    noted.insert(path.to_string(), k);
                }
            }
            Record::Timer { actor, t, .. } if *actor == w => last_tick = Some(*t),
            _ => {}
        }
    }
    // The last block the watcher saw: produced before its last tick.
    let mut seen_through = 0;
    if let Some(tick) = last_tick {
        for rec in &run.records {
            if let Record::Block { t, number, .. } = rec {
                if *t < tick {
                    seen_through = seen_through.max(*number);
                }
            }
        }
    }
    let mut diffs = Vec::new();
    for (path, k) in &noted {
        match r.file_keccak(path) {
            None => diffs.push(format!(
                "{path}: written online (Run A) but not recomputed from the trace (Run B)"
            )),
            Some(x) if x != *k => diffs.push(format!(
                "{path}: online keccak {k} differs from the trace's {x}"
            )),
            _ => {}
        }
    }
    for p in &r.payments {
        if p.trigger <= seen_through && !noted.contains_key(&p.file) {
            diffs.push(format!(
                "{}: recomputed from the trace (Run B) but never written online (Run A)",
                p.file
            ));
        }
    }
    diffs.dedup();
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the online watcher and the trace disagree on {} payment files: {}",
            diffs.len(),
            diffs.join("; ")
        ))
    }
}

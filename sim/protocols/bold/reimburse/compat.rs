//! `pr649-compat` mode (spec §8.3): the proof-of-concept daemon of the BOLD reimbursement
//! proposal, made deterministic. It scans blocks one at a time, watches challenged assertions
//! that descend from `latestConfirmed`, and when a watched item is confirmed it builds the edge
//! graph from `EdgeAdded` logs, pays estimated gas (constant × base fee, in gwei) for every
//! edge on every root-to-leaf path whose cache reached `T`, and asks for a service fee of one
//! gwei per block. Each known deviation from the spec is a flag, on by default (`faithful`);
//! turning one off gives the intended behaviour.

use super::state::{Edge, Ev, State};
use alloy_primitives::{Address, B256};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The deviations of spec §8.3, each a flag (`true` = as the proof of concept does; `false`
/// = the intended behaviour the flag's doc names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pr649 {
    /// D1: the graph cache is never written; edge confirmations find nothing and recursion
    /// into a confirmed refinement aborts (counted in `pr649_aborts`).
    pub graph_never_stored: bool,
    /// D2: the graph scan starts at the claimed node's own second-child block.
    pub scan_start_from_claim: bool,
    /// D3: edges added after the root's confirmation are invisible.
    pub graph_cutoff: bool,
    /// D4: an honest first child whose rival lands in a later scan window is never watched.
    pub first_child_miss: bool,
    /// D5: paths are filtered by cache ≥ T instead of by path weight (no first-child bonus).
    pub cache_filter: bool,
    /// D6: shared path prefixes are paid once per leaf path.
    pub per_path_sum: bool,
    /// D7: each bisection child is charged a full bisection, paid to its first creator.
    pub bisect_const_per_child: bool,
    /// D8: every cost is paid to the EOA that sent the transaction. Off: to the staker of the
    /// item — the staker of the path's layer-zero edge for every edge on the path (bisection
    /// children have no staker of their own, `staker = 0`) and for its timer updates, the
    /// assertion's rollup staker for the assertion's own transactions and service fee, the
    /// refinement's staker for an edge's service fee. A layer-zero edge's and an assertion's
    /// staker is read as the sender of the transaction that created it, since every actor
    /// here calls the contracts directly.
    pub payee_tx_sender: bool,
    /// D9: timer updates, `confirmAssertion`, assertion creation and refunds are never paid.
    /// Off: a gas file also pays every visible timer update that raised the cache of an edge
    /// on a kept path (once per transaction), and for an assertion its creation and its
    /// `confirmAssertion`, each from its receipt's gas (the PoC has no constant for them)
    /// priced like the rest. Refunds stay unpaid: they come after the confirmation that
    /// triggers the file.
    pub unpaid_actions: bool,
    /// D10: the service fee runs from creation to `min(firstChild, confirmation)`, is paid
    /// only for watched (challenged) assertions, is also paid for edges, and names the claimed
    /// edge. Off: it is paid for every assertion, from its creation to its honest successor's
    /// — the child that is confirmed, when that confirmation is scanned — and never for edges.
    pub service_fee_rule: bool,
    /// D11: only levels 0–2 have constants; the OSP test is `level == 2 ∧ length == 1`.
    pub levels_hardcoded: bool,
    /// D12: gas is a constant × the base fee of the block; receipts are ignored. Off: each
    /// charged transaction's receipt, `gasUsed × effectiveGasPrice`, in gwei.
    pub estimated_gas: bool,
}

impl Default for Pr649 {
    fn default() -> Self {
        Pr649 {
            graph_never_stored: true,
            scan_start_from_claim: true,
            graph_cutoff: true,
            first_child_miss: true,
            cache_filter: true,
            per_path_sum: true,
            bisect_const_per_child: true,
            payee_tx_sender: true,
            unpaid_actions: true,
            service_fee_rule: true,
            levels_hardcoded: true,
            estimated_gas: true,
        }
    }
}

/// PoC gas constants (spec §5), gas units, by level 0/1/2.
const CREATE: [u64; 3] = [530_703, 425_628, 439_739];
const BISECT: [u64; 3] = [480_051, 648_411, 661_328];
const CONFIRM_OSP: u64 = 865_060;
const CONFIRM_TIME: u64 = 113_097;

/// An item the daemon pays for when it is confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Assertion(B256),
    /// A refinement edge, with the length-one edge it claims.
    Edge {
        refinement: B256,
        claimed: B256,
    },
}

/// A file the daemon writes: name and content as `(gas, fee)` requests.
#[derive(Clone, Debug)]
pub enum Request {
    Gas {
        trigger: u64,
        /// `assertion` or `edge`.
        kind: &'static str,
        claimed: B256,
        /// payee → (confirmation gwei, creation gwei).
        payable: BTreeMap<Address, (u128, u128)>,
    },
    Fee {
        trigger: u64,
        edge_level: Option<u8>,
        item: B256,
        blocks: u64,
        creation_tx: B256,
        confirmation_tx: B256,
        staker: Address,
    },
}

/// The daemon's memory.
pub struct Compat {
    pub flags: Pr649,
    watch_assertions: BTreeSet<B256>,
    watch_edges: BTreeMap<B256, B256>,
    pub aborts: u64,
    /// Events of the block being scanned, in log order.
    pending: Vec<Ev>,
}

impl Compat {
    pub fn new(flags: Pr649) -> Compat {
        Compat {
            flags,
            watch_assertions: BTreeSet::new(),
            watch_edges: BTreeMap::new(),
            aborts: 0,
            pending: Vec::new(),
        }
    }

    /// Queues a transaction's events for the scan of its block.
    pub fn collect(&mut self, evs: &[Ev]) {
        self.pending.extend(evs.iter().cloned());
    }

    /// Scans the block just applied (window of one block, no lag): `AssertionCreated`, then
    /// `AssertionConfirmed`, then edge confirmations, each in log order.
    pub fn scan(&mut self, st: &State, block: u64) -> Vec<Request> {
        let evs = std::mem::take(&mut self.pending);
        let mut out = Vec::new();
        for ev in &evs {
            if let Ev::AssertionCreated { hash, parent, .. } = ev {
                let Some(p) = st.assertions.get(parent) else {
                    continue;
                };
                if p.second_child == 0 {
                    continue;
                }
                let mut items = vec![*hash];
                if !self.flags.first_child_miss && p.second_child == block {
                    // The rival just landed: also watch the first child.
                    items.extend(
                        st.assertions
                            .values()
                            .filter(|a| a.parent == *parent && a.created == p.first_child)
                            .map(|a| a.hash),
                    );
                }
                for a in items {
                    if !self.descends_from_confirmed(st, a) {
                        continue;
                    }
                    if st.assertions[&a].confirmed.is_some() {
                        self.process(st, block, Item::Assertion(a), &mut out);
                    } else {
                        self.watch_assertions.insert(a);
                    }
                }
            }
        }
        for ev in &evs {
            if let Ev::AssertionConfirmed(h) = ev {
                if self.watch_assertions.remove(h) {
                    self.process(st, block, Item::Assertion(*h), &mut out);
                }
            }
        }
        for ev in &evs {
            if let Ev::ConfirmedByTime(id) | Ev::ConfirmedByOsp(id) = ev {
                if let Some(claimed) = self.watch_edges.remove(id) {
                    if self.flags.graph_never_stored {
                        // The graph cache it would read was never written: nothing is found.
                        continue;
                    }
                    self.process(
                        st,
                        block,
                        Item::Edge {
                            refinement: *id,
                            claimed,
                        },
                        &mut out,
                    );
                }
            }
        }
        if !self.flags.service_fee_rule {
            for ev in &evs {
                if let Ev::AssertionConfirmed(c) = ev {
                    out.extend(self.successor_fee(st, block, *c));
                }
            }
        }
        out
    }

    /// Intended D10: the confirmation of `child` shows it is its parent's honest successor, so
    /// the parent's service fee runs from the parent's creation to the child's.
    fn successor_fee(&self, st: &State, trigger: u64, child: B256) -> Option<Request> {
        let c = st.assertions.get(&child)?;
        let p = st.assertions.get(&c.parent)?;
        if p.create_tx == B256::ZERO {
            return None; // genesis was never staked on
        }
        Some(Request::Fee {
            trigger,
            edge_level: None,
            item: p.hash,
            blocks: c.created.saturating_sub(p.created),
            creation_tx: p.create_tx,
            confirmation_tx: p.confirmed.map(|(_, tx)| tx).unwrap_or(B256::ZERO),
            staker: p.creator,
        })
    }

    fn descends_from_confirmed(&self, st: &State, mut a: B256) -> bool {
        let lc = st.latest_confirmed;
        loop {
            if a == lc {
                return true;
            }
            match st.assertions.get(&a) {
                Some(n) if n.parent != B256::ZERO => a = n.parent,
                _ => return false,
            }
        }
    }

    /// Pays a confirmed item: its edge graph's paths and its service fee.
    fn process(&mut self, st: &State, trigger: u64, item: Item, out: &mut Vec<Request>) {
        let (root, from, claimed, kind) = match item {
            Item::Assertion(a) => {
                let node = &st.assertions[&a];
                let from = if self.flags.scan_start_from_claim {
                    node.second_child
                } else {
                    st.assertions
                        .get(&node.parent)
                        .map(|p| p.second_child)
                        .unwrap_or(0)
                };
                let root = st
                    .order
                    .iter()
                    .map(|id| &st.edges[id])
                    .find(|e| e.layer_zero && e.claim == a && e.created >= from);
                let Some(root) = root else { return };
                (root.clone(), from, a, "assertion")
            }
            Item::Edge {
                refinement,
                claimed,
            } => {
                let Some(r) = st.edges.get(&refinement) else {
                    return;
                };
                (r.clone(), r.created, claimed, "edge")
            }
        };
        let to = match (self.flags.graph_cutoff, root.confirmed) {
            (true, Some((at, _))) => at,
            _ => st.head,
        };
        let visible = |e: &Edge| e.created >= from && e.created <= to;
        // Refinements of the terminal edges at the root's level.
        for term in st.order.iter().map(|id| &st.edges[id]).filter(|e| {
            visible(e) && e.level == root.level && e.origin == root.origin && e.length == 1
        }) {
            for r in st
                .order
                .iter()
                .map(|id| &st.edges[id])
                .filter(|e| visible(e) && e.layer_zero && e.claim == term.id)
            {
                if r.is_confirmed() {
                    if self.flags.graph_never_stored {
                        self.aborts += 1;
                    } else {
                        self.process(
                            st,
                            trigger,
                            Item::Edge {
                                refinement: r.id,
                                claimed: term.id,
                            },
                            out,
                        );
                    }
                } else {
                    self.watch_edges.insert(r.id, term.id);
                }
            }
        }
        if self.flags.service_fee_rule {
            out.push(self.fee(st, trigger, item));
        }
        let (mut payable, kept) = self.paths(st, &root, &visible);
        if !self.flags.unpaid_actions {
            self.unpaid(st, item, &root, &kept, to, &mut payable);
        }
        if !payable.is_empty() {
            out.push(Request::Gas {
                trigger,
                kind,
                claimed,
                payable,
            });
        }
    }

    fn fee(&self, st: &State, trigger: u64, item: Item) -> Request {
        match item {
            Item::Assertion(a) => {
                let n = &st.assertions[&a];
                let (cb, ctx) = n.confirmed.unwrap_or((trigger, B256::ZERO));
                let end = if n.first_child != 0 {
                    n.first_child.min(cb)
                } else {
                    cb
                };
                Request::Fee {
                    trigger,
                    edge_level: None,
                    item: a,
                    blocks: end.saturating_sub(n.created),
                    creation_tx: n.create_tx,
                    confirmation_tx: ctx,
                    staker: n.creator,
                }
            }
            Item::Edge {
                refinement,
                claimed,
            } => {
                let r = &st.edges[&refinement];
                let c = &st.edges[&claimed];
                let (cb, ctx) = r.confirmed.unwrap_or((trigger, B256::ZERO));
                Request::Fee {
                    trigger,
                    edge_level: Some(c.level),
                    item: claimed,
                    blocks: cb.saturating_sub(c.created),
                    creation_tx: c.create_tx,
                    confirmation_tx: ctx,
                    staker: if self.flags.payee_tx_sender {
                        c.creator
                    } else {
                        r.creator
                    },
                }
            }
        }
    }

    /// A transaction's cost in gwei from its receipt's gas: priced at its block's base fee
    /// while D12 holds (the estimate's price), else at its effective gas price.
    fn receipt(&self, st: &State, tx: B256) -> u128 {
        let Some(c) = st.txs.get(&tx) else { return 0 };
        let price = if self.flags.estimated_gas {
            st.base_fees.get(&c.block).copied().unwrap_or(0)
        } else {
            c.effective_gas_price
        };
        c.gas_used as u128 * price / 1_000_000_000
    }

    /// Who is paid for a transaction of the item staked by `staker` (D8).
    fn payee(&self, st: &State, tx: B256, staker: Address) -> Address {
        if self.flags.payee_tx_sender {
            st.txs.get(&tx).map(|c| c.from).unwrap_or(Address::ZERO)
        } else {
            staker
        }
    }

    /// Intended D9: the timer updates of the kept edges (each transaction once) and, for an
    /// assertion, its creation and its `confirmAssertion`.
    fn unpaid(
        &self,
        st: &State,
        item: Item,
        root: &Edge,
        kept: &BTreeSet<B256>,
        to: u64,
        out: &mut BTreeMap<Address, (u128, u128)>,
    ) {
        let mut timers = BTreeSet::new();
        for id in kept {
            for tx in &st.edges[id].timer_txs {
                if st.txs.get(tx).is_some_and(|c| c.block <= to) {
                    timers.insert(*tx);
                }
            }
        }
        for tx in timers {
            let c = self.receipt(st, tx);
            out.entry(self.payee(st, tx, root.creator)).or_default().0 += c;
        }
        if let Item::Assertion(a) = item {
            let n = &st.assertions[&a];
            let c = self.receipt(st, n.create_tx);
            out.entry(self.payee(st, n.create_tx, n.creator))
                .or_default()
                .1 += c;
            if let Some((_, tx)) = n.confirmed {
                let c = self.receipt(st, tx);
                out.entry(self.payee(st, tx, n.creator)).or_default().0 += c;
            }
        }
    }

    /// Gas per payee over the kept root-to-leaf paths, and the edges on them.
    fn paths(
        &self,
        st: &State,
        root: &Edge,
        visible: &dyn Fn(&Edge) -> bool,
    ) -> (BTreeMap<Address, (u128, u128)>, BTreeSet<B256>) {
        let mut paths: Vec<Vec<&Edge>> = Vec::new();
        let bonus = if root.level == 0 && !self.flags.cache_filter {
            root.lane.map(|l| st.bonus(l.assertion)).unwrap_or(0)
        } else {
            0
        };
        let mut stack = Vec::new();
        self.dfs(st, root, bonus, visible, &mut stack, &mut paths);
        let mut out: BTreeMap<Address, (u128, u128)> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        let fee = |b: u64| st.base_fees.get(&b).copied().unwrap_or(0);
        // D8: the path's staker is its layer-zero root's.
        let staker = root.creator;
        for path in &paths {
            for (i, e) in path.iter().enumerate() {
                if !seen.insert(e.id) && !self.flags.per_path_sum {
                    continue;
                }
                let level = e.level;
                let mut creation = 0u128;
                if e.layer_zero {
                    creation = if self.flags.estimated_gas {
                        fee(e.created) * self.constant(st, &CREATE, level) as u128 / 1_000_000_000
                    } else {
                        self.receipt(st, e.create_tx)
                    };
                } else if self.flags.bisect_const_per_child {
                    creation = if self.flags.estimated_gas {
                        fee(e.created) * self.constant(st, &BISECT, level) as u128 / 1_000_000_000
                    } else {
                        self.receipt(st, e.create_tx)
                    };
                }
                let mut confirmation = 0u128;
                if let Some((cb, tx)) = e.confirmed {
                    confirmation = if self.flags.estimated_gas {
                        let osp = if self.flags.levels_hardcoded {
                            e.level == 2 && e.length == 1
                        } else {
                            e.by_osp
                        };
                        let c = if osp { CONFIRM_OSP } else { CONFIRM_TIME };
                        fee(cb) * c as u128 / 1_000_000_000
                    } else {
                        self.receipt(st, tx)
                    };
                }
                if creation + confirmation > 0 {
                    let entry = out.entry(self.payee(st, e.create_tx, staker)).or_default();
                    entry.0 += confirmation;
                    entry.1 += creation;
                }
                // Intended D7: one bisection charge per bisected edge, to its bisector.
                if !self.flags.bisect_const_per_child && i + 1 < path.len() {
                    if let Some(tx) = e.bisect_tx {
                        let kid = path[i + 1];
                        let c = if self.flags.estimated_gas {
                            fee(kid.created) * self.constant(st, &BISECT, level) as u128
                                / 1_000_000_000
                        } else {
                            self.receipt(st, tx)
                        };
                        out.entry(self.payee(st, tx, staker)).or_default().1 += c;
                    }
                }
            }
        }
        (out, seen)
    }

    fn constant(&self, st: &State, table: &[u64; 3], level: u8) -> u64 {
        if self.flags.levels_hardcoded {
            return table.get(level as usize).copied().unwrap_or(1);
        }
        let n = st.truth.heights.n;
        let kind = if level == 0 {
            0
        } else if level <= n {
            1
        } else {
            2
        };
        table[kind]
    }

    #[allow(clippy::too_many_arguments)]
    fn dfs<'s>(
        &self,
        st: &'s State,
        e: &'s Edge,
        above: u128,
        visible: &dyn Fn(&Edge) -> bool,
        stack: &mut Vec<&'s Edge>,
        out: &mut Vec<Vec<&'s Edge>>,
    ) {
        let t = st.period();
        let keep = if self.flags.cache_filter {
            e.cache as u128 >= t
        } else {
            above.saturating_add(e.cache as u128) >= t
        };
        if !keep {
            return;
        }
        stack.push(e);
        let here = above.saturating_add(st.lambda(e, st.head));
        let mut any = false;
        if let Some((lo, hi)) = e.children {
            for c in [lo, hi] {
                if let Some(c) = st.edges.get(&c).filter(|c| visible(c)) {
                    let before = out.len();
                    self.dfs(st, c, here, visible, stack, out);
                    any |= out.len() > before;
                }
            }
        }
        if !any {
            out.push(stack.clone());
        }
        stack.pop();
    }
}

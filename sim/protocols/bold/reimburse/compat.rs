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

/// The deviations of spec §8.3 that have an intended alternative here (`true` = as the
/// proof of concept does). D8 (payee = tx sender) changes nothing in this model, where a
/// layer-zero edge's staker is always its creating sender; D9, D10 and D12 define the mode
/// (spec mode is their intended counterpart).
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
    /// D11: only levels 0–2 have constants; the OSP test is `level == 2 ∧ length == 1`.
    pub levels_hardcoded: bool,
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
            levels_hardcoded: true,
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
        out
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
        out.push(self.fee(st, trigger, item));
        let payable = self.paths(st, &root, &visible);
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
                    staker: c.creator,
                }
            }
        }
    }

    /// Gas per payee over the kept root-to-leaf paths.
    fn paths(
        &self,
        st: &State,
        root: &Edge,
        visible: &dyn Fn(&Edge) -> bool,
    ) -> BTreeMap<Address, (u128, u128)> {
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
        for path in &paths {
            for (i, e) in path.iter().enumerate() {
                if !self.flags.per_path_sum && !seen.insert(e.id) {
                    continue;
                }
                let fee = |b: u64| st.base_fees.get(&b).copied().unwrap_or(0);
                let level = e.level;
                let mut creation = 0u128;
                if e.layer_zero {
                    creation =
                        fee(e.created) * self.constant(st, &CREATE, level) as u128 / 1_000_000_000;
                } else if self.flags.bisect_const_per_child {
                    creation =
                        fee(e.created) * self.constant(st, &BISECT, level) as u128 / 1_000_000_000;
                }
                let mut confirmation = 0u128;
                if let Some((cb, _)) = e.confirmed {
                    let osp = if self.flags.levels_hardcoded {
                        e.level == 2 && e.length == 1
                    } else {
                        e.by_osp
                    };
                    let c = if osp { CONFIRM_OSP } else { CONFIRM_TIME };
                    confirmation = fee(cb) * c as u128 / 1_000_000_000;
                }
                if creation + confirmation > 0 {
                    let entry = out.entry(e.creator).or_default();
                    entry.0 += confirmation;
                    entry.1 += creation;
                }
                // Intended D7: one bisection charge per bisected edge, to its bisector.
                if !self.flags.bisect_const_per_child && i + 1 < path.len() {
                    if let Some(b) = e.bisector {
                        let kid = path[i + 1];
                        let c = fee(kid.created) * self.constant(st, &BISECT, level) as u128
                            / 1_000_000_000;
                        out.entry(b).or_default().1 += c;
                    }
                }
            }
        }
        out
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

//! The assertion tree and edge graph rebuilt from logs alone (spec §8: "state is rebuilt by
//! replaying events"), with every edge placed in the honest history where it can be: its lane
//! and heights, and whether it is the honest edge there.

use super::feed::{FeedLog, FeedTx};
use crate::protocols::bold::bindings::{ecm, rollup};
use crate::protocols::bold::history::mandatory_bisection_height;
use crate::protocols::bold::truth::{Lane, Truth};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One assertion as its events tell it.
#[derive(Clone, Debug)]
pub struct Assertion {
    pub hash: B256,
    pub parent: B256,
    pub created: u64,
    pub creator: Address,
    pub create_tx: B256,
    pub required_stake: U256,
    pub first_child: u64,
    pub second_child: u64,
    pub is_first_child: bool,
    /// Block and transaction of `AssertionConfirmed`.
    pub confirmed: Option<(u64, B256)>,
    /// Inbox position when it is on the honest chain.
    pub honest_pos: Option<u64>,
}

/// One edge as its events tell it.
#[derive(Clone, Debug)]
pub struct Edge {
    pub id: B256,
    pub mutual: B256,
    pub origin: B256,
    pub claim: B256,
    pub level: u8,
    pub length: u64,
    /// Heights, once known (layer-zero at creation, bisection children at `EdgeBisected`).
    pub span: Option<(u64, u64)>,
    pub layer_zero: bool,
    pub created: u64,
    /// Sender of the transaction that emitted its `EdgeAdded`.
    pub creator: Address,
    pub create_tx: B256,
    pub children: Option<(B256, B256)>,
    /// The transaction that bisected it.
    pub bisect_tx: Option<B256>,
    /// Transactions that raised its cache, in execution order.
    pub timer_txs: Vec<B256>,
    pub confirmed: Option<(u64, B256)>,
    pub by_osp: bool,
    pub cache: u64,
    /// Its lane in the honest history, when its origin is on the honest history.
    pub lane: Option<Lane>,
    /// It is the honest edge of its lane and heights.
    pub honest: bool,
}

impl Edge {
    pub fn is_confirmed(&self) -> bool {
        self.confirmed.is_some()
    }
}

/// A decoded event of the rollup or the challenge manager.
#[derive(Clone, Debug)]
pub enum Ev {
    AssertionCreated {
        hash: B256,
        parent: B256,
        required_stake: U256,
    },
    AssertionConfirmed(B256),
    EdgeAdded {
        id: B256,
        mutual: B256,
        origin: B256,
        claim: B256,
        length: u64,
        level: u8,
        layer_zero: bool,
    },
    EdgeBisected {
        id: B256,
        lower: B256,
        upper: B256,
    },
    ConfirmedByTime(B256),
    ConfirmedByOsp(B256),
    TimerCacheUpdated(B256, u64),
}

fn sat(v: U256) -> u64 {
    v.saturating_to::<u64>()
}

/// Decodes the BOLD events of a log (`None` for other contracts and events).
pub fn decode(log: &FeedLog, rollup_addr: Address, ecm_addr: Address) -> Option<Ev> {
    let t0 = *log.topics.first()?;
    let topics = log.topics.iter().copied();
    if log.address == rollup_addr {
        if t0 == rollup::BoldRollup::AssertionCreated::SIGNATURE_HASH {
            let e = rollup::BoldRollup::AssertionCreated::decode_raw_log(topics, &log.data).ok()?;
            return Some(Ev::AssertionCreated {
                hash: e.assertionHash,
                parent: e.parentAssertionHash,
                required_stake: e.requiredStake,
            });
        }
        if t0 == rollup::BoldRollup::AssertionConfirmed::SIGNATURE_HASH {
            let e =
                rollup::BoldRollup::AssertionConfirmed::decode_raw_log(topics, &log.data).ok()?;
            return Some(Ev::AssertionConfirmed(e.assertionHash));
        }
        return None;
    }
    if log.address != ecm_addr {
        return None;
    }
    use ecm::EdgeChallengeManager as E;
    if t0 == E::EdgeAdded::SIGNATURE_HASH {
        let e = E::EdgeAdded::decode_raw_log(topics, &log.data).ok()?;
        return Some(Ev::EdgeAdded {
            id: e.edgeId,
            mutual: e.mutualId,
            origin: e.originId,
            claim: e.claimId,
            length: sat(e.length),
            level: e.level,
            layer_zero: e.isLayerZero,
        });
    }
    if t0 == E::EdgeBisected::SIGNATURE_HASH {
        let e = E::EdgeBisected::decode_raw_log(topics, &log.data).ok()?;
        return Some(Ev::EdgeBisected {
            id: e.edgeId,
            lower: e.lowerChildId,
            upper: e.upperChildId,
        });
    }
    if t0 == E::EdgeConfirmedByTime::SIGNATURE_HASH {
        let e = E::EdgeConfirmedByTime::decode_raw_log(topics, &log.data).ok()?;
        return Some(Ev::ConfirmedByTime(e.edgeId));
    }
    if t0 == E::EdgeConfirmedByOneStepProof::SIGNATURE_HASH {
        let e = E::EdgeConfirmedByOneStepProof::decode_raw_log(topics, &log.data).ok()?;
        return Some(Ev::ConfirmedByOsp(e.edgeId));
    }
    if t0 == E::TimerCacheUpdated::SIGNATURE_HASH {
        let e = E::TimerCacheUpdated::decode_raw_log(topics, &log.data).ok()?;
        return Some(Ev::TimerCacheUpdated(e.edgeId, sat(e.newValue)));
    }
    None
}

/// What a transaction's receipt says about its cost.
#[derive(Clone, Copy, Debug)]
pub struct TxCost {
    pub block: u64,
    pub from: Address,
    pub gas_used: u64,
    pub effective_gas_price: u128,
}

/// The rebuilt state.
pub struct State {
    pub truth: Rc<Truth>,
    pub rollup: Address,
    pub ecm: Address,
    pub assertions: BTreeMap<B256, Assertion>,
    pub edges: BTreeMap<B256, Edge>,
    /// Edge ids in creation order.
    pub order: Vec<B256>,
    /// Edges of each mutual id in creation order.
    pub groups: BTreeMap<B256, Vec<B256>>,
    pub latest_confirmed: B256,
    /// Parent lane and start height `j` of the refined edge, by the lane's origin.
    pub lane_parent: BTreeMap<B256, (Lane, u64)>,
    /// Every honest lane with a layer-zero edge, by origin.
    pub lanes: BTreeMap<B256, Lane>,
    pub base_fees: BTreeMap<u64, u128>,
    /// Receipt facts of every applied transaction (those that emitted BOLD events).
    pub txs: BTreeMap<B256, TxCost>,
    /// The latest block applied.
    pub head: u64,
    /// `T`.
    pub challenge_period: u64,
}

impl State {
    pub fn new(truth: Rc<Truth>, rollup: Address, ecm: Address, challenge_period: u64) -> State {
        let g = truth.assertion(0);
        let mut assertions = BTreeMap::new();
        assertions.insert(
            g.hash,
            Assertion {
                hash: g.hash,
                parent: B256::ZERO,
                created: 0,
                creator: Address::ZERO,
                create_tx: B256::ZERO,
                required_stake: U256::ZERO,
                first_child: 0,
                second_child: 0,
                is_first_child: true,
                confirmed: Some((0, B256::ZERO)),
                honest_pos: Some(0),
            },
        );
        State {
            truth,
            rollup,
            ecm,
            assertions,
            edges: BTreeMap::new(),
            order: Vec::new(),
            groups: BTreeMap::new(),
            latest_confirmed: g.hash,
            lane_parent: BTreeMap::new(),
            lanes: BTreeMap::new(),
            base_fees: BTreeMap::new(),
            txs: BTreeMap::new(),
            head: 0,
            challenge_period,
        }
    }

    /// The decoded BOLD events of a transaction, in log order.
    pub fn events(&self, tx: &FeedTx) -> Vec<Ev> {
        tx.logs
            .iter()
            .filter_map(|l| decode(l, self.rollup, self.ecm))
            .collect()
    }

    /// Applies one successful transaction's events at block `block`.
    pub fn apply(&mut self, block: u64, tx: &FeedTx, evs: &[Ev]) {
        self.txs.insert(
            tx.hash,
            TxCost {
                block,
                from: tx.from,
                gas_used: tx.gas_used,
                effective_gas_price: tx.effective_gas_price,
            },
        );
        for ev in evs {
            match ev {
                Ev::AssertionCreated {
                    hash,
                    parent,
                    required_stake,
                } => self.assertion_created(block, tx, *hash, *parent, *required_stake),
                Ev::AssertionConfirmed(h) => {
                    if let Some(a) = self.assertions.get_mut(h) {
                        a.confirmed = Some((block, tx.hash));
                    }
                    self.latest_confirmed = *h;
                }
                Ev::EdgeAdded {
                    id,
                    mutual,
                    origin,
                    claim,
                    length,
                    level,
                    layer_zero,
                } => {
                    let e = Edge {
                        id: *id,
                        mutual: *mutual,
                        origin: *origin,
                        claim: *claim,
                        level: *level,
                        length: *length,
                        span: layer_zero.then_some((0, *length)),
                        layer_zero: *layer_zero,
                        created: block,
                        creator: tx.from,
                        create_tx: tx.hash,
                        children: None,
                        bisect_tx: None,
                        timer_txs: Vec::new(),
                        confirmed: None,
                        by_osp: false,
                        cache: 0,
                        lane: None,
                        honest: false,
                    };
                    self.groups.entry(*mutual).or_default().push(*id);
                    self.order.push(*id);
                    self.edges.insert(*id, e);
                    if *layer_zero {
                        self.place_layer_zero(*id);
                    }
                }
                Ev::EdgeBisected { id, lower, upper } => {
                    let Some(parent) = self.edges.get_mut(id) else {
                        continue;
                    };
                    parent.children = Some((*lower, *upper));
                    parent.bisect_tx = Some(tx.hash);
                    let lane = parent.lane;
                    let Some((s, e)) = parent.span else { continue };
                    let Some(mid) = mandatory_bisection_height(s, e) else {
                        continue;
                    };
                    for (child, span) in [(*lower, (s, mid)), (*upper, (mid, e))] {
                        if let Some(c) = self.edges.get_mut(&child) {
                            if c.span.is_none() {
                                c.span = Some(span);
                                c.lane = lane;
                            }
                        }
                        self.label(child);
                    }
                }
                Ev::ConfirmedByTime(id) => {
                    if let Some(e) = self.edges.get_mut(id) {
                        e.confirmed = Some((block, tx.hash));
                    }
                }
                Ev::ConfirmedByOsp(id) => {
                    if let Some(e) = self.edges.get_mut(id) {
                        e.confirmed = Some((block, tx.hash));
                        e.by_osp = true;
                        e.cache = u64::MAX;
                    }
                }
                Ev::TimerCacheUpdated(id, v) => {
                    if let Some(e) = self.edges.get_mut(id) {
                        e.cache = *v;
                        if e.timer_txs.last() != Some(&tx.hash) {
                            e.timer_txs.push(tx.hash);
                        }
                    }
                }
            }
        }
    }

    fn assertion_created(
        &mut self,
        block: u64,
        tx: &FeedTx,
        hash: B256,
        parent: B256,
        required_stake: U256,
    ) {
        let mut is_first = true;
        let mut honest_pos = None;
        if let Some(p) = self.assertions.get_mut(&parent) {
            is_first = p.first_child == 0;
            if p.first_child == 0 {
                p.first_child = block;
            } else if p.second_child == 0 {
                p.second_child = block;
            }
            if let Some(pp) = p.honest_pos {
                if self.truth.assertion(pp + 1).hash == hash {
                    honest_pos = Some(pp + 1);
                }
            }
        }
        self.assertions.insert(
            hash,
            Assertion {
                hash,
                parent,
                created: block,
                creator: tx.from,
                create_tx: tx.hash,
                required_stake,
                first_child: 0,
                second_child: 0,
                is_first_child: is_first,
                confirmed: None,
                honest_pos,
            },
        );
    }

    /// Finds the lane of a new layer-zero edge and labels it.
    fn place_layer_zero(&mut self, id: B256) {
        let e = &self.edges[&id];
        let lane = if e.level == 0 {
            self.assertions
                .get(&e.origin)
                .and_then(|p| p.honest_pos)
                .map(|pp| self.truth.block_lane(pp + 1))
        } else {
            self.edges.get(&e.claim).and_then(|c| {
                let (j, _) = c.span?;
                let up = c.lane?;
                let sub = self.truth.refine(&up, j);
                (sub.origin == e.origin).then(|| {
                    self.lane_parent.insert(sub.origin, (up, j));
                    sub
                })
            })
        };
        if let Some(l) = lane {
            self.lanes.insert(l.origin, l);
        }
        self.edges.get_mut(&id).expect("inserted").lane = lane;
        self.label(id);
    }

    fn label(&mut self, id: B256) {
        let Some(e) = self.edges.get(&id) else { return };
        let (Some(lane), Some((s, t))) = (e.lane, e.span) else {
            return;
        };
        let honest = self.truth.edge_ids(&lane, s, t).1 == id;
        self.edges.get_mut(&id).expect("exists").honest = honest;
    }

    // ---- timers (spec §3.6, §8.1) ---------------------------------------------------------

    /// `own(e)` at block `t`.
    pub fn own(&self, e: &Edge, t: u64) -> u64 {
        let group = &self.groups[&e.mutual];
        if group.len() == 1 {
            return t.saturating_sub(e.created);
        }
        let r = &self.edges[&group[1]];
        r.created.saturating_sub(e.created)
    }

    /// `λ(e, t)`: saturated once Confirmed, 0 at or before creation, else `own`.
    pub fn lambda(&self, e: &Edge, t: u64) -> u128 {
        if e.is_confirmed() {
            u64::MAX as u128
        } else if t <= e.created {
            0
        } else {
            self.own(e, t) as u128
        }
    }

    pub fn rivaled(&self, e: &Edge) -> bool {
        self.groups[&e.mutual].len() >= 2
    }

    /// The honest edge `[s, e]` of `lane`, if it exists.
    pub fn honest_edge(&self, lane: &Lane, s: u64, e: u64) -> Option<&Edge> {
        self.edges.get(&self.truth.edge_ids(lane, s, e).1)
    }

    /// The honest layer-zero edge of `lane`.
    pub fn lane_root(&self, lane: &Lane) -> Option<&Edge> {
        self.honest_edge(lane, 0, self.truth.heights.layer_zero(lane.level))
    }

    /// First-child bonus of the honest assertion at `pos`.
    pub fn bonus(&self, pos: u64) -> u128 {
        let a = self.truth.assertion(pos);
        let (Some(node), Some(parent)) =
            (self.assertions.get(&a.hash), self.assertions.get(&a.parent))
        else {
            return 0;
        };
        if node.is_first_child && parent.second_child > 0 {
            (parent.second_child - parent.first_child) as u128
        } else {
            0
        }
    }

    /// `w(u→[s, e])` in `lane` at block `t`: Σ λ over the honest dyadic path from the lane's
    /// root down to `[s, e]`, both ends included (missing edges count 0), plus the first-child
    /// bonus at the block level.
    pub fn path_to(&self, lane: &Lane, s: u64, e: u64, t: u64) -> u128 {
        let mut lo = 0;
        let mut hi = self.truth.heights.layer_zero(lane.level);
        let mut w = if lane.level == 0 {
            self.bonus(lane.assertion)
        } else {
            0
        };
        loop {
            if let Some(x) = self.honest_edge(lane, lo, hi) {
                w = w.saturating_add(self.lambda(x, t));
            }
            if (lo, hi) == (s, e) || hi - lo < 2 {
                return w;
            }
            let mid = mandatory_bisection_height(lo, hi).expect("length ≥ 2");
            if e <= mid {
                hi = mid;
            } else {
                lo = mid;
            }
        }
    }

    /// Whether the lane's honest root is essential at block `t` (spec §8.1).
    pub fn essential(&self, lane: &Lane, t: u64) -> bool {
        if lane.level == 0 {
            return true;
        }
        let Some((up, j)) = self.lane_parent.get(&lane.origin) else {
            return false;
        };
        let up = *up;
        self.essential(&up, t) && self.path_to(&up, *j, j + 1, t) < self.period()
    }

    pub fn period(&self) -> u128 {
        self.challenge_period as u128
    }

    /// The chain of lanes from `lane` up to the block level.
    pub fn lane_chain(&self, lane: &Lane) -> Vec<Lane> {
        let mut out = vec![*lane];
        let mut cur = *lane;
        while let Some((up, _)) = self.lane_parent.get(&cur.origin) {
            out.push(*up);
            cur = *up;
        }
        out
    }

    /// Minimum path weight of the honest subtree below `[s, e]` of `lane` at block `t`
    /// (spec §8.1; the root counts its own time even when confirmed).
    pub fn min_path(&self, lane: &Lane, s: u64, e: u64, acc: u128, is_root: bool, t: u64) -> u128 {
        let Some(x) = self.honest_edge(lane, s, e) else {
            return acc;
        };
        if x.is_confirmed() && !is_root {
            return u128::MAX;
        }
        let lambda = if is_root {
            self.own(x, t) as u128
        } else {
            self.lambda(x, t)
        };
        let here = acc.saturating_add(lambda);
        if x.children.is_some() {
            let mid = mandatory_bisection_height(s, e).expect("bisected");
            return self
                .min_path(lane, s, mid, here, false, t)
                .min(self.min_path(lane, mid, e, here, false, t));
        }
        if e - s == 1 && lane.level < self.truth.heights.small_level() && here < self.period() {
            let sub = self.truth.refine(lane, s);
            if self.lane_root(&sub).is_some() {
                let h = self.truth.heights.layer_zero(sub.level);
                return self.min_path(&sub, 0, h, here, false, t);
            }
        }
        here
    }
}

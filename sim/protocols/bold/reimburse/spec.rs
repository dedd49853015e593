//! `spec` mode (spec §8.2): replay the on-chain actions in order and pay the sender of each
//! successful action that the honest strategy `H(state)` would take at that moment, only the
//! first copy of each action; plus the service fee from an honest assertion's creation to its
//! honest successor's.
//!
//! An action and its arguments are read from the logs it emitted: the edge it created, the
//! edge it bisected (and the children, which fix the bisection root), the edge it proved, the
//! caches it raised. A timer update is paid when every cache it raised is on an honest edge in
//! the subtree of an essential root that is confirmable by path weight, **and** its calldata
//! is exactly one of the canonical forms the honest strategy emits for such a root at that
//! moment ([`super::canonical`]): one `multiUpdateTimeCacheByChildren` per maximal same-level
//! run, one `updateTimerCacheByClaim(terminal, refinement)` at each level boundary, each with
//! its `τ` gate. Differently batched updates are not paid; each is listed in
//! [`Spec::skipped`] with the reason (the online watcher notes it in the trace).

use super::super::truth::Lane;
use super::canonical::{self, TimerCall};
use super::feed::{FeedBlock, FeedTx};
use super::state::{Ev, State};
use alloy_primitives::{Address, B256, U256};
use std::collections::BTreeSet;

/// An action of the gas set (spec §8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    CreateRoot,
    Bisect,
    Refine,
    OneStepProve,
    UpdateTimers,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::CreateRoot => "CreateRoot",
            Action::Bisect => "Bisect",
            Action::Refine => "Refine",
            Action::OneStepProve => "OneStepProve",
            Action::UpdateTimers => "UpdateTimers",
        }
    }
}

/// A paid action.
#[derive(Clone, Debug)]
pub struct GasPay {
    pub action: Action,
    /// The created, bisected, proven or last-updated edge.
    pub edge: B256,
    pub level: u8,
    /// Parent assertion of the challenge.
    pub challenge_parent: B256,
    pub payee: Address,
    pub gas_used: u64,
    pub effective_gas_price: u128,
    pub cap: u128,
    pub amount: U256,
}

/// An action, the edge it names and its equality class (edges and new cache values).
type Classified = (Action, B256, Vec<(B256, u64)>);

/// A successful action the log rules would pay but its calldata does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub block: u64,
    pub tx: B256,
    pub action: Action,
    pub reason: String,
}

/// Spec-mode bookkeeping: action classes already paid.
#[derive(Default)]
pub struct Spec {
    paid: BTreeSet<(Action, Vec<(B256, u64)>)>,
    /// Timer updates left unpaid because they were not in canonical form, in order.
    pub skipped: Vec<Skip>,
    /// Service-fee windows already processed.
    pub windows_done: u64,
}

impl Spec {
    /// Classifies a successful transaction against the state just before it; returns the
    /// payment if its action is in `H(state)` and its class is unpaid.
    pub fn classify(
        &mut self,
        st: &State,
        b: &FeedBlock,
        tx: &FeedTx,
        evs: &[Ev],
        cap_bps: u64,
    ) -> Option<GasPay> {
        let t = b.number;
        let (action, edge, class) = self.action(st, evs, t)?;
        if action == Action::UpdateTimers {
            if let Err(reason) = self.canonical_form(st, &tx.input, &class, t) {
                self.skipped.push(Skip {
                    block: t,
                    tx: tx.hash,
                    action,
                    reason,
                });
                return None;
            }
        }
        if !self.paid.insert((action, class)) {
            return None;
        }
        let cap = b.base_fee * cap_bps as u128 / 10_000;
        let price = tx.effective_gas_price.min(cap);
        let (level, parent) = self.context(st, evs, edge);
        Some(GasPay {
            action,
            edge,
            level,
            challenge_parent: parent,
            payee: tx.from,
            gas_used: tx.gas_used,
            effective_gas_price: tx.effective_gas_price,
            cap,
            amount: U256::from(tx.gas_used) * U256::from(price),
        })
    }

    /// Level of `edge` and the parent assertion of its challenge (from the pre-state, or from
    /// the transaction's own `EdgeAdded` when it created the edge).
    fn context(&self, st: &State, evs: &[Ev], edge: B256) -> (u8, B256) {
        if let Some(e) = st.edges.get(&edge) {
            let pos = e.lane.map(|l| l.assertion).unwrap_or(1);
            return (e.level, st.truth.assertion(pos - 1).hash);
        }
        for ev in evs {
            if let Ev::EdgeAdded {
                id, level, claim, ..
            } = ev
            {
                if *id == edge {
                    let pos = if *level == 0 {
                        st.assertions
                            .get(claim)
                            .and_then(|a| a.honest_pos)
                            .unwrap_or(1)
                    } else {
                        st.edges
                            .get(claim)
                            .and_then(|c| c.lane)
                            .map(|l| l.assertion)
                            .unwrap_or(1)
                    };
                    return (*level, st.truth.assertion(pos - 1).hash);
                }
            }
        }
        (0, B256::ZERO)
    }

    /// The action a transaction performed, if it is in `H(state)`: (action, edge, class key).
    fn action(&self, st: &State, evs: &[Ev], t: u64) -> Option<Classified> {
        let heights = st.truth.heights;
        // Layer-zero creation: CreateRoot or Refine.
        for ev in evs {
            let Ev::EdgeAdded {
                id,
                origin,
                claim,
                length,
                level,
                layer_zero: true,
                ..
            } = ev
            else {
                continue;
            };
            if *level == 0 {
                let a = st.assertions.get(claim)?;
                let pos = a.honest_pos?;
                let lane = st.truth.block_lane(pos);
                if a.confirmed.is_some()
                    || st.truth.edge_ids(&lane, 0, *length).1 != *id
                    || self.done(st, pos, t)
                {
                    return None;
                }
                return Some((Action::CreateRoot, *id, vec![(*id, 0)]));
            }
            let c = st.edges.get(claim)?;
            let lane = c.lane?;
            let (j, k) = c.span?;
            if !c.honest
                || c.is_confirmed()
                || k - j != 1
                || !st.rivaled(c)
                || c.level > heights.n
                || !self.ancestor_ok(st, &lane, j, k, t)
                || self.done(st, lane.assertion, t)
            {
                return None;
            }
            let sub = st.truth.refine(&lane, j);
            if sub.origin != *origin
                || st.lane_root(&sub).is_some()
                || st.truth.edge_ids(&sub, 0, *length).1 != *id
            {
                return None;
            }
            return Some((Action::Refine, *id, vec![(*id, 0)]));
        }
        for ev in evs {
            match ev {
                Ev::EdgeBisected { id, upper, .. } => {
                    let e = st.edges.get(id)?;
                    let lane = e.lane?;
                    let (s, k) = e.span?;
                    if !e.honest
                        || e.is_confirmed()
                        || !st.rivaled(e)
                        || e.children.is_some()
                        || k - s < 2
                        || !self.ancestor_ok(st, &lane, s, k, t)
                        || self.done(st, lane.assertion, t)
                    {
                        return None;
                    }
                    let mid = crate::protocols::bold::history::mandatory_bisection_height(s, k)?;
                    if st.truth.edge_ids(&lane, mid, k).1 != *upper {
                        return None;
                    }
                    return Some((Action::Bisect, *id, vec![(*id, 0)]));
                }
                Ev::ConfirmedByOsp(id) => {
                    let e = st.edges.get(id)?;
                    let lane = e.lane?;
                    let (s, k) = e.span?;
                    if !e.honest
                        || e.is_confirmed()
                        || e.level != heights.small_level()
                        || k - s != 1
                        || !st.rivaled(e)
                        || !self.ancestor_ok(st, &lane, s, k, t)
                        || self.done(st, lane.assertion, t)
                    {
                        return None;
                    }
                    return Some((Action::OneStepProve, *id, vec![(*id, 0)]));
                }
                _ => {}
            }
        }
        // Timer updates: only TimerCacheUpdated logs.
        let updates: Vec<(B256, u64)> = evs
            .iter()
            .filter_map(|e| match e {
                Ev::TimerCacheUpdated(id, v) => Some((*id, *v)),
                _ => None,
            })
            .collect();
        if updates.is_empty() || updates.len() != evs.len() {
            return None;
        }
        if Self::confirmable_roots(self, st, &updates, t)?.is_empty() {
            return None;
        }
        let last = updates.last().expect("non-empty").0;
        Some((Action::UpdateTimers, last, updates))
    }

    /// The essential roots whose honest subtrees hold every edge a timer update raised and
    /// that are confirmable by path weight (min over their honest paths ≥ `T`), nearest
    /// first; `None` when a raised edge is not honest or the challenge is done.
    fn confirmable_roots(&self, st: &State, updates: &[(B256, u64)], t: u64) -> Option<Vec<Lane>> {
        let mut common: Option<Vec<Lane>> = None;
        for (id, _) in updates {
            let e = st.edges.get(id)?;
            if !e.honest {
                return None;
            }
            let chain = st.lane_chain(&e.lane?);
            common = Some(match common {
                None => chain,
                Some(c) => c.into_iter().filter(|l| chain.contains(l)).collect(),
            });
        }
        let common = common?;
        let pos = common.first()?.assertion;
        if self.done(st, pos, t) {
            return None;
        }
        Some(
            common
                .into_iter()
                .filter(|u| {
                    let Some(root) = st.lane_root(u) else {
                        return false;
                    };
                    if root.is_confirmed() || !st.essential(u, t) {
                        return false;
                    }
                    let h = st.truth.heights.layer_zero(u.level);
                    let bonus = if u.level == 0 {
                        st.bonus(u.assertion)
                    } else {
                        0
                    };
                    st.min_path(u, 0, h, bonus, true, t) >= st.period()
                })
                .collect(),
        )
    }

    /// Whether a timer update's calldata is exactly one of the canonical forms for one of
    /// the confirmable essential roots (spec §8.2); the reason when it is not.
    fn canonical_form(
        &self,
        st: &State,
        input: &[u8],
        updates: &[(B256, u64)],
        t: u64,
    ) -> Result<(), String> {
        let Some(call) = TimerCall::decode(input) else {
            return Err("not a standard-encoded timer-cache update".to_string());
        };
        let roots = self.confirmable_roots(st, updates, t).unwrap_or_default();
        if roots
            .iter()
            .any(|u| canonical::canonical(st, u, t).contains(&call))
        {
            return Ok(());
        }
        Err(match call {
            TimerCall::ByChildren { .. } => {
                "updateTimerCacheByChildren is not a canonical form (one \
                 multiUpdateTimeCacheByChildren per maximal same-level run)"
                    .to_string()
            }
            c => format!(
                "{} is not batched or gated as the canonical update of a confirmable \
                 essential root",
                c.function()
            ),
        })
    }

    /// The ancestor condition: the lane's root is essential and `w(u→[s, e]) < T`.
    fn ancestor_ok(
        &self,
        st: &State,
        lane: &super::super::truth::Lane,
        s: u64,
        e: u64,
        t: u64,
    ) -> bool {
        st.lane_root(lane).is_some()
            && st.essential(lane, t)
            && st.path_to(lane, s, e, t) < st.period()
    }

    /// `C(state)` for the challenge of the honest assertion `pos`: its block root and every
    /// essential layer-zero edge are Confirmed.
    pub fn done(&self, st: &State, pos: u64, t: u64) -> bool {
        let block = st.truth.block_lane(pos);
        match st.lane_root(&block) {
            Some(r) if r.is_confirmed() => {}
            _ => return false,
        }
        st.lanes
            .values()
            .filter(|l| l.assertion == pos && l.level > 0)
            .all(|l| match st.lane_root(l) {
                Some(r) => r.is_confirmed() || !st.essential(l, t),
                None => true,
            })
    }
}

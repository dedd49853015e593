//! Invariants of spec §7, checked against contract state after every block (safety) and at
//! the end of the run (liveness). The assertion tree and the edge graph are read once per
//! block through the contracts' enumeration views and shared by every check.

use super::bindings::{ecm, rollup, Ecm, Rollup};
use super::history::{self, mandatory_bisection_height};
use super::{Bold, Shared, Side};
use crate::check::{Invariant, Probe};
use crate::protocols::token::Token;
use crate::trace::CheckKind;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One edge as stored, with its recomputed mutual id and creation index.
#[derive(Debug, Clone)]
pub struct EdgeRec {
    pub id: B256,
    pub edge: ecm::ChallengeEdge,
    pub mutual: B256,
    pub index: usize,
}

impl EdgeRec {
    pub fn layer_zero(&self) -> bool {
        self.edge.claimId != B256::ZERO && self.edge.staker != Address::ZERO
    }
    pub fn len(&self) -> u64 {
        (self.edge.endHeight - self.edge.startHeight).saturating_to()
    }
    pub fn confirmed(&self) -> bool {
        self.edge.status == 1
    }
}

/// One assertion as stored.
#[derive(Debug, Clone)]
pub struct AssertionRec {
    pub hash: B256,
    pub parent: B256,
    pub node: rollup::AssertionNode,
    /// Inbox position if it is on the honest chain.
    pub honest_pos: Option<u64>,
}

/// The assertion tree and the edge graph at one block.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub block: u64,
    pub assertions: Vec<AssertionRec>,
    pub edges: BTreeMap<B256, EdgeRec>,
    /// Edge ids in creation order.
    pub order: Vec<B256>,
    pub latest_confirmed: B256,
}

fn v<C: alloy_sol_types::SolCall>(
    probe: &mut Probe,
    bold: &Bold,
    to: Address,
    call: &C,
) -> Result<C::Return, String> {
    probe
        .view(bold.chain, to, call)
        .map_err(|e| format!("view failed: {e}"))
}

impl Graph {
    /// Reads the whole graph through view calls.
    pub fn read(bold: &Bold, probe: &mut Probe) -> Result<Graph, String> {
        let mut g = Graph {
            block: probe.head(bold.chain).number,
            ..Graph::default()
        };
        let batches: u64 = v(probe, bold, bold.rollup, &Rollup::batchCountCall {})?.saturating_to();
        let honest: BTreeMap<B256, u64> = (0..=batches)
            .map(|p| (bold.honest.assertion(p).hash, p))
            .collect();
        let n: u64 = v(probe, bold, bold.rollup, &Rollup::assertionCountCall {})?.saturating_to();
        for i in 0..n {
            let hash = v(
                probe,
                bold,
                bold.rollup,
                &Rollup::assertionHashesCall::new((U256::from(i),)),
            )?;
            let node = v(
                probe,
                bold,
                bold.rollup,
                &Rollup::getAssertionCall {
                    assertionHash: hash,
                },
            )?;
            let parent = v(
                probe,
                bold,
                bold.rollup,
                &Rollup::parentOfCall::new((hash,)),
            )?;
            g.assertions.push(AssertionRec {
                hash,
                parent,
                node,
                honest_pos: honest.get(&hash).copied(),
            });
        }
        g.latest_confirmed = v(probe, bold, bold.rollup, &Rollup::latestConfirmedCall {})?;
        let m: u64 = v(probe, bold, bold.ecm, &Ecm::edgeCountCall {})?.saturating_to();
        for i in 0..m {
            let id = v(
                probe,
                bold,
                bold.ecm,
                &Ecm::edgeIdsCall::new((U256::from(i),)),
            )?;
            let edge = v(probe, bold, bold.ecm, &Ecm::getEdgeCall { edgeId: id })?;
            let mutual = history::mutual_id(
                edge.level,
                edge.originId,
                edge.startHeight.saturating_to(),
                edge.startHistoryRoot,
                edge.endHeight.saturating_to(),
            );
            g.order.push(id);
            g.edges.insert(
                id,
                EdgeRec {
                    id,
                    edge,
                    mutual,
                    index: i as usize,
                },
            );
        }
        Ok(g)
    }

    pub fn assertion(&self, hash: B256) -> Option<&AssertionRec> {
        self.assertions.iter().find(|a| a.hash == hash)
    }

    /// Edges grouped by mutual id, each group in creation order.
    pub fn groups(&self) -> BTreeMap<B256, Vec<&EdgeRec>> {
        let mut out: BTreeMap<B256, Vec<&EdgeRec>> = BTreeMap::new();
        for id in &self.order {
            let e = &self.edges[id];
            out.entry(e.mutual).or_default().push(e);
        }
        out
    }

    /// Own unrivaled time of `e` at this block, recomputed from the group.
    pub fn own(&self, e: &EdgeRec, groups: &BTreeMap<B256, Vec<&EdgeRec>>) -> u64 {
        let g = &groups[&e.mutual];
        if g.len() == 1 {
            return self.block - e.edge.createdAtBlock;
        }
        let second = g[1].edge.createdAtBlock;
        second.saturating_sub(e.edge.createdAtBlock)
    }
}

/// The graph of the current block, read once and shared by every check.
#[derive(Default)]
pub struct Snapshot {
    cached: Option<(u64, Rc<Graph>)>,
}

type SharedSnapshot = Rc<RefCell<Snapshot>>;

fn graph(snap: &SharedSnapshot, bold: &Bold, probe: &mut Probe) -> Result<Rc<Graph>, String> {
    let head = probe.head(bold.chain);
    let (block, quiet) = (head.number, head.gas_used == 0);
    let mut s = snap.borrow_mut();
    if let Some((b, g)) = &mut s.cached {
        if *b == block {
            return Ok(g.clone());
        }
        if quiet {
            // An empty block changes nothing but the block number.
            let mut next = (**g).clone();
            next.block = block;
            *g = Rc::new(next);
            *b = block;
            return Ok(g.clone());
        }
    }
    drop(s);
    let g = Rc::new(Graph::read(bold, probe)?);
    snap.borrow_mut().cached = Some((block, g.clone()));
    Ok(g)
}

pub(super) fn all(shared: &Shared) -> Vec<Box<dyn Invariant>> {
    let snap: SharedSnapshot = Rc::default();
    let mk = |name: &'static str, kind: CheckKind, f: CheckFn| -> Box<dyn Invariant> {
        Box::new(Check {
            name,
            kind,
            bold: shared.clone(),
            snap: snap.clone(),
            state: State::default(),
            f,
        })
    };
    vec![
        mk(
            "bold.one_confirmed_child",
            CheckKind::Always,
            one_confirmed_child,
        ),
        mk(
            "bold.confirmation_timing",
            CheckKind::Always,
            confirmation_timing,
        ),
        mk("bold.honest_confirmed", CheckKind::Always, honest_confirmed),
        mk(
            "bold.one_confirmed_edge_per_mutual",
            CheckKind::Always,
            one_confirmed_edge,
        ),
        mk("bold.bisection_legal", CheckKind::Always, bisection_legal),
        mk("bold.layer_zero_legal", CheckKind::Always, layer_zero_legal),
        mk("bold.timer_monotone", CheckKind::Always, timer_monotone),
        mk(
            "bold.rollup_accounting",
            CheckKind::Always,
            rollup_accounting,
        ),
        mk(
            "bold.manager_accounting",
            CheckKind::Always,
            manager_accounting,
        ),
        mk("bold.refunds", CheckKind::Always, refunds),
        mk(
            "bold.confirmed_by_time_sound",
            CheckKind::Always,
            confirmed_by_time_sound,
        ),
        mk("bold.liveness", CheckKind::Eventually, liveness),
        mk(
            "bold.adversary_stakes",
            CheckKind::Eventually,
            adversary_stakes,
        ),
        mk("bold.termination", CheckKind::Eventually, termination),
    ]
}

/// Memory a check keeps between blocks.
#[derive(Default)]
struct State {
    caches: BTreeMap<B256, u64>,
    confirmed_edges: BTreeMap<B256, u64>,
}

type CheckFn = fn(&Bold, &Graph, &mut Probe, &mut State) -> Result<(), String>;

struct Check {
    name: &'static str,
    kind: CheckKind,
    bold: Shared,
    snap: SharedSnapshot,
    state: State,
    f: CheckFn,
}

impl Invariant for Check {
    fn name(&self) -> &str {
        self.name
    }
    fn kind(&self) -> CheckKind {
        self.kind
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let block = probe.head(self.bold.chain).number;
        let out = graph(&self.snap, &self.bold, probe)
            .and_then(|g| (self.f)(&self.bold, &g, probe, &mut self.state));
        if out.is_err() {
            self.bold
                .book
                .borrow_mut()
                .violations
                .push((self.name, block));
        }
        out
    }
}

fn short(h: B256) -> String {
    format!("{h}")[..10].to_string()
}

/// S1: the Confirmed assertions form one chain from genesis ending at `latestConfirmed`.
fn one_confirmed_child(bold: &Bold, g: &Graph, _: &mut Probe, _: &mut State) -> Result<(), String> {
    let mut children: BTreeMap<B256, u32> = BTreeMap::new();
    for a in g.assertions.iter().filter(|a| a.node.status == 2) {
        if a.parent == B256::ZERO {
            continue;
        }
        let parent = g
            .assertion(a.parent)
            .ok_or_else(|| format!("confirmed {} has no parent", short(a.hash)))?;
        if parent.node.status != 2 {
            return Err(format!(
                "confirmed {} has an unconfirmed parent",
                short(a.hash)
            ));
        }
        let c = children.entry(a.parent).or_default();
        *c += 1;
        if *c > 1 {
            return Err(format!("{} has two confirmed children", short(a.parent)));
        }
    }
    if children.contains_key(&g.latest_confirmed) {
        return Err("latestConfirmed has a confirmed child".into());
    }
    let _ = bold;
    Ok(())
}

/// S2: every confirmation respects the confirm period and, when challenged, the grace period
/// after the winning block-level edge.
fn confirmation_timing(bold: &Bold, g: &Graph, _: &mut Probe, _: &mut State) -> Result<(), String> {
    let mut book = bold.book.borrow_mut();
    for e in g.edges.values().filter(|e| e.confirmed()) {
        book.edge_confirmed_at.entry(e.id).or_insert(g.block);
    }
    for a in g.assertions.iter().filter(|a| a.node.status == 2) {
        if a.parent == B256::ZERO || book.confirmed_at.contains_key(&a.hash) {
            continue;
        }
        book.confirmed_at.insert(a.hash, g.block);
        let at = g.block;
        if at < a.node.createdAtBlock + bold.p.confirm_period {
            return Err(format!(
                "{} confirmed at {at}, before created {} + confirm period",
                short(a.hash),
                a.node.createdAtBlock
            ));
        }
        let parent = g.assertion(a.parent).expect("checked by S1");
        if parent.node.secondChildBlock > 0 {
            let winner = g
                .edges
                .values()
                .find(|e| e.edge.level == 0 && e.edge.claimId == a.hash && e.confirmed());
            match winner {
                None => {
                    return Err(format!(
                        "challenged {} confirmed without a confirmed block-level edge",
                        short(a.hash)
                    ))
                }
                Some(w) if at < w.edge.confirmedAtBlock + bold.p.grace => {
                    return Err(format!(
                        "{} confirmed at {at}, within the grace period of its edge (confirmed {})",
                        short(a.hash),
                        w.edge.confirmedAtBlock
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// S3: every Confirmed assertion is honest, and no evil block-level edge is Confirmed.
fn honest_confirmed(_: &Bold, g: &Graph, _: &mut Probe, _: &mut State) -> Result<(), String> {
    if let Some(a) = g
        .assertions
        .iter()
        .find(|a| a.node.status == 2 && a.honest_pos.is_none())
    {
        return Err(format!("evil assertion {} confirmed", short(a.hash)));
    }
    for e in g.edges.values() {
        if e.edge.level == 0 && e.confirmed() {
            let honest = g
                .assertion(e.edge.claimId)
                .is_some_and(|a| a.honest_pos.is_some());
            if !honest {
                return Err(format!(
                    "block-level edge {} for an evil assertion confirmed",
                    short(e.id)
                ));
            }
        }
    }
    Ok(())
}

/// S4: at most one Confirmed edge per mutual id; status and confirmation block never change.
fn one_confirmed_edge(_: &Bold, g: &Graph, _: &mut Probe, st: &mut State) -> Result<(), String> {
    for (m, group) in g.groups() {
        if group.iter().filter(|e| e.confirmed()).count() > 1 {
            return Err(format!("two confirmed edges with mutual id {}", short(m)));
        }
    }
    for (id, at) in &st.confirmed_edges {
        let e = &g.edges[id];
        if !e.confirmed() || e.edge.confirmedAtBlock != *at {
            return Err(format!(
                "edge {} left Confirmed or moved its block",
                short(*id)
            ));
        }
    }
    for e in g.edges.values().filter(|e| e.confirmed()) {
        st.confirmed_edges.insert(e.id, e.edge.confirmedAtBlock);
    }
    Ok(())
}

/// S5 (and the id part of S13): bisections split at the mandatory height into well-formed
/// children; every stored edge sits under the id its fields give.
fn bisection_legal(_: &Bold, g: &Graph, _: &mut Probe, _: &mut State) -> Result<(), String> {
    for e in g.edges.values() {
        let id = history::edge_id(e.mutual, e.edge.endHistoryRoot);
        if id != e.id {
            return Err(format!("edge {} stored under a foreign id", short(e.id)));
        }
        if e.edge.lowerChildId == B256::ZERO {
            continue;
        }
        let (s, t) = (
            e.edge.startHeight.saturating_to::<u64>(),
            e.edge.endHeight.saturating_to::<u64>(),
        );
        let mid = mandatory_bisection_height(s, t)
            .ok_or_else(|| format!("edge {} of length < 2 bisected", short(e.id)))?;
        let lo = g
            .edges
            .get(&e.edge.lowerChildId)
            .ok_or("lower child missing")?;
        let up = g
            .edges
            .get(&e.edge.upperChildId)
            .ok_or("upper child missing")?;
        let ok = lo.edge.startHeight == e.edge.startHeight
            && lo.edge.endHeight == U256::from(mid)
            && up.edge.startHeight == U256::from(mid)
            && up.edge.endHeight == e.edge.endHeight
            && lo.edge.startHistoryRoot == e.edge.startHistoryRoot
            && up.edge.endHistoryRoot == e.edge.endHistoryRoot
            && lo.edge.endHistoryRoot == up.edge.startHistoryRoot
            && lo.edge.level == e.edge.level
            && up.edge.level == e.edge.level
            && lo.edge.originId == e.edge.originId
            && up.edge.originId == e.edge.originId
            && !lo.layer_zero()
            && !up.layer_zero();
        if !ok {
            return Err(format!("edge {} has ill-formed children", short(e.id)));
        }
        if up.index < e.index {
            return Err(format!("upper child of {} existed before it", short(e.id)));
        }
    }
    Ok(())
}

/// S6: layer-zero edges claim what they may: a Pending-or-decided assertion with a sibling at
/// level 0, a rivaled length-one edge one level up otherwise.
fn layer_zero_legal(bold: &Bold, g: &Graph, _: &mut Probe, _: &mut State) -> Result<(), String> {
    let groups = g.groups();
    for e in g.edges.values().filter(|e| e.layer_zero()) {
        let h = bold.p.heights.layer_zero(e.edge.level);
        if e.edge.startHeight != U256::ZERO || e.edge.endHeight != U256::from(h) {
            return Err(format!("layer-zero edge {} has wrong heights", short(e.id)));
        }
        if e.edge.level == 0 {
            let claim = g
                .assertion(e.edge.claimId)
                .ok_or_else(|| format!("edge {} claims no assertion", short(e.id)))?;
            let parent = g.assertion(claim.parent).ok_or("claim without parent")?;
            if claim.parent != e.edge.originId || parent.node.secondChildBlock == 0 {
                return Err(format!(
                    "block edge {} claims an unchallenged assertion",
                    short(e.id)
                ));
            }
        } else {
            let c = g
                .edges
                .get(&e.edge.claimId)
                .ok_or_else(|| format!("edge {} claims no edge", short(e.id)))?;
            if c.edge.level + 1 != e.edge.level
                || c.len() != 1
                || c.mutual != e.edge.originId
                || groups[&c.mutual].len() < 2
                || c.edge.createdAtBlock > e.edge.createdAtBlock
            {
                return Err(format!("refinement {} claims an illegal edge", short(e.id)));
            }
        }
    }
    Ok(())
}

/// The largest true timer of an adversary block-level layer-zero edge, with its first-child
/// bonus (the gap to the second child): how close the adversary came to `T`.
pub(super) fn max_adversary_weight(
    g: &Graph,
    groups: &BTreeMap<B256, Vec<&EdgeRec>>,
    claims: &BTreeMap<B256, Vec<&EdgeRec>>,
    small: u8,
) -> Option<u128> {
    let mut worst: Option<u128> = None;
    for e in g
        .edges
        .values()
        .filter(|e| e.edge.level == 0 && e.layer_zero())
    {
        let Some(a) = g.assertion(e.edge.claimId) else {
            continue;
        };
        if a.honest_pos.is_some() {
            continue;
        }
        let mut w = true_timer(g, e, groups, claims, small);
        if a.node.isFirstChild {
            if let Some(p) = g.assertion(a.parent) {
                w += p
                    .node
                    .secondChildBlock
                    .saturating_sub(p.node.firstChildBlock) as u128;
            }
        }
        worst = Some(worst.map_or(w, |x| x.max(w)));
    }
    worst
}

/// The true recursive timer of an edge at this block (spec §3.6 without caches).
pub(super) fn true_timer(
    g: &Graph,
    e: &EdgeRec,
    groups: &BTreeMap<B256, Vec<&EdgeRec>>,
    claims: &BTreeMap<B256, Vec<&EdgeRec>>,
    small: u8,
) -> u128 {
    if e.confirmed() && e.edge.level == small && e.len() == 1 && !e.layer_zero() {
        return u64::MAX as u128;
    }
    let own = g.own(e, groups) as u128;
    let mut below = 0u128;
    if e.edge.lowerChildId != B256::ZERO {
        let lo = true_timer(g, &g.edges[&e.edge.lowerChildId], groups, claims, small);
        let up = true_timer(g, &g.edges[&e.edge.upperChildId], groups, claims, small);
        below = lo.min(up);
    }
    if let Some(cs) = claims.get(&e.id) {
        for c in cs {
            below = below.max(true_timer(g, c, groups, claims, small));
        }
    }
    (own + below).min(u64::MAX as u128)
}

/// S7 and S8: caches never decrease and never exceed the true recursive timer; in a rivaled
/// group only the first-created edge has own time.
fn timer_monotone(bold: &Bold, g: &Graph, _: &mut Probe, st: &mut State) -> Result<(), String> {
    let groups = g.groups();
    let mut claims: BTreeMap<B256, Vec<&EdgeRec>> = BTreeMap::new();
    for e in g
        .edges
        .values()
        .filter(|e| e.layer_zero() && e.edge.level > 0)
    {
        claims.entry(e.edge.claimId).or_default().push(e);
    }
    let small = bold.p.heights.small_level();
    for e in g.edges.values() {
        let c = e.edge.totalTimeUnrivaledCache;
        if let Some(prev) = st.caches.get(&e.id) {
            if c < *prev {
                return Err(format!("cache of {} fell from {prev} to {c}", short(e.id)));
            }
        }
        st.caches.insert(e.id, c);
        let t = true_timer(g, e, &groups, &claims, small);
        if c as u128 > t {
            return Err(format!(
                "cache of {} is {c}, above its true timer {t}",
                short(e.id)
            ));
        }
        let group = &groups[&e.mutual];
        if group.len() >= 2 && group[0].id != e.id && g.own(e, &groups) != 0 {
            return Err(format!("rival {} has own time", short(e.id)));
        }
    }
    // The largest adversary block-level path weight seen so far (for `margin_min`).
    if let Some(w) = max_adversary_weight(g, &groups, &claims, small) {
        let mut book = bold.book.borrow_mut();
        book.max_adversary_weight = Some(book.max_adversary_weight.map_or(w, |x| x.max(w)));
    }
    Ok(())
}

fn balance(probe: &mut Probe, bold: &Bold, who: Address) -> Result<U256, String> {
    v(
        probe,
        bold,
        bold.token,
        &Token::balanceOfCall { account: who },
    )
}

/// S10: rollup balance plus escrow equals stakes plus withdrawable funds; one bond in escrow
/// per non-first child.
fn rollup_accounting(
    bold: &Bold,
    g: &Graph,
    probe: &mut Probe,
    _: &mut State,
) -> Result<(), String> {
    let held = balance(probe, bold, bold.rollup)?;
    let escrow = balance(probe, bold, bold.escrow)?;
    let n: u64 = v(probe, bold, bold.rollup, &Rollup::stakerCountCall {})?.saturating_to();
    let mut owed = U256::ZERO;
    let mut seen: Vec<Address> = Vec::new();
    let mut stakes: Vec<(Address, U256)> = Vec::new();
    for i in 0..n {
        let s = v(
            probe,
            bold,
            bold.rollup,
            &Rollup::stakerListCall::new((U256::from(i),)),
        )?;
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        let staked = v(
            probe,
            bold,
            bold.rollup,
            &Rollup::amountStakedCall { stakerAddress: s },
        )?;
        stakes.push((s, staked));
        owed += staked;
        owed += v(
            probe,
            bold,
            bold.rollup,
            &Rollup::withdrawableFundsCall::new((s,)),
        )?;
    }
    capital_lock(bold, g, &stakes);
    if held + escrow != owed {
        return Err(format!(
            "rollup {held} + escrow {escrow} != stakes and withdrawable {owed}"
        ));
    }
    let losers = g
        .assertions
        .iter()
        .filter(|a| a.parent != B256::ZERO && !a.node.isFirstChild)
        .count();
    if escrow != bold.p.base_stake * U256::from(losers) {
        return Err(format!(
            "escrow holds {escrow}, expected {losers} bonds of {}",
            bold.p.base_stake
        ));
    }
    Ok(())
}

/// Adds the honest capital locked since the last block to `honest_capital_lock` (spec §9:
/// amount × blocks over honest bonds and mini-stakes) and notes what is locked now: the
/// `amountStaked` of every honest staker (an honest bond sent to escrow stays staked until
/// it is returned) and the mini-stake of every honest-staked layer-zero edge not yet
/// refunded.
fn capital_lock(bold: &Bold, g: &Graph, stakes: &[(Address, U256)]) {
    let honest = |a: &Address| bold.book.borrow().sides.get(a) == Some(&Side::Honest);
    let mut now: U256 = stakes
        .iter()
        .filter(|(s, _)| honest(s))
        .map(|(_, amount)| *amount)
        .sum();
    for e in g.edges.values() {
        if e.layer_zero() && !e.edge.refunded && honest(&e.edge.staker) {
            now += bold
                .p
                .stake_amounts
                .get(e.edge.level as usize)
                .copied()
                .unwrap_or_default();
        }
    }
    let mut book = bold.book.borrow_mut();
    let blocks = g.block.saturating_sub(book.lock_block);
    let add = book.locked_now * U256::from(blocks);
    book.capital_lock += add;
    book.locked_now = now;
    book.lock_block = g.block;
}

/// S11: the manager holds one mini-stake per layer-zero group minus refunds; the excess
/// receiver got every rival's stake.
fn manager_accounting(
    bold: &Bold,
    g: &Graph,
    probe: &mut Probe,
    _: &mut State,
) -> Result<(), String> {
    let mut kept = U256::ZERO;
    let mut excess = U256::ZERO;
    for group in g.groups().values() {
        for (i, e) in group.iter().filter(|e| e.layer_zero()).enumerate() {
            let s = bold.p.stake_amounts[e.edge.level as usize];
            if i == 0 {
                kept += s;
            } else {
                excess += s;
            }
            if e.edge.refunded {
                kept -= s;
            }
        }
    }
    let held = balance(probe, bold, bold.ecm)?;
    let got = balance(probe, bold, bold.excess)?;
    if held != kept || got != excess {
        return Err(format!(
            "manager holds {held} (expected {kept}), excess receiver {got} (expected {excess})"
        ));
    }
    Ok(())
}

/// S12: refunds only for Confirmed layer-zero edges.
fn refunds(_: &Bold, g: &Graph, _: &mut Probe, _: &mut State) -> Result<(), String> {
    match g
        .edges
        .values()
        .find(|e| e.edge.refunded && !(e.confirmed() && e.layer_zero()))
    {
        Some(e) => Err(format!("edge {} refunded without winning", short(e.id))),
        None => Ok(()),
    }
}

/// L1–L3: with an honest live party, every honest assertion whose parent is Confirmed is
/// Confirmed within the bound, every essential honest layer-zero edge is Confirmed and
/// refunded, and honest stakes are recovered.
fn liveness(bold: &Bold, g: &Graph, probe: &mut Probe, _: &mut State) -> Result<(), String> {
    let book = bold.book.borrow();
    let end = g.block;
    let p = &bold.p;
    for a in &g.assertions {
        let Some(pos) = a.honest_pos else { continue };
        if pos == 0 {
            continue;
        }
        let parent = g.assertion(a.parent).expect("parent exists");
        if parent.node.status != 2 {
            continue;
        }
        let challenged = parent.node.secondChildBlock > 0;
        let bound = if challenged {
            (a.node.createdAtBlock + p.confirm_period).max(
                book.last_adversary_move.max(parent.node.secondChildBlock)
                    + p.challenge_period
                    + p.grace,
            ) + p.slack
        } else {
            a.node.createdAtBlock + p.confirm_period + p.slack
        };
        match book.confirmed_at.get(&a.hash) {
            Some(at) if *at > bound => {
                return Err(format!(
                    "honest assertion {pos} confirmed at block {at}, after its bound {bound}"
                ))
            }
            Some(_) => {}
            None if end > bound => {
                return Err(format!(
                    "honest assertion {pos} not confirmed by block {end} (bound {bound})"
                ))
            }
            None => {
                return Err(format!(
                    "honest assertion {pos} still pending at the horizon {end} (bound {bound}): run longer"
                ))
            }
        }
    }
    for id in &book.essential {
        match g.edges.get(id) {
            Some(e) if !e.confirmed() => {
                return Err(format!(
                    "essential honest edge {} not confirmed",
                    short(*id)
                ))
            }
            Some(e) if !e.edge.refunded && p.stake_amounts[e.edge.level as usize] > U256::ZERO => {
                return Err(format!("essential honest edge {} not refunded", short(*id)))
            }
            _ => {}
        }
    }
    for (addr, side) in &book.sides {
        if *side != Side::Honest {
            continue;
        }
        let staked = v(
            probe,
            bold,
            bold.rollup,
            &Rollup::isStakedCall {
                stakerAddress: *addr,
            },
        )?;
        let owed = v(
            probe,
            bold,
            bold.rollup,
            &Rollup::withdrawableFundsCall::new((*addr,)),
        )?;
        if staked || owed > U256::ZERO {
            return Err(format!("honest {addr} has not recovered its bond"));
        }
    }
    Ok(())
}

/// S9: every edge confirmed by time had, recomputed here at its confirmation block,
/// `own + min(child caches) (+ first-child bonus at level 0) ≥ T`.
fn confirmed_by_time_sound(
    bold: &Bold,
    g: &Graph,
    _: &mut Probe,
    st: &mut State,
) -> Result<(), String> {
    let groups = g.groups();
    for e in g.edges.values() {
        if !(e.layer_zero() && e.confirmed()) || st.confirmed_edges.contains_key(&e.id) {
            continue;
        }
        st.confirmed_edges.insert(e.id, g.block);
        if e.edge.totalTimeUnrivaledCache == u64::MAX {
            continue; // confirmed by one-step proof
        }
        let own = g.own(e, &groups) as u128;
        let kids = if e.edge.lowerChildId != B256::ZERO {
            let lo = g.edges[&e.edge.lowerChildId].edge.totalTimeUnrivaledCache;
            let up = g.edges[&e.edge.upperChildId].edge.totalTimeUnrivaledCache;
            lo.min(up) as u128
        } else {
            0
        };
        let mut bonus = 0u128;
        if e.edge.level == 0 {
            if let Some(a) = g.assertion(e.edge.claimId) {
                if a.node.isFirstChild {
                    if let Some(p) = g.assertion(a.parent) {
                        bonus = p
                            .node
                            .secondChildBlock
                            .saturating_sub(p.node.firstChildBlock)
                            as u128;
                    }
                }
            }
        }
        let t = bold.p.challenge_period as u128;
        if own + kids + bonus < t {
            return Err(format!(
                "edge {} confirmed by time at block {} with own {own} + children {kids} + bonus {bonus} < T = {t}",
                short(e.id),
                g.block
            ));
        }
    }
    Ok(())
}

/// L4: no adversary account ends with more stake tokens than it started with, and no
/// block-level edge claiming a non-honest assertion was refunded (an adversary refund is only
/// possible for a layer-zero edge confirmed in a non-essential sub-challenge, or for a copy
/// of an honest edge).
fn adversary_stakes(
    bold: &Bold,
    g: &Graph,
    probe: &mut Probe,
    _: &mut State,
) -> Result<(), String> {
    for e in g.edges.values() {
        if e.edge.level == 0 && e.edge.refunded {
            if let Some(a) = g.assertion(e.edge.claimId) {
                if a.honest_pos.is_none() {
                    return Err(format!(
                        "block-level edge {} of a wrong assertion was refunded",
                        short(e.id)
                    ));
                }
            }
        }
    }
    let sides: Vec<(Address, Side)> = bold
        .book
        .borrow()
        .sides
        .iter()
        .map(|(a, s)| (*a, *s))
        .collect();
    for (addr, side) in sides {
        if side != Side::Adversary {
            continue;
        }
        let bal = balance(probe, bold, addr)?;
        let owed = v(
            probe,
            bold,
            bold.rollup,
            &Rollup::withdrawableFundsCall::new((addr,)),
        )?;
        if bal + owed > bold.p.initial_tokens {
            return Err(format!(
                "adversary {addr} holds {} stake tokens, more than the {} it started with",
                bal + owed,
                bold.p.initial_tokens
            ));
        }
    }
    Ok(())
}

/// L5: the termination predicate `C(state)` of spec §8.2 holds for every challenge of an
/// honest assertion whose parent is Confirmed: its honest block-level root and every
/// essential honest layer-zero edge are Confirmed.
fn termination(bold: &Bold, g: &Graph, _: &mut Probe, _: &mut State) -> Result<(), String> {
    for a in &g.assertions {
        let Some(pos) = a.honest_pos else { continue };
        if pos == 0 {
            continue;
        }
        let Some(parent) = g.assertion(a.parent) else {
            continue;
        };
        if parent.node.status != 2 || parent.node.secondChildBlock == 0 {
            continue;
        }
        let lane = bold.honest.block_lane(pos);
        let root = bold.honest.edge_ids(&lane, 0, bold.p.heights.block).1;
        match g.edges.get(&root) {
            Some(e) if e.confirmed() => {}
            _ => {
                return Err(format!(
                    "the honest block-level root of assertion {pos} is not Confirmed"
                ))
            }
        }
    }
    let book = bold.book.borrow();
    for id in &book.essential {
        if let Some(e) = g.edges.get(id) {
            if !e.confirmed() {
                return Err(format!(
                    "essential honest edge {} is not Confirmed",
                    short(*id)
                ));
            }
        }
    }
    Ok(())
}

//! One party's play in the edge challenge of one assertion: the honest strategy of spec §6 as a
//! state machine re-derived from chain state every block (so a restarted party rebuilds it from
//! state alone), and the evil full player that plays its own branch completely.

use super::bindings::{conv, ecm, Ecm};
use super::history::{self, last_leaf_proof, mandatory_bisection_height, prefix_proof};
use super::runs;
use super::truth::{Lane, Truth};
use super::Bold;
use crate::engine::actor::{Ctx, TxOpts};
use alloy_primitives::{Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Gas limit of every challenge transaction.
pub const GAS: u64 = 3_000_000;

/// How a party plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// The honest strategy: essential moves only, timer updates, confirmations, refunds.
    Honest,
    /// Plays every rivaled edge of its own branch; never updates timers or confirms.
    FullPlayer,
    /// The layer-zero spammer: opens its block-level edge and plays nothing further.
    RootOnly,
}

/// How an honest party batches its timer-cache updates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerBatching {
    /// The canonical form of spec §8.2: one `multiUpdateTimeCacheByChildren` per maximal
    /// same-level run, one `updateTimerCacheByClaim` at each level boundary.
    #[default]
    Canonical,
    /// One `updateTimerCacheByChildren(edge, τ(edge))` per pending edge of a run, bottom-up,
    /// skipping edges already at their gate (the boundaries stay `updateTimerCacheByClaim`):
    /// the same caches, validly, but not in canonical form, so spec-mode reimbursement does
    /// not pay these updates.
    PerEdge,
}

/// A move, as the key that stops a party from sending it twice while it is in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Move {
    CreateRoot(B256),
    Bisect(B256),
    Refine(B256),
    OneStepProve(B256),
    /// The `seq`-th timer update sent for the essential root.
    UpdateTimers(B256, u32),
    ConfirmByTime(B256),
    Refund(B256),
    /// A griefing cache push on one's own edge.
    Grief(B256),
}

impl Move {
    /// Metric label of the move.
    pub fn label(&self) -> &'static str {
        match self {
            Move::CreateRoot(_) => "create_root",
            Move::Bisect(_) => "bisect",
            Move::Refine(_) => "refine",
            Move::OneStepProve(_) => "one_step_prove",
            Move::UpdateTimers(..) => "update_timers",
            Move::ConfirmByTime(_) => "confirm_edge",
            Move::Refund(_) => "refund",
            Move::Grief(_) => "grief_timer",
        }
    }
}

/// An edge of this party's history as read from the chain.
#[derive(Debug)]
struct Node {
    lane: Lane,
    start: u64,
    end: u64,
    id: B256,
    edge: ecm::ChallengeEdge,
    own: u64,
    rivaled: bool,
    kids: Option<Box<(Node, Node)>>,
    refinement: Refinement,
}

#[derive(Debug)]
enum Refinement {
    /// Not a rivaled length-one edge above the small-step level.
    None,
    Absent(Lane),
    Present(Box<Node>),
}

impl Node {
    fn confirmed(&self) -> bool {
        self.edge.status == 1
    }
    fn len(&self) -> u64 {
        self.end - self.start
    }
    /// `λ`: own time, or saturated once Confirmed.
    fn lambda(&self) -> u128 {
        if self.confirmed() {
            u64::MAX as u128
        } else {
            self.own as u128
        }
    }
}

/// A transaction a party wants to send.
pub struct Tx {
    pub key: Move,
    pub data: Bytes,
}

/// One party's view of one challenge (the block-level challenge of assertion `pos`).
pub struct Game {
    pub truth: Rc<Truth>,
    pub style: Style,
    /// Moves sent and not yet included, with the block they were sent at.
    pub in_flight: BTreeMap<Move, u64>,
    /// `T`, the challenge period in blocks.
    period: u64,
    /// Config template of assertions (next inbox position filled per assertion).
    cfg: super::bindings::Config,
    /// Mini-stake per level (refunds are skipped where it is zero).
    stakes: Vec<U256>,
    /// One-step proofs already attempted (a full player tries each once).
    tried: Vec<B256>,
    /// The tree read at the last block with challenge activity; own times of unrivaled
    /// edges are advanced locally while nothing on chain changes (every state change of the
    /// manager emits a log, which sets `dirty`).
    snapshot: Option<(u64, Node)>,
    pub dirty: bool,
    /// Caches as this tick's timer updates will leave them (shared by every root of a tick).
    sim: BTreeMap<B256, u64>,
    /// Timer griefing (full player only): every `grief_every` blocks, push the caches of all
    /// its own edges with `max = 2^256 − 1` and try to confirm its roots by time.
    pub grief_every: u64,
    /// The block this tick sees.
    now: u64,
    /// How timer updates are batched (honest style only).
    pub batching: TimerBatching,
}

/// Reads an edge; `None` if it does not exist.
fn read(ctx: &mut Ctx, bold: &Bold, id: B256) -> Option<ecm::ChallengeEdge> {
    ctx.view(bold.chain, bold.ecm, &Ecm::getEdgeCall { edgeId: id })
        .ok()
}

fn own_time(ctx: &mut Ctx, bold: &Bold, id: B256) -> u64 {
    ctx.view(bold.chain, bold.ecm, &Ecm::timeUnrivaledCall { edgeId: id })
        .map(|v| v.saturating_to::<u64>())
        .unwrap_or(0)
}

fn rivaled(ctx: &mut Ctx, bold: &Bold, id: B256) -> bool {
    ctx.view(bold.chain, bold.ecm, &Ecm::hasRivalCall { edgeId: id })
        .unwrap_or(false)
}

impl Game {
    pub fn new(truth: Rc<Truth>, style: Style, bold: &Bold) -> Game {
        Game {
            truth,
            style,
            period: bold.p.challenge_period,
            cfg: bold.config_for(0),
            stakes: bold.p.stake_amounts.clone(),
            in_flight: BTreeMap::new(),
            tried: Vec::new(),
            snapshot: None,
            dirty: true,
            sim: BTreeMap::new(),
            grief_every: 0,
            now: 0,
            batching: TimerBatching::Canonical,
        }
    }

    /// The block-level root edge id of assertion `pos` in this party's history.
    pub fn root_id(&self, pos: u64) -> B256 {
        let lane = self.truth.block_lane(pos);
        self.truth.edge_ids(&lane, 0, self.truth.heights.block).1
    }

    fn build(&self, ctx: &mut Ctx, bold: &Bold, lane: Lane, start: u64, end: u64) -> Option<Node> {
        let (_, id) = self.truth.edge_ids(&lane, start, end);
        let edge = read(ctx, bold, id)?;
        let own = own_time(ctx, bold, id);
        let rivaled = rivaled(ctx, bold, id);
        let kids = if edge.lowerChildId != B256::ZERO {
            let mid =
                mandatory_bisection_height(start, end).expect("bisected edges have length ≥ 2");
            let lower = self.build(ctx, bold, lane, start, mid)?;
            let upper = self.build(ctx, bold, lane, mid, end)?;
            Some(Box::new((lower, upper)))
        } else {
            None
        };
        let refinement =
            if end - start == 1 && rivaled && lane.level < self.truth.heights.small_level() {
                let sub = self.truth.refine(&lane, start);
                let h = self.truth.heights.layer_zero(sub.level);
                match self.build(ctx, bold, sub, 0, h) {
                    Some(n) => Refinement::Present(Box::new(n)),
                    None => Refinement::Absent(sub),
                }
            } else {
                Refinement::None
            };
        Some(Node {
            lane,
            start,
            end,
            id,
            edge,
            own,
            rivaled,
            kids,
            refinement,
        })
    }

    /// The moves this party makes now in the challenge of assertion `pos` (whose parent has
    /// a second child). Returns the transactions to send, in order.
    pub fn play(&mut self, ctx: &mut Ctx, bold: &Bold, pos: u64) -> Vec<Tx> {
        let head = ctx.block_number(bold.chain);
        self.now = head;
        let mut out = Vec::new();
        let claim = self.truth.assertion(pos);
        let parent = self.truth.assertion(pos - 1);
        let lane = self.truth.block_lane(pos);
        let h = self.truth.heights.block;
        let cached = match &self.snapshot {
            Some((at, n)) if !self.dirty => Some(advance(self.clone_node(n), head - at)),
            _ => None,
        };
        let built = match cached {
            Some(n) => Some(n),
            None => {
                self.dirty = false;
                let n = self.build(ctx, bold, lane, 0, h);
                self.snapshot = n.as_ref().map(|n| (head, self.clone_node(n)));
                n
            }
        };
        let Some(root) = built else {
            let pending = ctx
                .view(
                    bold.chain,
                    bold.rollup,
                    &super::Rollup::isPendingCall {
                        assertionHash: claim.hash,
                    },
                )
                .unwrap_or(false);
            if pending {
                self.create_root(&mut out, pos);
            }
            return self.filter(out, head);
        };
        if self.style == Style::RootOnly {
            drop(root);
            return Vec::new();
        }
        let bonus = self.bonus(ctx, bold, claim.hash, parent.hash);
        self.sim.clear();
        let mut roots: Vec<(Node, u128)> = vec![(root, bonus)];
        while let Some((u, bonus)) = roots.pop() {
            self.play_root(ctx, bold, pos, u, bonus, &mut roots, &mut out);
        }
        self.filter(out, head)
    }

    fn filter(&mut self, txs: Vec<Tx>, head: u64) -> Vec<Tx> {
        let mut out = Vec::new();
        for tx in txs {
            if self.in_flight.contains_key(&tx.key) {
                continue;
            }
            // Timer updates of one root go out as one batch: none while one is in flight.
            if let Move::UpdateTimers(root, 1) = tx.key {
                if self
                    .in_flight
                    .keys()
                    .any(|k| matches!(k, Move::UpdateTimers(r, _) if *r == root))
                {
                    continue;
                }
            }
            if let Move::UpdateTimers(root, seq) = tx.key {
                if seq > 1
                    && !out
                        .iter()
                        .any(|t: &Tx| matches!(t.key, Move::UpdateTimers(r, 1) if r == root))
                {
                    continue;
                }
            }
            self.in_flight.insert(tx.key, head);
            out.push(tx);
        }
        out
    }

    fn bonus(&self, ctx: &mut Ctx, bold: &Bold, claim: B256, parent: B256) -> u128 {
        let first = ctx
            .view(
                bold.chain,
                bold.rollup,
                &super::Rollup::isFirstChildCall {
                    assertionHash: claim,
                },
            )
            .unwrap_or(false);
        if !first {
            return 0;
        }
        let node = ctx.view(
            bold.chain,
            bold.rollup,
            &super::Rollup::getAssertionCall {
                assertionHash: parent,
            },
        );
        match node {
            Ok(n) if n.secondChildBlock > 0 => (n.secondChildBlock - n.firstChildBlock) as u128,
            _ => 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn play_root(
        &mut self,
        _ctx: &mut Ctx,
        bold: &Bold,
        pos: u64,
        u: Node,
        bonus: u128,
        roots: &mut Vec<(Node, u128)>,
        out: &mut Vec<Tx>,
    ) {
        let t = bold.p.challenge_period as u128;
        if self.style == Style::FullPlayer {
            // It never updates timers honestly, but confirms what the contract already allows.
            let total = u.own as u128 + kid_cache_min(&u) + bonus;
            let grief = self.grief_every > 0 && self.now % self.grief_every == 0;
            if !u.confirmed() && (total >= t || grief) {
                out.push(self.confirm_by_time(&u, pos));
            }
            if grief {
                grief_pushes(&u, out);
            }
            self.full_moves(u, roots, out);
            return;
        }
        bold.book.borrow_mut().essential.insert(u.id);
        if u.confirmed() {
            if !u.edge.refunded
                && self.stakes[u.lane.level as usize] > U256::ZERO
                && !bold.p.planted_skip_refund
            {
                out.push(Tx {
                    key: Move::Refund(u.id),
                    data: Ecm::refundStakeCall { edgeId: u.id }.abi_encode().into(),
                });
            }
            // No more moves at this level; essential refinements below keep playing.
            self.honest_moves(&u, bonus, true, true, roots, out);
            return;
        }
        let weight = self.path_weight(&u, bonus, true);
        let confirmable = weight >= t;
        if confirmable {
            let total = self.timer_updates(&u, bonus, out);
            if total + bonus >= t {
                out.push(self.confirm_by_time(&u, pos));
            }
        }
        self.honest_moves(&u, bonus, true, confirmable, roots, out);
    }

    /// Minimum path weight from the root `u` (plus `acc` above) to the leaves of its honest
    /// subtree, through essential refinements (spec §8.1).
    fn path_weight(&self, node: &Node, acc: u128, is_root: bool) -> u128 {
        let t = self.truth_period();
        let lambda = if is_root {
            node.own as u128
        } else {
            node.lambda()
        };
        let here = acc.saturating_add(lambda);
        if node.confirmed() && !is_root {
            return u128::MAX;
        }
        if let Some(k) = &node.kids {
            return self
                .path_weight(&k.0, here, false)
                .min(self.path_weight(&k.1, here, false));
        }
        match &node.refinement {
            Refinement::Present(r) if here < t => self.path_weight(r, here, false),
            _ => here,
        }
    }

    fn config(&self, pos: u64) -> super::bindings::Config {
        super::bindings::Config {
            next_inbox_position: pos + 1,
            ..self.cfg
        }
    }

    fn truth_period(&self) -> u128 {
        self.period as u128
    }

    /// Honest moves below `node` (`acc` = weight of its strict ancestors up to the root, plus
    /// the bonus): bisect, refine, prove, where the ancestor condition holds; essential
    /// refinements that exist are queued as roots of their own.
    fn honest_moves(
        &mut self,
        node: &Node,
        acc: u128,
        is_root: bool,
        hold: bool,
        roots: &mut Vec<(Node, u128)>,
        out: &mut Vec<Tx>,
    ) {
        let t = self.truth_period();
        let lambda = if is_root {
            node.own as u128
        } else {
            node.lambda()
        };
        let here = acc.saturating_add(lambda);
        if (node.confirmed() && !is_root) || here >= t || !node.rivaled {
            return;
        }
        if node.len() >= 2 {
            match &node.kids {
                None if !hold => out.push(self.bisect(node)),
                None => {}
                Some(k) => {
                    self.honest_moves(&k.0, here, false, hold, roots, out);
                    self.honest_moves(&k.1, here, false, hold, roots, out);
                }
            }
            return;
        }
        match &node.refinement {
            Refinement::Absent(sub) if !hold => out.push(self.refine(node, *sub)),
            Refinement::Present(r) => {
                // Essential refinement: a root of its own (it gets no time from above).
                let r = self.clone_node(r);
                roots.push((r, 0));
            }
            Refinement::None
                if !hold
                    && !node.confirmed()
                    && node.lane.level == self.truth.heights.small_level() =>
            {
                out.push(self.prove(node));
            }
            _ => {}
        }
    }

    fn clone_node(&self, n: &Node) -> Node {
        Node {
            lane: n.lane,
            start: n.start,
            end: n.end,
            id: n.id,
            edge: n.edge.clone(),
            own: n.own,
            rivaled: n.rivaled,
            kids: n
                .kids
                .as_ref()
                .map(|k| Box::new((self.clone_node(&k.0), self.clone_node(&k.1)))),
            refinement: match &n.refinement {
                Refinement::None => Refinement::None,
                Refinement::Absent(l) => Refinement::Absent(*l),
                Refinement::Present(r) => Refinement::Present(Box::new(self.clone_node(r))),
            },
        }
    }

    /// A full player's moves: every rivaled pending edge of its own branch.
    fn full_moves(&mut self, node: Node, roots: &mut Vec<(Node, u128)>, out: &mut Vec<Tx>) {
        if node.confirmed() || !node.rivaled {
            return;
        }
        if node.len() >= 2 {
            match node.kids {
                None => out.push(self.bisect(&node)),
                Some(k) => {
                    let (a, b) = *k;
                    self.full_moves(a, roots, out);
                    self.full_moves(b, roots, out);
                }
            }
            return;
        }
        let small = node.lane.level == self.truth.heights.small_level();
        match node.refinement {
            Refinement::Absent(sub) => out.push(self.refine(&node, sub)),
            Refinement::Present(r) => roots.push((*r, 0)),
            Refinement::None if small && !self.tried.contains(&node.id) => {
                self.tried.push(node.id);
                out.push(self.prove(&node));
            }
            Refinement::None => {}
        }
    }

    /// Canonical bottom-up timer updates for the essential root `u` (spec §8.2); returns the
    /// root's total after them (as simulated).
    fn timer_updates(&mut self, u: &Node, bonus: u128, out: &mut Vec<Tx>) -> u128 {
        let t = self.truth_period();
        let mut cache = std::mem::take(&mut self.sim);
        collect_caches(u, &mut cache);
        let mut paths: Vec<Vec<(&Node, bool)>> = Vec::new();
        let mut stack = vec![(u, true)];
        let mut seq = 0u32;
        self.leaf_paths(u, bonus, true, &mut stack, &mut paths);
        for path in &paths {
            // topdown(i) = bonus + Σ λ over path[..i]
            let topdown = runs::topdown(path.len(), bonus, |i| {
                if i == 0 {
                    path[0].0.own as u128
                } else {
                    path[i].0.lambda()
                }
            });
            for seg in runs::same_level_runs(path.len(), |k| path[k].1) {
                let j = *seg.last().expect("a run ends with its top");
                let ids: Vec<B256> = seg
                    .iter()
                    .filter(|&&k| !path[k].0.confirmed() || k == 0)
                    .map(|&k| path[k].0.id)
                    .collect();
                let top = path[j].0;
                let gate = t.saturating_sub(topdown[j]);
                if !ids.is_empty()
                    && !top.confirmed()
                    && gate > 0
                    && (cache[&top.id] as u128) < gate
                {
                    for &k in &seg {
                        let n = path[k].0;
                        if n.confirmed() {
                            continue;
                        }
                        // Per edge: each call is gated on its own edge, at `τ` of that edge.
                        let own_gate = t.saturating_sub(topdown[k]);
                        let per_edge = self.batching == TimerBatching::PerEdge
                            && own_gate > 0
                            && (cache[&n.id] as u128) < own_gate;
                        let v = sat(landing_own(n) + kid_min(n, &cache));
                        let c = cache.get_mut(&n.id).expect("collected");
                        *c = (*c).max(v);
                        if per_edge {
                            seq += 1;
                            out.push(Tx {
                                key: Move::UpdateTimers(u.id, seq),
                                data: Ecm::updateTimerCacheByChildrenCall {
                                    edgeId: n.id,
                                    maximumCachedTime: U256::from(own_gate),
                                }
                                .abi_encode()
                                .into(),
                            });
                        }
                    }
                    if self.batching == TimerBatching::Canonical {
                        seq += 1;
                        out.push(Tx {
                            key: Move::UpdateTimers(u.id, seq),
                            data: Ecm::multiUpdateTimeCacheByChildrenCall {
                                edgeIds_: ids,
                                maximumCachedTime: U256::from(gate),
                            }
                            .abi_encode()
                            .into(),
                        });
                    }
                }
                if j == 0 {
                    continue;
                }
                // claim link: path[j-1] is the terminal, path[j] its refinement
                let term = path[j - 1].0;
                let gate = t.saturating_sub(topdown[j - 1]);
                if gate > 0 && !term.confirmed() && (cache[&term.id] as u128) < gate {
                    let v = sat(landing_own(term) + cache[&top.id] as u128);
                    let c = cache.get_mut(&term.id).expect("collected");
                    *c = (*c).max(v);
                    seq += 1;
                    out.push(Tx {
                        key: Move::UpdateTimers(u.id, seq),
                        data: Ecm::updateTimerCacheByClaimCall {
                            edgeId: term.id,
                            claimingEdgeId: top.id,
                            maximumCachedTime: U256::from(gate),
                        }
                        .abi_encode()
                        .into(),
                    });
                }
            }
        }
        let total = landing_own(u) + kid_min(u, &cache);
        self.sim = cache;
        total
    }

    /// Every root-to-leaf path of the honest subtree of `u` (entries: node, reached by a claim
    /// link from the previous one).
    fn leaf_paths<'n>(
        &self,
        node: &'n Node,
        acc: u128,
        is_root: bool,
        stack: &mut Vec<(&'n Node, bool)>,
        out: &mut Vec<Vec<(&'n Node, bool)>>,
    ) {
        let t = self.truth_period();
        let lambda = if is_root {
            node.own as u128
        } else {
            node.lambda()
        };
        let here = acc.saturating_add(lambda);
        if node.confirmed() && !is_root {
            out.push(stack.clone());
            return;
        }
        if let Some(k) = &node.kids {
            for child in [&k.0, &k.1] {
                stack.push((child, false));
                self.leaf_paths(child, here, false, stack, out);
                stack.pop();
            }
            return;
        }
        match &node.refinement {
            Refinement::Present(r) if here < t => {
                stack.push((r, true));
                self.leaf_paths(r, here, false, stack, out);
                stack.pop();
            }
            _ => out.push(stack.clone()),
        }
    }

    fn create_root(&self, out: &mut Vec<Tx>, pos: u64) {
        let lane = self.truth.block_lane(pos);
        let h = self.truth.lane(&lane);
        let height = self.truth.heights.block;
        let claim = self.truth.assertion(pos);
        let pred = self.truth.assertion(pos - 1);
        let proof = (
            last_leaf_proof(&h.roots, height),
            conv::ecm_data(&pred),
            conv::ecm_data(&claim),
        )
            .abi_encode_params();
        let root = h.roots[height as usize];
        out.push(Tx {
            key: Move::CreateRoot(history::edge_id(
                history::mutual_id(0, lane.origin, 0, h.roots[0], height),
                root,
            )),
            data: Ecm::createLayerZeroEdgeCall {
                args: ecm::CreateEdgeArgs {
                    level: 0,
                    endHistoryRoot: root,
                    endHeight: U256::from(height),
                    claimId: claim.hash,
                    prefixProof: prefix_proof(&h.leaves, 0, height).into(),
                    proof: proof.into(),
                },
            }
            .abi_encode()
            .into(),
        });
    }

    fn confirm_by_time(&self, u: &Node, pos: u64) -> Tx {
        let claim = if u.lane.level == 0 {
            conv::ecm_data(&self.truth.assertion(pos))
        } else {
            ecm::AssertionStateData::default()
        };
        Tx {
            key: Move::ConfirmByTime(u.id),
            data: Ecm::confirmEdgeByTimeCall {
                edgeId: u.id,
                claimStateData: claim,
            }
            .abi_encode()
            .into(),
        }
    }

    fn bisect(&self, node: &Node) -> Tx {
        let h = self.truth.lane(&node.lane);
        let mid = mandatory_bisection_height(node.start, node.end).expect("length ≥ 2");
        Tx {
            key: Move::Bisect(node.id),
            data: Ecm::bisectEdgeCall {
                edgeId: node.id,
                bisectionHistoryRoot: h.roots[mid as usize],
                prefixProof: prefix_proof(&h.leaves, mid, node.end).into(),
            }
            .abi_encode()
            .into(),
        }
    }

    fn refine(&self, node: &Node, sub: Lane) -> Tx {
        let up = self.truth.lane(&node.lane);
        let h = self.truth.lane(&sub);
        let height = self.truth.heights.layer_zero(sub.level);
        let j = node.start;
        let proof = (
            h.leaves[0],
            h.leaves[height as usize],
            last_leaf_proof(&up.roots, j),
            last_leaf_proof(&up.roots, j + 1),
            last_leaf_proof(&h.roots, height),
        )
            .abi_encode_params();
        Tx {
            key: Move::Refine(node.id),
            data: Ecm::createLayerZeroEdgeCall {
                args: ecm::CreateEdgeArgs {
                    level: sub.level,
                    endHistoryRoot: h.roots[height as usize],
                    endHeight: U256::from(height),
                    claimId: node.id,
                    prefixProof: prefix_proof(&h.leaves, 0, height).into(),
                    proof: proof.into(),
                },
            }
            .abi_encode()
            .into(),
        }
    }

    fn prove(&self, node: &Node) -> Tx {
        let h = self.truth.lane(&node.lane);
        let j = node.start;
        let parent = self.truth.assertion(node.lane.assertion - 1);
        Tx {
            key: Move::OneStepProve(node.id),
            data: Ecm::confirmEdgeByOneStepProofCall {
                edgeId: node.id,
                oneStepData: ecm::OneStepData {
                    beforeHash: h.leaves[j as usize],
                    proof: Bytes::new(),
                },
                prevConfig: conv::ecm_config(&self.config(parent.pos)),
                beforeHistoryInclusionProof: last_leaf_proof(&h.roots, j),
                afterHistoryInclusionProof: last_leaf_proof(&h.roots, j + 1),
            }
            .abi_encode()
            .into(),
        }
    }
}

/// The same tree `blocks` later, with nothing changed on chain: unrivaled edges gain time.
fn advance(mut n: Node, blocks: u64) -> Node {
    if !n.rivaled {
        n.own += blocks;
    }
    n.kids = n.kids.map(|k| {
        let (a, b) = *k;
        Box::new((advance(a, blocks), advance(b, blocks)))
    });
    n.refinement = match n.refinement {
        Refinement::Present(r) => Refinement::Present(Box::new(advance(*r, blocks))),
        other => other,
    };
    n
}

fn sat(x: u128) -> u64 {
    x.min(u64::MAX as u128) as u64
}

fn kid_min(n: &Node, cache: &BTreeMap<B256, u64>) -> u128 {
    match &n.kids {
        Some(k) => cache[&k.0.id].min(cache[&k.1.id]) as u128,
        None => 0,
    }
}

/// `updateTimerCacheByChildren(id, 2^256 − 1)` on every pending edge of a tree, bottom-up.
fn grief_pushes(n: &Node, out: &mut Vec<Tx>) {
    if let Some(k) = &n.kids {
        grief_pushes(&k.0, out);
        grief_pushes(&k.1, out);
    }
    if !n.confirmed() {
        out.push(Tx {
            key: Move::Grief(n.id),
            data: Ecm::updateTimerCacheByChildrenCall {
                edgeId: n.id,
                maximumCachedTime: U256::MAX,
            }
            .abi_encode()
            .into(),
        });
    }
}

/// Own time of `n` in the next block, when the updates sent now land: unrivaled edges gain
/// one block (the simulation then matches the chain when nothing delays the batch).
fn landing_own(n: &Node) -> u128 {
    n.own as u128 + u128::from(!n.rivaled)
}

/// `min(cache(lower), cache(upper))` as stored, 0 when unbisected.
fn kid_cache_min(n: &Node) -> u128 {
    match &n.kids {
        Some(k) => {
            k.0.edge
                .totalTimeUnrivaledCache
                .min(k.1.edge.totalTimeUnrivaledCache) as u128
        }
        None => 0,
    }
}

fn collect_caches(n: &Node, cache: &mut BTreeMap<B256, u64>) {
    cache.entry(n.id).or_insert(n.edge.totalTimeUnrivaledCache);
    if let Some(k) = &n.kids {
        collect_caches(&k.0, cache);
        collect_caches(&k.1, cache);
    }
    if let Refinement::Present(r) = &n.refinement {
        collect_caches(r, cache);
    }
}

/// Sends the transactions a game produced.
pub fn send(ctx: &mut Ctx, bold: &Bold, txs: Vec<Tx>, opts: &TxOpts) -> Vec<(B256, Move)> {
    let mut sent = Vec::new();
    for tx in txs {
        let h = ctx.send_tx_with(bold.chain, Some(bold.ecm), tx.data, opts.clone());
        sent.push((h, tx.key));
    }
    sent
}

//! BOLD actors: the honest proposer, the honest defender (the honest strategy of spec §6 over
//! every challenge on the honest chain) and the evil proposer, who posts a wrong assertion and
//! plays its own branch as a full player.

use super::bindings::{conv, rollup, Rollup};
use super::game::{self, Game, Move, Style};
use super::truth::{AssertionInfo, Divergence, Truth};
use super::{Bold, Shared, Side};
use crate::engine::actor::{Actor, Ctx, Event, TxOpts};
use crate::engine::time::Dur;
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::{from_node, Located, Node};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Actor kinds, without the `bold.` prefix.
pub const KINDS: &[&str] = &[
    "proposer",
    "defender",
    "evil_proposer",
    "watcher",
    "copycat",
    "sybil",
];

const TICK: u64 = 1;

/// Which side an actor kind plays.
pub fn side_of(kind: &str) -> Side {
    match kind {
        "proposer" | "defender" | "watcher" => Side::Honest,
        _ => Side::Adversary,
    }
}

/// Rejects an `every` of zero blocks (actors act at most once per block).
fn at_least_one_block(every: &Located<u64>) -> Result<(), ScenarioError> {
    if every.value == 0 {
        return Err(ScenarioError::at(
            every.loc,
            "`every` must be at least one block",
        ));
    }
    Ok(())
}

/// Parses one actor's parameters.
pub fn parse(kind: &str, params: &Node) -> Result<Box<dyn ActorParams>, ScenarioError> {
    match kind {
        "proposer" => {
            let p: ProposerParams = from_node(params)?;
            at_least_one_block(&p.every)?;
            Ok(Box::new(p))
        }
        "defender" => {
            let p: DefenderParams = from_node(params)?;
            at_least_one_block(&p.every)?;
            Ok(Box::new(p))
        }
        "evil_proposer" => {
            let p: EvilParams = from_node(params)?;
            if p.assertion.value == 0 {
                return Err(ScenarioError::at(
                    p.assertion.loc,
                    "`assertion` is an inbox position and starts at 1 (genesis is 0)",
                ));
            }
            at_least_one_block(&p.every)?;
            if p.block.value == 0 {
                return Err(ScenarioError::at(
                    p.block.loc,
                    "`block` is the block whose run diverges and starts at 1",
                )
                .with_hint("the run from block b-1 to b diverges; b is in 1..=H_blk"));
            }
            Ok(Box::new(p))
        }
        "watcher" => {
            let p: super::watcher::WatcherParams = from_node(params)?;
            Ok(Box::new(p))
        }
        "copycat" => {
            let p: super::copycat::CopycatParams = from_node(params)?;
            Ok(Box::new(p))
        }
        "sybil" => {
            let p: super::sybil::SybilParams = from_node(params)?;
            if p.assertion.value == 0 {
                return Err(ScenarioError::at(
                    p.assertion.loc,
                    "`assertion` is an inbox position and starts at 1 (genesis is 0)",
                ));
            }
            Ok(Box::new(p))
        }
        other => Err(ScenarioError::new(format!(
            "unknown bold actor kind `{other}`"
        ))),
    }
}

fn one() -> Located<u64> {
    Located::new(Default::default(), 1)
}
fn two() -> u64 {
    2
}
fn five() -> Located<u64> {
    Located::new(Default::default(), 5)
}

/// `bold.proposer`: posts the honest assertion chain and confirms it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposerParams {
    /// Blocks between two assertions (at least the minimum assertion period).
    #[serde(default = "five")]
    pub every: Located<u64>,
    /// How many assertions it posts.
    #[serde(default = "two")]
    pub assertions: u64,
    /// First block it acts at.
    #[serde(default)]
    pub start: u64,
}

/// `bold.defender`: watches the honest chain and plays every challenge on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefenderParams {
    /// Acts every `every` blocks (1 = every block; larger = lazy).
    #[serde(default = "one")]
    pub every: Located<u64>,
    /// First block it acts at (a late defender).
    #[serde(default)]
    pub start: u64,
    /// How it batches timer-cache updates: `canonical` (spec §8.2, the default) or
    /// `per_edge` (valid updates, not in canonical form: spec mode does not pay them).
    #[serde(default)]
    pub timer_batching: super::game::TimerBatching,
}

/// Whether the evil assertion is posted before or after the honest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    First,
    Second,
}

/// `bold.evil_proposer`: posts a wrong assertion diverging at `(assertion, block, step)` and,
/// if `play`, plays its branch of the challenge fully.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvilParams {
    /// Inbox position of the wrong assertion.
    #[serde(default = "one")]
    pub assertion: Located<u64>,
    /// Block whose machine run diverges (1..=H_blk).
    #[serde(default = "one")]
    pub block: Located<u64>,
    /// Machine step of that run from which it diverges.
    #[serde(default)]
    pub step: u64,
    #[serde(default = "second")]
    pub position: Position,
    /// Plays its branch as a full player (bisects, refines, tries the one-step proof).
    #[serde(default = "yes")]
    pub play: bool,
    /// First block it acts at.
    #[serde(default)]
    pub start: u64,
    /// Staller: acts only every `every` blocks (1 = every block).
    #[serde(default = "one")]
    pub every: Located<u64>,
    /// Timer griefer: every this many blocks (0 = never) it pushes the caches of all its own
    /// edges with `max = 2^256 − 1` and tries to confirm its edges by time.
    #[serde(default)]
    pub grief_every: u64,
    /// Merge sniper: its game moves pay a higher priority fee, so where its history agrees
    /// with the honest one below the bisection height its bisection lands first and it is the
    /// sender that created the shared lower child.
    #[serde(default)]
    pub snipe: bool,
    /// Layer-zero spammer: opens its block-level edge and plays nothing further (the
    /// `bold.sybil` actor's `siblings` mode).
    #[serde(skip)]
    pub root_only: bool,
}

fn second() -> Position {
    Position::Second
}
fn yes() -> bool {
    true
}

fn shared_of(env: &Spawn) -> Shared {
    env.shared
        .clone()
        .downcast::<Bold>()
        .expect("bold actors run with the bold instance")
}

fn opts() -> TxOpts {
    TxOpts {
        gas_limit: game::GAS,
        ..TxOpts::default()
    }
}

/// A transaction in flight: the game move it carries (challenge position and key), if any,
/// and its metric label.
type Sent = (Option<(u64, Move)>, &'static str);

/// Plumbing every BOLD actor shares: the tick, sending and receipts.
struct Base {
    bold: Shared,
    /// Our transactions in flight: hash → (move key if a game move, label).
    in_flight: BTreeMap<B256, Sent>,
    /// Labels of non-game actions in flight (so they are not sent twice).
    busy: BTreeMap<&'static str, u64>,
    side: Side,
    /// Priority fee of its game moves (a merge sniper outbids the honest side).
    tip: u128,
}

impl Base {
    fn new(bold: Shared, side: Side) -> Base {
        Base {
            bold,
            in_flight: BTreeMap::new(),
            busy: BTreeMap::new(),
            side,
            tip: TxOpts::default().tip,
        }
    }

    fn schedule(&self, ctx: &mut Ctx) {
        let bt = self.bold.block_time_ms.max(1);
        let now = ctx.now().ms();
        // Half a block after the next block: the state of that block is visible.
        let next = (now / bt) * bt + bt / 2;
        let next = if next <= now { next + bt } else { next };
        ctx.set_timer(Dur::ms(next - now), TICK);
    }

    /// Listens to every log of the manager and the rollup (state changes invalidate the
    /// games' cached trees).
    fn subscribe(&self, ctx: &mut Ctx) {
        ctx.subscribe(self.bold.chain, Some(self.bold.ecm), None);
        ctx.subscribe(self.bold.chain, Some(self.bold.rollup), None);
    }

    fn head(&self, ctx: &Ctx) -> u64 {
        ctx.block_number(self.bold.chain)
    }

    fn send(&mut self, ctx: &mut Ctx, to: Address, data: Bytes, label: &'static str) -> bool {
        if self.busy.contains_key(label) {
            return false;
        }
        let head = self.head(ctx);
        self.busy.insert(label, head);
        let h = ctx.send_tx_with(self.bold.chain, Some(to), data, opts());
        self.in_flight.insert(h, (None, label));
        self.moved(head);
        true
    }

    fn send_moves(&mut self, ctx: &mut Ctx, pos: u64, txs: Vec<game::Tx>) {
        if txs.is_empty() {
            return;
        }
        let head = self.head(ctx);
        let o = TxOpts {
            tip: self.tip,
            ..opts()
        };
        for (h, key) in game::send(ctx, &self.bold, txs, &o) {
            self.in_flight.insert(h, (Some((pos, key)), key.label()));
        }
        self.moved(head);
    }

    fn moved(&self, head: u64) {
        if self.side == Side::Adversary {
            let mut b = self.bold.book.borrow_mut();
            b.last_adversary_move = b.last_adversary_move.max(head);
        }
    }

    /// Books a receipt; returns the game move it settled, if any.
    fn receipt(&mut self, ctx: &mut Ctx, r: &crate::chain::Receipt) -> Option<(u64, Move, bool)> {
        let (game_move, label) = self.in_flight.remove(&r.tx)?;
        let ok = r.status.is_success();
        let side = match self.side {
            Side::Honest => "honest",
            Side::Adversary => "adversary",
        };
        let fee = r.gas_used as i128 * r.effective_gas_price as i128;
        ctx.metric_add(&format!("bold.{side}_gas"), r.gas_used as i128);
        ctx.metric_add(&format!("bold.{side}_gas_wei"), fee);
        ctx.metric_add(
            &format!(
                "bold.{side}_moves.{label}.{}",
                if ok { "ok" } else { "reverted" }
            ),
            1,
        );
        if !ok && self.side == Side::Honest {
            ctx.metric_add("bold.honest_wasted_gas", r.gas_used as i128);
        }
        if self.side == Side::Honest {
            let me = ctx.name().to_string();
            ctx.metric_add(
                &format!("bold.honest_gas.by_actor.{me}"),
                r.gas_used as i128,
            );
            ctx.metric_add(
                &format!("bold.honest_gas.by_action.{label}"),
                r.gas_used as i128,
            );
        }
        if label == "update_timers" || label == "grief_timer" {
            timer_update_outcome(ctx, r);
        }
        if game_move.is_none() {
            self.busy.remove(label);
        }
        game_move.map(|(pos, m)| (pos, m, ok))
    }

    fn rollup_view<C: SolCall>(&self, ctx: &mut Ctx, call: &C) -> Option<C::Return> {
        ctx.view(self.bold.chain, self.bold.rollup, call).ok()
    }

    fn node(&self, ctx: &mut Ctx, hash: B256) -> rollup::AssertionNode {
        self.rollup_view(
            ctx,
            &Rollup::getAssertionCall {
                assertionHash: hash,
            },
        )
        .unwrap_or_default()
    }

    fn batch_count(&self, ctx: &mut Ctx) -> u64 {
        self.rollup_view(ctx, &Rollup::batchCountCall {})
            .map(|v| v.saturating_to::<u64>())
            .unwrap_or(0)
    }

    /// Posts `a` (child of `parent`), staking first if needed; posts its batch if missing.
    fn post(&mut self, ctx: &mut Ctx, parent: &AssertionInfo, a: &AssertionInfo) {
        if self.busy.contains_key("post") {
            return;
        }
        let bold = self.bold.clone();
        if self.batch_count(ctx) < a.pos {
            self.send(
                ctx,
                bold.rollup,
                Rollup::postBatchCall {}.abi_encode().into(),
                "post_batch",
            );
        }
        let inputs = rollup::AssertionInputs {
            beforeStateData: rollup::BeforeStateData {
                prevPrevAssertionHash: parent.parent,
                sequencerBatchAcc: parent.inbox_acc,
                configData: conv::rollup_config(&bold.config_for(parent.pos)),
            },
            beforeState: conv::rollup_state(&parent.state),
            afterState: conv::rollup_state(&a.state),
        };
        let me = ctx.address();
        let staked = self
            .rollup_view(ctx, &Rollup::isStakedCall { stakerAddress: me })
            .unwrap_or(false);
        let data: Bytes = if staked {
            Rollup::stakeOnNewAssertionCall {
                assertion: inputs,
                expectedAssertionHash: a.hash,
            }
            .abi_encode()
            .into()
        } else {
            Rollup::newStakeOnNewAssertionCall {
                tokenAmount: bold.p.base_stake,
                assertion: inputs,
                expectedAssertionHash: a.hash,
                withdrawalAddress_: me,
            }
            .abi_encode()
            .into()
        };
        self.send(ctx, bold.rollup, data, "post");
    }

    /// Inbox position of `latestConfirmed` in `truth` (`None` if it is not on that chain).
    fn confirmed_pos(&self, ctx: &mut Ctx, truth: &Truth) -> Option<u64> {
        let lc = self.rollup_view(ctx, &Rollup::latestConfirmedCall {})?;
        let n = self.batch_count(ctx);
        (0..=n).find(|&p| truth.assertion(p).hash == lc)
    }

    /// Confirms the honest child of `latestConfirmed` once it may be confirmed.
    fn confirm(&mut self, ctx: &mut Ctx) {
        let honest = self.bold.honest.clone();
        self.confirm_in(ctx, &honest);
    }

    /// Confirms the child of `latestConfirmed` that `truth` believes in, once it may be.
    fn confirm_in(&mut self, ctx: &mut Ctx, truth: &Rc<Truth>) {
        let Some(pos) = self.confirmed_pos(ctx, truth) else {
            return;
        };
        let bold = self.bold.clone();
        if self.batch_count(ctx) < pos + 1 {
            return;
        }
        let parent = truth.assertion(pos);
        let a = truth.assertion(pos + 1);
        let node = self.node(ctx, a.hash);
        if node.status != 1 {
            return;
        }
        let head = self.head(ctx);
        if head < node.createdAtBlock + bold.p.confirm_period {
            return;
        }
        let pnode = self.node(ctx, parent.hash);
        let winning = if pnode.secondChildBlock > 0 {
            let g = Game::new(truth.clone(), Style::Honest, &bold);
            let id = g.root_id(pos + 1);
            let Ok(e) = ctx.view(
                bold.chain,
                bold.ecm,
                &super::Ecm::getEdgeCall { edgeId: id },
            ) else {
                return;
            };
            if e.status != 1 || head < e.confirmedAtBlock + bold.p.grace {
                return;
            }
            id
        } else {
            B256::ZERO
        };
        let call = Rollup::confirmAssertionCall {
            assertionHash: a.hash,
            prevAssertionHash: parent.hash,
            confirmState: conv::rollup_state(&a.state),
            winningEdgeId: winning,
            prevConfig: conv::rollup_config(&bold.config_for(parent.pos)),
            inboxAcc: a.inbox_acc,
        };
        self.send(
            ctx,
            bold.rollup,
            call.abi_encode().into(),
            "confirm_assertion",
        );
    }

    /// Returns the stake once inactive, then withdraws it.
    fn withdraw(&mut self, ctx: &mut Ctx) {
        let bold = self.bold.clone();
        let me = ctx.address();
        let staked = self
            .rollup_view(ctx, &Rollup::isStakedCall { stakerAddress: me })
            .unwrap_or(false);
        if staked {
            let inactive = self
                .rollup_view(ctx, &Rollup::isInactiveCall { stakerAddress: me })
                .unwrap_or(false);
            if inactive {
                self.send(
                    ctx,
                    bold.rollup,
                    Rollup::returnOldDepositCall {}.abi_encode().into(),
                    "return_deposit",
                );
            }
            return;
        }
        let funds = self
            .rollup_view(ctx, &Rollup::withdrawableFundsCall::new((me,)))
            .unwrap_or_default();
        if funds > U256::ZERO {
            self.send(
                ctx,
                bold.rollup,
                Rollup::withdrawStakerFundsCall {}.abi_encode().into(),
                "withdraw",
            );
        }
    }
}

/// Counts a timer-update transaction as `changed` (it raised a cache), `noop` (it succeeded
/// and changed nothing) or `reverted` (spec §9 `timer_updates`).
pub(super) fn timer_update_outcome(ctx: &mut Ctx, r: &crate::chain::Receipt) {
    let what = if !r.status.is_success() {
        "reverted"
    } else if r.logs.is_empty() {
        "noop"
    } else {
        "changed"
    };
    ctx.metric_add(&format!("bold.timer_updates.{what}"), 1);
}

// ---- proposer ---------------------------------------------------------------------------------

impl ActorParams for ProposerParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Proposer {
            base: Base::new(shared_of(env), Side::Honest),
            p: self.clone(),
            last_post: 0,
        })
    }
}

/// The honest proposer.
struct Proposer {
    base: Base,
    p: ProposerParams,
    last_post: u64,
}

impl Proposer {
    fn tick(&mut self, ctx: &mut Ctx) {
        let head = self.base.head(ctx);
        if head < self.p.start {
            return;
        }
        let bold = self.base.bold.clone();
        self.base.confirm(ctx);
        // The honest tip on chain.
        let mut tip = 0;
        while tip < self.p.assertions {
            let next = bold.honest.assertion(tip + 1);
            if self.base.node(ctx, next.hash).status == 0 {
                break;
            }
            tip += 1;
        }
        if tip < self.p.assertions && head >= self.last_post + self.p.every.value {
            let parent = bold.honest.assertion(tip);
            let a = bold.honest.assertion(tip + 1);
            let pnode = self.base.node(ctx, parent.hash);
            if head >= pnode.createdAtBlock + bold.p.min_period {
                self.base.post(ctx, &parent, &a);
                self.last_post = head;
            }
        }
        if tip == self.p.assertions {
            self.base.withdraw(ctx);
        }
    }
}

impl Actor for Proposer {
    fn start(&mut self, ctx: &mut Ctx) {
        self.base.schedule(ctx);
    }
    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: TICK } => {
                self.tick(ctx);
                self.base.schedule(ctx);
            }
            Event::Receipt { receipt, .. } => {
                self.base.receipt(ctx, receipt);
            }
            _ => {}
        }
    }
}

// ---- defender ---------------------------------------------------------------------------------

impl ActorParams for DefenderParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Defender {
            base: Base::new(shared_of(env), Side::Honest),
            p: self.clone(),
            games: BTreeMap::new(),
        })
    }
}

/// The honest defender: plays every challenge on the honest chain.
struct Defender {
    base: Base,
    p: DefenderParams,
    games: BTreeMap<u64, Game>,
}

impl Defender {
    fn tick(&mut self, ctx: &mut Ctx) {
        let head = self.base.head(ctx);
        if head < self.p.start || head % self.p.every.value != 0 {
            return;
        }
        let bold = self.base.bold.clone();
        let batches = self.base.batch_count(ctx);
        for pos in 1..=batches {
            let parent = bold.honest.assertion(pos - 1);
            let a = bold.honest.assertion(pos);
            let pnode = self.base.node(ctx, parent.hash);
            if pnode.status == 0 || pnode.firstChildBlock == 0 {
                break;
            }
            let anode = self.base.node(ctx, a.hash);
            if anode.status == 0 {
                // Someone posted a child we disagree with: post the honest one.
                if head >= pnode.createdAtBlock + bold.p.min_period {
                    self.base.post(ctx, &parent, &a);
                }
                break;
            }
            if pnode.secondChildBlock > 0 {
                let game = self.games.entry(pos).or_insert_with(|| {
                    let mut g = Game::new(bold.honest.clone(), Style::Honest, &bold);
                    g.batching = self.p.timer_batching;
                    g
                });
                let txs = game.play(ctx, &bold, pos);
                self.base.send_moves(ctx, pos, txs);
            }
        }
        self.base.confirm(ctx);
        self.base.withdraw(ctx);
    }
}

impl Actor for Defender {
    fn start(&mut self, ctx: &mut Ctx) {
        self.base.subscribe(ctx);
        self.base.schedule(ctx);
    }
    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: TICK } => {
                self.tick(ctx);
                self.base.schedule(ctx);
            }
            Event::Receipt { receipt, .. } => {
                if let Some((pos, m, _)) = self.base.receipt(ctx, receipt) {
                    if let Some(g) = self.games.get_mut(&pos) {
                        g.in_flight.remove(&m);
                    }
                }
            }
            Event::Log { .. } => {
                for g in self.games.values_mut() {
                    g.dirty = true;
                }
            }
            _ => {}
        }
    }
}

// ---- evil proposer ----------------------------------------------------------------------------

impl ActorParams for EvilParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let bold = shared_of(env);
        let truth = Rc::new(Truth::new(
            bold.p.heights,
            bold.p.seed,
            bold.p.genesis_state,
            Some(Divergence {
                assertion: self.assertion.value,
                block: self.block.value.min(bold.p.heights.block),
                step: self.step.min(bold.p.heights.steps_per_block() - 1),
                salt: env.id.0 as u64,
            }),
        ));
        let style = if self.root_only {
            Style::RootOnly
        } else {
            Style::FullPlayer
        };
        let mut game = Game::new(truth.clone(), style, &bold);
        game.grief_every = self.grief_every;
        let mut base = Base::new(bold, Side::Adversary);
        if self.snipe {
            base.tip *= 3;
        }
        Box::new(EvilProposer {
            base,
            p: self.clone(),
            truth,
            game,
        })
    }
}

/// A proposer of one wrong assertion that plays its branch of the challenge.
struct EvilProposer {
    base: Base,
    p: EvilParams,
    truth: Rc<Truth>,
    game: Game,
}

impl EvilProposer {
    fn tick(&mut self, ctx: &mut Ctx) {
        let head = self.base.head(ctx);
        if head < self.p.start || head % self.p.every.value != 0 {
            return;
        }
        let bold = self.base.bold.clone();
        let pos = self.p.assertion.value;
        let parent = bold.honest.assertion(pos - 1);
        let pnode = self.base.node(ctx, parent.hash);
        if pnode.status == 0 {
            return;
        }
        let evil = self.truth.assertion(pos);
        let enode = self.base.node(ctx, evil.hash);
        if enode.status == 0 {
            let honest_there = self.base.node(ctx, bold.honest.assertion(pos).hash).status != 0;
            let ready = match self.p.position {
                Position::First => true,
                Position::Second => honest_there,
            };
            if ready && head >= pnode.createdAtBlock + bold.p.min_period {
                self.base.post(ctx, &parent, &evil);
            }
            return;
        }
        if self.p.play && pnode.secondChildBlock > 0 {
            let txs = self.game.play(ctx, &bold, pos);
            self.base.send_moves(ctx, pos, txs);
        }
        // Whatever it can get confirmed, it confirms.
        let truth = self.truth.clone();
        self.base.confirm_in(ctx, &truth);
    }
}

impl Actor for EvilProposer {
    fn start(&mut self, ctx: &mut Ctx) {
        self.base.subscribe(ctx);
        self.base.schedule(ctx);
    }
    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: TICK } => {
                self.tick(ctx);
                self.base.schedule(ctx);
            }
            Event::Receipt { receipt, .. } => {
                if let Some((_, m, _)) = self.base.receipt(ctx, receipt) {
                    self.game.in_flight.remove(&m);
                }
            }
            Event::Log { .. } => self.game.dirty = true,
            _ => {}
        }
    }
}

//! AVS actors: operators, the aggregator (task generator included), keepers, the registry owner,
//! consumers and state writers.

use super::bindings::*;
use super::book::{Book, Proof, Shared, TaskRecord, BRIDGE_FEE};
use super::digest::{self, MainRules, RegistryData, State};
use crate::chain::ChainIdx;
use crate::engine::actor::{Actor, ActorId, Ctx, Event, TxOpts};
use crate::engine::time::{Dur, SimTime};
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::Located;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use serde::Deserialize;
use std::collections::BTreeMap;

const TASK_TOPIC: &str = "avs.task";
const REPLY_TOPIC: &str = "avs.reply";
/// An operator's refusal of a request (§6: it has no key for the epoch, or cannot read the
/// state): the aggregator retries the task without it.
const REFUSE_TOPIC: &str = "avs.refuse";

fn book_of(env: &Spawn) -> Shared {
    env.shared
        .clone()
        .downcast::<std::cell::RefCell<Book>>()
        .expect("avs actors run with the avs book")
}

/// Submits a call on the main chain with enough gas for registry loops.
fn send_main<C: SolCall>(ctx: &mut Ctx, book: &Book, to: Address, call: &C, value: U256) -> B256 {
    let opts = TxOpts {
        gas_limit: 3_000_000,
        value,
        ..TxOpts::default()
    };
    ctx.send_tx_with(book.main, Some(to), call.abi_encode().into(), opts)
}

/// Head block of the main chain.
fn main_head(ctx: &Ctx, book: &Book) -> u64 {
    ctx.block_number(book.main)
}

/// Records the gas of an actor's included transaction, and the bridge fees it paid: BridgeLite
/// charges its fixed fee for every `MessageSent` (snapshots for the keeper, verification reports
/// for whoever pays `verifyState`), reported as `avs.bridge_fees_wei.<payer>`.
pub(crate) fn record_gas(ctx: &mut Ctx, event: &Event) {
    if let Event::Receipt { receipt, .. } = event {
        let name = format!("avs.gas.{}", ctx.name());
        ctx.metric_add(&name, receipt.gas_used as i128);
        if receipt.status.is_success() {
            use alloy_sol_types::SolEvent;
            let sent = receipt
                .logs
                .iter()
                .filter(|l| l.topics.first() == Some(&BridgeLite::MessageSent::SIGNATURE_HASH))
                .count() as i128;
            if sent > 0 {
                let name = format!("avs.bridge_fees_wei.{}", ctx.name());
                ctx.metric_add(&name, sent * BRIDGE_FEE as i128);
            }
        }
    }
}

/// Why a consumer accepted a proof of a wrong value (spec §12): the registry on its chain had
/// no threshold for `ref`; the replica accepted what M rejects (stale, early or partial
/// replica); `ref` was an older epoch than M's current one; a signer's key had leaked; or the
/// signers simply held the threshold (a coalition).
fn wrong_acceptance_cause(
    ctx: &mut Ctx,
    book: &Shared,
    chain: ChainIdx,
    p: &Proof,
) -> &'static str {
    let (main, registry, here, clock, leaked) = {
        let b = book.borrow();
        (
            b.main,
            b.registry,
            b.registry_on(chain),
            b.clock,
            b.leaked_current.clone(),
        )
    };
    let mut data = ViewData {
        ctx,
        chain,
        registry: here,
    };
    if data.threshold(p.reference).is_zero() {
        return "zero_threshold";
    }
    if chain != main {
        let d = digest::digest(book.borrow().domain, &p.state);
        let call = StakeRegistry::isValidSignatureCall {
            digest: d,
            sigData: p.sig_data.clone(),
        };
        if ctx.view(main, registry, &call).is_err() {
            return "replica";
        }
    }
    if p.reference < clock.current(ctx.block_number(main)) {
        return "stale_epoch";
    }
    if p.signers.iter().any(|s| leaked.contains(s)) {
        return "leaked_key";
    }
    "coalition"
}

/// Registry reads through view calls of an actor.
pub(crate) struct ViewData<'c, 'a> {
    pub ctx: &'c mut Ctx<'a>,
    pub chain: ChainIdx,
    pub registry: Address,
}

impl RegistryData for ViewData<'_, '_> {
    fn key(&mut self, epoch: u32, op: Address) -> Address {
        self.ctx
            .view(
                self.chain,
                self.registry,
                &StakeRegistry::getOperatorSigningKeyAtEpochCall { op, e: epoch },
            )
            .unwrap_or(Address::ZERO)
    }
    fn weight(&mut self, epoch: u32, op: Address) -> U256 {
        self.ctx
            .view(
                self.chain,
                self.registry,
                &StakeRegistry::getOperatorWeightAtEpochCall { op, e: epoch },
            )
            .unwrap_or(U256::ZERO)
    }
    fn threshold(&mut self, epoch: u32) -> U256 {
        self.ctx
            .view(
                self.chain,
                self.registry,
                &StakeRegistry::getThresholdWeightAtEpochCall { e: epoch },
            )
            .unwrap_or(U256::ZERO)
    }
    fn contract_signature(&mut self, key: Address, digest: B256, sig: &[u8]) -> bool {
        self.ctx
            .view_raw(self.chain, key, digest::erc1271_call(digest, sig))
            .is_ok_and(|ret| digest::erc1271_answer_valid(&ret))
    }
}

/// Calls `isValidSignature` on `chain` and recomputes the verdict from the model; a disagreement
/// is recorded for `avs.signature_soundness`. Returns the contract's verdict.
pub(crate) fn verify(
    ctx: &mut Ctx,
    book: &Shared,
    chain: ChainIdx,
    digest: B256,
    sig_data: &Bytes,
) -> Result<(), String> {
    let (registry, main, quirks, clock) = {
        let b = book.borrow();
        (b.registry_on(chain), b.main, b.quirks, b.clock)
    };
    let call = StakeRegistry::isValidSignatureCall {
        digest,
        sigData: sig_data.clone(),
    };
    let onchain = match ctx.view(chain, registry, &call) {
        Ok(magic) if magic.0 == [0x16, 0x26, 0xba, 0x7e] => Ok(()),
        Ok(other) => Err(format!("returned {other}")),
        Err(crate::engine::ctx::CallError::View(crate::chain::ViewError::Revert(data))) => {
            Err(digest::error_name(&data, digest::SIGNATURE_ERRORS)
                .map(str::to_string)
                .unwrap_or_else(|| format!("reverted 0x{}", alloy_primitives::hex::encode(&data))))
        }
        Err(e) => Err(e.to_string()),
    };
    let rules = (chain == main).then(|| MainRules {
        current_epoch: clock.current(ctx.block_number(main)),
        max_staleness: quirks.max_epoch_staleness,
    });
    let model = digest::model_is_valid_with(
        &mut ViewData {
            ctx,
            chain,
            registry,
        },
        digest,
        sig_data,
        rules,
        quirks.require_nonzero_threshold,
        quirks.contract_keys,
    );
    let mut b = book.borrow_mut();
    b.verdicts_checked += 1;
    if onchain.is_ok() != model.is_ok() {
        b.verdict_mismatches.push(format!(
            "chain {}: contract {:?}, model {:?}",
            chain.0, onchain, model
        ));
    }
    onchain
}

// ---- operator -------------------------------------------------------------------------------

/// Parameters of an `avs.operator`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorParams {
    /// Probability of answering a task (a lazy operator has < 1).
    #[serde(default = "one")]
    pub answer_probability: Located<f64>,
    /// Probability of skipping the per-epoch key refresh (matters without `carry_forward`).
    #[serde(default)]
    pub skip_refresh: Located<f64>,
    /// Time it takes to answer a task.
    #[serde(default = "default_sla")]
    pub sla: Dur,
    /// Deregisters at this time.
    #[serde(default)]
    pub deregister_at: Option<Dur>,
    /// Registers at this time instead of at the start.
    #[serde(default)]
    pub register_at: Option<Dur>,
    /// Rotates to its next signing key at this time.
    #[serde(default)]
    pub rotate_at: Option<Dur>,
}

fn one() -> Located<f64> {
    Located::new(Default::default(), 1.0)
}
fn default_sla() -> Dur {
    Dur::ms(500)
}

fn probability(p: &Located<f64>, what: &str) -> Result<(), ScenarioError> {
    if !(0.0..=1.0).contains(&p.value) {
        return Err(ScenarioError::at(
            p.loc,
            format!("{what} must be a probability in [0, 1], got {}", p.value),
        ));
    }
    Ok(())
}

impl OperatorParams {
    pub fn validate(&self) -> Result<(), ScenarioError> {
        probability(&self.answer_probability, "answer_probability")?;
        probability(&self.skip_refresh, "skip_refresh")
    }
}

impl ActorParams for OperatorParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Operator {
            params: self.clone(),
            book: book_of(env),
            pending: BTreeMap::new(),
            next_reply: 0,
            key_index: 0,
        })
    }
}

const OP_REFRESH: u64 = 1;
const OP_DEREGISTER: u64 = 2;
const OP_REGISTER: u64 = 3;
const OP_ROTATE: u64 = 4;
const OP_REPLY_BASE: u64 = 1 << 32;

/// An operator: registers, refreshes its key each epoch, answers tasks with the post-block value.
pub struct Operator {
    params: OperatorParams,
    book: Shared,
    /// Replies waiting for their SLA delay: tag → (aggregator, body).
    pending: BTreeMap<u64, (ActorId, Vec<u8>)>,
    next_reply: u64,
    /// Index of the signing key it registers and refreshes.
    key_index: usize,
}

impl Operator {
    fn schedule_refresh(&self, ctx: &mut Ctx) {
        let b = self.book.borrow();
        let head = main_head(ctx, &b);
        let next = b.clock.start(b.clock.current(head) + 1) + 1;
        let at = b.wake_for_main_block(next);
        drop(b);
        ctx.set_timer_at(SimTime(at), OP_REFRESH);
    }

    fn signing_key(&self, ctx: &mut Ctx, epoch: u32) -> Option<crate::engine::keys::Key> {
        let b = self.book.borrow();
        let (main, registry) = (b.main, b.registry);
        let me = ctx.address();
        let keys = b.operator(me)?.keys.clone();
        drop(b);
        let k = ctx
            .view(
                main,
                registry,
                &StakeRegistry::getOperatorSigningKeyAtEpochCall { op: me, e: epoch },
            )
            .ok()?;
        keys.into_iter().find(|key| key.address() == k)
    }

    fn answer(&mut self, ctx: &mut Ctx, from: ActorId, body: &[u8]) {
        let Ok((user, chain_id, block_number, timestamp, key, task, attempt)) =
            <(Address, u32, u64, u64, U256, B256, u32)>::abi_decode_params(body)
        else {
            return;
        };
        let p = self.params.answer_probability.value;
        if p < 1.0 && !ctx.rng().chance(p) {
            ctx.metric_add("avs.replies_skipped", 1);
            return;
        }
        let refuse = |ctx: &mut Ctx| {
            let body = (task, ctx.address(), attempt).abi_encode_params();
            ctx.send(from, REFUSE_TOPIC, body);
        };
        let (chain, sm, domain, clock, main) = {
            let b = self.book.borrow();
            let Some((&chain, _)) = b.chain_ids.iter().find(|(_, id)| **id == chain_id as u64)
            else {
                drop(b);
                refuse(ctx);
                return;
            };
            (chain, b.state_manager(chain), b.domain, b.clock, b.main)
        };
        let Ok(h) = ctx.view(
            chain,
            sm,
            &StateManager::getHistoryAtBlockCall {
                user,
                key,
                n: U256::from(block_number),
            },
        ) else {
            refuse(ctx);
            return;
        };
        let epoch = clock.current(ctx.block_number(main));
        let Some(signing) = self.signing_key(ctx, epoch) else {
            ctx.metric_add("avs.replies_without_key", 1);
            refuse(ctx);
            return;
        };
        let state = State {
            user,
            chain_id,
            block_number,
            timestamp,
            key,
            value: h.value,
        };
        let sig = signing.sign_hash(digest::digest(domain, &state));
        let reply = (
            task,
            ctx.address(),
            h.value,
            Bytes::from(sig.0.to_vec()),
            epoch,
            attempt,
        )
            .abi_encode_params();
        let tag = OP_REPLY_BASE + self.next_reply;
        self.next_reply += 1;
        self.pending.insert(tag, (from, reply));
        ctx.set_timer(self.params.sla, tag);
    }
}

impl Operator {
    fn register(&mut self, ctx: &mut Ctx) {
        let b = self.book.borrow();
        let me = ctx.address();
        let Some(info) = b.operator(me) else {
            return;
        };
        let reliable =
            self.params.answer_probability.value >= 1.0 && self.params.skip_refresh.value <= 0.0;
        let signing_key = info.keys[self.key_index].address();
        let registry = b.registry;
        if b.quirks.directory_sig {
            let call = directory_registration(ctx, &b, signing_key);
            send_main(ctx, &b, registry, &call, U256::ZERO);
        } else {
            let call = StakeRegistry::registerOperatorCall {
                signingKey: signing_key,
            };
            send_main(ctx, &b, registry, &call, U256::ZERO);
        }
        drop(b);
        if reliable
            && self.params.deregister_at.is_none()
            && self.params.register_at.is_none()
            && self.params.rotate_at.is_none()
        {
            self.book.borrow_mut().reliable.push(me);
        }
        self.schedule_refresh(ctx);
    }
}

/// `registerOperatorWithSignature` with the operator's directory signature (flag
/// `directory_sig`): a fresh salt per registration (hash of the operator and the time), valid
/// for an hour of main-chain time.
fn directory_registration(
    ctx: &mut Ctx,
    b: &Book,
    signing_key: Address,
) -> StakeRegistry::registerOperatorWithSignatureCall {
    let me = ctx.address();
    let salt = alloy_primitives::keccak256((me, U256::from(ctx.now().ms())).abi_encode_params());
    let head = ctx.block_number(b.main);
    let expiry = U256::from(b.timestamp(b.main, head) + 3600);
    let d = digest::directory_digest(b.main_chain_id, b.allocation, me, b.registry, salt, expiry);
    StakeRegistry::registerOperatorWithSignatureCall {
        operatorSig: StakeRegistry::SignatureWithSaltAndExpiry {
            signature: ctx.sign_hash(d).to_bytes(),
            salt,
            expiry,
        },
        signingKey: signing_key,
    }
}

impl Actor for Operator {
    fn start(&mut self, ctx: &mut Ctx) {
        match self.params.register_at {
            Some(at) => ctx.set_timer(at, OP_REGISTER),
            None => self.register(ctx),
        }
        if let Some(at) = self.params.deregister_at {
            ctx.set_timer(at, OP_DEREGISTER);
        }
        if let Some(at) = self.params.rotate_at {
            ctx.set_timer(at, OP_ROTATE);
        }
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        record_gas(ctx, event);
        match event {
            Event::Timer { tag: OP_REGISTER } => self.register(ctx),
            Event::Timer { tag: OP_ROTATE } => {
                self.key_index = 1;
                let b = self.book.borrow();
                let me = ctx.address();
                if let Some(info) = b.operator(me) {
                    let call = StakeRegistry::updateSigningKeyCall {
                        k: info.keys[1].address(),
                    };
                    let registry = b.registry;
                    send_main(ctx, &b, registry, &call, U256::ZERO);
                }
                drop(b);
                ctx.note("rotates its signing key");
            }
            Event::Timer { tag: OP_REFRESH } => {
                // Without carry-forward, keys must be written again for every epoch (Q1).
                let needed = !self.book.borrow().quirks.carry_forward;
                let skip = self.params.skip_refresh.value;
                if !needed {
                } else if !(skip > 0.0 && ctx.rng().chance(skip)) {
                    let b = self.book.borrow();
                    let me = ctx.address();
                    if let Some(info) = b.operator(me) {
                        let call = StakeRegistry::updateSigningKeyCall {
                            k: info.keys[self.key_index].address(),
                        };
                        let registry = b.registry;
                        send_main(ctx, &b, registry, &call, U256::ZERO);
                    }
                } else {
                    ctx.metric_add("avs.refreshes_skipped", 1);
                }
                self.schedule_refresh(ctx);
            }
            Event::Timer { tag: OP_DEREGISTER } => {
                let b = self.book.borrow();
                let registry = b.registry;
                send_main(
                    ctx,
                    &b,
                    registry,
                    &StakeRegistry::deregisterOperatorCall {},
                    U256::ZERO,
                );
                drop(b);
                ctx.note("deregisters");
            }
            Event::Timer { tag } if *tag >= OP_REPLY_BASE => {
                if let Some((to, body)) = self.pending.remove(tag) {
                    ctx.send(to, REPLY_TOPIC, body);
                }
            }
            Event::Message { from, topic, body } if *topic == TASK_TOPIC => {
                self.answer(ctx, *from, body);
            }
            Event::Receipt { receipt, .. } if !receipt.status.is_success() => {
                ctx.metric_add("avs.operator_tx_reverted", 1);
            }
            _ => {}
        }
    }
}

// ---- aggregator -----------------------------------------------------------------------------

/// Parameters of an `avs.aggregator` (also the task generator).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregatorParams {
    /// Time between two tasks.
    #[serde(default = "default_task_every")]
    pub every: Dur,
    /// A task attempt expires after this long.
    #[serde(default = "default_expiry")]
    pub expiry: Dur,
    /// Retries after the first attempt.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// First epoch in which it issues tasks (epoch 0 has no keys: registrations land in 1).
    #[serde(default = "default_first_epoch")]
    pub first_epoch: u32,
    /// Asks operators whose reply was signed for an older epoch than another reply's to sign
    /// again (default). `false` is the literal §6 aggregator, which never asks an operator that
    /// answered again: a task whose replies straddle an epoch boundary then never reaches
    /// quorum, because epochs are never mixed in one proof (finding of fuzz campaign 99 case 7).
    #[serde(default = "yes")]
    pub rerequest: bool,
    /// Time an operator has to answer a request (§13: SLA 3 s): when an attempt expires, a
    /// request at least this old without a reply is a missed reply, and its operator is left
    /// out of the task's retries; a younger one (a re-request sent just before expiry) stays
    /// outstanding.
    #[serde(default = "default_agg_sla")]
    pub sla: Dur,
    /// Missed replies after which an operator is suspended (§6: 5): no more tasks are sent to
    /// it, and the rewards initiator gives it no share of the epochs it was suspended in (§8).
    /// 0 never suspends.
    #[serde(default = "default_misses")]
    pub misses_to_suspend: u32,
}

fn default_first_epoch() -> u32 {
    1
}
fn default_agg_sla() -> Dur {
    Dur::secs(3)
}
fn default_misses() -> u32 {
    5
}

fn default_task_every() -> Dur {
    Dur::secs(30)
}
fn default_expiry() -> Dur {
    Dur::secs(15)
}
fn default_retries() -> u32 {
    3
}

impl ActorParams for AggregatorParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Aggregator {
            params: self.clone(),
            book: book_of(env),
            histories: Vec::new(),
            tasks: Vec::new(),
            misses: BTreeMap::new(),
        })
    }
}

const AGG_NEXT: u64 = 1;
const AGG_EXPIRY_BASE: u64 = 1 << 32;

/// A reply: operator, value, signature, epoch.
type Reply = (Address, U256, Bytes, u32);

struct OpenTask {
    id: B256,
    state: State,
    attempt: u32,
    /// Request rounds sent so far (retries and re-requests after an epoch boundary).
    round: u32,
    replies: Vec<Reply>,
    done: bool,
    /// Requests without a reply yet: operator, round, time sent (ms).
    pending: Vec<(Address, u32, u64)>,
    /// Operators that refused or timed out: retries are not sent to them (§6).
    excluded: Vec<Address>,
}

/// Generates state-proof tasks, collects a quorum per (value, epoch), stores proofs.
pub struct Aggregator {
    params: AggregatorParams,
    book: Shared,
    /// Known histories: (chain, user, key, first block).
    histories: Vec<(ChainIdx, Address, U256, u64)>,
    tasks: Vec<OpenTask>,
    /// Missed replies per operator (off-chain status; suspended at `misses_to_suspend`).
    misses: BTreeMap<Address, u32>,
}

impl Aggregator {
    fn issue(&mut self, ctx: &mut Ctx) {
        if self.histories.is_empty() {
            return;
        }
        let (main, clock) = {
            let b = self.book.borrow();
            (b.main, b.clock)
        };
        if clock.current(ctx.block_number(main)) < self.params.first_epoch {
            return;
        }
        let i = ctx.rng().pick(self.histories.len());
        let (chain, user, key, first) = self.histories[i];
        let conf = self.book.borrow().confirmations;
        let head = ctx.block_number(chain);
        if head < first + conf {
            return;
        }
        let drawn = ctx.rng().range_inclusive(first, head - conf);
        let fresh = self
            .book
            .borrow()
            .untasked_state(chain, user, key, first..=head - conf, drawn);
        let Some(state) = fresh else {
            ctx.metric_add("avs.tasks_not_issued_all_tasked", 1);
            return;
        };
        let id = digest::challenge_id(&state);
        let epoch = clock.current(ctx.block_number(main));
        self.book.borrow_mut().tasks.insert(
            id,
            TaskRecord {
                issued_ms: ctx.now().ms(),
                quorum_ms: None,
                failed: false,
                first_epoch: epoch,
                last_epoch: epoch,
                asks: BTreeMap::new(),
            },
        );
        self.tasks.push(OpenTask {
            id,
            state,
            attempt: 0,
            round: 0,
            replies: Vec::new(),
            done: false,
            pending: Vec::new(),
            excluded: Vec::new(),
        });
        let index = self.tasks.len() - 1;
        let suspended = self.suspended();
        let ops: Vec<ActorId> = ctx
            .actors_of_kind("avs.operator")
            .filter(|op| !suspended.contains(&ctx.actor_address(*op)))
            .collect();
        self.ask(ctx, index, &ops);
        ctx.set_timer(self.params.expiry, AGG_EXPIRY_BASE + index as u64);
    }

    /// Sends the task to `ops` as a new request round (the round travels in the request and
    /// comes back in the reply, so the book knows which requests were answered).
    fn ask(&mut self, ctx: &mut Ctx, index: usize, ops: &[ActorId]) {
        if ops.is_empty() {
            return;
        }
        let t = &mut self.tasks[index];
        let round = t.round;
        t.round += 1;
        let body = (
            t.state.user,
            t.state.chain_id,
            t.state.block_number,
            t.state.timestamp,
            t.state.key,
            t.id,
            round,
        )
            .abi_encode_params();
        let id = t.id;
        let now = ctx.now().ms();
        for op in ops {
            let address = ctx.actor_address(*op);
            if let Some(r) = self.book.borrow_mut().tasks.get_mut(&id) {
                r.asks.insert(address, (round, false));
            }
            let t = &mut self.tasks[index];
            t.pending.retain(|p| p.0 != address);
            t.pending.push((address, round, now));
            ctx.send(*op, TASK_TOPIC, body.clone());
        }
    }

    /// Operators suspended so far.
    fn suspended(&self) -> Vec<Address> {
        self.book.borrow().suspended.iter().map(|s| s.0).collect()
    }

    /// Counts a missed reply against `op`; at `misses_to_suspend` it is suspended.
    fn miss(&mut self, ctx: &mut Ctx, op: Address) {
        let n = self.misses.entry(op).or_insert(0);
        *n += 1;
        let n = *n;
        ctx.metric_add("avs.replies_missed", 1);
        if n == self.params.misses_to_suspend {
            let (name, block) = {
                let b = self.book.borrow();
                let name = b.operator(op).map(|o| o.name.clone()).unwrap_or_default();
                (name, ctx.block_number(b.main))
            };
            self.book.borrow_mut().suspended.push((op, block));
            ctx.metric_add("avs.operators_suspended", 1);
            ctx.note(format!("suspends {name} after {n} missed replies"));
        }
    }

    /// Operators without a reply at `epoch` (or the highest epoch replied, if later): a retry
    /// asks them again. Replies of older epochs are never mixed with newer ones (§6), so an
    /// operator that answered before an epoch boundary must sign again for the new epoch.
    fn without_reply_at(&self, ctx: &Ctx, index: usize, epoch: u32) -> Vec<ActorId> {
        let t = &self.tasks[index];
        let top = t.replies.iter().map(|r| r.3).max().unwrap_or(0).max(epoch);
        let top = if self.params.rerequest { top } else { 0 };
        let suspended = self.suspended();
        ctx.actors_of_kind("avs.operator")
            .filter(|op| {
                let a = ctx.actor_address(*op);
                !t.replies.iter().any(|r| r.0 == a && r.3 >= top)
                    && !t.excluded.contains(&a)
                    && !suspended.contains(&a)
            })
            .collect()
    }

    fn on_reply(&mut self, ctx: &mut Ctx, from: ActorId, body: &[u8]) {
        let Ok((task, op, value, sig, epoch, round)) =
            <(B256, Address, U256, Bytes, u32, u32)>::abi_decode_params(body)
        else {
            return;
        };
        // The latest task with this id: the generator may pick a data point again, and ids
        // name data points (§6).
        let Some(index) = self.tasks.iter().rposition(|t| t.id == task) else {
            return;
        };
        let t = &mut self.tasks[index];
        if t.excluded.contains(&op) {
            // Timed out earlier: its miss is counted and retries are not sent to it, but a
            // late reply still counts towards the quorum.
            ctx.metric_add("avs.replies_late", 1);
        }
        t.pending.retain(|p| !(p.0 == op && p.1 == round));
        if t.done {
            return;
        }
        if let Some(r) = self.book.borrow_mut().tasks.get_mut(&task) {
            if let Some(ask) = r.asks.get_mut(&op) {
                if ask.0 == round {
                    ask.1 = true;
                }
            }
        }
        if self.tasks[index]
            .replies
            .iter()
            .any(|r| r.0 == op && r.3 == epoch)
        {
            return;
        }
        let top = self.tasks[index].replies.iter().map(|r| r.3).max();
        self.tasks[index].replies.push((op, value, sig, epoch));
        match top {
            _ if !self.params.rerequest => {}
            // Signed before an epoch boundary that other replies are already past: ask again.
            Some(top) if epoch < top => {
                ctx.metric_add("avs.task_rerequests", 1);
                self.ask(ctx, index, &[from]);
            }
            // The first reply of a new epoch: everyone who signed for an older one signs again.
            Some(top) if epoch > top => {
                let stale = self.without_reply_at(ctx, index, epoch);
                let answered: Vec<Address> =
                    self.tasks[index].replies.iter().map(|r| r.0).collect();
                let stale: Vec<ActorId> = stale
                    .into_iter()
                    .filter(|a| answered.contains(&ctx.actor_address(*a)))
                    .collect();
                if !stale.is_empty() {
                    ctx.metric_add("avs.task_rerequests", stale.len() as i128);
                    self.ask(ctx, index, &stale);
                }
            }
            _ => {}
        }
        self.try_quorum(ctx, index, value, epoch);
    }

    /// An operator refused a request: the task's retries go without it (§6). A refusal is an
    /// answer, not a missed reply.
    fn on_refusal(&mut self, ctx: &mut Ctx, body: &[u8]) {
        let Ok((task, op, round)) = <(B256, Address, u32)>::abi_decode_params(body) else {
            return;
        };
        let Some(t) = self.tasks.iter_mut().rev().find(|t| t.id == task) else {
            return;
        };
        if !t.pending.iter().any(|p| p.0 == op && p.1 == round) {
            return;
        }
        t.pending.retain(|p| p.0 != op);
        if !t.excluded.contains(&op) {
            t.excluded.push(op);
        }
        ctx.metric_add("avs.replies_refused", 1);
    }

    fn try_quorum(&mut self, ctx: &mut Ctx, index: usize, value: U256, epoch: u32) {
        let (main, registry, domain) = {
            let b = self.book.borrow();
            (b.main, b.registry, b.domain)
        };
        let mut group: Vec<(Address, Bytes)> = self.tasks[index]
            .replies
            .iter()
            .filter(|r| r.1 == value && r.3 == epoch)
            .map(|r| (r.0, r.2.clone()))
            .collect();
        group.sort_by_key(|g| g.0);
        let ops_all: Vec<Address> = self
            .book
            .borrow()
            .operators
            .iter()
            .map(|o| o.address)
            .collect();
        let mut data = ViewData {
            ctx,
            chain: main,
            registry,
        };
        let total: U256 = ops_all.iter().map(|op| data.weight(epoch, *op)).sum();
        let signed: U256 = group.iter().map(|g| data.weight(epoch, g.0)).sum();
        let threshold = data.threshold(epoch);
        if signed.is_zero() || signed * U256::from(3) <= total * U256::from(2) || signed < threshold
        {
            return;
        }
        let ops: Vec<Address> = group.iter().map(|g| g.0).collect();
        let sigs: Vec<Bytes> = group.iter().map(|g| g.1.clone()).collect();
        let sig_data = digest::encode_sig_data(&ops, &sigs, epoch);
        let mut state = self.tasks[index].state.clone();
        state.value = value;
        let d = digest::digest(domain, &state);
        if let Err(e) = verify(ctx, &self.book, main, d, &sig_data) {
            ctx.note(format!("self-check failed: {e}"));
            return;
        }
        let correct = true_value(ctx, &self.book, &state) == Some(value);
        let task = &mut self.tasks[index];
        task.done = true;
        let now = ctx.now().ms();
        let block = ctx.block_number(main);
        let mut b = self.book.borrow_mut();
        if let Some(r) = b.tasks.get_mut(&task.id) {
            r.quorum_ms = Some(now);
            r.last_epoch = epoch;
        }
        b.proofs.push(Proof {
            task: task.id,
            state,
            sig_data,
            reference: epoch,
            signers: ops,
            at_ms: now,
            block,
            correct,
        });
        drop(b);
        ctx.metric_add("avs.proofs_stored", 1);
        ctx.observe(
            "avs.time_to_quorum_s",
            (now - self.book.borrow().tasks[&task.id].issued_ms) as f64 / 1000.0,
        );
    }

    /// An attempt expired (§6): requests unanswered for at least the SLA are missed replies and
    /// their operators are left out of the retries (their late replies still count); the task
    /// is then retried, up to `retries` times, by asking the operators still in it that have
    /// no reply for the current epoch, and waiting another `expiry`.
    fn expire(&mut self, ctx: &mut Ctx, index: usize) {
        let now = ctx.now().ms();
        let sla = self.params.sla.as_ms();
        let Some(t) = self.tasks.get_mut(index) else {
            return;
        };
        let timed_out: Vec<Address> = t
            .pending
            .iter()
            .filter(|p| now.saturating_sub(p.2) >= sla)
            .map(|p| p.0)
            .collect();
        t.pending.retain(|p| now.saturating_sub(p.2) < sla);
        t.excluded.extend(timed_out.iter().copied());
        let done = t.done;
        for op in timed_out {
            self.miss(ctx, op);
        }
        if done {
            return;
        }
        let epoch = {
            let b = self.book.borrow();
            b.clock.current(ctx.block_number(b.main))
        };
        let ops = self.without_reply_at(ctx, index, epoch);
        let t = &mut self.tasks[index];
        if t.attempt < self.params.retries {
            t.attempt += 1;
            ctx.metric_add("avs.task_retries", 1);
            self.ask(ctx, index, &ops);
            ctx.set_timer(self.params.expiry, AGG_EXPIRY_BASE + index as u64);
        } else {
            t.done = true;
            let id = t.id;
            let epoch = {
                let b = self.book.borrow();
                b.clock.current(ctx.block_number(b.main))
            };
            if let Some(r) = self.book.borrow_mut().tasks.get_mut(&id) {
                r.failed = true;
                r.last_epoch = epoch;
            }
            ctx.metric_add("avs.tasks_failed", 1);
        }
    }
}

/// The true post-block value of a state (god's eye, read from the state's chain).
pub(crate) fn true_value(ctx: &mut Ctx, book: &Shared, s: &State) -> Option<U256> {
    let (chain, sm) = {
        let b = book.borrow();
        let chain = *b
            .chain_ids
            .iter()
            .find(|(_, id)| **id == s.chain_id as u64)?
            .0;
        (chain, b.state_manager(chain))
    };
    ctx.view(
        chain,
        sm,
        &StateManager::getHistoryAtBlockCall {
            user: s.user,
            key: s.key,
            n: U256::from(s.block_number),
        },
    )
    .ok()
    .map(|h| h.value)
}

impl Actor for Aggregator {
    fn start(&mut self, ctx: &mut Ctx) {
        let chains: Vec<(ChainIdx, Address)> = {
            let b = self.book.borrow();
            b.chain_ids
                .keys()
                .map(|c| (*c, b.state_manager(*c)))
                .collect()
        };
        for (c, sm) in chains {
            ctx.subscribe(
                c,
                Some(sm),
                Some(<StateManager::HistoryCommitted as alloy_sol_types::SolEvent>::SIGNATURE_HASH),
            );
        }
        for m in [
            "avs.tasks_failed",
            "avs.task_retries",
            "avs.replies_missed",
            "avs.operators_suspended",
        ] {
            ctx.metric_add(m, 0);
        }
        ctx.set_timer(self.params.every, AGG_NEXT);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: AGG_NEXT } => {
                self.issue(ctx);
                ctx.set_timer(self.params.every, AGG_NEXT);
            }
            Event::Timer { tag } if *tag >= AGG_EXPIRY_BASE => {
                self.expire(ctx, (*tag - AGG_EXPIRY_BASE) as usize);
            }
            Event::Message { from, topic, body } if *topic == REPLY_TOPIC => {
                self.on_reply(ctx, *from, body);
            }
            Event::Message { topic, body, .. } if *topic == REFUSE_TOPIC => {
                self.on_refusal(ctx, body);
            }
            Event::Log {
                chain, block, log, ..
            } => {
                use alloy_sol_types::SolEvent;
                if let Ok(h) = StateManager::HistoryCommitted::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) {
                    if !self
                        .histories
                        .iter()
                        .any(|x| x.0 == *chain && x.1 == h.user && x.2 == h.key)
                    {
                        self.histories.push((*chain, h.user, h.key, block.number));
                    }
                }
            }
            _ => {}
        }
    }
}

// ---- keeper -----------------------------------------------------------------------------------

/// Parameters of an `avs.keeper`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeeperParams {
    /// Main-chain blocks after `graceStart(e−1)` before it snapshots epoch e.
    #[serde(default)]
    pub delay_blocks: u64,
    #[serde(default)]
    pub mode: KeeperMode,
    /// Operators a `partial` keeper leaves out of its snapshots.
    #[serde(default)]
    pub omit: Vec<Located<String>>,
}

/// How a keeper snapshots (spec §10: keeper and adversarial keeper).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeeperMode {
    /// At `graceStart(e−1)`, with every operator.
    #[default]
    Honest,
    /// Right after `start(e−1)`, before epoch e is sealed (Q11).
    Early,
    /// At `graceStart(e−1)`, leaving out the `omit` operators (Q11).
    Partial,
    /// Never snapshots (still refreshes weights).
    Idle,
}

impl ActorParams for KeeperParams {
    fn actor_refs(&self) -> Vec<Located<String>> {
        self.omit.clone()
    }
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Keeper {
            params: self.clone(),
            book: book_of(env),
        })
    }
}

const KEEP_UPDATE: u64 = 1;
const KEEP_SNAPSHOT: u64 = 2;

/// Refreshes every operator's weight each epoch and snapshots each sealed epoch to every remote
/// chain with all operators, paying the bridge fees.
pub struct Keeper {
    params: KeeperParams,
    book: Shared,
}

impl Keeper {
    fn schedule(&self, ctx: &mut Ctx) {
        let b = self.book.borrow();
        let head = main_head(ctx, &b);
        let cur = b.clock.current(head);
        // Next epoch-start update (block start+1) and next grace-start snapshot.
        let update = if head < b.clock.start(cur) + 1 {
            b.clock.start(cur) + 1
        } else {
            b.clock.start(cur + 1) + 1
        };
        let snap_in = |e: u32| match self.params.mode {
            KeeperMode::Early => b.clock.start(e) + 2,
            _ => b.clock.grace_start(e) + self.params.delay_blocks,
        };
        let snap = if head < snap_in(cur) {
            snap_in(cur)
        } else {
            snap_in(cur + 1)
        };
        let (u, s) = (b.wake_for_main_block(update), b.wake_for_main_block(snap));
        drop(b);
        ctx.set_timer_at(SimTime(u), KEEP_UPDATE);
        if self.params.mode != KeeperMode::Idle {
            ctx.set_timer_at(SimTime(s), KEEP_SNAPSHOT);
        }
    }
}

impl Actor for Keeper {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        record_gas(ctx, event);
        match event {
            Event::Timer { tag: KEEP_UPDATE } => {
                let b = self.book.borrow();
                let ops: Vec<Address> = b.operators.iter().map(|o| o.address).collect();
                let registry = b.registry;
                send_main(
                    ctx,
                    &b,
                    registry,
                    &StakeRegistry::updateOperatorsCall { ops },
                    U256::ZERO,
                );
                let head = main_head(ctx, &b);
                let next = b.wake_for_main_block(b.clock.start(b.clock.current(head) + 1) + 1);
                drop(b);
                ctx.set_timer_at(SimTime(next), KEEP_UPDATE);
            }
            Event::Timer { tag: KEEP_SNAPSHOT } => {
                let b = self.book.borrow();
                let head = main_head(ctx, &b);
                // The tx lands in block head + 1, in the grace period of `cur`: it seals cur + 1.
                let e = b.clock.current(head + 1) + 1;
                let omitted: Vec<Address> = self
                    .params
                    .omit
                    .iter()
                    .filter_map(|n| ctx.actor_by_name(&n.value))
                    .map(|a| ctx.actor_address(a))
                    .collect();
                let ops: Vec<Address> = b
                    .operators
                    .iter()
                    .map(|o| o.address)
                    .filter(|a| !omitted.contains(a))
                    .collect();
                let em = b.epoch_manager;
                let remotes: Vec<u64> = b.remotes.iter().map(|r| r.chain_id).collect();
                for chain_id in remotes {
                    let call = EpochManager::snapshotAndSendStateCall {
                        ops: ops.clone(),
                        e,
                        dstChainId: U256::from(chain_id),
                    };
                    send_main(ctx, &b, em, &call, U256::from(BRIDGE_FEE));
                }
                let following = b.clock.current(head + 1) + 1;
                let next = b.wake_for_main_block(match self.params.mode {
                    KeeperMode::Early => b.clock.start(following) + 2,
                    _ => b.clock.grace_start(following) + self.params.delay_blocks,
                });
                drop(b);
                ctx.metric_add("avs.snapshots_sent", 1);
                ctx.set_timer_at(SimTime(next), KEEP_SNAPSHOT);
            }
            Event::Receipt { receipt, .. } if !receipt.status.is_success() => {
                ctx.metric_add("avs.keeper_tx_reverted", 1);
            }
            _ => {}
        }
    }
}

// ---- owner ------------------------------------------------------------------------------------

/// Parameters of an `avs.owner` (the registry owner).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerParams {
    /// Probability of forgetting to set the threshold for an epoch (Q1/Q2).
    #[serde(default)]
    pub skip_probability: Located<f64>,
    /// Epochs whose threshold it never sets.
    #[serde(default)]
    pub skip_epochs: Vec<u32>,
}

impl OwnerParams {
    pub fn validate(&self) -> Result<(), ScenarioError> {
        probability(&self.skip_probability, "skip_probability")
    }
}

impl ActorParams for OwnerParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Owner {
            params: self.clone(),
            book: book_of(env),
        })
    }
}

const OWNER_SET: u64 = 1;

/// Sets the threshold (⌈2/3 of total stake⌉) for each effective epoch at its start.
pub struct Owner {
    params: OwnerParams,
    book: Shared,
}

impl Owner {
    fn schedule(&self, ctx: &mut Ctx, first: bool) {
        let b = self.book.borrow();
        let head = main_head(ctx, &b);
        let n = if first {
            1
        } else {
            b.clock.start(b.clock.current(head) + 1) + 1
        };
        let at = b.wake_for_main_block(n);
        drop(b);
        ctx.set_timer_at(SimTime(at), OWNER_SET);
    }
}

impl Actor for Owner {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx, true);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        record_gas(ctx, event);
        if let Event::Timer { tag: OWNER_SET } = event {
            let b = self.book.borrow();
            let head = main_head(ctx, &b);
            let e = b.clock.effective(head + 1);
            let total = b.total_stake();
            let threshold = (total * U256::from(2)).div_ceil(U256::from(3));
            let registry = b.registry;
            let skip = self.params.skip_epochs.contains(&e)
                || (self.params.skip_probability.value > 0.0
                    && ctx.rng().chance(self.params.skip_probability.value));
            if skip {
                drop(b);
                ctx.note(format!("forgets the threshold of epoch {e}"));
                ctx.metric_add("avs.thresholds_forgotten", 1);
            } else {
                send_main(
                    ctx,
                    &b,
                    registry,
                    &StakeRegistry::updateStakeThresholdCall { w: threshold },
                    U256::ZERO,
                );
                drop(b);
            }
            self.schedule(ctx, false);
        }
    }
}

// ---- consumer ---------------------------------------------------------------------------------

/// Parameters of an `avs.consumer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerParams {
    /// Chain whose registry it verifies on (default: the main chain).
    #[serde(default)]
    pub chain: Option<Located<String>>,
    /// Time between two looks at the proof store.
    #[serde(default = "default_consumer_every")]
    pub every: Dur,
    /// `consumer_staleness = k` (§6, Q5): also requires `ref ≥ latest − k`, where `latest` is the
    /// highest epoch it has seen delivered to its chain's replica (tracked itself, since the
    /// replica's `currentUpdatingEpoch` can move backwards), or M's current epoch on M.
    #[serde(default)]
    pub staleness: Option<u32>,
}

fn default_consumer_every() -> Dur {
    Dur::secs(20)
}

impl ActorParams for ConsumerParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Consumer {
            params: self.clone(),
            book: book_of(env),
            seen: 0,
            latest: 0,
        })
    }
}

const CONSUMER_LOOK: u64 = 1;

/// Verifies every stored proof with `isValidSignature` on its chain's registry.
pub struct Consumer {
    params: ConsumerParams,
    book: Shared,
    seen: usize,
    /// Highest epoch seen delivered to its replica (`UpdateProcessed`).
    latest: u32,
}

impl Actor for Consumer {
    fn start(&mut self, ctx: &mut Ctx) {
        let name = ctx.name().to_string();
        for what in [
            "accepted",
            "accepted_wrong",
            "rejected_honest",
            "rejected_wrong",
        ] {
            ctx.metric_add(&format!("avs.consumer.{name}.{what}"), 0);
        }
        if self.params.staleness.is_some() {
            let receiver = {
                let b = self.book.borrow();
                let chain = self.params.chain.as_ref().and_then(|n| ctx.chain(&n.value));
                b.remotes
                    .iter()
                    .find(|r| Some(r.chain) == chain)
                    .map(|r| (r.chain, r.receiver))
            };
            if let Some((chain, receiver)) = receiver {
                use alloy_sol_types::SolEvent;
                ctx.subscribe(
                    chain,
                    Some(receiver),
                    Some(RegistryStateReceiver::UpdateProcessed::SIGNATURE_HASH),
                );
            }
        }
        if self.params.staleness.is_some() {
            let name = ctx.name().to_string();
            ctx.metric_add(&format!("avs.consumer.{name}.rejected_stale"), 0);
        }
        ctx.set_timer(self.params.every, CONSUMER_LOOK);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        if let Event::Log { log, .. } = event {
            use alloy_sol_types::SolEvent;
            if let Ok(u) = RegistryStateReceiver::UpdateProcessed::decode_raw_log(
                log.topics.iter().copied(),
                &log.data,
            ) {
                self.latest = self.latest.max(u.epoch);
            }
        }
        if let Event::Timer { tag: CONSUMER_LOOK } = event {
            let chain = match &self.params.chain {
                Some(name) => ctx.chain(&name.value),
                None => Some(self.book.borrow().main),
            };
            let Some(chain) = chain else {
                return;
            };
            let (proofs, domain) = {
                let b = self.book.borrow();
                (b.proofs[self.seen..].to_vec(), b.domain)
            };
            self.seen += proofs.len();
            let name = ctx.name().to_string();
            for p in proofs {
                let d = digest::digest(domain, &p.state);
                let mut ok = verify(ctx, &self.book, chain, d, &p.sig_data).is_ok();
                if let (true, Some(k)) = (ok, self.params.staleness) {
                    let latest = {
                        let b = self.book.borrow();
                        if chain == b.main {
                            b.clock.current(ctx.block_number(b.main))
                        } else {
                            self.latest
                        }
                    };
                    if p.reference.saturating_add(k) < latest {
                        ok = false;
                        ctx.metric_add(&format!("avs.consumer.{name}.rejected_stale"), 1);
                    }
                }
                if ok && !p.correct {
                    let cause = wrong_acceptance_cause(ctx, &self.book, chain, &p);
                    ctx.metric_add(&format!("avs.wrong_accepted.{cause}"), 1);
                }
                let what = match (ok, p.correct) {
                    (true, true) => "accepted",
                    (true, false) => "accepted_wrong",
                    (false, true) => "rejected_honest",
                    (false, false) => "rejected_wrong",
                };
                ctx.metric_add(&format!("avs.consumer.{name}.{what}"), 1);
            }
            ctx.set_timer(self.params.every, CONSUMER_LOOK);
        }
    }
}

// ---- state writer -----------------------------------------------------------------------------

/// Parameters of an `avs.writer`: writes values into the StateManager of every chain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterParams {
    #[serde(default = "default_write_every")]
    pub every: Dur,
    /// Keys it writes (0..keys).
    #[serde(default = "default_keys")]
    pub keys: u64,
    /// Only this chain (default: a random chain of the protocol each time).
    #[serde(default)]
    pub chain: Option<Located<String>>,
}

fn default_write_every() -> Dur {
    Dur::secs(40)
}
fn default_keys() -> u64 {
    3
}

impl ActorParams for WriterParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Writer {
            params: self.clone(),
            book: book_of(env),
        })
    }
}

const WRITE: u64 = 1;

/// Writes random values under a few keys, on a random chain each time.
pub struct Writer {
    params: WriterParams,
    book: Shared,
}

impl Actor for Writer {
    fn start(&mut self, ctx: &mut Ctx) {
        ctx.set_timer(self.params.every, WRITE);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        record_gas(ctx, event);
        if let Event::Timer { tag: WRITE } = event {
            let chains: Vec<(ChainIdx, Address)> = {
                let b = self.book.borrow();
                b.chain_ids
                    .keys()
                    .map(|c| (*c, b.state_manager(*c)))
                    .collect()
            };
            let only = self.params.chain.as_ref().and_then(|n| ctx.chain(&n.value));
            let (chain, sm) = match only.and_then(|c| chains.iter().find(|x| x.0 == c)) {
                Some(x) => *x,
                None => chains[ctx.rng().pick(chains.len())],
            };
            let key = U256::from(ctx.rng().below(self.params.keys.max(1)));
            let value = U256::from(1 + ctx.rng().below(1_000_000));
            ctx.send_tx(chain, sm, &StateManager::setValueCall { key, value });
            ctx.set_timer(self.params.every, WRITE);
        }
    }
}

// ---- rewards initiator ------------------------------------------------------------------------

/// How an epoch's pool is split (spec §8).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RewardRule {
    /// score = weight · completed tasks.
    #[default]
    Weighted,
    /// score = completed tasks.
    PerTask,
}

/// Parameters of an `avs.rewards` (the rewards initiator).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardsParams {
    /// Main-chain blocks after `end(e)` before it submits epoch e (time for challenges).
    #[serde(default = "default_reward_delay")]
    pub delay_blocks: u64,
    #[serde(default)]
    pub rule: RewardRule,
    /// Slashed operators, and operators suspended during or before the epoch, forfeit their
    /// share (§8).
    #[serde(default = "yes")]
    pub forfeit_on_slash: bool,
}

fn default_reward_delay() -> u64 {
    100
}
fn yes() -> bool {
    true
}

impl ActorParams for RewardsParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Rewards {
            params: self.clone(),
            book: book_of(env),
            next_epoch: 1,
            dust: U256::ZERO,
        })
    }
}

const REWARD: u64 = 1;

/// Submits each epoch's rewards once, from the proof store: completed correct tasks per operator.
pub struct Rewards {
    params: RewardsParams,
    book: Shared,
    next_epoch: u32,
    /// Undistributed remainder (rounding dust) over all epochs.
    dust: U256,
}

impl Rewards {
    fn schedule(&self, ctx: &mut Ctx) {
        let b = self.book.borrow();
        let at = b.wake_for_main_block(b.clock.end(self.next_epoch) + self.params.delay_blocks);
        drop(b);
        ctx.set_timer_at(SimTime(at), REWARD);
    }

    fn submit(&mut self, ctx: &mut Ctx) {
        let e = self.next_epoch;
        let (main, registry, rewards, pool, proofs, mut slashed, ops) = {
            let b = self.book.borrow();
            (
                b.main,
                b.registry,
                b.rewards,
                b.reward_pool,
                b.proofs.clone(),
                b.slashed.iter().map(|s| s.0).collect::<Vec<_>>(),
                b.operators.iter().map(|o| o.address).collect::<Vec<_>>(),
            )
        };
        // Operators suspended during e or before it score 0 as well (§8).
        {
            let b = self.book.borrow();
            slashed.extend(
                b.suspended
                    .iter()
                    .filter(|s| b.clock.current(s.1) <= e)
                    .map(|s| s.0),
            );
        }
        let mut data = ViewData {
            ctx,
            chain: main,
            registry,
        };
        let mut scores = Vec::new();
        for op in &ops {
            let completed = proofs
                .iter()
                .filter(|p| p.reference == e && p.correct && p.signers.contains(op))
                .count() as u64;
            // Slashed or suspended.
            let forfeit = self.params.forfeit_on_slash && slashed.contains(op);
            let score = if forfeit {
                U256::ZERO
            } else {
                match self.params.rule {
                    RewardRule::Weighted => data.weight(e, *op) * U256::from(completed),
                    RewardRule::PerTask => U256::from(completed),
                }
            };
            scores.push(score);
        }
        let total: U256 = scores.iter().copied().sum();
        // The contract caps each epoch at the pool, so the dust is tracked, not paid out.
        let pot = pool;
        if total.is_zero() {
            ctx.note(format!("no rewards for epoch {e}: no completed tasks"));
            return;
        }
        let amounts: Vec<U256> = scores.iter().map(|s| pot * *s / total).collect();
        let paid: U256 = amounts.iter().copied().sum();
        self.dust += pot - paid;
        let call = RewardsLite::submitRewardsCall {
            epoch: e,
            ops: ops.clone(),
            amounts: amounts.clone(),
        };
        let b = self.book.borrow();
        send_main(ctx, &b, rewards, &call, U256::ZERO);
        drop(b);
        let mut b = self.book.borrow_mut();
        for (op, a) in ops.iter().zip(&amounts) {
            b.rewards_paid.push((e, *op, *a));
        }
    }
}

impl Actor for Rewards {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        record_gas(ctx, event);
        match event {
            Event::Timer { tag: REWARD } => {
                self.submit(ctx);
                self.next_epoch += 1;
                self.schedule(ctx);
            }
            Event::Receipt { receipt, .. } if !receipt.status.is_success() => {
                ctx.metric_add("avs.rewards_tx_reverted", 1);
            }
            _ => {}
        }
    }
}

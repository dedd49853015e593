//! Challengers and adversaries: honest / griefing / late challengers, the malicious coalition
//! (also the stale-epoch signer), the key thief and the bridge adversary.

use super::actors::{true_value, verify};
use super::bindings::*;
use super::book::{Book, ChallengeRecord, Proof, Shared};
use super::digest::{self, State};
use super::relay::Adversary;
use crate::engine::actor::{Actor, Ctx, Event, TxOpts};
use crate::engine::keys::Key;
use crate::engine::time::Dur;
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::error::ScenarioError;
use crate::scenario::units::DurRange;
use crate::scenario::yaml::Located;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use serde::Deserialize;

const ETHER: u128 = 1_000_000_000_000_000_000;
const VERIFY_FEE: u128 = 10_000_000_000_000_000;

fn book_of(env: &Spawn) -> Shared {
    env.shared
        .clone()
        .downcast::<std::cell::RefCell<Book>>()
        .expect("avs actors run with the avs book")
}

fn send_main<C: SolCall>(ctx: &mut Ctx, book: &Shared, to: Address, call: &C, value: u128) -> B256 {
    let main = book.borrow().main;
    let opts = TxOpts {
        gas_limit: 3_000_000,
        value: U256::from(value),
        ..TxOpts::default()
    };
    ctx.send_tx_with(main, Some(to), call.abi_encode().into(), opts)
}

fn to_sol(s: &State) -> DisputeResolver::State {
    DisputeResolver::State {
        user: s.user,
        chainId: s.chain_id,
        blockNumber: s.block_number,
        timestamp: alloy_primitives::aliases::U48::from(s.timestamp),
        key: s.key,
        value: s.value,
    }
}

fn challenge_id(book: &Book, s: &State) -> B256 {
    if book.quirks.challenge_id_includes_value {
        digest::challenge_id_with_value(s)
    } else {
        digest::challenge_id(s)
    }
}

/// Submits a challenge and pays for the verification of its state on the source chain.
fn challenge(
    ctx: &mut Ctx,
    book: &Shared,
    s: &State,
    ops: Vec<Address>,
    sigs: Vec<Bytes>,
    reference: u32,
    proof: Option<usize>,
) -> B256 {
    let (resolver, id) = {
        let b = book.borrow();
        (b.resolver, challenge_id(&b, s))
    };
    let call = DisputeResolver::submitChallengeCall {
        s: to_sol(s),
        operators: ops.clone(),
        signatures: sigs,
        r#ref: reference,
    };
    send_main(ctx, book, resolver, &call, ETHER);
    request_verification(ctx, book, s);
    let name = ctx.name().to_string();
    let now = ctx.now().ms();
    book.borrow_mut()
        .challenges
        .entry(id)
        .or_insert_with(|| ChallengeRecord {
            proof,
            source: (s.chain_id as u64, s.user, s.key, s.block_number),
            challenger: name,
            operators: ops,
            submitted_ms: Some(now),
            ..Default::default()
        });
    ctx.metric_add("avs.challenges_submitted", 1);
    id
}

/// `verifyState` on the state's source chain (anyone may call it and pay).
fn request_verification(ctx: &mut Ctx, book: &Shared, s: &State) {
    let target = {
        let b = book.borrow();
        b.chain_ids
            .iter()
            .find(|(_, id)| **id == s.chain_id as u64)
            .map(|(c, _)| (*c, b.verifiers[c]))
    };
    let Some((chain, verifier)) = target else {
        return;
    };
    let call = RemoteChainVerifier::verifyStateCall {
        user: s.user,
        key: s.key,
        n: U256::from(s.block_number),
    };
    let opts = TxOpts {
        gas_limit: 500_000,
        value: U256::from(VERIFY_FEE),
        ..TxOpts::default()
    };
    ctx.send_tx_with(chain, Some(verifier), call.abi_encode().into(), opts);
}

/// Watches the resolver and allocation manager logs and records verifications, resolutions and
/// slashes in the book (every challenger does this; records are idempotent).
fn watch(ctx: &mut Ctx, book: &Shared) {
    let (main, resolver, alloc, mcv) = {
        let b = book.borrow();
        (b.main, b.resolver, b.allocation, b.main_verifier)
    };
    ctx.subscribe(
        main,
        Some(resolver),
        Some(DisputeResolver::ChallengeResolved::SIGNATURE_HASH),
    );
    ctx.subscribe(
        main,
        Some(alloc),
        Some(AllocationManagerLite::OperatorSlashed::SIGNATURE_HASH),
    );
    ctx.subscribe(
        main,
        Some(mcv),
        Some(MainChainVerifier::StateVerified::SIGNATURE_HASH),
    );
}

fn on_log(ctx: &mut Ctx, book: &Shared, log: &crate::chain::Log) {
    let now = ctx.now().ms();
    let mut b = book.borrow_mut();
    if let Ok(e) =
        DisputeResolver::ChallengeResolved::decode_raw_log(log.topics.iter().copied(), &log.data)
    {
        if let Some(c) = b.challenges.get_mut(&e.challengeId) {
            if c.resolved_ms.is_none() {
                c.resolved_ms = Some(now);
                c.success = Some(e.success);
            }
        }
    } else if let Ok(e) = AllocationManagerLite::OperatorSlashed::decode_raw_log(
        log.topics.iter().copied(),
        &log.data,
    ) {
        if !b.slashed.iter().any(|s| s.0 == e.operator && s.1 == now) {
            b.slashed.push((e.operator, now));
        }
    } else if let Ok(e) =
        MainChainVerifier::StateVerified::decode_raw_log(log.topics.iter().copied(), &log.data)
    {
        let seen = (
            e.chainId.to::<u64>(),
            e.user,
            e.key,
            e.blockNumber.to::<u64>(),
        );
        for c in b.challenges.values_mut() {
            if c.source == seen && c.verified_ms.is_none() {
                c.verified_ms = Some(now);
            }
        }
    }
}

// ---- challenger -------------------------------------------------------------------------------

/// What a challenger does.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChallengerMode {
    /// Challenges every wrong proof it sees.
    #[default]
    Honest,
    /// Challenges correct proofs (and loses its bond).
    Griefing,
    /// Challenges wrong proofs only after they were resolved (Q7).
    Late,
    /// Never challenges: resolves every open challenge as soon as its verification arrives,
    /// racing the challenger for the bonds, which go to whoever resolves (Q15). Reports its
    /// balance change as `avs.net_wei.<name>`.
    Racer,
}

/// Parameters of an `avs.challenger`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengerParams {
    #[serde(default)]
    pub mode: ChallengerMode,
    /// Time between two looks at the proof store (its reaction delay).
    #[serde(default = "default_look")]
    pub every: Dur,
    /// Griefing: probability of challenging a correct proof.
    #[serde(default = "default_rate")]
    pub rate: Located<f64>,
    /// Names only the first `signers` signers of a proof (a careless challenger; default all).
    /// A late challenger always names only signers nobody has named under the id yet, since the
    /// resolver rejects an operator named twice (`AlreadyChallenged`).
    #[serde(default)]
    pub signers: Option<usize>,
}

fn default_look() -> Dur {
    Dur::secs(15)
}
fn default_rate() -> Located<f64> {
    Located::new(Default::default(), 0.2)
}

impl ChallengerParams {
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if !(0.0..=1.0).contains(&self.rate.value) {
            return Err(ScenarioError::at(
                self.rate.loc,
                format!(
                    "rate must be a probability in [0, 1], got {}",
                    self.rate.value
                ),
            ));
        }
        Ok(())
    }
}

impl ActorParams for ChallengerParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Challenger {
            params: self.clone(),
            book: book_of(env),
            seen: 0,
            open: Vec::new(),
            waiting_late: Vec::new(),
            start_balance: None,
        })
    }
}

const LOOK: u64 = 1;

/// Watches the proof store, challenges, pays for verification, resolves and claims.
pub struct Challenger {
    params: ChallengerParams,
    book: Shared,
    seen: usize,
    /// Challenge ids it still tries to resolve.
    open: Vec<B256>,
    /// Late mode: proofs it waits to see resolved before submitting.
    waiting_late: Vec<usize>,
    /// Racer: its balance on the main chain at start.
    start_balance: Option<U256>,
}

impl Challenger {
    fn look(&mut self, ctx: &mut Ctx) {
        let proofs: Vec<(usize, Proof)> = {
            let b = self.book.borrow();
            b.proofs[self.seen..]
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, p)| (i + self.seen, p))
                .collect()
        };
        self.seen += proofs.len();
        for (i, p) in proofs {
            let truth = true_value(ctx, &self.book, &p.state);
            let wrong = truth.is_some_and(|v| v != p.state.value);
            let go = match self.params.mode {
                ChallengerMode::Honest => wrong,
                ChallengerMode::Griefing => !wrong && ctx.rng().chance(self.params.rate.value),
                ChallengerMode::Late => {
                    if wrong {
                        self.waiting_late.push(i);
                    }
                    false
                }
                ChallengerMode::Racer => false,
            };
            if go {
                self.submit(ctx, i, &p);
            }
        }
        // Late: submit once the proof's challenge is resolved.
        let mut still = Vec::new();
        for i in std::mem::take(&mut self.waiting_late) {
            let p = self.book.borrow().proofs[i].clone();
            let id = challenge_id(&self.book.borrow(), &p.state);
            let resolved = self
                .book
                .borrow()
                .challenges
                .get(&id)
                .is_some_and(|c| c.resolved_ms.is_some());
            if resolved {
                self.submit(ctx, i, &p);
                ctx.metric_add("avs.late_challenges", 1);
            } else {
                still.push(i);
            }
        }
        self.waiting_late = still;
        // Resolve what is open.
        let resolver = self.book.borrow().resolver;
        for id in self.open.clone() {
            let done = self
                .book
                .borrow()
                .challenges
                .get(&id)
                .is_some_and(|c| c.resolved_ms.is_some());
            if done {
                self.open.retain(|x| *x != id);
                continue;
            }
            send_main(
                ctx,
                &self.book,
                resolver,
                &DisputeResolver::resolveChallengeCall { id },
                0,
            );
        }
    }

    fn submit(&mut self, ctx: &mut Ctx, index: usize, p: &Proof) {
        let Some((mut ops, mut sigs, reference)) = digest::decode_sig_data(&p.sig_data) else {
            return;
        };
        if self.params.mode == ChallengerMode::Late {
            let named: Vec<Address> = {
                let b = self.book.borrow();
                let id = challenge_id(&b, &p.state);
                b.challenges
                    .get(&id)
                    .map(|c| c.operators.clone())
                    .unwrap_or_default()
            };
            let keep: Vec<bool> = ops.iter().map(|o| !named.contains(o)).collect();
            let mut k = keep.iter();
            ops.retain(|_| *k.next().unwrap_or(&false));
            let mut k = keep.iter();
            sigs.retain(|_| *k.next().unwrap_or(&false));
            if ops.is_empty() {
                return;
            }
        }
        if let Some(n) = self.params.signers {
            ops.truncate(n.max(1));
            sigs.truncate(n.max(1));
        }
        let id = challenge(ctx, &self.book, &p.state, ops, sigs, reference, Some(index));
        if !self.open.contains(&id) {
            self.open.push(id);
        }
    }
}

impl Challenger {
    /// Racer: resolves every unresolved challenge about the state just verified.
    fn race(&mut self, ctx: &mut Ctx, log: &crate::chain::Log) {
        let Ok(e) =
            MainChainVerifier::StateVerified::decode_raw_log(log.topics.iter().copied(), &log.data)
        else {
            return;
        };
        let seen = (
            e.chainId.to::<u64>(),
            e.user,
            e.key,
            e.blockNumber.to::<u64>(),
        );
        let (resolver, ids): (Address, Vec<B256>) = {
            let b = self.book.borrow();
            let ids = b
                .challenges
                .iter()
                .filter(|(_, c)| c.source == seen && c.resolved_ms.is_none())
                .map(|(id, _)| *id)
                .collect();
            (b.resolver, ids)
        };
        for id in ids {
            send_main(
                ctx,
                &self.book,
                resolver,
                &DisputeResolver::resolveChallengeCall { id },
                0,
            );
            ctx.metric_add("avs.racer_resolves", 1);
        }
    }

    /// Racer: its balance change on the main chain since start (bonds taken minus gas).
    fn report_balance(&mut self, ctx: &mut Ctx) {
        let main = self.book.borrow().main;
        let me = ctx.address();
        let now = ctx.balance(main, me);
        let start = *self.start_balance.get_or_insert(now);
        let net = if now >= start {
            (now - start).to::<u128>() as i128
        } else {
            -((start - now).to::<u128>() as i128)
        };
        let name = format!("avs.net_wei.{}", ctx.name());
        ctx.metric_set(&name, crate::trace::Value::Int(net));
    }
}

impl Actor for Challenger {
    fn start(&mut self, ctx: &mut Ctx) {
        watch(ctx, &self.book);
        if self.params.mode == ChallengerMode::Racer {
            self.report_balance(ctx);
        }
        ctx.set_timer(self.params.every, LOOK);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        super::actors::record_gas(ctx, event);
        match event {
            Event::Timer { tag: LOOK } => {
                self.look(ctx);
                if self.params.mode == ChallengerMode::Racer {
                    self.report_balance(ctx);
                }
                ctx.set_timer(self.params.every, LOOK);
            }
            Event::Log { log, .. } => {
                on_log(ctx, &self.book, log);
                if self.params.mode == ChallengerMode::Racer {
                    self.race(ctx, log);
                }
            }
            Event::Receipt { receipt, .. } if !receipt.status.is_success() => {
                ctx.metric_add("avs.challenger_tx_reverted", 1);
            }
            _ => {}
        }
    }
}

// ---- malicious coalition / stale-epoch signer -------------------------------------------------

/// Parameters of an `avs.coalition`: operators (by name) that sign wrong values together.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoalitionParams {
    pub members: Vec<Located<String>>,
    /// Time between two forged proofs.
    #[serde(default = "default_forge_every")]
    pub every: Dur,
    /// First epoch in which it forges.
    #[serde(default = "default_forge_epoch")]
    pub from_epoch: u32,
    /// Uses `ref = current − lag` (a stale-epoch signer when > 0).
    #[serde(default)]
    pub reference_lag: u32,
    /// Stops forging after this many proofs.
    #[serde(default = "default_forge_count")]
    pub proofs: u32,
    /// Instead of lying about other tasks (Q19): at this time the coalition, as a state user,
    /// writes a value, calls `verifyState` for the block being built, and overwrites the value,
    /// all in one main-chain block; it then signs the mid-block value for that block, which the
    /// verifier reported although the post-block state differs.
    #[serde(default)]
    pub mid_block_at: Option<Dur>,
}

/// Key, first and second value of the coalition's same-block writes (Q19).
const MID_KEY: u64 = 77;
const MID_FIRST: u64 = 111;
const MID_SECOND: u64 = 222;

fn default_forge_every() -> Dur {
    Dur::mins(3)
}
fn default_forge_epoch() -> u32 {
    1
}
fn default_forge_count() -> u32 {
    3
}

impl ActorParams for CoalitionParams {
    fn actor_refs(&self) -> Vec<Located<String>> {
        self.members.clone()
    }
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(Coalition {
            params: self.clone(),
            book: book_of(env),
            forged: 0,
            targets: Vec::new(),
            mid_block: None,
        })
    }
}

const FORGE: u64 = 1;
const MID_WRITE: u64 = 2;
const MID_FORGE: u64 = 3;

/// Signs a wrong value for the latest task with all its members' keys and publishes the proof
/// when the main chain's `isValidSignature` accepts it.
pub struct Coalition {
    params: CoalitionParams,
    book: Shared,
    forged: u32,
    /// Tasks already lied about (one dispute slot per data point).
    targets: Vec<B256>,
    /// The main-chain block of its same-block writes (Q19).
    mid_block: Option<u64>,
}

impl Coalition {
    /// Every member's signature over digest `d` with the key the registry holds for it at epoch
    /// `reference` (members without one, or whose key it does not know, are left out).
    fn sign_as_members(
        &self,
        ctx: &mut Ctx,
        main: crate::chain::ChainIdx,
        registry: Address,
        reference: u32,
        d: B256,
    ) -> Vec<(Address, Bytes)> {
        let mut signed = Vec::new();
        for m in &self.params.members {
            let Some(id) = ctx.actor_by_name(&m.value) else {
                continue;
            };
            let op = ctx.actor_address(id);
            let keys: Vec<Key> = match self.book.borrow().operator(op) {
                Some(o) => o.keys.clone(),
                None => continue,
            };
            let k = ctx
                .view(
                    main,
                    registry,
                    &StakeRegistry::getOperatorSigningKeyAtEpochCall { op, e: reference },
                )
                .unwrap_or(Address::ZERO);
            if let Some(key) = keys.iter().find(|x| x.address() == k) {
                signed.push((op, key.sign_hash(d).to_bytes()));
            }
        }
        signed
    }
    fn forge(&mut self, ctx: &mut Ctx) {
        let (main, registry, clock, domain, target) = {
            let b = self.book.borrow();
            let target = b
                .proofs
                .iter()
                .rev()
                .find(|p| p.correct && !self.targets.contains(&p.task))
                .map(|p| p.state.clone());
            (b.main, b.registry, b.clock, b.domain, target)
        };
        let cur = clock.current(ctx.block_number(main));
        if cur < self.params.from_epoch {
            return;
        }
        let Some(mut state) = target else {
            return;
        };
        self.targets.push(digest::challenge_id(&state));
        state.value += U256::from(1);
        let reference = cur.saturating_sub(self.params.reference_lag);
        let d = digest::digest(domain, &state);
        let signed = self.sign_as_members(ctx, main, registry, reference, d);
        if signed.is_empty() {
            return;
        }
        self.publish(ctx, state, reference, signed);
    }

    /// Checks the members' signatures with the main chain's `isValidSignature` and, when it
    /// accepts them, stores the wrong proof in the proof store.
    fn publish(
        &mut self,
        ctx: &mut Ctx,
        state: State,
        reference: u32,
        mut signed: Vec<(Address, Bytes)>,
    ) {
        let (main, domain) = {
            let b = self.book.borrow();
            (b.main, b.domain)
        };
        let d = digest::digest(domain, &state);
        signed.sort_by_key(|s| s.0);
        let ops: Vec<Address> = signed.iter().map(|s| s.0).collect();
        let sigs: Vec<Bytes> = signed.iter().map(|s| s.1.clone()).collect();
        let sig_data = digest::encode_sig_data(&ops, &sigs, reference);
        ctx.metric_add("avs.coalition.attempts", 1);
        match verify(ctx, &self.book, main, d, &sig_data) {
            Ok(()) => {
                ctx.metric_add("avs.coalition.accepted_on_main", 1);
                ctx.note(format!(
                    "wrong proof with ref {reference} accepted on the main chain"
                ));
                let now = ctx.now().ms();
                let block = ctx.block_number(main);
                let mut b = self.book.borrow_mut();
                for op in &ops {
                    if !b.signed_wrong.contains(op) {
                        b.signed_wrong.push(*op);
                    }
                }
                let task = digest::challenge_id(&state);
                b.proofs.push(Proof {
                    task,
                    state,
                    sig_data,
                    reference,
                    signers: ops,
                    at_ms: now,
                    block,
                    correct: false,
                });
                self.forged += 1;
            }
            Err(e) => {
                ctx.metric_add("avs.coalition.rejected_on_main", 1);
                ctx.note(format!("wrong proof rejected on the main chain: {e}"));
            }
        }
    }
}

impl Coalition {
    /// Q19: writes a value, has the block being built verified, overwrites the value, all in
    /// the next main-chain block.
    fn mid_block_write(&mut self, ctx: &mut Ctx) {
        let (main, sm, verifier, mcv) = {
            let b = self.book.borrow();
            (
                b.main,
                b.main_state_manager,
                b.verifiers[&b.main],
                b.main_verifier,
            )
        };
        let n = ctx.block_number(main) + 1;
        let key = U256::from(MID_KEY);
        let me = ctx.address();
        let opts = |gas: u64, value: u128| TxOpts {
            gas_limit: gas,
            value: U256::from(value),
            ..TxOpts::default()
        };
        for (to, data, o) in [
            (
                sm,
                StateManager::setValueCall {
                    key,
                    value: U256::from(MID_FIRST),
                }
                .abi_encode(),
                opts(200_000, 0),
            ),
            (
                verifier,
                RemoteChainVerifier::verifyStateCall {
                    user: me,
                    key,
                    n: U256::from(n),
                }
                .abi_encode(),
                opts(500_000, VERIFY_FEE),
            ),
            (
                sm,
                StateManager::setValueCall {
                    key,
                    value: U256::from(MID_SECOND),
                }
                .abi_encode(),
                opts(200_000, 0),
            ),
        ] {
            ctx.send_tx_with(main, Some(to), data.into(), o);
        }
        ctx.subscribe(
            main,
            Some(mcv),
            Some(MainChainVerifier::StateVerified::SIGNATURE_HASH),
        );
        self.mid_block = Some(n);
        ctx.note(format!(
            "writes {MID_FIRST}, has block {n} verified, then writes {MID_SECOND}, in one block"
        ));
        let at = self.book.borrow().wake_for_main_block(n + 3);
        ctx.set_timer_at(crate::engine::time::SimTime(at), MID_FORGE);
    }

    /// Q19: signs the mid-block value of its own state at that block.
    fn mid_block_forge(&mut self, ctx: &mut Ctx) {
        let Some(n) = self.mid_block else {
            return;
        };
        let (main, registry, clock, chain_id, ts) = {
            let b = self.book.borrow();
            (
                b.main,
                b.registry,
                b.clock,
                b.main_chain_id,
                b.timestamp(b.main, n),
            )
        };
        let state = State {
            user: ctx.address(),
            chain_id: chain_id as u32,
            block_number: n,
            timestamp: ts,
            key: U256::from(MID_KEY),
            value: U256::from(MID_FIRST),
        };
        if true_value(ctx, &self.book, &state) != Some(U256::from(MID_SECOND)) {
            ctx.note(format!(
                "the same-block writes did not all land in block {n}"
            ));
            return;
        }
        let reference = clock.current(ctx.block_number(main));
        let d = digest::digest(self.book.borrow().domain, &state);
        let signed = self.sign_as_members(ctx, main, registry, reference, d);
        if !signed.is_empty() {
            self.publish(ctx, state, reference, signed);
        }
    }
}

impl Actor for Coalition {
    fn start(&mut self, ctx: &mut Ctx) {
        ctx.metric_add("avs.coalition.accepted_on_main", 0);
        ctx.metric_add("avs.coalition.rejected_on_main", 0);
        match self.params.mid_block_at {
            Some(at) => {
                ctx.metric_add("avs.verified_mid_block", 0);
                ctx.set_timer(at, MID_WRITE);
            }
            None => ctx.set_timer(self.params.every, FORGE),
        }
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        super::actors::record_gas(ctx, event);
        match event {
            Event::Timer { tag: FORGE } => {
                self.forge(ctx);
                if self.forged < self.params.proofs {
                    ctx.set_timer(self.params.every, FORGE);
                }
            }
            Event::Timer { tag: MID_WRITE } => self.mid_block_write(ctx),
            Event::Timer { tag: MID_FORGE } => self.mid_block_forge(ctx),
            Event::Log { log, .. } => {
                // The verifier's record of its state at the block: the mid-block value (Q19)
                // or the post-block one.
                if let Ok(e) = MainChainVerifier::StateVerified::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) {
                    let mine = e.user == ctx.address()
                        && Some(e.blockNumber.to::<u64>()) == self.mid_block;
                    if mine && e.value == U256::from(MID_FIRST) {
                        ctx.metric_add("avs.verified_mid_block", 1);
                    }
                }
            }
            Event::Receipt { receipt, .. } if !receipt.status.is_success() => {
                ctx.metric_add("avs.coalition.tx_reverted", 1);
            }
            _ => {}
        }
    }
}

// ---- key thief --------------------------------------------------------------------------------

/// Which of the victim's keys the thief holds.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StolenKey {
    /// The key the victim registered with and has since rotated away from.
    #[default]
    Retired,
    /// The key the victim signs with now.
    Current,
}

/// Parameters of an `avs.key_thief`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyThiefParams {
    pub victim: Located<String>,
    #[serde(default)]
    pub key: StolenKey,
    /// When it strikes.
    pub at: Dur,
}

impl ActorParams for KeyThiefParams {
    fn actor_refs(&self) -> Vec<Located<String>> {
        vec![self.victim.clone()]
    }
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(KeyThief {
            params: self.clone(),
            book: book_of(env),
            id: None,
        })
    }
}

const STRIKE: u64 = 1;
const RESOLVE: u64 = 2;

/// Signs a wrong state with a stolen key of its victim and challenges it, naming the victim.
pub struct KeyThief {
    params: KeyThiefParams,
    book: Shared,
    id: Option<B256>,
}

impl Actor for KeyThief {
    fn start(&mut self, ctx: &mut Ctx) {
        watch(ctx, &self.book);
        ctx.set_timer(self.params.at, STRIKE);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: STRIKE } => {
                let Some(victim) = ctx.actor_by_name(&self.params.victim.value) else {
                    return;
                };
                let op = ctx.actor_address(victim);
                let (main, registry, clock, domain, keys, target) = {
                    let b = self.book.borrow();
                    let keys = b.operator(op).map(|o| o.keys.clone()).unwrap_or_default();
                    let target = b
                        .proofs
                        .iter()
                        .rev()
                        .find(|p| p.correct)
                        .map(|p| p.state.clone());
                    (b.main, b.registry, b.clock, b.domain, keys, target)
                };
                let (Some(mut state), false) = (target, keys.is_empty()) else {
                    ctx.set_timer(Dur::secs(30), STRIKE);
                    return;
                };
                let cur = clock.current(ctx.block_number(main));
                let current = ctx
                    .view(
                        main,
                        registry,
                        &StakeRegistry::getOperatorSigningKeyAtEpochCall { op, e: cur },
                    )
                    .unwrap_or(Address::ZERO);
                let key = match self.params.key {
                    StolenKey::Current => keys.iter().find(|k| k.address() == current),
                    StolenKey::Retired => keys.iter().find(|k| k.address() != current),
                };
                let Some(key) = key.cloned() else {
                    return;
                };
                if key.address() == current {
                    self.book.borrow_mut().leaked_current.push(op);
                }
                state.value += U256::from(1);
                let sig = key.sign_hash(digest::digest(domain, &state)).to_bytes();
                ctx.note(format!(
                    "signs a wrong state with {}'s {:?} key and challenges it",
                    self.params.victim.value, self.params.key
                ));
                let id = challenge(ctx, &self.book, &state, vec![op], vec![sig], cur, None);
                self.id = Some(id);
                ctx.set_timer(Dur::secs(30), RESOLVE);
            }
            Event::Timer { tag: RESOLVE } => {
                if let Some(id) = self.id {
                    let done = self
                        .book
                        .borrow()
                        .challenges
                        .get(&id)
                        .is_some_and(|c| c.resolved_ms.is_some());
                    if !done {
                        let resolver = self.book.borrow().resolver;
                        send_main(
                            ctx,
                            &self.book,
                            resolver,
                            &DisputeResolver::resolveChallengeCall { id },
                            0,
                        );
                        ctx.set_timer(Dur::secs(30), RESOLVE);
                    }
                }
            }
            Event::Log { log, .. } => on_log(ctx, &self.book, log),
            _ => {}
        }
    }
}

// ---- bridge adversary -------------------------------------------------------------------------

/// Parameters of an `avs.bridge_adversary`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeAdversaryParams {
    /// Routes it controls (`avs/r1` snapshots to r1, `avs/r1->l1` reports back); all if empty.
    #[serde(default)]
    pub routes: Vec<String>,
    #[serde(default)]
    pub drop: Located<f64>,
    #[serde(default)]
    pub duplicate: Located<f64>,
    /// Probability that a delivery is under-gassed and reverts (see `relayer_retries`).
    #[serde(default)]
    pub fail: Located<f64>,
    /// Extra delay per message.
    #[serde(default = "no_delay")]
    pub extra_delay: DurRange,
    #[serde(default)]
    pub from: Dur,
    #[serde(default = "forever")]
    pub to: Dur,
}

fn no_delay() -> DurRange {
    DurRange::new(Dur::ms(0), Dur::ms(0))
}
fn forever() -> Dur {
    Dur::ms(u64::MAX / 2)
}

impl BridgeAdversaryParams {
    pub fn validate(&self) -> Result<(), ScenarioError> {
        for (p, what) in [
            (&self.drop, "drop"),
            (&self.duplicate, "duplicate"),
            (&self.fail, "fail"),
        ] {
            if !(0.0..=1.0).contains(&p.value) {
                return Err(ScenarioError::at(
                    p.loc,
                    format!("{what} must be a probability in [0, 1], got {}", p.value),
                ));
            }
        }
        Ok(())
    }
}

impl ActorParams for BridgeAdversaryParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        Box::new(BridgeAdversary {
            params: self.clone(),
            book: book_of(env),
        })
    }
}

/// Controls the bridge's fate decisions for its routes from time zero.
pub struct BridgeAdversary {
    params: BridgeAdversaryParams,
    book: Shared,
}

impl Actor for BridgeAdversary {
    fn start(&mut self, _ctx: &mut Ctx) {
        let p = &self.params;
        self.book.borrow_mut().bridge_adversary.push(Adversary {
            routes: p.routes.clone(),
            drop: p.drop.value,
            duplicate: p.duplicate.value,
            fail: p.fail.value,
            extra_delay: p.extra_delay,
            from_ms: p.from.as_ms(),
            to_ms: p.to.as_ms(),
        });
    }

    fn restart(&mut self, _ctx: &mut Ctx) {}

    fn handle(&mut self, _ctx: &mut Ctx, _event: &Event) {}
}

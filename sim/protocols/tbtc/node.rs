//! Operator nodes (spec 7–8): every node kind runs the follower routine and signs honestly;
//! the kinds differ in what they send when they lead (or, for the impersonator, when they do
//! not). A node batches what it sends one peer at one instant into one envelope.

use super::config::{NodeParams, Role};
use super::follower::{self, FollowerView, Verdict};
use super::message::{self, CoordinationMessage, Proposal, SweptDeposit, TOPIC};
use super::state::{
    signatures_needed, signing_start, Claim, PendingDeposit, Session, Shared, WindowDecision,
    ATTEMPT_BLOCKS, DEPOSIT_CONFIRMATIONS, MOVING_FUNDS_COMMITMENT_CONFIRMATIONS, SIGNATURE_GAP,
};
use super::WalletRegistry;
use super::{coordination_seed, window, Action, Bridge, Fault, WalletProposalValidator};
use crate::engine::actor::{Actor, ActorId, Ctx, Event};
use crate::engine::time::SimTime;
use crate::protocols::{ActorParams, Spawn};
use alloy_primitives::{keccak256, Bytes, FixedBytes, B256, U256};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

const T_WINDOW: u64 = 1;
const T_RETRY: u64 = 2;
const T_RESEND: u64 = 3;
const T_DEADLINE: u64 = 4;
const T_START: u64 = 5;
const T_ATTEMPT: u64 = 6;
const T_CLAIM: u64 = 7;

fn tag(kind: u64, extra: u64, block: u64) -> u64 {
    (kind << 56) | (extra << 48) | block
}
fn untag(t: u64) -> (u64, u64, u64) {
    (t >> 56, (t >> 48) & 0xff, t & ((1 << 48) - 1))
}

/// The redemption request key of the bridge: `keccak256(keccak256(script) || pkh)`.
pub fn redemption_key(pkh: &[u8; 20], script: &[u8]) -> B256 {
    let mut buf = keccak256(script).to_vec();
    buf.extend_from_slice(pkh);
    keccak256(buf)
}

/// Why an accepted action does not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartAbort {
    /// The wallet's previous Bitcoin transaction is not proven on chain yet.
    NotSynced,
    /// The validator rejected the proposal (the revert reason).
    Invalid(String),
}

/// A node kind's spawn parameters.
#[derive(Debug)]
pub struct NodeSpawn {
    pub role: Role,
    pub params: NodeParams,
}

impl ActorParams for NodeSpawn {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let shared = super::state::shared_of(env);
        Box::new(Node {
            role: self.role,
            params: self.params.clone(),
            shared,
            me: env.id.0,
            routines: Vec::new(),
            results: BTreeMap::new(),
            actions: BTreeMap::new(),
            failures: BTreeMap::new(),
            claims: BTreeMap::new(),
            resend: Vec::new(),
            retry: Vec::new(),
            claim_txs: BTreeMap::new(),
            proof_txs: BTreeMap::new(),
            sweep_txs: BTreeMap::new(),
            moving_txs: BTreeMap::new(),
            moved_sweep_txs: BTreeMap::new(),
            wakeups: BTreeSet::new(),
        })
    }
}

/// A follower (or leader) routine of the current window for one wallet.
struct Routine {
    window: u64,
    leader: u32,
    leader_seat: u32,
    allowed: Rc<Vec<Action>>,
    leading: bool,
    accepted: bool,
}

/// An operator node.
pub struct Node {
    role: Role,
    params: NodeParams,
    shared: Shared,
    me: u32,
    /// The routine of each wallet (by wallet index), if one runs.
    routines: Vec<Option<Routine>>,
    /// Coordination results to execute at `w + 100`.
    results: BTreeMap<usize, (u64, Proposal)>,
    /// Busy locks: the running action per wallet (window, digest).
    actions: BTreeMap<usize, (u64, B256)>,
    /// Consecutive heartbeat failures per wallet (in memory: a restart clears them).
    failures: BTreeMap<usize, u32>,
    /// Inactivity claims this node takes part in: wallet → window.
    claims: BTreeMap<usize, u64>,
    /// Envelopes to resend this window.
    resend: Vec<(u32, Vec<CoordinationMessage>)>,
    /// Wallets whose first generation attempt failed (leader retries at w + 5).
    retry: Vec<usize>,
    /// Inactivity claims submitted: tx → wallet.
    claim_txs: BTreeMap<B256, usize>,
    /// Redemption proofs submitted: tx → request keys.
    proof_txs: BTreeMap<B256, Vec<B256>>,
    /// Deposit sweep proofs submitted: tx → (wallet, deposit keys).
    sweep_txs: BTreeMap<B256, (usize, Vec<B256>)>,
    /// Moving-funds proofs submitted: tx → (source wallet, moving-funds transaction hash).
    moving_txs: BTreeMap<B256, (usize, B256)>,
    /// Moved-funds sweep proofs submitted: tx → request key.
    moved_sweep_txs: BTreeMap<B256, B256>,
    /// Pending attempt and claim wake-ups as (timer kind, block). One wake-up serves every
    /// session (or claim) of this node that ends at that block, so a second one is never set:
    /// without this, `k` actions ending together would set `k` timers, each of which set `k`
    /// more for the next attempt.
    wakeups: BTreeSet<(u64, u64)>,
}

impl Node {
    /// The chain and bridge of the group, and wallet `wallet`'s PKH: what every proof and
    /// bridge call of the node names.
    fn bridge_of(
        &self,
        wallet: usize,
    ) -> (crate::chain::ChainIdx, alloy_primitives::Address, [u8; 20]) {
        let s = self.shared.borrow();
        (s.chain, s.bridge, s.wallets[wallet].pkh)
    }

    fn at_block(&self, ctx: &mut Ctx, b: u64, kind: u64, extra: u64) {
        let ms = self.shared.borrow().block_time(b) + self.params.feed_lag.as_ms();
        ctx.set_timer_at(SimTime(ms), tag(kind, extra, b));
    }

    /// Whether a timer for block `b` fires late (deferred while the node was offline): the
    /// feed delivered that block long ago, so the node does not act on it.
    /// Wakes this node at block `b` for the attempts (`T_ATTEMPT`) or claims (`T_CLAIM`) ending
    /// there, unless such a wake-up is already pending.
    fn wake_at(&mut self, ctx: &mut Ctx, b: u64, kind: u64) {
        if self.wakeups.insert((kind, b)) {
            self.at_block(ctx, b, kind, 0);
        }
    }

    fn routine(&self, wallet: usize) -> Option<&Routine> {
        self.routines.get(wallet)?.as_ref()
    }

    fn stale(&self, ctx: &Ctx, b: u64) -> bool {
        let s = self.shared.borrow();
        ctx.now().ms() > s.block_time(b) + self.params.feed_lag.as_ms() + s.block_time_ms
    }

    fn schedule_next_window(&self, ctx: &mut Ctx, after: u64) {
        let w = window::first_at_or_after(after + 1);
        self.at_block(ctx, w, T_WINDOW, 0);
    }

    fn fault(&mut self, ctx: &mut Ctx, w: u64, wallet: usize, fault: Fault, culprit: u32) {
        let mut s = self.shared.borrow_mut();
        let name = match fault {
            Fault::LeaderIdleness => "LeaderIdleness",
            Fault::LeaderMistake => "LeaderMistake",
            Fault::LeaderImpersonation => "LeaderImpersonation",
            Fault::Unknown => "Unknown",
        };
        *s.faults_by_type.entry(name).or_insert(0) += 1;
        s.fault_log.push((w, wallet, self.me, fault, culprit));
        if s.roles.get(&culprit) == Some(&Role::ContentInvalidLeader)
            && fault != Fault::LeaderIdleness
        {
            s.violate("tbtc.content_invalid_no_fault", || {
                format!("window {w} wallet {wallet}: {name} blamed on a content-invalid leader")
            });
        }
        drop(s);
        let culprit_name = ctx.actor_name(ActorId(culprit)).to_string();
        ctx.note(format!(
            "fault window={w} wallet={wallet} observer={} type={name} culprit={culprit_name}",
            ctx.name()
        ));
    }

    /// Window `w` seen on the feed: compute the decision of each wallet and run the routines.
    fn on_window(&mut self, ctx: &mut Ctx, w: u64) {
        if self.stale(ctx, w) {
            let head = ctx.block_number(self.shared.borrow().chain);
            self.shared.borrow_mut().count("windows_missed_offline", 1);
            self.schedule_next_window(ctx, head);
            return;
        }
        self.schedule_next_window(ctx, w);
        if ctx.rng().chance(self.params.skip_windows.0) {
            self.shared.borrow_mut().count("windows_missed_by_feed", 1);
            ctx.note(format!("feed skipped window block {w}"));
            return;
        }
        let chain = self.shared.borrow().chain;
        let Some(safe_hash) = ctx.block_hash(chain, w - window::SAFE_SHIFT) else {
            return;
        };
        let wallets = self
            .shared
            .borrow()
            .node_wallets
            .get(&self.me)
            .cloned()
            .unwrap_or_default();
        self.resend.clear();
        self.retry.clear();
        let mut outbox: BTreeMap<u32, Vec<CoordinationMessage>> = BTreeMap::new();
        for wallet in wallets {
            if let Some(r) = self.routine(wallet) {
                if r.window + window::ACTIVE_PHASE > w {
                    // errCoordinationExecutorBusy: the previous routine still runs.
                    self.shared
                        .borrow_mut()
                        .count("coordination_executor_busy", 1);
                    continue;
                }
            }
            let mut d = self.decision(ctx, w, wallet, safe_hash);
            if self.params.heartbeat_from_leader_generator {
                d = self.reused_generator_decision(wallet, d);
            }
            let s = self.shared.borrow();
            // Invariant 6: the heartbeat is on the checklist this node works with iff the fresh
            // draw (the predictor's, kept with the decision) is below p.
            let p = s.checklist.heartbeat_probability;
            let valid = d.decision.valid();
            if d.decision.heartbeat() != (valid && d.decision.heartbeat_draw < p) {
                drop(s);
                let me = ctx.name().to_string();
                self.shared
                    .borrow_mut()
                    .violate("tbtc.heartbeat_matches_predictor", || {
                        format!("window {w} wallet {wallet}: {me}'s checklist disagrees with the fresh draw")
                    });
            } else {
                drop(s);
            }
            let allowed = d.allowed.clone();
            if self.role == Role::Honest {
                // Leader seat and `checklist ∪ {Noop}`: nodes that took the same shared
                // decision hold the same list, so the comparison is mostly a pointer check.
                let view = (d.decision.leader_seat, allowed.clone());
                let mut s = self.shared.borrow_mut();
                match s.agreement.get(w, wallet) {
                    Some(seen)
                        if seen.0 != view.0
                            || (!Rc::ptr_eq(&seen.1, &view.1) && seen.1 != view.1) =>
                    {
                        let seen = seen.clone();
                        s.violate("tbtc.leader_agreement", || {
                            format!("window {w} wallet {wallet}: {seen:?} vs {view:?}")
                        })
                    }
                    Some(_) => {}
                    None => {
                        let wallets = s.wallets.len();
                        s.agreement.insert(w, wallet, wallets, view);
                    }
                }
            }
            let leading = d.leader == self.me;
            if self.routines.len() <= wallet {
                self.routines.resize_with(wallet + 1, || None);
            }
            self.routines[wallet] = Some(Routine {
                window: w,
                leader: d.leader,
                leader_seat: d.decision.leader_seat,
                allowed,
                leading,
                accepted: false,
            });
            if leading {
                self.lead(ctx, w, wallet, &d, &mut outbox, true);
            } else if self.role == Role::Impersonator {
                self.impersonate(ctx, w, wallet, &d, &mut outbox);
            }
        }
        self.flush(ctx, w, outbox, true);
        self.at_block(ctx, w + window::ACTIVE_PHASE, T_DEADLINE, 0);
        self.at_block(ctx, w + window::DURATION, T_START, 0);
        if !self.retry.is_empty() {
            self.at_block(ctx, w + 5, T_RETRY, 0);
        }
    }

    /// The decision for (w, wallet): shared between nodes that saw the same safe block hash
    /// (it is a pure function of the seats, the hash and `w`), computed on first use.
    fn decision(
        &mut self,
        ctx: &mut Ctx,
        w: u64,
        wallet: usize,
        safe_hash: B256,
    ) -> WindowDecision {
        if let Some(d) = self.shared.borrow().decisions.get(w, wallet) {
            if d.safe_hash == safe_hash {
                return d.clone();
            }
        }
        let (decision, leader, online) = {
            let mut s = self.shared.borrow_mut();
            let s = &mut *s;
            let wl = &s.wallets[wallet];
            let seed = coordination_seed(&wl.pkh, &safe_hash.0);
            let decision = s.coordinator.coordinate(&wl.group, &seed, w, &s.checklist);
            let leader = wl.seats[decision.leader_seat as usize - 1];
            // Fault onset for inactivity-claim latency: fewer than the heartbeat's active
            // members online.
            let online = wl
                .seats
                .iter()
                .filter(|op| ctx.is_online(ActorId(**op)))
                .count() as u32;
            (decision, leader, online)
        };
        // Invariant 6 is checked where each node takes up the decision (`on_window`).
        let mut s = self.shared.borrow_mut();
        let degraded = online < s.heartbeat_active_members;
        match (degraded, s.degraded_since[wallet]) {
            (true, None) => {
                s.degraded_since[wallet] = Some(w);
                s.claimed_since_onset[wallet] = false;
            }
            (false, Some(_)) => s.degraded_since[wallet] = None,
            _ => {}
        }
        let d = WindowDecision::new(safe_hash, decision, leader);
        s.note_decision(w, wallet, d.clone());
        d
    }

    /// The planted defect `heartbeat_from_leader_generator`: the checklist's heartbeat comes
    /// from the leader shuffle's generator, drawn after the shuffle, instead of a fresh one.
    fn reused_generator_decision(&self, wallet: usize, d: WindowDecision) -> WindowDecision {
        let mut decision = (*d.decision).clone();
        if decision.valid() {
            let p = self.shared.borrow().checklist.heartbeat_probability;
            let mut g = super::GoRand::new(decision.go_seed);
            let mut ops: Vec<usize> =
                (0..self.shared.borrow().wallets[wallet].group.sorted.len()).collect();
            g.shuffle(&mut ops);
            decision.checklist.retain(|a| *a != Action::Heartbeat);
            if g.float64() < p {
                decision.checklist.push(Action::Heartbeat);
            }
        }
        WindowDecision::new(d.safe_hash, decision, d.leader)
    }

    /// What an honest leader proposes: the first checklist action that yields a valid
    /// proposal, else Noop (spec 7.2).
    fn generate(&self, ctx: &mut Ctx, w: u64, wallet: usize, checklist: &[Action]) -> Proposal {
        for a in checklist {
            if let Some(p) = self.candidate(ctx, w, wallet, *a) {
                return p;
            }
        }
        Proposal::noop()
    }

    fn candidate(&self, ctx: &mut Ctx, _w: u64, wallet: usize, a: Action) -> Option<Proposal> {
        let (chain, validator, pkh) = {
            let s = self.shared.borrow();
            (s.chain, s.validator, s.wallets[wallet].pkh)
        };
        match a {
            Action::Heartbeat => {
                let current = ctx.block_number(chain);
                let msg = message::heartbeat_message(&pkh, current);
                let call = WalletProposalValidator::validateHeartbeatProposalCall {
                    proposal: WalletProposalValidator::HeartbeatProposal {
                        walletPubKeyHash: FixedBytes(pkh),
                        message: Bytes::from(msg.clone()),
                    },
                };
                ctx.view(chain, validator, &call).ok()?;
                Some(Proposal {
                    action: Action::Heartbeat,
                    content: msg,
                })
            }
            Action::Redemption => {
                let now_ts = ctx.head(chain).timestamp;
                let (scripts, fee) = {
                    let s = self.shared.borrow();
                    let min_age = 600;
                    let margin = 2 * 3600;
                    let mut eligible: Vec<(u64, Vec<u8>)> = s
                        .pending
                        .values()
                        .filter(|r| {
                            r.wallet == wallet
                                && r.signed_block.is_none()
                                && now_ts > r.requested_ts + min_age
                                && now_ts + margin < r.requested_ts + s.redemption_timeout_s
                        })
                        .map(|r| (r.requested_block, r.script.clone()))
                        .collect();
                    eligible.sort();
                    eligible.truncate(20);
                    let scripts: Vec<Vec<u8>> = eligible.into_iter().map(|(_, s)| s).collect();
                    let fee = s.redemption_fee * scripts.len() as u64;
                    (scripts, fee)
                };
                if scripts.is_empty() {
                    return None;
                }
                let proposal = Proposal {
                    action: Action::Redemption,
                    content: message::redemption_content(fee, &scripts),
                };
                self.validate(ctx, wallet, &proposal).ok()?;
                Some(proposal)
            }
            Action::DepositSweep => {
                let proposal = self.deposit_sweep_candidate(ctx, wallet)?;
                self.validate(ctx, wallet, &proposal).ok()?;
                Some(proposal)
            }
            Action::MovingFunds => {
                let content = {
                    let s = self.shared.borrow();
                    let order = s.moving.get(&wallet)?;
                    if order.signed_block.is_some() {
                        return None;
                    }
                    message::MovingFundsContent {
                        fee: s.moving_funds_fee,
                        main_utxo: order.main_utxo,
                        targets: order.targets.iter().map(|t| s.wallets[*t].pkh).collect(),
                    }
                };
                let proposal = Proposal {
                    action: Action::MovingFunds,
                    content: message::moving_funds_content(&content),
                };
                self.validate(ctx, wallet, &proposal).ok()?;
                Some(proposal)
            }
            Action::MovedFundsSweep => {
                let (tx, index, fee) = {
                    let s = self.shared.borrow();
                    let r = s
                        .moved_funds
                        .values()
                        .filter(|r| r.wallet == wallet && r.signed_block.is_none())
                        .min_by_key(|r| (r.requested_block, r.tx_hash, r.output_index))?;
                    (r.tx_hash, r.output_index, s.moved_funds_sweep_fee)
                };
                let proposal = Proposal {
                    action: Action::MovedFundsSweep,
                    content: message::moved_funds_sweep_content(fee, &tx, index),
                };
                self.validate(ctx, wallet, &proposal).ok()?;
                Some(proposal)
            }
            Action::Noop => None,
        }
    }

    /// The deposits a leader sweeps for `wallet` now: revealed and unswept, with 6 funding
    /// confirmations, older than the bridge's 2 h minimum age and more than 24 h before their
    /// refund locktime; the oldest first, all of the oldest one's vault, at most 20 (spec 7.2,
    /// 9). `None` when nothing is sweepable.
    fn deposit_sweep_candidate(&self, ctx: &Ctx, wallet: usize) -> Option<Proposal> {
        const MIN_AGE: u64 = 2 * 3600;
        const REFUND_MARGIN: u64 = 24 * 3600;
        const MAX_SIZE: usize = 20;
        let s = self.shared.borrow();
        let now_ts = ctx.head(s.chain).timestamp;
        let mut eligible: Vec<(u64, B256, &PendingDeposit)> = s
            .deposits
            .iter()
            .filter(|(_, d)| {
                d.wallet == wallet
                    && d.signed_block.is_none()
                    && d.confirmations(now_ts) >= DEPOSIT_CONFIRMATIONS
                    && now_ts > d.revealed_ts + MIN_AGE
                    && now_ts + REFUND_MARGIN < d.refund_locktime
            })
            .map(|(k, d)| (d.revealed_block, *k, d))
            .collect();
        eligible.sort_by_key(|(b, k, _)| (*b, *k));
        let vault = eligible.first()?.2.vault;
        let deposits: Vec<SweptDeposit> = eligible
            .iter()
            .filter(|(_, _, d)| d.vault == vault)
            .take(MAX_SIZE)
            .map(|(_, _, d)| SweptDeposit {
                funding_tx: d.funding_tx,
                output_index: d.output_index,
                extra_info_hash: d.extra_info_hash,
            })
            .collect();
        let fee = s.deposit_sweep_fee * deposits.len() as u64;
        Some(Proposal {
            action: Action::DepositSweep,
            content: message::deposit_sweep_content(fee, &deposits),
        })
    }

    /// What every member checks when an action starts (spec 8.2): the wallet is synced (a
    /// bridge flag), then the validator's static call passes. Returns the proposal's digest.
    ///
    /// All members run the same view calls against the same chain state at the start block,
    /// so the outcome is kept per (head block hash, wallet, proposal) and the other members
    /// take it from there: a view is a function of the state, the block and the calldata
    /// (neither contract reads the caller), and it leaves no trace record.
    fn start_check(&self, ctx: &mut Ctx, wallet: usize, p: &Proposal) -> Result<B256, StartAbort> {
        let (chain, bridge, pkh) = self.bridge_of(wallet);
        let head = ctx.head(chain).hash;
        {
            let s = self.shared.borrow();
            if s.start_checks.0 == head {
                if let Some(r) = s.start_checks.1.get(&(wallet, p.clone())) {
                    return r.clone();
                }
            }
        }
        let synced = ctx
            .view(
                chain,
                bridge,
                &Bridge::walletsCall {
                    walletPubKeyHash: FixedBytes(pkh),
                },
            )
            .map(|r| r.synced)
            .unwrap_or(false);
        let r = if !synced {
            Err(StartAbort::NotSynced)
        } else {
            self.validate(ctx, wallet, p)
                .map(|()| p.digest())
                .map_err(StartAbort::Invalid)
        };
        let mut s = self.shared.borrow_mut();
        if s.start_checks.0 != head {
            s.start_checks = (head, BTreeMap::new());
        }
        s.start_checks.1.insert((wallet, p.clone()), r.clone());
        r
    }

    /// The validator's static call for a proposal; `Err(reason)` when it reverts.
    fn validate(&self, ctx: &mut Ctx, wallet: usize, p: &Proposal) -> Result<(), String> {
        let (chain, validator, pkh) = {
            let s = self.shared.borrow();
            (s.chain, s.validator, s.wallets[wallet].pkh)
        };
        let r = match p.action {
            Action::Heartbeat => ctx
                .view(
                    chain,
                    validator,
                    &WalletProposalValidator::validateHeartbeatProposalCall {
                        proposal: WalletProposalValidator::HeartbeatProposal {
                            walletPubKeyHash: FixedBytes(pkh),
                            message: Bytes::from(p.content.clone()),
                        },
                    },
                )
                .map(|_| ()),
            Action::Redemption => {
                let Some((fee, scripts)) = message::parse_redemption(&p.content) else {
                    return Err("malformed redemption proposal".into());
                };
                ctx.view(
                    chain,
                    validator,
                    &WalletProposalValidator::validateRedemptionProposalCall {
                        proposal: WalletProposalValidator::RedemptionProposal {
                            walletPubKeyHash: FixedBytes(pkh),
                            redeemersOutputScripts: scripts.into_iter().map(Bytes::from).collect(),
                            redemptionTxFee: U256::from(fee),
                        },
                    },
                )
                .map(|_| ())
            }
            Action::DepositSweep => {
                let Some((fee, deposits)) = message::parse_deposit_sweep(&p.content) else {
                    return Err("malformed deposit sweep proposal".into());
                };
                ctx.view(
                    chain,
                    validator,
                    &WalletProposalValidator::validateDepositSweepProposalCall {
                        proposal: WalletProposalValidator::DepositSweepProposal {
                            walletPubKeyHash: FixedBytes(pkh),
                            depositsKeys: deposits
                                .iter()
                                .map(|d| WalletProposalValidator::DepositKey {
                                    fundingTxHash: d.funding_tx,
                                    fundingOutputIndex: d.output_index,
                                })
                                .collect(),
                            sweepTxFee: U256::from(fee),
                        },
                        extraInfoHashes: deposits.iter().map(|d| d.extra_info_hash).collect(),
                    },
                )
                .map(|_| ())
            }
            Action::MovingFunds => {
                let Some(c) = message::parse_moving_funds(&p.content) else {
                    return Err("malformed moving funds proposal".into());
                };
                ctx.view(
                    chain,
                    validator,
                    &WalletProposalValidator::validateMovingFundsProposalCall {
                        proposal: WalletProposalValidator::MovingFundsProposal {
                            walletPubKeyHash: FixedBytes(pkh),
                            targetWallets: c.targets.iter().map(|t| FixedBytes(*t)).collect(),
                            movingFundsTxFee: U256::from(c.fee),
                        },
                        walletMainUtxo: WalletProposalValidator::MainUtxo {
                            txHash: c.main_utxo.0,
                            txOutputIndex: c.main_utxo.1,
                            txOutputValue: c.main_utxo.2,
                        },
                    },
                )
                .map(|_| ())
            }
            Action::MovedFundsSweep => {
                let Some((fee, tx, index)) = message::parse_moved_funds_sweep(&p.content) else {
                    return Err("malformed moved funds sweep proposal".into());
                };
                ctx.view(
                    chain,
                    validator,
                    &WalletProposalValidator::validateMovedFundsSweepProposalCall {
                        proposal: WalletProposalValidator::MovedFundsSweepProposal {
                            walletPubKeyHash: FixedBytes(pkh),
                            movingFundsTxHash: tx,
                            movingFundsTxOutputIdx: index,
                            movedFundsSweepTxFee: U256::from(fee),
                        },
                    },
                )
                .map(|_| ())
            }
            Action::Noop => return Err("Noop has no content".into()),
        };
        r.map_err(|e| e.to_string())
    }

    /// The leader routine (spec 7.2), with this node kind's behaviour.
    fn lead(
        &mut self,
        ctx: &mut Ctx,
        w: u64,
        wallet: usize,
        d: &WindowDecision,
        outbox: &mut BTreeMap<u32, Vec<CoordinationMessage>>,
        first_attempt: bool,
    ) {
        if ctx.rng().chance(self.params.generation_failure.0) {
            if first_attempt {
                self.retry.push(wallet);
            } else {
                self.shared
                    .borrow_mut()
                    .count("leader_generation_failures", 1);
                ctx.note(format!("wallet {wallet}: both generation attempts failed"));
            }
            return;
        }
        let checklist = &d.decision.checklist;
        let honest = self.generate(ctx, w, wallet, checklist);
        let (pkh, followers, pending_here) = {
            let s = self.shared.borrow();
            let wl = &s.wallets[wallet];
            let followers: Vec<u32> = wl
                .operators
                .iter()
                .copied()
                .filter(|o| *o != self.me)
                .collect();
            let pending = s
                .pending
                .values()
                .any(|r| r.wallet == wallet && r.signed_block.is_none());
            (wl.pkh, followers, pending)
        };
        let msg = |p: &Proposal| CoordinationMessage {
            sender_seat: d.decision.leader_seat,
            coordination_block: w,
            wallet_pkh: pkh,
            proposal: p.clone(),
        };
        let mut own = honest.clone();
        match self.role {
            Role::IdleLeader if ctx.rng().chance(self.params.idle_probability.0) => {
                self.shared.borrow_mut().count("leader_idle_silences", 1);
                return;
            }
            Role::MistakenLeader => {
                let index = window::index(w);
                let wrong = if !checklist.contains(&Action::Heartbeat) {
                    Action::Heartbeat
                } else if index % self.shared.borrow().checklist.sweep_every != 0 {
                    Action::DepositSweep
                } else {
                    Action::Noop
                };
                let content = if wrong == Action::Heartbeat {
                    message::heartbeat_message(&pkh, ctx.block_number(self.shared.borrow().chain))
                } else {
                    Vec::new()
                };
                let bad = Proposal {
                    action: wrong,
                    content,
                };
                if wrong != Action::Noop {
                    self.shared.borrow_mut().count("leader_mistakes_sent", 1);
                }
                for f in &followers {
                    let e = outbox.entry(*f).or_default();
                    e.push(msg(&bad));
                    if self.params.then_valid {
                        e.push(msg(&honest));
                    }
                }
                if !self.params.then_valid {
                    own = bad;
                }
            }
            Role::ContentInvalidLeader => {
                let fake = vec![0xde; 22];
                let bad = Proposal {
                    action: Action::Redemption,
                    content: message::redemption_content(1, &[fake]),
                };
                self.shared.borrow_mut().count("content_invalid_sent", 1);
                for f in &followers {
                    outbox.entry(*f).or_default().push(msg(&bad));
                }
                own = bad;
            }
            Role::EquivocatingLeader if honest.action != Action::Noop => {
                // Proposal A to the first `split` share of the other operators, Noop to the
                // rest: both are allowed types, so no follower can tell.
                let cut = (followers.len() as f64 * self.params.split.0).round() as usize;
                for (i, f) in followers.iter().enumerate() {
                    let p = if i < cut {
                        honest.clone()
                    } else {
                        Proposal::noop()
                    };
                    outbox.entry(*f).or_default().push(msg(&p));
                }
                let mut s = self.shared.borrow_mut();
                s.equivocations.push((wallet, w));
                s.count("equivocations", 1);
            }
            Role::CensoringLeader if pending_here => {
                let p = if checklist.contains(&Action::Heartbeat) {
                    self.candidate(ctx, w, wallet, Action::Heartbeat)
                        .unwrap_or_else(Proposal::noop)
                } else {
                    Proposal::noop()
                };
                if honest.action == Action::Redemption {
                    self.shared.borrow_mut().count("censored_windows", 1);
                }
                for f in &followers {
                    outbox.entry(*f).or_default().push(msg(&p));
                }
                own = p;
            }
            _ => {
                for f in &followers {
                    outbox.entry(*f).or_default().push(msg(&honest));
                }
            }
        }
        {
            let mut s = self.shared.borrow_mut();
            s.count("proposals_sent", 1);
            if own.action == Action::Heartbeat {
                s.count("heartbeats_proposed", 1);
            }
            if own.action == Action::DepositSweep {
                if let Some((_, deposits)) = message::parse_deposit_sweep(&own.content) {
                    let now = ctx.block_number(s.chain);
                    for d in deposits {
                        let key = message::deposit_key(&d.funding_tx, d.output_index);
                        if let Some(r) = s.deposits.get_mut(&key) {
                            if r.proposed_block.is_none() {
                                r.proposed_block = Some(now);
                            }
                        }
                    }
                }
            }
            if own.action == Action::MovingFunds {
                let now = ctx.block_number(s.chain);
                if let Some(o) = s.moving.get_mut(&wallet) {
                    o.proposed_block.get_or_insert(now);
                }
            }
            if own.action == Action::MovedFundsSweep {
                if let Some((_, tx, index)) = message::parse_moved_funds_sweep(&own.content) {
                    let now = ctx.block_number(s.chain);
                    let key = message::moved_funds_sweep_key(&tx, index);
                    if let Some(r) = s.moved_funds.get_mut(&key) {
                        r.proposed_block.get_or_insert(now);
                    }
                }
            }
            if own.action == Action::Redemption {
                if let Some((_, scripts)) = message::parse_redemption(&own.content) {
                    let pkh = s.wallets[wallet].pkh;
                    let now = ctx.block_number(s.chain);
                    for sc in scripts {
                        let key = redemption_key(&pkh, &sc);
                        if let Some(r) = s.pending.get_mut(&key) {
                            if r.proposed_block.is_none() {
                                r.proposed_block = Some(now);
                            }
                        }
                    }
                }
            }
        }
        self.results.insert(wallet, (w, own));
        if let Some(r) = self.routines.get_mut(wallet).and_then(Option::as_mut) {
            r.accepted = true;
        }
    }

    /// An impersonator that does not lead sends a proposal of its own.
    fn impersonate(
        &mut self,
        ctx: &mut Ctx,
        w: u64,
        wallet: usize,
        d: &WindowDecision,
        outbox: &mut BTreeMap<u32, Vec<CoordinationMessage>>,
    ) {
        let (pkh, followers, my_seat) = {
            let s = self.shared.borrow();
            let wl = &s.wallets[wallet];
            let followers: Vec<u32> = wl
                .operators
                .iter()
                .copied()
                .filter(|o| *o != self.me)
                .collect();
            let seat = wl.seats_of(self.me).next().unwrap_or(0);
            (wl.pkh, followers, seat)
        };
        let seat = if self.params.claim_leader_seat {
            d.decision.leader_seat
        } else {
            my_seat
        };
        let p = Proposal {
            action: Action::Heartbeat,
            content: message::heartbeat_message(&pkh, ctx.block_number(self.shared.borrow().chain)),
        };
        self.shared.borrow_mut().count("impersonations_sent", 1);
        for f in followers {
            outbox.entry(f).or_default().push(CoordinationMessage {
                sender_seat: seat,
                coordination_block: w,
                wallet_pkh: pkh,
                proposal: p.clone(),
            });
        }
    }

    fn flush(
        &mut self,
        ctx: &mut Ctx,
        w: u64,
        outbox: BTreeMap<u32, Vec<CoordinationMessage>>,
        first: bool,
    ) {
        let retransmissions = self.shared.borrow().retransmissions;
        for (to, msgs) in outbox {
            ctx.send(ActorId(to), TOPIC, message::encode(&msgs));
            if retransmissions > 0 {
                self.resend.push((to, msgs));
            }
        }
        if first && retransmissions > 0 && !self.resend.is_empty() {
            self.at_block(ctx, w + 5, T_RESEND, 1);
        }
    }

    fn on_resend(&mut self, ctx: &mut Ctx, w: u64, k: u64) {
        // Sends at w+5, w+15, w+35, w+75: back-off doubling from 5 blocks.
        let current = self.routines.iter().flatten().any(|r| r.window == w);
        if !current {
            return;
        }
        for (to, msgs) in &self.resend {
            ctx.send(ActorId(*to), TOPIC, message::encode(msgs));
        }
        let retransmissions = self.shared.borrow().retransmissions as u64;
        let next = w + 5 * ((1 << (k + 1)) - 1);
        if k < retransmissions && next < w + window::ACTIVE_PHASE {
            self.at_block(ctx, next, T_RESEND, k + 1);
        }
    }

    fn on_retry(&mut self, ctx: &mut Ctx, w: u64) {
        let wallets = std::mem::take(&mut self.retry);
        let mut outbox = BTreeMap::new();
        for wallet in wallets {
            let d = self.shared.borrow().decisions.get(w, wallet).cloned();
            if let Some(d) = d {
                self.lead(ctx, w, wallet, &d, &mut outbox, false);
            }
        }
        self.flush(ctx, w, outbox, false);
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: ActorId, body: &[u8]) {
        let now_block = ctx.block_number(self.shared.borrow().chain);
        for msg in message::decode(body) {
            let Some(wallet) = self
                .shared
                .borrow()
                .wallet_by_pkh
                .get(&msg.wallet_pkh)
                .copied()
            else {
                continue;
            };
            let Some(r) = self.routine(wallet) else {
                continue;
            };
            // The routine stops listening at its deadline `w + 80` (as seen on this feed).
            if r.accepted || r.leading || now_block >= r.window + window::ACTIVE_PHASE {
                continue;
            }
            let verdict = {
                let s = self.shared.borrow();
                let wl = &s.wallets[wallet];
                let view = FollowerView {
                    window_block: r.window,
                    wallet_pkh: wl.pkh,
                    seats: &wl.seats,
                    me: self.me,
                    leader_seat: r.leader_seat,
                    leader: r.leader,
                    allowed: &r.allowed,
                };
                follower::check(&view, &msg, from.0)
            };
            let w = r.window;
            match verdict {
                Verdict::Skip(_) => {}
                Verdict::Fault(f, culprit) => self.fault(ctx, w, wallet, f, culprit),
                Verdict::Accept => {
                    let (leader, allowed) = (r.leader, r.allowed.clone());
                    if from.0 != leader || !allowed.contains(&msg.proposal.action) {
                        self.shared
                            .borrow_mut()
                            .violate("tbtc.accepted_only_from_leader", || {
                                format!(
                                    "window {w} wallet {wallet}: accepted from operator {}",
                                    from.0
                                )
                            });
                    }
                    if let Some(r) = self.routines[wallet].as_mut() {
                        r.accepted = true;
                    }
                    let mut s = self.shared.borrow_mut();
                    s.acceptances += 1;
                    if msg.proposal.action != Action::Noop {
                        drop(s);
                        self.results.insert(wallet, (w, msg.proposal.clone()));
                    }
                }
            }
        }
    }

    fn on_deadline(&mut self, ctx: &mut Ctx, w: u64) {
        let idle: Vec<(usize, u32)> = self
            .routines
            .iter()
            .enumerate()
            .filter_map(|(wallet, r)| Some((wallet, r.as_ref()?)))
            .filter(|(_, r)| r.window == w && !r.accepted && !r.leading)
            .map(|(wallet, r)| (wallet, r.leader))
            .collect();
        for (wallet, leader) in idle {
            self.fault(ctx, w, wallet, Fault::LeaderIdleness, leader);
        }
        for slot in &mut self.routines {
            if slot.as_ref().is_some_and(|r| r.window == w) {
                *slot = None;
            }
        }
        self.resend.clear();
    }

    /// `w + 100`: start every accepted non-Noop action (spec 8.1, 8.2).
    fn on_start(&mut self, ctx: &mut Ctx, w: u64) {
        let start = w + window::DURATION;
        if self.stale(ctx, start) {
            self.results.retain(|_, (rw, _)| *rw != w);
            return;
        }
        let due: Vec<(usize, Proposal)> = self
            .results
            .iter()
            .filter(|(_, (rw, _))| *rw == w)
            .map(|(wallet, (_, p))| (*wallet, p.clone()))
            .collect();
        self.results.retain(|_, (rw, _)| *rw != w);
        for (wallet, p) in due {
            if p.action == Action::Noop {
                continue;
            }
            if self.actions.contains_key(&wallet) {
                self.shared.borrow_mut().count("wallet_busy_drops", 1);
                ctx.note(format!(
                    "errWalletBusy: wallet {wallet} drops {} of window {w}",
                    p.action
                ));
                continue;
            }
            if p.action == Action::Heartbeat && self.params.unstaking {
                continue;
            }
            let digest = match self.start_check(ctx, wallet, &p) {
                Ok(digest) => digest,
                Err(StartAbort::NotSynced) => {
                    self.shared.borrow_mut().count("actions_aborted", 1);
                    continue;
                }
                Err(StartAbort::Invalid(reason)) => {
                    self.shared.borrow_mut().count("actions_aborted", 1);
                    ctx.note(format!(
                        "wallet {wallet}: {} of window {w} aborted at start: {reason}",
                        p.action
                    ));
                    continue;
                }
            };
            let next_end = {
                let mut s = self.shared.borrow_mut();
                let schedule = s.schedule(w, p.action);
                if ctx.block_number(s.chain) > start + 1 && self.params.feed_lag.as_ms() == 0 {
                    s.violate("tbtc.action_timing", || {
                        format!("wallet {wallet}: started after w + 100")
                    });
                }
                let seats = s.wallets[wallet].seat_count(self.me);
                let me = self.me;
                let needed = signatures_needed(&p, s.main_utxo[wallet]);
                let commitment_block = s.moving.get(&wallet).map(|o| o.begun_block);
                let first = signing_start(&schedule, p.action, commitment_block);
                let session = s.sessions.entry((wallet, w, digest)).or_insert_with(|| {
                    let mut session = Session {
                        wallet,
                        window: w,
                        proposal: p.clone(),
                        schedule,
                        joined: BTreeMap::new(),
                        next_end: 0,
                        truncated: false,
                        attempt: 0,
                        signed: 0,
                        needed,
                        done: None,
                        active_members: 0,
                        inactive_seats: Vec::new(),
                    };
                    session.set_next(first);
                    session
                });
                session.joined.insert(me, seats);
                let next_end = session.next_end;
                if session.joined.len() == 1 {
                    match p.action {
                        Action::Heartbeat => s.count("heartbeats_executed", 1),
                        Action::Redemption => s.count("redemptions_executed", 1),
                        Action::DepositSweep => s.count("deposit_sweeps_executed", 1),
                        Action::MovingFunds => s.count("moving_funds_executed", 1),
                        Action::MovedFundsSweep => s.count("moved_funds_sweeps_executed", 1),
                        _ => {}
                    }
                }
                *s.concurrent.entry(me).or_insert(0) += 1;
                if let Some(prev) = s.running.insert((me, wallet), (w, digest)) {
                    s.violate("tbtc.one_action_per_wallet", || {
                        format!("operator {me} wallet {wallet}: window {w} started while window {} runs", prev.0)
                    });
                }
                next_end
            };
            self.actions.insert(wallet, (w, digest));
            self.wake_at(ctx, next_end, T_ATTEMPT);
        }
    }

    /// Evaluates the attempt of `key` ending at block `b`, once for all members.
    fn evaluate(&mut self, ctx: &mut Ctx, key: (usize, u64, B256), b: u64) {
        let mut s = self.shared.borrow_mut();
        let Some(session) = s.sessions.get(&key) else {
            return;
        };
        if session.done.is_some() || session.next_end != b {
            return;
        }
        let (wallet, w, attempt) = (session.wallet, session.window, session.attempt);
        let deadline = session.schedule.signing_deadline;
        let joined: Vec<(u32, u32)> = session.joined.iter().map(|(o, n)| (*o, *n)).collect();
        let cut = session.truncated;
        let capacity = s.signing_capacity as f64;
        let mut ready: Vec<(u32, u32)> = Vec::new();
        for (op, seats) in &joined {
            if !ctx.is_online(ActorId(*op)) {
                continue;
            }
            let conc = *s.concurrent.get(op).unwrap_or(&1) as f64;
            let p = (capacity / conc).min(1.0);
            // A draw is always below 1: at full readiness none is needed (the draw is a pure
            // function of its key, so skipping it changes nothing else).
            if p >= 1.0 || s.readiness_draw(*op, wallet, w, attempt) < p {
                ready.push((*op, *seats));
            }
        }
        let best = ready
            .iter()
            .map(|(a, _)| {
                ready
                    .iter()
                    .filter(|(b, _)| !ctx.partitioned(ActorId(*a), ActorId(*b)))
                    .map(|(_, n)| *n)
                    .sum::<u32>()
            })
            .max()
            .unwrap_or(0);
        let threshold = s.threshold;
        let ready_ops: Vec<u32> = ready.iter().map(|(o, _)| *o).collect();
        let inactive: Vec<u32> = s.wallets[wallet]
            .seats
            .iter()
            .enumerate()
            .filter(|(_, o)| !ready_ops.contains(o))
            .map(|(i, _)| i as u32 + 1)
            .collect();
        let session = s.sessions.get_mut(&key).expect("session");
        session.inactive_seats = inactive;
        let success = !cut && best >= threshold;
        if success {
            session.signed += 1;
            session.active_members = best;
            if session.signed >= session.needed {
                session.done = Some(true);
            } else {
                session.set_next(b + SIGNATURE_GAP);
            }
        } else {
            session.attempt += 1;
            if b >= deadline {
                session.done = Some(false);
            } else {
                session.set_next(b);
            }
        }
        let Some(ok) = session.done else {
            return;
        };
        let action = session.proposal.action;
        let content = session.proposal.content.clone();
        let active = session.active_members;
        if ok && b > deadline {
            s.violate("tbtc.action_timing", || {
                format!("wallet {wallet}: signed after its deadline")
            });
        }
        match (action, ok) {
            (Action::Heartbeat, true) if active >= s.heartbeat_active_members => {
                s.count("heartbeats_successful", 1)
            }
            (Action::Heartbeat, _) => s.count("heartbeats_failed", 1),
            (Action::Redemption, true) => {
                s.count("redemptions_signed", 1);
                let pkh = s.wallets[wallet].pkh;
                if let Some((_, scripts)) = message::parse_redemption(&content) {
                    for sc in scripts {
                        let k = redemption_key(&pkh, &sc);
                        if let Some(r) = s.pending.get_mut(&k) {
                            r.signed_block = Some(b);
                            let lat = b - r.requested_block;
                            let prop = r.proposed_block.map(|p| p - r.requested_block);
                            s.redemption_latencies.push(lat);
                            if let Some(p) = prop {
                                s.redemption_proposal_latencies.push(p);
                            }
                        }
                    }
                }
            }
            (Action::Redemption, false) => s.count("redemptions_failed", 1),
            (Action::DepositSweep, true) => {
                s.count("deposit_sweeps_signed", 1);
                if let Some((_, deposits)) = message::parse_deposit_sweep(&content) {
                    for d in deposits {
                        let k = message::deposit_key(&d.funding_tx, d.output_index);
                        if let Some(r) = s.deposits.get_mut(&k) {
                            r.signed_block = Some(b);
                            let lat = b - r.revealed_block;
                            s.deposit_sweep_latencies.push(lat);
                        }
                    }
                }
            }
            (Action::DepositSweep, false) => s.count("deposit_sweeps_failed", 1),
            (Action::MovingFunds, true) => {
                s.count("moving_funds_signed", 1);
                let mut early = false;
                if let Some(o) = s.moving.get_mut(&wallet) {
                    o.signed_block = Some(b);
                    early = b < o.begun_block + MOVING_FUNDS_COMMITMENT_CONFIRMATIONS;
                }
                if early {
                    s.violate("tbtc.action_timing", || {
                        format!("wallet {wallet}: moving funds signed before its commitment had 32 confirmations")
                    });
                }
            }
            (Action::MovingFunds, false) => s.count("moving_funds_failed", 1),
            (Action::MovedFundsSweep, true) => {
                s.count("moved_funds_sweeps_signed", 1);
                if let Some((_, tx, index)) = message::parse_moved_funds_sweep(&content) {
                    let k = message::moved_funds_sweep_key(&tx, index);
                    if let Some(r) = s.moved_funds.get_mut(&k) {
                        r.signed_block = Some(b);
                        let lat = b - r.requested_block;
                        s.moved_funds_sweep_latencies.push(lat);
                    }
                }
            }
            (Action::MovedFundsSweep, false) => s.count("moved_funds_sweeps_failed", 1),
            _ => {}
        }
        if s.equivocations.contains(&(wallet, w)) {
            if ok {
                s.count("equivocations_undetected", 1);
            } else {
                s.count("equivocations_detected_by_signing_failure", 1);
            }
        }
        drop(s);
        // The evaluating member submits the redemption proof (SPV proof elided).
        if ok && action == Action::Redemption {
            if let Some((_, scripts)) = message::parse_redemption(&content) {
                let (chain, bridge, pkh) = self.bridge_of(wallet);
                let keys: Vec<B256> = scripts.iter().map(|sc| redemption_key(&pkh, sc)).collect();
                let tx = ctx.send_tx(
                    chain,
                    bridge,
                    &Bridge::submitRedemptionProofCall {
                        walletPubKeyHash: FixedBytes(pkh),
                        redeemerOutputScripts: scripts.into_iter().map(Bytes::from).collect(),
                        txHash: key.2,
                    },
                );
                self.proof_txs.insert(tx, keys);
            }
        }
        // Likewise the deposit sweep proof; it makes the sweep's output the main UTXO.
        if ok && action == Action::DepositSweep {
            if let Some((_, deposits)) = message::parse_deposit_sweep(&content) {
                let (chain, bridge, pkh) = self.bridge_of(wallet);
                let keys: Vec<B256> = deposits
                    .iter()
                    .map(|d| message::deposit_key(&d.funding_tx, d.output_index))
                    .collect();
                let tx = ctx.send_tx(
                    chain,
                    bridge,
                    &Bridge::submitDepositSweepProofCall {
                        walletPubKeyHash: FixedBytes(pkh),
                        keys: keys.iter().map(|k| U256::from_be_bytes(k.0)).collect(),
                        txHash: key.2,
                    },
                );
                self.sweep_txs.insert(tx, (wallet, keys));
            }
        }
        // The moving-funds proof: the bridge creates a moved-funds sweep request per target
        // (output `i` pays target `i`) and the source wallet is closing.
        if ok && action == Action::MovingFunds {
            if let Some(c) = message::parse_moving_funds(&content) {
                let (chain, bridge, pkh) = self.bridge_of(wallet);
                let tx = ctx.send_tx(
                    chain,
                    bridge,
                    &Bridge::submitMovingFundsProofCall {
                        walletPubKeyHash: FixedBytes(pkh),
                        targetWallets: c.targets.iter().map(|t| FixedBytes(*t)).collect(),
                        movingFundsTxHash: key.2,
                    },
                );
                self.moving_txs.insert(tx, (wallet, key.2));
            }
        }
        if ok && action == Action::MovedFundsSweep {
            if let Some((_, moving_tx, index)) = message::parse_moved_funds_sweep(&content) {
                let (chain, bridge, pkh) = self.bridge_of(wallet);
                let tx = ctx.send_tx(
                    chain,
                    bridge,
                    &Bridge::submitMovedFundsSweepProofCall {
                        walletPubKeyHash: FixedBytes(pkh),
                        movingFundsTxHash: moving_tx,
                        movingFundsTxOutputIndex: index,
                        sweepTxHash: key.2,
                    },
                );
                self.moved_sweep_txs
                    .insert(tx, message::moved_funds_sweep_key(&moving_tx, index));
            }
        }
    }

    fn on_attempt(&mut self, ctx: &mut Ctx, b: u64) {
        let mine: Vec<(usize, u64, B256)> = self
            .actions
            .iter()
            .map(|(wallet, (w, d))| (*wallet, *w, *d))
            .collect();
        for key in mine {
            self.evaluate(ctx, key, b);
            let (done, next_end, action, active) = {
                let s = self.shared.borrow();
                let Some(sn) = s.sessions.get(&key) else {
                    // Forgotten long ago (this node was away): release the lock.
                    drop(s);
                    self.actions.remove(&key.0);
                    let mut s = self.shared.borrow_mut();
                    s.running.remove(&(self.me, key.0));
                    if let Some(c) = s.concurrent.get_mut(&self.me) {
                        *c = c.saturating_sub(1);
                    }
                    continue;
                };
                (sn.done, sn.next_end, sn.proposal.action, sn.active_members)
            };
            match done {
                None => {
                    if next_end == b {
                        // Not evaluated yet (an earlier attempt of another session).
                        continue;
                    }
                    if next_end > b {
                        self.wake_at(ctx, next_end, T_ATTEMPT);
                    }
                }
                Some(ok) => self.finish(ctx, key, ok, action, active, b),
            }
        }
    }

    fn finish(
        &mut self,
        ctx: &mut Ctx,
        key: (usize, u64, B256),
        ok: bool,
        action: Action,
        active: u32,
        b: u64,
    ) {
        let (wallet, w, _) = key;
        if self.actions.get(&wallet) != Some(&(w, key.2)) {
            return;
        }
        self.actions.remove(&wallet);
        let (claim_start, limit, threshold_active, rules) = {
            let mut s = self.shared.borrow_mut();
            if let Some(c) = s.concurrent.get_mut(&self.me) {
                *c = c.saturating_sub(1);
            }
            s.running.remove(&(self.me, wallet));
            (
                b,
                s.inactivity_failures,
                s.heartbeat_active_members,
                s.heartbeat_rules,
            )
        };
        if action != Action::Heartbeat {
            return;
        }
        let counter = self.failures.entry(wallet).or_insert(0);
        if ok && active >= threshold_active {
            *counter = 0;
            return;
        }
        *counter += 1;
        if *counter < limit || rules == super::config::HeartbeatRules::Historical {
            return;
        }
        // Start (or join) the inactivity claim of this heartbeat.
        let next_end = {
            let mut s = self.shared.borrow_mut();
            let expiry = s.schedule(w, Action::Heartbeat).expiry;
            let seats = s.wallets[wallet].seat_count(self.me);
            let inactive = s
                .sessions
                .get(&key)
                .map(|x| x.inactive_seats.clone())
                .unwrap_or_default();
            let me = self.me;
            let claim = s.claims.entry((wallet, w)).or_insert_with(|| Claim {
                inactive_seats: inactive,
                next_end: claim_start + ATTEMPT_BLOCKS,
                deadline: expiry - 25,
                ..Claim::default()
            });
            claim.claimants.insert(me, seats);
            claim.next_end
        };
        self.claims.insert(wallet, w);
        self.wake_at(ctx, next_end, T_CLAIM);
    }

    fn on_claim(&mut self, ctx: &mut Ctx, b: u64) {
        let mine: Vec<(usize, u64)> = self.claims.iter().map(|(a, b)| (*a, *b)).collect();
        for (wallet, w) in mine {
            let mut s = self.shared.borrow_mut();
            let threshold = s.threshold;
            let Some(claim) = s.claims.get(&(wallet, w)) else {
                continue;
            };
            if claim.done.is_none() && claim.next_end == b {
                let online: Vec<(u32, u32)> = claim
                    .claimants
                    .iter()
                    .filter(|(o, _)| ctx.is_online(ActorId(**o)))
                    .map(|(o, n)| (*o, *n))
                    .collect();
                let best = online
                    .iter()
                    .map(|(a, _)| {
                        online
                            .iter()
                            .filter(|(c, _)| !ctx.partitioned(ActorId(*a), ActorId(*c)))
                            .map(|(_, n)| *n)
                            .sum::<u32>()
                    })
                    .max()
                    .unwrap_or(0);
                let claim = s.claims.get_mut(&(wallet, w)).expect("claim");
                if best >= threshold && !claim.inactive_seats.is_empty() {
                    claim.done = Some(true);
                } else if b + ATTEMPT_BLOCKS > claim.deadline {
                    claim.done = Some(false);
                } else {
                    claim.next_end = b + ATTEMPT_BLOCKS;
                }
            }
            let claim = s.claims.get(&(wallet, w)).expect("claim").clone();
            match claim.done {
                None => {
                    drop(s);
                    if claim.next_end > b {
                        self.wake_at(ctx, claim.next_end, T_CLAIM);
                    }
                }
                Some(false) => {
                    s.count("inactivity_claims_failed", 1);
                    drop(s);
                    self.claims.remove(&wallet);
                }
                Some(true) => {
                    let submit = !claim.submitted;
                    if submit {
                        s.claims.get_mut(&(wallet, w)).expect("claim").submitted = true;
                        s.count("inactivity_claims", 1);
                    }
                    let (chain, registry, pkh) = (s.chain, s.registry, s.wallets[wallet].pkh);
                    let seat = s.wallets[wallet].seats_of(self.me).next().unwrap_or(0);
                    drop(s);
                    self.claims.remove(&wallet);
                    if submit {
                        let tx = ctx.send_tx(
                            chain,
                            registry,
                            &WalletRegistry::notifyOperatorInactivityCall {
                                walletPubKeyHash: FixedBytes(pkh),
                                claimerSeat: seat,
                                inactiveMembersIndices: claim.inactive_seats.clone(),
                            },
                        );
                        self.claim_txs.insert(tx, wallet);
                        ctx.note(format!("inactivity claim for wallet {wallet} (window {w})"));
                    }
                }
            }
        }
    }
}

impl Actor for Node {
    fn start(&mut self, ctx: &mut Ctx) {
        let head = ctx.block_number(self.shared.borrow().chain);
        self.schedule_next_window(ctx, head);
    }

    /// After a crash the node has lost its busy locks, routines and counters. The group's
    /// bookkeeping forgets its lost actions too: they hold no lock (`running`), add no signing
    /// load (`concurrent`), and the node no longer counts as a member of the signing sessions
    /// and inactivity claims it had joined.
    fn restart(&mut self, ctx: &mut Ctx) {
        {
            let mut s = self.shared.borrow_mut();
            let me = self.me;
            s.running.retain(|(op, _), _| *op != me);
            s.concurrent.remove(&me);
            for session in s.sessions.values_mut() {
                if session.done.is_none() {
                    session.joined.remove(&me);
                }
            }
            for claim in s.claims.values_mut() {
                if claim.done.is_none() {
                    claim.claimants.remove(&me);
                }
            }
        }
        self.start(ctx);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: t } => {
                let (kind, extra, b) = untag(*t);
                match kind {
                    T_WINDOW => self.on_window(ctx, b),
                    T_RETRY => self.on_retry(ctx, b - 5),
                    T_RESEND => {
                        let k = extra;
                        let w = b - 5 * ((1 << k) - 1);
                        self.on_resend(ctx, w, k)
                    }
                    T_DEADLINE => self.on_deadline(ctx, b - window::ACTIVE_PHASE),
                    T_START => self.on_start(ctx, b - window::DURATION),
                    T_ATTEMPT | T_CLAIM => {
                        self.wakeups.remove(&(kind, b));
                        if kind == T_ATTEMPT {
                            self.on_attempt(ctx, b)
                        } else {
                            self.on_claim(ctx, b)
                        }
                    }
                    _ => {}
                }
            }
            Event::Message { from, topic, body } if *topic == TOPIC => {
                self.on_message(ctx, *from, body)
            }
            Event::Receipt { receipt, block, .. } => {
                let ok = receipt.status.is_success();
                if let Some(wallet) = self.claim_txs.remove(&receipt.tx) {
                    let mut s = self.shared.borrow_mut();
                    if ok {
                        if let Some(onset) = s.degraded_since[wallet] {
                            if !s.claimed_since_onset[wallet] {
                                s.claimed_since_onset[wallet] = true;
                                s.claim_latencies.push(block.number - onset);
                            }
                        }
                        s.count("inactivity_claims_on_chain", 1);
                    }
                }
                if let Some((wallet, keys)) = self.sweep_txs.remove(&receipt.tx) {
                    if ok {
                        let mut s = self.shared.borrow_mut();
                        s.main_utxo[wallet] = true;
                        s.count("deposits_swept", keys.len() as i128);
                        for k in keys {
                            s.deposits.remove(&k);
                        }
                    }
                }
                if let Some((wallet, moving_tx)) = self.moving_txs.remove(&receipt.tx) {
                    if ok {
                        let mut s = self.shared.borrow_mut();
                        s.count("moving_funds_completed", 1);
                        let targets = s
                            .moving
                            .get(&wallet)
                            .map(|o| o.targets.clone())
                            .unwrap_or_default();
                        for (i, target) in targets.into_iter().enumerate() {
                            let k = message::moved_funds_sweep_key(&moving_tx, i as u32);
                            s.count("moved_funds_sweep_requests", 1);
                            s.moved_funds.insert(
                                k,
                                super::state::PendingMovedFunds {
                                    wallet: target,
                                    tx_hash: moving_tx,
                                    output_index: i as u32,
                                    requested_block: block.number,
                                    proposed_block: None,
                                    signed_block: None,
                                },
                            );
                        }
                    }
                }
                if let Some(k) = self.moved_sweep_txs.remove(&receipt.tx) {
                    if ok {
                        let mut s = self.shared.borrow_mut();
                        s.count("moved_funds_swept", 1);
                        s.moved_funds.remove(&k);
                    }
                }
                if let Some(keys) = self.proof_txs.remove(&receipt.tx) {
                    if ok {
                        let mut s = self.shared.borrow_mut();
                        for k in keys {
                            s.pending.remove(&k);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

//! Monitoring services: the honest service following the decision table of specs §7, the lazy
//! or offline service (its knobs), and the address-grinding operator (A4) whose registrations
//! leave each channel to the one with the earliest slot.

use super::actors::{domain_of, shared_of, submit, MONITOR_REQUEST_TOPIC};
use super::config::MonitorParams;
use super::messages::{Domain, MonitorRequestMsg};
use super::observe::Shared;
use super::{slot, MonitoringService, ServiceRegistry, TokenNetwork, UserDeposit};
use crate::chain::ViewError;
use crate::engine::actor::{Actor, Ctx, Event, TxOpts};
use crate::engine::time::{Dur, SimTime};
use crate::protocols::{ActorParams, Spawn};
use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};
use std::collections::BTreeMap;

const GWEI: u128 = 1_000_000_000;

/// Monitor requests for channels the service does not know are kept this long (specs §7, §11).
pub const PURGE_UNKNOWN_AFTER: Dur = Dur::mins(15);

impl ActorParams for MonitorParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let shared = shared_of(env);
        let domain = domain_of(&shared);
        Box::new(Service {
            p: self.clone(),
            s: shared,
            domain,
            requests: BTreeMap::new(),
            unknown_since: BTreeMap::new(),
            channels: BTreeMap::new(),
            actions: BTreeMap::new(),
            next_tag: 1,
            paused_until: SimTime::ZERO,
        })
    }
}

/// A chain event the service has seen but not yet confirmed.
#[derive(Clone, Debug)]
enum Seen {
    Closed {
        id: u64,
        closer: Address,
        block: u64,
    },
    Updated {
        id: u64,
        nonce: U256,
    },
    Monitored {
        id: u64,
        nonce: U256,
        ms: Address,
    },
    Settled {
        id: u64,
    },
}

#[derive(Clone, Debug)]
enum Action {
    Confirmed(Seen),
    Monitor {
        id: u64,
        non_closer: Address,
    },
    Claim {
        id: u64,
    },
    ReplayClose,
    /// Forget the request for (channel, non-closer) if its channel is still unknown.
    Purge {
        id: u64,
        non_closer: Address,
    },
}

/// Who made the last update of a channel, as the service saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Updater {
    NonCloser,
    Service(Address),
}

#[derive(Clone, Debug, Default)]
struct Watched {
    close_block: Option<u64>,
    deadline: u64,
    last_update: Option<(Updater, U256)>,
    monitor_sent: bool,
    claim_sent: bool,
    settled: bool,
}

/// A monitoring service.
pub struct Service {
    p: MonitorParams,
    s: Shared,
    domain: Domain,
    /// Newest monitor request per (channel, non-closing participant).
    requests: BTreeMap<(u64, Address), MonitorRequestMsg>,
    /// Stored requests whose channel was unknown on arrival, with the arrival time.
    unknown_since: BTreeMap<(u64, Address), SimTime>,
    channels: BTreeMap<u64, Watched>,
    actions: BTreeMap<u64, Action>,
    next_tag: u64,
    paused_until: SimTime,
}

enum Simulated {
    Ok,
    Reverted(String),
}

impl Service {
    fn schedule(&mut self, ctx: &mut Ctx, at: SimTime, a: Action) {
        let tag = self.next_tag;
        self.next_tag += 1;
        self.actions.insert(tag, a);
        ctx.set_timer_at(at, tag);
    }

    fn skip(&mut self, ctx: &mut Ctx, why: &str) {
        let me = ctx.address();
        if let Some(st) = self.s.borrow_mut().services.get_mut(&me) {
            *st.skipped.entry(why.to_string()).or_default() += 1;
        }
    }

    fn chain(&self) -> (crate::chain::ChainIdx, Address, Address) {
        let s = self.s.borrow();
        (s.chain, s.tn, s.msc)
    }

    fn confirmed_head(&self, ctx: &Ctx) -> u64 {
        let chain = self.s.borrow().chain;
        ctx.block_number(chain).saturating_sub(self.p.confirmations)
    }

    fn simulate(&self, ctx: &mut Ctx, data: Vec<u8>) -> Simulated {
        let (chain, _, msc) = self.chain();
        match ctx.view_raw(chain, msc, data.into()) {
            Ok(_) => Simulated::Ok,
            Err(ViewError::Revert(d)) => Simulated::Reverted(ctx.core.abis.revert_reason(&d)),
            Err(e) => Simulated::Reverted(e.to_string()),
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx, body: &[u8]) {
        let me = ctx.address();
        let drop = |this: &mut Self, ctx: &mut Ctx, why: &str| {
            if let Some(st) = this.s.borrow_mut().services.get_mut(&me) {
                st.requests_dropped += 1;
                *st.drops.entry(why.to_string()).or_default() += 1;
            }
            this.skip(ctx, why);
        };
        let Ok(mr) = MonitorRequestMsg::abi_decode(body) else {
            return drop(self, ctx, "undecodable_request");
        };
        let Some((bp_signer, nc_signer, reward_signer)) = self.domain.monitor_request_signers(&mr)
        else {
            return drop(self, ctx, "bad_signature");
        };
        if nc_signer != mr.non_closing_participant || reward_signer != nc_signer {
            return drop(self, ctx, "wrong_signer");
        }
        let id = mr.balance_proof.channel_identifier.to::<u64>();
        let confirmed = self.confirmed_head(ctx);
        if let Some(b) = self.channels.get(&id).and_then(|w| w.close_block) {
            if confirmed.saturating_sub(b) >= self.p.close_margin {
                return drop(self, ctx, "late_request");
            }
        }
        let key = (id, mr.non_closing_participant);
        if self
            .requests
            .get(&key)
            .is_some_and(|old| old.balance_proof.nonce >= mr.balance_proof.nonce)
        {
            return drop(self, ctx, "not_newer");
        }
        ctx.note(format!(
            "{} channel {id} non_closer {} nonce {} reward {}",
            super::query::STORED_NOTE,
            mr.non_closing_participant,
            mr.balance_proof.nonce,
            mr.reward_amount
        ));
        self.requests.insert(key, mr);
        self.persist(me);
        if let Some(st) = self.s.borrow_mut().services.get_mut(&me) {
            st.requests_stored += 1;
        }
        if self.channel_known(ctx, id, bp_signer, nc_signer) {
            self.unknown_since.remove(&key);
        } else if let std::collections::btree_map::Entry::Vacant(e) = self.unknown_since.entry(key)
        {
            e.insert(ctx.now());
            let at = ctx.now().plus(PURGE_UNKNOWN_AFTER);
            self.schedule(
                ctx,
                at,
                Action::Purge {
                    id,
                    non_closer: key.1,
                },
            );
        }
    }

    /// Writes the stored requests to the service's database.
    fn persist(&self, me: Address) {
        self.s
            .borrow_mut()
            .service_requests
            .insert(me, self.requests.clone());
    }

    /// After a restart: for the channels it holds requests for, rebuild from the chain what
    /// the lost events said (closed, last update, a reward record of its own) and schedule
    /// the monitor or claim actions again.
    fn catch_up(&mut self, ctx: &mut Ctx) {
        let (chain, tn, msc) = self.chain();
        let me = ctx.address();
        let ids: Vec<u64> = self.requests.keys().map(|(id, _)| *id).collect();
        let mut done = Vec::new();
        for id in ids {
            if done.contains(&id) {
                continue;
            }
            done.push(id);
            let Some((a, b)) = self
                .s
                .borrow()
                .channels
                .get(&id)
                .map(|c| (c.a.address, c.b.address))
            else {
                continue;
            };
            let state = super::observe::channel_state(ctx, chain, tn, id, a, b);
            let rid = super::observe::reward_identifier(id, tn);
            let record = ctx
                .view(chain, msc, &MonitoringService::rewardsCall(rid))
                .ok()
                .filter(|r| r.monitoring_service_address != Address::ZERO);
            if state == 2 {
                let mut closer = None;
                let mut slot_nonce = U256::ZERO;
                for (p, q) in [(a, b), (b, a)] {
                    if let Some(info) = super::observe::participant_info(ctx, chain, tn, id, p, q) {
                        if info.is_the_closer {
                            closer = Some(p);
                            slot_nonce = info.nonce;
                        }
                    }
                }
                let Some(closer) = closer else { continue };
                let block = self.confirmed_head(ctx);
                self.on_confirmed(ctx, Seen::Closed { id, closer, block });
                if !slot_nonce.is_zero() {
                    let by = match &record {
                        Some(r) if r.nonce == slot_nonce => {
                            Updater::Service(r.monitoring_service_address)
                        }
                        _ => Updater::NonCloser,
                    };
                    if by == Updater::Service(me) {
                        self.on_confirmed(
                            ctx,
                            Seen::Monitored {
                                id,
                                nonce: slot_nonce,
                                ms: me,
                            },
                        );
                    } else {
                        self.channels.entry(id).or_default().last_update = Some((by, slot_nonce));
                    }
                }
            } else if state != 1
                && record
                    .as_ref()
                    .is_some_and(|r| r.monitoring_service_address == me)
            {
                // Settled with a record of its own still unpaid: claim it.
                let nonce = record.map(|r| r.nonce).unwrap_or_default();
                let w = self.channels.entry(id).or_default();
                w.last_update = Some((Updater::Service(me), nonce));
                w.settled = true;
                let at = ctx.now();
                self.schedule(ctx, at, Action::Claim { id });
            }
        }
    }

    /// Whether the channel a request names exists: a close of it was seen, or the token
    /// network has it as the live channel of the request's two signers.
    fn channel_known(&self, ctx: &mut Ctx, id: u64, p1: Address, p2: Address) -> bool {
        if self.channels.contains_key(&id) {
            return true;
        }
        if p1 == p2 {
            return false;
        }
        let (chain, tn, _) = self.chain();
        ctx.view(
            chain,
            tn,
            &TokenNetwork::getChannelIdentifierCall {
                participant: p1,
                partner: p2,
            },
        )
        .is_ok_and(|live| live == U256::from(id))
    }

    /// Drops a request whose channel is still unknown 15 minutes after it arrived.
    fn purge(&mut self, ctx: &mut Ctx, id: u64, non_closer: Address) {
        let key = (id, non_closer);
        if !self.unknown_since.contains_key(&key) {
            return;
        }
        self.unknown_since.remove(&key);
        let Some(mr) = self.requests.get(&key) else {
            return;
        };
        let signers = self.domain.monitor_request_signers(mr);
        let known = signers.is_some_and(|(p1, p2, _)| self.channel_known(ctx, id, p1, p2));
        if known {
            return;
        }
        self.requests.remove(&key);
        let me = ctx.address();
        self.persist(me);
        if let Some(st) = self.s.borrow_mut().services.get_mut(&me) {
            st.requests_purged += 1;
        }
        ctx.note(format!(
            "{} channel {id} non_closer {non_closer}",
            super::query::PURGED_NOTE
        ));
    }

    fn on_log(
        &mut self,
        ctx: &mut Ctx,
        block: &crate::chain::BlockHeader,
        log: &crate::chain::Log,
    ) {
        let Some(topic0) = log.topics.first().copied() else {
            return;
        };
        let topics = log.topics.iter().copied();
        let seen = if topic0 == TokenNetwork::ChannelClosed::SIGNATURE_HASH {
            TokenNetwork::ChannelClosed::decode_raw_log(topics, &log.data)
                .ok()
                .map(|e| Seen::Closed {
                    id: e.channel_identifier.to::<u64>(),
                    closer: e.closing_participant,
                    block: block.number,
                })
        } else if topic0 == TokenNetwork::NonClosingBalanceProofUpdated::SIGNATURE_HASH {
            TokenNetwork::NonClosingBalanceProofUpdated::decode_raw_log(topics, &log.data)
                .ok()
                .map(|e| Seen::Updated {
                    id: e.channel_identifier.to::<u64>(),
                    nonce: e.nonce,
                })
        } else if topic0 == TokenNetwork::ChannelSettled::SIGNATURE_HASH {
            TokenNetwork::ChannelSettled::decode_raw_log(topics, &log.data)
                .ok()
                .map(|e| Seen::Settled {
                    id: e.channel_identifier.to::<u64>(),
                })
        } else if topic0 == MonitoringService::NewBalanceProofReceived::SIGNATURE_HASH {
            MonitoringService::NewBalanceProofReceived::decode_raw_log(topics, &log.data)
                .ok()
                .map(|e| Seen::Monitored {
                    id: e.channel_identifier.to::<u64>(),
                    nonce: e.nonce,
                    ms: e.ms_address,
                })
        } else {
            None
        };
        let Some(seen) = seen else { return };
        // Events become visible `confirmations` blocks later.
        let bt = self.s.borrow().block_time_ms;
        let at = block
            .time
            .plus(crate::engine::time::Dur::ms(self.p.confirmations * bt));
        self.schedule(ctx, at, Action::Confirmed(seen));
    }

    fn on_confirmed(&mut self, ctx: &mut Ctx, seen: Seen) {
        match seen {
            Seen::Closed { id, closer, block } => {
                let (chain, tn, _) = self.chain();
                let deadline = ctx
                    .view(
                        chain,
                        tn,
                        &TokenNetwork::settleDeadlineCall {
                            channel_identifier: U256::from(id),
                        },
                    )
                    .map(|d| d.to::<u64>())
                    .unwrap_or(0);
                let w = self.channels.entry(id).or_default();
                w.close_block = Some(block);
                w.deadline = deadline;
                let (now_clock, slot_timeout, blocks) = {
                    let s = self.s.borrow();
                    let h = ctx.head(chain);
                    (
                        if s.blocks_mode { h.number } else { h.timestamp },
                        s.slot_timeout,
                        s.blocks_mode,
                    )
                };
                if deadline == 0 || deadline < now_clock {
                    return self.skip(ctx, "period_over");
                }
                let Some(non_closer) = self
                    .s
                    .borrow()
                    .channels
                    .get(&id)
                    .and_then(|c| c.partner_of(closer))
                    .map(|p| p.address)
                else {
                    return;
                };
                let first = self.first_allowed(ctx, id, ctx.address(), deadline, slot_timeout);
                let Some(first) = first else { return };
                if let Some(op) = &self.p.operator {
                    // A grinding operator acts through the registration with the earliest slot.
                    let mine = ctx.address();
                    let members: Vec<Address> = ctx
                        .actors_of_kind("raiden.grinding_service")
                        .map(|a| ctx.actor_address(a))
                        .collect::<Vec<_>>();
                    let same_op: Vec<Address> = members
                        .into_iter()
                        .filter(|a| self.operator_of(*a).as_deref() == Some(op.as_str()))
                        .collect();
                    let best = same_op
                        .iter()
                        .filter_map(|a| {
                            self.first_allowed(ctx, id, *a, deadline, slot_timeout)
                                .map(|f| (f, *a))
                        })
                        .min();
                    if best.is_some_and(|(_, a)| a != mine) {
                        return self.skip(ctx, "sibling_has_earlier_slot");
                    }
                }
                let at = if self.p.eager {
                    ctx.now().ms()
                } else {
                    self.s.borrow().sim_ms_at(first)
                };
                let _ = blocks;
                let at = SimTime(at).plus(self.p.latency).max(ctx.now());
                self.schedule(ctx, at, Action::Monitor { id, non_closer });
            }
            Seen::Updated { id, nonce } => {
                self.channels.entry(id).or_default().last_update =
                    Some((Updater::NonCloser, nonce));
            }
            Seen::Monitored { id, nonce, ms } => {
                let deadline = {
                    let w = self.channels.entry(id).or_default();
                    w.last_update = Some((Updater::Service(ms), nonce));
                    w.deadline
                };
                if ms == ctx.address() {
                    let at = self.s.borrow().sim_ms_after(deadline);
                    let at = SimTime(at).plus(self.p.latency).max(ctx.now());
                    self.schedule(ctx, at, Action::Claim { id });
                }
            }
            Seen::Settled { id } => {
                self.channels.entry(id).or_default().settled = true;
            }
        }
    }

    fn operator_of(&self, a: Address) -> Option<String> {
        // Members of a grinding operator share its `operator` name; the scenario declares them
        // as one actor entry with a count, so their names share the entry's prefix.
        let s = self.s.borrow();
        let e = s.actors.get(&a)?;
        if e.kind != "raiden.grinding_service" {
            return None;
        }
        let _ = e;
        self.p.operator.clone()
    }

    fn first_allowed(
        &self,
        _ctx: &Ctx,
        id: u64,
        ms: Address,
        deadline: u64,
        slot_timeout: u64,
    ) -> Option<u64> {
        let s = self.s.borrow();
        let ch = s.channels.get(&id)?;
        slot::first_allowed(
            U256::from(deadline.saturating_sub(slot_timeout)),
            U256::from(slot_timeout),
            ch.a.address,
            ch.b.address,
            ms,
        )
        .map(|v| v.to::<u64>())
    }

    fn monitor(&mut self, ctx: &mut Ctx, id: u64, non_closer: Address) {
        if ctx.now() < self.paused_until {
            let at = self.paused_until;
            return self.schedule(ctx, at, Action::Monitor { id, non_closer });
        }
        let Some(mr) = self.requests.get(&(id, non_closer)).cloned() else {
            return self.skip(ctx, "no_request");
        };
        let Some(w) = self.channels.get(&id).cloned() else {
            return self.skip(ctx, "unknown_channel");
        };
        if w.settled {
            return self.skip(ctx, "settled");
        }
        let participants = {
            let s = self.s.borrow();
            s.channels.get(&id).map(|c| (c.a.address, c.b.address))
        };
        let Some((pa, pb)) = participants else {
            return self.skip(ctx, "unknown_channel");
        };
        let Some((bp_signer, nc_signer, _)) = self.domain.monitor_request_signers(&mr) else {
            return self.skip(ctx, "bad_signature");
        };
        let is_participant = |a: Address| a == pa || a == pb;
        if !is_participant(bp_signer) || !is_participant(nc_signer) || bp_signer == nc_signer {
            return self.skip(ctx, "not_participants");
        }
        if w.last_update
            .is_some_and(|(_, n)| mr.balance_proof.nonce <= n)
        {
            return self.skip(ctx, "already_submitted");
        }
        if mr.reward_amount < self.p.min_reward.0 {
            return self.skip(ctx, "reward_too_small");
        }
        if w.monitor_sent {
            return self.skip(ctx, "already_sent");
        }
        if self.p.act_probability.0 < 1.0 && !ctx.rng().chance(self.p.act_probability.0) {
            return self.skip(ctx, "lazy");
        }
        let (chain, tn, msc) = self.chain();
        if self.p.mempool_watch {
            let me = ctx.address();
            let pending = ctx.pending_txs(chain).into_iter().any(|p| {
                p.req.from != me
                    && p.req.to == Some(msc)
                    && MonitoringService::monitorCall::abi_decode(&p.req.data)
                        .is_ok_and(|c| c.non_closing_participant == non_closer)
            });
            if pending {
                self.skip(ctx, "pending_monitor");
                let bt = self.s.borrow().block_time_ms;
                let at = ctx.now().plus(crate::engine::time::Dur::ms(bt));
                return self.schedule(ctx, at, Action::Monitor { id, non_closer });
            }
        }
        let udc = self.s.borrow().udc;
        let latest = ctx
            .view(
                chain,
                udc,
                &UserDeposit::effectiveBalanceCall { owner_: non_closer },
            )
            .unwrap_or_default();
        // Pessimistic: the smaller of the latest and the confirmed block's effective balance.
        let confirmed = self
            .s
            .borrow()
            .effective_udc_at(non_closer, self.confirmed_head(ctx));
        let effective = latest.min(confirmed);
        // 1.1 × reward, in integers.
        if effective * U256::from(10u64) < mr.reward_amount * U256::from(11u64) {
            self.skip(ctx, "deposit_too_low");
            let bt = self.s.borrow().block_time_ms;
            let at = ctx.now().plus(crate::engine::time::Dur::ms(bt));
            return self.schedule(ctx, at, Action::Monitor { id, non_closer });
        }
        let mut mr = mr;
        if let Some(forged) = self.p.forge_reward {
            // Claim more than was promised, under a reward proof of its own.
            let digest =
                self.domain
                    .reward_proof_digest(non_closer, &mr.non_closing_signature, forged.0);
            mr.reward_amount = forged.0;
            mr.reward_proof_signature = ctx.key().sign_hash(digest).to_bytes();
        }
        let bp = &mr.balance_proof;
        let call = MonitoringService::monitorCall {
            closing_participant: bp_signer,
            non_closing_participant: non_closer,
            balance_hash: bp.balance_hash(),
            nonce: bp.nonce,
            additional_hash: bp.additional_hash,
            closing_signature: bp.signature.clone(),
            non_closing_signature: mr.non_closing_signature.clone(),
            reward_amount: mr.reward_amount,
            token_network_address: tn,
            reward_proof_signature: mr.reward_proof_signature.clone(),
        };
        let data = call.abi_encode();
        match self.simulate(ctx, data.clone()) {
            Simulated::Ok => {}
            Simulated::Reverted(r) if r == "not allowed to monitor" => {
                self.paused_until = ctx.now().plus(self.p.retry_too_early);
                let at = self.paused_until;
                return self.schedule(ctx, at, Action::Monitor { id, non_closer });
            }
            Simulated::Reverted(r) => {
                ctx.note(format!("monitor of channel {id} given up: {r}"));
                return self.skip(ctx, "simulation_reverted");
            }
        }
        self.channels.entry(id).or_default().monitor_sent = true;
        let me = ctx.address();
        if let Some(st) = self.s.borrow_mut().services.get_mut(&me) {
            st.monitors_sent += 1;
        }
        ctx.note(format!("monitoring channel {id} with nonce {}", bp.nonce));
        let opts = TxOpts {
            tip: self.p.tip_gwei as u128 * GWEI,
            ..TxOpts::default()
        };
        submit(&self.s, ctx, msc, data, opts);
    }

    fn claim(&mut self, ctx: &mut Ctx, id: u64) {
        if ctx.now() < self.paused_until {
            let at = self.paused_until;
            return self.schedule(ctx, at, Action::Claim { id });
        }
        let me = ctx.address();
        let Some(w) = self.channels.get(&id).cloned() else {
            return;
        };
        let participants = {
            let s = self.s.borrow();
            s.channels.get(&id).map(|c| (c.a.address, c.b.address))
        };
        let Some((pa, pb)) = participants else { return };
        if w.claim_sent {
            return;
        }
        if w.last_update.map(|(u, _)| u) != Some(Updater::Service(me)) {
            return self.skip(ctx, "not_last_updater");
        }
        let Some(mr) = self
            .requests
            .iter()
            .find(|((cid, _), _)| *cid == id)
            .map(|(_, m)| m.clone())
        else {
            return self.skip(ctx, "no_request");
        };
        if mr.reward_amount.is_zero() {
            return self.skip(ctx, "zero_reward");
        }
        let (_, tn, msc) = self.chain();
        let (closing, non_closing) = if mr.non_closing_participant == pa {
            (pb, pa)
        } else {
            (pa, pb)
        };
        let data = MonitoringService::claimRewardCall {
            channel_identifier: U256::from(id),
            token_network_address: tn,
            closing_participant: closing,
            non_closing_participant: non_closing,
        }
        .abi_encode();
        match self.simulate(ctx, data.clone()) {
            Simulated::Ok => {}
            Simulated::Reverted(r) if r == "channel not settled yet" => {
                self.paused_until = ctx.now().plus(self.p.retry_too_early);
                let at = self.paused_until;
                return self.schedule(ctx, at, Action::Claim { id });
            }
            Simulated::Reverted(r) => {
                ctx.note(format!("claim for channel {id} given up: {r}"));
                return self.skip(ctx, "claim_reverted");
            }
        }
        self.channels.entry(id).or_default().claim_sent = true;
        let sends = if self.p.claim_twice { 2 } else { 1 };
        for _ in 0..sends {
            let opts = TxOpts {
                tip: self.p.tip_gwei as u128 * GWEI,
                ..TxOpts::default()
            };
            submit(&self.s, ctx, msc, data.clone(), opts);
        }
    }

    /// Rogue service: closes each channel it holds a request for in the requester's name, using
    /// the requester's type-2 counter-signature as if it were a closing signature.
    fn replay_close(&mut self, ctx: &mut Ctx) {
        let (_, tn, _) = self.chain();
        let requests: Vec<MonitorRequestMsg> = self.requests.values().cloned().collect();
        for mr in requests {
            let bp = &mr.balance_proof;
            let Some(signer) = self.domain.balance_proof_signer(bp) else {
                continue;
            };
            let call = TokenNetwork::closeChannelCall {
                channel_identifier: bp.channel_identifier,
                non_closing_participant: signer,
                closing_participant: mr.non_closing_participant,
                balance_hash: bp.balance_hash(),
                nonce: bp.nonce,
                additional_hash: bp.additional_hash,
                non_closing_signature: bp.signature.clone(),
                closing_participant_signature: mr.non_closing_signature.clone(),
            };
            ctx.note("trying to close a channel with a type-2 counter-signature");
            submit(&self.s, ctx, tn, call.abi_encode(), TxOpts::default());
        }
    }
}

impl Actor for Service {
    /// A restarted service reloads its stored requests, keeps a valid registration and
    /// rebuilds from the chain what happened to their channels while it was down.
    fn restart(&mut self, ctx: &mut Ctx) {
        let me = ctx.address();
        if let Some(db) = self.s.borrow().service_requests.get(&me).cloned() {
            self.requests = db;
        }
        self.start(ctx);
        self.catch_up(ctx);
    }

    fn start(&mut self, ctx: &mut Ctx) {
        let (chain, tn, msc) = self.chain();
        for topic in [
            TokenNetwork::ChannelClosed::SIGNATURE_HASH,
            TokenNetwork::NonClosingBalanceProofUpdated::SIGNATURE_HASH,
            TokenNetwork::ChannelSettled::SIGNATURE_HASH,
        ] {
            ctx.subscribe(chain, Some(tn), Some(topic));
        }
        ctx.subscribe(
            chain,
            Some(msc),
            Some(MonitoringService::NewBalanceProofReceived::SIGNATURE_HASH),
        );
        if let Some(at) = self.p.replay_close_at {
            self.schedule(ctx, SimTime(at.as_ms()), Action::ReplayClose);
        }
        if self.p.register {
            let sr = self.s.borrow().service_registry;
            // A restarted service keeps a registration that is still valid.
            let me = ctx.address();
            let valid = ctx
                .view(
                    chain,
                    sr,
                    &ServiceRegistry::hasValidRegistrationCall { service: me },
                )
                .unwrap_or(false);
            let pending = ctx
                .pending_txs(chain)
                .iter()
                .any(|p| p.req.from == me && p.req.to == Some(sr));
            if valid || pending {
                return;
            }
            let price = ctx
                .view(chain, sr, &ServiceRegistry::currentPriceCall {})
                .unwrap_or_default();
            let call = ServiceRegistry::depositCall {
                limit_amount: price,
            };
            submit(&self.s, ctx, sr, call.abi_encode(), TxOpts::default());
        }
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Message { topic, body, .. } if *topic == MONITOR_REQUEST_TOPIC => {
                self.on_request(ctx, body);
            }
            Event::Log { block, log, .. } => self.on_log(ctx, block, log),
            Event::Timer { tag } => {
                let Some(a) = self.actions.remove(tag) else {
                    return;
                };
                match a {
                    Action::Confirmed(seen) => self.on_confirmed(ctx, seen),
                    Action::Monitor { id, non_closer } => self.monitor(ctx, id, non_closer),
                    Action::Claim { id } => self.claim(ctx, id),
                    Action::ReplayClose => self.replay_close(ctx),
                    Action::Purge { id, non_closer } => self.purge(ctx, id, non_closer),
                }
            }
            _ => {}
        }
    }
}

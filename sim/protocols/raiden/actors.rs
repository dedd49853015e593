//! Participant-like actors: the honest participant (pays, keeps the partner's newest balance
//! proof, broadcasts monitor requests, updates and settles), the stale closer (A1), the settle
//! racer (A2) and the griefing clients (G1, G1b, G2, G5). Over-commitment (G3) and zero or low
//! rewards (G4) are configurations of the honest participant.

use super::config::{GriefKind, ParticipantParams, Role};
use super::messages::{
    empty_locksroot, BalanceProofMsg, Domain, MonitorRequestMsg, TYPE_BALANCE_PROOF,
    TYPE_BALANCE_PROOF_UPDATE,
};
use super::node_db::{ChannelDb, NodeDb};
use super::observe::{Held, Shared};
use super::{MonitoringService, TokenNetwork, UserDeposit, MONITOR_KINDS};
use crate::engine::actor::{Actor, ActorId, Ctx, Event, TxOpts};
use crate::engine::time::{Dur, SimTime};
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::yaml::Located;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};
use std::collections::{BTreeMap, BTreeSet};

/// Topic of a balance proof sent to the partner.
pub const BALANCE_PROOF_TOPIC: &str = "raiden.balance_proof";
/// Topic of a monitor request broadcast to the services.
pub const MONITOR_REQUEST_TOPIC: &str = "raiden.monitor_request";

const GWEI: u128 = 1_000_000_000;
/// Tip of transactions that must land at the top of their block.
const RACE_TIP: u128 = 100 * GWEI;

pub(super) fn shared_of(env: &Spawn) -> Shared {
    env.shared
        .clone()
        .downcast::<std::cell::RefCell<super::RaidenState>>()
        .expect("raiden actors run with the raiden state")
}

/// Submits a transaction and records what it calls (for gas by function and per channel).
pub(super) fn submit(s: &Shared, ctx: &mut Ctx, to: Address, data: Vec<u8>, opts: TxOpts) -> B256 {
    let chain = s.borrow().chain;
    let function = ctx
        .core
        .abis
        .call_name(chain.0, Some(to), &data)
        .into_owned();
    let hash = ctx.send_tx_with(chain, Some(to), data.clone().into(), opts);
    s.borrow_mut().note_tx(hash, function, Some(to), &data);
    hash
}

/// The `Domain` of the run's token network.
pub(super) fn domain_of(s: &Shared) -> Domain {
    let s = s.borrow();
    Domain {
        token_network: s.tn,
        chain_id: U256::from(s.chain_id),
        monitoring_service_contract: s.msc,
    }
}

impl ActorParams for ParticipantParams {
    fn actor_refs(&self) -> Vec<Located<String>> {
        self.pays.iter().cloned().collect()
    }

    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let shared = shared_of(env);
        let domain = domain_of(&shared);
        Box::new(Participant {
            p: self.clone(),
            s: shared,
            domain,
            channels: Vec::new(),
            paid: 0,
            actions: BTreeMap::new(),
            next_tag: 1,
            handled_close: BTreeSet::new(),
            escaped: false,
        })
    }
}

/// One channel as its participant sees it (kept in the node's database).
type Chan = ChannelDb;

#[derive(Clone, Copy, Debug)]
enum Action {
    Pay,
    Close(u64),
    Update(u64),
    Settle(u64),
    Withdraw,
    /// G1: watch the mempool for a service's `monitor` on this channel.
    Watch(u64),
}

/// A participant; its role and griefing strategy come from its kind and parameters.
pub struct Participant {
    p: ParticipantParams,
    s: Shared,
    domain: Domain,
    channels: Vec<Chan>,
    paid: u32,
    actions: BTreeMap<u64, Action>,
    next_tag: u64,
    handled_close: BTreeSet<u64>,
    escaped: bool,
}

impl Participant {
    /// Writes the node's state to its database (before the message that follows is sent).
    fn persist(&self, me: Address) {
        self.s.borrow_mut().nodes.insert(
            me,
            NodeDb {
                channels: self.channels.clone(),
                payments_made: self.paid,
            },
        );
    }

    fn schedule(&mut self, ctx: &mut Ctx, at: SimTime, a: Action) {
        let tag = self.next_tag;
        self.next_tag += 1;
        self.actions.insert(tag, a);
        ctx.set_timer_at(at, tag);
    }

    fn after(&mut self, ctx: &mut Ctx, d: Dur, a: Action) {
        let at = ctx.now().plus(d);
        self.schedule(ctx, at, a);
    }

    fn grief(&self) -> Option<GriefKind> {
        self.p.grief.as_ref().map(|g| g.value)
    }

    fn opts(&self) -> TxOpts {
        TxOpts {
            tip: self.p.tip_gwei as u128 * GWEI,
            ..TxOpts::default()
        }
    }

    fn chain(&self) -> (crate::chain::ChainIdx, Address) {
        let s = self.s.borrow();
        (s.chain, s.tn)
    }

    fn send(&self, ctx: &mut Ctx, to: Address, data: Vec<u8>, opts: TxOpts) {
        submit(&self.s, ctx, to, data, opts);
    }

    fn pay(&mut self, ctx: &mut Ctx) {
        let Some(partner) = self
            .p
            .pays
            .as_ref()
            .and_then(|n| ctx.actor_by_name(&n.value))
        else {
            return;
        };
        let amount = self.p.amount.0;
        let Some(ch) = self.channels.iter_mut().find(|c| c.partner == partner) else {
            ctx.note("no channel with the payee");
            return;
        };
        let capacity = (ch.deposit + ch.received_transferred()).saturating_sub(ch.transferred);
        if capacity < amount {
            ctx.note("payment skipped: channel capacity exhausted");
            return;
        }
        ch.nonce += U256::from(1u64);
        ch.transferred += amount;
        let bp = self.domain.sign_balance_proof(
            ctx.key(),
            U256::from(ch.id),
            ch.transferred,
            U256::ZERO,
            empty_locksroot(),
            ch.nonce,
            B256::from(U256::from(ch.nonce)),
        );
        ch.sent.push(bp.clone());
        {
            let mut s = self.s.borrow_mut();
            let bh = bp.balance_hash();
            s.preimages
                .insert(bh, (bp.transferred_amount, bp.locked_amount, bp.locksroot));
            s.signed.insert((ch.id, ctx.address(), bh));
        }
        self.persist(ctx.address());
        ctx.send(partner, BALANCE_PROOF_TOPIC, bp.abi_encode());
        ctx.metric_add("raiden.payments", 1);
    }

    fn on_balance_proof(&mut self, ctx: &mut Ctx, from: ActorId, body: &[u8]) {
        let Ok(bp) = BalanceProofMsg::abi_decode(body) else {
            ctx.note("undecodable balance proof");
            return;
        };
        let signer = self.domain.balance_proof_signer(&bp);
        let me = ctx.address();
        let grief = self.grief();
        let monitoring = self.p.monitoring;
        let id = bp.channel_identifier.to::<u64>();
        if !self.channels.iter().any(|c| c.id == id) {
            self.learn_channel(ctx, id, from);
        }
        let Some(ch) = self.channels.iter_mut().find(|c| c.id == id) else {
            return;
        };
        if ch.partner != from || signer != Some(ch.partner_address) {
            ctx.note("balance proof with a wrong signer dropped");
            return;
        }
        if ch.newest().is_some_and(|n| n.nonce >= bp.nonce) {
            return;
        }
        ch.received.push(bp.clone());
        let n = ch.received.len();
        let older = (n >= 2).then(|| ch.received[n - 2].clone());
        self.persist(me);
        self.s
            .borrow_mut()
            .received_at
            .insert((id, me, bp.nonce), ctx.now().ms());
        self.s.borrow_mut().held.insert(
            (id, me),
            Held {
                nonce: bp.nonce,
                transferred: bp.transferred_amount,
            },
        );
        if !monitoring || grief == Some(GriefKind::LateRequests) {
            return;
        }
        // G1 and G1b keep the newest proof back and request monitoring for the one before.
        let request = match grief {
            Some(GriefKind::WithholdNewest) | Some(GriefKind::RewardDodge) => {
                let Some(older) = older else {
                    return;
                };
                older
            }
            _ => bp,
        };
        if grief == Some(GriefKind::RequestSpam) {
            self.spam(ctx, &request);
        }
        self.broadcast(ctx, id, &request);
    }

    /// A request for a channel that does not exist: a proof signed by this client itself for
    /// an unused channel id, countersigned and rewarded by itself. It passes every signature
    /// check at intake; only the channel is unknown.
    fn spam(&mut self, ctx: &mut Ctx, genuine: &BalanceProofMsg) {
        let fake = genuine.channel_identifier + U256::from(1_000_000u64);
        let bp = self.domain.sign_balance_proof(
            ctx.key(),
            fake,
            genuine.transferred_amount,
            U256::ZERO,
            empty_locksroot(),
            genuine.nonce,
            genuine.additional_hash,
        );
        let mr = self.domain.monitor_request(ctx.key(), &bp, self.p.reward.0);
        let body = mr.abi_encode();
        let services: Vec<ActorId> = MONITOR_KINDS
            .iter()
            .flat_map(|k| ctx.actors_of_kind(k).collect::<Vec<_>>())
            .collect();
        for ms in services {
            ctx.send(ms, MONITOR_REQUEST_TOPIC, body.clone());
        }
        ctx.metric_add("raiden.spam_requests", 1);
    }

    fn broadcast(&mut self, ctx: &mut Ctx, id: u64, bp: &BalanceProofMsg) {
        let reward = self.p.reward.0;
        let mr: MonitorRequestMsg = self.domain.monitor_request(ctx.key(), bp, reward);
        self.s
            .borrow_mut()
            .reward_proofs
            .insert((id, ctx.address(), bp.nonce, reward));
        let body = mr.abi_encode();
        let services: Vec<ActorId> = MONITOR_KINDS
            .iter()
            .flat_map(|k| ctx.actors_of_kind(k).collect::<Vec<_>>())
            .collect();
        for ms in services {
            ctx.send(ms, MONITOR_REQUEST_TOPIC, body.clone());
        }
        ctx.metric_add("raiden.monitor_requests", 1);
    }

    fn close(&mut self, ctx: &mut Ctx, id: u64) {
        let (chain, tn) = self.chain();
        let Some(ch) = self.channels.iter().find(|c| c.id == id) else {
            return;
        };
        // A restarted node may find its channel already closed or settled.
        let me = ctx.address();
        let state = super::observe::channel_state(ctx, chain, tn, id, me, ch.partner_address);
        if state != 1 {
            return;
        }
        let bp = match self.p.role {
            Role::StaleCloser | Role::SettleRacer => match self.p.close_with {
                None | Some(0) => None,
                Some(n) => ch
                    .received
                    .iter()
                    .find(|b| b.nonce == U256::from(n))
                    .cloned(),
            },
            _ => ch.newest().cloned(),
        };
        let (bh, nonce, ah, sig) = match &bp {
            Some(b) => (
                b.balance_hash(),
                b.nonce,
                b.additional_hash,
                b.signature.clone(),
            ),
            None => (B256::ZERO, U256::ZERO, B256::ZERO, Bytes::new()),
        };
        let closing_sig = ctx
            .key()
            .sign_hash(self.domain.counter_signature_digest(
                TYPE_BALANCE_PROOF,
                U256::from(id),
                bh,
                nonce,
                ah,
                &sig,
            ))
            .to_bytes();
        self.s
            .borrow_mut()
            .close_authorised
            .insert((id, ctx.address()));
        let call = TokenNetwork::closeChannelCall {
            channel_identifier: U256::from(id),
            non_closing_participant: ch.partner_address,
            closing_participant: ctx.address(),
            balance_hash: bh,
            nonce,
            additional_hash: ah,
            non_closing_signature: sig,
            closing_participant_signature: closing_sig,
        };
        ctx.note(format!(
            "closing channel {id} with the partner's proof of nonce {nonce}"
        ));
        let _ = chain;
        self.send(ctx, tn, call.abi_encode(), self.opts());
    }

    /// Submits the partner's newest proof to the closer's slot if the chain has an older one.
    fn update(&mut self, ctx: &mut Ctx, id: u64, opts: TxOpts) {
        let (chain, tn) = self.chain();
        let Some(ch) = self.channels.iter().find(|c| c.id == id) else {
            return;
        };
        let Some(bp) = ch.newest().cloned() else {
            return;
        };
        let me = ctx.address();
        let on_chain = super::observe::participant_info(ctx, chain, tn, id, ch.partner_address, me)
            .map(|i| (i.nonce, i.is_the_closer))
            .unwrap_or_default();
        if on_chain.0 >= bp.nonce || !on_chain.1 {
            return;
        }
        let non_closing_sig = self
            .domain
            .countersign(ctx.key(), TYPE_BALANCE_PROOF_UPDATE, &bp);
        let call = TokenNetwork::updateNonClosingBalanceProofCall {
            channel_identifier: U256::from(id),
            closing_participant: ch.partner_address,
            non_closing_participant: ctx.address(),
            balance_hash: bp.balance_hash(),
            nonce: bp.nonce,
            additional_hash: bp.additional_hash,
            closing_signature: bp.signature.clone(),
            non_closing_signature: non_closing_sig,
        };
        ctx.note(format!("updating channel {id} with nonce {}", bp.nonce));
        self.send(ctx, tn, call.abi_encode(), opts);
    }

    fn settle(&mut self, ctx: &mut Ctx, id: u64) {
        let (chain, tn) = self.chain();
        let Some(ch) = self.channels.iter().find(|c| c.id == id) else {
            return;
        };
        let me = ctx.address();
        let partner = ch.partner_address;
        let mut sides = Vec::new();
        for (own, p, q) in [(true, me, partner), (false, partner, me)] {
            let Some(info) = super::observe::participant_info(ctx, chain, tn, id, p, q) else {
                return;
            };
            let (t, l, r) = if info.balance_hash == B256::ZERO {
                (U256::ZERO, U256::ZERO, B256::ZERO)
            } else {
                // Own slot: a proof this node signed; partner's slot: one it received.
                match ch.preimage(own, info.balance_hash) {
                    Some(x) => x,
                    None => {
                        ctx.note("settle: unknown balance hash on chain");
                        return;
                    }
                }
            };
            sides.push((p, t, l, r));
        }
        let (mut s1, mut s2) = (sides[0], sides[1]);
        if s2.1.saturating_add(s2.2) < s1.1.saturating_add(s1.2) {
            std::mem::swap(&mut s1, &mut s2);
        }
        let call = TokenNetwork::settleChannelCall {
            channel_identifier: U256::from(id),
            participant1: s1.0,
            participant1_transferred_amount: s1.1,
            participant1_locked_amount: s1.2,
            participant1_locksroot: s1.3,
            participant2: s2.0,
            participant2_transferred_amount: s2.1,
            participant2_locked_amount: s2.2,
            participant2_locksroot: s2.3,
        };
        let opts = if self.racing() {
            TxOpts {
                tip: RACE_TIP,
                ..TxOpts::default()
            }
        } else {
            self.opts()
        };
        self.send(ctx, tn, call.abi_encode(), opts);
    }

    fn racing(&self) -> bool {
        self.p
            .race_settle
            .unwrap_or(matches!(self.p.role, Role::SettleRacer | Role::StaleCloser))
    }

    /// Reacts to a channel of ours being closed (seen live or found after coming online).
    fn on_closed(&mut self, ctx: &mut Ctx, id: u64, closer: Address, deadline: u64) {
        if !self.handled_close.insert(id) {
            return;
        }
        let me = ctx.address();
        if closer != me {
            match self.grief() {
                Some(GriefKind::LateRequests) => {
                    if let Some(bp) = self
                        .channels
                        .iter()
                        .find(|c| c.id == id)
                        .and_then(|c| c.newest().cloned())
                    {
                        self.broadcast(ctx, id, &bp);
                    }
                }
                Some(GriefKind::WithholdNewest) => {
                    self.after(ctx, Dur::secs(1), Action::Watch(id));
                }
                _ => {}
            }
            if self.p.self_update && self.grief().is_none() {
                let d = self.p.reaction_delay;
                self.after(ctx, d, Action::Update(id));
            }
        }
        if let Some(d) = self.p.settle_after {
            let at = ctx.now().plus(d);
            self.schedule(ctx, at, Action::Settle(id));
        } else if self.p.settle {
            let first = self.s.borrow().sim_ms_after(deadline);
            let at = if self.racing() {
                SimTime(first.saturating_sub(1))
            } else {
                SimTime(first).plus(self.p.reaction_delay)
            };
            self.schedule(ctx, at, Action::Settle(id));
        }
    }

    /// G1: if a service's `monitor` for this channel is pending, front-run it with a direct
    /// update carrying the newest proof; otherwise keep watching until the channel settles.
    fn watch(&mut self, ctx: &mut Ctx, id: u64) {
        let (chain, tn) = self.chain();
        let msc = self.s.borrow().msc;
        let me = ctx.address();
        let state = super::observe::channel_state(
            ctx,
            chain,
            tn,
            id,
            me,
            self.channels
                .iter()
                .find(|c| c.id == id)
                .map_or(Address::ZERO, |c| c.partner_address),
        );
        if state != 2 {
            return;
        }
        let me = ctx.address();
        let pending = ctx.pending_txs(chain).into_iter().any(|p| {
            p.req.to == Some(msc)
                && MonitoringService::monitorCall::abi_decode(&p.req.data)
                    .is_ok_and(|c| c.non_closing_participant == me)
        });
        if pending {
            ctx.note("front-running a pending monitor with the withheld newest proof");
            self.update(
                ctx,
                id,
                TxOpts {
                    tip: RACE_TIP,
                    ..TxOpts::default()
                },
            );
        } else {
            self.after(ctx, Dur::secs(1), Action::Watch(id));
        }
    }

    fn on_log(&mut self, ctx: &mut Ctx, log: &crate::chain::Log) {
        let Some(topic0) = log.topics.first().copied() else {
            return;
        };
        let me = ctx.address();
        if topic0 == TokenNetwork::ChannelClosed::SIGNATURE_HASH {
            let Ok(e) =
                TokenNetwork::ChannelClosed::decode_raw_log(log.topics.iter().copied(), &log.data)
            else {
                return;
            };
            let id = e.channel_identifier.to::<u64>();
            if self.channels.iter().any(|c| c.id == id) {
                let (chain, tn) = self.chain();
                let deadline = ctx
                    .view(
                        chain,
                        tn,
                        &TokenNetwork::settleDeadlineCall {
                            channel_identifier: e.channel_identifier,
                        },
                    )
                    .map(|d| d.to::<u64>())
                    .unwrap_or(0);
                self.on_closed(ctx, id, e.closing_participant, deadline);
            }
        } else if topic0 == MonitoringService::NewBalanceProofReceived::SIGNATURE_HASH {
            let Ok(e) = MonitoringService::NewBalanceProofReceived::decode_raw_log(
                log.topics.iter().copied(),
                &log.data,
            ) else {
                return;
            };
            if e.raiden_node_address != me {
                return;
            }
            let id = e.channel_identifier.to::<u64>();
            match self.grief() {
                Some(GriefKind::RewardDodge) => {
                    ctx.note("a service monitored for us; submitting the newer proof directly");
                    self.update(ctx, id, self.opts());
                }
                Some(GriefKind::RewardEscape) if !self.escaped => {
                    self.escaped = true;
                    let (chain, udc) = {
                        let s = self.s.borrow();
                        (s.chain, s.udc)
                    };
                    let balance = ctx
                        .view(chain, udc, &UserDeposit::balancesCall(me))
                        .unwrap_or_default();
                    if !balance.is_zero() {
                        ctx.note("planning to withdraw the whole reward deposit");
                        self.send(
                            ctx,
                            udc,
                            UserDeposit::planWithdrawCall { amount: balance }.abi_encode(),
                            self.opts(),
                        );
                        let wait = ctx
                            .view(chain, udc, &UserDeposit::withdraw_timeoutCall {})
                            .map(|w| w.to::<u64>())
                            .unwrap_or(0);
                        let bt = self.s.borrow().block_time_ms;
                        let blocks = self.s.borrow().blocks_mode;
                        let d = if blocks {
                            (wait + 2) * bt
                        } else {
                            wait * 1000 + 2 * bt
                        };
                        self.after(ctx, Dur::ms(d), Action::Withdraw);
                    }
                }
                _ => {}
            }
        }
    }

    /// A proof for a channel opened during the run (by a payer that opens channels on first
    /// use): the node tracks it, with no deposit of its own, if the chain says it is the live
    /// channel with the sender.
    fn learn_channel(&mut self, ctx: &mut Ctx, id: u64, from: ActorId) {
        let (chain, tn) = self.chain();
        let partner_address = ctx.actor_address(from);
        let live = ctx
            .view(
                chain,
                tn,
                &TokenNetwork::getChannelIdentifierCall {
                    participant: ctx.address(),
                    partner: partner_address,
                },
            )
            .unwrap_or_default();
        if live == U256::from(id) && id != 0 {
            self.channels
                .push(Chan::new(id, from, partner_address, U256::ZERO));
            self.persist(ctx.address());
        }
    }

    /// After an offline spell: catch up with channels closed meanwhile.
    fn catch_up(&mut self, ctx: &mut Ctx) {
        let (chain, tn) = self.chain();
        let me = ctx.address();
        let ids: Vec<(u64, Address)> = self
            .channels
            .iter()
            .map(|c| (c.id, c.partner_address))
            .collect();
        for (id, partner) in ids {
            let state = super::observe::channel_state(ctx, chain, tn, id, me, partner);
            if state != 2 {
                continue;
            }
            let closer_is_partner =
                super::observe::participant_info(ctx, chain, tn, id, partner, me)
                    .map(|i| i.is_the_closer)
                    .unwrap_or(false);
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
            self.on_closed(
                ctx,
                id,
                if closer_is_partner { partner } else { me },
                deadline,
            );
        }
    }
}

impl Actor for Participant {
    /// A restarted node resyncs from the chain: channels closed while it was down are handled
    /// as if it had just come back online (update if still possible, then settle).
    fn restart(&mut self, ctx: &mut Ctx) {
        self.start(ctx);
        self.catch_up(ctx);
    }

    fn start(&mut self, ctx: &mut Ctx) {
        let me = ctx.address();
        let (chain, tn, msc, udc) = {
            let s = self.s.borrow();
            (s.chain, s.tn, s.msc, s.udc)
        };
        ctx.subscribe(
            chain,
            Some(tn),
            Some(TokenNetwork::ChannelClosed::SIGNATURE_HASH),
        );

        ctx.subscribe(
            chain,
            Some(msc),
            Some(MonitoringService::NewBalanceProofReceived::SIGNATURE_HASH),
        );
        let stored = self.s.borrow().nodes.get(&me).cloned();
        if let Some(db) = stored {
            // A restart: resume from the node's database.
            self.channels = db.channels;
            self.paid = db.payments_made;
        } else {
            self.channels = self
                .s
                .borrow()
                .channels
                .values()
                .filter_map(|c| {
                    let mine = c.party(me)?;
                    let partner = c.partner_of(me)?;
                    Some(Chan::new(
                        c.id,
                        partner.actor,
                        partner.address,
                        mine.deposit,
                    ))
                })
                .collect();
            self.persist(me);
        }
        // The reward deposit is a lifetime total: top it up only if the chain (or this node's
        // own pending transaction) does not already have it.
        if !self.p.udc_deposit.0.is_zero() {
            let total = ctx
                .view(chain, udc, &UserDeposit::total_depositCall(me))
                .unwrap_or_default();
            let pending = ctx.pending_txs(chain).iter().any(|p| {
                p.req.from == me
                    && p.req.to == Some(udc)
                    && p.req.data.starts_with(&UserDeposit::depositCall::SELECTOR)
            });
            if total < self.p.udc_deposit.0 && !pending {
                let call = UserDeposit::depositCall {
                    beneficiary: me,
                    new_total_deposit: self.p.udc_deposit.0,
                };
                self.send(ctx, udc, call.abi_encode(), self.opts());
            }
        }
        if self.p.payments > 0 && self.p.pays.is_some() && self.paid < self.p.payments {
            let every = self.p.every;
            self.after(ctx, every, Action::Pay);
        }
        if let Some(at) = self.p.close_at {
            let ids: Vec<u64> = self.channels.iter().map(|c| c.id).collect();
            let at = SimTime(at.as_ms()).max(ctx.now());
            for id in ids {
                self.schedule(ctx, at, Action::Close(id));
            }
        }
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag } => {
                let Some(a) = self.actions.remove(tag) else {
                    return;
                };
                match a {
                    Action::Pay => {
                        self.pay(ctx);
                        self.paid += 1;
                        self.persist(ctx.address());
                        if self.paid < self.p.payments {
                            let every = self.p.every;
                            self.after(ctx, every, Action::Pay);
                        }
                    }
                    Action::Close(id) => self.close(ctx, id),
                    Action::Update(id) => self.update(ctx, id, self.opts()),
                    Action::Settle(id) => self.settle(ctx, id),
                    Action::Watch(id) => self.watch(ctx, id),
                    Action::Withdraw => {
                        let (chain, udc) = {
                            let s = self.s.borrow();
                            (s.chain, s.udc)
                        };
                        let plan = ctx
                            .view(chain, udc, &UserDeposit::withdraw_plansCall(ctx.address()))
                            .map(|p| p.amount)
                            .unwrap_or_default();
                        if !plan.is_zero() {
                            self.send(
                                ctx,
                                udc,
                                UserDeposit::withdrawCall { amount: plan }.abi_encode(),
                                self.opts(),
                            );
                        }
                    }
                }
            }
            Event::Message { from, topic, body } if *topic == BALANCE_PROOF_TOPIC => {
                self.on_balance_proof(ctx, *from, body);
            }
            Event::Log { log, .. } => self.on_log(ctx, log),
            Event::Online => self.catch_up(ctx),
            Event::Receipt { receipt, .. } if !receipt.status.is_success() => {
                let reason = match &receipt.status {
                    crate::chain::TxStatus::Revert(d) => ctx.core.abis.revert_reason(d),
                    crate::chain::TxStatus::Halt(r) => r.clone(),
                    crate::chain::TxStatus::Success => String::new(),
                };
                ctx.note(format!("transaction reverted: {reason}"));
            }
            _ => {}
        }
    }
}

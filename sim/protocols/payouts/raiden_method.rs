//! The `raiden` payout method (spec `payouts.md` §4): the payer pays each raiden row with an
//! off-chain balance proof over a payer→payee channel of the Raiden module's token network.
//!
//! - **Channels** are opened on first use: the first raiden payout to a wallet opens the channel
//!   (`openChannel`) and deposits (`setTotalDeposit`); a later payout that does not fit raises the
//!   deposit. Each deposit covers `deposit_periods` times the amount then owed on the channel, so
//!   the following periods cost no transaction at all.
//! - **Payouts** are balance proofs signed exactly as a Raiden participant signs them (the Raiden
//!   module's `Domain`, nonce + 1 per proof, cumulative transferred amount, no locks), sent to the
//!   wallet's Raiden node (a `raiden.participant` actor) on its balance-proof topic.
//! - **Funds available** when the payee's node accepts the proof off-chain: from then on the
//!   payee can enforce it on chain (close, or update after the payer's close, then settle), as
//!   the spec's receipt `raiden:<channel id>:<nonce>` says. Settlement on chain is reported
//!   separately (`payouts.raiden.settled_tokens`, `lost_tokens`).
//! - **Protection** is the Raiden module's: the payee keeps the newest proof and, with
//!   monitoring, hands it to the monitoring services; if the payer closes while the payee is
//!   offline, a service submits the newest proof, and without one the payee loses it.

use super::{Book, MethodStats, Shared};
use crate::chain::ChainIdx;
use crate::engine::actor::{Ctx, TxOpts};
use crate::engine::genesis::Genesis;
use crate::engine::time::SimTime;
use crate::protocols::raiden::messages::{empty_locksroot, Domain, TYPE_BALANCE_PROOF};
use crate::protocols::raiden::{RaidenState, TokenNetwork, BALANCE_PROOF_TOPIC, PARTICIPANT_KINDS};
use crate::protocols::token::Token;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// The method's name in `prefer` and in the files.
pub const RAIDEN: &str = "raiden";

/// First timer tag of the payer's settle actions (tag = base + channel id).
pub const SETTLE_TAG_BASE: u64 = 1 << 40;
/// Timer tag of the payer's close of all its channels.
pub const CLOSE_CHANNELS_TAG: u64 = 3;

/// The Raiden module's network as the payouts pipeline uses it.
pub struct Link {
    pub state: Rc<RefCell<RaidenState>>,
    pub chain: ChainIdx,
    pub token: Address,
    pub tn: Address,
    pub domain: Domain,
}

/// One balance proof the payer sent for one payout.
#[derive(Clone, Debug)]
pub struct SentProof {
    pub period: u32,
    pub wallet: Address,
    pub channel: u64,
    pub nonce: U256,
    pub amount: U256,
    /// When the payee's node accepted it (funds available), once it did.
    pub accepted_ms: Option<u64>,
}

/// What a payer transaction of this method does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Open,
    Deposit(U256),
    Close(u64),
    Settle(u64),
}

/// The payer's side of one wallet's channel.
#[derive(Clone, Debug, Default)]
pub struct Lane {
    /// The live channel, once opened.
    pub channel: Option<u64>,
    /// Every channel this lane has had (a closed one is not reused).
    pub channels: Vec<u64>,
    pub deposit: U256,
    pub transferred: U256,
    pub nonce: U256,
    /// Payouts waiting for the channel or its deposit: (period, amount).
    pub queue: VecDeque<(u32, U256)>,
    /// The transaction the lane waits for.
    pub waiting: Option<B256>,
    pub closed: bool,
    /// Balance hashes of the proofs sent: hash → transferred (for settlement).
    pub signed: BTreeMap<B256, U256>,
}

/// Per-run state of the method, kept in the payouts book.
#[derive(Default)]
pub struct RaidenBook {
    pub lanes: BTreeMap<Address, Lane>,
    pub sent: Vec<SentProof>,
    /// Transactions in flight: hash → (wallet, step, period charged).
    pub txs: BTreeMap<B256, (Address, Step, u32)>,
    /// The payer's close and settle transactions, kept apart from the periods' payout costs.
    pub close_settle: MethodStats,
}

/// Binds the payouts pipeline to the Raiden module set up before it: funds the payer with the
/// token network's token, lets the network pull it, registers the payer as a channel party,
/// and checks that every wallet paid by `raiden` runs a Raiden node.
pub fn link(
    g: &mut Genesis,
    cfg: &super::PayoutsConfig,
    l1: ChainIdx,
    payer: Address,
    payees: &BTreeMap<Address, super::config::Payee>,
) -> Result<Link, String> {
    let any = g.shared_state("raiden").ok_or(
        "method `raiden` needs `protocols.raiden` declared before `payouts` (its token network, \
         monitoring services and the payees' Raiden nodes)",
    )?;
    let state = any
        .downcast::<RefCell<RaidenState>>()
        .map_err(|_| "protocols.raiden has no Raiden state".to_string())?;
    let (chain, token, tn, minter, chain_id, msc) = {
        let s = state.borrow();
        (s.chain, s.token, s.tn, s.minter, s.chain_id, s.msc)
    };
    if chain != l1 {
        return Err("method `raiden` needs protocols.raiden on the payouts chain".into());
    }
    let all = g.actors();
    let prefer = cfg.preference();
    for p in payees.values() {
        if super::accountant::choose_method(&p.features, &prefer) != RAIDEN {
            continue;
        }
        let node = all.iter().find(|a| a.3 == p.wallet);
        if !node.is_some_and(|a| PARTICIPANT_KINDS.contains(&a.2.as_str())) {
            return Err(format!(
                "payee `{}` is paid by raiden to wallet {:#x}, which runs no Raiden node \
                 (make the wallet a raiden.participant actor)",
                p.name, p.wallet
            ));
        }
    }
    g.call(
        chain,
        minter,
        token,
        &Token::mintCall {
            to: payer,
            amount: cfg.funds.0,
        },
    )?;
    g.call(
        chain,
        payer,
        token,
        &Token::approveCall {
            spender: tn,
            amount: U256::MAX,
        },
    )?;
    if let Some((id, name, kind, _)) = all.iter().find(|a| a.3 == payer) {
        state.borrow_mut().add_actor(*id, name, kind, payer);
    }
    Ok(Link {
        state,
        chain,
        token,
        tn,
        domain: Domain {
            token_network: tn,
            chain_id: U256::from(chain_id),
            monitoring_service_contract: msc,
        },
    })
}

fn opts(book: &Book, ctx: &Ctx, chain: ChainIdx, gas_limit: u64) -> TxOpts {
    let tip = book.cfg.tip_gwei as u128 * 1_000_000_000;
    TxOpts {
        gas_limit,
        tip,
        max_fee: Some(ctx.base_fee(chain) * 2 + tip),
        value: U256::ZERO,
    }
}

/// Queues one period's raiden payouts and starts paying them.
pub fn pay(book: &Shared, ctx: &mut Ctx, period: u32, rows: &BTreeMap<Address, U256>) {
    for (wallet, amount) in rows {
        book.borrow_mut()
            .raiden_book
            .lanes
            .entry(*wallet)
            .or_default()
            .queue
            .push_back((period, *amount));
        advance(book, ctx, *wallet);
    }
}

/// Moves one wallet's lane on: opens the channel, raises the deposit, or sends the proofs that
/// fit.
fn advance(book: &Shared, ctx: &mut Ctx, wallet: Address) {
    let mut b = book.borrow_mut();
    let Some(link) = b.raiden.as_ref() else {
        return;
    };
    let (chain, tn, domain, state) = (link.chain, link.tn, link.domain, link.state.clone());
    let periods = U256::from(b.cfg.raiden.deposit_periods.value);
    let lane = b.raiden_book.lanes.entry(wallet).or_default().clone();
    if lane.waiting.is_some() || lane.closed || lane.queue.is_empty() {
        return;
    }
    let front_period = lane.queue[0].0;
    let me = ctx.address();
    let Some(channel) = lane.channel else {
        let call = TokenNetwork::openChannel_1Call {
            participant1: me,
            participant2: wallet,
        };
        let o = opts(&b, ctx, chain, 200_000);
        let tx = ctx.send_tx_with(chain, Some(tn), call.abi_encode().into(), o);
        let rb = &mut b.raiden_book;
        rb.lanes.get_mut(&wallet).expect("lane").waiting = Some(tx);
        rb.txs.insert(tx, (wallet, Step::Open, front_period));
        return;
    };
    let owed: U256 = lane.queue.iter().map(|q| q.1).sum();
    if lane.deposit - lane.transferred < owed {
        let total = lane.transferred + owed * periods;
        let call = TokenNetwork::setTotalDepositCall {
            channel_identifier: U256::from(channel),
            participant: me,
            total_deposit: total,
            partner: wallet,
        };
        let o = opts(&b, ctx, chain, 200_000);
        let tx = ctx.send_tx_with(chain, Some(tn), call.abi_encode().into(), o);
        let rb = &mut b.raiden_book;
        rb.lanes.get_mut(&wallet).expect("lane").waiting = Some(tx);
        rb.txs
            .insert(tx, (wallet, Step::Deposit(total), front_period));
        return;
    }
    let Some(to) = ctx.actors().find(|a| ctx.actor_address(*a) == wallet) else {
        return;
    };
    let lane = b.raiden_book.lanes.get_mut(&wallet).expect("lane");
    let mut proofs = Vec::new();
    while let Some((period, amount)) = lane.queue.pop_front() {
        lane.nonce += U256::from(1u64);
        lane.transferred += amount;
        let bp = domain.sign_balance_proof(
            ctx.key(),
            U256::from(channel),
            lane.transferred,
            U256::ZERO,
            empty_locksroot(),
            lane.nonce,
            B256::from(U256::from(period)),
        );
        let bh = bp.balance_hash();
        lane.signed.insert(bh, lane.transferred);
        {
            let mut s = state.borrow_mut();
            s.preimages
                .insert(bh, (bp.transferred_amount, bp.locked_amount, bp.locksroot));
            s.signed.insert((channel, me, bh));
        }
        proofs.push((
            SentProof {
                period,
                wallet,
                channel,
                nonce: lane.nonce,
                amount,
                accepted_ms: None,
            },
            bp,
        ));
    }
    for (sent, bp) in proofs {
        b.raiden_book.sent.push(sent);
        ctx.send(to, BALANCE_PROOF_TOPIC, bp.abi_encode());
    }
}

/// Handles the receipt of one of this method's transactions; false if it is not one.
pub fn on_receipt(book: &Shared, ctx: &mut Ctx, receipt: &crate::chain::Receipt) -> bool {
    let Some((wallet, step, period)) = book.borrow_mut().raiden_book.txs.remove(&receipt.tx) else {
        return false;
    };
    let ok = receipt.status.is_success();
    {
        let mut b = book.borrow_mut();
        let cost = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
        if matches!(step, Step::Open | Step::Deposit(_)) {
            let key = (RAIDEN.to_string(), period);
            let mut s = b
                .stats
                .get(&key)
                .cloned()
                .unwrap_or_else(MethodStats::default);
            s.txs += 1;
            s.gas += receipt.gas_used;
            s.cost_wei += cost;
            b.stats.insert(key, s);
        } else {
            let c = &mut b.raiden_book.close_settle;
            c.txs += 1;
            c.gas += receipt.gas_used;
            c.cost_wei += cost;
        }
        if !ok {
            b.reverted += 1;
        }
        let lane = b.raiden_book.lanes.entry(wallet).or_default();
        if lane.waiting == Some(receipt.tx) {
            lane.waiting = None;
        }
        if ok {
            match step {
                Step::Open => {
                    for log in &receipt.logs {
                        if let Some(e) = super::actors::decode::<TokenNetwork::ChannelOpened>(log) {
                            let id = e.channel_identifier.to::<u64>();
                            lane.channel = Some(id);
                            lane.channels.push(id);
                        }
                    }
                }
                Step::Deposit(total) => lane.deposit = total,
                Step::Close(_) | Step::Settle(_) => {}
            }
        }
    }
    if !ok {
        ctx.note(format!("raiden payout transaction {step:?} reverted"));
        return true;
    }
    match step {
        Step::Open | Step::Deposit(_) => advance(book, ctx, wallet),
        Step::Close(id) => schedule_settle(book, ctx, id),
        Step::Settle(_) => {}
    }
    true
}

/// The payer closes every live channel with no proof of the payee's (nonce 0): its own slot
/// stays empty unless the payee or a monitoring service submits the payer's newest proof.
pub fn close_all(book: &Shared, ctx: &mut Ctx) {
    let me = ctx.address();
    let lanes: Vec<(Address, u64)> = book
        .borrow()
        .raiden_book
        .lanes
        .iter()
        .filter_map(|(w, l)| l.channel.filter(|_| !l.closed).map(|c| (*w, c)))
        .collect();
    for (wallet, id) in lanes {
        let mut b = book.borrow_mut();
        let Some(link) = b.raiden.as_ref() else {
            return;
        };
        let (chain, tn, domain, state) = (link.chain, link.tn, link.domain, link.state.clone());
        let digest = domain.counter_signature_digest(
            TYPE_BALANCE_PROOF,
            U256::from(id),
            B256::ZERO,
            U256::ZERO,
            B256::ZERO,
            &[],
        );
        let closing_sig = ctx.key().sign_hash(digest).to_bytes();
        state.borrow_mut().close_authorised.insert((id, me));
        let call = TokenNetwork::closeChannelCall {
            channel_identifier: U256::from(id),
            non_closing_participant: wallet,
            closing_participant: me,
            balance_hash: B256::ZERO,
            nonce: U256::ZERO,
            additional_hash: B256::ZERO,
            non_closing_signature: Bytes::new(),
            closing_participant_signature: closing_sig,
        };
        let o = opts(&b, ctx, chain, 300_000);
        let period = b.plans.last().map_or(1, |p| p.period);
        let tx = ctx.send_tx_with(chain, Some(tn), call.abi_encode().into(), o);
        let lane = b.raiden_book.lanes.get_mut(&wallet).expect("lane");
        lane.closed = true;
        b.raiden_book
            .txs
            .insert(tx, (wallet, Step::Close(id), period));
        ctx.note(format!(
            "closing raiden channel {id} with no proof of the payee's"
        ));
    }
}

/// Settles a closed channel a minute after the window ends (an online payee settles first).
fn schedule_settle(book: &Shared, ctx: &mut Ctx, id: u64) {
    let b = book.borrow();
    if !b.cfg.raiden.settle {
        return;
    }
    let Some(link) = b.raiden.as_ref() else {
        return;
    };
    let deadline = ctx
        .view(
            link.chain,
            link.tn,
            &TokenNetwork::settleDeadlineCall {
                channel_identifier: U256::from(id),
            },
        )
        .map(|d| d.to::<u64>())
        .unwrap_or(0);
    let first = link.state.borrow().sim_ms_after(deadline);
    ctx.set_timer_at(SimTime(first + 60_000), SETTLE_TAG_BASE + id);
}

/// Settles channel `id` if it is still closed: the payer's slot holds its own newest proof the
/// payee or a service put there (or nothing), the payee's slot is empty.
pub fn settle(book: &Shared, ctx: &mut Ctx, id: u64) {
    let me = ctx.address();
    let mut b = book.borrow_mut();
    let Some(link) = b.raiden.as_ref() else {
        return;
    };
    let (chain, tn) = (link.chain, link.tn);
    let Some((wallet, lane)) = b
        .raiden_book
        .lanes
        .iter()
        .find(|(_, l)| l.channels.contains(&id))
        .map(|(w, l)| (*w, l.clone()))
    else {
        return;
    };
    let state = crate::protocols::raiden::observe::channel_state(ctx, chain, tn, id, me, wallet);
    if state != 2 {
        return;
    }
    let mut slot = |p: Address, q: Address| {
        crate::protocols::raiden::observe::participant_info(ctx, chain, tn, id, p, q)
            .map(|i| i.balance_hash)
            .unwrap_or_default()
    };
    let mine = slot(me, wallet);
    let (t, r) = if mine == B256::ZERO {
        (U256::ZERO, B256::ZERO)
    } else {
        match lane.signed.get(&mine) {
            Some(t) => (*t, empty_locksroot()),
            None => {
                ctx.note("settle: unknown balance hash in the payer's slot");
                return;
            }
        }
    };
    if slot(wallet, me) != B256::ZERO {
        ctx.note("settle: the payee's slot holds a proof the payer never received");
        return;
    }
    // The side with the larger transferred amount goes second.
    let call = TokenNetwork::settleChannelCall {
        channel_identifier: U256::from(id),
        participant1: wallet,
        participant1_transferred_amount: U256::ZERO,
        participant1_locked_amount: U256::ZERO,
        participant1_locksroot: B256::ZERO,
        participant2: me,
        participant2_transferred_amount: t,
        participant2_locked_amount: U256::ZERO,
        participant2_locksroot: r,
    };
    let o = opts(&b, ctx, chain, 300_000);
    let period = b.plans.last().map_or(1, |p| p.period);
    let tx = ctx.send_tx_with(chain, Some(tn), call.abi_encode().into(), o);
    b.raiden_book
        .txs
        .insert(tx, (wallet, Step::Settle(id), period));
}

impl Book {
    /// Records the raiden payouts the payees' nodes have accepted since the last call as paid
    /// (funds available off-chain), with their time since the period end.
    pub fn sync_raiden(&mut self) {
        let Some(link) = self.raiden.as_ref() else {
            return;
        };
        let state = link.state.clone();
        let s = state.borrow();
        let pm = self.cfg.period.value.as_ms();
        let mut newly = Vec::new();
        for p in self.raiden_book.sent.iter_mut() {
            if p.accepted_ms.is_some() {
                continue;
            }
            if let Some(t) = s.received_at.get(&(p.channel, p.wallet, p.nonce)) {
                p.accepted_ms = Some(*t);
                newly.push(p.clone());
            }
        }
        drop(s);
        for p in newly {
            let at = p.accepted_ms.unwrap_or_default();
            let key = (RAIDEN.to_string(), p.period);
            let mut st = self.stats.get(&key).cloned().unwrap_or_default();
            st.amount += p.amount;
            st.payees += 1;
            st.funds_delay_ms = st
                .funds_delay_ms
                .max(at.saturating_sub(p.period as u64 * pm));
            self.stats.insert(key, st);
            self.confirmed
                .entry((p.period, RAIDEN.to_string(), p.wallet))
                .or_default()
                .push(p.amount);
        }
    }

    /// Per raiden wallet: (transferred by accepted proofs, held by the payee's node, settled to
    /// the payee on chain, transferred on the settled channels).
    pub fn raiden_positions(&self) -> BTreeMap<Address, RaidenPosition> {
        let mut out: BTreeMap<Address, RaidenPosition> = BTreeMap::new();
        let Some(link) = self.raiden.as_ref() else {
            return out;
        };
        let s = link.state.borrow();
        for (wallet, lane) in &self.raiden_book.lanes {
            let pos = out.entry(*wallet).or_default();
            for id in &lane.channels {
                let held = s
                    .held
                    .get(&(*id, *wallet))
                    .map(|h| h.transferred)
                    .unwrap_or_default();
                pos.held += held;
                if let Some(settled) = s.channels.get(id).and_then(|c| c.settled.as_ref()) {
                    pos.settled_channels += 1;
                    pos.settled += settled.amounts.get(wallet).copied().unwrap_or_default();
                    pos.transferred_settled += held;
                }
            }
        }
        for p in &self.raiden_book.sent {
            if p.accepted_ms.is_some() {
                out.entry(p.wallet).or_default().accepted += p.amount;
            }
        }
        out
    }
}

/// A raiden wallet's position, see [`Book::raiden_positions`].
#[derive(Clone, Debug, Default)]
pub struct RaidenPosition {
    pub accepted: U256,
    pub held: U256,
    pub settled: U256,
    pub transferred_settled: U256,
    pub settled_channels: u64,
}

/// Decodes `ChannelOpened` from a log (for the derivation).
pub fn channel_opened(
    address: Address,
    topics: &[B256],
    data: &[u8],
) -> Option<TokenNetwork::ChannelOpened> {
    if topics.first() != Some(&TokenNetwork::ChannelOpened::SIGNATURE_HASH) {
        return None;
    }
    let prim = alloy_primitives::Log {
        address,
        data: alloy_primitives::LogData::new(topics.to_vec(), data.to_vec().into())?,
    };
    TokenNetwork::ChannelOpened::decode_log(&prim)
        .ok()
        .map(|l| l.data)
}

//! God's-eye bookkeeping of a Raiden run: the static set-up (contracts, actors, channels), the
//! off-chain evidence actors leave (every balance proof, counter-signature and reward proof
//! signed), and what happened on chain, read from each block's receipts. The invariants and
//! metrics are computed from it.

use super::settlement::{expected_payout, Side};
use super::{slot, MonitoringService, TokenNetwork, UserDeposit};
use crate::chain::{ChainIdx, TxStatus};
use crate::check::Probe;
use crate::engine::actor::ActorId;
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

pub type Shared = Rc<RefCell<RaidenState>>;

/// One participant of a channel.
#[derive(Debug, Clone)]
pub struct Party {
    pub actor: ActorId,
    pub address: Address,
    pub deposit: U256,
}

/// The close of a channel as seen on chain.
#[derive(Debug, Clone)]
pub struct CloseRecord {
    pub t_ms: u64,
    pub timestamp: u64,
    pub block: u64,
    pub closer: Address,
    pub nonce: U256,
    /// `settleable_after` (seconds mode) or the settle block (blocks mode).
    pub deadline: u64,
    /// The contract clock at the close (timestamp or block number).
    pub clock: u64,
}

/// One successful update of the closer's slot.
#[derive(Debug, Clone)]
pub struct UpdateRecord {
    pub t_ms: u64,
    pub block: u64,
    pub nonce: U256,
    /// Sender of the transaction.
    pub sender: Address,
    /// The monitoring service, when it came through `monitor`.
    pub ms: Option<Address>,
}

/// A settlement as seen on chain.
#[derive(Debug, Clone)]
pub struct SettleRecord {
    pub t_ms: u64,
    pub block: u64,
    pub amounts: BTreeMap<Address, U256>,
    pub expected: BTreeMap<Address, U256>,
}

/// A live reward record of the monitoring service contract.
#[derive(Debug, Clone)]
pub struct RewardRecord {
    pub ms: Address,
    pub amount: U256,
    pub nonce: U256,
    pub sender: Address,
}

/// Everything known about one channel.
#[derive(Debug, Clone)]
pub struct ChannelRecord {
    pub id: u64,
    pub a: Party,
    pub b: Party,
    pub closed: Option<CloseRecord>,
    pub slot_nonce: BTreeMap<Address, U256>,
    pub updates: Vec<UpdateRecord>,
    pub settled: Option<SettleRecord>,
    pub reward: Option<RewardRecord>,
    pub claims: Vec<(Address, U256)>,
    /// Total withdrawn per participant (`ChannelWithdraw`).
    pub withdrawn: BTreeMap<Address, U256>,
}

impl ChannelRecord {
    pub fn new(id: u64, a: (ActorId, Address, U256), b: (ActorId, Address, U256)) -> ChannelRecord {
        ChannelRecord {
            id,
            a: Party {
                actor: a.0,
                address: a.1,
                deposit: a.2,
            },
            b: Party {
                actor: b.0,
                address: b.1,
                deposit: b.2,
            },
            closed: None,
            slot_nonce: BTreeMap::new(),
            updates: Vec::new(),
            settled: None,
            reward: None,
            claims: Vec::new(),
            withdrawn: BTreeMap::new(),
        }
    }

    /// The other participant.
    pub fn partner_of(&self, who: Address) -> Option<&Party> {
        if who == self.a.address {
            Some(&self.b)
        } else if who == self.b.address {
            Some(&self.a)
        } else {
            None
        }
    }

    /// What `who` has withdrawn from the channel so far.
    pub fn withdrawn_by(&self, who: Address) -> U256 {
        self.withdrawn.get(&who).copied().unwrap_or_default()
    }

    pub fn party(&self, who: Address) -> Option<&Party> {
        if who == self.a.address {
            Some(&self.a)
        } else if who == self.b.address {
            Some(&self.b)
        } else {
            None
        }
    }
}

/// What a transaction sent by a Raiden actor called, recorded when it was submitted (its
/// calldata is public).
#[derive(Debug, Clone)]
pub struct TxCall {
    /// `Contract.function` as the trace names it.
    pub function: String,
    /// The channel it concerns, when it concerns one.
    pub channel: Option<u64>,
}

/// Gas and outcome of one included transaction that concerned a channel.
#[derive(Debug, Clone)]
pub struct ChannelTx {
    pub sender: Address,
    pub function: String,
    pub ok: bool,
    pub reason: String,
    pub cost_wei: U256,
}

/// A Raiden actor known at genesis.
#[derive(Debug, Clone)]
pub struct ActorEntry {
    pub id: ActorId,
    pub name: String,
    pub kind: String,
}

/// Per-service statistics (the seed draft's `/stats`).
#[derive(Debug, Clone, Default)]
pub struct ServiceStats {
    pub requests_stored: u64,
    pub requests_dropped: u64,
    pub monitors_sent: u64,
    pub monitors_ok: u64,
    pub monitors_reverted: u64,
    pub claims_ok: u64,
    pub claims_reverted: u64,
    pub rewards: U256,
    pub gas_wei: U256,
    pub skipped: BTreeMap<String, u64>,
    /// Monitor requests dropped at intake, by rule.
    pub drops: BTreeMap<String, u64>,
    /// Stored requests forgotten because their channel stayed unknown for 15 minutes.
    pub requests_purged: u64,
}

/// A newest balance proof one participant holds from its partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub nonce: U256,
    pub transferred: U256,
}

/// The shared state of a Raiden run.
#[derive(Debug)]
pub struct RaidenState {
    pub chain: ChainIdx,
    pub chain_id: u64,
    pub block_time_ms: u64,
    pub genesis_ts: u64,
    pub blocks_mode: bool,
    /// `T` as the slot rule uses it: seconds, or `T_min` blocks in blocks mode.
    pub slot_timeout: u64,
    pub token: Address,
    pub tn: Address,
    pub tn_registry: Address,
    pub service_registry: Address,
    pub udc: Address,
    pub msc: Address,
    pub secret_registry: Address,
    /// Fidelity flags of this run, as configured.
    pub flags: Vec<(&'static str, String)>,
    pub actors: BTreeMap<Address, ActorEntry>,
    pub channels: BTreeMap<u64, ChannelRecord>,
    /// Balance-hash preimages of every balance proof signed: (transferred, locked, locksroot).
    pub preimages: BTreeMap<B256, (U256, U256, B256)>,
    /// (channel, signer, balance_hash) of every balance proof signed.
    pub signed: BTreeSet<(u64, Address, B256)>,
    /// (channel, closer) of every type-1 counter-signature issued.
    pub close_authorised: BTreeSet<(u64, Address)>,
    /// (channel, signer, nonce, reward) of every reward proof signed.
    pub reward_proofs: BTreeSet<(u64, Address, U256, U256)>,
    /// Newest partner proof each participant holds, by (channel, holder).
    pub held: BTreeMap<(u64, Address), Held>,
    pub services: BTreeMap<Address, ServiceStats>,
    /// Reverted transactions by decoded reason.
    pub reverts: BTreeMap<String, u64>,
    /// Gas spent (wei) by actor name.
    pub gas_wei: BTreeMap<String, U256>,
    /// Invariant violations found in the block just ingested, by invariant name.
    pub fresh: BTreeMap<&'static str, String>,
    /// Each participant's UserDeposit effective balance after every block that changed it:
    /// the chain's history, as an archive node would answer a view at an older block.
    pub udc_effective: BTreeMap<Address, Vec<(u64, U256)>>,
    /// Function and channel of every transaction Raiden actors submitted, by hash.
    pub tx_calls: BTreeMap<B256, TxCall>,
    /// Gas (wei) by (actor name, function, succeeded).
    pub gas_by_function: BTreeMap<(String, String, bool), U256>,
    /// Included transactions per channel.
    pub channel_txs: BTreeMap<u64, Vec<ChannelTx>>,
    /// Owners who planned a UserDeposit withdraw.
    pub withdraw_planned: BTreeSet<Address>,
    /// Registration deposits paid, by service.
    pub registrations: BTreeMap<Address, U256>,
    /// Peak of Σ outstanding promised rewards / UserDeposit balance, by client.
    pub overcommitment_peak: BTreeMap<Address, f64>,
    /// Each participant's own database, which survives a crash of its process.
    pub nodes: BTreeMap<Address, super::node_db::NodeDb>,
    /// Each monitoring service's stored requests, which survive a crash of its process.
    pub service_requests:
        BTreeMap<Address, BTreeMap<(u64, Address), super::messages::MonitorRequestMsg>>,
    last_ingested: Option<u64>,
    /// The account that minted the token network's token at genesis (the Raiden deployer); a
    /// protocol that builds on this one funds its own actors through it.
    pub minter: Address,
    /// When each participant accepted a partner proof: (channel, holder, nonce) → ms.
    pub received_at: BTreeMap<(u64, Address, U256), u64>,
}

impl RaidenState {
    pub fn new(
        chain: ChainIdx,
        chain_id: u64,
        block_time_ms: u64,
        genesis_ts: u64,
        blocks_mode: bool,
        slot_timeout: u64,
    ) -> RaidenState {
        RaidenState {
            chain,
            chain_id,
            block_time_ms,
            genesis_ts,
            blocks_mode,
            slot_timeout,
            token: Address::ZERO,
            tn: Address::ZERO,
            tn_registry: Address::ZERO,
            service_registry: Address::ZERO,
            udc: Address::ZERO,
            msc: Address::ZERO,
            secret_registry: Address::ZERO,
            flags: Vec::new(),
            actors: BTreeMap::new(),
            channels: BTreeMap::new(),
            preimages: BTreeMap::new(),
            signed: BTreeSet::new(),
            close_authorised: BTreeSet::new(),
            reward_proofs: BTreeSet::new(),
            held: BTreeMap::new(),
            services: BTreeMap::new(),
            reverts: BTreeMap::new(),
            gas_wei: BTreeMap::new(),
            fresh: BTreeMap::new(),
            udc_effective: BTreeMap::new(),
            nodes: BTreeMap::new(),
            service_requests: BTreeMap::new(),
            tx_calls: BTreeMap::new(),
            gas_by_function: BTreeMap::new(),
            channel_txs: BTreeMap::new(),
            withdraw_planned: BTreeSet::new(),
            registrations: BTreeMap::new(),
            overcommitment_peak: BTreeMap::new(),
            last_ingested: None,
            minter: Address::ZERO,
            received_at: BTreeMap::new(),
        }
    }

    pub fn add_actor(&mut self, id: ActorId, name: &str, kind: &str, address: Address) {
        self.actors.insert(
            address,
            ActorEntry {
                id,
                name: name.to_string(),
                kind: kind.to_string(),
            },
        );
        if super::MONITOR_KINDS.contains(&kind) {
            self.services.insert(address, ServiceStats::default());
        }
    }

    pub fn name_of(&self, a: Address) -> String {
        self.actors
            .get(&a)
            .map_or_else(|| a.to_string(), |e| e.name.clone())
    }

    /// Simulated time of the first block whose contract clock is past `clock`.
    pub fn sim_ms_after(&self, clock: u64) -> u64 {
        if self.blocks_mode {
            (clock + 1) * self.block_time_ms
        } else {
            let secs = (clock + 1).saturating_sub(self.genesis_ts);
            let ms = secs * 1000;
            ms.div_ceil(self.block_time_ms) * self.block_time_ms
        }
    }

    /// Simulated time at which the contract clock reaches `clock`.
    pub fn sim_ms_at(&self, clock: u64) -> u64 {
        if self.blocks_mode {
            clock * self.block_time_ms
        } else {
            clock.saturating_sub(self.genesis_ts) * 1000
        }
    }

    /// `owner`'s UserDeposit effective balance as of block `block` (0 before any deposit).
    pub fn effective_udc_at(&self, owner: Address, block: u64) -> U256 {
        self.udc_effective
            .get(&owner)
            .and_then(|h| h.iter().rev().find(|(b, _)| *b <= block))
            .map_or(U256::ZERO, |(_, v)| *v)
    }

    /// Records the effective balances after block `number` where they changed.
    fn record_udc(&mut self, probe: &mut Probe, number: u64) {
        let owners: Vec<Address> = self
            .actors
            .iter()
            .filter(|(_, e)| super::PARTICIPANT_KINDS.contains(&e.kind.as_str()))
            .map(|(a, _)| *a)
            .collect();
        for owner in owners {
            let Ok(v) = probe.view(
                self.chain,
                self.udc,
                &UserDeposit::effectiveBalanceCall { owner_: owner },
            ) else {
                continue;
            };
            let history = self.udc_effective.entry(owner).or_default();
            if history.last().map(|(_, last)| *last) != Some(v) {
                history.push((number, v));
            }
        }
    }

    /// Σ over a client's unfinished channels of the reward its newest monitor request promises,
    /// divided by its UserDeposit balance; keeps the peak per client.
    fn record_overcommitment(&mut self, probe: &mut Probe) {
        let mut promised: BTreeMap<(Address, u64), (U256, U256)> = BTreeMap::new();
        for (id, signer, nonce, reward) in &self.reward_proofs {
            let e = promised.entry((*signer, *id)).or_default();
            if *nonce >= e.0 {
                *e = (*nonce, *reward);
            }
        }
        let mut outstanding: BTreeMap<Address, U256> = BTreeMap::new();
        for ((owner, id), (_, reward)) in promised {
            let Some(ch) = self.channels.get(&id) else {
                continue;
            };
            let live_record = ch.reward.as_ref().is_some_and(|r| r.sender == owner);
            let finished = !ch.claims.is_empty() || (ch.settled.is_some() && !live_record);
            if !finished {
                *outstanding.entry(owner).or_default() += reward;
            }
        }
        for (owner, sum) in outstanding {
            if sum.is_zero() {
                continue;
            }
            let Ok(balance) = probe.view(self.chain, self.udc, &UserDeposit::balancesCall(owner))
            else {
                continue;
            };
            if balance.is_zero() {
                continue;
            }
            let ratio = u256_f64(sum) / u256_f64(balance);
            let peak = self.overcommitment_peak.entry(owner).or_insert(0.0);
            if ratio > *peak {
                *peak = ratio;
            }
        }
    }

    /// Records what a Raiden actor's transaction calls, for gas by function and per channel.
    pub fn note_tx(&mut self, tx: B256, function: String, to: Option<Address>, data: &[u8]) {
        let channel = self.channel_of_call(to, data);
        self.tx_calls.insert(tx, TxCall { function, channel });
    }

    /// The channel a token network or monitoring service call concerns: its first argument for
    /// the token network's channel functions and `claimReward`, the participants' live channel
    /// for `monitor`.
    fn channel_of_call(&self, to: Option<Address>, data: &[u8]) -> Option<u64> {
        let to = to?;
        if data.len() < 4 + 64 {
            return None;
        }
        let word = |i: usize| U256::from_be_slice(&data[4 + 32 * i..4 + 32 * (i + 1)]);
        let selector: [u8; 4] = data[..4].try_into().ok()?;
        let first_is_channel = (to == self.tn
            && [
                TokenNetwork::closeChannelCall::SELECTOR,
                TokenNetwork::updateNonClosingBalanceProofCall::SELECTOR,
                TokenNetwork::settleChannelCall::SELECTOR,
                TokenNetwork::setTotalDepositCall::SELECTOR,
                TokenNetwork::setTotalWithdrawCall::SELECTOR,
                TokenNetwork::cooperativeSettleCall::SELECTOR,
                TokenNetwork::unlockCall::SELECTOR,
            ]
            .contains(&selector))
            || (to == self.msc && selector == MonitoringService::claimRewardCall::SELECTOR);
        if first_is_channel {
            let id = word(0);
            return (id <= U256::from(u64::MAX)).then(|| id.to::<u64>());
        }
        if to == self.msc && selector == MonitoringService::monitorCall::SELECTOR {
            let as_address = |w: U256| Address::from_word(B256::from(w));
            let (p, q) = (as_address(word(0)), as_address(word(1)));
            return self
                .channels
                .values()
                .rev()
                .find(|c| c.party(p).is_some() && c.party(q).is_some() && p != q)
                .map(|c| c.id);
        }
        None
    }

    /// Channel whose reward identifier is `rid`.
    pub fn channel_by_reward_id(&self, rid: B256) -> Option<u64> {
        self.channels
            .keys()
            .copied()
            .find(|id| reward_identifier(*id, self.tn) == rid)
    }

    fn flag(&mut self, invariant: &'static str, detail: String) {
        self.fresh.entry(invariant).or_insert(detail);
    }

    /// Reads the receipts of the block just produced (once per block).
    pub fn ingest(&mut self, probe: &mut Probe) {
        let Some((chain, block)) = probe.last_block() else {
            return;
        };
        if chain != self.chain || self.last_ingested == Some(block.header.number) {
            return;
        }
        let header = block.header.clone();
        let receipts = block.receipts.clone();
        self.last_ingested = Some(header.number);
        self.fresh.clear();
        self.record_udc(probe, header.number);
        let clock = if self.blocks_mode {
            header.number
        } else {
            header.timestamp
        };
        for r in &receipts {
            let name = self.name_of(r.from);
            let cost = U256::from(r.gas_used) * U256::from(r.effective_gas_price);
            if self.actors.contains_key(&r.from) {
                *self.gas_wei.entry(name.clone()).or_default() += cost;
            }
            if let Some(call) = self.tx_calls.get(&r.tx).cloned() {
                let ok = r.status.is_success();
                *self
                    .gas_by_function
                    .entry((name.clone(), call.function.clone(), ok))
                    .or_default() += cost;
                if let Some(id) = call.channel {
                    let reason = match &r.status {
                        TxStatus::Success => String::new(),
                        TxStatus::Revert(d) => probe.revert_reason(d),
                        TxStatus::Halt(h) => h.clone(),
                    };
                    self.channel_txs.entry(id).or_default().push(ChannelTx {
                        sender: r.from,
                        function: call.function,
                        ok,
                        reason,
                        cost_wei: cost,
                    });
                }
            }
            let to_msc = r.to == Some(self.msc);
            if let Some(s) = self.services.get_mut(&r.from) {
                s.gas_wei += cost;
            }
            match &r.status {
                TxStatus::Success => {}
                TxStatus::Revert(data) => {
                    let reason = probe.revert_reason(data);
                    if let Some(s) = self.services.get_mut(&r.from) {
                        if to_msc && r.gas_used > 0 {
                            if reason.contains("reward")
                                || reason.contains("settled yet")
                                || reason.contains("UDC")
                            {
                                s.claims_reverted += 1;
                            } else {
                                s.monitors_reverted += 1;
                            }
                        }
                    }
                    *self.reverts.entry(reason).or_default() += 1;
                    continue;
                }
                TxStatus::Halt(reason) => {
                    *self.reverts.entry(reason.clone()).or_default() += 1;
                    continue;
                }
            }
            for log in &r.logs {
                self.on_log(probe, &header, clock, r.from, log);
            }
        }
        self.record_overcommitment(probe);
    }

    fn on_log(
        &mut self,
        probe: &mut Probe,
        header: &crate::chain::BlockHeader,
        clock: u64,
        sender: Address,
        log: &crate::chain::Log,
    ) {
        let Some(topic0) = log.topics.first().copied() else {
            return;
        };
        let t_ms = header.time.ms();
        if log.address == self.tn {
            if topic0 == TokenNetwork::ChannelOpened::SIGNATURE_HASH {
                if let Ok(e) = TokenNetwork::ChannelOpened::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) {
                    self.on_open(e);
                }
            } else if topic0 == TokenNetwork::ChannelNewDeposit::SIGNATURE_HASH {
                if let Ok(e) = TokenNetwork::ChannelNewDeposit::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) {
                    let id = e.channel_identifier.to::<u64>();
                    if let Some(ch) = self.channels.get_mut(&id) {
                        for p in [&mut ch.a, &mut ch.b] {
                            if p.address == e.participant {
                                p.deposit = e.total_deposit;
                            }
                        }
                    }
                }
            } else if topic0 == TokenNetwork::ChannelClosed::SIGNATURE_HASH {
                let Ok(e) = TokenNetwork::ChannelClosed::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) else {
                    return;
                };
                self.on_close(probe, header, clock, t_ms, e);
            } else if topic0 == TokenNetwork::NonClosingBalanceProofUpdated::SIGNATURE_HASH {
                let Ok(e) = TokenNetwork::NonClosingBalanceProofUpdated::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) else {
                    return;
                };
                self.on_update(header, t_ms, sender, e);
            } else if topic0 == TokenNetwork::ChannelSettled::SIGNATURE_HASH {
                let Ok(e) = TokenNetwork::ChannelSettled::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) else {
                    return;
                };
                self.on_settle(probe, header, clock, t_ms, e);
            } else if topic0 == TokenNetwork::ChannelWithdraw::SIGNATURE_HASH {
                let Ok(e) = TokenNetwork::ChannelWithdraw::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) else {
                    return;
                };
                if let Some(ch) = self.channels.get_mut(&e.channel_identifier.to::<u64>()) {
                    ch.withdrawn.insert(e.participant, e.total_withdraw);
                }
            }
        } else if log.address == self.udc {
            if topic0 == UserDeposit::WithdrawPlanned::SIGNATURE_HASH {
                if let Ok(e) = UserDeposit::WithdrawPlanned::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) {
                    self.withdraw_planned.insert(e.withdrawer);
                }
            }
        } else if log.address == self.service_registry {
            if topic0 == super::ServiceRegistry::RegisteredService::SIGNATURE_HASH {
                if let Ok(e) = super::ServiceRegistry::RegisteredService::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) {
                    *self.registrations.entry(e.service).or_default() += e.deposit_amount;
                }
            }
        } else if log.address == self.msc {
            if topic0 == MonitoringService::NewBalanceProofReceived::SIGNATURE_HASH {
                let Ok(e) = MonitoringService::NewBalanceProofReceived::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) else {
                    return;
                };
                self.on_monitor(probe, clock, e);
            } else if topic0 == MonitoringService::RewardClaimed::SIGNATURE_HASH {
                let Ok(e) = MonitoringService::RewardClaimed::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) else {
                    return;
                };
                self.on_claim(clock, e);
            }
        }
    }

    /// A channel opened during the run (genesis channels are recorded at set-up) between two
    /// known actors: a Raiden participant and, say, the payouts pipeline's payer.
    fn on_open(&mut self, e: TokenNetwork::ChannelOpened) {
        let id = e.channel_identifier.to::<u64>();
        if self.channels.contains_key(&id) {
            return;
        }
        let party = |a: Address| self.actors.get(&a).map(|x| (x.id, a, U256::ZERO));
        if let (Some(a), Some(b)) = (party(e.participant1), party(e.participant2)) {
            self.channels.insert(id, ChannelRecord::new(id, a, b));
        }
    }

    fn on_close(
        &mut self,
        probe: &mut Probe,
        header: &crate::chain::BlockHeader,
        clock: u64,
        t_ms: u64,
        e: TokenNetwork::ChannelClosed,
    ) {
        let id = e.channel_identifier.to::<u64>();
        let (chain, tn) = (self.chain, self.tn);
        let deadline = probe
            .view(
                chain,
                tn,
                &TokenNetwork::settleDeadlineCall {
                    channel_identifier: e.channel_identifier,
                },
            )
            .map(|d| d.to::<u64>())
            .unwrap_or(0);
        if !self.close_authorised.contains(&(id, e.closing_participant)) {
            self.flag(
                "raiden.no_replay",
                format!(
                    "channel {id} closed in the name of {} who never signed a type-1 counter-signature for it",
                    self.name_of(e.closing_participant)
                ),
            );
        }
        let Some(ch) = self.channels.get(&id) else {
            return;
        };
        let non_closer = ch.partner_of(e.closing_participant).map(|p| p.address);
        let mut problems = Vec::new();
        if let Some(nc) = non_closer {
            if !e.nonce.is_zero() {
                problems.extend(self.store_check(id, nc, e.nonce, e.balance_hash));
            }
        }
        let ch = self.channels.get_mut(&id).expect("present");
        ch.closed = Some(CloseRecord {
            t_ms,
            timestamp: header.timestamp,
            block: header.number,
            closer: e.closing_participant,
            nonce: e.nonce,
            deadline,
            clock,
        });
        for (inv, d) in problems {
            self.flag(inv, d);
        }
    }

    /// Checks and records a store into `owner`'s slot: strictly increasing nonce, and a
    /// balance hash the owner signed for this very channel.
    fn store_check(
        &mut self,
        id: u64,
        owner: Address,
        nonce: U256,
        balance_hash: B256,
    ) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let name = self.name_of(owner);
        let signed = self.signed.contains(&(id, owner, balance_hash));
        let Some(ch) = self.channels.get_mut(&id) else {
            return out;
        };
        let prev = ch.slot_nonce.get(&owner).copied().unwrap_or_default();
        if nonce <= prev {
            out.push((
                "raiden.monotone_nonces",
                format!("channel {id}: {name}'s slot went from nonce {prev} to {nonce}"),
            ));
        }
        ch.slot_nonce.insert(owner, nonce);
        if !signed {
            out.push((
                "raiden.no_replay",
                format!("channel {id}: stored balance hash {balance_hash} was never signed by {name} for this channel"),
            ));
        }
        out
    }

    fn on_update(
        &mut self,
        header: &crate::chain::BlockHeader,
        t_ms: u64,
        sender: Address,
        e: TokenNetwork::NonClosingBalanceProofUpdated,
    ) {
        let id = e.channel_identifier.to::<u64>();
        let problems = self.store_check(id, e.closing_participant, e.nonce, e.balance_hash);
        for (inv, d) in problems {
            self.flag(inv, d);
        }
        let blocks = self.blocks_mode;
        let deadline_flag = self
            .flags
            .iter()
            .any(|(k, v)| *k == "update_deadline" && v == "true");
        if let Some(ch) = self.channels.get_mut(&id) {
            if let Some(c) = &ch.closed {
                if blocks && deadline_flag && header.number > c.deadline {
                    let d = format!(
                        "channel {id} updated in block {} after settle block {}",
                        header.number, c.deadline
                    );
                    self.fresh.entry("raiden.access_windows").or_insert(d);
                }
            }
            ch.updates.push(UpdateRecord {
                t_ms,
                block: header.number,
                nonce: e.nonce,
                sender,
                ms: None,
            });
        }
    }

    fn on_monitor(
        &mut self,
        probe: &mut Probe,
        clock: u64,
        e: MonitoringService::NewBalanceProofReceived,
    ) {
        let id = e.channel_identifier.to::<u64>();
        let registered = probe
            .view(
                self.chain,
                self.service_registry,
                &super::ServiceRegistry::hasValidRegistrationCall {
                    service: e.ms_address,
                },
            )
            .unwrap_or(false);
        let ms_name = self.name_of(e.ms_address);
        let authentic =
            self.reward_proofs
                .contains(&(id, e.raiden_node_address, e.nonce, e.reward_amount));
        let slot_timeout = self.slot_timeout;
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        if let Some(s) = self.services.get_mut(&e.ms_address) {
            s.monitors_ok += 1;
        }
        let Some(ch) = self.channels.get_mut(&id) else {
            return;
        };
        if !registered {
            problems.push((
                "raiden.access_windows",
                format!("{ms_name} monitored channel {id} without a valid registration"),
            ));
        }
        match &ch.closed {
            None => problems.push((
                "raiden.access_windows",
                format!("{ms_name} monitored channel {id}, which is not closed"),
            )),
            Some(c) => {
                let close_clock = c.deadline.saturating_sub(slot_timeout);
                if let Some(first) = slot::first_allowed(
                    U256::from(close_clock),
                    U256::from(slot_timeout),
                    ch.a.address,
                    ch.b.address,
                    e.ms_address,
                ) {
                    if U256::from(clock) < first {
                        problems.push((
                            "raiden.access_windows",
                            format!("{ms_name} monitored channel {id} at {clock}, before its slot at {first}"),
                        ));
                    }
                }
            }
        }
        if let Some(prev) = &ch.reward {
            if e.nonce <= prev.nonce {
                problems.push((
                    "raiden.monotone_nonces",
                    format!(
                        "channel {id}: reward record nonce went from {} to {}",
                        prev.nonce, e.nonce
                    ),
                ));
            }
        }
        if !authentic {
            problems.push((
                "raiden.reward_accounting",
                format!(
                    "channel {id}: reward record ({} for nonce {}) is not covered by a reward proof its sender signed",
                    e.reward_amount, e.nonce
                ),
            ));
        }
        ch.reward = Some(RewardRecord {
            ms: e.ms_address,
            amount: e.reward_amount,
            nonce: e.nonce,
            sender: e.raiden_node_address,
        });
        if let Some(u) = ch.updates.last_mut() {
            u.ms = Some(e.ms_address);
        }
        for (inv, d) in problems {
            self.flag(inv, d);
        }
    }

    fn on_claim(&mut self, clock: u64, e: MonitoringService::RewardClaimed) {
        let Some(id) = self.channel_by_reward_id(e.reward_identifier) else {
            return;
        };
        let ms_name = self.name_of(e.ms_address);
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let ch = self.channels.get_mut(&id).expect("present");
        match ch.reward.take() {
            None => problems.push((
                "raiden.reward_accounting",
                format!("channel {id}: {ms_name} was paid {} with no live reward record (a second claim)", e.amount),
            )),
            Some(r) => {
                if r.amount != e.amount || r.ms != e.ms_address {
                    problems.push((
                        "raiden.reward_accounting",
                        format!("channel {id}: claim paid {} to {ms_name}, record said {} to {}", e.amount, r.amount, r.ms),
                    ));
                }
            }
        }
        if let Some(c) = &ch.closed {
            if clock <= c.deadline {
                problems.push((
                    "raiden.access_windows",
                    format!(
                        "channel {id}: reward claimed at {clock}, window ends at {}",
                        c.deadline
                    ),
                ));
            }
        }
        ch.claims.push((e.ms_address, e.amount));
        if let Some(s) = self.services.get_mut(&e.ms_address) {
            s.claims_ok += 1;
            s.rewards += e.amount;
        }
        for (inv, d) in problems {
            self.flag(inv, d);
        }
    }

    fn on_settle(
        &mut self,
        probe: &mut Probe,
        header: &crate::chain::BlockHeader,
        clock: u64,
        t_ms: u64,
        e: TokenNetwork::ChannelSettled,
    ) {
        let id = e.channel_identifier.to::<u64>();
        let (chain, tn) = (self.chain, self.tn);
        let mut left = U256::ZERO;
        for (s, r) in [
            (e.participant1, e.participant2),
            (e.participant2, e.participant1),
        ] {
            let key = keccak256((e.channel_identifier, s, r).abi_encode_packed());
            if let Ok(u) = probe.view(
                chain,
                tn,
                &TokenNetwork::unlock_identifier_to_unlock_dataCall(key),
            ) {
                left += u.locked_amount;
            }
        }
        let held = self.held.clone();
        let Some(ch) = self.channels.get_mut(&id) else {
            return;
        };
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let tad = (ch.a.deposit + ch.b.deposit)
            .saturating_sub(ch.withdrawn_by(ch.a.address))
            .saturating_sub(ch.withdrawn_by(ch.b.address));
        let paid = e.participant1_amount + e.participant2_amount;
        if paid + left != tad || e.participant1_amount > tad || e.participant2_amount > tad {
            problems.push((
                "raiden.settlement_conservation",
                format!(
                    "channel {id}: paid {} + {} and kept {left} locked, but the available deposit is {tad}",
                    e.participant1_amount, e.participant2_amount
                ),
            ));
        }
        if let Some(c) = &ch.closed {
            if clock <= c.deadline {
                problems.push((
                    "raiden.access_windows",
                    format!(
                        "channel {id} settled at {clock}, window ends at {}",
                        c.deadline
                    ),
                ));
            }
        }
        let mut amounts = BTreeMap::new();
        amounts.insert(e.participant1, e.participant1_amount);
        amounts.insert(e.participant2, e.participant2_amount);
        let mut expected = BTreeMap::new();
        for (me, partner) in [(&ch.a, &ch.b), (&ch.b, &ch.a)] {
            let from_partner = held.get(&(id, me.address)).copied();
            let from_me = held.get(&(id, partner.address)).copied();
            let want = expected_payout(
                Side {
                    deposit: me.deposit,
                    withdrawn: ch.withdrawn_by(me.address),
                    transferred: from_me.map_or(U256::ZERO, |h| h.transferred),
                    ..Side::default()
                },
                Side {
                    deposit: partner.deposit,
                    withdrawn: ch.withdrawn_by(partner.address),
                    transferred: from_partner.map_or(U256::ZERO, |h| h.transferred),
                    ..Side::default()
                },
            );
            expected.insert(me.address, want);
            // Honest-outcome safety: the non-closer whose newest partner proof is on chain gets
            // at least what it expects.
            let non_closer = ch.closed.as_ref().is_some_and(|c| c.closer != me.address);
            let newest_on_chain = match from_partner {
                None => true,
                Some(h) => {
                    ch.slot_nonce
                        .get(&partner.address)
                        .copied()
                        .unwrap_or_default()
                        >= h.nonce
                }
            };
            let got = amounts.get(&me.address).copied().unwrap_or_default();
            if non_closer && newest_on_chain && got < want {
                problems.push((
                    "raiden.honest_outcome",
                    format!("channel {id}: non-closer's newest partner proof was on chain, yet it got {got} < expected {want}"),
                ));
            }
        }
        ch.settled = Some(SettleRecord {
            t_ms,
            block: header.number,
            amounts,
            expected,
        });
        for (inv, d) in problems {
            self.flag(inv, d);
        }
    }

    /// UDC balances of every known actor (for the reward accounting check).
    pub fn udc_balances(&self, probe: &mut Probe) -> Result<(U256, U256, U256), String> {
        let mut sum = U256::ZERO;
        for a in self.actors.keys() {
            sum += probe
                .view(self.chain, self.udc, &UserDeposit::balancesCall(*a))
                .map_err(|e| format!("balances: {e}"))?;
        }
        let whole = probe
            .view(self.chain, self.udc, &UserDeposit::whole_balanceCall {})
            .map_err(|e| format!("whole_balance: {e}"))?;
        let held = probe
            .view(
                self.chain,
                self.token,
                &crate::protocols::token::Token::balanceOfCall { account: self.udc },
            )
            .map_err(|e| format!("balanceOf: {e}"))?;
        Ok((sum, whole, held))
    }
}

/// A token amount in base units as a float.
pub fn u256_f64(v: U256) -> f64 {
    v.to_string().parse().unwrap_or(f64::MAX)
}

/// `keccak256(uint256 channel_identifier ‖ address token_network)`.
pub fn reward_identifier(channel: u64, tn: Address) -> B256 {
    keccak256((U256::from(channel), tn).abi_encode_packed())
}

/// The token network's state of channel `id` between `a` and `b` (0 when the view fails: no
/// such channel), as every Raiden party and the payouts payer read it.
pub fn channel_state(
    ctx: &mut crate::engine::actor::Ctx,
    chain: ChainIdx,
    tn: Address,
    id: u64,
    a: Address,
    b: Address,
) -> u8 {
    ctx.view(
        chain,
        tn,
        &TokenNetwork::getChannelStateCall {
            channel_identifier: U256::from(id),
            participant1: a,
            participant2: b,
        },
    )
    .unwrap_or(0)
}

/// What the token network holds for `participant`'s side of channel `id` with `partner`
/// (`None` when the view fails), as every Raiden party and the payouts payer read it.
pub fn participant_info(
    ctx: &mut crate::engine::actor::Ctx,
    chain: ChainIdx,
    tn: Address,
    id: u64,
    participant: Address,
    partner: Address,
) -> Option<<TokenNetwork::getChannelParticipantInfoCall as SolCall>::Return> {
    ctx.view(
        chain,
        tn,
        &TokenNetwork::getChannelParticipantInfoCall {
            channel_identifier: U256::from(id),
            participant,
            partner,
        },
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_deposit_history_answers_for_older_blocks() {
        let mut s = RaidenState::new(ChainIdx(0), 1, 12_000, 0, false, 240);
        let owner = Address::with_last_byte(7);
        s.udc_effective
            .insert(owner, vec![(3, U256::from(20u64)), (9, U256::from(5u64))]);
        assert_eq!(s.effective_udc_at(owner, 2), U256::ZERO);
        assert_eq!(s.effective_udc_at(owner, 3), U256::from(20u64));
        assert_eq!(s.effective_udc_at(owner, 8), U256::from(20u64));
        assert_eq!(s.effective_udc_at(owner, 9), U256::from(5u64));
        assert_eq!(
            s.effective_udc_at(Address::with_last_byte(8), 100),
            U256::ZERO
        );
    }
}

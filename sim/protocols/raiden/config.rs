//! Scenario parameters of the Raiden protocol and its actors, their validation, and genesis:
//! deploying the contracts, funding actors and opening the configured channels.

use super::observe::{ChannelRecord, RaidenState, Shared};
use super::*;
use crate::engine::genesis::Genesis;
use crate::engine::time::Dur;
use crate::protocols::token::{Token, TOKEN_ARTIFACT};
use crate::protocols::{ActorParams, ProtocolConfig, Setup};
use crate::scenario::error::ScenarioError;
use crate::scenario::units::{Amount, Probability};
use crate::scenario::yaml::{from_node, Located, Node};
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolConstructor;
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;

fn ether(n: u64) -> Amount {
    Amount(U256::from(n) * U256::from(10u64).pow(U256::from(18u64)))
}

/// What the contracts compare against (specs §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeMode {
    /// `block.timestamp`, one settle timeout per token network (the current contracts).
    #[default]
    Seconds,
    /// `block.number`, a settle timeout per channel (the older, mainnet-deployed release).
    Blocks,
}

/// A deliberately broken contract rule, for showing that an invariant catches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    /// The token network stores a balance proof whatever its nonce.
    NonceAny,
    /// `settleChannel` skips the settlement-window check.
    SettleEarly,
    /// `closeChannel` also accepts a type-2 (update) counter-signature.
    TypeIgnored,
    /// Settlement ignores the transferred amounts (pays deposits back).
    IgnoresTransfers,
    /// Settlement pays side 1 the transferred difference a second time.
    Overpays,
    /// `claimReward` keeps the reward record.
    ClaimKeepsRecord,
    /// `monitor` skips the per-service slot check.
    NoSlot,
    /// `monitor` does not check who signed the reward proof.
    RewardUnchecked,
    /// `settleChannel` checks the order of the two sides the wrong way round, refusing every
    /// honestly ordered call with unequal transfers.
    UnorderedSettle,
}

impl Defect {
    fn bit(self) -> u64 {
        match self {
            Defect::NonceAny => 1,
            Defect::SettleEarly => 2,
            Defect::TypeIgnored => 4,
            Defect::IgnoresTransfers => 8,
            Defect::Overpays => 128,
            Defect::ClaimKeepsRecord => 16,
            Defect::NoSlot => 32,
            Defect::RewardUnchecked => 64,
            Defect::UnorderedSettle => 256,
        }
    }
}

/// One channel opened at genesis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    pub a: Located<String>,
    pub b: Located<String>,
    #[serde(default = "default_deposit")]
    pub deposit_a: Amount,
    #[serde(default = "default_deposit")]
    pub deposit_b: Amount,
}

fn default_deposit() -> Amount {
    ether(100)
}

/// Parameters under `protocols.raiden`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaidenConfig {
    pub chain: Located<String>,
    #[serde(default)]
    pub time_mode: TimeMode,
    /// Seconds mode: the token network's settle timeout `T` (whole seconds, at least 2 s).
    #[serde(default = "default_settle_timeout")]
    pub settle_timeout: Dur,
    /// Blocks mode: bounds of the per-channel timeout and the timeout channels open with.
    #[serde(default = "default_min_blocks")]
    pub settle_timeout_min: u64,
    #[serde(default = "default_max_blocks")]
    pub settle_timeout_max: u64,
    #[serde(default = "default_channel_blocks")]
    pub settle_timeout_blocks: u64,
    /// Updates must land before the window ends; default: on exactly in blocks mode.
    #[serde(default)]
    pub update_deadline: Option<bool>,
    /// `intended`: reject high-s signatures; faithful (default): accept them.
    #[serde(default)]
    pub reject_high_s: bool,
    /// Registration price decays as in the Raiden ServiceRegistry (default: fixed price).
    #[serde(default)]
    pub decaying_price: bool,
    #[serde(default = "default_price")]
    pub registration_price: Amount,
    #[serde(default = "default_registration")]
    pub registration_duration: Dur,
    /// UserDeposit withdraw delay (seconds mode).
    #[serde(default = "default_withdraw")]
    pub withdraw_timeout: Dur,
    /// UserDeposit withdraw delay (blocks mode).
    #[serde(default = "default_withdraw_blocks")]
    pub withdraw_timeout_blocks: u64,
    /// Tokens every Raiden actor holds at genesis.
    #[serde(default = "default_balance")]
    pub initial_balance: Amount,
    #[serde(default)]
    pub channels: Vec<ChannelSpec>,
    /// Deliberate contract defects (tests of the invariants only).
    #[serde(default)]
    pub defects: Vec<Defect>,
}

fn default_settle_timeout() -> Dur {
    Dur::secs(240)
}
fn default_min_blocks() -> u64 {
    20
}
fn default_max_blocks() -> u64 {
    100
}
fn default_channel_blocks() -> u64 {
    40
}
fn default_price() -> Amount {
    ether(1000)
}
fn default_registration() -> Dur {
    Dur::days(1)
}
fn default_withdraw() -> Dur {
    Dur::secs(60)
}
fn default_withdraw_blocks() -> u64 {
    5
}
fn default_balance() -> Amount {
    ether(2000)
}

/// Parses and validates `protocols.raiden`.
pub fn parse(node: &Node) -> Result<RaidenConfig, ScenarioError> {
    let c: RaidenConfig = from_node(node)?;
    let at = |key: &str| node.get(key).map_or(node.loc, |n| n.loc);
    match c.time_mode {
        TimeMode::Seconds => {
            let t = c.settle_timeout.as_ms();
            if t % 1000 != 0 || t < 2000 {
                return Err(ScenarioError::at(
                    at("settle_timeout"),
                    format!(
                        "settle_timeout must be whole seconds and at least 2s, got {}",
                        c.settle_timeout
                    ),
                )
                .with_hint("the monitoring slot divides by ⌊T/2⌋; e.g. `settle_timeout: 240s`"));
            }
        }
        TimeMode::Blocks => {
            if c.settle_timeout_min < 2 || c.settle_timeout_min > c.settle_timeout_max {
                return Err(ScenarioError::at(
                    at("settle_timeout_min"),
                    "need 2 ≤ settle_timeout_min ≤ settle_timeout_max",
                )
                .with_hint("e.g. `settle_timeout_min: 20, settle_timeout_max: 100`"));
            }
            if c.settle_timeout_blocks < c.settle_timeout_min
                || c.settle_timeout_blocks > c.settle_timeout_max
            {
                return Err(ScenarioError::at(
                    at("settle_timeout_blocks"),
                    format!(
                        "settle_timeout_blocks {} is outside [{}, {}]",
                        c.settle_timeout_blocks, c.settle_timeout_min, c.settle_timeout_max
                    ),
                ));
            }
        }
    }
    if c.registration_duration.as_ms() < 1000 {
        return Err(ScenarioError::at(
            at("registration_duration"),
            "registration_duration must be at least 1s",
        ));
    }
    for ch in &c.channels {
        if ch.a.value == ch.b.value {
            return Err(ScenarioError::at(
                ch.b.loc,
                format!(
                    "a channel needs two different participants, got `{}` twice",
                    ch.a.value
                ),
            ));
        }
    }
    Ok(c)
}

/// The griefing strategies of specs §8 a `raiden.griefing_client` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GriefKind {
    /// G1: broadcast an older proof, keep the newest, front-run the service's slot.
    WithholdNewest,
    /// G1b: after a service's monitor, submit a newer proof directly.
    RewardDodge,
    /// G2: after a service's monitor, plan to withdraw the whole deposit and withdraw.
    RewardEscape,
    /// G5: send monitor requests only after the channel was closed.
    LateRequests,
    /// With each genuine request, also send one for a channel that does not exist (a proof
    /// it signs itself); services store it until they purge requests whose channel stayed
    /// unknown for 15 minutes.
    RequestSpam,
}

/// Parameters of participant-like actors (`participant`, `stale_closer`, `settle_racer`,
/// `griefing_client`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantParams {
    /// Partner this participant pays (must share a channel with it).
    #[serde(default)]
    pub pays: Option<Located<String>>,
    #[serde(default = "default_amount")]
    pub amount: Amount,
    #[serde(default = "default_every")]
    pub every: Dur,
    /// Number of payments (0: none).
    #[serde(default = "default_payments")]
    pub payments: u32,
    /// Broadcast monitor requests for the partner's newest proofs.
    #[serde(default = "yes")]
    pub monitoring: bool,
    #[serde(default = "default_reward")]
    pub reward: Amount,
    /// UserDeposit balance it deposits at start (reward budget).
    #[serde(default = "default_udc")]
    pub udc_deposit: Amount,
    /// Delay before reacting to a close on chain.
    #[serde(default = "default_reaction")]
    pub reaction_delay: Dur,
    /// Update the channel itself when the partner closes.
    #[serde(default = "yes")]
    pub self_update: bool,
    /// Close its channel(s) at this time.
    #[serde(default)]
    pub close_at: Option<Dur>,
    /// Stale closer: close with the partner's proof of this nonce (0 = no proof at all).
    #[serde(default)]
    pub close_with: Option<u64>,
    /// Settle in the first block the window allows, at the top of the block.
    #[serde(default)]
    pub race_settle: Option<bool>,
    /// Settle closed channels after the window.
    #[serde(default = "yes")]
    pub settle: bool,
    /// Try to settle this long after the close instead of after the window (an impatient
    /// settler; the contract must refuse).
    #[serde(default)]
    pub settle_after: Option<Dur>,
    /// Griefing strategy (`raiden.griefing_client` only).
    #[serde(default)]
    pub grief: Option<Located<GriefKind>>,
    /// Priority fee in gwei of ordinary transactions.
    #[serde(default = "default_tip")]
    pub tip_gwei: u64,
    #[serde(skip)]
    pub role: Role,
}

/// Behaviour family of a participant-like actor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Role {
    #[default]
    Honest,
    StaleCloser,
    SettleRacer,
    Griefing,
}

fn yes() -> bool {
    true
}
fn default_amount() -> Amount {
    ether(1)
}
fn default_every() -> Dur {
    Dur::mins(1)
}
fn default_payments() -> u32 {
    5
}
fn default_reward() -> Amount {
    ether(5)
}
fn default_udc() -> Amount {
    ether(20)
}
fn default_reaction() -> Dur {
    Dur::secs(30)
}
fn default_tip() -> u64 {
    1
}

/// Parameters of monitoring services (`monitoring_service`, `grinding_service`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorParams {
    /// Smallest reward it works for.
    #[serde(default = "default_reward")]
    pub min_reward: Amount,
    /// Blocks behind the head it waits before acting on an event.
    #[serde(default = "default_confirmations")]
    pub confirmations: u64,
    /// Processing latency added to every action.
    #[serde(default)]
    pub latency: Dur,
    /// Lazy service: probability that it carries out a monitor action at all.
    #[serde(default = "certain")]
    pub act_probability: Probability,
    /// Pause after a "too early" simulation.
    #[serde(default = "default_retry")]
    pub retry_too_early: Dur,
    /// Monitor requests for channels closed this many (confirmed) blocks ago are dropped.
    #[serde(default = "default_close_margin")]
    pub close_margin: u64,
    /// Register in the ServiceRegistry at start.
    #[serde(default = "yes")]
    pub register: bool,
    #[serde(default = "default_tip")]
    pub tip_gwei: u64,
    /// Grinding service: the operator all its registrations belong to.
    #[serde(default)]
    pub operator: Option<String>,
    /// Greedy service: sends `claimReward` a second time after its first claim.
    #[serde(default)]
    pub claim_twice: bool,
    /// Rogue service: at this time, tries to close every channel it holds a request for in the
    /// requester's name, with the requester's type-2 counter-signature.
    #[serde(default)]
    pub replay_close_at: Option<Dur>,
    /// Rogue service: submits requests with this reward instead of the promised one, under a
    /// reward proof it signs itself (the contract must refuse it).
    #[serde(default)]
    pub forge_reward: Option<Amount>,
    /// Eager service: tries to monitor as soon as it sees the close, ignoring its slot (the
    /// contract must refuse until the slot opens).
    #[serde(default)]
    pub eager: bool,
    /// The seed draft's option: hold back while another service's `monitor` for the same
    /// channel is pending in the public mempool.
    #[serde(default)]
    pub mempool_watch: bool,
}

fn default_confirmations() -> u64 {
    1
}
fn certain() -> Probability {
    Probability(1.0)
}
fn default_retry() -> Dur {
    Dur::secs(10)
}
fn default_close_margin() -> u64 {
    10
}

/// Parses and validates one actor's parameters.
pub fn parse_actor(kind: &str, node: &Node) -> Result<Box<dyn ActorParams>, ScenarioError> {
    match kind {
        "participant" | "stale_closer" | "settle_racer" | "griefing_client" => {
            let mut p: ParticipantParams = from_node(node)?;
            p.role = match kind {
                "participant" => Role::Honest,
                "stale_closer" => Role::StaleCloser,
                "settle_racer" => Role::SettleRacer,
                _ => Role::Griefing,
            };
            if matches!(p.role, Role::StaleCloser | Role::SettleRacer) && p.close_at.is_none() {
                return Err(
                    ScenarioError::at(node.loc, format!("raiden.{kind} needs `close_at`"))
                        .with_hint("e.g. `close_at: 20m`"),
                );
            }
            if p.role == Role::Griefing && p.grief.is_none() {
                return Err(
                    ScenarioError::at(node.loc, "raiden.griefing_client needs `grief`").with_hint(
                        "one of withhold_newest, reward_dodge, reward_escape, late_requests, request_spam",
                    ),
                );
            }
            if p.role != Role::Griefing {
                if let Some(g) = &p.grief {
                    return Err(ScenarioError::at(
                        g.loc,
                        "`grief` is only for raiden.griefing_client",
                    ));
                }
            }
            if p.payments > 0 && p.every.as_ms() == 0 {
                return Err(ScenarioError::at(
                    node.get("every").map_or(node.loc, |n| n.loc),
                    "`every` must be positive",
                ));
            }
            Ok(Box::new(p))
        }
        "monitoring_service" | "grinding_service" => {
            let p: MonitorParams = from_node(node)?;
            if kind == "grinding_service" && p.operator.is_none() {
                return Err(ScenarioError::at(
                    node.loc,
                    "raiden.grinding_service needs `operator` (its registrations share it)",
                )
                .with_hint(
                    "e.g. `{ kind: raiden.grinding_service, count: 3, operator: mallory }`",
                ));
            }
            if kind == "monitoring_service" && p.operator.is_some() {
                return Err(ScenarioError::at(
                    node.get("operator").map_or(node.loc, |n| n.loc),
                    "`operator` is only for raiden.grinding_service",
                ));
            }
            if p.retry_too_early.as_ms() == 0 {
                return Err(ScenarioError::at(
                    node.get("retry_too_early").map_or(node.loc, |n| n.loc),
                    "`retry_too_early` must be positive",
                ));
            }
            Ok(Box::new(p))
        }
        other => Err(ScenarioError::new(format!(
            "unknown raiden actor kind `{other}`"
        ))),
    }
}

impl RaidenConfig {
    fn blocks(&self) -> bool {
        self.time_mode == TimeMode::Blocks
    }

    fn defect_bits(&self) -> u64 {
        self.defects.iter().fold(0, |acc, d| acc | d.bit())
    }
}

fn deploy(
    g: &mut Genesis,
    chain: crate::chain::ChainIdx,
    name: &str,
    abi: &str,
    bytecode: &[u8],
    args: Vec<u8>,
) -> Result<Address, String> {
    let mut initcode = bytecode.to_vec();
    initcode.extend(args);
    g.deploy(chain, name, abi, initcode.into())
}

impl ProtocolConfig for RaidenConfig {
    fn chains(&self) -> Vec<Located<String>> {
        vec![self.chain.clone()]
    }

    fn actor_refs(&self) -> Vec<Located<String>> {
        self.channels
            .iter()
            .flat_map(|c| [c.a.clone(), c.b.clone()])
            .collect()
    }

    fn setup(&self, g: &mut Genesis) -> Result<Setup, String> {
        let chain = g
            .chain(&self.chain.value)
            .ok_or_else(|| format!("no chain `{}`", self.chain.value))?;
        let (chain_id, block_time_ms, genesis_ts) = {
            let c = g.core.chains[chain.0 as usize].chain.config();
            (c.chain_id, c.block_time_ms, c.genesis_timestamp)
        };
        let blocks = self.blocks();
        let deployer = g.deployer();
        let token = deploy(
            g,
            chain,
            "Token",
            TOKEN_ARTIFACT,
            &Token::BYTECODE,
            Token::constructorCall {
                name_: "Raiden Test Token".into(),
                symbol_: "RTT".into(),
            }
            .abi_encode(),
        )?;
        let secret_registry = deploy(
            g,
            chain,
            "SecretRegistry",
            SECRET_REGISTRY_ARTIFACT,
            &SecretRegistry::BYTECODE,
            SecretRegistry::constructorCall {
                blocks_mode_: blocks,
            }
            .abi_encode(),
        )?;
        let settle_timeout_secs = self.settle_timeout.as_ms() / 1000;
        let defects = self.defect_bits();
        let update_deadline = self.update_deadline.unwrap_or(blocks);
        let tn = deploy(
            g,
            chain,
            "TokenNetwork",
            TOKEN_NETWORK_ARTIFACT,
            &TokenNetwork::BYTECODE,
            TokenNetwork::constructorCall {
                token_: token,
                secret_registry_: secret_registry,
                chain_id_: U256::from(chain_id),
                settle_timeout_: U256::from(if blocks { 0 } else { settle_timeout_secs }),
                settlement_timeout_min_: U256::from(self.settle_timeout_min),
                settlement_timeout_max_: U256::from(self.settle_timeout_max),
                blocks_mode_: blocks,
                update_deadline_: update_deadline,
                reject_high_s_: self.reject_high_s,
                defects_: U256::from(defects),
            }
            .abi_encode(),
        )?;
        let tn_registry = deploy(
            g,
            chain,
            "TokenNetworkRegistry",
            TOKEN_NETWORK_REGISTRY_ARTIFACT,
            &TokenNetworkRegistry::BYTECODE,
            Vec::new(),
        )?;
        let service_registry = deploy(
            g,
            chain,
            "ServiceRegistry",
            SERVICE_REGISTRY_ARTIFACT,
            &ServiceRegistry::BYTECODE,
            ServiceRegistry::constructorCall {
                token_: token,
                initial_price: self.registration_price.0,
                registration_duration_: U256::from(self.registration_duration.as_ms() / 1000),
                decaying_price_: self.decaying_price,
                decay_constant_: U256::from(200u64 * 86_400),
                min_price_: U256::from(1000u64),
                price_bump_numerator_: U256::from(1u64),
                price_bump_denominator_: U256::from(1u64),
            }
            .abi_encode(),
        )?;
        let udc = deploy(
            g,
            chain,
            "UserDeposit",
            USER_DEPOSIT_ARTIFACT,
            &UserDeposit::BYTECODE,
            UserDeposit::constructorCall {
                token_: token,
                withdraw_timeout_: U256::from(if blocks {
                    self.withdraw_timeout_blocks
                } else {
                    self.withdraw_timeout.as_ms() / 1000
                }),
                whole_balance_limit_: U256::MAX,
                blocks_mode_: blocks,
            }
            .abi_encode(),
        )?;
        let msc = deploy(
            g,
            chain,
            "MonitoringService",
            MONITORING_SERVICE_ARTIFACT,
            &MonitoringService::BYTECODE,
            MonitoringService::constructorCall {
                token_: token,
                service_registry_: service_registry,
                user_deposit_: udc,
                token_network_registry_: tn_registry,
                chain_id_: U256::from(chain_id),
                reject_high_s_: self.reject_high_s,
                defects_: U256::from(defects),
            }
            .abi_encode(),
        )?;
        g.call(
            chain,
            deployer,
            tn_registry,
            &TokenNetworkRegistry::registerTokenNetworkCall {
                token,
                token_network: tn,
            },
        )?;
        g.call(chain, deployer, udc, &UserDeposit::initCall { msc })?;

        let mut state = RaidenState::new(
            chain,
            chain_id,
            block_time_ms,
            genesis_ts,
            blocks,
            if blocks {
                self.settle_timeout_min
            } else {
                settle_timeout_secs
            },
        );
        state.token = token;
        state.minter = deployer;
        state.tn = tn;
        state.tn_registry = tn_registry;
        state.service_registry = service_registry;
        state.udc = udc;
        state.msc = msc;
        state.secret_registry = secret_registry;
        state.flags = vec![
            (
                "time_mode",
                if blocks { "blocks" } else { "seconds" }.into(),
            ),
            ("update_deadline", update_deadline.to_string()),
            ("reject_high_s", self.reject_high_s.to_string()),
            ("decaying_price", self.decaying_price.to_string()),
            ("defects", defects.to_string()),
        ];

        // Fund every Raiden actor and let the contracts pull its tokens.
        for (id, name, kind, address) in g.actors() {
            if !kind.starts_with("raiden.") {
                continue;
            }
            g.call(
                chain,
                deployer,
                token,
                &Token::mintCall {
                    to: address,
                    amount: self.initial_balance.0,
                },
            )?;
            for spender in [tn, udc, service_registry] {
                g.call(
                    chain,
                    address,
                    token,
                    &Token::approveCall {
                        spender,
                        amount: U256::MAX,
                    },
                )?;
            }
            state.add_actor(id, &name, &kind, address);
        }

        // Open and fund the configured channels.
        for spec in &self.channels {
            let find = |n: &str| {
                g.actors()
                    .into_iter()
                    .find(|(_, name, _, _)| name == n)
                    .ok_or_else(|| format!("no actor `{n}`"))
            };
            let (ida, _, ka, a) = find(&spec.a.value)?;
            let (idb, _, kb, b) = find(&spec.b.value)?;
            for (k, n) in [(&ka, &spec.a.value), (&kb, &spec.b.value)] {
                if !PARTICIPANT_KINDS.contains(&k.as_str()) {
                    return Err(format!(
                        "channel participant `{n}` is a {k}, not a participant kind"
                    ));
                }
            }
            let id = if blocks {
                g.call(
                    chain,
                    deployer,
                    tn,
                    &TokenNetwork::openChannel_0Call {
                        participant1: a,
                        participant2: b,
                        settle_timeout_: U256::from(self.settle_timeout_blocks),
                    },
                )?
            } else {
                g.call(
                    chain,
                    deployer,
                    tn,
                    &TokenNetwork::openChannel_1Call {
                        participant1: a,
                        participant2: b,
                    },
                )?
            };
            for (who, partner, amount) in [(a, b, spec.deposit_a.0), (b, a, spec.deposit_b.0)] {
                if amount.is_zero() {
                    continue;
                }
                g.call(
                    chain,
                    who,
                    tn,
                    &TokenNetwork::setTotalDepositCall {
                        channel_identifier: id,
                        participant: who,
                        total_deposit: amount,
                        partner,
                    },
                )?;
            }
            let id = id.to::<u64>();
            state.channels.insert(
                id,
                ChannelRecord::new(id, (ida, a, spec.deposit_a.0), (idb, b, spec.deposit_b.0)),
            );
        }

        let shared: Shared = Rc::new(RefCell::new(state));
        let metrics_view = shared.clone();
        Ok(Setup {
            shared: shared.clone(),
            invariants: invariants::all(&shared),
            metrics: Box::new(move |probe| metrics::collect(&metrics_view, probe)),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::load_str;

    fn scenario(protocol: &str, actors: &str) -> String {
        format!(
            "name: x\nquestion: q\nseed: 1\nduration: 1h\nchains:\n  l1: {{ block_time: 12s }}\nprotocols:\n  raiden: {{ chain: l1{protocol} }}\nactors:\n{actors}"
        )
    }

    fn error(text: &str) -> crate::scenario::ScenarioError {
        load_str(text, "bad.yaml").expect_err("must be rejected")
    }

    #[test]
    fn bad_parameters_are_located_errors() {
        let e = error(&scenario(
            ", settle_timeout: 1s",
            "  - { kind: raiden.participant, name: a }\n",
        ));
        assert!(e.message.contains("at least 2s"), "{e}");
        assert_eq!(e.loc.map(|l| l.line), Some(8));
        let e = error(&scenario(
            ", time_mode: minutes",
            "  - { kind: raiden.participant, name: a }\n",
        ));
        assert!(e.loc.is_some(), "{e}");
        let e = error(&scenario(
            "",
            "  - { kind: raiden.stale_closer, name: a }\n",
        ));
        assert!(e.message.contains("close_at"), "{e}");
        let e = error(&scenario(
            "",
            "  - { kind: raiden.griefing_client, name: a }\n",
        ));
        assert!(e.message.contains("grief"), "{e}");
        let e = error(&scenario(
            "",
            "  - { kind: raiden.grinding_service, name: a }\n",
        ));
        assert!(e.message.contains("operator"), "{e}");
        let e = error(&scenario(
            ", channels: [{ a: a, b: a }]",
            "  - { kind: raiden.participant, name: a }\n",
        ));
        assert!(e.message.contains("two different participants"), "{e}");
        let e = error(&scenario(
            ", channels: [{ a: a, b: nobody }]",
            "  - { kind: raiden.participant, name: a }\n",
        ));
        assert!(e.message.contains("nobody"), "{e}");
        let e = error(&scenario(
            "",
            "  - { kind: raiden.participant, name: a, rewrd: 1 }\n",
        ));
        assert!(e.loc.is_some(), "{e}");
    }
}

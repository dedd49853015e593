//! Scenario parameters of the tBTC coordination simulation: the protocol's (`protocols.tbtc`)
//! and its actor kinds'.

use super::checklist::ChecklistParams;
use crate::engine::time::Dur;
use crate::scenario::units::Probability;
use crate::scenario::yaml::Located;
use serde::Deserialize;

/// Parameters under `protocols.tbtc`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TbtcConfig {
    /// Chain the bridge, registry and validator live on.
    pub chain: Located<String>,
    /// Number of wallets.
    #[serde(default = "d_wallets")]
    pub wallets: u32,
    /// Seats per signing group (100 in production).
    #[serde(default = "d_seats")]
    pub seats: u32,
    /// Signing threshold (51 in production).
    #[serde(default = "d_threshold")]
    pub threshold: u32,
    /// Heartbeat probability `p` (current 0.0625, historical 0.125).
    #[serde(default = "d_p")]
    pub heartbeat_probability: Probability,
    /// Sweeps and moving funds are checked every `F` windows (current 4, historical 16).
    #[serde(default = "d_f")]
    pub sweep_every: u64,
    /// Heartbeat validity in blocks: `current` 600 (signing until expiry − 300, then an
    /// inactivity claim until expiry − 25) or `historical` 300 (signing until expiry − 25, no
    /// claims).
    #[serde(default)]
    pub heartbeat_rules: HeartbeatRules,
    /// Active members a heartbeat needs to count as a success.
    #[serde(default = "d_active")]
    pub heartbeat_active_members: u32,
    /// Consecutive heartbeat failures that start an inactivity claim.
    #[serde(default = "d_failures")]
    pub inactivity_failures: u32,
    /// Concurrent signings a node serves at full readiness; above that, each of its signing
    /// attempts finds it ready with probability `capacity / concurrent`.
    #[serde(default = "d_capacity")]
    pub signing_capacity: u32,
    /// Times a leader resends its messages after the first send, with doubling back-off
    /// starting at 5 blocks, while before `w + 80`.
    #[serde(default = "d_retransmissions")]
    pub retransmissions: u32,
    /// Redemption fee per request in the leader's proposals (satoshi).
    #[serde(default = "d_fee")]
    pub redemption_fee: u64,
    /// Redemption timeout (the bridge parameter).
    #[serde(default = "d_timeout")]
    pub redemption_timeout: Dur,
    /// Deposit sweep fee per swept deposit in the leader's proposals (satoshi): the largest
    /// share of the total fee, which the bridge caps at `depositTxMaxFee` (10,000 sat).
    #[serde(default = "d_sweep_fee")]
    pub deposit_sweep_fee: u64,
    /// Moving-funds transaction fee in the leader's proposals (satoshi), at most the bridge's
    /// 10,000 sat `movingFundsTxMaxTotalFee`.
    #[serde(default = "d_sweep_fee")]
    pub moving_funds_fee: u64,
    /// Moved-funds sweep transaction fee in the leader's proposals (satoshi), at most the
    /// bridge's 10,000 sat `movedFundsSweepTxMaxTotalFee`.
    #[serde(default = "d_sweep_fee")]
    pub moved_funds_sweep_fee: u64,
}

/// Which heartbeat execution rules apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeartbeatRules {
    #[default]
    Current,
    Historical,
}

fn d_wallets() -> u32 {
    10
}
fn d_seats() -> u32 {
    100
}
fn d_threshold() -> u32 {
    51
}
fn d_p() -> Probability {
    Probability(super::checklist::DEFAULT_HEARTBEAT_PROBABILITY)
}
fn d_f() -> u64 {
    super::checklist::DEFAULT_SWEEP_EVERY
}
fn d_active() -> u32 {
    70
}
fn d_failures() -> u32 {
    3
}
fn d_capacity() -> u32 {
    4
}
fn d_retransmissions() -> u32 {
    2
}
fn d_fee() -> u64 {
    500
}
fn d_timeout() -> Dur {
    Dur::days(5)
}
fn d_sweep_fee() -> u64 {
    1_000
}

impl TbtcConfig {
    pub fn checklist(&self) -> ChecklistParams {
        ChecklistParams {
            heartbeat_probability: self.heartbeat_probability.0,
            sweep_every: self.sweep_every,
        }
    }

    /// Checks the values serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        self.checklist().validate()?;
        if self.wallets == 0 || self.wallets > 10_000 {
            return Err(format!(
                "wallets must be in 1..=10000, got {}",
                self.wallets
            ));
        }
        if self.seats == 0 || self.seats > 1000 {
            return Err(format!("seats must be in 1..=1000, got {}", self.seats));
        }
        if self.threshold == 0 || self.threshold > self.seats {
            return Err(format!(
                "threshold must be in 1..={} (the seats), got {}",
                self.seats, self.threshold
            ));
        }
        if self.heartbeat_active_members > self.seats {
            return Err(format!(
                "heartbeat_active_members must be at most the seats ({}), got {}",
                self.seats, self.heartbeat_active_members
            ));
        }
        if self.signing_capacity == 0 {
            return Err("signing_capacity must be at least 1".into());
        }
        if self.retransmissions > 8 {
            return Err("retransmissions must be at most 8".into());
        }
        if self.redemption_fee == 0 || self.redemption_fee > 500 {
            return Err(format!(
                "redemption_fee must be in 1..=500 sat (20 requests must fit the bridge's 10000 sat total), got {}",
                self.redemption_fee
            ));
        }
        if self.deposit_sweep_fee == 0 || self.deposit_sweep_fee > 10_000 {
            return Err(format!(
                "deposit_sweep_fee must be in 1..=10000 sat (the bridge's depositTxMaxFee), got {}",
                self.deposit_sweep_fee
            ));
        }
        for (name, fee) in [
            ("moving_funds_fee", self.moving_funds_fee),
            ("moved_funds_sweep_fee", self.moved_funds_sweep_fee),
        ] {
            if fee == 0 || fee > 10_000 {
                return Err(format!(
                    "{name} must be in 1..=10000 sat (the bridge's maximum), got {fee}"
                ));
            }
        }
        if self.redemption_timeout < Dur::hours(3) {
            return Err(
                "redemption_timeout must be at least 3h (2h safety margin + 10m min age)".into(),
            );
        }
        Ok(())
    }
}

/// How a node behaves when it leads (every kind follows and signs honestly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Honest,
    /// Sends nothing when leading (with `idle_probability`).
    IdleLeader,
    /// Sends an action type that is not on the checklist.
    MistakenLeader,
    /// Sends an allowed type with content the validator rejects.
    ContentInvalidLeader,
    /// When not leading, sends a proposal from its own seat (or claims the leader's seat).
    Impersonator,
    /// Sends one proposal to some followers and Noop to the others.
    EquivocatingLeader,
    /// Sends Noop (or only a heartbeat) while redemptions are pending.
    CensoringLeader,
}

impl Role {
    pub fn of_kind(kind: &str) -> Role {
        match kind {
            "idle_leader" => Role::IdleLeader,
            "mistaken_leader" => Role::MistakenLeader,
            "content_invalid_leader" => Role::ContentInvalidLeader,
            "impersonator" => Role::Impersonator,
            "equivocating_leader" => Role::EquivocatingLeader,
            "censoring_leader" => Role::CensoringLeader,
            _ => Role::Honest,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Honest => "node",
            Role::IdleLeader => "idle_leader",
            Role::MistakenLeader => "mistaken_leader",
            Role::ContentInvalidLeader => "content_invalid_leader",
            Role::Impersonator => "impersonator",
            Role::EquivocatingLeader => "equivocating_leader",
            Role::CensoringLeader => "censoring_leader",
        }
    }
}

/// Actor kinds that are operator nodes.
pub const NODE_KINDS: &[&str] = &[
    "node",
    "idle_leader",
    "mistaken_leader",
    "content_invalid_leader",
    "impersonator",
    "equivocating_leader",
    "censoring_leader",
];

/// Parameters of an operator node (every node kind).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeParams {
    /// Delay of the node's block feed: it sees block `b` this long after it is produced.
    #[serde(default)]
    pub feed_lag: Dur,
    /// Probability that the feed skips a window block (the node misses that window).
    #[serde(default)]
    pub skip_windows: Probability,
    /// Probability that one proposal-generation attempt fails (RPC or Bitcoin backend outage).
    #[serde(default)]
    pub generation_failure: Probability,
    /// The operator is unstaking: it skips heartbeat actions.
    #[serde(default)]
    pub unstaking: bool,
    /// Idle leader: probability of staying silent when leading (default 1).
    #[serde(default = "one")]
    pub idle_probability: Probability,
    /// Mistaken leader: follow the wrong message with the valid one.
    #[serde(default)]
    pub then_valid: bool,
    /// Impersonator: claim the leader's seat instead of speaking from its own.
    #[serde(default)]
    pub claim_leader_seat: bool,
    /// Equivocating leader: share of followers (in operator order) that get the real proposal;
    /// the rest get Noop.
    #[serde(default = "half")]
    pub split: Probability,
    /// A planted defect for the fuzzer (never the client's behaviour): the node draws the
    /// heartbeat from the leader shuffle's generator instead of a fresh one, which spec 4.7
    /// forbids. Its checklists then disagree with the predictor's (`tbtc.heartbeat_matches_predictor`).
    #[serde(default)]
    pub heartbeat_from_leader_generator: bool,
}

fn one() -> Probability {
    Probability(1.0)
}
fn half() -> Probability {
    Probability(0.5)
}

/// Parameters of a `tbtc.redeemer`: a load generator of redemption requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeemerParams {
    /// Mean time between two requests (exponential), each to a uniformly drawn wallet.
    pub every: Dur,
    /// Requested amount (satoshi).
    #[serde(default = "d_amount")]
    pub amount: u64,
    /// Largest fee share the requester accepts (satoshi).
    #[serde(default = "d_max_fee")]
    pub tx_max_fee: u64,
    /// Only request from the first `wallets` wallets (default all).
    #[serde(default)]
    pub wallets: Option<u32>,
}

fn d_amount() -> u64 {
    1_000_000
}
fn d_max_fee() -> u64 {
    1_000
}

/// Parameters of a `tbtc.depositor`: a load generator of deposit reveals.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepositorParams {
    /// Mean time between two reveals (exponential), each to a uniformly drawn wallet.
    pub every: Dur,
    /// Deposited amount (satoshi).
    #[serde(default = "d_deposit_amount")]
    pub amount: u64,
    /// Time from the reveal to the deposit's refund locktime (sweeps must happen at least 24 h
    /// before it).
    #[serde(default = "d_refund_after")]
    pub refund_after: Dur,
    /// Number of vaults the deposits are spread over (uniformly); a sweep takes one vault's.
    #[serde(default = "d_vaults")]
    pub vaults: u32,
    /// Only reveal to the first `wallets` wallets (default all).
    #[serde(default)]
    pub wallets: Option<u32>,
}

fn d_deposit_amount() -> u64 {
    10_000_000
}
fn d_refund_after() -> Dur {
    Dur::days(30)
}
fn d_vaults() -> u32 {
    1
}

impl DepositorParams {
    /// Checks the values serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        if self.every.as_ms() == 0 {
            return Err("`every` must be positive".into());
        }
        if self.refund_after <= Dur::hours(26) {
            return Err(
                "`refund_after` must exceed 26h (2h minimum age + 24h refund safety margin)".into(),
            );
        }
        if self.refund_after.as_ms() / 1000 > u32::MAX as u64 / 2 {
            return Err("`refund_after` is too long for a u32 locktime".into());
        }
        if self.vaults == 0 || self.vaults > 16 {
            return Err(format!("`vaults` must be in 1..=16, got {}", self.vaults));
        }
        Ok(())
    }
}

/// Parameters of a `tbtc.wallet_lifecycle`: the wallet-governance load generator that starts
/// moving funds (a Live wallet enters MovingFunds toward Live target wallets) and creates
/// moved-funds sweep requests, each as a seeded Poisson stream.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleParams {
    /// Mean time between two wallets starting to move their funds (none when absent).
    #[serde(default)]
    pub moving_funds_every: Option<Dur>,
    /// Mean time between two moved-funds sweep requests created directly (none when absent).
    #[serde(default)]
    pub moved_funds_every: Option<Dur>,
    /// Target wallets of each moving-funds commitment.
    #[serde(default = "d_targets")]
    pub targets: u32,
    /// Value of a moving wallet's main UTXO (satoshi), at least the bridge's 20,000 sat
    /// `movingFundsDustThreshold` for its funds to be movable.
    #[serde(default = "d_deposit_amount")]
    pub main_utxo_value: u64,
    /// Only act on the first `wallets` wallets (default all).
    #[serde(default)]
    pub wallets: Option<u32>,
}

fn d_targets() -> u32 {
    2
}

impl LifecycleParams {
    /// Checks the values serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        if self.moving_funds_every.is_none() && self.moved_funds_every.is_none() {
            return Err("set `moving_funds_every`, `moved_funds_every` or both".into());
        }
        for (name, every) in [
            ("moving_funds_every", self.moving_funds_every),
            ("moved_funds_every", self.moved_funds_every),
        ] {
            if every.is_some_and(|d| d.as_ms() == 0) {
                return Err(format!("`{name}` must be positive"));
            }
        }
        if self.targets == 0 || self.targets > 8 {
            return Err(format!("`targets` must be in 1..=8, got {}", self.targets));
        }
        Ok(())
    }
}

//! Scenario parameters of the AVS protocol: chains, epoch clock, quirk flags, bridge policy.

use crate::engine::time::Dur;
use crate::scenario::error::ScenarioError;
use crate::scenario::units::DurRange;
use crate::scenario::yaml::Located;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Parameters under `protocols.avs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvsConfig {
    /// The main chain M (full registry, disputes).
    pub main: Located<String>,
    /// Remote chains R1…Rk (light replicas over the bridge); at least one.
    pub remotes: Vec<Located<String>>,
    /// Epoch length L in main-chain blocks.
    #[serde(default = "default_length")]
    pub epoch_length: Located<u64>,
    /// Grace period P in main-chain blocks, 0 < P < L.
    #[serde(default = "default_grace")]
    pub grace_period: Located<u64>,
    /// `intended` (default) or `faithful`: the value of every quirk flag not set in `flags`.
    #[serde(default)]
    pub profile: Profile,
    /// Quirk flags set one by one (spec §9).
    #[serde(default)]
    pub flags: FlagOverrides,
    /// Largest `currentEpoch − ref` accepted on M; default 0 (no bound) when faithful, 1 when
    /// intended (Q5).
    #[serde(default)]
    pub max_epoch_staleness: Option<u32>,
    /// Latency of every bridge message, uniform in the range (per message).
    #[serde(default = "default_latency")]
    pub bridge_latency: DurRange,
    /// Stake (shares, in whole tokens) of every operator, unless listed in `stakes`.
    #[serde(default = "default_stake")]
    pub stake: u64,
    /// Stakes of individual operators by actor name.
    #[serde(default)]
    pub stakes: BTreeMap<String, u64>,
    /// Blocks a task's block must be behind the head of its chain.
    #[serde(default = "default_confirmations")]
    pub confirmations: u64,
}

fn default_length() -> Located<u64> {
    Located::new(Default::default(), 40)
}
fn default_grace() -> Located<u64> {
    Located::new(Default::default(), 8)
}
fn default_latency() -> DurRange {
    DurRange::new(Dur::secs(2), Dur::secs(60))
}
fn default_stake() -> u64 {
    100
}
fn default_confirmations() -> u64 {
    2
}

/// Default value of the quirk flags.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    #[default]
    Intended,
    Faithful,
}

/// Quirk flags of spec §9, each `true` for the intended behaviour (except `guid_per_block` and
/// `challenge_deadline`, which name the faithful behaviour, as in the spec).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagOverrides {
    pub carry_forward: Option<bool>,
    pub require_nonzero_threshold: Option<bool>,
    pub weight_requires_registration: Option<bool>,
    pub key_last_write_wins: Option<bool>,
    pub snapshot_sealed_only: Option<bool>,
    pub snapshot_all_operators: Option<bool>,
    pub keeper_only: Option<bool>,
    pub replica_sequence: Option<bool>,
    pub replica_full_replace: Option<bool>,
    pub guid_per_block: Option<bool>,
}

/// Resolved flags (true = intended behaviour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quirks {
    pub carry_forward: bool,
    pub require_nonzero_threshold: bool,
    pub weight_requires_registration: bool,
    pub key_last_write_wins: bool,
    pub snapshot_sealed_only: bool,
    pub snapshot_all_operators: bool,
    pub keeper_only: bool,
    pub replica_sequence: bool,
    pub replica_full_replace: bool,
    /// Intended: guids from a nonce (faithful `guid_per_block`).
    pub guid_nonce: bool,
    pub max_epoch_staleness: u32,
}

impl Quirks {
    /// The constructor `flags` word (bit positions of `Common.sol`).
    pub fn bits(&self) -> u64 {
        let mut b = 0u64;
        let set = [
            self.carry_forward,
            self.require_nonzero_threshold,
            self.weight_requires_registration,
            self.key_last_write_wins,
            self.snapshot_sealed_only,
            self.snapshot_all_operators,
            self.keeper_only,
            self.replica_sequence,
            self.replica_full_replace,
            self.guid_nonce,
        ];
        for (i, on) in set.iter().enumerate() {
            if *on {
                b |= 1 << i;
            }
        }
        b
    }

    /// `(name, value)` pairs for the trace and metrics (value true = intended).
    pub fn listing(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("carry_forward", self.carry_forward),
            ("require_nonzero_threshold", self.require_nonzero_threshold),
            (
                "weight_requires_registration",
                self.weight_requires_registration,
            ),
            ("key_last_write_wins", self.key_last_write_wins),
            ("snapshot_sealed_only", self.snapshot_sealed_only),
            ("snapshot_all_operators", self.snapshot_all_operators),
            ("keeper_only", self.keeper_only),
            ("replica_sequence", self.replica_sequence),
            ("replica_full_replace", self.replica_full_replace),
            ("guid_nonce", self.guid_nonce),
        ]
    }
}

impl AvsConfig {
    /// Validates what serde cannot: grace period bounds and the chain list.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let l = self.epoch_length.value;
        let p = self.grace_period.value;
        if l < 2 {
            return Err(ScenarioError::at(
                self.epoch_length.loc,
                format!("epoch_length must be at least 2 blocks, got {l}"),
            ));
        }
        if p == 0 || p >= l {
            return Err(ScenarioError::at(
                self.grace_period.loc,
                format!("grace_period must satisfy 0 < P < L = {l}, got {p}"),
            )
            .with_hint("the spec's presets: sim 40/8, spotted 45000/6400, seed 50400/7200"));
        }
        if self.remotes.is_empty() {
            return Err(ScenarioError::new(
                "protocols.avs.remotes: at least one remote chain is needed",
            ));
        }
        for r in &self.remotes {
            if r.value == self.main.value {
                return Err(ScenarioError::at(
                    r.loc,
                    format!("remote chain `{}` is the main chain", r.value),
                ));
            }
        }
        Ok(())
    }

    /// The flags in force: the profile's values, then the overrides.
    pub fn quirks(&self) -> Quirks {
        let i = self.profile == Profile::Intended;
        let f = &self.flags;
        Quirks {
            carry_forward: f.carry_forward.unwrap_or(i),
            require_nonzero_threshold: f.require_nonzero_threshold.unwrap_or(i),
            weight_requires_registration: f.weight_requires_registration.unwrap_or(i),
            key_last_write_wins: f.key_last_write_wins.unwrap_or(i),
            snapshot_sealed_only: f.snapshot_sealed_only.unwrap_or(i),
            snapshot_all_operators: f.snapshot_all_operators.unwrap_or(i),
            keeper_only: f.keeper_only.unwrap_or(i),
            replica_sequence: f.replica_sequence.unwrap_or(i),
            replica_full_replace: f.replica_full_replace.unwrap_or(i),
            guid_nonce: !f.guid_per_block.unwrap_or(!i),
            max_epoch_staleness: self.max_epoch_staleness.unwrap_or(if i { 1 } else { 0 }),
        }
    }
}

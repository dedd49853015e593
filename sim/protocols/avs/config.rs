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
    /// How often the relayer submits a delivery again after it reverted (§5.3: the bridge
    /// policy decides whether to retry a failed delivery); 0, the default, never retries.
    #[serde(default)]
    pub relayer_retries: u32,
    /// Delay between a reverted delivery and the relayer's next attempt.
    #[serde(default = "default_retry_after")]
    pub relayer_retry_after: Dur,
    /// Stake (shares, in whole tokens) of every operator, unless listed in `stakes`.
    #[serde(default = "default_stake")]
    pub stake: u64,
    /// Stakes of individual operators by actor name.
    #[serde(default)]
    pub stakes: BTreeMap<String, u64>,
    /// Anyone may submit challenges (the latest design); default: only the challenge submitter
    /// (the first `avs.challenger`), as in the seed.
    #[serde(default)]
    pub open_challenges: bool,
    /// The registry also counts the M2 quorum weight `Σ_s shares · multiplier_s / 10 000` (the
    /// quorum: the AVS's strategy with multiplier 10 000); see flag `no_double_count` (Q4).
    #[serde(default)]
    pub m2_path: bool,
    /// Registration requires the operator's EIP-712 directory signature with salt and expiry.
    #[serde(default)]
    pub directory_sig: bool,
    /// Resolution deadline in main-chain blocks after submission (Q17).
    #[serde(default = "default_deadline")]
    pub challenge_deadline_blocks: u64,
    /// Fraction of magnitude slashed per successful challenge, in (0, 1].
    #[serde(default = "default_slash")]
    pub slash_fraction: Located<f64>,
    /// Reward pool per epoch, in whole tokens.
    #[serde(default = "default_pool")]
    pub reward_pool: u64,
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
fn default_retry_after() -> Dur {
    Dur::secs(30)
}
fn default_stake() -> u64 {
    100
}
fn default_deadline() -> u64 {
    100
}
fn default_slash() -> Located<f64> {
    Located::new(Default::default(), 0.1)
}
fn default_pool() -> u64 {
    1000
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
    pub verifier_uses_source_chain_id: Option<bool>,
    pub late_challenge_guard: Option<bool>,
    pub slasher_wired: Option<bool>,
    pub challenge_key_at_epoch: Option<bool>,
    pub challenge_id_includes_value: Option<bool>,
    pub bond_to_challenger: Option<bool>,
    pub treasury_sweep: Option<bool>,
    pub challenge_deadline: Option<bool>,
    pub isolate_slash_failures: Option<bool>,
    pub verify_past_blocks_only: Option<bool>,
    /// A planted bug, not an upstream quirk: the replica skips the last listed operator's
    /// weight. Off in both profiles; the fuzz space sets it with `--planted`.
    pub planted_off_by_one: Option<bool>,
    /// Q4 (with `m2_path`): an operator on both paths counts its operator-set weight only.
    pub no_double_count: Option<bool>,
    /// Upstream's signature checker: contract signing keys answering ERC-1271 are accepted.
    /// Off in both profiles (the spec's operators use EOA keys); `true` names the upstream
    /// behaviour.
    pub contract_keys: Option<bool>,
    /// Test-only defect: the replica's receiver applies a processed guid again.
    pub planted_guid_replay: Option<bool>,
    /// Test-only defect: the main-chain verifier registers and checks bridges, not verifiers.
    pub planted_reporter_by_bridge: Option<bool>,
    /// Test-only defect: the epoch manager ignores the grace period.
    pub planted_no_grace: Option<bool>,
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
    pub verifier_uses_source_chain_id: bool,
    pub late_challenge_guard: bool,
    pub slasher_wired: bool,
    pub challenge_key_at_epoch: bool,
    pub challenge_id_includes_value: bool,
    pub bond_to_challenger: bool,
    pub treasury_sweep: bool,
    /// Intended: no resolution deadline (faithful `challenge_deadline`).
    pub no_challenge_deadline: bool,
    pub isolate_slash_failures: bool,
    pub verify_past_blocks_only: bool,
    /// Mode, not a quirk: anyone may challenge (the latest design); off = the seed's submitter.
    pub open_challenges: bool,
    /// Planted bug (true = the bug is on), see [`FlagOverrides::planted_off_by_one`].
    pub planted_off_by_one: bool,
    /// Q4: intended, no double counting of M2 and operator-set weights.
    pub no_double_count: bool,
    /// Mode: the M2 quorum weight is counted.
    pub m2_path: bool,
    /// Mode: registration checks the directory signature.
    pub directory_sig: bool,
    /// Upstream behaviour (true = on): ERC-1271 contract signing keys.
    pub contract_keys: bool,
    /// Test-only defects (true = the bug is on), see [`FlagOverrides`].
    pub planted_guid_replay: bool,
    pub planted_reporter_by_bridge: bool,
    pub planted_no_grace: bool,
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
            self.verifier_uses_source_chain_id,
            self.late_challenge_guard,
            self.slasher_wired,
            self.challenge_key_at_epoch,
            self.challenge_id_includes_value,
            self.bond_to_challenger,
            self.treasury_sweep,
            self.no_challenge_deadline,
            self.isolate_slash_failures,
            self.verify_past_blocks_only,
            self.open_challenges,
            self.planted_off_by_one,
            self.no_double_count,
            self.m2_path,
            self.directory_sig,
            self.contract_keys,
            self.planted_guid_replay,
            self.planted_reporter_by_bridge,
            self.planted_no_grace,
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
        let mut out = vec![
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
            (
                "verifier_uses_source_chain_id",
                self.verifier_uses_source_chain_id,
            ),
            ("late_challenge_guard", self.late_challenge_guard),
            ("slasher_wired", self.slasher_wired),
            ("challenge_key_at_epoch", self.challenge_key_at_epoch),
            (
                "challenge_id_includes_value",
                self.challenge_id_includes_value,
            ),
            ("bond_to_challenger", self.bond_to_challenger),
            ("treasury_sweep", self.treasury_sweep),
            ("no_challenge_deadline", self.no_challenge_deadline),
            ("isolate_slash_failures", self.isolate_slash_failures),
            ("verify_past_blocks_only", self.verify_past_blocks_only),
            ("open_challenges", self.open_challenges),
        ];
        // Modes and defects are listed only when on (and Q4 only with the M2 path), so runs
        // without them record the same flags as before they existed.
        if self.m2_path {
            out.push(("m2_path", true));
            out.push(("no_double_count", self.no_double_count));
        }
        for (name, on) in [
            ("directory_sig", self.directory_sig),
            ("contract_keys", self.contract_keys),
            ("planted_off_by_one", self.planted_off_by_one),
            ("planted_guid_replay", self.planted_guid_replay),
            (
                "planted_reporter_by_bridge",
                self.planted_reporter_by_bridge,
            ),
            ("planted_no_grace", self.planted_no_grace),
        ] {
            if on {
                out.push((name, true));
            }
        }
        out
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
        let f = self.slash_fraction.value;
        if !(f > 0.0 && f <= 1.0) {
            return Err(ScenarioError::at(
                self.slash_fraction.loc,
                format!("slash_fraction must be in (0, 1], got {f}"),
            ));
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
            verifier_uses_source_chain_id: f.verifier_uses_source_chain_id.unwrap_or(i),
            late_challenge_guard: f.late_challenge_guard.unwrap_or(i),
            slasher_wired: f.slasher_wired.unwrap_or(i),
            challenge_key_at_epoch: f.challenge_key_at_epoch.unwrap_or(i),
            challenge_id_includes_value: f.challenge_id_includes_value.unwrap_or(i),
            bond_to_challenger: f.bond_to_challenger.unwrap_or(i),
            treasury_sweep: f.treasury_sweep.unwrap_or(i),
            no_challenge_deadline: !f.challenge_deadline.unwrap_or(!i),
            isolate_slash_failures: f.isolate_slash_failures.unwrap_or(i),
            verify_past_blocks_only: f.verify_past_blocks_only.unwrap_or(i),
            open_challenges: self.open_challenges,
            planted_off_by_one: f.planted_off_by_one.unwrap_or(false),
            no_double_count: f.no_double_count.unwrap_or(i),
            m2_path: self.m2_path,
            directory_sig: self.directory_sig,
            contract_keys: f.contract_keys.unwrap_or(false),
            planted_guid_replay: f.planted_guid_replay.unwrap_or(false),
            planted_reporter_by_bridge: f.planted_reporter_by_bridge.unwrap_or(false),
            planted_no_grace: f.planted_no_grace.unwrap_or(false),
            max_epoch_staleness: self.max_epoch_staleness.unwrap_or(if i { 1 } else { 0 }),
        }
    }
}

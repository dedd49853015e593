//! Scenario parameters of the payouts pipeline: chains, payout period, method preference order,
//! deny list, per-payee wallets and wallet features, and the methods' own settings.

use super::features::Features;
use crate::engine::time::Dur;
use crate::scenario::error::ScenarioError;
use crate::scenario::units::{parse_address, Amount, DurRange};
use crate::scenario::yaml::Located;
use alloy_primitives::{Address, U256};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Payout methods this pipeline can execute (besides the `l1` fallback).
pub const METHODS: &[&str] = &["zksync", "raiden"];

/// Parameters under `protocols.payouts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutsConfig {
    /// The layer-1 chain: payout token, per-row or batch transfers, the rollup bridge (and the
    /// Raiden module's chain when `raiden` is preferred).
    pub chain: Located<String>,
    /// The l2 chain of the `zksync` method (needed when `zksync` is preferred).
    #[serde(default)]
    pub l2: Option<Located<String>>,
    /// Length of one payout period; period `p` covers `[(p-1)·period, p·period)`.
    pub period: Located<Dur>,
    /// Method preference order, e.g. `[zksync, raiden]`; a row goes to the first method its
    /// wallet features contain, to `l1` if none.
    #[serde(default)]
    pub prefer: Vec<Located<String>>,
    /// Denied wallets (export restrictions): their rows are held and carried over until cleared.
    #[serde(default)]
    pub deny: Vec<DenyEntry>,
    /// How `l1` rows are paid: one transfer per row, or one batch transfer call.
    #[serde(default)]
    pub l1_mode: L1Mode,
    /// Wallets and wallet features of payees, by actor name, by the name of a counted group
    /// (`zk` for `zk#0`, `zk#1`, …) or by actor kind; the most specific entry wins.
    #[serde(default)]
    pub payees: Vec<PayeeEntry>,
    /// Settings of the `zksync` method.
    #[serde(default)]
    pub zksync: ZksyncParams,
    /// Settings of the `raiden` method.
    #[serde(default)]
    pub raiden: RaidenParams,
    /// Price of the native currency in payout tokens (to state gas costs in the payout token).
    #[serde(default = "default_price")]
    pub token_per_eth: u64,
    /// Payout tokens the payer holds at genesis.
    #[serde(default = "default_funds")]
    pub funds: Amount,
    /// Periods the payer closes (default: every period that ends during the run); the last
    /// period's payouts then have the rest of the run to land.
    #[serde(default)]
    pub periods: Option<u32>,
    /// Priority fee of the payer's transactions, gwei.
    #[serde(default = "default_tip")]
    pub tip_gwei: u64,
    /// Test-only planted defect, for the fuzzer to find (`crucible fuzz --planted`): the payer
    /// also pays every held row at once, on l1, besides holding it.
    #[serde(default)]
    pub planted_pay_held: bool,
}

/// One denied wallet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyEntry {
    /// Actor name (its address) or a `0x` address.
    pub wallet: Located<String>,
    /// The wallet is cleared from this time on (never, if absent).
    #[serde(default)]
    pub until: Option<Dur>,
}

/// A payee's wallet and features.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayeeEntry {
    /// Actor name, counted group name, or actor kind such as `avs.operator`.
    pub payee: Located<String>,
    /// Wallet: an actor name (its address) or a `0x` address; default the payee's own address.
    #[serde(default)]
    pub wallet: Option<Located<String>>,
    /// Comma-separated wallet features, e.g. `"zksync,raiden"`; empty means layer 1 only.
    #[serde(default)]
    pub features: Located<String>,
}

/// How `l1` rows are paid.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum L1Mode {
    /// One ERC-20 `transfer` per row.
    #[default]
    PerRow,
    /// One `batchTransfer` call for all rows of the period.
    Batch,
}

/// Settings of the `zksync` method.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZksyncParams {
    /// Bridge delay from the l1 lock to the l2 mint (uniform per deposit).
    #[serde(default = "default_bridge_delay")]
    pub bridge_delay: DurRange,
    /// Gas charged on l1 per byte of the posted l2 batch data, at the l1 base fee.
    #[serde(default = "default_data_gas")]
    pub data_gas_per_byte: u64,
}

impl Default for ZksyncParams {
    fn default() -> Self {
        ZksyncParams {
            bridge_delay: default_bridge_delay(),
            data_gas_per_byte: default_data_gas(),
        }
    }
}

/// Settings of the `raiden` method: the payer pays over payer→payee channels of the Raiden
/// module's token network, opened on first use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaidenParams {
    /// Deposit sizing: when a payout does not fit the channel, the payer raises its deposit to
    /// what it has transferred plus this many times the amount now owed on the channel.
    #[serde(default = "default_deposit_periods")]
    pub deposit_periods: Located<u32>,
    /// The payer closes every channel it has at this time (to recover the unspent deposit),
    /// with no proof of the payee's (its own slot stays empty): each payee must put the
    /// payer's newest proof on chain, itself or through a monitoring service.
    #[serde(default)]
    pub close_at: Option<Dur>,
    /// The payer settles its closed channels once the settle window has passed.
    #[serde(default = "default_true")]
    pub settle: bool,
}

impl Default for RaidenParams {
    fn default() -> Self {
        RaidenParams {
            deposit_periods: default_deposit_periods(),
            close_at: None,
            settle: true,
        }
    }
}

fn default_deposit_periods() -> Located<u32> {
    Located::new(Default::default(), 4)
}
fn default_true() -> bool {
    true
}

fn default_bridge_delay() -> DurRange {
    DurRange::new(Dur::mins(10), Dur::mins(10))
}
fn default_data_gas() -> u64 {
    16
}
fn default_price() -> u64 {
    3000
}
fn default_funds() -> Amount {
    Amount(U256::from(10u64).pow(U256::from(30u64)))
}
fn default_tip() -> u64 {
    1
}

/// A payee as the pipeline knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payee {
    pub name: String,
    pub wallet: Address,
    pub features: Features,
}

/// An actor as listed in the world or a trace header: (name, kind, address).
pub type ActorRow = (String, String, Address);

impl PayoutsConfig {
    /// Checks what serde cannot: feature lists, method names, chains, the period.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.period.value.as_ms() == 0 {
            return Err(ScenarioError::at(
                self.period.loc,
                "period must be positive",
            ));
        }
        for e in &self.payees {
            Features::parse(&e.features.value).map_err(|err| {
                ScenarioError::at(e.features.loc, format!("payee `{}`: {err}", e.payee.value))
                    .with_hint(
                        "a comma-separated list like \"zksync,raiden\"; empty means layer 1 only",
                    )
            })?;
        }
        let wallets = self
            .payees
            .iter()
            .filter_map(|e| e.wallet.as_ref())
            .chain(self.deny.iter().map(|d| &d.wallet));
        for w in wallets {
            if w.value.starts_with("0x") {
                parse_address(&w.value).map_err(|e| ScenarioError::at(w.loc, e))?;
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for m in &self.prefer {
            if m.value == "l1" {
                return Err(ScenarioError::at(
                    m.loc,
                    "`l1` is the fallback of every row and is not listed in `prefer`",
                ));
            }
            if !METHODS.contains(&m.value.as_str()) {
                let known = METHODS.join(", ");
                return Err(ScenarioError::at(
                    m.loc,
                    format!("no payout method `{}` can be executed", m.value),
                )
                .with_hint(format!("methods: {known}")));
            }
            if seen.contains(&m.value.as_str()) {
                return Err(ScenarioError::at(
                    m.loc,
                    format!("payout method `{}` is listed twice", m.value),
                ));
            }
            seen.push(&m.value);
        }
        if self.prefers("zksync") && self.l2.is_none() {
            let loc = self
                .prefer
                .iter()
                .find(|m| m.value == "zksync")
                .map(|m| m.loc);
            let err = ScenarioError::new("method `zksync` needs an l2 chain: set `l2:`");
            return Err(match loc {
                Some(l) => err.or_at(l),
                None => err,
            });
        }
        if self.raiden.deposit_periods.value == 0 {
            return Err(ScenarioError::at(
                self.raiden.deposit_periods.loc,
                "raiden.deposit_periods must be at least 1 (the deposit covers that many payouts)",
            ));
        }
        if let Some(l2) = &self.l2 {
            if l2.value == self.chain.value {
                return Err(ScenarioError::at(
                    l2.loc,
                    "the l2 chain must differ from the l1 chain",
                ));
            }
        }
        Ok(())
    }

    /// Whether `method` is in the preference order.
    pub fn prefers(&self, method: &str) -> bool {
        self.prefer.iter().any(|m| m.value == method)
    }

    /// The preference order as plain names.
    pub fn preference(&self) -> Vec<String> {
        self.prefer.iter().map(|m| m.value.clone()).collect()
    }

    /// Actor names referenced by payee entries and wallets (kinds and `0x` addresses excluded).
    pub fn actor_names(&self) -> Vec<Located<String>> {
        let kinds = crate::protocols::all_actor_kinds();
        let mut out = Vec::new();
        for e in &self.payees {
            if !kinds.contains(&e.payee.value) && e.payee.value.contains('#') {
                out.push(e.payee.clone());
            }
            if let Some(w) = &e.wallet {
                if !w.value.starts_with("0x") {
                    out.push(w.clone());
                }
            }
        }
        for d in &self.deny {
            if !d.wallet.value.starts_with("0x") {
                out.push(d.wallet.clone());
            }
        }
        out
    }

    /// Every actor as a payee: its wallet and features, from the `payees` entries.
    pub fn resolve_payees(&self, actors: &[ActorRow]) -> Result<BTreeMap<Address, Payee>, String> {
        for e in &self.payees {
            let p = e.payee.value.as_str();
            let matches = actors.iter().any(|(name, kind, _)| {
                name == p || kind == p || name.split_once('#').is_some_and(|(g, _)| g == p)
            });
            if !matches {
                return Err(format!(
                    "payees: `{p}` (line {}) names no actor, counted group or actor kind",
                    e.payee.loc.line
                ));
            }
        }
        let mut out = BTreeMap::new();
        for (name, kind, address) in actors {
            // The actor's own name wins, then its group (`zk` for `zk#3`), then its kind.
            let group = name.split_once('#').map(|(g, _)| g);
            let entry = self
                .payees
                .iter()
                .find(|e| e.payee.value == *name)
                .or_else(|| {
                    self.payees
                        .iter()
                        .find(|e| Some(e.payee.value.as_str()) == group)
                })
                .or_else(|| self.payees.iter().find(|e| e.payee.value == *kind));
            let (wallet, features) = match entry {
                None => (*address, Features::default()),
                Some(e) => {
                    let wallet = match &e.wallet {
                        None => *address,
                        Some(w) => resolve_wallet(&w.value, actors)?,
                    };
                    let features = Features::parse(&e.features.value)
                        .map_err(|err| format!("payee `{name}`: {err}"))?;
                    (wallet, features)
                }
            };
            // The first actor with an address names it.
            out.entry(*address).or_insert(Payee {
                name: name.clone(),
                wallet,
                features,
            });
        }
        Ok(out)
    }

    /// Wallets denied at time `at_ms` (deny entries not yet cleared).
    pub fn denied_at(&self, at_ms: u64, actors: &[ActorRow]) -> Result<Vec<Address>, String> {
        let mut out = Vec::new();
        for d in &self.deny {
            if d.until.is_none_or(|u| at_ms < u.as_ms()) {
                out.push(resolve_wallet(&d.wallet.value, actors)?);
            }
        }
        Ok(out)
    }
}

/// An actor name (its address) or a `0x` address.
pub fn resolve_wallet(text: &str, actors: &[ActorRow]) -> Result<Address, String> {
    if text.starts_with("0x") {
        return parse_address(text);
    }
    actors
        .iter()
        .find(|(n, _, _)| n == text)
        .map(|(_, _, a)| *a)
        .ok_or_else(|| format!("no actor `{text}` for a wallet"))
}

#[cfg(test)]
mod tests {
    use crate::scenario::load_str;

    fn scenario(payees: &str, prefer: &str) -> String {
        format!(
            "name: x
question: y
duration: 1h
chains:
  l1: {{ block_time: 12s }}
  l2: {{ block_time: 2s }}
protocols:
  payouts:
    chain: l1
    l2: l2
    period: 30m
    prefer: {prefer}
    payees:
{payees}
actors:
  - {{ kind: payouts.payee, name: alice }}
  - {{ kind: payouts.payer, name: payer }}
"
        )
    }

    #[test]
    fn bad_feature_lists_are_located_and_name_the_payee_and_entry() {
        let cases = [
            ("zksync,,raiden", "payee `alice`: empty entry at position 2"),
            (
                "zksync, zksync",
                "payee `alice`: wallet feature `zksync` is listed twice",
            ),
            (
                "Zk",
                "payee `alice`: wallet feature `Zk` is not an identifier",
            ),
        ];
        for (list, want) in cases {
            let text = scenario(
                &format!("      - {{ payee: alice, features: \"{list}\" }}"),
                "[zksync]",
            );
            let err = load_str(&text, "s.yaml").expect_err(list);
            assert!(err.message.contains(want), "{list}: {}", err.message);
            let loc = err.loc.expect("located");
            assert_eq!(loc.line, 14, "{list}");
            assert!(err.to_string().starts_with("s.yaml:14:"), "{err}");
        }
    }

    #[test]
    fn unknown_features_load_and_unknown_methods_do_not() {
        let ok = scenario(
            "      - { payee: alice, features: \"plasma, zksync\" }",
            "[zksync]",
        );
        load_str(&ok, "s.yaml").expect("an unknown feature is data");
        let bad = scenario("      - { payee: alice, features: plasma }", "[plasma]");
        let err = load_str(&bad, "s.yaml").expect_err("no plasma method");
        assert!(err.message.contains("no payout method `plasma`"), "{err}");
        assert_eq!(err.loc.map(|l| l.line), Some(12));
        let bad_wallet = scenario("      - { payee: alice, wallet: \"0x12\" }", "[zksync]");
        let err = load_str(&bad_wallet, "s.yaml").expect_err("short address");
        assert!(err.message.contains("invalid address"), "{err}");
        assert_eq!(err.loc.map(|l| l.line), Some(14));
        let l1 = scenario("      - { payee: alice }", "[l1]");
        assert!(load_str(&l1, "s.yaml").is_err());
        let raiden = scenario("      - { payee: alice }", "[raiden]");
        load_str(&raiden, "s.yaml").expect("raiden is a payout method");
        let empty_deposit = scenario(
            "      - { payee: alice }",
            "[raiden]\n    raiden: { deposit_periods: 0 }",
        );
        let err = load_str(&empty_deposit, "s.yaml").expect_err("no deposit");
        assert!(err.message.contains("deposit_periods"), "{err}");
        assert_eq!(err.loc.map(|l| l.line), Some(13));
    }
}

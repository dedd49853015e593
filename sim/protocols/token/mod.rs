//! The smoke protocol: an ERC-20 token and payers who send each other transfers. It exercises
//! every engine path (deployment, mempool, fees, logs, censorship, offline windows, crashes,
//! invariants, metrics) with the simplest possible protocol.

mod actors;
pub mod fuzz;
mod in_flight;
mod invariants;

use super::{ActorParams, Protocol, ProtocolConfig, Setup};
use crate::chain::ChainIdx;
use crate::engine::genesis::Genesis;
use crate::engine::time::Dur;
use crate::scenario::error::ScenarioError;
use crate::scenario::units::Amount;
use crate::scenario::yaml::{from_node, Located, Node};
use crate::trace::Value;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolConstructor, SolValue};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

alloy_sol_types::sol!(
    #[sol(all_derives)]
    Token,
    "sim/protocols/token/artifacts/Token.json"
);

/// ABI and bytecode of the token contract.
pub const TOKEN_ARTIFACT: &str = include_str!("artifacts/Token.json");

/// The token protocol module.
pub struct TokenProtocol;

/// Registry entry.
pub static TOKEN: TokenProtocol = TokenProtocol;

/// Parameters under `protocols.token`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Chain the token lives on.
    pub chain: Located<String>,
    /// Initial token balance of every payer.
    #[serde(default = "default_balance")]
    pub initial_balance: Amount,
    /// A transfer still pending this long after submission counts as slow (`sometimes` check).
    #[serde(default = "default_slow")]
    pub slow_inclusion: Dur,
    /// Actor that is handed the minter role at genesis (an unaccounted issuer).
    #[serde(default)]
    pub minter: Option<Located<String>>,
}

/// Parameters of a `token.minter`: an actor holding the minter role that issues new tokens
/// nobody accounts for — what the conservation invariant exists to catch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinterParams {
    /// Time between two mints.
    #[serde(default = "default_mint_every")]
    pub every: Dur,
    /// Amount of each mint.
    #[serde(default = "default_max_amount")]
    pub amount: Amount,
}

fn default_mint_every() -> Dur {
    Dur::hours(1)
}

fn default_balance() -> Amount {
    Amount(U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64)))
}

fn default_slow() -> Dur {
    Dur::mins(10)
}

/// Parameters of a `token.payer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerParams {
    /// Mean time between two transfers (exponentially distributed).
    #[serde(default = "default_every")]
    pub every: Dur,
    /// Largest single transfer (amounts are uniform in 1..=max_amount base units).
    #[serde(default = "default_max_amount")]
    pub max_amount: Amount,
    /// Recipients by actor name; default: every other payer.
    #[serde(default)]
    pub to: Vec<Located<String>>,
    /// Priority fee in gwei.
    #[serde(default = "default_tip")]
    pub tip_gwei: u64,
    /// Transfers sent at each wake-up.
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// Wake up exactly every `every` instead of at exponentially distributed intervals.
    #[serde(default)]
    pub fixed_interval: bool,
    /// Send the recipient an off-chain payment notice after each included transfer.
    #[serde(default = "default_notify")]
    pub notify: bool,
    /// Last simulated time (since start) at which the payer sends; default: to the end of the run.
    #[serde(default)]
    pub until: Option<Dur>,
}

fn default_notify() -> bool {
    true
}

fn default_burst() -> u32 {
    1
}

fn default_every() -> Dur {
    Dur::mins(5)
}
fn default_max_amount() -> Amount {
    Amount(U256::from(10u64).pow(U256::from(18u64)))
}
fn default_tip() -> u64 {
    1
}

/// Names of the invariants this protocol checks.
pub const INVARIANTS: &[&str] = &[
    "token.conservation",
    "token.transfers_land",
    "token.slow_inclusion_seen",
];

impl Protocol for TokenProtocol {
    fn name(&self) -> &'static str {
        "token"
    }
    fn about(&self) -> &'static str {
        "ERC-20 token with payers: the engine's smoke protocol"
    }
    fn parse(&self, params: &Node) -> Result<Box<dyn ProtocolConfig>, ScenarioError> {
        Ok(Box::new(from_node::<TokenConfig>(params)?))
    }
    fn actor_kinds(&self) -> &'static [&'static str] {
        &["payer", "minter"]
    }
    fn invariants(&self) -> &'static [&'static str] {
        INVARIANTS
    }
    fn fuzz_space(&self) -> Option<&'static dyn crate::fuzz::FuzzSpace> {
        Some(&fuzz::TOKEN_SPACE)
    }
    fn parse_actor(
        &self,
        kind: &str,
        params: &Node,
    ) -> Result<Box<dyn ActorParams>, ScenarioError> {
        match kind {
            "payer" => Ok(Box::new(from_node::<PayerParams>(params)?)),
            "minter" => Ok(Box::new(from_node::<MinterParams>(params)?)),
            other => Err(ScenarioError::new(format!(
                "unknown token actor kind `{other}`"
            ))),
        }
    }
}

/// A transfer submitted and not yet included.
#[derive(Debug, Clone)]
pub(crate) struct InFlight {
    pub payer: crate::engine::actor::ActorId,
    pub to: crate::engine::actor::ActorId,
    pub submitted_ms: u64,
}

/// God's-eye bookkeeping shared by payers and invariants.
#[derive(Debug, Default)]
pub struct Ledger {
    pub chain: ChainIdx,
    pub token: Address,
    /// Every account that ever held tokens, in first-seen order.
    pub holders: Vec<Address>,
    pub minted: U256,
    pub(crate) in_flight: in_flight::InFlightBook,
    /// Largest inclusion delay seen, per payer (ms), indexed by actor id (`None`: no receipt
    /// yet). A vector, since every receipt updates it.
    pub max_delay_ms: Vec<Option<u64>>,
    pub slowest_ms: u64,
    pub transfers: u64,
    pub slow_inclusion_ms: u64,
    /// Payment notices (off-chain messages) received that match an included transfer.
    pub notices: u64,
    /// Notices that named no included transfer to their receiver.
    pub bogus_notices: u64,
    /// Included transfers by hash, with their recipient (for checking notices).
    pub(crate) included: BTreeMap<B256, crate::engine::actor::ActorId>,
}

pub(crate) type Shared = Rc<RefCell<Ledger>>;

impl ProtocolConfig for TokenConfig {
    fn chains(&self) -> Vec<Located<String>> {
        vec![self.chain.clone()]
    }

    fn actor_refs(&self) -> Vec<Located<String>> {
        self.minter.iter().cloned().collect()
    }

    fn setup(&self, g: &mut Genesis) -> Result<Setup, String> {
        let chain = g
            .chain(&self.chain.value)
            .ok_or_else(|| format!("no chain `{}`", self.chain.value))?;
        let token = g.deploy(
            chain,
            "Token",
            TOKEN_ARTIFACT,
            initcode("Crucible Token", "CRU").into(),
        )?;
        let minter = g.deployer();
        let mut ledger = Ledger {
            chain,
            token,
            slow_inclusion_ms: self.slow_inclusion.as_ms(),
            ..Default::default()
        };
        for (_, _, kind, address) in g.actors() {
            if kind == "token.payer" {
                let amount = self.initial_balance.0;
                g.call(
                    chain,
                    minter,
                    token,
                    &Token::mintCall {
                        to: address,
                        amount,
                    },
                )?;
                ledger.holders.push(address);
                ledger.minted += amount;
            }
        }
        if let Some(m) = &self.minter {
            let to = g
                .actors()
                .into_iter()
                .find(|(_, name, _, _)| *name == m.value)
                .map(|(_, _, _, address)| address)
                .ok_or_else(|| format!("no actor `{}`", m.value))?;
            g.call(chain, minter, token, &Token::setMinterCall { next: to })?;
        }
        let shared: Shared = Rc::new(RefCell::new(ledger));
        let metrics_view = shared.clone();
        Ok(Setup {
            shared: shared.clone(),
            invariants: invariants::all(&shared),
            metrics: Box::new(move |probe| {
                let l = metrics_view.borrow();
                let mut out = vec![
                    (
                        "token.transfers".to_string(),
                        Value::Int(l.transfers as i128),
                    ),
                    (
                        "token.max_inclusion_delay_s".to_string(),
                        Value::Real(l.slowest_ms as f64 / 1000.0),
                    ),
                    (
                        "token.in_flight_at_end".to_string(),
                        Value::Int(l.in_flight.len() as i128),
                    ),
                    ("token.notices".to_string(), Value::Int(l.notices as i128)),
                    (
                        "token.bogus_notices".to_string(),
                        Value::Int(l.bogus_notices as i128),
                    ),
                ];
                let mut per_payer: Vec<(String, Value)> = l
                    .max_delay_ms
                    .iter()
                    .enumerate()
                    .filter_map(|(payer, ms)| {
                        let payer = crate::engine::actor::ActorId(payer as u32);
                        Some((
                            format!("token.max_inclusion_delay_s.{}", probe.actor_name(payer)),
                            Value::Real((*ms)? as f64 / 1000.0),
                        ))
                    })
                    .collect();
                per_payer.sort_by(|a, b| a.0.cmp(&b.0));
                out.extend(per_payer);
                out
            }),
        })
    }
}

/// ABI-encodes a value (helper for tests).
pub fn encode<T: SolValue>(v: &T) -> Vec<u8> {
    v.abi_encode()
}

/// The token's deployment code: its bytecode followed by the constructor's arguments.
pub fn initcode(name: &str, symbol: &str) -> Vec<u8> {
    let mut code = Token::BYTECODE.to_vec();
    code.extend(
        Token::constructorCall {
            name_: name.into(),
            symbol_: symbol.into(),
        }
        .abi_encode(),
    );
    code
}

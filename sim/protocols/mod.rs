//! Protocol modules and their registry. A protocol is one folder: Solidity sources, compiled
//! artifacts, bindings, actor kinds, invariants and metrics. Adding one means adding a folder and
//! one line to [`registry`]; the engine does not change.

pub mod avs;
pub mod bold;
pub mod payouts;
pub mod raiden;
pub mod tbtc;
pub mod token;

use crate::check::{Invariant, Probe};
use crate::engine::actor::{Actor, ActorId};
use crate::engine::genesis::Genesis;
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::{Located, Node};
use crate::trace::Value;
use std::any::Any;
use std::fmt::Debug;
use std::rc::Rc;

/// A protocol module as the scenario loader sees it.
pub trait Protocol: Sync {
    /// The name used under `protocols:` and as actor kind prefix (`token`).
    fn name(&self) -> &'static str;
    /// One line on what it models.
    fn about(&self) -> &'static str;
    /// Parses and validates the protocol's parameters (the map under `protocols.<name>`).
    fn parse(&self, params: &Node) -> Result<Box<dyn ProtocolConfig>, ScenarioError>;
    /// Actor kinds without the prefix (`payer` for `token.payer`).
    fn actor_kinds(&self) -> &'static [&'static str];
    /// Names of the invariants it checks (qualified, e.g. `token.conservation`).
    fn invariants(&self) -> &'static [&'static str];
    /// Parses and validates one actor's parameters (the actor entry minus the common keys).
    fn parse_actor(&self, kind: &str, params: &Node)
        -> Result<Box<dyn ActorParams>, ScenarioError>;
    /// Its fuzzing space (parameters and actor mix for generated scenarios), if it has one.
    /// `crucible fuzz` and the CI fuzz test cover every protocol that returns one.
    fn fuzz_space(&self) -> Option<&'static dyn crate::fuzz::FuzzSpace> {
        None
    }
}

/// Validated protocol parameters; builds the protocol at genesis.
pub trait ProtocolConfig: Send + Sync + Debug {
    /// Chains it is deployed on, as written (checked against `chains:`).
    fn chains(&self) -> Vec<Located<String>>;
    /// Actor names it refers to, as written (checked against the actor list).
    fn actor_refs(&self) -> Vec<Located<String>> {
        Vec::new()
    }
    /// Deploys contracts and sets genesis state; returns the running instance.
    fn setup(&self, genesis: &mut Genesis) -> Result<Setup, String>;
    /// Whether [`ProtocolConfig::derived_files`] gives any files (the runner reads the trace back
    /// only then).
    fn derives_files(&self) -> bool {
        false
    }
    /// Files derived from the finished run's trace alone (see [`crate::derived`]): payment
    /// files, payout CSVs. Must be a deterministic function of `run` — sorted rows, fixed
    /// headers, `\n` line ends — so that `crucible verify` can recompute them byte for byte.
    fn derived_files(
        &self,
        _run: &crate::derived::RunTrace,
    ) -> Result<Vec<crate::derived::DerivedFile>, String> {
        Ok(Vec::new())
    }
}

/// What a protocol leaves running after genesis.
pub struct Setup {
    /// State shared between the protocol's actors and invariants (god's-eye bookkeeping).
    pub shared: Rc<dyn Any>,
    pub invariants: Vec<Box<dyn Invariant>>,
    /// Computes end-of-run metrics.
    pub metrics: MetricsFn,
}

/// Computes a protocol's end-of-run metrics from the final state.
pub type MetricsFn = Box<dyn FnMut(&mut Probe) -> Vec<(String, Value)>>;

/// Validated parameters of one actor; spawns (and after a crash, re-spawns) its behaviour.
pub trait ActorParams: Send + Sync + Debug {
    /// Actor names it refers to, as written (checked against the actor list).
    fn actor_refs(&self) -> Vec<Located<String>> {
        Vec::new()
    }
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor>;
}

/// What an actor gets when it is created.
pub struct Spawn<'a> {
    pub id: ActorId,
    pub name: &'a str,
    /// Its protocol's shared state (downcast with `Rc::downcast`).
    pub shared: Rc<dyn Any>,
}

/// Every protocol Crucible knows.
pub fn registry() -> &'static [&'static dyn Protocol] {
    static REGISTRY: [&dyn Protocol; 6] = [
        &token::TOKEN,
        &avs::AVS,
        &bold::BOLD,
        &raiden::RAIDEN,
        &tbtc::TBTC,
        &payouts::PAYOUTS,
    ];
    &REGISTRY
}

/// The protocol named `name`.
pub fn find(name: &str) -> Option<&'static dyn Protocol> {
    registry().iter().copied().find(|p| p.name() == name)
}

/// Every qualified actor kind (`token.payer`), in registry order.
pub fn all_actor_kinds() -> Vec<String> {
    registry()
        .iter()
        .flat_map(|p| {
            p.actor_kinds()
                .iter()
                .map(move |k| format!("{}.{k}", p.name()))
        })
        .collect()
}

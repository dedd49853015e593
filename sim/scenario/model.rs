//! The validated, resolved form of a scenario: names are resolved to indices, durations to
//! milliseconds, parameters to typed protocol and actor configurations.

use crate::chain::{ChainConfig, ChainIdx};
use crate::engine::actor::ActorId;
use crate::engine::network::NetworkConfig;
use crate::engine::time::{Dur, SimTime};
use crate::protocols::{ActorParams, ProtocolConfig};
use alloy_primitives::U256;
use std::sync::Arc;

/// A scenario ready to build worlds from (one per seed).
#[derive(Debug)]
pub struct Scenario {
    /// Where it was loaded from (for messages and reproduction commands).
    pub path: String,
    /// Canonical YAML text of the scenario; embedded in traces and re-loaded by replay.
    pub canonical: String,
    pub name: String,
    pub question: String,
    pub seed: u64,
    pub duration: Dur,
    /// Fault-free time after `duration` before `eventually` checks.
    pub quiet: Dur,
    /// Interval of metric samples in the trace.
    pub sample_every: Dur,
    pub chains: Vec<ChainSpec>,
    pub protocols: Vec<ProtocolSpec>,
    pub actors: Vec<ActorSpec>,
    pub faults: Faults,
    pub expect: Expect,
}

/// One chain and the native balance every actor starts with on it.
#[derive(Debug, Clone)]
pub struct ChainSpec {
    pub config: ChainConfig,
    pub fund: U256,
    /// Empty blocks are produced only when something looks (see `World`): no trace record and
    /// no per-block checks for them. Off by default.
    pub lazy_empty_blocks: bool,
}

/// One configured protocol.
#[derive(Debug)]
pub struct ProtocolSpec {
    pub name: String,
    pub config: Box<dyn ProtocolConfig>,
    /// Names of the invariants it checks.
    pub invariants: Vec<String>,
}

/// One actor (counts are expanded: `count: 3` gives three specs named `x#0`..`x#2`).
#[derive(Debug, Clone)]
pub struct ActorSpec {
    pub name: String,
    /// Qualified kind, e.g. `token.payer`.
    pub kind: String,
    /// Index into `Scenario::protocols`.
    pub protocol: usize,
    pub params: Arc<dyn ActorParams>,
}

/// Faults, resolved. Every window ends at the latest when the scenario's duration does.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub network: NetworkConfig,
    pub offline: Vec<Window<ActorId>>,
    pub crash: Vec<Crash>,
    /// Senders whose transactions are not included (delay `None`) or included no earlier than
    /// `delay` after submission, while the window lasts.
    pub censor: Vec<Censorship>,
}

/// A time window applying to a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Window<T> {
    pub target: T,
    pub from: SimTime,
    pub to: SimTime,
}

/// A crash at `at`, with a restart at `restart` (never, if `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Crash {
    pub actor: ActorId,
    pub at: SimTime,
    pub restart: Option<SimTime>,
}

/// Censorship or inclusion delay of chosen senders on one chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Censorship {
    pub chain: ChainIdx,
    pub senders: Vec<ActorId>,
    pub from: SimTime,
    pub to: SimTime,
    pub delay: Option<Dur>,
}

/// What the scenario says should happen.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Invariants that must hold: `None` = all except those expected to be violated.
    pub hold: Option<Vec<String>>,
    /// Invariants that must be violated (a demonstration of an attack).
    pub violated: Vec<String>,
    /// Metric bounds.
    pub metrics: Vec<MetricBound>,
}

/// `name` must lie within `[min, max]` (inclusive; either may be open).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricBound {
    pub name: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

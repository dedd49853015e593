//! Raiden payment channels with monitoring services (specs/raiden.md): the token network,
//! service registry, user deposit and monitoring service contracts; participants exchanging
//! signed balance proofs off-chain; honest and hostile participants and monitoring services;
//! the spec's invariants and metrics.

#[cfg(test)]
mod actor_tests;
mod actors;
mod config;
#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod defect_tests;
mod fuzz;
mod invariants;
pub mod messages;
mod metrics;
mod monitor;
pub mod node_db;
pub mod observe;
pub mod query;
pub mod settlement;
pub mod slot;

pub use actors::BALANCE_PROOF_TOPIC;
pub use config::{Defect, GriefKind, MonitorParams, ParticipantParams, RaidenConfig, TimeMode};
pub use observe::{ChannelRecord, RaidenState, Shared};

use super::{ActorParams, Protocol, ProtocolConfig};
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::Node;

alloy_sol_types::sol!(
    #[sol(all_derives)]
    TokenNetwork,
    "sim/protocols/raiden/artifacts/TokenNetwork.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    MonitoringService,
    "sim/protocols/raiden/artifacts/MonitoringService.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    UserDeposit,
    "sim/protocols/raiden/artifacts/UserDeposit.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    ServiceRegistry,
    "sim/protocols/raiden/artifacts/ServiceRegistry.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    TokenNetworkRegistry,
    "sim/protocols/raiden/artifacts/TokenNetworkRegistry.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    SecretRegistry,
    "sim/protocols/raiden/artifacts/SecretRegistry.json"
);

pub const TOKEN_NETWORK_ARTIFACT: &str = include_str!("artifacts/TokenNetwork.json");
pub const MONITORING_SERVICE_ARTIFACT: &str = include_str!("artifacts/MonitoringService.json");
pub const USER_DEPOSIT_ARTIFACT: &str = include_str!("artifacts/UserDeposit.json");
pub const SERVICE_REGISTRY_ARTIFACT: &str = include_str!("artifacts/ServiceRegistry.json");
pub const TOKEN_NETWORK_REGISTRY_ARTIFACT: &str =
    include_str!("artifacts/TokenNetworkRegistry.json");
pub const SECRET_REGISTRY_ARTIFACT: &str = include_str!("artifacts/SecretRegistry.json");

/// The Raiden protocol module.
pub struct RaidenProtocol;

/// Registry entry.
pub static RAIDEN: RaidenProtocol = RaidenProtocol;

/// Participant-like actor kinds (they hold channels and sign balance proofs).
pub const PARTICIPANT_KINDS: &[&str] = &[
    "raiden.participant",
    "raiden.stale_closer",
    "raiden.settle_racer",
    "raiden.griefing_client",
];

/// Monitoring-service actor kinds.
pub const MONITOR_KINDS: &[&str] = &["raiden.monitoring_service", "raiden.grinding_service"];

/// Names of the invariants this protocol checks.
pub const INVARIANTS: &[&str] = &[
    "raiden.token_conservation",
    "raiden.settlement_conservation",
    "raiden.monotone_nonces",
    "raiden.access_windows",
    "raiden.reward_accounting",
    "raiden.no_replay",
    "raiden.honest_outcome",
    "raiden.channels_settle",
];

impl Protocol for RaidenProtocol {
    fn name(&self) -> &'static str {
        "raiden"
    }
    fn about(&self) -> &'static str {
        "Raiden payment channels with monitoring services, reward deposits and slot rotation"
    }
    fn parse(&self, params: &Node) -> Result<Box<dyn ProtocolConfig>, ScenarioError> {
        Ok(Box::new(config::parse(params)?))
    }
    fn actor_kinds(&self) -> &'static [&'static str] {
        &[
            "participant",
            "stale_closer",
            "settle_racer",
            "griefing_client",
            "monitoring_service",
            "grinding_service",
        ]
    }
    fn invariants(&self) -> &'static [&'static str] {
        INVARIANTS
    }
    fn fuzz_space(&self) -> Option<&'static dyn crate::fuzz::FuzzSpace> {
        Some(&fuzz::RAIDEN_SPACE)
    }
    fn parse_actor(
        &self,
        kind: &str,
        params: &Node,
    ) -> Result<Box<dyn ActorParams>, ScenarioError> {
        config::parse_actor(kind, params)
    }
}

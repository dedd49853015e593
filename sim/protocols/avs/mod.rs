//! The AVS stake registry of the Spotted AVS (spec `avs.md`): an epoch-based ECDSA stake
//! registry on a main chain, light replicas on remote chains fed over an engine-delivered bridge,
//! state attestations checked through ERC-1271, with operators, an aggregator, keepers, owners
//! and consumers as actors. Every quirk of the real implementation sits behind a flag.

mod actors;
mod adversaries;
pub mod bindings;
mod book;
pub mod config;
#[cfg(test)]
mod defect_tests;
pub mod digest;
pub mod epoch;
pub mod fuzz;
mod invariants;
#[cfg(test)]
mod registry_tests;
mod relay;
#[cfg(test)]
mod tests;
pub mod weight;

use super::{ActorParams, Protocol, ProtocolConfig, Setup};
use crate::engine::genesis::Genesis;
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::{from_node, Located, Node};
pub use actors::{
    AggregatorParams, ConsumerParams, KeeperParams, OperatorParams, OwnerParams, RewardsParams,
    WriterParams,
};
pub use adversaries::{BridgeAdversaryParams, ChallengerParams, CoalitionParams, KeyThiefParams};
pub use book::{Book, Proof, Remote};
pub use config::AvsConfig;

/// The AVS protocol module.
pub struct AvsProtocol;

/// Registry entry.
pub static AVS: AvsProtocol = AvsProtocol;

/// Names of the invariants this protocol checks.
pub const INVARIANTS: &[&str] = &[
    "avs.signature_soundness",
    "avs.epoch_immutability",
    "avs.key_uniqueness",
    "avs.replica_consistency",
    "avs.task_liveness",
    "avs.replica_liveness",
    "avs.accountability",
    "avs.honest_non_frameability",
    "avs.bond_accounting",
    "avs.message_integrity",
    "avs.slashing_bounds",
];

impl Protocol for AvsProtocol {
    fn name(&self) -> &'static str {
        "avs"
    }
    fn about(&self) -> &'static str {
        "Spotted AVS: epoch stake registry, bridged replicas, ERC-1271 quorum proofs"
    }
    fn parse(&self, params: &Node) -> Result<Box<dyn ProtocolConfig>, ScenarioError> {
        let c = from_node::<AvsConfig>(params)?;
        c.validate()?;
        Ok(Box::new(c))
    }
    fn actor_kinds(&self) -> &'static [&'static str] {
        &[
            "operator",
            "aggregator",
            "keeper",
            "owner",
            "consumer",
            "writer",
            "challenger",
            "coalition",
            "key_thief",
            "bridge_adversary",
            "rewards",
        ]
    }
    fn invariants(&self) -> &'static [&'static str] {
        INVARIANTS
    }
    fn fuzz_space(&self) -> Option<&'static dyn crate::fuzz::FuzzSpace> {
        Some(&fuzz::AVS_SPACE)
    }
    fn parse_actor(
        &self,
        kind: &str,
        params: &Node,
    ) -> Result<Box<dyn ActorParams>, ScenarioError> {
        match kind {
            "operator" => {
                let p = from_node::<OperatorParams>(params)?;
                p.validate()?;
                Ok(Box::new(p))
            }
            "aggregator" => Ok(Box::new(from_node::<AggregatorParams>(params)?)),
            "keeper" => Ok(Box::new(from_node::<KeeperParams>(params)?)),
            "owner" => {
                let p = from_node::<OwnerParams>(params)?;
                p.validate()?;
                Ok(Box::new(p))
            }
            "consumer" => Ok(Box::new(from_node::<ConsumerParams>(params)?)),
            "writer" => Ok(Box::new(from_node::<WriterParams>(params)?)),
            "rewards" => Ok(Box::new(from_node::<RewardsParams>(params)?)),
            "challenger" => {
                let p = from_node::<ChallengerParams>(params)?;
                p.validate()?;
                Ok(Box::new(p))
            }
            "coalition" => Ok(Box::new(from_node::<CoalitionParams>(params)?)),
            "key_thief" => Ok(Box::new(from_node::<KeyThiefParams>(params)?)),
            "bridge_adversary" => {
                let p = from_node::<BridgeAdversaryParams>(params)?;
                p.validate()?;
                Ok(Box::new(p))
            }
            other => Err(ScenarioError::new(format!(
                "unknown avs actor kind `{other}`"
            ))),
        }
    }
}

impl ProtocolConfig for AvsConfig {
    fn chains(&self) -> Vec<Located<String>> {
        let mut out = vec![self.main.clone()];
        out.extend(self.remotes.iter().cloned());
        out
    }

    fn setup(&self, g: &mut Genesis) -> Result<Setup, String> {
        book::deploy(self, g)
    }
}

//! The `tbtc` protocol module: parameters, actor kinds and genesis (contracts, wallets, seats).

use super::config::{
    DepositorParams, LifecycleParams, NodeParams, RedeemerParams, Role, TbtcConfig, NODE_KINDS,
};
use super::node::NodeSpawn;
use super::state::{Coordination, Shared, Wallet};
use super::{invariants, leader, metrics, Bridge, WalletProposalValidator, WalletRegistry};
use crate::engine::genesis::Genesis;
use crate::protocols::{ActorParams, Protocol, ProtocolConfig, Setup};
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::{from_node, Located, Node};
use alloy_primitives::{Address, FixedBytes, B256};
use alloy_sol_types::SolConstructor;
use std::cell::RefCell;
use std::rc::Rc;

/// ABIs of the contracts (trace headers carry them).
const BRIDGE_ABI: &str = include_str!("artifacts/Bridge.json");
const REGISTRY_ABI: &str = include_str!("artifacts/WalletRegistry.json");
const VALIDATOR_ABI: &str = include_str!("artifacts/WalletProposalValidator.json");

/// The tBTC coordination protocol module.
pub struct TbtcProtocol;

/// Registry entry.
pub static TBTC: TbtcProtocol = TbtcProtocol;

/// Every actor kind: the operator node kinds, then the load generators.
const KINDS: &[&str] = &[
    "node",
    "idle_leader",
    "mistaken_leader",
    "content_invalid_leader",
    "impersonator",
    "equivocating_leader",
    "censoring_leader",
    "redeemer",
    "depositor",
    "wallet_lifecycle",
];

impl Protocol for TbtcProtocol {
    fn name(&self) -> &'static str {
        "tbtc"
    }
    fn about(&self) -> &'static str {
        "tBTC wallet coordination windows (RFC 12) as the keep-core client runs them"
    }
    fn parse(&self, params: &Node) -> Result<Box<dyn ProtocolConfig>, ScenarioError> {
        let cfg = from_node::<TbtcConfig>(params)?;
        cfg.validate()
            .map_err(|e| ScenarioError::at(params.loc, format!("protocols.tbtc: {e}")))?;
        Ok(Box::new(cfg))
    }
    fn actor_kinds(&self) -> &'static [&'static str] {
        KINDS
    }
    fn invariants(&self) -> &'static [&'static str] {
        invariants::NAMES
    }
    fn fuzz_space(&self) -> Option<&'static dyn crate::fuzz::FuzzSpace> {
        Some(&super::fuzz::TBTC_SPACE)
    }
    fn parse_actor(
        &self,
        kind: &str,
        params: &Node,
    ) -> Result<Box<dyn ActorParams>, ScenarioError> {
        if kind == "redeemer" {
            let p = from_node::<RedeemerParams>(params)?;
            if p.every.as_ms() == 0 {
                return Err(ScenarioError::at(
                    params.loc,
                    "tbtc.redeemer: `every` must be positive",
                ));
            }
            return Ok(Box::new(p));
        }
        if kind == "depositor" {
            let p = from_node::<DepositorParams>(params)?;
            p.validate()
                .map_err(|e| ScenarioError::at(params.loc, format!("tbtc.depositor: {e}")))?;
            return Ok(Box::new(p));
        }
        if kind == "wallet_lifecycle" {
            let p = from_node::<LifecycleParams>(params)?;
            p.validate().map_err(|e| {
                ScenarioError::at(params.loc, format!("tbtc.wallet_lifecycle: {e}"))
            })?;
            return Ok(Box::new(p));
        }
        if NODE_KINDS.contains(&kind) {
            let p = from_node::<NodeParams>(params)?;
            return Ok(Box::new(NodeSpawn {
                role: Role::of_kind(kind),
                params: p,
            }));
        }
        Err(ScenarioError::new(format!(
            "unknown tbtc actor kind `{kind}`"
        )))
    }
}

impl ProtocolConfig for TbtcConfig {
    fn chains(&self) -> Vec<Located<String>> {
        vec![self.chain.clone()]
    }

    fn setup(&self, g: &mut Genesis) -> Result<Setup, String> {
        let chain = g
            .chain(&self.chain.value)
            .ok_or_else(|| format!("no chain `{}`", self.chain.value))?;
        let (block_time_ms, genesis_timestamp) = {
            let c = g.core.chains[chain.0 as usize].chain.config();
            (c.block_time_ms, c.genesis_timestamp)
        };
        if block_time_ms == 0 {
            return Err("tbtc needs a positive block time".into());
        }
        let nodes: Vec<(u32, Address, Role)> = g
            .actors()
            .into_iter()
            .filter_map(|(id, _, kind, address)| {
                let k = kind.strip_prefix("tbtc.")?;
                NODE_KINDS
                    .contains(&k)
                    .then(|| (id.0, address, Role::of_kind(k)))
            })
            .collect();
        if nodes.is_empty() {
            return Err(
                "tbtc needs at least one operator node (tbtc.node or a faulty kind)".into(),
            );
        }
        // The wallet-lifecycle generator, if any, is the bridge's wallet governance.
        let governance = g
            .actors()
            .into_iter()
            .find(|(_, _, kind, _)| kind == "tbtc.wallet_lifecycle")
            .map(|(_, _, _, address)| address);
        let owner = g.deployer();
        let bridge = g.deploy(chain, "Bridge", BRIDGE_ABI, Bridge::BYTECODE.clone())?;
        let registry = g.deploy(
            chain,
            "WalletRegistry",
            REGISTRY_ABI,
            WalletRegistry::BYTECODE.clone(),
        )?;
        let mut initcode = WalletProposalValidator::BYTECODE.to_vec();
        initcode.extend(WalletProposalValidator::constructorCall { _bridge: bridge }.abi_encode());
        let validator = g.deploy(
            chain,
            "WalletProposalValidator",
            VALIDATOR_ABI,
            initcode.into(),
        )?;
        g.call(
            chain,
            owner,
            bridge,
            &Bridge::setRedemptionTimeoutCall {
                timeout: (self.redemption_timeout.as_ms() / 1000).min(u32::MAX as u64) as u32,
            },
        )?;

        if let Some(governance) = governance {
            g.call(
                chain,
                owner,
                bridge,
                &Bridge::setWalletGovernanceCall { governance },
            )?;
        }

        let mut st = Coordination::new(self, chain);
        st.bridge = bridge;
        st.registry = registry;
        st.validator = validator;
        st.block_time_ms = block_time_ms;
        st.genesis_timestamp = genesis_timestamp;
        let mut key = [0u8; 32];
        g.stream("signing").fill(&mut key);
        st.signing_key = B256::from(key);
        for (id, _, role) in &nodes {
            st.roles.insert(*id, *role);
        }
        let mut groups = g.stream("groups");
        let mut wallet_keys = g.stream("wallet-keys");
        for i in 0..self.wallets as usize {
            // The wallet's key: its PKH (HASH160 of the compressed public key) feeds the
            // coordination seed and keys the bridge's records.
            let (_, pkh) = super::wallet_key::draw_wallet_key(|b| wallet_keys.fill(b));
            let seats: Vec<u32> = (0..self.seats)
                .map(|_| nodes[groups.pick(nodes.len())].0)
                .collect();
            let addrs: Vec<Address> = seats
                .iter()
                .map(|s| nodes.iter().find(|n| n.0 == *s).expect("node").1)
                .collect();
            let raw: Vec<[u8; 20]> = addrs.iter().map(|a| a.0 .0).collect();
            let seat_strings = leader::operator_strings(&raw);
            let mut operators = seats.clone();
            operators.sort_unstable();
            operators.dedup();
            g.call(
                chain,
                owner,
                registry,
                &WalletRegistry::createWalletCall {
                    walletPubKeyHash: FixedBytes(pkh),
                    seats: addrs,
                    threshold: self.threshold as u16,
                },
            )?;
            g.call(
                chain,
                owner,
                bridge,
                &Bridge::registerWalletCall {
                    walletPubKeyHash: FixedBytes(pkh),
                },
            )?;
            for op in &operators {
                st.node_wallets.entry(*op).or_default().push(i);
            }
            st.wallet_by_pkh.insert(pkh, i);
            let group = super::PreparedGroup::new(&seat_strings)
                .ok_or("tbtc needs at least one seat per wallet")?;
            st.wallets.push(Wallet {
                pkh,
                seats,
                seat_strings,
                group,
                operators,
            });
        }
        st.last_heartbeat = vec![None; st.wallets.len()];
        st.main_utxo = vec![false; st.wallets.len()];
        st.retired = vec![false; st.wallets.len()];
        st.degraded_since = vec![None; st.wallets.len()];
        st.claimed_since_onset = vec![false; st.wallets.len()];
        let shared: Shared = Rc::new(RefCell::new(st));
        let view = shared.clone();
        Ok(Setup {
            shared: shared.clone(),
            invariants: invariants::all(&shared),
            metrics: Box::new(move |_probe| metrics::compute(&view.borrow())),
        })
    }
}

//! Typed bindings of the payouts contracts (and the shared token).

alloy_sol_types::sol!(
    #[sol(all_derives)]
    ZkBridge,
    "sim/protocols/payouts/artifacts/ZkBridge.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    L2Gateway,
    "sim/protocols/payouts/artifacts/L2Gateway.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    FeeLedger,
    "sim/protocols/payouts/artifacts/FeeLedger.json"
);

pub use crate::protocols::token::Token;

/// ABIs of the contracts, for registration at genesis.
pub mod abi {
    pub const ZK_BRIDGE: &str = include_str!("artifacts/ZkBridge.json");
    pub const L2_GATEWAY: &str = include_str!("artifacts/L2Gateway.json");
    pub const FEE_LEDGER: &str = include_str!("artifacts/FeeLedger.json");
    pub use crate::protocols::token::TOKEN_ARTIFACT as TOKEN;
}

//! Typed bindings of the AVS contracts, generated from the committed artifacts.

#![allow(clippy::too_many_arguments)]

alloy_sol_types::sol!(
    #[sol(all_derives)]
    AllocationManagerLite,
    "sim/protocols/avs/artifacts/AllocationManagerLite.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    EpochManager,
    "sim/protocols/avs/artifacts/EpochManager.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    StakeRegistry,
    "sim/protocols/avs/artifacts/StakeRegistry.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    RegistryStateSender,
    "sim/protocols/avs/artifacts/RegistryStateSender.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    BridgeLite,
    "sim/protocols/avs/artifacts/BridgeLite.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    RegistryStateReceiver,
    "sim/protocols/avs/artifacts/RegistryStateReceiver.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    LightStakeRegistry,
    "sim/protocols/avs/artifacts/LightStakeRegistry.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    StateManager,
    "sim/protocols/avs/artifacts/StateManager.json"
);

alloy_sol_types::sol!(
    #[sol(all_derives)]
    RemoteChainVerifier,
    "sim/protocols/avs/artifacts/RemoteChainVerifier.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    MainChainVerifier,
    "sim/protocols/avs/artifacts/MainChainVerifier.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    DisputeResolver,
    "sim/protocols/avs/artifacts/DisputeResolver.json"
);

alloy_sol_types::sol!(
    #[sol(all_derives)]
    RewardsLite,
    "sim/protocols/avs/artifacts/RewardsLite.json"
);

alloy_sol_types::sol!(
    #[sol(all_derives)]
    ContractSigner,
    "sim/protocols/avs/artifacts/ContractSigner.json"
);

/// ABI JSON of each deployed contract (for trace decoding).
pub mod abi {
    pub const ALLOCATION: &str = include_str!("artifacts/AllocationManagerLite.json");
    pub const EPOCH_MANAGER: &str = include_str!("artifacts/EpochManager.json");
    pub const STAKE_REGISTRY: &str = include_str!("artifacts/StakeRegistry.json");
    pub const SENDER: &str = include_str!("artifacts/RegistryStateSender.json");
    pub const BRIDGE: &str = include_str!("artifacts/BridgeLite.json");
    pub const RECEIVER: &str = include_str!("artifacts/RegistryStateReceiver.json");
    pub const LIGHT_REGISTRY: &str = include_str!("artifacts/LightStakeRegistry.json");
    pub const STATE_MANAGER: &str = include_str!("artifacts/StateManager.json");
    pub const REMOTE_VERIFIER: &str = include_str!("artifacts/RemoteChainVerifier.json");
    pub const MAIN_VERIFIER: &str = include_str!("artifacts/MainChainVerifier.json");
    pub const REWARDS: &str = include_str!("artifacts/RewardsLite.json");
    pub const RESOLVER: &str = include_str!("artifacts/DisputeResolver.json");
}

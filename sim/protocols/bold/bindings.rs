//! Typed bindings of the BOLD contracts (generated from the committed artifacts) and
//! conversions from the Rust-side history types.

use super::truth::{AssertionInfo, StateData};
use alloy_primitives::{B256, U256};

/// The rollup (assertion chain).
#[allow(clippy::too_many_arguments)]
pub mod rollup {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        BoldRollup,
        "sim/protocols/bold/artifacts/BoldRollup.json"
    );
    pub use BoldRollup::{
        AssertionInputs, AssertionNode, AssertionState, BeforeStateData, ConfigData, GlobalState,
    };
}

/// The edge challenge manager.
#[allow(clippy::too_many_arguments)]
pub mod ecm {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        EdgeChallengeManager,
        "sim/protocols/bold/artifacts/EdgeChallengeManager.json"
    );
    pub use EdgeChallengeManager::{
        AssertionState, AssertionStateData, ChallengeEdge, ConfigData, CreateEdgeArgs, GlobalState,
        OneStepData,
    };
}

/// The toy one-step prover.
pub mod osp {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        ToyOneStepProver,
        "sim/protocols/bold/artifacts/ToyOneStepProver.json"
    );
}

/// The ledger the reimbursement watcher records spec-mode payments in (`post_to_ledger`).
pub mod ledger {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        ReimbursementLedger,
        "sim/protocols/bold/artifacts/ReimbursementLedger.json"
    );
}

pub use ecm::EdgeChallengeManager as Ecm;
pub use ledger::ReimbursementLedger;
pub use rollup::BoldRollup as Rollup;

pub const ROLLUP_ARTIFACT: &str = include_str!("artifacts/BoldRollup.json");
pub const ECM_ARTIFACT: &str = include_str!("artifacts/EdgeChallengeManager.json");
pub const OSP_ARTIFACT: &str = include_str!("artifacts/ToyOneStepProver.json");
pub const LEDGER_ARTIFACT: &str = include_str!("artifacts/ReimbursementLedger.json");

macro_rules! state_conv {
    ($m:ident, $fn_state:ident, $fn_config:ident) => {
        /// The contract's `AssertionState` of a history state.
        pub fn $fn_state(s: &StateData) -> $m::AssertionState {
            $m::AssertionState {
                globalState: $m::GlobalState {
                    bytes32Vals: [s.block_state, B256::ZERO],
                    u64Vals: [s.inbox_pos, 0],
                },
                machineStatus: 1,
                endHistoryRoot: s.end_history_root,
            }
        }
        /// The contract's `ConfigData`.
        pub fn $fn_config(c: &Config) -> $m::ConfigData {
            $m::ConfigData {
                wasmModuleRoot: c.wasm_module_root,
                requiredStake: c.required_stake,
                challengeManager: c.challenge_manager,
                confirmPeriodBlocks: c.confirm_period_blocks,
                nextInboxPosition: c.next_inbox_position,
            }
        }
    };
}

/// The config an assertion records for its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub wasm_module_root: B256,
    pub required_stake: U256,
    pub challenge_manager: alloy_primitives::Address,
    pub confirm_period_blocks: u64,
    pub next_inbox_position: u64,
}

pub mod conv {
    use super::*;
    state_conv!(rollup, rollup_state, rollup_config);
    state_conv!(ecm, ecm_state, ecm_config);

    /// The challenge manager's `AssertionStateData` of an assertion.
    pub fn ecm_data(a: &AssertionInfo) -> ecm::AssertionStateData {
        ecm::AssertionStateData {
            assertionState: ecm_state(&a.state),
            prevAssertionHash: a.parent,
            inboxAcc: a.inbox_acc,
        }
    }
}

//! Invariants: properties of a protocol checked during and after a run.
//!
//! * `always` — checked after every block; any failure is a violation.
//! * `eventually` — checked once after the run (faults have stopped, a quiet period has passed);
//!   failure is a liveness violation.
//! * `sometimes` — must hold at least once (after some block or at the end); it proves the
//!   adversary actually got somewhere. Never reaching it is reported.

use crate::chain::{BlockHeader, ChainIdx, ViewError};
use crate::engine::actor::ActorId;
use crate::engine::ctx::CallError;
use crate::engine::time::SimTime;
use crate::engine::world::Core;
use crate::trace::{CheckKind, Value};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;

/// One named property of a protocol.
pub trait Invariant {
    /// Qualified name, e.g. `token.conservation`.
    fn name(&self) -> &str;
    fn kind(&self) -> CheckKind;
    /// `Ok` when the property holds now; `Err(detail)` otherwise.
    fn check(&mut self, probe: &mut Probe) -> Result<(), String>;
}

/// Storage slot of `mapping(address => …)` entry `key` when the mapping is declared at slot
/// `base` (Solidity's layout: `keccak256(pad32(key) ‖ pad32(base))`).
pub fn mapping_slot(key: Address, base: u64) -> U256 {
    let mut buf = [0u8; 64];
    buf[12..32].copy_from_slice(key.as_slice());
    buf[56..64].copy_from_slice(&base.to_be_bytes());
    U256::from_be_bytes(alloy_primitives::keccak256(buf).0)
}

/// A read-only view of the world for invariants and end-of-run metrics.
pub struct Probe<'a> {
    pub(crate) core: &'a mut Core,
}

impl<'a> Probe<'a> {
    pub fn now(&self) -> SimTime {
        self.core.now
    }
    pub fn chain(&self, name: &str) -> Option<ChainIdx> {
        self.core.chain_index(name)
    }
    pub fn contract(&self, name: &str) -> Option<(ChainIdx, Address)> {
        self.core.directory.contracts.get(name).copied()
    }
    pub fn view<C: SolCall>(
        &mut self,
        chain: ChainIdx,
        to: Address,
        call: &C,
    ) -> Result<C::Return, CallError> {
        self.core.view(chain, Address::ZERO, to, call)
    }
    pub fn view_raw(
        &mut self,
        chain: ChainIdx,
        to: Address,
        data: Bytes,
    ) -> Result<Bytes, ViewError> {
        self.core.chains[chain.0 as usize]
            .chain
            .view(Address::ZERO, to, data)
    }
    /// Committed storage `slot` of `contract` read directly (no EVM call): for checks that know
    /// the contract's storage layout and run every block. See [`mapping_slot`].
    pub fn storage(&mut self, chain: ChainIdx, contract: Address, slot: U256) -> U256 {
        self.core.chains[chain.0 as usize]
            .chain
            .storage(contract, slot)
    }
    pub fn balance(&mut self, chain: ChainIdx, who: Address) -> U256 {
        self.core.chains[chain.0 as usize].chain.balance(who)
    }
    pub fn head(&self, chain: ChainIdx) -> &BlockHeader {
        self.core.chains[chain.0 as usize].chain.head()
    }
    /// True while transaction `tx` waits for inclusion (submitted, neither included nor
    /// dropped), whether or not its sender is online to hear about it.
    pub fn awaiting_inclusion(&self, tx: alloy_primitives::B256) -> bool {
        self.core.chains.iter().any(|c| c.chain.is_pending(tx))
    }
    pub fn pending_len(&self, chain: ChainIdx) -> usize {
        self.core.chains[chain.0 as usize].chain.pending_len()
    }
    pub fn actors(&self) -> impl Iterator<Item = ActorId> + '_ {
        (0..self.core.actors.len() as u32).map(ActorId)
    }
    pub fn actors_of_kind<'k>(&'k self, kind: &'k str) -> impl Iterator<Item = ActorId> + 'k {
        self.core.actors_of_kind(kind)
    }
    pub fn actor_name(&self, id: ActorId) -> &str {
        &self.core.actors[id.0 as usize].info.name
    }
    pub fn actor_address(&self, id: ActorId) -> Address {
        self.core.actors[id.0 as usize].info.address
    }
    /// The block produced last (with its receipts and logs) and its chain; `None` before the
    /// first block. Lets `always` checks follow events without subscribing an actor.
    pub fn last_block(&self) -> Option<(ChainIdx, &crate::chain::Block)> {
        self.core.last_block.as_ref().map(|(c, b)| (*c, b))
    }
    /// Decodes revert data with the ABIs of every deployed contract.
    pub fn revert_reason(&self, data: &[u8]) -> String {
        self.core.abis.revert_reason(data)
    }
    /// Current value of an engine or actor metric.
    pub fn metric(&self, name: &str) -> Option<Value> {
        self.core.metrics.get(name)
    }
}

/// How an invariant fared over a run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CheckOutcome {
    pub name: String,
    pub kind: CheckKind,
    /// `held`, `violated`, `reached` or `never reached`.
    pub status: CheckStatus,
    /// Simulated ms of the first violation (or of first reaching, for `sometimes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Number of checks that failed (always: blocks after which it failed).
    pub failures: u64,
}

/// Result of one invariant over a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Held,
    Violated,
    Reached,
    NeverReached,
    /// The run stopped (e.g. at an earlier violation) before this could be decided.
    Undecided,
}

impl CheckStatus {
    pub fn is_failure(self) -> bool {
        matches!(self, CheckStatus::Violated | CheckStatus::NeverReached)
    }
}

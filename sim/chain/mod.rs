//! Simulated EVM chains. This is the only module that touches revm.
//!
//! A [`Chain`] owns one revm instance over an in-memory database, a mempool with per-sender
//! nonces, an EIP-1559 base fee, and a block builder that orders by priority fee, then arrival.
//! Block hashes are derived from header fields, so they are deterministic and usable as seeds.

pub mod types;

pub use types::*;

use crate::engine::time::SimTime;
use alloy_primitives::{Address, Bytes, B256, U256};

/// The hardfork every chain runs, recorded in trace headers.
pub const HARDFORK: &str = "PRAGUE";
/// The exact revm version, recorded in trace headers.
pub const REVM_VERSION: &str = "43.0.3";

/// Errors of chain set-up operations (deployment and genesis calls).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("deployment failed: {0}")]
    DeployFailed(String),
    #[error("genesis call reverted: {0}")]
    CallFailed(String),
}

/// Why a view call returned no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ViewError {
    #[error("view reverted (0x{})", alloy_primitives::hex::encode(.0))]
    Revert(Bytes),
    #[error("view halted: {0}")]
    Halt(String),
    #[error("view invalid: {0}")]
    Invalid(String),
}

/// One simulated chain.
pub struct Chain {
    _private: (),
}

impl Chain {
    /// A chain at genesis (block 0, time 0) with nothing deployed.
    pub fn new(_config: ChainConfig) -> Chain {
        todo!()
    }
    pub fn config(&self) -> &ChainConfig {
        todo!()
    }
    /// Credits `wei` to `addr` at genesis.
    pub fn fund(&mut self, _addr: Address, _wei: U256) {
        todo!()
    }
    /// Deploys init code at genesis and commits it at once (no block, no fee).
    pub fn deploy(&mut self, _from: Address, _initcode: Bytes) -> Result<Deployed, ChainError> {
        todo!()
    }
    /// Executes and commits a call at genesis (no block, no fee), e.g. minting initial balances.
    pub fn genesis_call(
        &mut self,
        _from: Address,
        _to: Address,
        _data: Bytes,
        _value: U256,
    ) -> Result<Bytes, ChainError> {
        todo!()
    }
    /// Adds a transaction to the mempool; the nonce is the sender's next pending nonce.
    pub fn submit(&mut self, _req: TxRequest, _now: SimTime) -> PendingTx {
        todo!()
    }
    /// Pending transactions in (sender, nonce) order.
    pub fn pending(&self) -> Vec<&PendingTx> {
        todo!()
    }
    pub fn pending_len(&self) -> usize {
        todo!()
    }
    /// Builds, executes and commits the next block at time `now`. Only transactions for which
    /// `eligible` returns true may be included (censorship and inclusion delay are decided by
    /// the caller); a sender whose lowest pending nonce is not eligible waits entirely.
    pub fn build_block(
        &mut self,
        _now: SimTime,
        _eligible: &mut dyn FnMut(&PendingTx) -> bool,
    ) -> Block {
        todo!()
    }
    /// Executes a call against the latest committed state without committing anything.
    pub fn view(&mut self, _from: Address, _to: Address, _data: Bytes) -> Result<Bytes, ViewError> {
        todo!()
    }
    pub fn balance(&mut self, _addr: Address) -> U256 {
        todo!()
    }
    /// Committed nonce of `addr`.
    pub fn nonce(&mut self, _addr: Address) -> u64 {
        todo!()
    }
    pub fn code_hash(&mut self, _addr: Address) -> B256 {
        todo!()
    }
    /// Header of the latest block (block 0 is genesis).
    pub fn head(&self) -> &BlockHeader {
        todo!()
    }
    /// Hash of a produced block, as the BLOCKHASH opcode sees it.
    pub fn block_hash(&self, _number: u64) -> Option<B256> {
        todo!()
    }
    /// Base fee the next block will have if built at `now` (spikes included).
    pub fn base_fee_at(&self, _now: SimTime) -> u128 {
        todo!()
    }
}

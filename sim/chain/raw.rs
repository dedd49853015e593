//! Bare revm for benchmarks: the same transaction stream a [`super::Chain`] executes, but
//! straight through `transact_commit` with no mempool, no block builder and no fees. It
//! measures the physical limit the engine is compared against.

use super::evm::{self, Evm};
use alloy_primitives::{Address, Bytes, U256};
use revm::context::result::{ExecutionResult, Output};
use revm::ExecuteCommitEvm;

/// Gas limit of every raw transaction.
const RAW_GAS_LIMIT: u64 = 30_000_000;

/// What a raw transaction did, without revm types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawResult {
    pub success: bool,
    pub gas_used: u64,
}

/// A revm instance with a fee-less block (base fee 0) and legacy transactions at gas price 0.
pub struct RawEvm {
    chain_id: u64,
    evm: Evm,
}

impl RawEvm {
    pub fn new(chain_id: u64) -> RawEvm {
        let mut evm = evm::new_evm(chain_id);
        evm.ctx.block = evm::genesis_block_env(1, 1, Address::ZERO);
        RawEvm { chain_id, evm }
    }

    /// Credits `wei` to `addr`.
    pub fn fund(&mut self, addr: Address, wei: U256) {
        evm::credit(&mut self.evm.ctx.journaled_state.database, addr, wei);
    }

    /// Deploys init code from `from` (nonce read from state); panics if deployment fails,
    /// since benchmark set-up errors are bugs.
    pub fn deploy(&mut self, from: Address, initcode: Bytes) -> Address {
        use revm::Database;
        let nonce = self
            .evm
            .ctx
            .journaled_state
            .database
            .basic(from)
            .unwrap_or_else(|e| match e {})
            .map_or(0, |a| a.nonce);
        let tx = evm::free_tx(
            self.chain_id,
            from,
            None,
            initcode,
            U256::ZERO,
            nonce,
            RAW_GAS_LIMIT,
        );
        match self.evm.transact_commit(tx) {
            Ok(ExecutionResult::Success {
                output: Output::Create(_, Some(addr)),
                ..
            }) => addr,
            other => panic!("raw deployment failed: {other:?}"),
        }
    }

    /// Executes and commits one call with the caller's nonce given by the benchmark.
    pub fn transact_commit(
        &mut self,
        from: Address,
        to: Address,
        data: Bytes,
        nonce: u64,
    ) -> RawResult {
        let tx = evm::free_tx(
            self.chain_id,
            from,
            Some(to),
            data,
            U256::ZERO,
            nonce,
            RAW_GAS_LIMIT,
        );
        let result = self
            .evm
            .transact_commit(tx)
            .unwrap_or_else(|e| panic!("raw transaction invalid: {e}"));
        RawResult {
            success: result.is_success(),
            gas_used: result.tx_gas_used(),
        }
    }
}
